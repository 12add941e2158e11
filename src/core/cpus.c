/*
 * CPU lists: the order shards are pinned in, and --cpuset parsing.
 *
 * Two hyperthreads of one core share its execution units, so the first
 * shards go to distinct physical cores and siblings are used only once
 * every core has a shard. Topology comes from sysfs; without it, CPUs are
 * taken in numeric order.
 */
#include <ctype.h>
#include <errno.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/cpus.h"

/* The (package, core) identity of a CPU, or -1 if unknown. */
static long core_key(int cpu)
{
    char path[128];
    long core = -1, pkg = 0;
    snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/topology/core_id", cpu);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    if (fscanf(f, "%ld", &core) != 1)
        core = -1;
    fclose(f);
    snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/topology/physical_package_id",
             cpu);
    f = fopen(path, "r");
    if (f) {
        if (fscanf(f, "%ld", &pkg) != 1)
            pkg = 0;
        fclose(f);
    }
    return core < 0 ? -1 : pkg * 1000000 + core;
}

int reef__cpus_ordered(int *out, unsigned max)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof(set), &set) < 0)
        return 0;
    static int cpus[CPU_SETSIZE];
    static long keys[CPU_SETSIZE];
    int n = 0;
    for (int c = 0; c < CPU_SETSIZE; c++) {
        if (CPU_ISSET(c, &set)) {
            cpus[n] = c;
            /* Unknown topology: every CPU its own core. */
            long k = core_key(c);
            keys[n] = k >= 0 ? k : -1 - c;
            n++;
        }
    }
    /* Round k takes the k-th CPU of every core, cores in order of their
     * first CPU. */
    unsigned written = 0;
    for (int round = 0; written < max && written < (unsigned)n; round++) {
        for (int i = 0; i < n && written < max; i++) {
            int rank = 0; /* how many CPUs of this core come before it */
            for (int j = 0; j < i; j++)
                rank += keys[j] == keys[i];
            if (rank == round)
                out[written++] = cpus[i];
        }
    }
    return (int)written;
}

int reef__cpus_parse(const char *list, int *out, unsigned max)
{
    unsigned n = 0;
    const char *p = list;
    while (*p) {
        if (!isdigit((unsigned char)*p))
            return -EINVAL;
        char *end;
        long lo = strtol(p, &end, 10), hi = lo;
        p = end;
        if (*p == '-') {
            p++;
            if (!isdigit((unsigned char)*p))
                return -EINVAL;
            hi = strtol(p, &end, 10);
            p = end;
        }
        if (lo < 0 || hi < lo || hi >= CPU_SETSIZE)
            return -EINVAL;
        for (long c = lo; c <= hi; c++) {
            bool dup = false;
            for (unsigned k = 0; k < n; k++)
                dup |= out[k] == (int)c;
            if (!dup && n < max)
                out[n++] = (int)c;
        }
        if (*p == ',')
            p++;
        else if (*p)
            return -EINVAL;
    }
    return n ? (int)n : -EINVAL;
}

uint64_t reef__physical_memory(void)
{
    long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);
    return pages > 0 && size > 0 ? (uint64_t)pages * (uint64_t)size : 0;
}
