/*
 * What the stream tests share: a connected pair of sockets through a
 * listener of their own, made and closed with the outcome checked.
 */
#ifndef REEF_TESTS_NET_TEST_UTIL_H
#define REEF_TESTS_NET_TEST_UTIL_H

#include <reef/fiber.h>
#include <reef/net.h>

#include "harness/harness.h"

/* w is the client end, r the accepted one. */
struct pair {
    reef_listener *l;
    reef_socket *w, *r;
};

/* Listens on `where` (port 0 picks one) and connects to it. */
static inline void connect_pair_on(struct pair *p, const reef_sockaddr *where)
{
    T_EQ(reef_listen(where, NULL, &p->l), 0);
    reef_sockaddr bound = reef_listener_address(p->l);
    reef_future acc = reef_accept(p->l, NULL);
    reef_val v;
    T_EQ(reef_fiber_wait(reef_connect(&bound), &v, NULL), 0);
    p->w = v.p;
    T_EQ(reef_fiber_wait(acc, &v, NULL), 0);
    p->r = v.p;
}

/* A pair over TCP on loopback. */
static inline void connect_pair(struct pair *p)
{
    reef_sockaddr any;
    T_EQ(reef_sockaddr_parse("127.0.0.1:0", &any), 0);
    connect_pair_on(p, &any);
}

/* Closes both ends (an end set to NULL was closed already) and the
 * listener. */
static inline void close_pair(struct pair *p)
{
    if (p->w)
        T_EQ(reef_fiber_wait(reef_socket_close(p->w), NULL, NULL), 0);
    if (p->r)
        T_EQ(reef_fiber_wait(reef_socket_close(p->r), NULL, NULL), 0);
    T_EQ(reef_fiber_wait(reef_listener_close(p->l), NULL, NULL), 0);
}

#endif
