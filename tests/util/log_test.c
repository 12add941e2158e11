/*
 * Loggers (src/util/log.c): registry, levels, line format, sinks.
 */
#include <errno.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <reef/log.h>
#include <reef/reactor.h>

#include "harness/harness.h"

REEF_LOGGER_DEFINE(test_logger, "testlog")
REEF_LOGGER_DEFINE(other_logger, "otherlog")

struct capture {
    char buf[16384];
    size_t len;
    int lines;
};

static void capture_sink(const char *line, size_t len, void *arg)
{
    struct capture *c = arg;
    if (c->len + len < sizeof(c->buf)) {
        memcpy(c->buf + c->len, line, len);
        c->len += len;
        c->buf[c->len] = '\0';
    }
    c->lines++;
}

static bool matches(const char *s, const char *pattern)
{
    regex_t re;
    T_EQ(regcomp(&re, pattern, REG_EXTENDED | REG_NEWLINE), 0);
    bool ok = regexec(&re, s, 0, NULL, 0) == 0;
    regfree(&re);
    return ok;
}

TEST(line_has_level_time_shard_name_and_message)
{
    struct capture c = {0};
    reef_log_set_sink(capture_sink, &c);
    reef_log_warn(&test_logger, "disk %s at %d%%", "sda", 93);
    reef_log_set_sink(NULL, NULL);
    T_EQ(c.lines, 1);
    T_TRUE(matches(c.buf, "^WARN  [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2},[0-9]{3} "
                          "\\[shard -\\] testlog - disk sda at 93%\n$"));
}

static int evaluated;
static int side_effect(void)
{
    return ++evaluated;
}

TEST(levels_filter_and_skip_argument_evaluation)
{
    struct capture c = {0};
    reef_log_set_sink(capture_sink, &c);
    T_EQ(test_logger.level, REEF_LOG_INFO);
    reef_log_debug(&test_logger, "hidden %d", side_effect());
    T_EQ(evaluated, 0);
    reef_log_info(&test_logger, "shown %d", side_effect());
    T_EQ(evaluated, 1);
    T_EQ(reef_log_set_level("testlog", REEF_LOG_TRACE), 0);
    reef_log_trace(&test_logger, "trace now");
    reef_log_trace(&other_logger, "other stays at info");
    T_EQ(reef_log_set_level("no-such-logger", REEF_LOG_TRACE), -ENOENT);
    reef_log_set_sink(NULL, NULL);
    T_EQ(c.lines, 2);
    T_CONTAINS(c.buf, "INFO  ");
    T_CONTAINS(c.buf, "shown 1");
    T_CONTAINS(c.buf, "TRACE ");
    T_CONTAINS(c.buf, "trace now");
}

TEST(default_level_applies_to_all_and_to_later_loggers)
{
    reef_log_set_default_level(REEF_LOG_ERROR);
    T_EQ(test_logger.level, REEF_LOG_ERROR);
    T_EQ(reef_logger_reef.level, REEF_LOG_ERROR);
    static reef_logger late = {"late", REEF_LOG_TRACE, NULL, 0};
    reef_logger_register(&late);
    T_EQ(late.level, REEF_LOG_ERROR);
    reef_logger_register(&late); /* idempotent */
    T_EQ(reef_log_set_level("late", REEF_LOG_DEBUG), 0);
    T_EQ(late.level, REEF_LOG_DEBUG);
}

TEST(level_names_parse_both_ways)
{
    const char *names[] = {"error", "warn", "info", "debug", "trace"};
    for (int i = 0; i < 5; i++) {
        enum reef_log_level l;
        T_EQ(reef_log_level_parse(names[i], &l), 0);
        T_EQ((int)l, i);
        T_STREQ(reef_log_level_name(l), names[i]);
    }
    enum reef_log_level l;
    T_EQ(reef_log_level_parse("WARN", &l), 0);
    T_EQ(l, REEF_LOG_WARN);
    T_EQ(reef_log_level_parse("loud", &l), -EINVAL);
    T_STREQ(reef_log_level_name((enum reef_log_level)42), "?");
}

TEST(long_messages_are_truncated_to_one_line)
{
    struct capture c = {0};
    reef_log_set_sink(capture_sink, &c);
    char *big = malloc(10000);
    memset(big, 'x', 9999);
    big[9999] = '\0';
    reef_log_error(&test_logger, "%s", big);
    reef_log_error(&test_logger, "ends with newline\n");
    reef_log_set_sink(NULL, NULL);
    free(big);
    T_EQ(c.lines, 2);
    char *second = strstr(c.buf, "\nERROR");
    T_TRUE(second != NULL);
    T_LE((long)(second - c.buf), 4096);
    T_TRUE(matches(second + 1, "ends with newline\n$"));
}

TEST(stderr_gets_whole_lines_by_default)
{
    int fds[2];
    T_EQ(pipe(fds), 0);
    int saved = dup(2);
    dup2(fds[1], 2);
    reef_log_error(&test_logger, "to stderr");
    dup2(saved, 2);
    close(fds[1]);
    char buf[512] = {0};
    ssize_t n = read(fds[0], buf, sizeof(buf) - 1);
    T_GE(n, 10);
    T_TRUE(matches(buf, "^ERROR .* testlog - to stderr\n$"));
}

static reef_future log_on_shard(void)
{
    struct capture *c = calloc(1, sizeof(*c));
    reef_log_set_sink(capture_sink, c);
    reef_log_info(&test_logger, "on the reactor");
    reef_log_set_sink(NULL, NULL);
    T_CONTAINS(c->buf, "[shard 0] testlog - on the reactor");
    free(c);
    return reef_done();
}

REACTOR_TEST(shard_id_shows_on_reactor_threads)
{
    T_TRUE(reef_in_reactor());
    return log_on_shard();
}

TEST_MAIN()
