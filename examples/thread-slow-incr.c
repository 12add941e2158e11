/*
 * Tutorial chapter "Saving objects on the stack": in a fiber, a local
 * variable survives a wait, because the fiber has a stack of its own.
 * slow_incr(i) sleeps 10 ms and returns i + 1.
 */
#include <stdio.h>

#include <reef/reef.h>

static reef_future slow_incr_body(void *arg)
{
    int64_t i = *(int64_t *)arg; /* on the fiber's stack */
    reef_fiber_sleep(reef_ms(10));
    /* We get here after the 10 ms wait; i is still available. */
    return reef_ready_i64(i + 1);
}

static int64_t input = 3;

static REEF_NODISCARD reef_future slow_incr(void) { return reef_async(slow_incr_body, &input); }

static reef_future got(void *cap, reef_val v)
{
    (void)cap;
    printf("Got %lld\n", (long long)v.i);
    return reef_done();
}

static reef_future app_main(reef_app *app, void *arg)
{
    (void)app, (void)arg;
    return reef_then(slow_incr(), got, NULL, 0);
}

int main(int argc, char **argv)
{
    reef_app *app = reef_app_create("ex-thread-slow-incr", "A local variable across a wait.");
    int status = reef_app_run(app, argc, argv, app_main, NULL);
    reef_app_destroy(app);
    return status;
}
