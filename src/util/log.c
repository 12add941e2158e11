/*
 * Named loggers: a registry, levels, and one write per line.
 *
 * The registry is a singly linked list guarded by a mutex; it is touched at
 * start-up (constructors, option parsing), never on the logging path. A
 * line is formatted into a stack buffer and emitted with one write(2), so
 * concurrent lines from different shards never interleave.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "util/log_internal.h"

__thread int reef__log_shard = -1;

REEF_LOGGER_DEFINE(reef_logger_reef, "reef")

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static reef_logger *registry;
static int default_level = REEF_LOG_INFO;

static pthread_mutex_t sink_lock = PTHREAD_MUTEX_INITIALIZER;
static void (*sink_fn)(const char *line, size_t len, void *arg);
static void *sink_arg;

static const char *const level_names[] = {"error", "warn", "info", "debug", "trace"};
/* Padded to one width so that messages line up. */
static const char *const level_tags[] = {"ERROR", "WARN ", "INFO ", "DEBUG", "TRACE"};

#define LEVEL_COUNT ((int)(sizeof(level_names) / sizeof(level_names[0])))

void reef_logger_register(reef_logger *lg)
{
    pthread_mutex_lock(&registry_lock);
    if (!lg->_registered) {
        lg->_registered = 1;
        lg->level = default_level;
        lg->_next = registry;
        registry = lg;
    }
    pthread_mutex_unlock(&registry_lock);
}

int reef_log_set_level(const char *name, enum reef_log_level level)
{
    int rc = -ENOENT;
    pthread_mutex_lock(&registry_lock);
    for (reef_logger *lg = registry; lg; lg = lg->_next) {
        if (strcmp(lg->name, name) == 0) {
            lg->level = (int)level;
            rc = 0;
        }
    }
    pthread_mutex_unlock(&registry_lock);
    return rc;
}

void reef_log_set_default_level(enum reef_log_level level)
{
    pthread_mutex_lock(&registry_lock);
    default_level = (int)level;
    for (reef_logger *lg = registry; lg; lg = lg->_next)
        lg->level = (int)level;
    pthread_mutex_unlock(&registry_lock);
}

int reef_log_level_parse(const char *s, enum reef_log_level *out)
{
    for (int i = 0; i < LEVEL_COUNT; i++) {
        if (strcasecmp(s, level_names[i]) == 0) {
            *out = (enum reef_log_level)i;
            return 0;
        }
    }
    return -EINVAL;
}

const char *reef_log_level_name(enum reef_log_level level)
{
    if ((int)level < 0 || (int)level >= LEVEL_COUNT)
        return "?";
    return level_names[level];
}

void reef_log_set_sink(void (*sink)(const char *line, size_t len, void *arg), void *arg)
{
    pthread_mutex_lock(&sink_lock);
    sink_fn = sink;
    sink_arg = arg;
    pthread_mutex_unlock(&sink_lock);
}

/* "2026-11-22 10:01:02,345" in local time. */
static size_t format_time(char *buf, size_t cap)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    localtime_r(&ts.tv_sec, &tm);
    size_t n = strftime(buf, cap, "%Y-%m-%d %H:%M:%S", &tm);
    int m = snprintf(buf + n, cap - n, ",%03ld", ts.tv_nsec / 1000000);
    return n + (m > 0 ? (size_t)m : 0);
}

static void emit(const char *line, size_t len)
{
    pthread_mutex_lock(&sink_lock);
    if (sink_fn) {
        sink_fn(line, len, sink_arg);
    } else {
        /* One write keeps lines whole; retry only on interruption. */
        while (len > 0) {
            ssize_t w = write(STDERR_FILENO, line, len);
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0)
                break;
            line += w;
            len -= (size_t)w;
        }
    }
    pthread_mutex_unlock(&sink_lock);
}

void reef_log(const reef_logger *lg, enum reef_log_level level, const char *fmt, ...)
{
    if ((int)level < 0 || (int)level >= LEVEL_COUNT)
        level = REEF_LOG_ERROR;
    int saved_errno = errno;
    char line[4096];
    const size_t cap = sizeof(line) - 1; /* room for the newline */
    char when[48];
    format_time(when, sizeof(when));
    char shard[16];
    if (reef__log_shard >= 0)
        snprintf(shard, sizeof(shard), "%d", reef__log_shard);
    else
        strcpy(shard, "-");
    int n = snprintf(line, cap, "%s %s [shard %s] %s - ", level_tags[level], when, shard,
                     lg->name);
    size_t len = n < 0 ? 0 : (size_t)n < cap ? (size_t)n : cap - 1;
    va_list ap;
    va_start(ap, fmt);
    n = vsnprintf(line + len, cap - len, fmt, ap);
    va_end(ap);
    if (n > 0)
        len += (size_t)n < cap - len ? (size_t)n : cap - len - 1;
    /* A message that already ends its line does not get a blank one. */
    if (len > 0 && line[len - 1] == '\n')
        len--;
    line[len++] = '\n';
    emit(line, len);
    errno = saved_errno;
}
