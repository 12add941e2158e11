/*
 * The application template's options: Reef's standard ones, the
 * application's own, and turning them into a configuration.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <reef/log.h>

#include "core/app_internal.h"
#include "core/cpus.h"

static int add_standard(reef_app *app)
{
    const bool off = false, on = true;
    const uint64_t zero = 0;
    const double quota_ms = 0.5;
    const double notify_ms = 25;
    const int64_t idle_poll_us = -1;
    const char *const info = "info";
    const char *const none = NULL;
    struct reef__opts *o = &app->opts;
    int rc = 0;
    rc |= reef__opts_add(o, "help", 'h', REEF__OPT_FLAG, &off, "show this help and exit");
    rc |= reef__opts_add(o, "smp", 'c', REEF__OPT_UINT, NULL,
                         "number of shards (default: every CPU the process may use)");
    rc |= reef__opts_add(o, "cpuset", 0, REEF__OPT_STRING, &none,
                         "CPUs to run shards on, e.g. 0-3,8 (default: all usable)");
    rc |= reef__opts_add(o, "thread-affinity", 0, REEF__OPT_FLAG, &on,
                         "pin each shard to its CPU (--thread-affinity=0 to disable)");
    rc |= reef__opts_add(o, "overprovisioned", 0, REEF__OPT_FLAG, &off,
                         "the machine is shared: do not pin shards");
    rc |= reef__opts_add(o, "memory", 'm', REEF__OPT_SIZE, NULL,
                         "memory for the application (default: all minus --reserve-memory)");
    rc |= reef__opts_add(o, "reserve-memory", 0, REEF__OPT_SIZE, &zero,
                         "memory left to the system (0: the larger of 1.5G and 7%)");
    rc |= reef__opts_add(o, "task-quota-ms", 0, REEF__OPT_DOUBLE, &quota_ms,
                         "run time after which a task yields to I/O and timers");
    rc |= reef__opts_add(o, "blocked-reactor-notify-ms", 0, REEF__OPT_DOUBLE, &notify_ms,
                         "report a task that keeps the reactor busy longer than this");
    rc |= reef__opts_add(o, "reactor-backend", 0, REEF__OPT_STRING, &none,
                         "io_uring or epoll (default: io_uring when the kernel allows)");
    rc |= reef__opts_add(o, "idle-poll-time-us", 0, REEF__OPT_INT, &idle_poll_us,
                         "busy-poll this long before sleeping (-1: built-in default)");
    rc |= reef__opts_add(o, "poll-mode", 0, REEF__OPT_FLAG, &off, "never sleep; poll continuously");
    rc |= reef__opts_add(o, "default-log-level", 0, REEF__OPT_STRING, &info,
                         "error, warn, info, debug or trace");
    rc |= reef__opts_add(o, "logger-log-level", 0, REEF__OPT_LIST, NULL,
                         "NAME=LEVEL for one logger (repeatable)");
    app->standard_count = o->n;
    return rc ? -ENOMEM : 0;
}

reef_app *reef_app_create(const char *name, const char *description)
{
    reef_app *app = calloc(1, sizeof(*app));
    if (!app)
        return NULL;
    app->name = strdup(name ? name : "app");
    app->description = strdup(description ? description : "");
    if (!app->name || !app->description || add_standard(app) < 0) {
        reef_app_destroy(app);
        return NULL;
    }
    return app;
}

void reef_app_destroy(reef_app *app)
{
    if (!app)
        return;
    reef__opts_free(&app->opts);
    free(app->name);
    free(app->description);
    free(app);
}

int reef_app_add_flag(reef_app *app, const char *long_name, char short_name, const char *help)
{
    const bool off = false;
    return reef__opts_add(&app->opts, long_name, short_name, REEF__OPT_FLAG, &off, help);
}

int reef_app_add_int(reef_app *app, const char *long_name, char short_name, int64_t def,
                     const char *help)
{
    return reef__opts_add(&app->opts, long_name, short_name, REEF__OPT_INT, &def, help);
}

int reef_app_add_uint(reef_app *app, const char *long_name, char short_name, uint64_t def,
                      const char *help)
{
    return reef__opts_add(&app->opts, long_name, short_name, REEF__OPT_UINT, &def, help);
}

int reef_app_add_double(reef_app *app, const char *long_name, char short_name, double def,
                        const char *help)
{
    return reef__opts_add(&app->opts, long_name, short_name, REEF__OPT_DOUBLE, &def, help);
}

int reef_app_add_string(reef_app *app, const char *long_name, char short_name, const char *def,
                        const char *help)
{
    return reef__opts_add(&app->opts, long_name, short_name, REEF__OPT_STRING, &def, help);
}

int reef_app_add_size(reef_app *app, const char *long_name, char short_name, uint64_t def,
                      const char *help)
{
    return reef__opts_add(&app->opts, long_name, short_name, REEF__OPT_SIZE, &def, help);
}

int reef_app_add_list(reef_app *app, const char *long_name, char short_name, const char *help)
{
    return reef__opts_add(&app->opts, long_name, short_name, REEF__OPT_LIST, NULL, help);
}

int reef_app_add_positional(reef_app *app, const char *long_name, int max_count,
                            const char *help)
{
    struct reef__opt *opt = reef__opts_find(&app->opts, long_name);
    if (!opt) {
        int rc = reef_app_add_list(app, long_name, 0, help);
        if (rc < 0)
            return rc;
    } else if (opt->type != REEF__OPT_LIST) {
        return -EEXIST;
    }
    return reef__opts_make_positional(&app->opts, long_name, max_count);
}

/* Asking for an undeclared option or with the wrong type is a bug in the
 * application, found the first time the code runs. */
static const struct reef__opt *lookup(const reef_app *app, const char *name,
                                      enum reef__opt_type type)
{
    const struct reef__opt *opt = reef__opts_find(&app->opts, name);
    if (!opt) {
        fprintf(stderr, "reef_app: no option '--%s' was declared\n", name);
        abort();
    }
    bool unsigned_ok = type == REEF__OPT_UINT && opt->type == REEF__OPT_SIZE;
    if (opt->type != type && !unsigned_ok) {
        fprintf(stderr, "reef_app: option '--%s' read with the wrong type\n", name);
        abort();
    }
    return opt;
}

bool reef_app_flag(const reef_app *app, const char *n) { return lookup(app, n, REEF__OPT_FLAG)->value.b; }
int64_t reef_app_int(const reef_app *app, const char *n) { return lookup(app, n, REEF__OPT_INT)->value.i; }
uint64_t reef_app_uint(const reef_app *app, const char *n) { return lookup(app, n, REEF__OPT_UINT)->value.u; }
double reef_app_double(const reef_app *app, const char *n) { return lookup(app, n, REEF__OPT_DOUBLE)->value.d; }
const char *reef_app_string(const reef_app *app, const char *n) { return lookup(app, n, REEF__OPT_STRING)->value.s; }
uint64_t reef_app_size(const reef_app *app, const char *n) { return lookup(app, n, REEF__OPT_SIZE)->value.u; }

size_t reef_app_list(const reef_app *app, const char *long_name, const char *const **items)
{
    const struct reef__opt *opt = lookup(app, long_name, REEF__OPT_LIST);
    if (items)
        *items = (const char *const *)opt->items;
    return opt->count;
}

bool reef_app_given(const reef_app *app, const char *long_name)
{
    const struct reef__opt *opt = reef__opts_find(&app->opts, long_name);
    if (!opt) {
        fprintf(stderr, "reef_app: no option '--%s' was declared\n", long_name);
        abort();
    }
    return opt->given;
}

static void print_help(const reef_app *app)
{
    printf("Usage: %s [options]\n\n", app->name);
    if (app->description[0])
        printf("%s\n\n", app->description);
    struct reef__opts mine = app->opts, standard = app->opts;
    mine.v += app->standard_count;
    mine.n -= app->standard_count;
    standard.n = app->standard_count;
    if (mine.n) {
        printf("Application options:\n");
        reef__opts_print_help(&mine, stdout);
        printf("\n");
    }
    printf("Reef options:\n");
    reef__opts_print_help(&standard, stdout);
}

static unsigned usable_cpus(void)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof(set), &set) == 0)
        return (unsigned)CPU_COUNT(&set);
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (unsigned)n : 1;
}


static int apply_log_levels(const reef_app *app)
{
    enum reef_log_level level;
    const char *def = reef_app_string(app, "default-log-level");
    if (reef_log_level_parse(def, &level) < 0) {
        fprintf(stderr, "%s: invalid log level '%s'\n", app->name, def);
        return -1;
    }
    reef_log_set_default_level(level);
    const char *const *items;
    size_t n = reef_app_list(app, "logger-log-level", &items);
    for (size_t i = 0; i < n; i++) {
        const char *eq = strchr(items[i], '=');
        char name[128];
        if (!eq || (size_t)(eq - items[i]) >= sizeof(name) ||
            reef_log_level_parse(eq + 1, &level) < 0) {
            fprintf(stderr, "%s: --logger-log-level wants NAME=LEVEL, got '%s'\n", app->name,
                    items[i]);
            return -1;
        }
        memcpy(name, items[i], (size_t)(eq - items[i]));
        name[eq - items[i]] = '\0';
        if (reef_log_set_level(name, level) < 0) {
            fprintf(stderr, "%s: unknown logger '%s'\n", app->name, name);
            return -1;
        }
    }
    return 0;
}

/* Checks the standard options against the machine and fills cfg. */
/* The CPUs shards may use, in pinning order, into app->cpus: the count,
 * or -1 after printing why not. */
static int choose_cpus(reef_app *app)
{
    const int max = (int)(sizeof(app->cpus) / sizeof(app->cpus[0]));
    const char *cpuset = reef_app_string(app, "cpuset");
    if (!cpuset)
        return reef__cpus_ordered(app->cpus, (unsigned)max);
    int n = reef__cpus_parse(cpuset, app->cpus, (unsigned)max);
    if (n < 0) {
        fprintf(stderr, "%s: invalid --cpuset '%s' (want a list like 0-3,8)\n", app->name,
                cpuset);
        return -1;
    }
    cpu_set_t allowed;
    if (sched_getaffinity(0, sizeof(allowed), &allowed) == 0) {
        for (int i = 0; i < n; i++) {
            if (!CPU_ISSET(app->cpus[i], &allowed)) {
                fprintf(stderr, "%s: CPU %d in --cpuset is not available to this process\n",
                        app->name, app->cpus[i]);
                return -1;
            }
        }
    }
    return n;
}

static int configure(reef_app *app, struct reef__app_config *cfg)
{
    int ncpus = choose_cpus(app);
    if (ncpus < 0)
        return -1;
    unsigned cpus = ncpus > 0 ? (unsigned)ncpus : usable_cpus();
    bool smp_given = reef_app_given(app, "smp");
    uint64_t smp = smp_given ? reef_app_uint(app, "smp") : cpus;
    if (smp == 0 || smp > cpus) {
        fprintf(stderr, "Couldn't start application: insufficient processing units\n");
        return -1;
    }
    uint64_t phys = reef__physical_memory();
    uint64_t memory = reef_app_given(app, "memory") ? reef_app_size(app, "memory") : 0;
    if (phys && memory > phys) {
        fprintf(stderr, "Couldn't start application: insufficient physical memory\n");
        return -1;
    }
    double quota_ms = reef_app_double(app, "task-quota-ms");
    if (quota_ms <= 0 || quota_ms > 60000) {
        fprintf(stderr, "%s: --task-quota-ms must be in (0, 60000]\n", app->name);
        return -1;
    }
    double notify_ms = reef_app_double(app, "blocked-reactor-notify-ms");
    if (notify_ms <= 0) {
        fprintf(stderr, "%s: --blocked-reactor-notify-ms must be positive\n", app->name);
        return -1;
    }
    const char *backend = reef_app_string(app, "reactor-backend");
    if (backend && strcmp(backend, "io_uring") != 0 && strcmp(backend, "epoll") != 0) {
        fprintf(stderr, "%s: unknown reactor backend '%s' (io_uring or epoll)\n", app->name,
                backend);
        return -1;
    }
    int64_t idle_us = reef_app_int(app, "idle-poll-time-us");
    *cfg = (struct reef__app_config){
        .smp = (unsigned)smp,
        .pin = ncpus > 0 && reef_app_flag(app, "thread-affinity") &&
               !reef_app_flag(app, "overprovisioned"),
        .cpus = app->cpus,
        .memory = memory,
        .reserve_memory = reef_app_size(app, "reserve-memory"),
        .task_quota_ns = (int64_t)(quota_ms * 1e6),
        .blocked_notify_ns = (int64_t)(notify_ms * 1e6),
        .backend = backend,
        .idle_poll_ns = idle_us < 0 ? -1 : idle_us * 1000,
        .poll_mode = reef_app_flag(app, "poll-mode"),
    };
    return apply_log_levels(app);
}

int reef__app_parse(struct reef_app *app, int argc, char **argv, struct reef__app_config *cfg,
                    int *exit_status)
{
    char err[512];
    if (reef__opts_parse(&app->opts, argc, argv, err, sizeof(err)) < 0) {
        fprintf(stderr, "%s: %s (try --help)\n", app->name, err);
        *exit_status = 1;
        return 1;
    }
    if (reef_app_flag(app, "help")) {
        print_help(app);
        *exit_status = 0;
        return 1;
    }
    if (configure(app, cfg) < 0) {
        *exit_status = 1;
        return 1;
    }
    return 0;
}
