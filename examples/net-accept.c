/*
 * Tutorial chapter "Introducing Seastar's network stack": every shard
 * accepts connections on port 1234 and reports each one, then closes it.
 *
 *   ex-net-accept [--port 1234]
 *   Accepted connection from 127.0.0.1:47578
 */
#include "net-common.h"

static void report(reef_socket *s, const reef_sockaddr *peer)
{
    char text[REEF_SOCKADDR_TEXT_MAX];
    reef_sockaddr_format(peer, text, sizeof(text));
    printf("Accepted connection from %s\n", text);
    fflush(stdout);
    reef_discard(reef_socket_close(s));
}

static struct net_service svc = {.handle = report};

static reef_future app_main(reef_app *app, void *arg)
{
    (void)arg;
    svc.port = (uint16_t)reef_app_int(app, "port");
    return net_run_everywhere(&svc);
}

int main(int argc, char **argv)
{
    reef_app *app = reef_app_create("ex-net-accept", "Accepts connections and reports them.");
    reef_app_add_int(app, "port", 'p', 1234, "TCP port to listen on");
    int status = reef_app_run(app, argc, argv, app_main, NULL);
    reef_app_destroy(app);
    return status;
}
