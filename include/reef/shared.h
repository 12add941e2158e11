/*
 * Shared objects: a reference count in front of an object, for state that
 * several continuations of one shard use (the tutorial's lw_shared_ptr).
 * The count is a plain integer: a shared object must be used only on the
 * shard that created it (move it to another shard as a foreign pointer).
 *
 *   struct conn *c = reef_shared_new(sizeof(*c), conn_dtor);
 *   reef_then(f, step, reef_shared_ref(c), 0);  // the continuation unrefs it
 *   reef_shared_unref(c);
 */
#ifndef REEF_SHARED_H
#define REEF_SHARED_H

#include <reef/common.h>

REEF_BEGIN_DECLS

/* Allocates a zero-filled object of `size` bytes with one reference;
 * dtor(obj) (may be NULL) runs when the last reference goes, before the
 * memory is freed. NULL when out of memory. */
REEF_API void *reef_shared_new(size_t size, void (*dtor)(void *obj));

/* Adds a reference and returns obj (NULL is passed through). */
REEF_API void *reef_shared_ref(void *obj);

/* Drops a reference; the last one destroys the object. NULL is ignored. */
REEF_API void reef_shared_unref(void *obj);

/* The current number of references (for assertions and tests). */
REEF_API unsigned reef_shared_count(const void *obj);

/* A drop function for reef_then_owned captures holding one shared pointer:
 * `cap` points at the pointer. */
REEF_API void reef_shared_drop_cap(void *cap);

REEF_END_DECLS

#endif
