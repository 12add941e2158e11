/*
 * Tutorial chapter "Command line options": an application's own options
 * next to Reef's standard ones: a flag, an integer with a short alias and a
 * default, and positional arguments collected into a list.
 *
 *   ex-options                        Size is 100
 *   ex-options --flag                 Flag is on / Size is 100
 *   ex-options --flag -s 3            Flag is on / Size is 3
 *   ex-options --size 3 hello hi      Size is 3 / hello / hi
 *   ex-options --filename hello --size 3 hi    (the same)
 */
#include <stdio.h>

#include <reef/reef.h>

static reef_future app_main(reef_app *app, void *arg)
{
    (void)arg;
    if (reef_app_flag(app, "flag"))
        printf("Flag is on\n");
    printf("Size is %lld\n", (long long)reef_app_int(app, "size"));
    const char *const *files;
    size_t n = reef_app_list(app, "filename", &files);
    for (size_t i = 0; i < n; i++)
        printf("%s\n", files[i]);
    return reef_done();
}

int main(int argc, char **argv)
{
    reef_app *app = reef_app_create("ex-options", "Application options.");
    reef_app_add_flag(app, "flag", 0, "some optional flag");
    reef_app_add_int(app, "size", 's', 100, "size");
    reef_app_add_positional(app, "filename", -1, "sstable files to verify");
    int status = reef_app_run(app, argc, argv, app_main, NULL);
    reef_app_destroy(app);
    return status;
}
