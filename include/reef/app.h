/*
 * The application template: parses the command line (Reef's standard
 * options plus the application's own), starts the reactor, runs the
 * application's main function on it and exits when the future that function
 * returns resolves.
 *
 *   static reef_future app_main(reef_app *app, void *arg) { ... }
 *   int main(int argc, char **argv) {
 *       reef_app *app = reef_app_create("demo", "What demo does");
 *       reef_app_add_int(app, "size", 's', 100, "size");
 *       int status = reef_app_run(app, argc, argv, app_main, NULL);
 *       reef_app_destroy(app);
 *       return status;
 *   }
 *
 * Standard options: -h/--help, -c/--smp N, -m/--memory SIZE,
 * --reserve-memory SIZE, --task-quota-ms MS, --blocked-reactor-notify-ms MS,
 * --reactor-backend NAME,
 * --idle-poll-time-us US, --poll-mode, --default-log-level LEVEL,
 * --logger-log-level NAME=LEVEL (repeatable). SIZE takes k/M/G/T suffixes
 * (powers of two).
 */
#ifndef REEF_APP_H
#define REEF_APP_H

#include <reef/common.h>
#include <reef/future.h>

REEF_BEGIN_DECLS

typedef struct reef_app reef_app;

/* Creates an application description; NULL if out of memory. `name` and
 * `description` are copied. Destroy with reef_app_destroy() after
 * reef_app_run() returns. */
REEF_API reef_app *reef_app_create(const char *name, const char *description);
REEF_API void reef_app_destroy(reef_app *app);

/* Declaring application options. `long_name` is required ("size"),
 * `short_name` is a letter or 0. Strings are copied. Each returns 0, or
 * -EEXIST if the name is taken (including by a standard option), -EINVAL
 * for a bad name, -ENOMEM. */
REEF_API int reef_app_add_flag(reef_app *app, const char *long_name, char short_name,
                               const char *help);
REEF_API int reef_app_add_int(reef_app *app, const char *long_name, char short_name,
                              int64_t def, const char *help);
REEF_API int reef_app_add_uint(reef_app *app, const char *long_name, char short_name,
                               uint64_t def, const char *help);
REEF_API int reef_app_add_double(reef_app *app, const char *long_name, char short_name,
                                 double def, const char *help);
/* `def` may be NULL: no default (reef_app_string returns NULL). */
REEF_API int reef_app_add_string(reef_app *app, const char *long_name, char short_name,
                                 const char *def, const char *help);
/* A byte size with optional k/M/G/T suffix (powers of two). */
REEF_API int reef_app_add_size(reef_app *app, const char *long_name, char short_name,
                               uint64_t def, const char *help);
/* A repeatable string option collecting every value given, in order. */
REEF_API int reef_app_add_list(reef_app *app, const char *long_name, char short_name,
                               const char *help);

/* Collects positional arguments (those not starting with '-') into the list
 * option `long_name` (declared by this call if it does not exist yet; the
 * option can also be given by name). `max_count` < 0 means unlimited.
 * Positional options fill in the order they were added. */
REEF_API int reef_app_add_positional(reef_app *app, const char *long_name, int max_count,
                                     const char *help);

/* Reading options, from the application's main function on. Asking for an
 * undeclared name or the wrong type aborts with a message (a programming
 * error). Standard options can be read too ("smp", "memory", ...). */
REEF_API bool reef_app_flag(const reef_app *app, const char *long_name);
REEF_API int64_t reef_app_int(const reef_app *app, const char *long_name);
REEF_API uint64_t reef_app_uint(const reef_app *app, const char *long_name);
REEF_API double reef_app_double(const reef_app *app, const char *long_name);
REEF_API const char *reef_app_string(const reef_app *app, const char *long_name);
REEF_API uint64_t reef_app_size(const reef_app *app, const char *long_name);
/* Number of values of a list option; *items (if not NULL) receives them,
 * valid until reef_app_destroy(). */
REEF_API size_t reef_app_list(const reef_app *app, const char *long_name,
                              const char *const **items);
/* True if the option appeared on the command line. */
REEF_API bool reef_app_given(const reef_app *app, const char *long_name);

typedef reef_future (*reef_app_main_fn)(reef_app *app, void *arg);

/* Parses argv, starts the reactor, runs main_fn(app, arg) on it and returns
 * when the future it returns resolves: 0 on success; 1 after printing
 * "program failed: <error>" if it failed; 1 after a one-line message for a start-up
 * error (bad option, "insufficient processing units", "insufficient
 * physical memory", no usable backend); 0 after printing help for -h; and
 * 128 + signal number if a signal stopped the reactor at once (see
 * reef_stop_hook_add). Never calls exit(). */
REEF_API int reef_app_run(reef_app *app, int argc, char **argv, reef_app_main_fn main_fn,
                          void *arg);

REEF_END_DECLS

#endif
