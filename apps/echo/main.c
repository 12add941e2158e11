/*
 * reef-echo: an echo server (RFC 862) on every shard.
 *
 *   reef-echo [--port 10007] [-c N] [--max-connections 10000]
 *             [--spread least-loaded|by-port|reuse-port]
 *
 * Each shard listens on the port (by default the first shard accepts and
 * hands each connection to the shard with the fewest open ones; with
 * reuse-port every shard has its own socket and the kernel picks) and
 * serves each connection in a continuation loop: whatever arrives is
 * written back, with the write's back-pressure pacing the reads. A shard
 * serves at most --max-connections at once; further connections wait in
 * the listen queue. On SIGINT or SIGTERM the server shuts down cleanly:
 * every shard closes its listener, ends the receiving side of its open
 * connections (their clients get what was already sent, then end of
 * stream), and waits for them through a gate before the process exits 0.
 * A second signal stops at once.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <reef/reef.h>

/* Bytes read at once. Only the pages a connection touches are resident:
 * an idle connection that echoed small messages holds one. */
#define CONN_BUFFER 16384

struct conn {
    reef_socket *s;
    struct conn *next, *prev;
    char buf[CONN_BUFFER];
};

/* One per shard, touched only by its shard. */
struct shard {
    reef_listener *listener;
    reef_gate gate;
    reef_sem slots;
    struct conn *conns; /* open connections */
    bool stopping;
};

struct config {
    uint16_t port;
    int64_t max_connections;
    enum reef_spread spread;
};

static struct config config;
static __thread struct shard *me;

static REEF_LOGGER_DEFINE(echo_log, "echo")

static void conn_link(struct conn *c)
{
    c->prev = NULL;
    c->next = me->conns;
    if (c->next)
        c->next->prev = c;
    me->conns = c;
}

static void conn_unlink(struct conn *c)
{
    if (c->prev)
        c->prev->next = c->next;
    else
        me->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
}

/* One connection: a continuation loop (read, then write back what came)
 * until end of stream or an error. A loop costs a few hundred bytes where
 * a fiber would hold a stack, which matters with thousands of idle
 * connections; the accept loop, one per shard, stays a fiber. */
static reef_future go_on(void *cap, reef_val v)
{
    (void)cap, (void)v;
    return reef_continue();
}

static reef_future echo_back(void *cap, reef_val n)
{
    struct conn *c = cap;
    if (n.u == 0)
        return reef_stop();
    return reef_then(reef_socket_write(c->s, c->buf, n.u), go_on, NULL, 0);
}

static reef_future echo_step(void *cap)
{
    struct conn *c = cap;
    return reef_then(reef_socket_read(c->s, c->buf, CONN_BUFFER), echo_back, c, 0);
}

static reef_future served(void *cap, reef_future r)
{
    struct conn *c = cap;
    reef_err e;
    if (reef_future_take(r, NULL, &e) < 0) {
        reef_log_debug(&echo_log, "connection: %s", reef_strerror(e.code));
        reef_err_release(e);
    }
    conn_unlink(c);
    reef_future closed = reef_socket_close(c->s);
    free(c);
    reef_sem_signal(&me->slots, 1);
    return closed;
}

static reef_future serve(void *arg)
{
    return reef_then_wrapped(reef_repeat(echo_step, arg, 0), served, arg, 0);
}

/* The shard's accept loop, in a fiber. */
static reef_future accept_loop(void *arg)
{
    (void)arg;
    for (;;) {
        if (reef_fiber_wait(reef_sem_wait(&me->slots, 1), NULL, NULL) < 0)
            return reef_done(); /* broken: stopping */
        reef_val v;
        reef_err e;
        if (reef_fiber_wait(reef_accept(me->listener, NULL), &v, &e) < 0) {
            reef_sem_signal(&me->slots, 1);
            if (me->stopping) {
                reef_err_release(e);
                return reef_done();
            }
            /* Running out of descriptors and the like: log and go on. */
            reef_log_warn(&echo_log, "accept: %s", reef_strerror(e.code));
            reef_err_release(e);
            reef_fiber_sleep(reef_ms(10));
            continue;
        }
        struct conn *c = malloc(sizeof(*c));
        if (!c) {
            reef_discard(reef_socket_close(v.p));
            reef_sem_signal(&me->slots, 1);
            continue;
        }
        c->s = v.p;
        conn_link(c);
        reef_discard(reef_with_gate(&me->gate, serve, c, 0));
    }
}

static reef_future accept_in_gate(void *arg) { return reef_async(accept_loop, arg); }

static reef_future start_shard(void *cap)
{
    (void)cap;
    me = calloc(1, sizeof(*me));
    if (!me)
        return reef_fail_code(-ENOMEM);
    reef_gate_init(&me->gate);
    reef_sem_init(&me->slots, config.max_connections);
    reef_sockaddr addr;
    reef_sockaddr_ipv4(NULL, config.port, &addr);
    struct reef_listen_options lo = {.spread = config.spread};
    int rc = reef_listen(&addr, &lo, &me->listener);
    if (rc < 0)
        return reef_fail_msg(rc, "bind port %u: %s", config.port, reef_strerror(rc));
    /* The accept loop runs inside the gate too: closing waits for it. */
    reef_discard(reef_with_gate(&me->gate, accept_in_gate, NULL, 0));
    return reef_done();
}

/* ---- Stopping ----------------------------------------------------------------- */

static reef_future free_shard(void *cap, reef_val v)
{
    (void)cap, (void)v;
    reef_sem_fini(&me->slots);
    free(me);
    me = NULL;
    return reef_done();
}

static reef_future stop_shard(void *cap)
{
    (void)cap;
    me->stopping = true;
    /* Both must finish before the shard stops: the last listener to close
     * on the shared address resolves once the accepting shard is done. */
    reef_future done[2];
    done[0] = reef_listener_close(me->listener);
    reef_sem_broken(&me->slots);
    for (struct conn *c = me->conns; c; c = c->next)
        reef_socket_shutdown_input(c->s); /* their loops see end of stream */
    done[1] = reef_gate_close(&me->gate);
    return reef_then(reef_when_all_succeed(done, 2, NULL), free_shard, NULL, 0);
}

static reef_promise stopped;
static reef_stop_hook hook;

static reef_future all_stopped(void *cap, reef_future r)
{
    (void)cap;
    reef_promise_forward(&stopped, r);
    return reef_done();
}

static void on_stop(void *arg)
{
    (void)arg;
    reef_log_info(&echo_log, "stopping: closing listeners, waiting for connections");
    reef_discard(reef_then_wrapped(reef_invoke_on_all(stop_shard, NULL, 0), all_stopped, NULL, 0));
}

static reef_future started(void *cap, reef_val v)
{
    (void)cap, (void)v;
    reef_log_info(&echo_log, "echo server listening on port %u on %u shard(s)", config.port,
                  reef_shard_count());
    reef_stop_hook_add(&hook, on_stop, NULL);
    return reef_promise_init(&stopped) /* resolves once every shard has stopped */;
}

static reef_future app_main(reef_app *app, void *arg)
{
    (void)arg;
    int64_t port = reef_app_int(app, "port");
    config.max_connections = reef_app_int(app, "max-connections");
    if (port < 1 || port > 65535 || config.max_connections < 1)
        return reef_fail_msg(-EINVAL, "--port must be 1..65535, --max-connections positive");
    config.port = (uint16_t)port;
    const char *spread = reef_app_string(app, "spread");
    if (strcmp(spread, "least-loaded") == 0)
        config.spread = REEF_SPREAD_LEAST_LOADED;
    else if (strcmp(spread, "by-port") == 0)
        config.spread = REEF_SPREAD_BY_PORT;
    else if (strcmp(spread, "reuse-port") == 0)
        config.spread = REEF_SPREAD_REUSE_PORT;
    else
        return reef_fail_msg(-EINVAL, "--spread must be least-loaded, by-port or reuse-port");
    return reef_then(reef_invoke_on_all(start_shard, NULL, 0), started, NULL, 0);
}

int main(int argc, char **argv)
{
    reef_app *app = reef_app_create("reef-echo", "An echo server (RFC 862) on every shard.");
    reef_app_add_int(app, "port", 'p', 10007, "TCP port to listen on");
    reef_app_add_int(app, "max-connections", 0, 10000, "connections served at once, per shard");
    reef_app_add_string(app, "spread", 0, "least-loaded",
                        "how connections reach shards: least-loaded, by-port or reuse-port");
    int status = reef_app_run(app, argc, argv, app_main, NULL);
    reef_app_destroy(app);
    return status;
}
