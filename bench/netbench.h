/*
 * What the network benchmark programs (bench-loadgen, bench-c10k) share:
 * the options naming the server, and what they read about the server
 * process from /proc — CPU time and resident memory. The /proc reads are
 * small synchronous file reads, done at a handful of instants per run (the
 * start and the end of a measured window), never per operation.
 */
#ifndef REEF_BENCH_NETBENCH_H
#define REEF_BENCH_NETBENCH_H

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include <reef/reef.h>

/* CPU time (user + system) that process `pid` has used so far, in
 * nanoseconds, or -1 if it cannot be read. Summed over its live threads'
 * schedstat (nanosecond resolution, so that an idle server's few hundred
 * microseconds per second show up); falls back to /proc/PID/stat, which
 * counts in clock ticks (10 ms here) but includes threads that exited. */
static inline int64_t proc_cpu_ns(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
    DIR *d = opendir(path);
    int64_t sum = 0;
    int threads = 0;
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (e->d_name[0] == '.')
                continue;
            char p[320];
            snprintf(p, sizeof(p), "/proc/%d/task/%s/schedstat", (int)pid, e->d_name);
            FILE *f = fopen(p, "r");
            long long ns;
            if (f && fscanf(f, "%lld", &ns) == 1) {
                sum += ns;
                threads++;
            }
            if (f)
                fclose(f);
        }
        closedir(d);
    }
    if (threads > 0)
        return sum;
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char line[1024];
    size_t n = fread(line, 1, sizeof(line) - 1, f);
    fclose(f);
    line[n] = '\0';
    /* The command name may hold spaces and parentheses: fields are
     * counted from the last ')'. utime and stime are fields 14 and 15. */
    char *p = strrchr(line, ')');
    unsigned long long ut, st;
    if (!p || sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
        return -1;
    long tck = sysconf(_SC_CLK_TCK);
    return (int64_t)((ut + st) * (1000000000ull / (unsigned long long)(tck > 0 ? tck : 100)));
}

/* Resident memory of process `pid` in bytes (VmRSS), or -1. */
static inline int64_t proc_rss_bytes(pid_t pid)
{
    char path[64], line[256];
    snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    long long kib = -1;
    while (fgets(line, sizeof(line), f))
        if (sscanf(line, "VmRSS: %lld kB", &kib) == 1)
            break;
    fclose(f);
    return kib < 0 ? -1 : kib * 1024;
}

/* Declares --address, --port and --conns (with this default and help). */
static inline void netbench_add_options(reef_app *app, int64_t conns, const char *conns_help)
{
    reef_app_add_string(app, "address", 'a', "127.0.0.1", "server's IPv4 address");
    reef_app_add_int(app, "port", 'p', 10007, "server's TCP port");
    reef_app_add_int(app, "conns", 'n', conns, conns_help);
}

/* The server's address from --address and --port: 0, or -EINVAL after
 * nothing was stored. */
static inline int netbench_server(const reef_app *app, reef_sockaddr *out)
{
    int64_t port = reef_app_int(app, "port");
    if (port < 1 || port > 65535)
        return -EINVAL;
    return reef_sockaddr_ipv4(reef_app_string(app, "address"), (uint16_t)port, out) < 0 ? -EINVAL
                                                                                        : 0;
}

#endif
