/*
 * Tutorial chapter "when_all: Waiting for multiple futures": waiting for
 * futures that already exist. reef_when_all hands back every result, each
 * to be looked at; reef_when_all_succeed hands back the values, or one
 * error.
 */
#include <errno.h>
#include <stdio.h>

#include <reef/reef.h>

static reef_future two(void *cap, reef_val v)
{
    (void)cap, (void)v;
    return reef_ready_i64(2);
}

static reef_future oops(void *cap, reef_val v)
{
    (void)cap, (void)v;
    return reef_fail_msg(-EINVAL, "oops");
}

static reef_future futs[3];
static reef_val values[3];

static reef_future part4(void *cap, reef_val v);

static reef_future show_all(void *cap, reef_val v)
{
    (void)cap, (void)v;
    /* Every result is resolved now; take each one. */
    printf("%d\n", reef_future_available(futs[0]));
    reef_future_ignore(futs[0]);
    reef_val two_v, d;
    reef_future_take(futs[1], &two_v, NULL);
    reef_future_take(futs[2], &d, NULL);
    printf("%lld\n%g\n", (long long)two_v.i, d.d);
    return reef_done();
}

static reef_future show_failed(void *cap, reef_val v)
{
    (void)cap, (void)v;
    printf("%d\n", reef_future_available(futs[0]));
    printf("%d\n", reef_future_failed(futs[1]));
    reef_future_ignore(futs[0]);
    reef_future_ignore(futs[1]); /* looked at and dropped on purpose */
    return reef_done();
}

static reef_future show_values(void *cap, reef_val v)
{
    (void)cap, (void)v;
    printf("%lld %g\n", (long long)values[1].i, values[2].d);
    return reef_done();
}

static reef_future show_error(void *cap, reef_err e)
{
    (void)cap;
    printf("error: %s\n", reef_err_message(e));
    return reef_done();
}

static reef_future part2(void *cap, reef_val v)
{
    (void)cap, (void)v;
    futs[0] = reef_sleep(reef_ms(10));
    futs[1] = reef_then(reef_sleep(reef_ms(20)), oops, NULL, 0);
    return reef_then(reef_then(reef_when_all(futs, 2), show_failed, NULL, 0), part4, NULL, 0);
}

static reef_future part4(void *cap, reef_val v)
{
    (void)cap, (void)v;
    reef_future f[3] = {reef_sleep(reef_ms(10)), reef_ready_i64(2), reef_ready_f64(3.5)};
    reef_future ok = reef_then(reef_when_all_succeed(f, 3, values), show_values, NULL, 0);
    reef_future g[2] = {reef_ready_i64(2), reef_fail_msg(-EINVAL, "oops")};
    reef_future bad = reef_then(reef_when_all_succeed(g, 2, values), show_values, NULL, 0);
    bad = reef_handle_error(bad, show_error, NULL, 0);
    reef_future both[2] = {ok, bad};
    return reef_when_all_succeed(both, 2, NULL);
}

static reef_future app_main(reef_app *app, void *arg)
{
    (void)app, (void)arg;
    futs[0] = reef_sleep(reef_ms(10));
    futs[1] = reef_then(reef_sleep(reef_ms(20)), two, NULL, 0);
    futs[2] = reef_ready_f64(3.5);
    return reef_then(reef_then(reef_when_all(futs, 3), show_all, NULL, 0), part2, NULL, 0);
}

int main(int argc, char **argv)
{
    reef_app *app = reef_app_create("ex-when-all-tutorial", "Waiting for several futures.");
    int status = reef_app_run(app, argc, argv, app_main, NULL);
    reef_app_destroy(app);
    return status;
}
