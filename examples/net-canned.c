/*
 * Tutorial chapter "Introducing Seastar's network stack": every shard
 * answers each connection on port 1234 with a canned response and closes
 * it.
 *
 *   ex-net-canned [--port 1234]
 */
#include "net-common.h"

static const char canned_response[] = "Reef is the future!\n";

/* One fiber per connection: write, then close (which waits for the write). */
static reef_future respond(void *arg)
{
    reef_socket *s = arg;
    reef_err e;
    if (reef_fiber_wait(reef_socket_write(s, canned_response, sizeof(canned_response) - 1),
                        NULL, &e) < 0)
        reef_err_release(e); /* the client went away: nothing to do */
    return reef_socket_close(s);
}

static void handle(reef_socket *s, const reef_sockaddr *peer)
{
    (void)peer;
    reef_discard(reef_async(respond, s));
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
    reef_app *app = reef_app_create("ex-net-canned", "Answers every connection the same way.");
    reef_app_add_int(app, "port", 'p', 1234, "TCP port to listen on");
    int status = reef_app_run(app, argc, argv, app_main, NULL);
    reef_app_destroy(app);
    return status;
}
