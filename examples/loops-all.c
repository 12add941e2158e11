/*
 * Tutorial chapter "Loops": repeat, do_until, do_for_each,
 * parallel_for_each, max_concurrent_for_each and map_reduce. Every
 * iteration is a point where the reactor may run other work.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <reef/reef.h>

/* A vector shared by the loop's continuations (the tutorial's
 * lw_shared_ptr<std::vector<int>>), from reef_shared_new. */
struct ivec {
    int n;
    int items[128];
};

static reef_future plus_one(void *cap, reef_val v)
{
    (void)v;
    return reef_ready_i64(*(int *)cap + 1);
}

/* An asynchronous computation: the number plus one, a little later. */
static reef_future recompute_number(int number)
{
    return reef_then(reef_sleep(reef_us(50)), plus_one, &number, sizeof(number));
}

/* ---- repeat: the body says when to stop ---------------------------------- */

static reef_future pushed_continue(void *cap, reef_val v)
{
    struct ivec *q = *(struct ivec **)cap;
    q->items[q->n++] = (int)v.i;
    return reef_continue();
}

static reef_future push_step(void *cap)
{
    struct ivec *q = *(struct ivec **)cap;
    if (q->n == 100)
        return reef_stop();
    return reef_then(recompute_number(q->n), pushed_continue, &q, sizeof(q));
}

/* ---- do_until: a condition says when to stop ----------------------------- */

static bool full(void *cap) { return (*(struct ivec **)cap)->n == 100; }

static reef_future pushed(void *cap, reef_val v)
{
    struct ivec *q = *(struct ivec **)cap;
    q->items[q->n++] = (int)v.i;
    return reef_done();
}

static reef_future push_body(void *cap)
{
    struct ivec *q = *(struct ivec **)cap;
    return reef_then(recompute_number(q->n), pushed, &q, sizeof(q));
}

/* ---- do_for_each: one element after the other ------------------------------ */

static reef_future append(void *cap, void *elem)
{
    struct ivec *q = *(struct ivec **)cap;
    q->items[q->n++] = *(int *)elem;
    return reef_done();
}

/* ---- parallel_for_each: all at once; max_concurrent: a few at once ---------- */

static int finish_order[20], nfinished, running, most;

static reef_future finished(void *cap)
{
    finish_order[nfinished++] = *(int *)cap;
    running--;
    return reef_done();
}

static reef_future sleep_inverse(void *cap, int64_t i)
{
    (void)cap;
    int k = (int)i;
    if (++running > most)
        most = running;
    return reef_finally(reef_sleep(reef_ms(5 * (10 - k))), finished, &k, sizeof(k));
}

/* ---- map_reduce --------------------------------------------------------------- */

static reef_future squared(void *cap, reef_val v)
{
    (void)v;
    int64_t i = *(int64_t *)cap;
    return reef_ready_i64(i * i);
}

static reef_future square_later(void *cap, int64_t i)
{
    (void)cap;
    return reef_then(reef_sleep(reef_us(10 * i)), squared, &i, sizeof(i));
}

static reef_val add(void *cap, reef_val acc, reef_val v)
{
    (void)cap;
    acc.i += v.i;
    return acc;
}

/* ---- The steps, one after the other ---------------------------------------------- */

static struct ivec *q;
static int numbers[5] = {1, 2, 3, 4, 5};

static reef_future step(void *cap, reef_val v)
{
    int k = *(int *)cap;
    reef_future f;
    switch (k) {
    case 0:
        f = reef_repeat(push_step, &q, sizeof(q));
        break;
    case 1:
        printf("repeat: %d items, last %d\n", q->n, q->items[q->n - 1]);
        q->n = 0;
        f = reef_do_until(full, push_body, &q, sizeof(q));
        break;
    case 2:
        printf("do_until: %d items, last %d\n", q->n, q->items[q->n - 1]);
        q->n = 0;
        f = reef_do_for_each(numbers, 5, sizeof(int), append, &q, sizeof(q));
        break;
    case 3:
        printf("do_for_each: %d %d %d %d %d\n", q->items[0], q->items[1], q->items[2],
               q->items[3], q->items[4]);
        nfinished = running = most = 0;
        f = reef_parallel_for_range(0, 10, sleep_inverse, NULL, 0);
        break;
    case 4:
        /* All ten were started before the first sleep ended. */
        printf("parallel_for_each: %d done, at most %d at once\n", nfinished, most);
        nfinished = running = most = 0;
        f = reef_max_concurrent_for_range(0, 10, 3, sleep_inverse, NULL, 0);
        break;
    case 5:
        printf("max_concurrent_for_each: %d done, at most %d at once\n", nfinished, most);
        f = reef_map_reduce(1, 11, square_later, add, (reef_val){.i = 0}, NULL, 0);
        break;
    default:
        printf("map_reduce: the squares of 1..10 add up to %lld\n", (long long)v.i);
        reef_shared_unref(q);
        return reef_done();
    }
    int next = k + 1;
    return reef_then(f, step, &next, sizeof(next));
}

static reef_future app_main(reef_app *app, void *arg)
{
    (void)app, (void)arg;
    q = reef_shared_new(sizeof(*q), NULL);
    if (!q)
        return reef_fail_code(-ENOMEM);
    int first = 0;
    return step(&first, (reef_val){.i = 0});
}

int main(int argc, char **argv)
{
    reef_app *app = reef_app_create("ex-loops-all", "The loop helpers.");
    int status = reef_app_run(app, argc, argv, app_main, NULL);
    reef_app_destroy(app);
    return status;
}
