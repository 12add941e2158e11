/*
 * The application template (src/core/app_opts.c, src/core/app.c):
 * standard and application options, start-up errors, exit statuses.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include <reef/app.h>
#include <reef/log.h>

#include "core/app_internal.h"
#include "harness/harness.h"

/* Runs fn with stdout and stderr captured into *out (caller frees) and
 * returns its result. */
static int captured(int (*fn)(void *), void *arg, char **out)
{
    fflush(stdout);
    fflush(stderr);
    FILE *tmp = tmpfile();
    int saved1 = dup(1), saved2 = dup(2);
    dup2(fileno(tmp), 1);
    dup2(fileno(tmp), 2);
    int rc = fn(arg);
    fflush(stdout);
    fflush(stderr);
    dup2(saved1, 1);
    dup2(saved2, 2);
    close(saved1);
    close(saved2);
    long len = ftell(tmp);
    if (len < 0)
        len = lseek(fileno(tmp), 0, SEEK_END);
    *out = calloc(1, (size_t)len + 1);
    rewind(tmp);
    lseek(fileno(tmp), 0, SEEK_SET);
    size_t got = fread(*out, 1, (size_t)len, tmp);
    (*out)[got] = '\0';
    fclose(tmp);
    return rc;
}

struct run {
    char **argv;
    reef_app_main_fn main_fn;
};

static reef_future main_ok(reef_app *app, void *arg)
{
    (void)app, (void)arg;
    printf("main ran\n");
    return reef_done();
}

static reef_future main_fails(reef_app *app, void *arg)
{
    (void)app, (void)arg;
    return reef_fail_msg(-ENOENT, "no such thing: %s", "config.yaml");
}

static int run_app(void *p)
{
    struct run *r = p;
    int argc = 0;
    while (r->argv[argc])
        argc++;
    reef_app *app = reef_app_create("tapp", "An application under test.");
    T_EQ(reef_app_add_int(app, "size", 's', 100, "size"), 0);
    int st = reef_app_run(app, argc, r->argv, r->main_fn ? r->main_fn : main_ok, NULL);
    reef_app_destroy(app);
    return st;
}

#define ARGV(...) ((char *[]){"tapp", __VA_ARGS__, NULL})

static void expect_run(char **argv, reef_app_main_fn fn, int status, const char *text)
{
    struct run r = {argv, fn};
    char *out;
    int st = captured(run_app, &r, &out);
    T_EQ(st, status);
    T_CONTAINS(out, text);
    free(out);
}

TEST(main_runs_and_success_exits_zero)
{
    expect_run(ARGV(NULL), NULL, 0, "main ran");
}

TEST(failed_main_prints_the_error_and_exits_one)
{
    expect_run(ARGV(NULL), main_fails, 1, "program failed: ");
    expect_run(ARGV(NULL), main_fails, 1, "no such thing: config.yaml");
}

TEST(help_lists_both_kinds_of_option_and_exits_zero)
{
    expect_run(ARGV("--help"), NULL, 0, "Usage: tapp [options]");
    expect_run(ARGV("-h"), NULL, 0, "Application options:");
    expect_run(ARGV("-h"), NULL, 0, "-s, --size N");
    expect_run(ARGV("-h"), NULL, 0, "Reef options:");
    expect_run(ARGV("-h"), NULL, 0, "-c, --smp N");
    expect_run(ARGV("-h"), NULL, 0, "--logger-log-level");
}

TEST(startup_errors_are_one_line_and_exit_one)
{
    expect_run(ARGV("-c", "0"), NULL, 1,
               "Couldn't start application: insufficient processing units\n");
    expect_run(ARGV("--smp=100000"), NULL, 1,
               "Couldn't start application: insufficient processing units\n");
    expect_run(ARGV("-m", "1000T"), NULL, 1,
               "Couldn't start application: insufficient physical memory\n");
    expect_run(ARGV("--bogus"), NULL, 1, "tapp: unrecognised option '--bogus' (try --help)\n");
    expect_run(ARGV("--size", "big"), NULL, 1, "invalid value 'big' for option '--size'");
    expect_run(ARGV("--task-quota-ms", "0"), NULL, 1, "--task-quota-ms must be in");
    expect_run(ARGV("--reactor-backend", "carrier-pigeon"), NULL, 1,
               "unknown reactor backend 'carrier-pigeon' (io_uring or epoll)");
    expect_run(ARGV("--default-log-level", "loud"), NULL, 1, "invalid log level 'loud'");
    expect_run(ARGV("--logger-log-level", "reef"), NULL, 1, "wants NAME=LEVEL");
    expect_run(ARGV("--logger-log-level", "nobody=debug"), NULL, 1, "unknown logger 'nobody'");
}

TEST(standard_options_reach_the_configuration)
{
    reef_app *app = reef_app_create("cfg", NULL);
    struct reef__app_config cfg;
    int status = -1;
    char **argv = ARGV("-c1", "-m", "64M", "--reserve-memory=1G", "--task-quota-ms", "2.5",
                       "--reactor-backend", "epoll", "--idle-poll-time-us", "30", "--poll-mode",
                       "--logger-log-level", "reef=debug", "--default-log-level", "warn");
    T_EQ(reef__app_parse(app, 16, argv, &cfg, &status), 0);
    T_UEQ(cfg.smp, 1);
    T_UEQ(cfg.memory, 64ull << 20);
    T_UEQ(cfg.reserve_memory, 1ull << 30);
    T_EQ(cfg.task_quota_ns, 2500000);
    T_STREQ(cfg.backend, "epoll");
    T_EQ(cfg.idle_poll_ns, 30000);
    T_TRUE(cfg.poll_mode);
    T_EQ(reef_logger_reef.level, REEF_LOG_DEBUG);
    T_UEQ(reef_app_uint(app, "smp"), 1);
    T_UEQ(reef_app_size(app, "memory"), 64ull << 20);
    reef_app_destroy(app);
    reef_log_set_default_level(REEF_LOG_INFO);
}

TEST(defaults_without_options)
{
    reef_app *app = reef_app_create("cfg", NULL);
    struct reef__app_config cfg;
    int status = -1;
    T_EQ(reef__app_parse(app, 1, ARGV(NULL), &cfg, &status), 0);
    T_GE(cfg.smp, 1);
    T_UEQ(cfg.memory, 0);
    T_EQ(cfg.task_quota_ns, 500000);
    T_TRUE(cfg.backend == NULL);
    T_EQ(cfg.idle_poll_ns, -1);
    T_FALSE(cfg.poll_mode);
    T_FALSE(reef_app_given(app, "smp"));
    reef_app_destroy(app);
}

TEST(application_options_of_every_type)
{
    reef_app *app = reef_app_create("types", NULL);
    T_EQ(reef_app_add_flag(app, "flag", 'f', "a flag"), 0);
    T_EQ(reef_app_add_int(app, "int", 'i', -3, NULL), 0);
    T_EQ(reef_app_add_uint(app, "uint", 0, 9, NULL), 0);
    T_EQ(reef_app_add_double(app, "dbl", 0, 1.5, NULL), 0);
    T_EQ(reef_app_add_string(app, "str", 0, NULL, NULL), 0);
    T_EQ(reef_app_add_size(app, "sz", 0, 512, NULL), 0);
    T_EQ(reef_app_add_list(app, "item", 'I', NULL), 0);
    T_EQ(reef_app_add_positional(app, "file", 1, "input file"), 0);
    T_EQ(reef_app_add_positional(app, "more", -1, NULL), 0);
    T_EQ(reef_app_add_positional(app, "int", 1, NULL), -EEXIST);
    T_EQ(reef_app_add_flag(app, "smp", 0, NULL), -EEXIST);
    T_EQ(reef_app_add_flag(app, "other", 'c', NULL), -EEXIST);
    T_EQ(reef_app_add_flag(app, "bad name", 0, NULL), -EINVAL);
    struct reef__app_config cfg;
    int status;
    char **argv = ARGV("-f", "-i", "-7", "--uint=11", "--dbl", "0.25", "--str", "hello",
                       "--sz", "2k", "-I", "x", "-Iy", "a.txt", "b", "c");
    T_EQ(reef__app_parse(app, 17, argv, &cfg, &status), 0);
    T_TRUE(reef_app_flag(app, "flag"));
    T_EQ(reef_app_int(app, "int"), -7);
    T_UEQ(reef_app_uint(app, "uint"), 11);
    T_DBL_NEAR(reef_app_double(app, "dbl"), 0.25, 1e-12);
    T_STREQ(reef_app_string(app, "str"), "hello");
    T_UEQ(reef_app_size(app, "sz"), 2048);
    const char *const *items;
    T_UEQ(reef_app_list(app, "item", &items), 2);
    T_STREQ(items[0], "x");
    T_STREQ(items[1], "y");
    T_UEQ(reef_app_list(app, "file", &items), 1);
    T_STREQ(items[0], "a.txt");
    T_UEQ(reef_app_list(app, "more", NULL), 2);
    T_TRUE(reef_app_given(app, "str"));
    reef_app_destroy(app);
}

TEST(string_default_can_be_null)
{
    reef_app *app = reef_app_create("s", NULL);
    T_EQ(reef_app_add_string(app, "opt", 0, NULL, NULL), 0);
    T_TRUE(reef_app_string(app, "opt") == NULL);
    reef_app_destroy(app);
}

static void read_wrong(void)
{
    reef_app *app = reef_app_create("w", NULL);
    T_EQ(reef_app_add_int(app, "n", 0, 1, NULL), 0);
    (void)reef_app_string(app, "n");
}

static void read_undeclared(void)
{
    reef_app *app = reef_app_create("w", NULL);
    (void)reef_app_int(app, "never-declared");
}

static void expect_abort(void (*fn)(void))
{
    pid_t pid = fork();
    if (pid == 0) {
        int devnull = open("/dev/null", 1);
        dup2(devnull, 2);
        fn();
        _exit(0);
    }
    int ws;
    T_EQ(waitpid(pid, &ws, 0), pid);
    T_TRUE(WIFSIGNALED(ws));
    T_EQ(WTERMSIG(ws), SIGABRT);
}

TEST(reading_an_option_wrongly_is_a_programming_error)
{
    expect_abort(read_wrong);
    expect_abort(read_undeclared);
}

TEST_MAIN()
