/*
 * The command-line option parser (src/util/opts.c).
 */
#include <errno.h>
#include <string.h>

#include "harness/harness.h"
#include "util/opts.h"

struct fixture {
    struct reef__opts o;
    char err[256];
};

static void declare(struct reef__opts *o)
{
    bool off = false;
    int64_t i = 7;
    uint64_t u = 3, sz = 1024;
    double d = 0.5;
    const char *s = "dflt";
    T_EQ(reef__opts_add(o, "verbose", 'v', REEF__OPT_FLAG, &off, "talk"), 0);
    T_EQ(reef__opts_add(o, "quiet", 'q', REEF__OPT_FLAG, &off, NULL), 0);
    T_EQ(reef__opts_add(o, "count", 'n', REEF__OPT_INT, &i, "how many"), 0);
    T_EQ(reef__opts_add(o, "shards", 'c', REEF__OPT_UINT, &u, NULL), 0);
    T_EQ(reef__opts_add(o, "ratio", 0, REEF__OPT_DOUBLE, &d, NULL), 0);
    T_EQ(reef__opts_add(o, "name", 's', REEF__OPT_STRING, &s, NULL), 0);
    T_EQ(reef__opts_add(o, "memory", 'm', REEF__OPT_SIZE, &sz, NULL), 0);
    T_EQ(reef__opts_add(o, "tag", 't', REEF__OPT_LIST, NULL, NULL), 0);
}

static int parse(struct fixture *f, char **argv)
{
    int argc = 0;
    while (argv[argc])
        argc++;
    return reef__opts_parse(&f->o, argc, argv, f->err, sizeof(f->err));
}

#define ARGV(...) ((char *[]){"prog", __VA_ARGS__, NULL})

TEST(defaults_apply_when_not_given)
{
    struct fixture f = {0};
    declare(&f.o);
    T_EQ(parse(&f, ARGV(NULL)), 0);
    T_FALSE(reef__opts_find(&f.o, "verbose")->value.b);
    T_EQ(reef__opts_find(&f.o, "count")->value.i, 7);
    T_UEQ(reef__opts_find(&f.o, "shards")->value.u, 3);
    T_DBL_NEAR(reef__opts_find(&f.o, "ratio")->value.d, 0.5, 1e-12);
    T_STREQ(reef__opts_find(&f.o, "name")->value.s, "dflt");
    T_UEQ(reef__opts_find(&f.o, "memory")->value.u, 1024);
    T_UEQ(reef__opts_find(&f.o, "tag")->count, 0);
    T_FALSE(reef__opts_find(&f.o, "count")->given);
    reef__opts_free(&f.o);
}

TEST(every_value_form_is_accepted)
{
    struct fixture f = {0};
    declare(&f.o);
    T_EQ(parse(&f, ARGV("--count", "-5", "--shards=2", "-s", "x", "-m4k", "--ratio", "1.25",
                        "-vq", "-t", "a", "--tag=b", "-tc")),
         0);
    T_EQ(reef__opts_find(&f.o, "count")->value.i, -5);
    T_UEQ(reef__opts_find(&f.o, "shards")->value.u, 2);
    T_STREQ(reef__opts_find(&f.o, "name")->value.s, "x");
    T_UEQ(reef__opts_find(&f.o, "memory")->value.u, 4096);
    T_DBL_NEAR(reef__opts_find(&f.o, "ratio")->value.d, 1.25, 1e-12);
    T_TRUE(reef__opts_find(&f.o, "verbose")->value.b);
    T_TRUE(reef__opts_find(&f.o, "quiet")->value.b);
    struct reef__opt *tag = reef__opts_find(&f.o, "tag");
    T_UEQ(tag->count, 3);
    T_STREQ(tag->items[0], "a");
    T_STREQ(tag->items[1], "b");
    T_STREQ(tag->items[2], "c");
    T_TRUE(tag->given);
    reef__opts_free(&f.o);
}

TEST(flag_takes_an_explicit_boolean)
{
    struct fixture f = {0};
    declare(&f.o);
    T_EQ(parse(&f, ARGV("--verbose=yes", "--quiet=0")), 0);
    T_TRUE(reef__opts_find(&f.o, "verbose")->value.b);
    T_FALSE(reef__opts_find(&f.o, "quiet")->value.b);
    T_TRUE(reef__opts_find(&f.o, "quiet")->given);
    T_EQ(parse(&f, ARGV("--verbose=maybe")), -EINVAL);
    T_CONTAINS(f.err, "invalid value 'maybe' for option '--verbose'");
    reef__opts_free(&f.o);
}

TEST(bad_input_is_reported_not_crashed)
{
    struct {
        char **argv;
        const char *msg;
    } cases[] = {
        {ARGV("--nope"), "unrecognised option '--nope'"},
        {ARGV("-x"), "unrecognised option '-x'"},
        {ARGV("--count"), "option '--count' requires a value"},
        {ARGV("-n"), "option '-n' requires a value"},
        {ARGV("--count", "12abc"), "invalid value '12abc' for option '--count'"},
        {ARGV("--shards", "-1"), "invalid value '-1' for option '--shards'"},
        {ARGV("--count", "99999999999999999999"), "invalid value"},
        {ARGV("--ratio", "inf"), "invalid value 'inf'"},
        {ARGV("--memory", "12Q"), "invalid value '12Q' for option '--memory'"},
        {ARGV("stray"), "unexpected argument 'stray'"},
        {ARGV("--=3"), "unrecognised option '--'"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct fixture f = {0};
        declare(&f.o);
        T_EQ(parse(&f, cases[i].argv), -EINVAL);
        T_CONTAINS(f.err, cases[i].msg);
        reef__opts_free(&f.o);
    }
}

TEST(positionals_fill_in_rank_order)
{
    struct fixture f = {0};
    T_EQ(reef__opts_add(&f.o, "input", 0, REEF__OPT_LIST, NULL, NULL), 0);
    T_EQ(reef__opts_add(&f.o, "rest", 0, REEF__OPT_LIST, NULL, NULL), 0);
    T_EQ(reef__opts_add(&f.o, "flag", 'f', REEF__OPT_FLAG, NULL, NULL), 0);
    T_EQ(reef__opts_make_positional(&f.o, "input", 1), 0);
    T_EQ(reef__opts_make_positional(&f.o, "rest", -1), 0);
    T_EQ(reef__opts_make_positional(&f.o, "flag", 1), -EINVAL);
    T_EQ(parse(&f, ARGV("a", "-f", "b", "--", "-c", "-")), 0);
    struct reef__opt *in = reef__opts_find(&f.o, "input"), *rest = reef__opts_find(&f.o, "rest");
    T_UEQ(in->count, 1);
    T_STREQ(in->items[0], "a");
    T_UEQ(rest->count, 3);
    T_STREQ(rest->items[0], "b");
    T_STREQ(rest->items[1], "-c");
    T_STREQ(rest->items[2], "-");
    T_TRUE(reef__opts_find(&f.o, "flag")->value.b);
    reef__opts_free(&f.o);
}

TEST(names_are_checked_when_declared)
{
    struct reef__opts o = {0};
    T_EQ(reef__opts_add(&o, "size", 's', REEF__OPT_INT, NULL, NULL), 0);
    T_EQ(reef__opts_add(&o, "size", 0, REEF__OPT_INT, NULL, NULL), -EEXIST);
    T_EQ(reef__opts_add(&o, "other", 's', REEF__OPT_INT, NULL, NULL), -EEXIST);
    T_EQ(reef__opts_add(&o, "-bad", 0, REEF__OPT_INT, NULL, NULL), -EINVAL);
    T_EQ(reef__opts_add(&o, "has space", 0, REEF__OPT_INT, NULL, NULL), -EINVAL);
    T_EQ(reef__opts_add(&o, "", 0, REEF__OPT_INT, NULL, NULL), -EINVAL);
    T_EQ(reef__opts_add(&o, "ok", '-', REEF__OPT_INT, NULL, NULL), -EINVAL);
    T_TRUE(reef__opts_find(&o, "nothing") == NULL);
    reef__opts_free(&o);
}

TEST(sizes_use_powers_of_two)
{
    struct {
        const char *s;
        int rc;
        uint64_t v;
    } cases[] = {
        {"0", 0, 0},
        {"4096", 0, 4096},
        {"1k", 0, 1024},
        {"1K", 0, 1024},
        {"3M", 0, 3ull << 20},
        {"2G", 0, 2ull << 30},
        {"1T", 0, 1ull << 40},
        {"2GiB", 0, 2ull << 30},
        {"5kB", 0, 5120},
        {"16777216T", -ERANGE, 0},
        {"99999999999999999999", -ERANGE, 0},
        {"", -EINVAL, 0},
        {"k", -EINVAL, 0},
        {"-1", -EINVAL, 0},
        {"1.5G", -EINVAL, 0},
        {"1X", -EINVAL, 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint64_t v = 12345;
        T_EQ(reef__parse_size(cases[i].s, &v), cases[i].rc);
        if (cases[i].rc == 0)
            T_UEQ(v, cases[i].v);
    }
}

TEST(help_lists_every_option_with_defaults)
{
    struct fixture f = {0};
    declare(&f.o);
    T_EQ(reef__opts_make_positional(&f.o, "tag", -1), 0);
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    reef__opts_print_help(&f.o, out);
    fclose(out);
    T_CONTAINS(buf, "-v, --verbose");
    T_CONTAINS(buf, "talk");
    T_CONTAINS(buf, "-n, --count N");
    T_CONTAINS(buf, "how many (default: 7)");
    T_CONTAINS(buf, "--ratio X");
    T_CONTAINS(buf, "(default: dflt)");
    T_CONTAINS(buf, "-m, --memory SIZE");
    T_CONTAINS(buf, "[--tag] tag ...");
    free(buf);
    reef__opts_free(&f.o);
}

TEST(help_shows_the_declared_default_not_the_parsed_value)
{
    struct fixture f = {0};
    declare(&f.o);
    T_EQ(parse(&f, ARGV("--count", "42", "-s", "given", "-v")), 0);
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    reef__opts_print_help(&f.o, out);
    fclose(out);
    T_CONTAINS(buf, "how many (default: 7)");
    T_CONTAINS(buf, "(default: dflt)");
    T_TRUE(strstr(buf, "default: 42") == NULL);
    T_TRUE(strstr(buf, "default: on") == NULL); /* --verbose defaults to off */
    free(buf);
    reef__opts_free(&f.o);
}

TEST_MAIN()
