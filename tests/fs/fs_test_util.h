/*
 * What the file tests share: a scratch directory per case, and opening,
 * closing and waiting with the outcome checked.
 */
#ifndef REEF_TESTS_FS_TEST_UTIL_H
#define REEF_TESTS_FS_TEST_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <reef/fiber.h>
#include <reef/file.h>

#include "harness/harness.h"

/* A fresh directory under `base` for one case, with two file names in it;
 * removed, with those files, by scratch_fini. */
struct scratch {
    char dir[64];
    char path[128];
    char path2[128];
};

static inline void scratch_init(struct scratch *s, const char *base)
{
    snprintf(s->dir, sizeof(s->dir), "%s/reef-test-XXXXXX", base);
    T_TRUE(mkdtemp(s->dir) != NULL);
    snprintf(s->path, sizeof(s->path), "%s/data", s->dir);
    snprintf(s->path2, sizeof(s->path2), "%s/copy", s->dir);
}

static inline void scratch_fini(struct scratch *s)
{
    unlink(s->path);
    unlink(s->path2);
    T_EQ(rmdir(s->dir), 0);
}

static inline reef_file *open_ok(const char *path, unsigned flags)
{
    reef_val v;
    T_EQ(reef_fiber_wait(reef_file_open(path, flags), &v, NULL), 0);
    return v.p;
}

static inline void close_ok(reef_file *f)
{
    T_EQ(reef_fiber_wait(reef_file_close(f), NULL, NULL), 0);
}

/* Waits for f, which must succeed, and returns its value (.u). */
static inline uint64_t wait_u(reef_future f)
{
    reef_val v;
    T_EQ(reef_fiber_wait(f, &v, NULL), 0);
    return v.u;
}

#endif
