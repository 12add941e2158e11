/*
 * Connection failures on both backends: a reset peer, a broken pipe, an
 * unreachable network and a peer that vanishes mid-transfer are typed
 * errors on the connection concerned, and never disturb the others.
 *
 * The misbehaving peers are plain blocking sockets: a loopback connect
 * completes in the kernel, and SO_LINGER with a zero timeout makes close()
 * send a reset instead of an orderly end of stream.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <reef/fiber.h>
#include <reef/net.h>

#include "harness/harness.h"

/* A listener on a loopback port of its own. */
static reef_listener *listen_any(reef_sockaddr *bound)
{
    reef_sockaddr any;
    T_EQ(reef_sockaddr_parse("127.0.0.1:0", &any), 0);
    reef_listener *l;
    T_EQ(reef_listen(&any, NULL, &l), 0);
    *bound = reef_listener_address(l);
    return l;
}

/* A plain blocking client connected to `to`. */
static int plain_client(const reef_sockaddr *to)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    T_TRUE(fd >= 0);
    T_EQ(connect(fd, &to->u.sa, to->len), 0);
    return fd;
}

/* Closes fd with a reset (RST) instead of an end of stream (FIN). */
static void reset_close(int fd)
{
    struct linger lg = {.l_onoff = 1, .l_linger = 0};
    T_EQ(setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), 0);
    T_EQ(close(fd), 0);
}

static reef_socket *accept_one(reef_listener *l)
{
    reef_val v;
    T_EQ(reef_fiber_wait(reef_accept(l, NULL), &v, NULL), 0);
    return v.p;
}

/* One byte there and back on a healthy connection. */
static void check_round_trip(reef_socket *server, int client)
{
    T_EQ(write(client, "x", 1), 1);
    char c = 0;
    reef_val n;
    T_EQ(reef_fiber_wait(reef_socket_read(server, &c, 1), &n, NULL), 0);
    T_UEQ(n.u, 1);
    T_EQ(reef_fiber_wait(reef_socket_write(server, "y", 1), NULL, NULL), 0);
    T_EQ(read(client, &c, 1), 1);
    T_EQ(c, 'y');
}

FIBER_TEST(a_reset_peer_fails_the_read_and_spares_the_others)
{
    reef_sockaddr bound;
    reef_listener *l = listen_any(&bound);
    int healthy_fd = plain_client(&bound);
    reef_socket *healthy = accept_one(l);
    int doomed_fd = plain_client(&bound);
    reef_socket *doomed = accept_one(l);

    char buf[16];
    reef_future pending = reef_socket_read(doomed, buf, sizeof(buf));
    reset_close(doomed_fd);
    reef_err e;
    T_EQ(reef_fiber_wait(pending, NULL, &e), -ECONNRESET);
    T_STREQ(reef_strerror(e.code), "Connection reset by peer");
    reef_err_release(e);
    /* Reading again reports the end, not a crash or a hang. */
    int rc = reef_fiber_wait(reef_socket_read(doomed, buf, sizeof(buf)), NULL, NULL);
    T_TRUE(rc == 0 || rc == -ECONNRESET);

    check_round_trip(healthy, healthy_fd);
    T_EQ(reef_fiber_wait(reef_socket_close(doomed), NULL, NULL), 0);
    T_EQ(reef_fiber_wait(reef_socket_close(healthy), NULL, NULL), 0);
    close(healthy_fd);
    T_EQ(reef_fiber_wait(reef_listener_close(l), NULL, NULL), 0);
}

FIBER_TEST(writing_to_a_vanished_peer_is_a_broken_pipe_not_a_signal)
{
    reef_sockaddr bound;
    reef_listener *l = listen_any(&bound);
    int fd = plain_client(&bound);
    reef_socket *s = accept_one(l);
    reset_close(fd);
    /* The first write may still be taken by the kernel before the reset is
     * seen; one that follows fails. SIGPIPE would kill the process: the
     * library sends with MSG_NOSIGNAL, so surviving is part of the test. */
    static char block[65536];
    int rc = 0;
    for (int i = 0; i < 64 && rc == 0; i++)
        rc = reef_fiber_wait(reef_socket_write(s, block, sizeof(block)), NULL, NULL);
    T_TRUE(rc == -EPIPE || rc == -ECONNRESET);
    T_EQ(reef_fiber_wait(reef_socket_close(s), NULL, NULL), 0);
    T_EQ(reef_fiber_wait(reef_listener_close(l), NULL, NULL), 0);
}

FIBER_TEST(a_peer_that_resets_mid_transfer_fails_the_pending_write)
{
    reef_sockaddr bound;
    reef_listener *l = listen_any(&bound);
    int fd = plain_client(&bound);
    reef_socket *s = accept_one(l);
    /* More than the kernel buffers hold, so the write waits for the peer,
     * which resets instead of reading. */
    size_t big = 64u << 20;
    char *data = calloc(1, big);
    T_TRUE(data != NULL);
    reef_future w = reef_socket_write(s, data, big);
    reef_fiber_sleep(reef_ms(20));
    T_FALSE(reef_future_available(w));
    reset_close(fd);
    int rc = reef_fiber_wait(w, NULL, NULL);
    T_TRUE(rc == -EPIPE || rc == -ECONNRESET);
    free(data);
    T_EQ(reef_fiber_wait(reef_socket_close(s), NULL, NULL), 0);
    T_EQ(reef_fiber_wait(reef_listener_close(l), NULL, NULL), 0);
}

FIBER_TEST(an_unreachable_network_is_a_typed_error)
{
    /* TCP cannot reach a multicast group: Linux refuses the route itself,
     * whatever routes the host has, so the outcome is fixed. */
    reef_sockaddr group;
    T_EQ(reef_sockaddr_parse("224.0.0.1:9", &group), 0);
    reef_err e;
    T_EQ(reef_fiber_wait(reef_connect_timeout(&group, reef_ms(2000)), NULL, &e), -ENETUNREACH);
    T_STREQ(reef_strerror(e.code), "Network is unreachable");
    reef_err_release(e);
}

FIBER_TEST(a_failed_connection_leaves_a_pending_accept_alone)
{
    reef_sockaddr bound;
    reef_listener *l = listen_any(&bound);
    int fd = plain_client(&bound);
    reef_socket *s = accept_one(l);
    reef_future next = reef_accept(l, NULL); /* waits for a second client */
    reset_close(fd);
    char c;
    T_EQ(reef_fiber_wait(reef_socket_read(s, &c, 1), NULL, NULL), -ECONNRESET);
    T_FALSE(reef_future_available(next));
    int fd2 = plain_client(&bound);
    reef_val v;
    T_EQ(reef_fiber_wait(next, &v, NULL), 0);
    check_round_trip(v.p, fd2);
    T_EQ(reef_fiber_wait(reef_socket_close(v.p), NULL, NULL), 0);
    T_EQ(reef_fiber_wait(reef_socket_close(s), NULL, NULL), 0);
    close(fd2);
    T_EQ(reef_fiber_wait(reef_listener_close(l), NULL, NULL), 0);
}

TEST_MAIN()
