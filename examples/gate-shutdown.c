/*
 * Tutorial chapter "Shutting down a service with a gate": five slow
 * operations start one unit apart inside a gate; then the gate closes,
 * a sixth operation is refused (its failure is reported as ignored), and
 * the program ends once the five have finished. With --check, each
 * operation is a loop of short sleeps that checks the gate and stops early
 * once it is closed.
 *
 *   ex-gate-shutdown [--unit-ms 1000] [--check]
 */
#include <stdio.h>
#include <stdlib.h>

#include <reef/reef.h>

struct demo {
    reef_gate gate;
    reef_duration unit;
    bool check;
};

static struct demo demo;
static int sleeps_done[7]; /* by operation */

static reef_future done(void *cap)
{
    int i = *(int *)cap;
    if (demo.check && sleeps_done[i] < 10)
        fprintf(stderr, "done %d (stopped early)\n", i);
    else
        fprintf(stderr, "done %d\n", i);
    return reef_done();
}

static reef_future tick(void *cap, int64_t n)
{
    int i = *(int *)cap;
    int rc = reef_gate_check(&demo.gate);
    if (rc)
        return reef_fail_code(rc); /* stops the loop */
    sleeps_done[i] = (int)n + 1; /* sleeps started */
    return reef_sleep(demo.unit);
}

static reef_future slow(void *cap)
{
    int i = *(int *)cap;
    fprintf(stderr, "starting %d\n", i);
    reef_future work = demo.check ? reef_do_for_range(0, 10, tick, &i, sizeof(i))
                                  : reef_sleep(10 * demo.unit);
    return reef_finally(work, done, &i, sizeof(i));
}

/* An operation stopped by the closed gate did what was asked of it. */
static reef_future stopped_early(void *cap, reef_err e)
{
    (void)cap;
    return e.code == REEF_EGATE_CLOSED ? reef_done() : reef_fail(reef_err_ref(e));
}

/* The operation and its error handling, both inside the gate: closing
 * waits for all of it. */
static reef_future guarded(void *cap)
{
    return reef_handle_error(slow(cap), stopped_early, NULL, 0);
}

static reef_future next(void *cap, int64_t i)
{
    (void)cap;
    int n = (int)i;
    reef_discard(reef_with_gate(&demo.gate, guarded, &n, sizeof(n)));
    /* wait one unit before starting the next operation */
    return reef_sleep(demo.unit);
}

static reef_future try_sixth(void *cap, reef_val v)
{
    (void)cap, (void)v;
    int six = 6;
    /* Refused: the gate is closed. Nobody looks at the failure, so it is
     * reported as ignored. */
    reef_discard(reef_with_gate(&demo.gate, slow, &six, sizeof(six)));
    return reef_done();
}

static reef_future all_started(void *cap, reef_val v)
{
    (void)cap, (void)v;
    /* The program ends when the gate has closed and the late attempt has
     * been made: nothing is left running behind its back. */
    reef_future both[2] = {reef_gate_close(&demo.gate),
                           reef_then(reef_sleep(demo.unit), try_sixth, NULL, 0)};
    return reef_when_all_succeed(both, 2, NULL);
}

static reef_future app_main(reef_app *app, void *arg)
{
    (void)arg;
    reef_gate_init(&demo.gate);
    demo.unit = reef_ms(reef_app_int(app, "unit-ms"));
    demo.check = reef_app_flag(app, "check");
    return reef_then(reef_do_for_range(1, 6, next, NULL, 0), all_started, NULL, 0);
}

int main(int argc, char **argv)
{
    reef_app *app = reef_app_create("ex-gate-shutdown", "Closing a gate around slow operations.");
    reef_app_add_int(app, "unit-ms", 'u', 1000, "the time unit (one sleep)");
    reef_app_add_flag(app, "check", 0, "operations check the gate and stop early");
    int status = reef_app_run(app, argc, argv, app_main, NULL);
    reef_app_destroy(app);
    return status;
}
