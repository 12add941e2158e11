/*
 * Tutorial chapter "Futures and continuations": a continuation attached to
 * a one-second sleep.
 */
#include <stdio.h>

#include <reef/reef.h>

static reef_future done(void *cap, reef_val v)
{
    (void)cap, (void)v;
    printf("Done.\n");
    return reef_done();
}

static reef_future app_main(reef_app *app, void *arg)
{
    (void)app, (void)arg;
    printf("Sleeping... ");
    fflush(stdout);
    return reef_then(reef_sleep(reef_s(1)), done, NULL, 0);
}

int main(int argc, char **argv)
{
    reef_app *app = reef_app_create("ex-sleep", "Sleeps one second.");
    int status = reef_app_run(app, argc, argv, app_main, NULL);
    reef_app_destroy(app);
    return status;
}
