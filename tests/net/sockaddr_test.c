/* Socket addresses (src/net/sockaddr.c): parsing, formatting, equality. */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include <reef/sockaddr.h>

#include "harness/harness.h"

static void round_trip(const char *text, const char *expected, int family, uint16_t port)
{
    reef_sockaddr a;
    T_EQ(reef_sockaddr_parse(text, &a), 0);
    T_EQ(reef_sockaddr_family(&a), family);
    T_EQ(reef_sockaddr_port(&a), port);
    char buf[REEF_SOCKADDR_TEXT_MAX];
    size_t n = reef_sockaddr_format(&a, buf, sizeof(buf));
    T_STREQ(buf, expected);
    T_UEQ(n, strlen(expected));
    reef_sockaddr b;
    T_EQ(reef_sockaddr_parse(buf, &b), 0); /* the text form parses back */
    T_TRUE(reef_sockaddr_equal(&a, &b));
}

TEST(forms_parse_and_format_back)
{
    round_trip("127.0.0.1:47578", "127.0.0.1:47578", AF_INET, 47578);
    round_trip("0.0.0.0:0", "0.0.0.0:0", AF_INET, 0);
    round_trip("[::1]:80", "[::1]:80", AF_INET6, 80);
    round_trip("[2001:db8:0:0::1]:65535", "[2001:db8::1]:65535", AF_INET6, 65535);
    /* A scope given by number comes back as the interface's name. */
    unsigned lo = if_nametoindex("lo");
    if (lo) {
        char text[64];
        snprintf(text, sizeof(text), "[fe80::1%%%u]:8080", lo);
        round_trip(text, "[fe80::1%lo]:8080", AF_INET6, 8080);
    }
    round_trip("unix:/run/reef.sock", "unix:/run/reef.sock", AF_UNIX, 0);
    round_trip("/tmp/x", "unix:/tmp/x", AF_UNIX, 0);
    round_trip("unix:@abstract-name", "unix:@abstract-name", AF_UNIX, 0);
}

TEST(bad_text_is_refused)
{
    const char *bad[] = {"",          "127.0.0.1",        "127.0.0.1:",      "127.0.0.1:65536",
                         "1.2.3:80",  "localhost:80",     "::1:80",          "[::1]",
                         "[::1]80",   "[::1]:-1",         "[zz::1]:80",      "unix:",
                         "1.2.3.4:8a", "[fe80::1%nosuchif]:80", NULL};
    for (int i = 0; bad[i]; i++) {
        reef_sockaddr a;
        memset(&a, 0x5a, sizeof(a));
        T_EQ(reef_sockaddr_parse(bad[i], &a), -EINVAL);
    }
    char long_path[200];
    memset(long_path, 'p', sizeof(long_path) - 1);
    long_path[0] = '/';
    long_path[sizeof(long_path) - 1] = '\0';
    reef_sockaddr a;
    T_EQ(reef_sockaddr_parse(long_path, &a), -EINVAL);
    T_EQ(reef_sockaddr_parse(NULL, &a), -EINVAL);
}

TEST(built_from_parts_and_from_the_kernel)
{
    reef_sockaddr any, v6, copy;
    T_EQ(reef_sockaddr_ipv4(NULL, 1234, &any), 0);
    char buf[REEF_SOCKADDR_TEXT_MAX];
    reef_sockaddr_format(&any, buf, sizeof(buf));
    T_STREQ(buf, "0.0.0.0:1234");
    T_EQ(reef_sockaddr_ipv6("::", 0, &v6), 0);
    reef_sockaddr_set_port(&v6, 443);
    reef_sockaddr_format(&v6, buf, sizeof(buf));
    T_STREQ(buf, "[::]:443");
    T_EQ(reef_sockaddr_ipv4("300.1.1.1", 1, &any), -EINVAL);
    T_EQ(reef_sockaddr_from(&v6.u.sa, v6.len, &copy), 0);
    T_TRUE(reef_sockaddr_equal(&copy, &v6));
    struct sockaddr bogus = {.sa_family = AF_PACKET};
    T_EQ(reef_sockaddr_from(&bogus, sizeof(bogus), &copy), -EINVAL);
    reef_sockaddr a, b;
    reef_sockaddr_parse("10.0.0.1:80", &a);
    reef_sockaddr_parse("10.0.0.1:81", &b);
    T_FALSE(reef_sockaddr_equal(&a, &b));
    /* Truncated output still says how long the text is. */
    T_UEQ(reef_sockaddr_format(&a, buf, 4), strlen("10.0.0.1:80"));
    T_STREQ(buf, "10.");
}

TEST_MAIN()
