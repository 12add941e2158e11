/*
 * Backtraces. glibc's backtrace() walks the unwind tables; dladdr() tells
 * which object an address belongs to, so that addresses inside shared
 * objects can be printed relative to the object (ASLR moves them).
 */
#include <dlfcn.h>
#include <execinfo.h>
#include <link.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "util/backtrace.h"

void reef__backtrace_format_addr(char *buf, size_t size, void *addr)
{
    Dl_info info;
    struct link_map *map = NULL;
    if (dladdr1(addr, &info, (void **)&map, RTLD_DL_LINKMAP) && map && map->l_name &&
        map->l_name[0]) {
        /* Shared object: print the offset from its load address. */
        snprintf(buf, size, "%s+0x%lx", map->l_name, (unsigned long)((uintptr_t)addr - map->l_addr));
        return;
    }
    /* The main executable (l_name is empty): with PIE, the offset from its
     * load base is what addr2line needs. */
    uintptr_t base = map ? map->l_addr : 0;
    snprintf(buf, size, "0x%lx", (unsigned long)((uintptr_t)addr - base));
}

int reef__backtrace_format(char *buf, size_t size, int skip)
{
    void *frames[64];
    int n = backtrace(frames, 64);
    size_t used = 0;
    int written = 0;
    if (size)
        buf[0] = 0;
    for (int i = 1 + skip; i < n && used + 1 < size; i++) {
        char one[512];
        /* Return addresses point after the call; step back one byte so the
         * line reported is the call's own. */
        reef__backtrace_format_addr(one, sizeof(one), (char *)frames[i] - 1);
        int m = snprintf(buf + used, size - used, "  %s\n", one);
        if (m < 0 || (size_t)m >= size - used)
            break;
        used += (size_t)m;
        written++;
    }
    return written;
}
