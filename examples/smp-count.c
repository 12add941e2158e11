/*
 * Tutorial chapter "Threads and memory": print the number of shards the
 * application runs (one per CPU unless -c says otherwise).
 *
 *   ex-smp-count -c2     prints 2
 *   ex-smp-count -c99    "Couldn't start application: insufficient
 *                        processing units", exit status 1
 */
#include <stdio.h>

#include <reef/reef.h>

static reef_future app_main(reef_app *app, void *arg)
{
    (void)app, (void)arg;
    printf("%u\n", reef_shard_count());
    return reef_done();
}

int main(int argc, char **argv)
{
    reef_app *app = reef_app_create("ex-smp-count", "Prints the number of shards.");
    int status = reef_app_run(app, argc, argv, app_main, NULL);
    reef_app_destroy(app);
    return status;
}
