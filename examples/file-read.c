/*
 * Tutorial chapter "Files" (and "Seastar::thread"): read_file in a fiber.
 * It opens a file for direct I/O, reads its first block into memory
 * aligned for the file, and returns up to 512 bytes of it as a string —
 * each step waits for its future as if it were a blocking call, while the
 * reactor goes on with other work.
 *
 *   ex-file-read PATH    prints the first 512 bytes of PATH
 *   ex-file-read         writes a short file first, then reads it back
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <reef/reef.h>

#define WANT 512

static const char greeting[] = "Reef read this from the disk, in a fiber.\n";

/* Closing is asynchronous too: wait for it, so the descriptor is gone
 * before the fiber goes on (a failure to close loses nothing here). */
static void close_file(reef_file *f)
{
    reef_err e;
    if (reef_fiber_wait(reef_file_close(f), NULL, &e) < 0)
        reef_err_release(e);
}

/* A malloc'd, NUL-terminated copy of the first n bytes of b (.p). */
static reef_future as_string(reef_buf b, size_t n)
{
    char *text = malloc(n + 1);
    if (!text)
        return reef_fail_code(-ENOMEM);
    memcpy(text, reef_buf_data(b), n);
    text[n] = '\0';
    return reef_ready_ptr(text);
}

/* Runs in a fiber: resolves with a string of the file's first bytes
 * (.p), which the caller frees. */
static reef_future read_file(void *arg)
{
    const char *path = arg;
    reef_val v;
    reef_err e;
    if (reef_fiber_wait(reef_file_open(path, REEF_FILE_READ), &v, &e) < 0)
        return reef_fail(e);
    reef_file *f = v.p;
    /* A direct read covers whole blocks of the file's alignment (512 or
     * 4096 bytes, the filesystem decides), so read one rounded-up block
     * and keep the first 512 bytes of it. */
    reef_buf buf;
    if (reef_file_alloc_buf(f, WANT, &buf) < 0) {
        close_file(f);
        return reef_fail_code(-ENOMEM);
    }
    reef_future result;
    int rc = reef_fiber_wait(reef_file_dma_read(f, 0, reef_buf_data(buf), reef_buf_size(buf)), &v,
                             &e);
    if (rc < 0) {
        reef_err_release(e);
        result = reef_fail_msg(rc, "read %s: %s", path, reef_strerror(rc));
    } else {
        result = as_string(buf, v.u < WANT ? v.u : WANT);
    }
    reef_buf_release(&buf);
    close_file(f);
    return result;
}

/* Writes the greeting into a new file at path (in a fiber): 0 or -errno. */
static int write_greeting(const char *path)
{
    reef_val v;
    reef_err e;
    unsigned flags = REEF_FILE_WRITE | REEF_FILE_CREATE | REEF_FILE_TRUNCATE;
    int rc = reef_fiber_wait(reef_file_open(path, flags), &v, &e);
    if (rc < 0) {
        reef_err_release(e);
        return rc;
    }
    reef_file *f = v.p;
    reef_buf b;
    if (reef_file_alloc_buf(f, sizeof(greeting) - 1, &b) < 0) {
        close_file(f);
        return -ENOMEM;
    }
    memset(reef_buf_data(b), 0, reef_buf_size(b));
    memcpy(reef_buf_data(b), greeting, sizeof(greeting) - 1);
    rc = reef_fiber_wait(reef_file_dma_write(f, 0, reef_buf_data(b), reef_buf_size(b)), NULL, &e);
    /* The write covered a whole block; cut the file back to the text. */
    if (rc == 0)
        rc = reef_fiber_wait(reef_file_truncate(f, sizeof(greeting) - 1), NULL, &e);
    if (rc < 0)
        reef_err_release(e);
    reef_buf_release(&b);
    close_file(f);
    return rc;
}

static reef_future run(void *arg)
{
    reef_app *app = arg;
    const char *const *paths;
    char dir[] = "/tmp/reef-file-read-XXXXXX", own[64];
    const char *path;
    if (reef_app_list(app, "path", &paths) > 0) {
        path = paths[0];
    } else {
        if (!mkdtemp(dir))
            return reef_fail_msg(-errno, "mkdtemp: %s", strerror(errno));
        snprintf(own, sizeof(own), "%s/greeting", dir);
        path = own;
        int rc = write_greeting(path);
        if (rc < 0)
            return reef_fail_msg(rc, "writing %s: %s", path, reef_strerror(rc));
    }
    reef_val v;
    reef_err e;
    /* read_file is a fiber of its own; this one waits for its result. */
    int rc = reef_fiber_wait(reef_async(read_file, (void *)path), &v, &e);
    if (rc == 0) {
        fputs(v.p, stdout);
        free(v.p);
    }
    if (path == own) {
        reef_err gone;
        if (reef_fiber_wait(reef_remove_file(own), NULL, &gone) < 0 ||
            reef_fiber_wait(reef_remove_directory(dir), NULL, &gone) < 0)
            reef_err_release(gone);
    }
    return rc < 0 ? reef_fail(e) : reef_done();
}

static reef_future app_main(reef_app *app, void *arg)
{
    (void)arg;
    return reef_async(run, app);
}

int main(int argc, char **argv)
{
    reef_app *app = reef_app_create("ex-file-read", "Reads a file's first 512 bytes in a fiber.");
    reef_app_add_positional(app, "path", 1, "the file to read (default: one written first)");
    int status = reef_app_run(app, argc, argv, app_main, NULL);
    reef_app_destroy(app);
    return status;
}
