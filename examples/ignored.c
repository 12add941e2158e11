/*
 * Tutorial chapter "Debugging ignored exceptions": g() returns a failed
 * future that the caller drops with reef_discard(). Reef logs
 *
 *   WARN  ... [shard 0] reef - Exceptional future ignored: myexception
 *   (my exception), discarded at 0x..., backtrace:
 *
 * followed by one address per line, which scripts/reef-addr2line turns
 * into functions and lines. h() does the same with a future that fails
 * only later, after a sleep: the report comes when the failure arrives,
 * and "discarded at" still names the call that dropped it.
 *
 * (A future dropped without reef_discard is a compile-time warning: every
 * function returning a future is warn_unused_result.)
 */
#include <reef/reef.h>

#define MY_EXCEPTION (REEF_EUSER_BASE - 1)

static REEF_NODISCARD reef_future g(void) { return reef_fail_code(MY_EXCEPTION); }

static reef_future fail_now(void *cap, reef_val v)
{
    (void)cap, (void)v;
    return reef_fail_msg(MY_EXCEPTION, "after 10 ms");
}

static REEF_NODISCARD reef_future h(void)
{
    return reef_then(reef_sleep(reef_ms(10)), fail_now, NULL, 0);
}

static reef_future app_main(reef_app *app, void *arg)
{
    (void)app, (void)arg;
    reef_discard(g());
    reef_discard(h());
    return reef_sleep(reef_ms(100));
}

int main(int argc, char **argv)
{
    reef_err_register(MY_EXCEPTION, "myexception", "my exception");
    reef_app *app = reef_app_create("ex-ignored", "Failures nobody handles.");
    int status = reef_app_run(app, argc, argv, app_main, NULL);
    reef_app_destroy(app);
    return status;
}
