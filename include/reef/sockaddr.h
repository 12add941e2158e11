/*
 * Socket addresses: IPv4, IPv6 and Unix-domain, parsed from and formatted
 * to text.
 *
 *   "127.0.0.1:47578"        IPv4 address and port
 *   "[::1]:80"               IPv6 address (in brackets) and port
 *   "[fe80::1%eth0]:80"      IPv6 with a scope (interface name or number)
 *   "unix:/run/reef.sock"    Unix-domain path ("unix:" may be omitted when
 *                            the text starts with '/')
 *   "unix:@name"             Linux abstract Unix-domain name
 *
 * A reef_sockaddr is a plain value: copy it freely.
 */
#ifndef REEF_SOCKADDR_H
#define REEF_SOCKADDR_H

#include <reef/common.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>

REEF_BEGIN_DECLS

typedef struct reef_sockaddr {
    union {
        struct sockaddr sa;
        struct sockaddr_in in;
        struct sockaddr_in6 in6;
        struct sockaddr_un un;
        struct sockaddr_storage storage;
    } u;
    socklen_t len; /* bytes of u in use */
} reef_sockaddr;

/* Longest text reef_sockaddr_format produces, with its NUL. */
#define REEF_SOCKADDR_TEXT_MAX 128

/* Parses `text`: 0, or -EINVAL (with nothing stored) for text that is not
 * one of the forms above, a port outside 0..65535, or a Unix path too long
 * for sun_path. */
REEF_API int reef_sockaddr_parse(const char *text, reef_sockaddr *out);

/* Builds an address from parts: 0 or -EINVAL. `ip` is dotted IPv4 or IPv6
 * text (without brackets); NULL means the wildcard address. */
REEF_API int reef_sockaddr_ipv4(const char *ip, uint16_t port, reef_sockaddr *out);
REEF_API int reef_sockaddr_ipv6(const char *ip, uint16_t port, reef_sockaddr *out);
REEF_API int reef_sockaddr_unix(const char *path, reef_sockaddr *out);

/* Wraps an address returned by the kernel (accept, getpeername, ...). */
REEF_API int reef_sockaddr_from(const struct sockaddr *sa, socklen_t len, reef_sockaddr *out);

/* Writes the text form into buf (always NUL-terminated when cap > 0) and
 * returns its length, or what it would have been (as snprintf). */
REEF_API size_t reef_sockaddr_format(const reef_sockaddr *a, char *buf, size_t cap);

/* AF_INET, AF_INET6 or AF_UNIX. */
static inline int reef_sockaddr_family(const reef_sockaddr *a) { return a->u.sa.sa_family; }

/* The port of an IP address (0 for Unix-domain ones). */
REEF_API uint16_t reef_sockaddr_port(const reef_sockaddr *a);
REEF_API void reef_sockaddr_set_port(reef_sockaddr *a, uint16_t port);

/* Same family, address and port (or path). */
REEF_API bool reef_sockaddr_equal(const reef_sockaddr *a, const reef_sockaddr *b);

REEF_END_DECLS

#endif
