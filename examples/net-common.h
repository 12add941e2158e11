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

/* This shard's listener, and the future of its closing once a stop has
 * been asked for. */
static __thread reef_listener *net_listener;
static __thread reef_future net_closed;
static __thread bool net_stopping;

/* Runs on one shard, in a fiber: accept and hand over, until a stop. */
static inline reef_future net_service_loop(void *arg)
{
    const struct net_service *svc = arg;
    reef_sockaddr addr;
    reef_sockaddr_ipv4(NULL, svc->port, &addr);
    int rc = reef_listen(&addr, NULL, &net_listener);
    if (rc < 0)
        return reef_fail_msg(rc, "bind: %s", reef_strerror(rc));
    for (;;) {
        reef_sockaddr peer;
        reef_val v;
        reef_err e;
        if (reef_fiber_wait(reef_accept(net_listener, &peer), &v, &e) < 0) {
            if (!net_stopping)
                return reef_fail(e);
            reef_err_release(e); /* the listener closed under the accept */
            return net_closed;  /* done once it is really closed */
        }
        svc->handle(v.p, &peer);
    }
}

/* On each shard, when a stop is asked for: close the listener; the
 * pending accept fails and the service loop ends. */
static inline reef_future net_stop_here(void *cap)
{
    (void)cap;
    net_stopping = true;
    net_closed = reef_listener_close(net_listener);
    return reef_done();
}

/* The stop's messages to every shard (shard 0's state). */
static reef_future net_stopped;
static bool net_stop_sent;

static inline void net_on_stop(void *arg)
{
    (void)arg;
    net_stopped = reef_invoke_on_all(net_stop_here, NULL, 0);
    net_stop_sent = true;
}

/* The service loops have ended: after a stop, once its messages are done
 * too (nothing of them may be left when the application ends). */
static inline reef_future net_after_loops(void *cap, reef_future loops)
{
    (void)cap;
    if (!net_stop_sent)
        return loops; /* ended on their own: a failure to report */
    net_stop_sent = false;
    reef_future_ignore(loops); /* ended by the stop, their listeners closed */
    return net_stopped;
}

static inline reef_future net_start_on_shard(void *cap)
{
    return reef_async(net_service_loop, *(struct net_service **)cap);
}

/* The application's main function: the service loop on every shard, until
 * SIGINT or SIGTERM closes the listeners (connections still open then are
 * cut off with the process). */
static inline reef_future net_run_everywhere(struct net_service *svc)
{
    static reef_stop_hook hook;
    reef_stop_hook_add(&hook, net_on_stop, NULL);
    return reef_then_wrapped(reef_invoke_on_all(net_start_on_shard, &svc, sizeof(svc)),
                             net_after_loops, NULL, 0);
}

#endif
