/*
 * Stream sockets (src/net/socket.c) on both backends, written as fibers:
 * echo over TCP and Unix sockets, large transfers with back-pressure, and
 * the typed errors.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <reef/fiber.h>
#include <reef/net.h>
#include <reef/when.h>

#include "harness/harness.h"

static reef_socket *take_socket(reef_future f)
{
    reef_val v;
    reef_err e;
    int rc = reef_fiber_wait(f, &v, &e);
    if (rc) {
        char buf[256];
        reef_err_format(e, buf, sizeof(buf));
        reef_err_release(e);
        th_fail(__FILE__, __LINE__, "socket operation failed: %s", buf);
    }
    return v.p;
}

/* Reads until end of stream; returns the byte count. */
static size_t read_all(reef_socket *s, char *buf, size_t cap)
{
    size_t got = 0;
    for (;;) {
        reef_val v;
        T_EQ(reef_fiber_wait(reef_socket_read(s, buf + got, cap - got), &v, NULL), 0);
        if (v.u == 0)
            return got;
        got += v.u;
        T_LE(got, cap);
    }
}

/* The server side of an echo: one connection, echoed until end of stream. */
static reef_future echo_once(void *arg)
{
    reef_listener *l = arg;
    reef_sockaddr peer;
    reef_socket *s = take_socket(reef_accept(l, &peer));
    reef_sockaddr mine = reef_listener_address(l);
    T_EQ(reef_sockaddr_family(&peer), reef_sockaddr_family(&mine));
    char buf[4096];
    for (;;) {
        reef_val v;
        T_EQ(reef_fiber_wait(reef_socket_read(s, buf, sizeof(buf)), &v, NULL), 0);
        if (v.u == 0)
            break;
        T_EQ(reef_fiber_wait(reef_socket_write(s, buf, v.u), NULL, NULL), 0);
    }
    T_EQ(reef_fiber_wait(reef_socket_close(s), NULL, NULL), 0);
    return reef_done();
}

static void echo_through(const reef_sockaddr *where)
{
    reef_listener *l;
    T_EQ(reef_listen(where, NULL, &l), 0);
    reef_sockaddr bound = reef_listener_address(l);
    reef_future server = reef_async(echo_once, l);
    reef_socket *c = take_socket(reef_connect(&bound));
    const char msg[] = "hello, reef";
    T_EQ(reef_fiber_wait(reef_socket_write(c, msg, sizeof(msg)), NULL, NULL), 0);
    T_EQ(reef_socket_shutdown_output(c), 0);
    char back[64];
    T_UEQ(read_all(c, back, sizeof(back)), sizeof(msg));
    T_STREQ(back, msg);
    T_EQ(reef_fiber_wait(reef_socket_close(c), NULL, NULL), 0);
    T_EQ(reef_fiber_wait(server, NULL, NULL), 0);
    T_EQ(reef_fiber_wait(reef_listener_close(l), NULL, NULL), 0);
}

FIBER_TEST(tcp_echo_on_loopback)
{
    reef_sockaddr any;
    T_EQ(reef_sockaddr_parse("127.0.0.1:0", &any), 0);
    echo_through(&any);
}

FIBER_TEST(unix_socket_echo)
{
    char path[64];
    snprintf(path, sizeof(path), "/tmp/reef-test-%d.sock", (int)getpid());
    unlink(path);
    reef_sockaddr a;
    T_EQ(reef_sockaddr_unix(path, &a), 0);
    echo_through(&a);
    unlink(path);
}

/* ---- Back-pressure: 8 MiB through a reader that reads in small pieces ------- */

#define BIG (8u << 20)

static reef_future slow_reader(void *arg)
{
    reef_listener *l = arg;
    reef_socket *s = take_socket(reef_accept(l, NULL));
    char *buf = malloc(BIG);
    size_t got = 0;
    for (;;) {
        reef_val v;
        size_t want = BIG - got < 1000 ? BIG - got : 1000;
        if (want == 0)
            want = 1; /* look for the end of stream */
        T_EQ(reef_fiber_wait(reef_socket_read(s, buf + (got < BIG ? got : 0), want), &v, NULL), 0);
        if (v.u == 0)
            break;
        got += v.u;
    }
    T_UEQ(got, BIG);
    for (size_t i = 0; i < BIG; i += 4099)
        T_EQ((unsigned char)buf[i], (unsigned char)(i * 7));
    free(buf);
    T_EQ(reef_fiber_wait(reef_socket_close(s), NULL, NULL), 0);
    return reef_done();
}

FIBER_TEST(large_writes_wait_for_a_slow_reader)
{
    reef_sockaddr any;
    T_EQ(reef_sockaddr_parse("127.0.0.1:0", &any), 0);
    reef_listener *l;
    T_EQ(reef_listen(&any, NULL, &l), 0);
    reef_sockaddr bound = reef_listener_address(l);
    reef_future reader = reef_async(slow_reader, l);
    reef_socket *c = take_socket(reef_connect(&bound));
    char *data = malloc(BIG);
    for (size_t i = 0; i < BIG; i++)
        data[i] = (char)(i * 7);
    /* One write of 8 MiB: resolves only once the kernel has taken it all. */
    T_EQ(reef_fiber_wait(reef_socket_write(c, data, BIG), NULL, NULL), 0);
    T_EQ(reef_socket_shutdown_output(c), 0);
    T_EQ(reef_fiber_wait(reader, NULL, NULL), 0);
    free(data);
    T_EQ(reef_fiber_wait(reef_socket_close(c), NULL, NULL), 0);
    T_EQ(reef_fiber_wait(reef_listener_close(l), NULL, NULL), 0);
}

/* ---- Errors ---------------------------------------------------------------------- */

FIBER_TEST(address_in_use_and_connection_refused_are_typed_errors)
{
    reef_sockaddr any;
    T_EQ(reef_sockaddr_parse("127.0.0.1:0", &any), 0);
    reef_listener *l, *l2;
    T_EQ(reef_listen(&any, NULL, &l), 0);
    reef_sockaddr bound = reef_listener_address(l);
    T_EQ(reef_listen(&bound, NULL, &l2), -EADDRINUSE);
    T_STREQ(reef_strerror(-EADDRINUSE), "Address already in use");
    T_EQ(reef_fiber_wait(reef_listener_close(l), NULL, NULL), 0);
    /* Nothing listens there any more. */
    reef_err e;
    T_EQ(reef_fiber_wait(reef_connect(&bound), NULL, &e), -ECONNREFUSED);
    T_STREQ(reef_strerror(e.code), "Connection refused");
    reef_err_release(e);
}

FIBER_TEST(closing_a_listener_aborts_a_waiting_accept)
{
    reef_sockaddr any;
    T_EQ(reef_sockaddr_parse("127.0.0.1:0", &any), 0);
    reef_listener *l;
    T_EQ(reef_listen(&any, NULL, &l), 0);
    reef_future pending = reef_accept(l, NULL); /* nobody connects */
    T_FALSE(reef_future_available(pending));
    reef_future closed = reef_listener_close(l);
    T_EQ(reef_fiber_wait(pending, NULL, NULL), -ECONNABORTED);
    T_EQ(reef_fiber_wait(closed, NULL, NULL), 0);
}

TEST_MAIN()
