/*
 * Tutorial chapters "Semaphores", "Limiting parallelism with semaphores"
 * and "Limiting parallelism of loops": at most N slow operations at once,
 * three ways (wait + finally signal, reef_with_semaphore, units held by
 * the continuation), then a loop of 456 iterations keeping at most 100 in
 * flight and waiting for the last ones with wait(100).
 */
#include <stdio.h>
#include <stdlib.h>

#include <reef/reef.h>

static int running, most;

static reef_future finished(void *cap)
{
    (void)cap;
    running--;
    return reef_done();
}

/* The operation being limited: 5 ms of waiting. */
static reef_future slow(void *cap)
{
    (void)cap;
    if (++running > most)
        most = running;
    return reef_finally(reef_sleep(reef_ms(5)), finished, NULL, 0);
}

static reef_sem limit;

/* 1: wait, then signal in a finally. */
static reef_future signal_one(void *cap)
{
    (void)cap;
    reef_sem_signal(&limit, 1);
    return reef_done();
}

static reef_future then_slow(void *cap, reef_val v)
{
    (void)v;
    return slow(cap);
}

static reef_future g_wait_signal(void *cap, int64_t i)
{
    (void)cap, (void)i;
    reef_future work = reef_then(reef_sem_wait(&limit, 1), then_slow, NULL, 0);
    return reef_finally(work, signal_one, NULL, 0);
}

/* 2: reef_with_semaphore returns the units whatever happens. */
static reef_future g_with_semaphore(void *cap, int64_t i)
{
    (void)cap, (void)i;
    return reef_with_semaphore(&limit, 1, slow, NULL, 0);
}

/* 3: a units object, handed to the continuation that ends the work. */
static reef_future return_units(void *cap)
{
    reef_sem_units_return(*(reef_sem_units **)cap);
    return reef_done();
}

static reef_future work_with_units(void *cap, reef_val v)
{
    (void)cap;
    reef_sem_units *units = v.p;
    return reef_finally(slow(NULL), return_units, &units, sizeof(units));
}

static reef_future g_units(void *cap, int64_t i)
{
    (void)cap, (void)i;
    return reef_then(reef_sem_get_units(&limit, 1), work_with_units, NULL, 0);
}

/* 4: a loop that starts operations in the background, at most 100 at a
 * time, then waits for the last ones by taking all 100 units back. */
static reef_sem loop_limit;

static reef_future start_in_background(void *cap, reef_val v)
{
    (void)cap;
    reef_sem_units *units = v.p;
    reef_discard(reef_finally(slow(NULL), return_units, &units, sizeof(units)));
    return reef_done(); /* the loop goes on without waiting */
}

static reef_future loop_step(void *cap, int64_t i)
{
    (void)cap, (void)i;
    return reef_then(reef_sem_get_units(&loop_limit, 1), start_in_background, NULL, 0);
}

static reef_future wait_all(void *cap)
{
    (void)cap;
    return reef_sem_wait(&loop_limit, 100);
}

/* ---- Running the four ---------------------------------------------------- */

static const char *const names[] = {"wait + signal", "with_semaphore", "get_units"};
static const reef_index_fn variants[] = {g_wait_signal, g_with_semaphore, g_units};

static reef_future report(void *cap, reef_val v)
{
    (void)v;
    int k = *(int *)cap;
    if (k < 3)
        printf("%s: 10 operations, at most %d at once\n", names[k], most);
    else
        printf("loop: 456 iterations, at most %d at once, %d still running\n", most, running);
    return reef_done();
}

static reef_future run(void *cap, reef_val v);

static reef_future run_variant(int k)
{
    most = running = 0;
    reef_future f;
    if (k < 3) {
        f = reef_parallel_for_range(0, 10, variants[k], NULL, 0);
    } else {
        f = reef_finally(reef_do_for_range(0, 456, loop_step, NULL, 0), wait_all, NULL, 0);
    }
    f = reef_then(f, report, &k, sizeof(k));
    return reef_then(f, run, &k, sizeof(k));
}

static reef_future run(void *cap, reef_val v)
{
    (void)v;
    int next = *(int *)cap + 1;
    if (next == 4) {
        reef_sem_signal(&loop_limit, 100);
        reef_sem_fini(&loop_limit);
        reef_sem_fini(&limit);
        return reef_done();
    }
    return run_variant(next);
}

static reef_future app_main(reef_app *app, void *arg)
{
    (void)app, (void)arg;
    reef_sem_init(&limit, 3);
    reef_sem_init(&loop_limit, 100);
    return run_variant(0);
}

int main(int argc, char **argv)
{
    reef_app *app = reef_app_create("ex-semaphore", "Limiting parallelism.");
    int status = reef_app_run(app, argc, argv, app_main, NULL);
    reef_app_destroy(app);
    return status;
}
