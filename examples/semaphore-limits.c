/*
 * Tutorial chapters "Semaphores", "Limiting parallelism with semaphores"
 * and "Limiting parallelism of loops": at most N slow operations at once,
 * three ways (wait + finally signal, reef_with_semaphore, units held by
 * the continuation); a loop of 456 iterations keeping at most 100 in
 * flight and waiting for the last ones with wait(100), then the same with
 * a gate; and a semaphore counting bytes to bound memory use.
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

static reef_future all_back(void *cap, reef_val v)
{
    (void)cap, (void)v;
    reef_sem_signal(&loop_limit, 100); /* ready for the next loop */
    return reef_done();
}

static reef_future wait_all(void *cap)
{
    (void)cap;
    return reef_then(reef_sem_wait(&loop_limit, 100), all_back, NULL, 0);
}

/* 5: the same loop with an outside semaphore limiting parallelism and a
 * gate of its own to wait for the last operations. */
static reef_gate loop_gate;

static reef_future gated_slow(void *cap)
{
    reef_sem_units *units = *(reef_sem_units **)cap;
    return reef_finally(slow(NULL), return_units, &units, sizeof(units));
}

static reef_future start_gated(void *cap, reef_val v)
{
    (void)cap;
    reef_sem_units *units = v.p;
    reef_discard(reef_with_gate(&loop_gate, gated_slow, &units, sizeof(units)));
    return reef_done();
}

static reef_future gate_step(void *cap, int64_t i)
{
    (void)cap, (void)i;
    return reef_then(reef_sem_get_units(&loop_limit, 1), start_gated, NULL, 0);
}

static reef_future close_gate(void *cap)
{
    (void)cap;
    return reef_gate_close(&loop_gate);
}

/* 6: limiting memory: each call takes as many units as bytes it uses. */
static int64_t in_use, most_in_use;
static reef_sem memory_limit;

static reef_future memory_released(void *cap)
{
    in_use -= *(int64_t *)cap;
    return reef_done();
}

static reef_future use_memory(void *cap)
{
    int64_t bytes = *(int64_t *)cap;
    in_use += bytes;
    if (in_use > most_in_use)
        most_in_use = in_use;
    return reef_finally(reef_sleep(reef_ms(2)), memory_released, &bytes, sizeof(bytes));
}

static reef_future using_lots_of_memory(void *cap, int64_t i)
{
    (void)cap;
    int64_t bytes = 100000 + (i % 7) * 150000; /* 100 kB .. 1 MB */
    return reef_with_semaphore(&memory_limit, (uint64_t)bytes, use_memory, &bytes, sizeof(bytes));
}

/* ---- Running them -------------------------------------------------------- */

#define VARIANTS 6
static const char *const names[] = {"wait + signal", "with_semaphore", "get_units"};
static const reef_index_fn variants[] = {g_wait_signal, g_with_semaphore, g_units};

static reef_future report(void *cap, reef_val v)
{
    (void)v;
    int k = *(int *)cap;
    if (k < 3)
        printf("%s: 10 operations, at most %d at once\n", names[k], most);
    else if (k < 5)
        printf("loop with %s: 456 iterations, at most %d at once, %d still running\n",
               k == 3 ? "a semaphore" : "a gate", most, running);
    else
        printf("memory: 30 calls, at most %lld bytes in use at once (limit 1000000)\n",
               (long long)most_in_use);
    return reef_done();
}

static reef_future run(void *cap, reef_val v);

static reef_future run_variant(int k)
{
    most = running = 0;
    reef_future f;
    if (k < 3) {
        f = reef_parallel_for_range(0, 10, variants[k], NULL, 0);
    } else if (k == 3) {
        f = reef_finally(reef_do_for_range(0, 456, loop_step, NULL, 0), wait_all, NULL, 0);
    } else if (k == 4) {
        reef_gate_init(&loop_gate);
        f = reef_finally(reef_do_for_range(0, 456, gate_step, NULL, 0), close_gate, NULL, 0);
    } else {
        f = reef_parallel_for_range(0, 30, using_lots_of_memory, NULL, 0);
    }
    f = reef_then(f, report, &k, sizeof(k));
    return reef_then(f, run, &k, sizeof(k));
}

static reef_future run(void *cap, reef_val v)
{
    (void)v;
    int next = *(int *)cap + 1;
    if (next == VARIANTS) {
        reef_sem_fini(&loop_limit);
        reef_sem_fini(&limit);
        reef_sem_fini(&memory_limit);
        return reef_done();
    }
    return run_variant(next);
}

static reef_future app_main(reef_app *app, void *arg)
{
    (void)app, (void)arg;
    reef_sem_init(&limit, 3);
    reef_sem_init(&loop_limit, 100);
    reef_sem_init(&memory_limit, 1000000);
    return run_variant(0);
}

int main(int argc, char **argv)
{
    reef_app *app = reef_app_create("ex-semaphore-limits", "Limiting parallelism.");
    int status = reef_app_run(app, argc, argv, app_main, NULL);
    reef_app_destroy(app);
    return status;
}
