/*
 * Socket addresses.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <reef/sockaddr.h>

static int parse_port(const char *s, uint16_t *out)
{
    if (!*s)
        return -EINVAL;
    unsigned long v = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return -EINVAL;
        v = v * 10 + (unsigned long)(*s - '0');
        if (v > 65535)
            return -EINVAL;
    }
    *out = (uint16_t)v;
    return 0;
}

int reef_sockaddr_ipv4(const char *ip, uint16_t port, reef_sockaddr *out)
{
    reef_sockaddr a;
    memset(&a, 0, sizeof(a));
    a.u.in.sin_family = AF_INET;
    a.u.in.sin_port = htons(port);
    if (ip && inet_pton(AF_INET, ip, &a.u.in.sin_addr) != 1)
        return -EINVAL;
    a.len = sizeof(a.u.in);
    *out = a;
    return 0;
}

int reef_sockaddr_ipv6(const char *ip, uint16_t port, reef_sockaddr *out)
{
    reef_sockaddr a;
    memset(&a, 0, sizeof(a));
    a.u.in6.sin6_family = AF_INET6;
    a.u.in6.sin6_port = htons(port);
    if (ip) {
        char host[INET6_ADDRSTRLEN + IF_NAMESIZE + 2];
        if (strlen(ip) >= sizeof(host))
            return -EINVAL;
        strcpy(host, ip);
        char *scope = strchr(host, '%');
        if (scope) {
            *scope++ = '\0';
            unsigned idx = if_nametoindex(scope);
            if (!idx) {
                char *end;
                unsigned long n = strtoul(scope, &end, 10);
                if (!*scope || *end || n > UINT32_MAX)
                    return -EINVAL;
                idx = (unsigned)n;
            }
            a.u.in6.sin6_scope_id = idx;
        }
        if (inet_pton(AF_INET6, host, &a.u.in6.sin6_addr) != 1)
            return -EINVAL;
    }
    a.len = sizeof(a.u.in6);
    *out = a;
    return 0;
}

int reef_sockaddr_unix(const char *path, reef_sockaddr *out)
{
    reef_sockaddr a;
    memset(&a, 0, sizeof(a));
    a.u.un.sun_family = AF_UNIX;
    size_t n = strlen(path);
    if (n == 0 || n >= sizeof(a.u.un.sun_path))
        return -EINVAL;
    memcpy(a.u.un.sun_path, path, n);
    if (path[0] == '@')
        a.u.un.sun_path[0] = '\0'; /* abstract: no NUL terminator counted */
    a.len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + (path[0] == '@' ? 0 : 1));
    *out = a;
    return 0;
}

int reef_sockaddr_parse(const char *text, reef_sockaddr *out)
{
    if (!text)
        return -EINVAL;
    if (strncmp(text, "unix:", 5) == 0)
        return reef_sockaddr_unix(text + 5, out);
    if (text[0] == '/')
        return reef_sockaddr_unix(text, out);
    uint16_t port;
    if (text[0] == '[') {
        const char *close = strchr(text, ']');
        if (!close || close[1] != ':' || parse_port(close + 2, &port) < 0)
            return -EINVAL;
        char host[INET6_ADDRSTRLEN + IF_NAMESIZE + 2];
        size_t n = (size_t)(close - text - 1);
        if (n == 0 || n >= sizeof(host))
            return -EINVAL;
        memcpy(host, text + 1, n);
        host[n] = '\0';
        return reef_sockaddr_ipv6(host, port, out);
    }
    const char *colon = strrchr(text, ':');
    if (!colon || strchr(text, ':') != colon || parse_port(colon + 1, &port) < 0)
        return -EINVAL;
    char host[INET_ADDRSTRLEN];
    size_t n = (size_t)(colon - text);
    if (n == 0 || n >= sizeof(host))
        return -EINVAL;
    memcpy(host, text, n);
    host[n] = '\0';
    return reef_sockaddr_ipv4(host, port, out);
}

int reef_sockaddr_from(const struct sockaddr *sa, socklen_t len, reef_sockaddr *out)
{
    if (len > sizeof(out->u) || len < sizeof(sa_family_t))
        return -EINVAL;
    switch (sa->sa_family) {
    case AF_INET:
    case AF_INET6:
    case AF_UNIX:
        break;
    default:
        return -EINVAL;
    }
    memset(out, 0, sizeof(*out));
    memcpy(&out->u, sa, len);
    out->len = len;
    return 0;
}

size_t reef_sockaddr_format(const reef_sockaddr *a, char *buf, size_t cap)
{
    char host[INET6_ADDRSTRLEN + IF_NAMESIZE + 2];
    int n;
    switch (a->u.sa.sa_family) {
    case AF_INET:
        inet_ntop(AF_INET, &a->u.in.sin_addr, host, sizeof(host));
        n = snprintf(buf, cap, "%s:%u", host, ntohs(a->u.in.sin_port));
        break;
    case AF_INET6: {
        inet_ntop(AF_INET6, &a->u.in6.sin6_addr, host, sizeof(host));
        char scope[IF_NAMESIZE + 12] = "";
        if (a->u.in6.sin6_scope_id) {
            char name[IF_NAMESIZE];
            if (if_indextoname(a->u.in6.sin6_scope_id, name))
                snprintf(scope, sizeof(scope), "%%%s", name);
            else
                snprintf(scope, sizeof(scope), "%%%u", a->u.in6.sin6_scope_id);
        }
        n = snprintf(buf, cap, "[%s%s]:%u", host, scope, ntohs(a->u.in6.sin6_port));
        break;
    }
    case AF_UNIX: {
        size_t plen = a->len > offsetof(struct sockaddr_un, sun_path)
                          ? a->len - offsetof(struct sockaddr_un, sun_path)
                          : 0;
        if (plen && a->u.un.sun_path[0] == '\0') /* abstract */
            n = snprintf(buf, cap, "unix:@%.*s", (int)(plen - 1), a->u.un.sun_path + 1);
        else
            n = snprintf(buf, cap, "unix:%.*s", (int)strnlen(a->u.un.sun_path, plen),
                         a->u.un.sun_path);
        break;
    }
    default:
        n = snprintf(buf, cap, "unknown");
        break;
    }
    return n < 0 ? 0 : (size_t)n;
}

uint16_t reef_sockaddr_port(const reef_sockaddr *a)
{
    switch (a->u.sa.sa_family) {
    case AF_INET:
        return ntohs(a->u.in.sin_port);
    case AF_INET6:
        return ntohs(a->u.in6.sin6_port);
    default:
        return 0;
    }
}

void reef_sockaddr_set_port(reef_sockaddr *a, uint16_t port)
{
    if (a->u.sa.sa_family == AF_INET)
        a->u.in.sin_port = htons(port);
    else if (a->u.sa.sa_family == AF_INET6)
        a->u.in6.sin6_port = htons(port);
}

bool reef_sockaddr_equal(const reef_sockaddr *a, const reef_sockaddr *b)
{
    return a->len == b->len && memcmp(&a->u, &b->u, a->len) == 0;
}
