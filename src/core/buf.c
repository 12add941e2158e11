/*
 * Reference-counted byte buffers (include/reef/buf.h).
 *
 * The storage header sits in front of the bytes in the common case, so a
 * buffer costs one allocation; aligned and wrapped buffers keep their
 * bytes elsewhere and free them through the deleter.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <reef/buf.h>
#include <reef/log.h>
#include <reef/memory.h>
#include <reef/reactor.h>

struct reef__buf_storage {
    uint32_t refs;
    uint32_t owner;           /* shard that made it (checked in debug builds) */
    reef_buf_deleter deleter; /* NULL: nothing but the header to free */
    void *arg;
    void *mem; /* what the deleter gets; NULL when the bytes follow the header */
};

/* The bytes after the header keep reef_malloc's 16-byte alignment. */
_Static_assert(sizeof(struct reef__buf_storage) % 16 == 0, "bytes follow the header aligned");

static void misuse(const char *what)
{
    reef_log_error(&reef_logger_reef, "reef_buf: %s", what);
    abort();
}

static inline void check_owner(const struct reef__buf_storage *st)
{
#ifndef NDEBUG
    /* Counts are not atomic: touching them from another shard would race. */
    if (st->owner != reef_shard_id())
        misuse("buffer used on a shard that does not own it (copy it instead)");
#else
    (void)st;
#endif
}

static struct reef__buf_storage *new_storage(size_t extra)
{
    struct reef__buf_storage *st = reef_malloc(sizeof(*st) + extra);
    if (st)
        *st = (struct reef__buf_storage){.refs = 1, .owner = reef_shard_id()};
    return st;
}

int reef_buf_alloc(size_t n, reef_buf *out)
{
    *out = (reef_buf){0};
    if (n == 0)
        return 0;
    if (n > PTRDIFF_MAX - sizeof(struct reef__buf_storage)) /* no object is that big */
        return -ENOMEM;
    struct reef__buf_storage *st = new_storage(n);
    if (!st)
        return -ENOMEM;
    *out = (reef_buf){(char *)(st + 1), n, st};
    return 0;
}

static void free_aligned(void *arg, void *data)
{
    (void)arg;
    reef_free(data);
}

int reef_buf_alloc_aligned(size_t align, size_t n, reef_buf *out)
{
    *out = (reef_buf){0};
    if (align == 0 || (align & (align - 1)))
        return -EINVAL;
    if (align <= 16)
        return reef_buf_alloc(n, out);
    if (n == 0)
        return 0;
    if (n > PTRDIFF_MAX)
        return -ENOMEM;
    void *mem = reef_aligned_alloc(align, n);
    if (!mem)
        return -ENOMEM;
    int rc = reef_buf_wrap(mem, n, free_aligned, NULL, out);
    if (rc < 0)
        reef_free(mem);
    return rc;
}

int reef_buf_wrap(void *data, size_t n, reef_buf_deleter deleter, void *arg, reef_buf *out)
{
    *out = (reef_buf){0};
    if (!data && n > 0)
        return -EINVAL;
    struct reef__buf_storage *st = new_storage(0);
    if (!st)
        return -ENOMEM;
    st->deleter = deleter;
    st->arg = arg;
    st->mem = data;
    *out = (reef_buf){data, n, st};
    return 0;
}

int reef_buf_copy(const void *src, size_t n, reef_buf *out)
{
    int rc = reef_buf_alloc(n, out);
    if (rc == 0 && n > 0)
        memcpy(out->_data, src, n);
    return rc;
}

static void unref(struct reef__buf_storage *st)
{
    check_owner(st);
    if (--st->refs > 0)
        return;
    if (st->deleter)
        st->deleter(st->arg, st->mem);
    reef_free(st);
}

reef_buf reef_buf_share(reef_buf b, size_t off, size_t len)
{
    if (off >= b._len || len == 0)
        return (reef_buf){0};
    if (len > b._len - off)
        len = b._len - off;
    check_owner(b._st);
    if (b._st->refs == UINT32_MAX)
        misuse("too many shares of one buffer");
    b._st->refs++;
    return (reef_buf){b._data + off, len, b._st};
}

void reef_buf_release(reef_buf *b)
{
    if (b->_st)
        unref(b->_st);
    *b = (reef_buf){0};
}

void reef_buf_trim(reef_buf *b, size_t n)
{
    if (n >= b->_len)
        return;
    if (n == 0)
        reef_buf_release(b);
    else
        b->_len = n;
}

void reef_buf_trim_front(reef_buf *b, size_t n)
{
    if (n == 0)
        return;
    if (n >= b->_len) {
        reef_buf_release(b);
        return;
    }
    b->_data += n;
    b->_len -= n;
}

bool reef_buf_unique(reef_buf b) { return b._st && b._st->refs == 1; }
