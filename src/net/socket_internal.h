/*
 * What socket.c offers the rest of src/net: the kernel listening socket
 * underneath a reef_listener, and sockets made from accepted descriptors.
 */
#ifndef REEF_NET_SOCKET_INTERNAL_H
#define REEF_NET_SOCKET_INTERNAL_H

#include <reef/net.h>

/* A bound, listening kernel socket on the calling shard. */
struct reef__listen_socket;

/* Creates, binds and listens on `addr` with the options' SO_REUSEADDR and
 * backlog, and SO_REUSEPORT if `reuse_port`: 0 and *out, or -errno. */
int reef__listen_socket_open(const reef_sockaddr *addr, const struct reef_listen_options *opts,
                             bool reuse_port, struct reef__listen_socket **out);

/* The bound address (the port chosen when 0 was asked for). */
reef_sockaddr reef__listen_socket_address(const struct reef__listen_socket *ls);

/* Accepts one connection: resolves with its descriptor (.i) and fills
 * *peer (if not NULL; valid until then). The descriptor is new and known to
 * no reactor, so it may be handed to any shard; whoever takes it closes it.
 * Fails with -ECONNABORTED once the socket is closing, -EBUSY while another
 * accept is outstanding, or the accept's -errno (-EMFILE, ...). */
reef_future reef__listen_socket_accept(struct reef__listen_socket *ls, reef_sockaddr *peer);

/* Closes the socket (an outstanding accept fails with -ECONNABORTED) and
 * frees it; resolves once the descriptor is closed. */
reef_future reef__listen_socket_close(struct reef__listen_socket *ls);

/* Makes a socket owned by the calling shard from an accepted descriptor of
 * the given address family, counted among the shard's open accepted
 * connections until it is closed. NULL if out of memory (the descriptor is
 * then left to the caller). */
reef_socket *reef__socket_adopt(int fd, int family);

#endif
