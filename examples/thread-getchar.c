/*
 * Tutorial chapter "Seastar::thread": the try_getchar pattern. Waiting
 * with reef_fiber_await leaves the result in the future, so the fiber can
 * check whether it failed before taking it, instead of handling an error.
 * Here "getchar" reads a character from a script, failing once it is
 * exhausted.
 */
#include <errno.h>
#include <stdio.h>

#include <reef/reef.h>

static const char *input = "ok";
static int pos;

static reef_future give_char(void *cap, reef_val v)
{
    (void)cap, (void)v;
    if (!input[pos])
        return reef_fail_code(-ENODATA);
    return reef_ready_i64(input[pos++]);
}

/* An asynchronous getchar: a character a little later, or a failure. */
static REEF_NODISCARD reef_future get_char(void)
{
    return reef_then(reef_sleep(reef_ms(1)), give_char, NULL, 0);
}

/* Runs in a fiber. */
static int try_getchar(void)
{
    reef_future fut = get_char();
    reef_fiber_await(&fut);
    if (reef_future_failed(fut)) {
        reef_future_ignore(fut);
        return -1;
    }
    /* Available and not failed: taking it cannot fail. */
    reef_val v;
    reef_future_take(fut, &v, NULL);
    return (int)v.i;
}

static reef_future reader(void *arg)
{
    (void)arg;
    int c;
    while ((c = try_getchar()) != -1)
        printf("got '%c'\n", c);
    printf("no more input\n");
    return reef_done();
}

static reef_future app_main(reef_app *app, void *arg)
{
    (void)app, (void)arg;
    return reef_async(reader, NULL);
}

int main(int argc, char **argv)
{
    reef_app *app = reef_app_create("ex-thread-getchar", "Waiting without taking the result.");
    int status = reef_app_run(app, argc, argv, app_main, NULL);
    reef_app_destroy(app);
    return status;
}
