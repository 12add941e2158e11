/*
 * Foreign pointers: handing an object to another shard while its home
 * shard keeps the right to destroy it.
 *
 * Objects belong to the shard that made them (their memory comes from that
 * shard's allocator, their state is touched without locks). A foreign
 * pointer carries the object, its home shard and its destructor; whoever
 * holds it may read the object (if the object's own rules allow), and
 * reef_foreign_destroy() runs the destructor back on the home shard.
 */
#ifndef REEF_FOREIGN_H
#define REEF_FOREIGN_H

#include <reef/common.h>
#include <reef/future.h>

REEF_BEGIN_DECLS

typedef struct reef_foreign_ptr {
    /* private */
    void *_p;
    unsigned _owner;
    void (*_destroy)(void *p);
} reef_foreign_ptr;

/* Wraps p, owned by the calling shard, with the function that destroys it
 * (may be NULL: nothing to do). */
REEF_API reef_foreign_ptr reef_foreign_make(void *p, void (*destroy)(void *p));

static inline void *reef_foreign_get(reef_foreign_ptr fp) { return fp._p; }
static inline unsigned reef_foreign_owner(reef_foreign_ptr fp) { return fp._owner; }

/* Runs the destructor on the home shard (at once if that is the calling
 * shard, else through a message) and empties *fp. Nothing for an empty
 * pointer. Must be called on a shard. */
REEF_API void reef_foreign_destroy(reef_foreign_ptr *fp);

/* Gives up ownership without destroying: returns the object and empties
 * *fp. The caller takes over the destructor's duty. */
REEF_API void *reef_foreign_release(reef_foreign_ptr *fp);

/* An explicit asynchronous copy, for objects shared on their home shard
 * (reference-counted, say): runs copy(p) on the home shard and, once it
 * returns, stores a foreign pointer to the copy (same home and destructor)
 * in *out, which must stay valid until the future resolves. copy returning
 * NULL fails the future with -ENOMEM. */
REEF_API REEF_NODISCARD reef_future reef_foreign_copy(reef_foreign_ptr fp, void *(*copy)(void *p),
                                                     reef_foreign_ptr *out);

REEF_END_DECLS

#endif
