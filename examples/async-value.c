/*
 * Tutorial chapter "Seastar::thread": reef_async returns the fiber's
 * result. The fiber waits for two asynchronous results in turn, adds them,
 * and returns the sum; a second fiber fails, and its error reaches the
 * caller through the same future.
 */
#include <errno.h>
#include <stdio.h>

#include <reef/reef.h>

static reef_future value_later(void *cap, reef_val v)
{
    (void)v;
    return reef_ready_i64(*(int64_t *)cap);
}

static REEF_NODISCARD reef_future fetch(int64_t x)
{
    return reef_then(reef_sleep(reef_ms(2)), value_later, &x, sizeof(x));
}

static reef_future add_two(void *arg)
{
    (void)arg;
    reef_val a, b;
    reef_err e;
    if (reef_fiber_wait(fetch(40), &a, &e) < 0)
        return reef_fail(e);
    if (reef_fiber_wait(fetch(2), &b, &e) < 0)
        return reef_fail(e);
    return reef_ready_i64(a.i + b.i);
}

static reef_future refuse(void *arg)
{
    (void)arg;
    reef_fiber_sleep(reef_ms(1));
    return reef_fail_msg(-EPERM, "not allowed to add");
}

static reef_future report(void *cap, reef_future r)
{
    reef_val v;
    reef_err e;
    if (reef_future_take(r, &v, &e) == 0) {
        printf("%s: %lld\n", *(const char **)cap, (long long)v.i);
    } else {
        printf("%s failed: %s\n", *(const char **)cap, reef_err_message(e));
        reef_err_release(e);
    }
    return reef_done();
}

static reef_future second(void *cap, reef_val v)
{
    (void)cap, (void)v;
    static const char *const name = "refuse";
    return reef_then_wrapped(reef_async(refuse, NULL), report, &name, sizeof(name));
}

static reef_future app_main(reef_app *app, void *arg)
{
    (void)app, (void)arg;
    static const char *const name = "add_two";
    reef_future f = reef_then_wrapped(reef_async(add_two, NULL), report, &name, sizeof(name));
    return reef_then(f, second, NULL, 0);
}

int main(int argc, char **argv)
{
    reef_app *app = reef_app_create("ex-async-value", "A fiber's result.");
    int status = reef_app_run(app, argc, argv, app_main, NULL);
    reef_app_destroy(app);
    return status;
}
