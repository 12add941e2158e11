/*
 * reef_app_run(): the application template's run step.
 */
#include <stdio.h>

#include <reef/app.h>

#include "core/app_internal.h"
#include "core/run.h"
#include "core/sharded_internal.h"
#include "core/smp_internal.h"

struct main_state {
    bool done;
    uintptr_t s;
    reef_val v;
};

static reef_future on_main_done(void *cap, reef_future resolved)
{
    struct main_state *st = cap;
    st->done = true;
    /* The resolved future is ours: keep its result (and error) as is. */
    st->s = resolved._s;
    st->v = resolved._v;
    reef__reactor_stop(0);
    return reef_done();
}

struct start_args {
    reef_future (*start)(void *arg);
    void *arg;
    struct main_state *st;
};

int reef__run_main(const struct reef__reactor_config *cfg, reef_future (*start)(void *arg),
                   void *arg, struct reef__run_result *out)
{
    int rc = reef__smp_start(cfg);
    if (rc < 0)
        return rc;
    struct main_state st = {false, 0, {.u = 0}};
    reef_future f = start(arg);
    reef_future tail = reef_then_wrapped(f, on_main_done, &st, 0);
    reef_discard(tail);
    reef__reactor_run();
    reef__sharded_report_unstopped();
    out->status = reef__r->exit_status;
    out->err = (reef_err){0, NULL};
    if (st.done && (st.s & 3) == 1) {
        out->status = 1;
        out->err = (reef_err){(int)(int32_t)(st.s >> 32), st.v.p};
    } else if (st.done) {
        out->status = 0;
    }
    out->leftovers = reef__smp_finish();
    return 0;
}

struct app_start {
    reef_app *app;
    reef_app_main_fn fn;
    void *arg;
};

static reef_future app_start(void *p)
{
    struct app_start *a = p;
    return a->fn(a->app, a->arg);
}

int reef_app_run(reef_app *app, int argc, char **argv, reef_app_main_fn main_fn, void *arg)
{
    struct reef__app_config cfg;
    int status = 0;
    if (reef__app_parse(app, argc, argv, &cfg, &status))
        return status;
    struct reef__reactor_config rcfg = {
        .task_quota = cfg.task_quota_ns,
        .idle_poll = cfg.idle_poll_ns >= 0 ? cfg.idle_poll_ns : REEF__DEFAULT_IDLE_POLL_NS,
        .poll_mode = cfg.poll_mode,
        .backend = cfg.backend,
        .blocked_notify = cfg.blocked_notify_ns,
        .smp = cfg.smp,
        .pin = cfg.pin,
        .cpus = cfg.cpus,
        .memory = cfg.memory,
        .reserve_memory = cfg.reserve_memory,
    };
    struct app_start a = {app, main_fn, arg};
    struct reef__run_result res;
    int rc = reef__run_main(&rcfg, app_start, &a, &res);
    if (rc < 0) {
        fprintf(stderr, "Couldn't start application: %s\n", reef_strerror(rc));
        return 1;
    }
    if (res.status == 1) {
        char buf[4096];
        reef_err_format(res.err, buf, sizeof(buf));
        fprintf(stderr, "program failed: %s\n", buf);
        reef_err_release(res.err);
    }
    return res.status;
}
