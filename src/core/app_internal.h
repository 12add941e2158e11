/*
 * The application template's private parts: the option table and the
 * configuration parsed from the standard options.
 */
#ifndef REEF_CORE_APP_INTERNAL_H
#define REEF_CORE_APP_INTERNAL_H

#include <reef/app.h>

#include "util/opts.h"

struct reef_app {
    char *name;
    char *description;
    struct reef__opts opts;
    size_t standard_count; /* opts.v[0 .. standard_count) are Reef's own */
    int cpus[1024];        /* the CPUs shards are pinned to, by shard */
};

struct reef__app_config {
    unsigned smp;
    bool pin;          /* pin shard i to cpus[i] */
    const int *cpus;   /* points into the app */
    uint64_t memory;         /* 0: all physical memory minus reserve_memory */
    uint64_t reserve_memory;
    int64_t task_quota_ns;
    int64_t blocked_notify_ns;
    const char *backend;     /* NULL: automatic; points into the app */
    int64_t idle_poll_ns;    /* < 0: the default */
    bool poll_mode;
};

/* Parses argv into the app's options and cfg. Returns 0 when the
 * application should run; otherwise 1 with *exit_status set (0 after -h,
 * 1 after printing an error). */
int reef__app_parse(struct reef_app *app, int argc, char **argv, struct reef__app_config *cfg,
                    int *exit_status);

#endif
