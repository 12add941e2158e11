/*
 * Tutorial chapters "Handling exceptions" and "Exceptions vs. exceptional
 * futures", in C: a failure is an error code (plus an optional detail)
 * carried by a future instead of a value.
 *
 * Each demo below builds one chain; the driver reports how the chain ended
 * (with reef_then_wrapped, which sees successes and failures alike) and
 * then starts the next demo:
 *
 *   1. a failure skips the continuations after it, like an exception
 *      skipping the rest of a block;
 *   2. reef_then_wrapped gets the resolved future and may recover;
 *   3. reef_handle_error runs only on failure and replaces the result;
 *   4. reef_finally runs on both paths and passes the result through;
 *   5. an immediate error (an int, not a future) is turned into a failed
 *      future before returning, so that the caller's finally still runs;
 *   6. reef_futurize does the same for a synchronous function;
 *   7. a continuation that fails after a sleep is just another failure.
 *
 * With --unhandled, the last chain's failure is returned from app_main:
 * reef_app_run prints "program failed: ..." and returns 1.
 */
#include <errno.h>
#include <stdio.h>

#include <reef/reef.h>

/* An application error code, registered in main() with its name and
 * message (the tutorial's my_exception). */
#define MY_ERROR (REEF_EUSER_BASE - 1)

/* An asynchronous function that fails: it returns a failed future. */
static REEF_NODISCARD reef_future fail(void) { return reef_fail_code(MY_ERROR); }

static reef_future cleaning_up(void *cap)
{
    (void)cap;
    printf("cleaning up\n");
    return reef_done();
}

/* ---- 1. line1(); line2() fails; line3() is skipped ----------------------- */

static REEF_NODISCARD reef_future line1(void)
{
    printf("line1\n");
    return reef_done();
}

static reef_future line2(void *cap, reef_val v)
{
    (void)cap, (void)v;
    printf("line2 fails\n");
    return fail();
}

static reef_future line3(void *cap, reef_val v)
{
    (void)cap, (void)v;
    printf("line3 (never printed)\n");
    return reef_done();
}

static reef_future skipped(void)
{
    return reef_then(reef_then(line1(), line2, NULL, 0), line3, NULL, 0);
}

/* ---- 2. then_wrapped: look at the outcome, whatever it is ---------------- */

static reef_future inspect(void *cap, reef_future resolved)
{
    (void)cap;
    reef_val v;
    reef_err e;
    if (reef_future_take(resolved, &v, &e) == 0)
        return reef_ready_i64(v.i);
    printf("then_wrapped saw %s, answers -1\n", reef_err_name(e.code));
    reef_err_release(e); /* taken from the future: ours to release */
    return reef_ready_i64(-1);
}

static reef_future wrapped(void) { return reef_then_wrapped(fail(), inspect, NULL, 0); }

/* ---- 3. handle_error: only on failure ------------------------------------ */

static reef_future recover(void *cap, reef_err err)
{
    (void)cap;
    printf("handle_error saw %s, answers 42\n", reef_err_name(err.code));
    return reef_ready_i64(42); /* err is lent: Reef releases it */
}

static reef_future handled(void) { return reef_handle_error(fail(), recover, NULL, 0); }

/* ---- 4. finally, on both paths ------------------------------------------- */

static reef_future finally_failed(void) { return reef_finally(fail(), cleaning_up, NULL, 0); }

static reef_future finally_succeeded(void)
{
    return reef_finally(reef_ready_i64(7), cleaning_up, NULL, 0);
}

/* ---- 5. an immediate error, converted ------------------------------------ */

/* A plain C function that fails at once (the tutorial's inner() that
 * throws). */
static int inner(void) { return MY_ERROR; }

/* Checks inner()'s status before it has a future to return. Returning the
 * bare code instead would leave the caller without a future, and its
 * finally would never be attached. */
static REEF_NODISCARD reef_future fail_early(void)
{
    int rc = inner();
    if (rc < 0)
        return reef_fail_msg(rc, "inner() failed");
    return reef_done();
}

static reef_future converted(void) { return reef_finally(fail_early(), cleaning_up, NULL, 0); }

/* ---- 6. futurize: the same for a synchronous function -------------------- */

/* Parses its capture as a decimal digit: a value, or -EINVAL at once. */
static int parse_digit(void *cap, reef_val *out)
{
    char c = *(const char *)cap;
    if (c < '0' || c > '9')
        return -EINVAL;
    out->i = c - '0';
    return 0;
}

static reef_future futurized(void)
{
    static char not_a_digit = 'x';
    return reef_finally(reef_futurize(parse_digit, &not_a_digit), cleaning_up, NULL, 0);
}

/* ---- 7. a continuation that fails later ---------------------------------- */

static reef_future fail_after_sleep(void *cap, reef_val v)
{
    (void)cap, (void)v;
    return reef_fail_msg(MY_ERROR, "failed after the sleep");
}

static reef_future later(void)
{
    reef_future f = reef_then(reef_sleep(reef_ms(10)), fail_after_sleep, NULL, 0);
    return reef_finally(f, cleaning_up, NULL, 0);
}

/* ---- The driver ------------------------------------------------------------ */

static const struct demo {
    const char *title;
    reef_future (*run)(void);
} demos[] = {
    {"a failure skips the rest of the chain", skipped},
    {"then_wrapped sees the failure", wrapped},
    {"handle_error replaces the failure", handled},
    {"finally runs after a failure", finally_failed},
    {"finally runs after a success", finally_succeeded},
    {"an immediate error turned into a failed future", converted},
    {"futurize turns a synchronous error into a failed future", futurized},
    {"a continuation fails after a sleep", later},
};
#define NDEMOS (sizeof(demos) / sizeof(demos[0]))

/* Prints how a chain ended and lets the next one start either way. */
static reef_future report(void *cap, reef_future resolved)
{
    (void)cap;
    reef_val v;
    reef_err e;
    if (reef_future_take(resolved, &v, &e) != 0) {
        char what[256];
        reef_err_format(e, what, sizeof(what));
        printf("-> failed: %s\n", what);
        reef_err_release(e);
    } else {
        printf("-> succeeded with %lld\n", (long long)v.i);
    }
    return reef_done();
}

static reef_future run_demo(size_t i);

static reef_future next(void *cap, reef_val v)
{
    (void)v;
    size_t i = *(size_t *)cap + 1;
    return i < NDEMOS ? run_demo(i) : reef_done();
}

static reef_future run_demo(size_t i)
{
    printf("%zu. %s\n", i + 1, demos[i].title);
    reef_future f = reef_then_wrapped(demos[i].run(), report, NULL, 0);
    return reef_then(f, next, &i, sizeof(i));
}

static reef_future app_main(reef_app *app, void *arg)
{
    (void)arg;
    reef_future all = run_demo(0);
    if (!reef_app_flag(app, "unhandled"))
        return all;
    /* Nobody handles this one: it becomes the application's result. */
    return reef_then(all, line2, NULL, 0);
}

int main(int argc, char **argv)
{
    reef_err_register(MY_ERROR, "my_error", "my error");
    reef_app *app = reef_app_create("ex-exceptions", "Failures in chains of futures.");
    reef_app_add_flag(app, "unhandled", 0, "end with a failure nobody handles");
    int status = reef_app_run(app, argc, argv, app_main, NULL);
    reef_app_destroy(app);
    return status;
}
