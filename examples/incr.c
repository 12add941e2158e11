/*
 * Tutorial chapter "Capturing state in continuations": incr(i) must
 * remember i while it sleeps. The capture (here one int64_t) is copied
 * into the continuation only because the continuation has to wait; the
 * caller's variable may be gone by then.
 */
#include <stdio.h>

#include <reef/reef.h>

static reef_future add_one(void *cap, reef_val v)
{
    (void)v;
    return reef_ready_i64(*(int64_t *)cap + 1);
}

static REEF_NODISCARD reef_future incr(int64_t i)
{
    return reef_then(reef_sleep(reef_ms(10)), add_one, &i, sizeof(i));
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
    return reef_then(incr(3), got, NULL, 0);
}

int main(int argc, char **argv)
{
    reef_app *app = reef_app_create("ex-incr", "A continuation with captured state.");
    int status = reef_app_run(app, argc, argv, app_main, NULL);
    reef_app_destroy(app);
    return status;
}
