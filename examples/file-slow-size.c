/*
 * Tutorial chapter "Files", shared handles: slow_size waits a little, then
 * asks for a file's size. The file handle it was given has to outlive the
 * wait and the size request, even if the caller closes its own handle at
 * once — so slow_size gets a reference of its own (reef_file_share) and
 * lets go of it once the size has arrived.
 *
 *   ex-file-slow-size PATH    prints PATH's size
 *   ex-file-slow-size         makes a 12345-byte file first and prints its size
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <reef/reef.h>

#define OWN_SIZE 12345

/* Drops the reference slow_size owns once the size has resolved; the
 * size is passed on when the drop has (and a failure to close replaces
 * it). */
static reef_future release(void *cap) { return reef_file_close(*(reef_file **)cap); }

/* The same when the size was never asked for: nobody waits, so a failure
 * to close is logged. */
static void release_unused(void *cap) { reef_discard(release(cap)); }

static reef_future size_now(void *cap, reef_val v)
{
    (void)v;
    reef_file *f = *(reef_file **)cap;
    /*
     * Wrong: `return reef_file_size(f);` and nothing else. The reference
     * slow_size was given is never dropped, so the file is never closed
     * (and with a borrowed pointer instead of a reference of its own,
     * slow_size would use a freed file as soon as the caller closed its
     * handle during the sleep).
     *
     * Right: keep the reference until the size has resolved, then drop it.
     * (Reef keeps the descriptor open while an operation on it is in
     * flight, so dropping it right after starting the request would be
     * safe as well; holding it to the end says plainly who owns what.)
     */
    return reef_finally(reef_file_size(f), release, &f, sizeof(f));
}

/* Resolves with f's size (.u) after 10 ms. Takes over the reference f:
 * the caller passes reef_file_share(its handle) and may close its own
 * handle at once. */
static REEF_NODISCARD reef_future slow_size(reef_file *f)
{
    /* If the sleep fails (or the continuation cannot be allocated),
     * size_now is skipped and release_unused drops the reference. */
    return reef_then_owned(reef_sleep(reef_ms(10)), size_now, release_unused, &f, sizeof(f));
}

/* ---- The program ------------------------------------------------------------------------ */

/* Waits for f in this fiber; 0 or the error code, with *e to release. */
static int wait_quietly(reef_future f)
{
    reef_err e;
    int rc = reef_fiber_wait(f, NULL, &e);
    if (rc < 0)
        reef_err_release(e);
    return rc;
}

static reef_future run(void *arg)
{
    reef_app *app = arg;
    const char *const *paths;
    char dir[] = "/tmp/reef-slow-size-XXXXXX", own[64];
    const char *path = own;
    unsigned flags = REEF_FILE_WRITE | REEF_FILE_CREATE;
    if (reef_app_list(app, "path", &paths) > 0) {
        path = paths[0];
        flags = REEF_FILE_READ;
    } else {
        if (!mkdtemp(dir))
            return reef_fail_msg(-errno, "mkdtemp: %s", strerror(errno));
        snprintf(own, sizeof(own), "%s/sized", dir);
    }
    reef_val v;
    reef_err e;
    if (reef_fiber_wait(reef_file_open(path, flags), &v, &e) < 0)
        return reef_fail(e);
    reef_file *f = v.p;
    if (path == own && wait_quietly(reef_file_truncate(f, OWN_SIZE)) < 0)
        printf("could not size %s\n", own);
    /* slow_size gets a reference of its own; ours is dropped at once, and
     * the file stays open until slow_size lets go of it too. */
    reef_future size = slow_size(reef_file_share(f));
    reef_future closed = reef_file_close(f);
    int rc = reef_fiber_wait(size, &v, &e);
    if (rc == 0)
        printf("%s: %llu bytes\n", path == own ? "slow_size" : path, (unsigned long long)v.u);
    wait_quietly(closed); /* resolved by now: slow_size's close came last */
    if (path == own) {
        wait_quietly(reef_remove_file(own));
        wait_quietly(reef_remove_directory(dir));
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
    reef_app *app = reef_app_create("ex-file-slow-size", "A file's size, after a while.");
    reef_app_add_positional(app, "path", 1, "the file to measure (default: one made first)");
    int status = reef_app_run(app, argc, argv, app_main, NULL);
    reef_app_destroy(app);
    return status;
}
