/*
 * The stall detector (src/core/stall.c): a task that holds the reactor for
 * longer than the threshold (25 ms by default) is reported on stderr with a
 * backtrace taken on the stuck thread; a busy reactor that keeps making
 * progress is not.
 */
#include <dlfcn.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <reef/loop.h>
#include <reef/reactor.h>
#include <reef/timer.h>

#include "harness/harness.h"

TH_BLOCKED_NOTIFY_MS(25) /* the default of --blocked-reactor-notify-ms */

static int saved_stderr = -1;
static FILE *captured;

static void capture_stderr(void)
{
    fflush(stderr);
    captured = tmpfile();
    saved_stderr = dup(2);
    dup2(fileno(captured), 2);
}

/* Restores stderr and returns what was written meanwhile (caller frees). */
static char *captured_text(void)
{
    fflush(stderr);
    dup2(saved_stderr, 2);
    close(saved_stderr);
    long len = lseek(fileno(captured), 0, SEEK_END);
    char *text = calloc(1, (size_t)len + 1);
    T_EQ(pread(fileno(captured), text, (size_t)len, 0), len);
    fclose(captured);
    return text;
}

__attribute__((noinline)) static void busy_for(reef_duration d)
{
    reef_time until = reef_now() + d;
    while (reef_now() < until)
        __asm__ volatile("" ::: "memory");
}

/* True if one of the report's frames lies within the first bytes of fn:
 * the backtrace was taken on the stuck thread, inside the guilty code. */
static bool report_has_frame_in(const char *text, void *fn)
{
    Dl_info info;
    struct link_map *map = NULL;
    T_TRUE(dladdr1(fn, &info, (void **)&map, RTLD_DL_LINKMAP) != 0);
    uintptr_t off = (uintptr_t)fn - (map ? map->l_addr : 0);
    for (const char *p = text; (p = strstr(p, "\n  0x")); p++) {
        uintptr_t frame = (uintptr_t)strtoull(p + 3, NULL, 16);
        if (frame >= off && frame < off + 256)
            return true;
    }
    return false;
}

static reef_future after_stall(void *cap, reef_val v)
{
    char *text = captured_text();
    T_CONTAINS(text, "] reef - Reactor stalled for ");
    T_CONTAINS(text, " ms on shard 0, backtrace:\n  ");
    /* Reported at 25 ms, then again at 50 ms, 100 ms, ...: two or three
     * reports for a 100 ms stall, never one per tick. */
    int reports = 0;
    for (const char *p = text; (p = strstr(p, "Reactor stalled")); p++)
        reports++;
    T_GE(reports, 2);
    T_LE(reports, 3);
    T_TRUE(strncmp(text, "WARN  2", 7) == 0);
    T_TRUE(report_has_frame_in(text, (void *)busy_for));
    free(text);
    return reef_done();
}

static reef_future stall_task(void *cap, reef_val v)
{
    busy_for(reef_ms(100));
    return reef_done();
}

REACTOR_TEST(a_100ms_busy_loop_is_reported_with_a_backtrace)
{
    capture_stderr();
    /* Let the reactor settle first, so the stall is one task's. */
    reef_future f = reef_then(reef_sleep(reef_ms(5)), stall_task, NULL, 0);
    return reef_then(f, after_stall, NULL, 0);
}

struct slices {
    int left;
};

static reef_future short_slice(void *cap)
{
    struct slices *s = *(struct slices **)cap;
    if (s->left-- == 0)
        return reef_stop();
    busy_for(reef_us(200));
    return reef_continue();
}

static reef_future check_quiet(void *cap, reef_val v)
{
    char *text = captured_text();
    T_TRUE(strstr(text, "stalled") == NULL);
    free(text);
    return reef_done();
}

REACTOR_TEST(a_busy_reactor_that_keeps_yielding_is_not_reported)
{
    capture_stderr();
    static struct slices s = {500}; /* 100 ms of CPU in 0.2 ms pieces */
    struct slices *sp = &s;
    return reef_then(reef_repeat(short_slice, &sp, sizeof(sp)), check_quiet, NULL, 0);
}

TEST_MAIN()
