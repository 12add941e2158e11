/*
 * Tutorial chapter "Seastar::thread": the same "Hi." 1 2 3 with
 * reef_async, which starts the fiber and returns the future of its end in
 * one call.
 *
 *   ex-async-hi [--interval-ms 1000]
 */
#include <stdio.h>

#include <reef/reef.h>

static reef_duration interval;

static reef_future hi(void *arg)
{
    (void)arg;
    printf("Hi.\n");
    for (int i = 1; i < 4; i++) {
        reef_fiber_sleep(interval);
        printf("%d\n", i);
    }
    return reef_done();
}

static reef_future app_main(reef_app *app, void *arg)
{
    (void)arg;
    interval = reef_ms(reef_app_int(app, "interval-ms"));
    return reef_async(hi, NULL);
}

int main(int argc, char **argv)
{
    reef_app *app = reef_app_create("ex-async-hi", "Sequential code with reef_async.");
    reef_app_add_int(app, "interval-ms", 'i', 1000, "time between lines");
    int status = reef_app_run(app, argc, argv, app_main, NULL);
    reef_app_destroy(app);
    return status;
}
