/*
 * Backtraces in the form Reef prints them: one frame per line, addresses in
 * the executable as "0x4011ab", frames in shared objects as
 * "/lib/x86_64-linux-gnu/libc.so.6+0x271ca" — the form that
 * scripts/reef-addr2line decodes.
 */
#ifndef REEF_UTIL_BACKTRACE_H
#define REEF_UTIL_BACKTRACE_H

#include <stddef.h>

/* Formats the calling thread's backtrace into buf (always terminated),
 * skipping `skip` innermost frames besides this function's own. Returns
 * the number of frames written. Allocates nothing. */
int reef__backtrace_format(char *buf, size_t size, int skip);

/* Formats one return address the same way. */
void reef__backtrace_format_addr(char *buf, size_t size, void *addr);

#endif
