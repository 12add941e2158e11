/*
 * Listening, and spreading accepted connections across shards.
 *
 * Every shard that wants connections calls reef_listen() with the same
 * address and spread mode. With REEF_SPREAD_REUSE_PORT each shard binds a
 * kernel socket of its own (SO_REUSEPORT) and accepts on it. In the other
 * modes the shards listening on one address form a listen group around a
 * single kernel socket:
 *
 *   registry (process-wide, one mutex; touched by listen and close only)
 *     group: bound address, mode, member shards, kernel socket
 *
 *   acceptor (the first shard to listen)       serving shard t
 *   ------------------------------------       ---------------------------
 *   accept loop: accept -> descriptor
 *     choose t among the members
 *     in_flight[t]++       --- submit_to --->  deliver: make a reef_socket
 *                                              of shard t (count[t]++),
 *                                              complete the waiting
 *                                              reef_accept or keep it (up
 *                                              to the backlog);
 *                                              in_flight[t]--
 *     restart a parked loop <--- reply ------
 *
 * The accepted descriptor is fresh: the acceptor never polls it, so no
 * reactor but the serving shard's ever knows it, and the serving shard
 * owns and closes it. Choosing reads only the members' flags and the
 * per-shard connection counts, relaxed atomics written by their owners:
 * no lock is taken per connection. The serving shard takes a connection
 * off in_flight as it counts it as its own, so the acceptor counts each
 * connection once (see load()).
 *
 * A group's life (rules 32 and 33 of docs/design.md):
 *  1. The first shard to listen binds the kernel socket, creates the group
 *     and becomes its acceptor; its accept loop runs until the group ends.
 *  2. Later shards join without binding. A member that closes stops
 *     receiving: its waiting accept fails with -ECONNABORTED, connections
 *     kept for it and connections still on their way to it are closed.
 *  3. The acceptor keeps accepting for the others after closing its own
 *     listener (it then serves none itself).
 *  4. The last member to close takes the group out of the registry and asks
 *     the acceptor to stop: it closes the kernel socket, waits for the
 *     hand-overs in flight, frees the group, and only then does that last
 *     close resolve. So every shard of a group must close its listener
 *     before the application's shards stop.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <reef/log.h>
#include <reef/net.h>
#include <reef/reactor.h>
#include <reef/smp.h>
#include <reef/timer.h>

#include "net/listen_group.h"
#include "net/socket_internal.h"

#define DEFAULT_BACKLOG 1024

/* How long the accept loop pauses after an error such as -EMFILE, which
 * would otherwise repeat at once. */
#define ACCEPT_RETRY_DELAY reef_ms(10)

/* ---- Per-shard counts of open accepted connections --------------------------- */

/* Shards beyond this many are not counted (they look idle). */
#define COUNTED_SHARDS 1024

/* One cache line per shard: the owner writes its own, the acceptors of
 * listen groups read them. */
struct count_line {
    _Alignas(64) atomic_uint n;
};
static struct count_line accepted_counts[COUNTED_SHARDS];

void reef__accepted_count_add(int delta)
{
    unsigned me = reef_shard_id();
    if (me >= COUNTED_SHARDS)
        return;
    /* The owner is the only writer: a load and a store suffice. */
    atomic_uint *n = &accepted_counts[me].n;
    unsigned v = atomic_load_explicit(n, memory_order_relaxed);
    atomic_store_explicit(n, v + (unsigned)delta, memory_order_relaxed);
}

unsigned reef__accepted_count(unsigned shard)
{
    if (shard >= COUNTED_SHARDS)
        return 0;
    return atomic_load_explicit(&accepted_counts[shard].n, memory_order_relaxed);
}

/* ---- Listeners and groups ---------------------------------------------------------- */

struct group;

/* A handed-over connection that no accept was waiting for. */
struct kept {
    struct kept *next;
    reef_socket *s;
    reef_sockaddr peer;
};

struct reef_listener {
    struct group *g;                 /* handed-over modes */
    struct reef__listen_socket *own; /* REEF_SPREAD_REUSE_PORT */
    reef_sockaddr addr;
    int family;
    unsigned backlog;
    /* The accept waiting for a hand-over (group mode). */
    bool waiting;
    reef_promise acc;
    reef_sockaddr *peer_out;
    /* Connections handed over before anyone asked: FIFO, at most backlog. */
    struct kept *first, *last;
    unsigned kept;
};

struct member {
    /* Set under the registry lock by shard i; read by the acceptor. */
    atomic_bool listening;
    /* Written by shard i alone, read by the acceptor: connections kept for
     * its next reef_accept calls. */
    atomic_uint kept;
    /* Fixed at join: how many it may keep. */
    unsigned backlog;
    /* Hand-overs to shard i not yet taken: raised by the acceptor, lowered
     * by shard i once the connection is counted and kept (or by the
     * acceptor if the message could not be sent). */
    atomic_uint in_flight;
    /* Shard i's alone: its listener, NULL once closed. */
    reef_listener *l;
};

struct group {
    /* Under the registry lock. */
    struct group *next;
    unsigned members;
    /* Fixed at creation. */
    reef_sockaddr addr; /* the bound address: the registry's key */
    enum reef_spread spread;
    unsigned fixed_shard;
    unsigned acceptor;
    unsigned nshards;
    /* The acceptor's alone. */
    struct reef__listen_socket *ls;
    reef_sockaddr peer; /* filled by the outstanding accept */
    unsigned refs;      /* kernel socket open + loop running + hand-overs in flight */
    unsigned rr;        /* where the next least-loaded scan starts (ties) */
    bool stopping, backing_off;
    /* The acceptor's alone: the loop waits for a member to have room. */
    bool parked;
    /* Set by the acceptor when it parks; whoever clears it (the acceptor
     * seeing room again, or a member that made room) restarts the loop,
     * so exactly one restart happens. */
    atomic_bool wants_room;
    reef_timer retry;
    reef_promise stopped; /* the last member's close waits on it */
    struct member m[];    /* [nshards] */
};

static REEF_LOGGER_DEFINE(net_log, "net")

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static struct group *registry;

/* Two bound addresses name the same socket. */
static bool same_address(const reef_sockaddr *a, const reef_sockaddr *b)
{
    if (a->u.sa.sa_family != b->u.sa.sa_family)
        return false;
    switch (a->u.sa.sa_family) {
    case AF_INET:
        return a->u.in.sin_port == b->u.in.sin_port &&
               a->u.in.sin_addr.s_addr == b->u.in.sin_addr.s_addr;
    case AF_INET6:
        return a->u.in6.sin6_port == b->u.in6.sin6_port &&
               a->u.in6.sin6_scope_id == b->u.in6.sin6_scope_id &&
               memcmp(&a->u.in6.sin6_addr, &b->u.in6.sin6_addr, 16) == 0;
    case AF_UNIX: {
        /* Paths may come with or without their NUL; abstract names (a
         * leading NUL) are compared byte for byte. */
        size_t off = offsetof(struct sockaddr_un, sun_path);
        size_t la = a->len > off ? a->len - off : 0, lb = b->len > off ? b->len - off : 0;
        const char *pa = a->u.un.sun_path, *pb = b->u.un.sun_path;
        if (la && pa[0])
            la = strnlen(pa, la);
        if (lb && pb[0])
            lb = strnlen(pb, lb);
        return la && la == lb && memcmp(pa, pb, la) == 0;
    }
    default:
        return false;
    }
}

static struct group *registry_find(const reef_sockaddr *addr)
{
    for (struct group *g = registry; g; g = g->next)
        if (same_address(&g->addr, addr))
            return g;
    return NULL;
}

static void registry_remove(struct group *g)
{
    struct group **p = &registry;
    while (*p != g)
        p = &(*p)->next;
    *p = g->next;
}

/* ---- Handing connections over -------------------------------------------------- */

static bool member_listening(struct group *g, unsigned t)
{
    return atomic_load(&g->m[t].listening); /* seq_cst: see join() */
}

/* Shard t listens and can take one more connection: those kept for it
 * and those on their way to it stay within its backlog, so a server that
 * accepts slowly leaves the rest waiting in the kernel's queue. */
static bool member_has_room(struct group *g, unsigned t)
{
    if (!member_listening(g, t))
        return false;
    /* in_flight before kept: shard t lowers in_flight after raising kept,
     * so a connection is never missed, only seen twice for a moment. */
    unsigned in_flight = atomic_load(&g->m[t].in_flight);
    unsigned kept = atomic_load(&g->m[t].kept); /* after wants_room: see set_kept */
    return kept + in_flight < g->m[t].backlog;
}

/* Shard t's open accepted connections and those on their way to it. Read
 * in_flight first for the same reason as above: had the acceptor lowered
 * in_flight only when the reply came back, a connection shard t already
 * counted would weigh twice for a whole message round trip, and a burst
 * of connections would lean towards the acceptor. */
static unsigned load(struct group *g, unsigned t)
{
    unsigned in_flight = atomic_load_explicit(&g->m[t].in_flight, memory_order_acquire);
    return reef__accepted_count(t) + in_flight;
}

/* The shard with room and the fewest open accepted connections, counting
 * those on their way to it; -1 if none has room. Ties: see the end. */
static int least_loaded(struct group *g)
{
    int best = -1;
    unsigned best_load = 0;
    for (unsigned i = 0; i < g->nshards; i++) {
        unsigned t = (g->rr + i) % g->nshards;
        if (!member_has_room(g, t))
            continue;
        unsigned n = load(g, t);
        if (best < 0 || n < best_load) {
            best = (int)t;
            best_load = n;
        }
    }
    /* A tie that includes the accepting shard goes to it: the connection
     * is then served where it was accepted, without a message between
     * shards (and a lone connection gets the shard that is not busy
     * handing connections over). Other ties take turns. */
    unsigned me = g->acceptor;
    if (best >= 0 && (unsigned)best != me && member_has_room(g, me) && load(g, me) == best_load)
        return (int)me;
    if (best >= 0)
        g->rr = ((unsigned)best + 1) % g->nshards;
    return best;
}

static int choose(struct group *g, const reef_sockaddr *peer)
{
    switch (g->spread) {
    case REEF_SPREAD_BY_PORT: {
        unsigned port = reef_sockaddr_port(peer);
        for (unsigned i = 0; i < g->nshards; i++) {
            unsigned t = (port + i) % g->nshards;
            if (member_has_room(g, t))
                return (int)t;
        }
        return -1;
    }
    case REEF_SPREAD_FIXED:
        if (member_listening(g, g->fixed_shard))
            return member_has_room(g, g->fixed_shard) ? (int)g->fixed_shard : -1;
        return least_loaded(g);
    default:
        return least_loaded(g);
    }
}

static void loop_resume(struct group *g);

/* The listener's count of kept connections, mirrored for the acceptor. A
 * count that went down may give the parked accept loop the room it waits
 * for. The count is stored before wants_room is read, and the acceptor
 * stores wants_room before it reads the counts, all sequentially
 * consistent: one of the two sees the other's store. */
static void set_kept(reef_listener *l, unsigned n)
{
    bool fewer = n < l->kept;
    l->kept = n;
    atomic_store(&l->g->m[reef_shard_id()].kept, n);
    if (!fewer)
        return;
    struct group *g = l->g;
    if (atomic_load(&g->wants_room) &&
        atomic_exchange_explicit(&g->wants_room, false, memory_order_relaxed))
        loop_resume(g);
}

/* Gives an adopted connection to a listener: to its waiting accept, or
 * kept for the next one. (Closing beyond the backlog is a safeguard: the
 * acceptor sends a shard only what it has room for.) */
static void listener_take(reef_listener *l, reef_socket *s, const reef_sockaddr *peer)
{
    if (l->waiting) {
        l->waiting = false;
        if (l->peer_out)
            *l->peer_out = *peer;
        reef_promise_resolve(&l->acc, (reef_val){.p = s});
        return;
    }
    struct kept *k = l->kept < l->backlog ? malloc(sizeof(*k)) : NULL;
    if (!k) {
        reef_log_warn(&net_log, "shard %u: %u connections wait for accept: closing a new one",
                      reef_shard_id(), l->kept);
        reef_discard(reef_socket_close(s));
        return;
    }
    *k = (struct kept){NULL, s, *peer};
    if (l->last)
        l->last->next = k;
    else
        l->first = k;
    l->last = k;
    set_kept(l, l->kept + 1);
}

/* On the serving shard: the descriptor becomes one of its sockets. */
static void deliver_here(struct group *g, int fd, const reef_sockaddr *peer)
{
    reef_listener *l = g->m[reef_shard_id()].l;
    if (!l) {
        close(fd); /* closed since it was chosen: never polled, plain close */
        return;
    }
    reef_socket *s = reef__socket_adopt(fd, l->family);
    if (!s) {
        close(fd);
        reef_log_warn(&net_log, "out of memory for an accepted connection: closed");
        return;
    }
    listener_take(l, s, peer);
}

struct handover {
    struct group *g;
    int fd;
    unsigned to;
    reef_sockaddr peer;
};

static reef_future deliver(void *cap)
{
    struct handover *h = cap;
    deliver_here(h->g, h->fd, &h->peer);
    /* Counted and kept (or closed): no longer on its way. Release: the
     * acceptor that sees this sees the count and kept too. */
    atomic_fetch_sub_explicit(&h->g->m[h->to].in_flight, 1, memory_order_release);
    return reef_done(); /* never fails: a failure means it did not run */
}

static void group_unref(struct group *g);

/* Back on the acceptor. */
static reef_future delivered(void *cap, reef_future r)
{
    struct handover *h = *(struct handover **)cap;
    struct group *g = h->g;
    if (reef_future_failed(r)) {
        close(h->fd); /* the message could not be sent */
        atomic_fetch_sub(&g->m[h->to].in_flight, 1);
        reef_log_warn(&net_log, "could not hand a connection to shard %u: closed", h->to);
    }
    reef_future_ignore(r);
    free(h);
    /* Shard h->to lowered in_flight before replying: it may have room now
     * (the loop checks). */
    if (g->parked && atomic_exchange_explicit(&g->wants_room, false, memory_order_relaxed))
        loop_resume(g);
    group_unref(g);
    return reef_done();
}

static void hand_over(struct group *g, int fd, const reef_sockaddr *peer)
{
    int t = choose(g, peer);
    if (t < 0) {
        close(fd); /* nobody listens any more: the group is about to end */
        return;
    }
    if ((unsigned)t == reef_shard_id()) {
        deliver_here(g, fd, peer);
        return;
    }
    struct handover *h = malloc(sizeof(*h));
    if (!h) {
        close(fd);
        return;
    }
    *h = (struct handover){g, fd, (unsigned)t, *peer};
    atomic_fetch_add(&g->m[t].in_flight, 1);
    g->refs++;
    reef_future f = reef_submit_to((unsigned)t, deliver, h, sizeof(*h));
    reef_discard(reef_then_wrapped(f, delivered, &h, sizeof(h)));
}

/* ---- The acceptor's loop ----------------------------------------------------------- */

static void group_unref(struct group *g)
{
    if (--g->refs)
        return;
    reef_promise stopped = g->stopped;
    free(g);
    reef_promise_resolve(&stopped, (reef_val){.u = 0});
}

static void loop_next(struct group *g);

static void retry_accept(reef_timer *t, void *arg)
{
    (void)t;
    struct group *g = arg;
    g->backing_off = false;
    loop_next(g);
}

static reef_future loop_accepted(void *cap, reef_future r)
{
    struct group *g = *(struct group **)cap;
    reef_val v;
    reef_err e;
    int rc = reef_future_take(r, &v, &e);
    if (rc == 0) {
        if (g->stopping)
            close((int)v.i); /* arrived as the group ended */
        else
            hand_over(g, (int)v.i, &g->peer);
    } else {
        reef_err_release(e);
    }
    if (g->stopping) {
        group_unref(g); /* the loop's reference */
        return reef_done();
    }
    if (rc < 0 && rc != -ECONNABORTED) {
        /* Out of descriptors or memory: the next accept would fail at
         * once, so pause. (-ECONNABORTED: a client gave up first.) */
        reef_log_warn(&net_log, "accept: %s", reef_strerror(rc));
        g->backing_off = true;
        reef_timer_arm(&g->retry, ACCEPT_RETRY_DELAY);
        return reef_done();
    }
    loop_next(g);
    return reef_done();
}

/* Some shard can take one more connection. */
static bool can_take(struct group *g)
{
    if (g->spread == REEF_SPREAD_FIXED && member_listening(g, g->fixed_shard))
        return member_has_room(g, g->fixed_shard);
    for (unsigned t = 0; t < g->nshards; t++)
        if (member_has_room(g, t))
            return true;
    return false;
}

/* No shard has room: the loop stops accepting until one makes room. True
 * if it parked; false if room appeared meanwhile and it should go on. */
static bool park(struct group *g)
{
    g->parked = true;
    atomic_store(&g->wants_room, true); /* before the counts: see set_kept */
    if (!can_take(g))
        return true;
    if (!atomic_exchange_explicit(&g->wants_room, false, memory_order_relaxed))
        return true; /* a member cleared it first: its restart is on the way */
    g->parked = false;
    return false;
}

static void loop_next(struct group *g)
{
    if (!can_take(g) && park(g))
        return;
    memset(&g->peer, 0, sizeof(g->peer));
    reef_future f = reef__listen_socket_accept(g->ls, &g->peer);
    reef_discard(reef_then_wrapped(f, loop_accepted, &g, sizeof(g)));
}

/* On the acceptor: the restart of a parked loop (exactly one per park). */
static void loop_restart(struct group *g)
{
    g->parked = false;
    if (g->stopping)
        group_unref(g); /* the loop's reference: it ends here */
    else
        loop_next(g); /* parks again if the room is gone */
}

static reef_future restart_here(void *cap)
{
    loop_restart(*(struct group **)cap);
    return reef_done();
}

/* Whoever cleared wants_room restarts the loop, on the acceptor. */
static void loop_resume(struct group *g)
{
    if (reef_shard_id() == g->acceptor) {
        loop_restart(g);
        return;
    }
    /* The parked loop's reference keeps the group alive until it runs. */
    reef_future f = reef_submit_to(g->acceptor, restart_here, &g, sizeof(g));
    if (reef_future_available(f) && reef_future_failed(f))
        reef_log_error(&net_log, "could not wake the accept loop of shard %u", g->acceptor);
    reef_discard(f);
}

static reef_future socket_closed(void *cap, reef_future r)
{
    reef_future_ignore(r);
    group_unref(*(struct group **)cap);
    return reef_done();
}

/* On the acceptor, asked by the last member to leave. */
static reef_future stop_accepting(void *cap)
{
    struct group *g = *(struct group **)cap;
    g->stopping = true;
    reef_future stopped = reef_promise_init(&g->stopped);
    if (g->backing_off && reef_timer_cancel(&g->retry)) {
        g->backing_off = false;
        g->refs--; /* the loop ends here; the socket's reference remains */
    }
    if (g->parked && atomic_exchange_explicit(&g->wants_room, false, memory_order_relaxed)) {
        g->parked = false;
        g->refs--; /* likewise; if a member cleared it, its restart ends the loop */
    }
    /* An outstanding accept fails with -ECONNABORTED and ends the loop. */
    reef_future closed = reef__listen_socket_close(g->ls);
    reef_discard(reef_then_wrapped(closed, socket_closed, &g, sizeof(g)));
    return stopped;
}

/* ---- Joining and leaving -------------------------------------------------------- */

/* Binds the group's kernel socket and enters it in the registry (lock held). */
static int group_create(const reef_sockaddr *addr, const struct reef_listen_options *opts,
                        struct group **out)
{
    unsigned n = reef_shard_count();
    struct group *g = calloc(1, sizeof(*g) + n * sizeof(g->m[0]));
    if (!g)
        return -ENOMEM;
    int rc = reef__listen_socket_open(addr, opts, false, &g->ls);
    if (rc < 0) {
        free(g);
        return rc;
    }
    g->addr = reef__listen_socket_address(g->ls);
    g->spread = opts->spread;
    g->fixed_shard = (unsigned)opts->fixed_shard;
    g->acceptor = reef_shard_id();
    g->nshards = n;
    for (unsigned i = 0; i < n; i++) {
        atomic_init(&g->m[i].listening, false);
        atomic_init(&g->m[i].kept, 0);
        atomic_init(&g->m[i].in_flight, 0);
    }
    atomic_init(&g->wants_room, false);
    g->refs = 2; /* the kernel socket and the loop */
    reef_timer_init(&g->retry, REEF_CLOCK_STEADY, retry_accept, g);
    g->next = registry;
    registry = g;
    *out = g;
    return 0;
}

static int join(reef_listener *l, const reef_sockaddr *addr, const struct reef_listen_options *opts)
{
    unsigned me = reef_shard_id();
    bool created = false;
    int rc = 0;
    pthread_mutex_lock(&registry_lock);
    struct group *g = registry_find(addr);
    if (g && (g->spread != opts->spread ||
              (g->spread == REEF_SPREAD_FIXED && g->fixed_shard != (unsigned)opts->fixed_shard)))
        rc = -EINVAL;
    else if (g && g->m[me].l)
        rc = -EADDRINUSE;
    else if (!g && (rc = group_create(addr, opts, &g)) == 0)
        created = true;
    if (rc == 0) {
        g->m[me].l = l;
        g->m[me].backlog = l->backlog;
        atomic_store_explicit(&g->m[me].kept, 0, memory_order_relaxed);
        atomic_store(&g->m[me].listening, true); /* before wants_room is read */
        g->members++;
        l->g = g;
        l->addr = g->addr;
    }
    pthread_mutex_unlock(&registry_lock);
    if (created) {
        loop_next(g);
    } else if (rc == 0) {
        /* A new member is room: wake a loop parked for want of it. */
        if (atomic_load(&g->wants_room) &&
            atomic_exchange_explicit(&g->wants_room, false, memory_order_relaxed))
            loop_resume(g);
    }
    return rc;
}

/* Closes what a listener kept and fails its waiting accept. */
static void listener_drop(reef_listener *l)
{
    if (l->waiting) {
        l->waiting = false;
        reef_promise_fail(&l->acc, reef_err_code(-ECONNABORTED));
    }
    while (l->first) {
        struct kept *k = l->first;
        l->first = k->next;
        reef_discard(reef_socket_close(k->s));
        free(k);
    }
    l->last = NULL;
    set_kept(l, 0);
}

static reef_future leave(reef_listener *l)
{
    struct group *g = l->g;
    g->m[reef_shard_id()].l = NULL; /* hand-overs still on their way get closed */
    listener_drop(l);
    pthread_mutex_lock(&registry_lock);
    atomic_store_explicit(&g->m[reef_shard_id()].listening, false, memory_order_relaxed);
    bool last = --g->members == 0;
    if (last)
        registry_remove(g);
    pthread_mutex_unlock(&registry_lock);
    free(l);
    if (!last)
        return reef_done();
    return reef_submit_to(g->acceptor, stop_accepting, &g, sizeof(g));
}

/* ---- The public listener -------------------------------------------------------- */

int reef_listen(const reef_sockaddr *addr, const struct reef_listen_options *opts,
                reef_listener **out)
{
    static const struct reef_listen_options defaults;
    if (!opts)
        opts = &defaults;
    if (!addr || !out || (unsigned)opts->spread > REEF_SPREAD_REUSE_PORT)
        return -EINVAL;
    if (opts->spread == REEF_SPREAD_FIXED &&
        (opts->fixed_shard < 0 || (unsigned)opts->fixed_shard >= reef_shard_count()))
        return -EINVAL;
    reef_listener *l = calloc(1, sizeof(*l));
    if (!l)
        return -ENOMEM;
    l->backlog = opts->backlog > 0 ? (unsigned)opts->backlog : DEFAULT_BACKLOG;
    l->family = addr->u.sa.sa_family;
    int rc;
    if (opts->spread == REEF_SPREAD_REUSE_PORT) {
        rc = reef__listen_socket_open(addr, opts, true, &l->own);
        if (rc == 0)
            l->addr = reef__listen_socket_address(l->own);
    } else {
        rc = join(l, addr, opts);
    }
    if (rc < 0) {
        free(l);
        return rc;
    }
    *out = l;
    return 0;
}

reef_sockaddr reef_listener_address(const reef_listener *l)
{
    return l->addr;
}

static reef_future adopt_accepted(void *cap, reef_val v)
{
    int family = *(int *)cap;
    reef_socket *s = reef__socket_adopt((int)v.i, family);
    if (!s) {
        close((int)v.i);
        return reef_fail_code(-ENOMEM);
    }
    return reef_ready_ptr(s);
}

reef_future reef_accept(reef_listener *l, reef_sockaddr *peer)
{
    if (l->own)
        return reef_then(reef__listen_socket_accept(l->own, peer), adopt_accepted, &l->family,
                         sizeof(l->family));
    if (l->waiting)
        return reef_fail_code(-EBUSY);
    if (l->first) {
        struct kept *k = l->first;
        l->first = k->next;
        if (!l->first)
            l->last = NULL;
        set_kept(l, l->kept - 1);
        if (peer)
            *peer = k->peer;
        reef_socket *s = k->s;
        free(k);
        return reef_ready_ptr(s);
    }
    l->waiting = true;
    l->peer_out = peer;
    return reef_promise_init(&l->acc);
}

reef_future reef_listener_close(reef_listener *l)
{
    if (l->g)
        return leave(l);
    reef_future closed = reef__listen_socket_close(l->own);
    free(l);
    return closed;
}
