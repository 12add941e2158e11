/*
 * Tutorial chapter "Getting started": the smallest Reef program. reef_app
 * starts the reactor, runs app_main on it and exits when the future it
 * returns resolves (here at once).
 */
#include <stdio.h>

#include <reef/reef.h>

static reef_future app_main(reef_app *app, void *arg)
{
    (void)app, (void)arg;
    printf("Hello world\n");
    return reef_done();
}

int main(int argc, char **argv)
{
    reef_app *app = reef_app_create("ex-hello", "Prints a greeting.");
    int status = reef_app_run(app, argc, argv, app_main, NULL);
    reef_app_destroy(app);
    return status;
}
