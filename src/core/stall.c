/*
 * The stall detector: reports a shard whose reactor has made no progress
 * (no task finished, no poll) while using --blocked-reactor-notify-ms of
 * CPU time.
 *
 * It rides on the task-quota signal, which keeps ticking while a task
 * runs: each tick compares the reactor's progress counters with the last
 * tick's. When they stand still for longer than the threshold, the handler
 * — still on the stuck thread, in the middle of the guilty code — takes a
 * backtrace and writes the report to stderr itself. It cannot wait for the
 * task to return (it may never return), so everything here is
 * async-signal-safe: no malloc, no stdio, no locks. Loaded objects and the
 * local time offset are looked up once, at start-up, for that reason.
 *
 * A long stall is reported again at twice, four times, ... the threshold,
 * and no shard reports more than REPORTS_PER_MINUTE times a minute.
 */
#include <execinfo.h>
#include <link.h>
#include <pthread.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/reactor_impl.h"

#define REPORTS_PER_MINUTE 10
#define MAX_OBJECTS 64
#define MAX_FRAMES 32

struct object {
    const char *name; /* "" for the main executable */
    uintptr_t base, start, end;
};

static struct object objects[MAX_OBJECTS];
static int object_count;
static long utc_offset_s;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static int note_object(struct dl_phdr_info *info, size_t size, void *arg)
{
    (void)size, (void)arg;
    if (object_count == MAX_OBJECTS)
        return 1;
    uintptr_t lo = UINTPTR_MAX, hi = 0;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_LOAD)
            continue;
        uintptr_t s = info->dlpi_addr + ph->p_vaddr;
        if (s < lo)
            lo = s;
        if (s + ph->p_memsz > hi)
            hi = s + ph->p_memsz;
    }
    if (hi > lo)
        objects[object_count++] = (struct object){info->dlpi_name ? info->dlpi_name : "",
                                                  info->dlpi_addr, lo, hi};
    return 0;
}

static void prepare_once(void)
{
    dl_iterate_phdr(note_object, NULL);
    /* The first backtrace() loads the unwinder; do it here, not in a
     * signal handler. */
    void *frames[2];
    backtrace(frames, 2);
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    utc_offset_s = tm.tm_gmtoff;
}

/* The stuck thread's own CPU time: time the thread spent descheduled (a
 * loaded host, a hypervisor taking the CPU away) is not a stall of ours. */
static reef_time thread_cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (reef_time)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void reef__stall_init(struct reef__reactor *r)
{
    pthread_once(&once, prepare_once);
    r->stall_since = thread_cpu_now();
    r->stall_next_report = r->cfg.blocked_notify;
    r->stall_reports = 0;
    r->stall_window_start = 0;
}

/* ---- Async-signal-safe formatting ------------------------------------- */

struct line {
    char buf[4096];
    size_t len;
};

static void put_str(struct line *l, const char *s)
{
    while (*s && l->len < sizeof(l->buf))
        l->buf[l->len++] = *s++;
}

static void put_uint(struct line *l, uint64_t v, int min_digits)
{
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n < min_digits)
        tmp[n++] = '0';
    while (n && l->len < sizeof(l->buf))
        l->buf[l->len++] = tmp[--n];
}

static void put_hex(struct line *l, uintptr_t v)
{
    char tmp[20];
    int n = 0;
    do {
        tmp[n++] = "0123456789abcdef"[v & 15];
        v >>= 4;
    } while (v);
    put_str(l, "0x");
    while (n && l->len < sizeof(l->buf))
        l->buf[l->len++] = tmp[--n];
}

/* Days since 1970-01-01 to a civil date (proleptic Gregorian). */
static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

/* "2026-11-22 10:01:02,345", as the logger prints it. */
static void put_timestamp(struct line *l)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t t = (int64_t)ts.tv_sec + utc_offset_s;
    int64_t days = t / 86400, secs = t % 86400;
    int64_t y;
    unsigned m, d;
    civil_from_days(days, &y, &m, &d);
    put_uint(l, (uint64_t)y, 4);
    put_str(l, "-");
    put_uint(l, m, 2);
    put_str(l, "-");
    put_uint(l, d, 2);
    put_str(l, " ");
    put_uint(l, (uint64_t)(secs / 3600), 2);
    put_str(l, ":");
    put_uint(l, (uint64_t)(secs / 60 % 60), 2);
    put_str(l, ":");
    put_uint(l, (uint64_t)(secs % 60), 2);
    put_str(l, ",");
    put_uint(l, (uint64_t)(ts.tv_nsec / 1000000), 3);
}

/* Same form as reef__backtrace_format_addr(): offsets that addr2line (and
 * scripts/reef-addr2line) understand. */
static void put_frame(struct line *l, uintptr_t addr)
{
    put_str(l, "  ");
    for (int i = 0; i < object_count; i++) {
        const struct object *o = &objects[i];
        if (addr < o->start || addr >= o->end)
            continue;
        if (o->name[0]) {
            put_str(l, o->name);
            put_str(l, "+");
        }
        put_hex(l, addr - o->base);
        put_str(l, "\n");
        return;
    }
    put_hex(l, addr);
    put_str(l, "\n");
}

static void report(struct reef__reactor *r, reef_duration stalled)
{
    void *frames[MAX_FRAMES];
    int n = backtrace(frames, MAX_FRAMES);
    struct line l = {.len = 0};
    put_str(&l, "WARN  ");
    put_timestamp(&l);
    put_str(&l, " [shard ");
    put_uint(&l, r->shard, 1);
    put_str(&l, "] reef - Reactor stalled for ");
    put_uint(&l, (uint64_t)(stalled / 1000000), 1);
    put_str(&l, " ms on shard ");
    put_uint(&l, r->shard, 1);
    put_str(&l, ", backtrace:\n");
    /* Frames 0-2 are this file and the signal handler. */
    for (int i = 3; i < n; i++)
        put_frame(&l, (uintptr_t)frames[i] - 1);
    const char *p = l.buf;
    size_t left = l.len;
    while (left) {
        ssize_t w = write(STDERR_FILENO, p, left);
        if (w <= 0)
            break;
        p += w;
        left -= (size_t)w;
    }
}

static bool rate_allows(struct reef__reactor *r, reef_time now)
{
    if (now - r->stall_window_start > reef_s(60)) {
        r->stall_window_start = now;
        r->stall_reports = 0;
    }
    if (r->stall_reports >= REPORTS_PER_MINUTE)
        return false;
    r->stall_reports++;
    return true;
}

void reef__stall_tick(struct reef__reactor *r)
{
    reef_time cpu = thread_cpu_now();
    if (r->tasks_run != r->stall_seen_tasks || r->polls != r->stall_seen_polls) {
        r->stall_seen_tasks = r->tasks_run;
        r->stall_seen_polls = r->polls;
        r->stall_since = cpu;
        r->stall_next_report = r->cfg.blocked_notify;
        return;
    }
    reef_duration stalled = cpu - r->stall_since;
    if (stalled < r->stall_next_report)
        return;
    r->stall_next_report *= 2;
    if (rate_allows(r, reef_now()))
        report(r, stalled);
}
