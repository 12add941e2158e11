/*
 * Tutorial chapter "Sharded services": a service with one instance per
 * shard, started with an argument, run on every shard with
 * invoke_on_all, reached on one shard with invoke_on, and stopped.
 *
 * Output (on 2 shards; the first two lines in any order):
 *   running on 0, str = hello
 *   running on 1, str = hello
 *   invoked on 0, str = hello
 */
#include <stdio.h>
#include <string.h>

#include <reef/reef.h>

struct my_service {
    char str[32];
};

static reef_future my_service_start(void *instance, const void *arg)
{
    struct my_service *s = instance;
    snprintf(s->str, sizeof(s->str), "%s", (const char *)arg);
    return reef_done();
}

static reef_future my_service_stop(void *instance)
{
    (void)instance;
    return reef_done();
}

static const struct reef_service_ops my_service_ops = {
    .name = "my_service",
    .instance_size = sizeof(struct my_service),
    .start = my_service_start,
    .stop = my_service_stop,
};

static reef_future run(void *instance, void *cap)
{
    (void)cap;
    struct my_service *s = instance;
    /* One write per line: shards print at the same time. */
    fprintf(stderr, "running on %u, str = %s\n", reef_shard_id(), s->str);
    return reef_done();
}

static reef_future invoked(void *instance, void *cap)
{
    (void)cap;
    struct my_service *s = instance;
    fprintf(stderr, "invoked on %u, str = %s\n", reef_shard_id(), s->str);
    return reef_done();
}

static reef_future stop_service(void *cap, reef_val v)
{
    (void)v;
    return reef_sharded_stop(*(reef_sharded **)cap);
}

static reef_future invoke_on_zero(void *cap, reef_val v)
{
    (void)v;
    reef_sharded *svc = *(reef_sharded **)cap;
    return reef_then(reef_sharded_invoke_on(svc, 0, invoked, NULL, 0), stop_service, &svc,
                     sizeof(svc));
}

static reef_future started(void *cap, reef_val v)
{
    (void)cap;
    reef_sharded *svc = v.p;
    return reef_then(reef_sharded_invoke_on_all(svc, run, NULL, 0), invoke_on_zero, &svc,
                     sizeof(svc));
}

static reef_future app_main(reef_app *app, void *arg)
{
    (void)app, (void)arg;
    const char hello[] = "hello";
    return reef_then(reef_sharded_start(&my_service_ops, hello, sizeof(hello)), started, NULL,
                     0);
}

int main(int argc, char **argv)
{
    reef_app *app = reef_app_create("ex-sharded-service", "A service on every shard.");
    int status = reef_app_run(app, argc, argv, app_main, NULL);
    reef_app_destroy(app);
    return status;
}
