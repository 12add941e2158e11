/*
 * Tutorial chapter "Introducing Seastar's network stack", buffers and
 * zero-copy streams: a TCP forwarder on port 1234, on every shard. Each
 * client gets its own connection to the upstream address, and the bytes
 * are relayed both ways without being copied: what the input stream reads
 * from one socket is handed, as the same buffer, to the output stream of
 * the other.
 *
 *   ex-net-proxy [--port 1234] UPSTREAM      e.g. ex-net-proxy 127.0.0.1:7
 *
 * UPSTREAM is an address as reef_sockaddr_parse reads it ("host:port",
 * "[::1]:port", "unix:/path"); names are not resolved.
 */
#include <errno.h>

#include "net-common.h"

/* Big enough that most reads fill a slice of at least half of it, which
 * the output stream then sends from where it was read instead of copying
 * it into its batch. */
#define PROXY_BUFFER 65536

static reef_sockaddr upstream; /* set before the shards start, then only read */

/* One direction of a connection: from `from` to `to`, until `from` ends. */
struct pump {
    reef_socket *from, *to;
};

static reef_future pump(void *arg)
{
    struct pump *p = arg;
    reef_input_stream *in = reef_input_stream_new(p->from, PROXY_BUFFER);
    reef_output_stream *out = reef_output_stream_new(p->to, PROXY_BUFFER);
    int rc = in && out ? 0 : -ENOMEM;
    while (rc == 0) {
        reef_buf b;
        reef_val n;
        rc = reef_fiber_wait(reef_input_read_buf(in, &b), &n, NULL);
        if (rc < 0 || n.u == 0)
            break;
        /* write_buf takes the slice: it is released once sent. Its future
         * waits while the other side is slow to read, so a slow reader
         * holds the sender back instead of filling our memory. */
        rc = reef_fiber_wait(reef_output_write_buf(out, b), NULL, NULL);
    }
    if (rc == 0) /* the sender finished: pass the end of stream on */
        rc = reef_fiber_wait(reef_output_close(out), NULL, NULL);
    reef_output_stream_free(out);
    reef_input_stream_free(in);
    if (rc < 0) {
        /* One side is gone (reset, say): end the other direction too,
         * whose read would otherwise wait for ever. */
        reef_socket_shutdown_input(p->from);
        reef_socket_shutdown_input(p->to);
    }
    return reef_done();
}

/* One client: connect upstream, then a fiber per direction. */
static reef_future serve(void *arg)
{
    reef_socket *client = arg;
    reef_val v;
    reef_err e;
    if (reef_fiber_wait(reef_connect(&upstream), &v, &e) < 0) {
        char where[REEF_SOCKADDR_TEXT_MAX];
        reef_sockaddr_format(&upstream, where, sizeof(where));
        printf("upstream %s: %s\n", where, reef_strerror(e.code));
        fflush(stdout); /* seen at once, even if the proxy is killed */
        reef_err_release(e);
        return reef_socket_close(client);
    }
    reef_socket *up = v.p;
    /* The pumps use these two from this fiber's stack: it waits for both. */
    struct pump there = {client, up}, back = {up, client};
    reef_future f1 = reef_async(pump, &there);
    reef_future f2 = reef_async(pump, &back);
    (void)reef_fiber_wait(f1, NULL, NULL); /* pumps end without failing */
    (void)reef_fiber_wait(f2, NULL, NULL);
    (void)reef_fiber_wait(reef_socket_close(up), NULL, NULL);
    return reef_socket_close(client);
}

static void handle(reef_socket *s, const reef_sockaddr *peer)
{
    (void)peer;
    reef_discard(reef_async(serve, s));
}

static struct net_service svc = {.handle = handle};

static reef_future app_main(reef_app *app, void *arg)
{
    (void)arg;
    const char *const *where;
    if (reef_app_list(app, "upstream", &where) != 1)
        return reef_fail_msg(-EINVAL, "usage: ex-net-proxy [--port P] UPSTREAM (host:port)");
    if (reef_sockaddr_parse(where[0], &upstream) < 0)
        return reef_fail_msg(-EINVAL, "not an address: %s", where[0]);
    svc.port = (uint16_t)reef_app_int(app, "port");
    return net_run_everywhere(&svc);
}

int main(int argc, char **argv)
{
    reef_app *app = reef_app_create("ex-net-proxy", "A TCP forwarder that relays without copying.");
    reef_app_add_int(app, "port", 'p', 1234, "TCP port to listen on");
    reef_app_add_positional(app, "upstream", 1, "the address to forward to (host:port)");
    int status = reef_app_run(app, argc, argv, app_main, NULL);
    reef_app_destroy(app);
    return status;
}
