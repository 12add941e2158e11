/* UDP channels and socket options (src/net/socket.c), on both backends. */
#include <errno.h>
#include <string.h>

#include <reef/fiber.h>
#include <reef/net.h>
#include <reef/timer.h>

#include "harness/harness.h"

FIBER_TEST(datagrams_travel_with_their_sender)
{
    reef_sockaddr any;
    T_EQ(reef_sockaddr_parse("127.0.0.1:0", &any), 0);
    reef_udp_channel *a, *b;
    T_EQ(reef_udp_open(&any, &a), 0);
    T_EQ(reef_udp_open(&any, &b), 0);
    reef_sockaddr to_b = reef_udp_address(b), from;
    char buf[64];
    /* b waits first; a's datagram wakes it. */
    reef_future rx = reef_udp_receive(b, buf, sizeof(buf), &from);
    T_EQ(reef_fiber_wait(reef_udp_send_to(a, &to_b, "ping", 4), NULL, NULL), 0);
    reef_val n;
    T_EQ(reef_fiber_wait(rx, &n, NULL), 0);
    T_UEQ(n.u, 4);
    T_TRUE(memcmp(buf, "ping", 4) == 0);
    reef_sockaddr a_addr = reef_udp_address(a);
    T_TRUE(reef_sockaddr_equal(&from, &a_addr));
    /* A datagram longer than the buffer is cut to it. */
    T_EQ(reef_fiber_wait(reef_udp_send_to(b, &from, "0123456789", 10), NULL, NULL), 0);
    T_EQ(reef_fiber_wait(reef_udp_receive(a, buf, 4, NULL), &n, NULL), 0);
    T_UEQ(n.u, 4);
    T_TRUE(memcmp(buf, "0123", 4) == 0);
    T_EQ(reef_fiber_wait(reef_udp_close(a), NULL, NULL), 0);
    T_EQ(reef_fiber_wait(reef_udp_close(b), NULL, NULL), 0);
}

FIBER_TEST(closing_a_channel_ends_a_pending_receive)
{
    reef_sockaddr any;
    T_EQ(reef_sockaddr_parse("127.0.0.1:0", &any), 0);
    reef_udp_channel *ch;
    T_EQ(reef_udp_open(&any, &ch), 0);
    char buf[16];
    reef_future rx = reef_udp_receive(ch, buf, sizeof(buf), NULL);
    T_FALSE(reef_future_available(rx));
    reef_future closed = reef_udp_close(ch);
    reef_val n;
    int rc = reef_fiber_wait(rx, &n, NULL);
    T_TRUE(rc == -ECANCELED || (rc == 0 && n.u == 0));
    T_EQ(reef_fiber_wait(closed, NULL, NULL), 0);
}

FIBER_TEST(binding_a_taken_port_is_a_typed_error)
{
    reef_sockaddr any;
    T_EQ(reef_sockaddr_parse("127.0.0.1:0", &any), 0);
    reef_udp_channel *a, *b;
    T_EQ(reef_udp_open(&any, &a), 0);
    reef_sockaddr taken = reef_udp_address(a);
    T_EQ(reef_udp_open(&taken, &b), -EADDRINUSE);
    T_EQ(reef_fiber_wait(reef_udp_close(a), NULL, NULL), 0);
}

/* ---- TCP options and connect timeouts ------------------------------------------------ */

FIBER_TEST(socket_options_apply)
{
    reef_sockaddr any;
    T_EQ(reef_sockaddr_parse("127.0.0.1:0", &any), 0);
    reef_listener *l;
    T_EQ(reef_listen(&any, NULL, &l), 0);
    reef_sockaddr bound = reef_listener_address(l);
    reef_val v;
    T_EQ(reef_fiber_wait(reef_connect(&bound), &v, NULL), 0);
    reef_socket *c = v.p;
    T_EQ(reef_socket_set_nodelay(c, true), 0);
    T_EQ(reef_socket_set_keepalive(c, true, 30, 5, 3), 0);
    T_EQ(reef_socket_set_buffer_sizes(c, 65536, 65536), 0);
    reef_sockaddr local = reef_socket_local(c), peer = reef_socket_peer(c);
    T_TRUE(reef_sockaddr_equal(&peer, &bound));
    T_NE(reef_sockaddr_port(&local), 0);
    T_EQ(reef_fiber_wait(reef_socket_close(c), NULL, NULL), 0);
    T_EQ(reef_fiber_wait(reef_listener_close(l), NULL, NULL), 0);
}

FIBER_TEST(connect_timeout_gives_up_on_a_silent_peer)
{
    /* A listener that never accepts and whose queue is full drops new
     * connection attempts: they hang until the deadline. */
    reef_sockaddr any;
    T_EQ(reef_sockaddr_parse("127.0.0.1:0", &any), 0);
    reef_listener *l;
    struct reef_listen_options lo = {.backlog = 1};
    T_EQ(reef_listen(&any, &lo, &l), 0);
    reef_sockaddr bound = reef_listener_address(l);
    int timeouts = 0, connected = 0;
    reef_socket *keep[8];
    for (int i = 0; i < 8 && !timeouts; i++) {
        reef_val v;
        reef_err e;
        int rc = reef_fiber_wait(reef_connect_timeout(&bound, reef_ms(200)), &v, &e);
        if (rc == 0) {
            keep[connected++] = v.p;
        } else {
            T_EQ(rc, REEF_ETIMEOUT);
            reef_err_release(e);
            timeouts++;
        }
    }
    T_EQ(timeouts, 1);
    for (int i = 0; i < connected; i++)
        T_EQ(reef_fiber_wait(reef_socket_close(keep[i]), NULL, NULL), 0);
    T_EQ(reef_fiber_wait(reef_listener_close(l), NULL, NULL), 0);
    reef_fiber_sleep(reef_ms(5)); /* the abandoned attempt is cleaned up behind us */
}

TEST_MAIN()
