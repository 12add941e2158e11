/* Tests for src/core/error.c: codes, names, messages and details. */
#include <errno.h>

#include <reef/error.h>

#include "harness/harness.h"

TEST(reef_codes_have_names_and_messages)
{
    T_STREQ(reef_err_name(REEF_EGATE_CLOSED), "REEF_EGATE_CLOSED");
    T_STREQ(reef_strerror(REEF_EGATE_CLOSED), "gate closed");
    T_STREQ(reef_strerror(REEF_ENO_CPUS), "insufficient processing units");
    T_STREQ(reef_strerror(REEF_ENO_PHYS_MEMORY), "insufficient physical memory");
    T_STREQ(reef_err_name(0), "OK");
}

TEST(errno_codes_have_names_and_messages)
{
    T_STREQ(reef_err_name(-ECONNRESET), "ECONNRESET");
    T_STREQ(reef_strerror(-ECONNRESET), "Connection reset by peer");
    T_STREQ(reef_err_name(-EADDRINUSE), "EADDRINUSE");
    T_STREQ(reef_strerror(-EADDRINUSE), "Address already in use");
    T_STREQ(reef_err_name(-4000), "EUNKNOWN");
    T_STREQ(reef_strerror(-99999), "unknown error");
}

TEST(application_codes_register_once)
{
    T_EQ(reef_err_register(REEF_EUSER_BASE - 1, "my_error", "my exception"), 0);
    T_STREQ(reef_err_name(REEF_EUSER_BASE - 1), "my_error");
    T_STREQ(reef_strerror(REEF_EUSER_BASE - 1), "my exception");
    T_EQ(reef_err_register(REEF_EUSER_BASE - 1, "again", "dup"), -EEXIST);
    T_EQ(reef_err_register(-5, "errno", "clash"), -EINVAL);
}

TEST(plain_code_has_no_detail)
{
    reef_err e = reef_err_code(-EIO);
    T_EQ(e.code, -EIO);
    T_TRUE(e.detail == NULL);
    T_TRUE(reef_err_message(e) == NULL);
    reef_err_release(e); /* harmless */
}

static int payload_freed;
static void free_payload(void *p) { payload_freed += *(int *)p; }

TEST(detail_is_reference_counted)
{
    static int value = 5;
    payload_freed = 0;
    reef_err e = reef_err_with_payload(-EINVAL, &value, free_payload);
    T_TRUE(reef_err_payload(e) == &value);
    reef_err e2 = reef_err_ref(e);
    reef_err_release(e);
    T_EQ(payload_freed, 0);
    reef_err_release(e2);
    T_EQ(payload_freed, 5);
}

TEST(message_and_format)
{
    reef_err e = reef_err_msg(-EADDRINUSE, "bind: %s", "Address already in use");
    char buf[256];
    reef_err_format(e, buf, sizeof(buf));
    T_STREQ(buf, "EADDRINUSE (Address already in use): bind: Address already in use");
    reef_err c = reef_err_clone(e);
    T_TRUE(c.detail != e.detail);
    T_STREQ(reef_err_message(c), "bind: Address already in use");
    reef_err_release(e);
    reef_err_release(c);
    size_t need = reef_err_format(reef_err_code(REEF_ETIMEOUT), buf, 4);
    T_EQ(need, strlen("REEF_ETIMEOUT (timed out)"));
    T_EQ(strlen(buf), 3);
}

TEST(backtrace_is_recorded_on_request)
{
    reef_err e = reef_err_with_backtrace(-EIO, "hello");
    T_STREQ(reef_err_message(e), "hello");
    const char *bt = reef_err_backtrace(e);
    T_TRUE(bt != NULL);
    T_CONTAINS(bt, "0x");
    char buf[8192];
    reef_err_format(e, buf, sizeof(buf));
    T_CONTAINS(buf, "hello Backtrace:");
    reef_err_release(e);
}

TEST_MAIN()
