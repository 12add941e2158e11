/*
 * Tutorial chapter "Handling exceptions" / "Exceptions vs. exceptional
 * futures", in C: failures are error codes (with optional details) carried
 * by futures.
 *
 *   1. reef_then skips its continuation when the future failed, and the
 *      error reaches the end of the chain;
 *   2. reef_then_wrapped sees the resolved future, failed or not;
 *   3. reef_finally runs either way and lets the error through;
 *   4. a function that fails at once (an error code instead of a future)
 *      is wrapped with reef_futurize, so that finally still runs;
 *   5. a continuation that fails is just another failed future.
 */
#include <stdio.h>

#include <reef/reef.h>

#define MY_ERROR (REEF_EUSER_BASE - 1)

static REEF_NODISCARD reef_future fail(void) { return reef_fail_code(MY_ERROR); }

static reef_future never_runs(void *cap, reef_val v)
{
    (void)cap, (void)v;
    printf("this is never printed\n");
    return reef_done();
}

/* Reports how a chain ended and hands on success. */
static reef_future report(void *cap, reef_future resolved)
{
    reef_err e;
    if (reef_future_take(resolved, NULL, &e) != 0) {
        printf("%s: failed with %s (%s)\n", *(const char **)cap, reef_err_name(e.code),
               reef_strerror(e.code));
        reef_err_release(e);
    } else {
        printf("%s: succeeded\n", *(const char **)cap);
    }
    return reef_done();
}

static reef_future cleaning_up(void *cap)
{
    (void)cap;
    printf("cleaning up\n");
    return reef_done();
}

/* Fails immediately, C style: no future at all, just an error code. */
static int fail_now(void *cap, reef_val *out)
{
    (void)cap, (void)out;
    return MY_ERROR;
}

static reef_future fail_later(void *cap, reef_val v)
{
    (void)cap, (void)v;
    return reef_fail_msg(MY_ERROR, "failed after the sleep");
}

static reef_future step(void *cap, reef_val v);

static reef_future chain(int n)
{
    static const char *const names[] = {"then skipped", "then_wrapped", "finally",
                                        "futurize + finally", "failing continuation"};
    reef_future f;
    switch (n) {
    case 0:
        f = reef_then(fail(), never_runs, NULL, 0);
        break;
    case 1:
        f = fail();
        break;
    case 2:
        f = reef_finally(fail(), cleaning_up, NULL, 0);
        break;
    case 3:
        f = reef_finally(reef_futurize(fail_now, NULL), cleaning_up, NULL, 0);
        break;
    default:
        f = reef_finally(reef_then(reef_sleep(reef_ms(10)), fail_later, NULL, 0), cleaning_up,
                         NULL, 0);
        break;
    }
    f = reef_then_wrapped(f, report, &names[n], sizeof(names[n]));
    return reef_then(f, step, &n, sizeof(n));
}

static reef_future step(void *cap, reef_val v)
{
    (void)v;
    int n = *(int *)cap + 1;
    return n < 5 ? chain(n) : reef_done();
}

static reef_future app_main(reef_app *app, void *arg)
{
    (void)app, (void)arg;
    return chain(0);
}

int main(int argc, char **argv)
{
    reef_err_register(MY_ERROR, "my_error", "my error");
    reef_app *app = reef_app_create("ex-exceptions", "Failures in chains of futures.");
    int status = reef_app_run(app, argc, argv, app_main, NULL);
    reef_app_destroy(app);
    return status;
}
