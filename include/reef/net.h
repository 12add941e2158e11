/*
 * TCP and Unix-domain stream sockets on the shard's reactor.
 *
 * Everything here is asynchronous and belongs to the calling shard. Errors
 * are negative errno codes carried by failed futures (or returned by the
 * synchronous calls): -EADDRINUSE ("Address already in use"),
 * -ECONNREFUSED, -ECONNRESET, -EPIPE, -ETIMEDOUT, -EHOSTUNREACH, ...
 * reef_strerror() gives the usual wording.
 *
 * One read and one write may be outstanding on a socket at a time.
 */
#ifndef REEF_NET_H
#define REEF_NET_H

#include <reef/common.h>
#include <reef/future.h>
#include <reef/sockaddr.h>
#include <reef/timer.h>

REEF_BEGIN_DECLS

typedef struct reef_listener reef_listener;
typedef struct reef_socket reef_socket;

/* How the connections arriving at one address are spread across the shards
 * that listen on it. Each shard that wants connections calls reef_listen()
 * with the same address and mode; a connection is then served by exactly
 * one of them. */
enum reef_spread {
    /* One shard accepts (the first to listen on the address) and hands
     * each connection to the listening shard with the fewest open accepted
     * connections; a tie goes to the accepting shard if it is in it,
     * otherwise round robin. Seastar's default: it follows the
     * real load, where the kernel's hash spreads by address alone. */
    REEF_SPREAD_LEAST_LOADED = 0,
    /* One shard accepts and hands each connection to shard
     * (peer port % shard count), or the next listening shard after it.
     * Unix-domain peers have no port: they all start from shard 0. */
    REEF_SPREAD_BY_PORT,
    /* One shard accepts and hands every connection to `fixed_shard`; while
     * that shard does not listen, connections go least loaded. */
    REEF_SPREAD_FIXED,
    /* Every shard binds its own socket with SO_REUSEPORT and the kernel
     * picks one by a hash of the connection's addresses: no hand-over
     * between shards, but no regard for load either. */
    REEF_SPREAD_REUSE_PORT,
};

struct reef_listen_options {
    /* SO_REUSEADDR, on by default: a restarted server can bind its port
     * while connections of the previous run are still in TIME_WAIT. */
    bool no_reuse_address;
    enum reef_spread spread;
    int fixed_shard; /* REEF_SPREAD_FIXED: the shard that serves */
    /* The kernel's queue of connections not yet accepted, and (handed-over
     * modes) how many handed-over connections a shard keeps waiting for
     * reef_accept before it closes new ones. 0: 1024. */
    int backlog;
};

/* Listens on `addr` (port 0 picks one; see reef_listener_address) on the
 * calling shard. Returns 0 and the listener in *out (owned by the calling
 * shard until reef_listener_close), or a negative errno. `opts` may be
 * NULL (least loaded, SO_REUSEADDR, backlog 1024).
 *
 * In the modes other than REEF_SPREAD_REUSE_PORT, the first shard to listen
 * on an address binds the one kernel socket and accepts for every shard
 * that listens on the same address afterwards; those calls do not bind.
 * With port 0, the other shards must listen on reef_listener_address() of
 * the first one. Errors: -EADDRINUSE, -EACCES, ... from binding; -EINVAL
 * for a fixed_shard that does not exist, or when the address is already
 * spread by another of the shared-socket modes; -EADDRINUSE when this
 * shard already listens on it, and when REEF_SPREAD_REUSE_PORT meets a
 * shared-socket mode on one address (the kernel refuses the second bind);
 * -ENOMEM. */
REEF_API int reef_listen(const reef_sockaddr *addr, const struct reef_listen_options *opts,
                         reef_listener **out);

/* The address the listener is bound to. */
REEF_API reef_sockaddr reef_listener_address(const reef_listener *l);

/* Resolves with the next connection served by this shard (a reef_socket *,
 * in .p, owned by the calling shard and the caller, who closes it) and
 * stores the peer's address in *peer (if not NULL; it must stay valid until
 * the future resolves). One accept at a time per listener: -EBUSY
 * otherwise. Handed-over connections that arrive while no accept waits are
 * kept, up to the backlog, for the next calls. */
REEF_API REEF_NODISCARD reef_future reef_accept(reef_listener *l, reef_sockaddr *peer);

/* Stops listening on this shard and frees the listener: a pending accept
 * fails with -ECONNABORTED first, connections kept for it are closed, and
 * connections handed to this shard from now on are closed. The kernel
 * socket of a handed-over mode stays open while any shard still listens
 * (the accepting shard keeps accepting for the others even after closing
 * its own listener); the future of the last shard to close resolves once
 * it is closed, so the address can be bound again. */
REEF_API REEF_NODISCARD reef_future reef_listener_close(reef_listener *l);

/* Connects to `addr` (copied): resolves with a reef_socket * (in .p). TCP
 * sockets get TCP_NODELAY. */
REEF_API REEF_NODISCARD reef_future reef_connect(const reef_sockaddr *addr);

/* Like reef_connect, failing with REEF_ETIMEOUT if the connection is not
 * established within `timeout` (the attempt is abandoned and its socket
 * closed). */
REEF_API REEF_NODISCARD reef_future reef_connect_timeout(const reef_sockaddr *addr,
                                                        reef_duration timeout);

/* Socket options: 0 or -errno. */
REEF_API int reef_socket_set_nodelay(reef_socket *s, bool on);
/* TCP keepalive: probes after `idle_s` seconds of silence, every
 * `interval_s`, giving up after `count` unanswered ones. */
REEF_API int reef_socket_set_keepalive(reef_socket *s, bool on, int idle_s, int interval_s,
                                       int count);
/* SO_RCVBUF / SO_SNDBUF (the kernel may round or double them). */
REEF_API int reef_socket_set_buffer_sizes(reef_socket *s, int receive, int send);

/* Reads up to `len` bytes into buf (valid until the future resolves):
 * resolves with the count (.u), 0 at end of stream. */
REEF_API REEF_NODISCARD reef_future reef_socket_read(reef_socket *s, void *buf, size_t len);

/* Writes all `len` bytes of buf (valid until the future resolves):
 * resolves once the kernel has taken them all. */
REEF_API REEF_NODISCARD reef_future reef_socket_write(reef_socket *s, const void *buf,
                                                     size_t len);

/* Ends the sending direction (the peer reads end of stream): 0 or -errno. */
REEF_API int reef_socket_shutdown_output(reef_socket *s);

/* Ends the receiving direction: an outstanding and every later read sees
 * end of stream. 0 or -errno. */
REEF_API int reef_socket_shutdown_input(reef_socket *s);

/* The peer's and our own address. */
REEF_API reef_sockaddr reef_socket_peer(const reef_socket *s);
REEF_API reef_sockaddr reef_socket_local(const reef_socket *s);

/* Shuts the socket down, lets an outstanding read or write finish (they
 * fail or see end of stream), closes it and frees it; resolves then. */
REEF_API REEF_NODISCARD reef_future reef_socket_close(reef_socket *s);

/* ---- UDP ------------------------------------------------------------------ */

typedef struct reef_udp_channel reef_udp_channel;

/* A datagram socket bound to `addr` (port 0 picks one): 0 or -errno. */
REEF_API int reef_udp_open(const reef_sockaddr *addr, reef_udp_channel **out);

/* The address the channel is bound to. */
REEF_API reef_sockaddr reef_udp_address(const reef_udp_channel *ch);

/* Sends one datagram of `len` bytes (buf valid until the future resolves):
 * resolves once it is handed to the kernel. */
REEF_API REEF_NODISCARD reef_future reef_udp_send_to(reef_udp_channel *ch,
                                                    const reef_sockaddr *to, const void *buf,
                                                    size_t len);

/* Receives one datagram into buf (a longer one is truncated): resolves
 * with its length (.u) and stores the sender in *from (if not NULL). buf
 * and from must stay valid until the future resolves. */
REEF_API REEF_NODISCARD reef_future reef_udp_receive(reef_udp_channel *ch, void *buf, size_t len,
                                                    reef_sockaddr *from);

/* Closes the channel once outstanding operations have finished. */
REEF_API REEF_NODISCARD reef_future reef_udp_close(reef_udp_channel *ch);

REEF_END_DECLS

#endif
