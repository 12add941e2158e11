/*
 * Tutorial chapter "Lifetime management": keeping an object alive exactly
 * as long as the asynchronous work that uses it. reef_do_with allocates the
 * state, runs the work with a pointer to it, and releases it (destructor
 * first) once the work's future resolves — on success and on failure. A
 * reference-counted object (reef_shared_new) serves several continuations
 * at once and goes when the last one lets go. A continuation can also own
 * what it captures (reef_then_owned): exactly one of the continuation or
 * its drop function releases it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <reef/reef.h>

struct job {
    char name[16];
    int steps;
    bool fail;
};

static void job_released(void *state)
{
    struct job *j = state;
    printf("%s: state released after %d steps\n", j->name, j->steps);
}

static reef_future one_step(void *cap, int64_t i)
{
    struct job *j = *(struct job **)cap;
    if (j->fail && i == 2)
        return reef_fail_msg(-EIO, "%s failed at step %lld", j->name, (long long)i);
    j->steps++;
    return reef_sleep(reef_ms(1));
}

/* The work: five steps that use the state in turn. */
static reef_future work(void *state, void *arg)
{
    (void)arg;
    return reef_do_for_range(0, 5, one_step, &state, sizeof(state));
}

static reef_future report(void *cap, reef_future r)
{
    (void)cap;
    reef_err e;
    if (reef_future_take(r, NULL, &e)) {
        printf("work failed: %s\n", reef_err_message(e));
        reef_err_release(e);
    } else {
        printf("work succeeded\n");
    }
    return reef_done();
}

static reef_future ownership_part(void *cap, reef_val v);

/* ---- A shared object --------------------------------------------------------- */

struct counter {
    int hits;
};

static void counter_gone(void *obj)
{
    printf("counter destroyed with %d hits\n", ((struct counter *)obj)->hits);
}

static reef_future hit(void *cap, reef_val v)
{
    (void)v;
    struct counter *c = *(struct counter **)cap;
    c->hits++;
    reef_shared_unref(c); /* this continuation's reference */
    return reef_done();
}

static reef_future shared_part(void *cap, reef_val v)
{
    (void)cap, (void)v;
    struct counter *c = reef_shared_new(sizeof(*c), counter_gone);
    if (!c)
        return reef_fail_code(-ENOMEM);
    reef_future fs[3];
    for (int i = 0; i < 3; i++) {
        reef_shared_ref(c);
        fs[i] = reef_then(reef_sleep(reef_ms(1 + i)), hit, &c, sizeof(c));
    }
    printf("counter shared by %u owners\n", reef_shared_count(c));
    reef_shared_unref(c); /* ours; the continuations keep it alive */
    return reef_then(reef_when_all_succeed(fs, 3, NULL), ownership_part, NULL, 0);
}

/* ---- Passing ownership to a continuation ------------------------------------ */

/* The continuation owns the buffer: it frees it when it runs ... */
static reef_future consume_buffer(void *cap, reef_val v)
{
    (void)v;
    char *buf = *(char **)cap;
    printf("buffer '%s' used and freed by the continuation\n", buf);
    free(buf);
    return reef_done();
}

/* ... and when it does not (its future failed), the drop function does. */
static void drop_buffer(void *cap)
{
    char *buf = *(char **)cap;
    printf("buffer '%s' freed by the drop function\n", buf);
    free(buf);
}

static reef_future swallow(void *cap, reef_err e)
{
    (void)cap, (void)e;
    return reef_done();
}

static reef_future ownership_part(void *cap, reef_val v)
{
    (void)cap, (void)v;
    char *a = strdup("a"), *b = strdup("b");
    reef_future ok = reef_then_owned(reef_sleep(reef_ms(1)), consume_buffer, drop_buffer, &a,
                                     sizeof(a));
    reef_future failed = reef_then_owned(reef_fail_code(-EIO), consume_buffer, drop_buffer, &b,
                                         sizeof(b));
    failed = reef_handle_error(failed, swallow, NULL, 0);
    reef_future both[2] = {failed, ok};
    return reef_when_all_succeed(both, 2, NULL);
}

static reef_future failing_part(void *cap, reef_val v)
{
    (void)cap, (void)v;
    struct job bad = {"second", 0, true};
    reef_future f = reef_do_with(&bad, sizeof(bad), work, NULL, job_released);
    return reef_then(reef_then_wrapped(f, report, NULL, 0), shared_part, NULL, 0);
}

static reef_future app_main(reef_app *app, void *arg)
{
    (void)app, (void)arg;
    struct job good = {"first", 0, false};
    /* `good` is copied into state owned by reef_do_with: this function may
     * return at once. */
    reef_future f = reef_do_with(&good, sizeof(good), work, NULL, job_released);
    return reef_then(reef_then_wrapped(f, report, NULL, 0), failing_part, NULL, 0);
}

int main(int argc, char **argv)
{
    reef_app *app = reef_app_create("ex-do-with-state", "Keeping state alive for async work.");
    int status = reef_app_run(app, argc, argv, app_main, NULL);
    reef_app_destroy(app);
    return status;
}
