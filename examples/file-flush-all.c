/*
 * Tutorial chapters "Loops" and "Files": flush_all_files starts a flush
 * on every open file at once with reef_parallel_for_each and resolves when
 * the last has finished. The flushes finish in whatever order the disk
 * completes them.
 *
 *   ex-file-flush-all [--files N]   writes a block to N files (default 4)
 *                                   in a new directory, flushes them all,
 *                                   then removes them
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <reef/reef.h>

struct entry {
    reef_file *f;
    char name[16];
};

/* One iteration: flush the file, then say so. The array outlives the loop
 * (rule: for_each arrays stay alive until its future resolves). */
static reef_future flushed(void *cap, reef_val v)
{
    (void)v;
    printf("flushed %s\n", (*(struct entry **)cap)->name);
    return reef_done();
}

static reef_future flush_one(void *cap, void *elem)
{
    (void)cap;
    struct entry *e = elem;
    return reef_then(reef_file_flush(e->f), flushed, &e, sizeof(e));
}

/* Flushes every file in files[0..n) in parallel; fails with one of the
 * flushes' errors if any fails (all of them have finished by then). */
static REEF_NODISCARD reef_future flush_all_files(struct entry *files, size_t n)
{
    return reef_parallel_for_each(files, n, sizeof(files[0]), flush_one, NULL, 0);
}

/* ---- The program ------------------------------------------------------------------------ */

static int wait_quietly(reef_future f)
{
    reef_err e;
    int rc = reef_fiber_wait(f, NULL, &e);
    if (rc < 0)
        reef_err_release(e);
    return rc;
}

/* Opens dir/name and writes one block of `fill` to it (in a fiber). */
static reef_future create_one(const char *dir, struct entry *ent, char fill)
{
    char path[64];
    snprintf(path, sizeof(path), "%s/%s", dir, ent->name);
    reef_val v;
    reef_err e;
    if (reef_fiber_wait(reef_file_open(path, REEF_FILE_WRITE | REEF_FILE_CREATE), &v, &e) < 0)
        return reef_fail(e);
    ent->f = v.p;
    reef_buf b;
    if (reef_file_alloc_buf(ent->f, 4096, &b) < 0)
        return reef_fail_code(-ENOMEM);
    memset(reef_buf_data(b), fill, reef_buf_size(b));
    int rc = reef_fiber_wait(reef_file_dma_write(ent->f, 0, reef_buf_data(b), reef_buf_size(b)),
                             NULL, &e);
    reef_buf_release(&b);
    return rc < 0 ? reef_fail(e) : reef_done();
}

/* Closes and removes every file that was opened, then the directory. */
static void clean_up(const char *dir, struct entry *files, size_t n)
{
    char path[64];
    for (size_t i = 0; i < n && files[i].f; i++) {
        wait_quietly(reef_file_close(files[i].f));
        snprintf(path, sizeof(path), "%s/%s", dir, files[i].name);
        wait_quietly(reef_remove_file(path));
    }
    wait_quietly(reef_remove_directory(dir));
}

static reef_future run(void *arg)
{
    reef_app *app = arg;
    uint64_t n = reef_app_uint(app, "files");
    if (n == 0 || n > 1000)
        return reef_fail_msg(-EINVAL, "--files: %llu is not between 1 and 1000",
                             (unsigned long long)n);
    char dir[] = "/tmp/reef-flush-all-XXXXXX";
    if (!mkdtemp(dir))
        return reef_fail_msg(-errno, "mkdtemp: %s", strerror(errno));
    struct entry *files = calloc(n, sizeof(*files));
    if (!files)
        return reef_fail_code(-ENOMEM);
    reef_future result = reef_done();
    for (size_t i = 0; i < n && !reef_future_failed(result); i++) {
        snprintf(files[i].name, sizeof(files[i].name), "file-%zu", i);
        reef_future_ignore(result);
        result = create_one(dir, &files[i], (char)('a' + i % 26));
    }
    if (!reef_future_failed(result)) {
        reef_future_ignore(result);
        result = flush_all_files(files, n);
        reef_err e;
        if (reef_fiber_wait(result, NULL, &e) == 0) {
            printf("all %llu files flushed\n", (unsigned long long)n);
            result = reef_done();
        } else {
            result = reef_fail(e);
        }
    }
    clean_up(dir, files, n);
    free(files);
    return result;
}

static reef_future app_main(reef_app *app, void *arg)
{
    (void)arg;
    return reef_async(run, app);
}

int main(int argc, char **argv)
{
    reef_app *app = reef_app_create("ex-file-flush-all", "Flushes several files in parallel.");
    reef_app_add_uint(app, "files", 0, 4, "how many files to write and flush");
    int status = reef_app_run(app, argc, argv, app_main, NULL);
    reef_app_destroy(app);
    return status;
}
