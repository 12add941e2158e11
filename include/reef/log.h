/*
 * Named loggers with levels.
 *
 * A line looks like
 *   WARN  2026-11-22 10:01:02,345 [shard 0] name - message
 * and goes to stderr (or a sink set with reef_log_set_sink) in one write, so
 * lines from different shards never interleave.
 *
 * Loggers are defined once, statically, with REEF_LOGGER_DEFINE and are
 * registered before main() runs, so that --logger-log-level can find them by
 * name. Levels are read by every shard; set them at start-up
 * (reef_app does, from the command line).
 */
#ifndef REEF_LOG_H
#define REEF_LOG_H

#include <reef/common.h>
#include <stddef.h>

REEF_BEGIN_DECLS

enum reef_log_level {
    REEF_LOG_ERROR = 0,
    REEF_LOG_WARN = 1,
    REEF_LOG_INFO = 2,
    REEF_LOG_DEBUG = 3,
    REEF_LOG_TRACE = 4,
};

typedef struct reef_logger {
    const char *name;
    volatile int level; /* messages at or below this level are printed */
    /* private */
    struct reef_logger *_next;
    int _registered;
} reef_logger;

/* Defines (with external linkage) and registers a logger named `name`. */
#define REEF_LOGGER_DEFINE(var, name)                                                              \
    reef_logger var = {name, REEF_LOG_INFO, NULL, 0};                                              \
    __attribute__((constructor)) static void reef__logger_register_##var(void)                     \
    {                                                                                              \
        reef_logger_register(&var);                                                                \
    }

/* Adds a logger to the registry (idempotent); the logger must outlive the
 * process. Thread-safe. Its level becomes the current default level. */
REEF_API void reef_logger_register(reef_logger *lg);

/* Reef's own logger, named "reef". */
REEF_API extern reef_logger reef_logger_reef;

static inline bool reef_log_enabled(const reef_logger *lg, enum reef_log_level level)
{
    return (int)level <= lg->level;
}

/* Formats and emits one line if `level` is enabled for `lg`. Thread-safe;
 * usable from any thread (the shard shows as "[shard -]" off reactors). */
REEF_API void reef_log(const reef_logger *lg, enum reef_log_level level, const char *fmt, ...)
    REEF_PRINTF(3, 4);

/* The macros skip evaluating their arguments when the level is disabled. */
#define reef_log_at_(lg, lvl, ...)                                                                 \
    do {                                                                                           \
        if (reef_log_enabled((lg), (lvl)))                                                         \
            reef_log((lg), (lvl), __VA_ARGS__);                                                    \
    } while (0)
#define reef_log_error(lg, ...) reef_log_at_(lg, REEF_LOG_ERROR, __VA_ARGS__)
#define reef_log_warn(lg, ...) reef_log_at_(lg, REEF_LOG_WARN, __VA_ARGS__)
#define reef_log_info(lg, ...) reef_log_at_(lg, REEF_LOG_INFO, __VA_ARGS__)
#define reef_log_debug(lg, ...) reef_log_at_(lg, REEF_LOG_DEBUG, __VA_ARGS__)
#define reef_log_trace(lg, ...) reef_log_at_(lg, REEF_LOG_TRACE, __VA_ARGS__)

/* Sets the level of the logger called `name`: 0, or -ENOENT if none. */
REEF_API int reef_log_set_level(const char *name, enum reef_log_level level);

/* Sets every registered logger's level, and the level later ones start with. */
REEF_API void reef_log_set_default_level(enum reef_log_level level);

/* Parses "error", "warn", "info", "debug" or "trace" (case-insensitive):
 * 0, or -EINVAL. */
REEF_API int reef_log_level_parse(const char *s, enum reef_log_level *out);

/* "error", "warn", ... */
REEF_API const char *reef_log_level_name(enum reef_log_level level);

/* Sends finished lines (with their trailing newline) to sink(line, len, arg)
 * instead of stderr; NULL restores stderr. The sink may be called from any
 * thread that logs, one line at a time (calls are serialised). */
REEF_API void reef_log_set_sink(void (*sink)(const char *line, size_t len, void *arg), void *arg);

REEF_END_DECLS

#endif
