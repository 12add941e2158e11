/*
 * A command-line option parser: the engine under reef_app's options.
 *
 * Accepted forms: --name value, --name=value, -n value, -nvalue, clusters
 * of short flags (-vq), a flag with an explicit value (--flag=0), "--" to
 * end options, and positional arguments collected into list options.
 */
#ifndef REEF_UTIL_OPTS_H
#define REEF_UTIL_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum reef__opt_type {
    REEF__OPT_FLAG,
    REEF__OPT_INT,
    REEF__OPT_UINT,
    REEF__OPT_DOUBLE,
    REEF__OPT_STRING,
    REEF__OPT_SIZE,
    REEF__OPT_LIST,
};

union reef__opt_value {
    bool b;
    int64_t i;
    uint64_t u; /* UINT and SIZE */
    double d;
    char *s; /* owned */
};

struct reef__opt {
    char *long_name; /* owned */
    char short_name; /* 0: none */
    enum reef__opt_type type;
    char *help; /* owned, may be NULL */
    union reef__opt_value value;
    union reef__opt_value def; /* the declared default, for the help text */
    bool has_default;
    bool given;
    /* LIST: every value given, owned. */
    char **items;
    size_t count, cap;
    /* Positional: filled in rank order, up to max_count (< 0: unlimited). */
    int positional_rank; /* -1: not positional */
    int max_count;
};

struct reef__opts {
    struct reef__opt *v;
    size_t n, cap;
    int positional_count;
};

/* Declares an option; `def` points at a value of the option's type
 * (bool, int64_t, uint64_t, double, const char * (may be NULL)) or is NULL
 * for LIST. Returns 0, -EEXIST (name or letter taken), -EINVAL (bad name),
 * -ENOMEM. */
int reef__opts_add(struct reef__opts *o, const char *long_name, char short_name,
                   enum reef__opt_type type, const void *def, const char *help);

/* Makes the LIST option `long_name` take positional arguments. */
int reef__opts_make_positional(struct reef__opts *o, const char *long_name, int max_count);

/* The option called `long_name`, or NULL. */
struct reef__opt *reef__opts_find(const struct reef__opts *o, const char *long_name);

/* Parses argv[1..argc). Returns 0, or -EINVAL after writing a one-line
 * explanation (no newline) into err. Options given are overwritten; list
 * options accumulate. */
int reef__opts_parse(struct reef__opts *o, int argc, char **argv, char *err, size_t errcap);

/* Prints one line per option, aligned, with defaults. */
void reef__opts_print_help(const struct reef__opts *o, FILE *out);

/* Frees everything the options own. */
void reef__opts_free(struct reef__opts *o);

/* "4096", "4k", "512M", "2G", "1T" (powers of two, case-insensitive, an
 * optional trailing "B"/"iB"): 0, or -EINVAL, or -ERANGE on overflow. */
int reef__parse_size(const char *s, uint64_t *out);

#endif
