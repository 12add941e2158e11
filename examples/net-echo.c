/*
 * Tutorial chapter "Introducing Seastar's network stack": the RFC 862 echo
 * service on port 1234, on every shard: whatever a client sends comes back,
 * until it closes its side.
 *
 *   ex-net-echo [--port 1234]
 */
#include "net-common.h"

static reef_future echo(void *arg)
{
    reef_socket *s = arg;
    char buf[8192];
    for (;;) {
        reef_val n;
        reef_err e;
        if (reef_fiber_wait(reef_socket_read(s, buf, sizeof(buf)), &n, &e) < 0) {
            reef_err_release(e); /* reset by the peer: done with it */
            break;
        }
        if (n.u == 0)
            break; /* the client closed its side */
        if (reef_fiber_wait(reef_socket_write(s, buf, n.u), NULL, &e) < 0) {
            reef_err_release(e);
            break;
        }
    }
    return reef_socket_close(s);
}

static void handle(reef_socket *s, const reef_sockaddr *peer)
{
    (void)peer;
    reef_discard(reef_async(echo, s));
}

static struct net_service svc = {.handle = handle};

static reef_future app_main(reef_app *app, void *arg)
{
    (void)arg;
    svc.port = (uint16_t)reef_app_int(app, "port");
    return net_run_everywhere(&svc);
}

int main(int argc, char **argv)
{
    reef_app *app = reef_app_create("ex-net-echo", "The echo service (RFC 862).");
    reef_app_add_int(app, "port", 'p', 1234, "TCP port to listen on");
    int status = reef_app_run(app, argc, argv, app_main, NULL);
    reef_app_destroy(app);
    return status;
}
