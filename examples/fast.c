/*
 * Tutorial chapter "Ready futures": fast() returns a future that is ready
 * already. The caller cannot tell the difference; the continuation simply
 * runs at once, with no allocation.
 */
#include <stdio.h>

#include <reef/reef.h>

static REEF_NODISCARD reef_future fast(void) { return reef_ready_i64(3); }

static reef_future got(void *cap, reef_val v)
{
    (void)cap;
    printf("Got %lld\n", (long long)v.i);
    return reef_done();
}

static reef_future app_main(reef_app *app, void *arg)
{
    (void)app, (void)arg;
    return reef_then(fast(), got, NULL, 0);
}

int main(int argc, char **argv)
{
    reef_app *app = reef_app_create("ex-fast", "A ready future.");
    int status = reef_app_run(app, argc, argv, app_main, NULL);
    reef_app_destroy(app);
    return status;
}
