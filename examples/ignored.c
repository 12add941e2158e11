/*
 * Tutorial chapter "Debugging ignored exceptions": g() returns a failed
 * future that the caller drops with reef_discard(). Reef logs
 *
 *   WARN  ... [shard 0] reef - Exceptional future ignored: myexception
 *   (...), discarded at 0x..., backtrace:
 *
 * with addresses that scripts/reef-addr2line turns into functions and
 * lines. (A future dropped without reef_discard is a compile-time warning:
 * every function returning a future is warn_unused_result.)
 */
#include <reef/reef.h>

#define MY_EXCEPTION (REEF_EUSER_BASE - 1)

static REEF_NODISCARD reef_future g(void) { return reef_fail_code(MY_EXCEPTION); }

static reef_future app_main(reef_app *app, void *arg)
{
    (void)app, (void)arg;
    reef_discard(g());
    return reef_sleep(reef_ms(100));
}

int main(int argc, char **argv)
{
    reef_err_register(MY_EXCEPTION, "myexception", "my exception");
    reef_app *app = reef_app_create("ex-ignored", "A failure nobody handles.");
    int status = reef_app_run(app, argc, argv, app_main, NULL);
    reef_app_destroy(app);
    return status;
}
