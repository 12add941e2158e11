/*
 * Tutorial chapter "Seastar::thread" ("Starting and ending a thread"): a
 * fiber prints "Hi." and then 1, 2, 3, one interval apart, written as
 * straight-line code; the application waits for it with reef_fiber_join.
 *
 *   ex-thread-hi [--interval-ms 1000]
 */
#include <errno.h>
#include <stdio.h>

#include <reef/reef.h>

static reef_future hi(void *arg)
{
    reef_duration interval = *(reef_duration *)arg;
    printf("Hi.\n");
    for (int i = 1; i < 4; i++) {
        reef_fiber_sleep(interval); /* only this fiber waits */
        printf("%d\n", i);
    }
    return reef_done();
}

static reef_duration interval;

static reef_future app_main(reef_app *app, void *arg)
{
    (void)arg;
    interval = reef_ms(reef_app_int(app, "interval-ms"));
    reef_fiber *th = reef_fiber_start(NULL, hi, &interval);
    if (!th)
        return reef_fail_code(-ENOMEM);
    return reef_fiber_join(th);
}

int main(int argc, char **argv)
{
    reef_app *app = reef_app_create("ex-thread-hi", "Sequential code in a fiber.");
    reef_app_add_int(app, "interval-ms", 'i', 1000, "time between lines");
    int status = reef_app_run(app, argc, argv, app_main, NULL);
    reef_app_destroy(app);
    return status;
}
