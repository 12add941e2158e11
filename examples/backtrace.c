/*
 * Tutorial chapter "Finding where an exception was thrown": an error code
 * says what went wrong, not where. reef_fail_with_backtrace() records the
 * backtrace of the code that made the failure in the error's detail, and
 * reef_err_format() prints it after the message:
 *
 *   Failure: REEF_EFAILED (operation failed): hello
 *   Failure: REEF_EFAILED (operation failed): hello Backtrace:
 *     0x3836
 *     ...
 *
 * scripts/reef-addr2line -e build/bin/ex-backtrace turns the addresses
 * into functions and lines; one of them is g() below.
 */
#include <stdio.h>

#include <reef/reef.h>

/* Fails with a message only. */
static REEF_NODISCARD reef_future g_plain(void) { return reef_fail_msg(REEF_EFAILED, "hello"); }

/* Fails with a message and the backtrace of this call. */
static REEF_NODISCARD reef_future g(void)
{
    return reef_fail_with_backtrace(REEF_EFAILED, "hello");
}

/* The tutorial's handle_exception printing the exception. `err` is lent:
 * Reef releases it after this returns. */
static reef_future show(void *cap, reef_err err)
{
    (void)cap;
    char what[4096];
    size_t n = reef_err_format(err, what, sizeof(what));
    /* A backtrace ends with its own newline. */
    if (n > 0 && n < sizeof(what) && what[n - 1] == '\n')
        what[n - 1] = '\0';
    printf("Failure: %s\n", what);
    return reef_done();
}

static reef_future then_g(void *cap, reef_val v)
{
    (void)cap, (void)v;
    return reef_handle_error(g(), show, NULL, 0);
}

static reef_future app_main(reef_app *app, void *arg)
{
    (void)app, (void)arg;
    reef_future first = reef_handle_error(g_plain(), show, NULL, 0);
    return reef_then(first, then_g, NULL, 0);
}

int main(int argc, char **argv)
{
    reef_app *app = reef_app_create("ex-backtrace", "A failure that knows where it was made.");
    int status = reef_app_run(app, argc, argv, app_main, NULL);
    reef_app_destroy(app);
    return status;
}
