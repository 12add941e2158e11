/*
 * What the network examples share: running a per-shard service loop on
 * every shard, each shard listening on the same port. With the default
 * options, the first shard to listen accepts every connection and hands
 * each to the shard with the fewest open connections.
 */
#ifndef REEF_EXAMPLES_NET_COMMON_H
#define REEF_EXAMPLES_NET_COMMON_H

#include <stdio.h>

#include <reef/reef.h>

/* Handles one accepted connection, on the shard that accepted it. */
typedef void (*net_handler)(reef_socket *s, const reef_sockaddr *peer);

struct net_service {
    uint16_t port;
    net_handler handle;
};

/* Runs on one shard, in a fiber: accept and hand over, forever. */
static inline reef_future net_service_loop(void *arg)
{
    const struct net_service *svc = arg;
    reef_sockaddr addr;
    reef_sockaddr_ipv4(NULL, svc->port, &addr);
    reef_listener *l;
    int rc = reef_listen(&addr, NULL, &l);
    if (rc < 0)
        return reef_fail_msg(rc, "bind: %s", reef_strerror(rc));
    for (;;) {
        reef_sockaddr peer;
        reef_val v;
        reef_err e;
        if (reef_fiber_wait(reef_accept(l, &peer), &v, &e) < 0)
            return reef_fail(e);
        svc->handle(v.p, &peer);
    }
}

static inline reef_future net_start_on_shard(void *cap)
{
    return reef_async(net_service_loop, *(struct net_service **)cap);
}

/* The application's main function: the service loop on every shard. */
static inline reef_future net_run_everywhere(struct net_service *svc)
{
    return reef_invoke_on_all(net_start_on_shard, &svc, sizeof(svc));
}

#endif
