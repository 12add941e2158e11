/*
 * Tutorial chapter "Futures and continuations": three sleeps started at
 * once, each with its own continuation. Nothing waits for the first two:
 * their futures are discarded (reef_discard), and their continuations
 * still run when the timers fire.
 *
 *   Sleeping... 100ms 200ms Done.
 */
#include <stdio.h>

#include <reef/reef.h>

static reef_future say(void *cap, reef_val v)
{
    (void)v;
    printf("%s", *(const char **)cap);
    fflush(stdout);
    return reef_done();
}

static reef_future app_main(reef_app *app, void *arg)
{
    (void)app, (void)arg;
    static const char *const ms200 = "200ms ", *const ms100 = "100ms ", *const done = "Done.\n";
    printf("Sleeping... ");
    fflush(stdout);
    reef_discard(reef_then(reef_sleep(reef_ms(200)), say, &ms200, sizeof(ms200)));
    reef_discard(reef_then(reef_sleep(reef_ms(100)), say, &ms100, sizeof(ms100)));
    return reef_then(reef_sleep(reef_s(1)), say, &done, sizeof(done));
}

int main(int argc, char **argv)
{
    reef_app *app = reef_app_create("ex-parallel-sleeps", "Three sleeps at once.");
    int status = reef_app_run(app, argc, argv, app_main, NULL);
    reef_app_destroy(app);
    return status;
}
