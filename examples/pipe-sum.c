/*
 * Tutorial chapter "Pipes": a producer and a consumer connected by a pipe
 * of capacity 2. The producer waits whenever the pipe is full, the consumer
 * whenever it is empty; closing the writing end gives the consumer
 * end-of-file once it has read everything.
 */
#include <errno.h>
#include <stdio.h>

#include <reef/reef.h>

static reef_pipe *p;
static int64_t next_item = 1;
static reef_val slot;
static int64_t sum;

static reef_future written(void *cap, reef_val v)
{
    (void)cap, (void)v;
    return reef_continue();
}

static reef_future produce(void *cap)
{
    (void)cap;
    if (next_item > 10) {
        printf("producer: done, closing\n");
        reef_pipe_close_writer(p);
        return reef_stop();
    }
    return reef_then(reef_pipe_write(p, (reef_val){.i = next_item++}), written, NULL, 0);
}

static reef_future got(void *cap, reef_val v)
{
    (void)cap;
    if (v.i == 0) {
        printf("consumer: end of file, sum %lld\n", (long long)sum);
        reef_pipe_close_reader(p);
        return reef_stop();
    }
    sum += slot.i;
    return reef_continue();
}

static reef_future consume(void *cap)
{
    (void)cap;
    return reef_then(reef_pipe_read(p, &slot), got, NULL, 0);
}

static reef_future app_main(reef_app *app, void *arg)
{
    (void)app, (void)arg;
    p = reef_pipe_create(2);
    if (!p)
        return reef_fail_code(-ENOMEM);
    reef_future both[2] = {reef_repeat(produce, NULL, 0), reef_repeat(consume, NULL, 0)};
    return reef_when_all_succeed(both, 2, NULL);
}

int main(int argc, char **argv)
{
    reef_app *app = reef_app_create("ex-pipe-sum", "A producer and a consumer.");
    int status = reef_app_run(app, argc, argv, app_main, NULL);
    reef_app_destroy(app);
    return status;
}
