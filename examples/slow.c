/*
 * Tutorial chapter "Futures and continuations": slow() returns a future
 * whose value, 3, is ready after 100 ms; the caller's continuation gets the
 * value as its argument.
 */
#include <stdio.h>

#include <reef/reef.h>

static reef_future three(void *cap, reef_val v)
{
    (void)cap, (void)v;
    return reef_ready_i64(3);
}

static REEF_NODISCARD reef_future slow(void)
{
    return reef_then(reef_sleep(reef_ms(100)), three, NULL, 0);
}

static reef_future got(void *cap, reef_val v)
{
    (void)cap;
    printf("Got %lld\n", (long long)v.i);
    return reef_done();
}

static reef_future app_main(reef_app *app, void *arg)
{
    (void)app, (void)arg;
    return reef_then(slow(), got, NULL, 0);
}

int main(int argc, char **argv)
{
    reef_app *app = reef_app_create("ex-slow", "A future with a value.");
    int status = reef_app_run(app, argc, argv, app_main, NULL);
    reef_app_destroy(app);
    return status;
}
