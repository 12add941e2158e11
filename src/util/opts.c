/*
 * The command-line option parser.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/opts.h"

static bool valid_long_name(const char *s)
{
    if (!s || !isalnum((unsigned char)s[0]))
        return false;
    for (; *s; s++) {
        if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_')
            return false;
    }
    return true;
}

struct reef__opt *reef__opts_find(const struct reef__opts *o, const char *long_name)
{
    for (size_t i = 0; i < o->n; i++) {
        if (strcmp(o->v[i].long_name, long_name) == 0)
            return &o->v[i];
    }
    return NULL;
}

/* Looks up by the first `len` bytes of a name (for --name=value). */
static struct reef__opt *find_n(const struct reef__opts *o, const char *name, size_t len)
{
    for (size_t i = 0; i < o->n; i++) {
        if (strncmp(o->v[i].long_name, name, len) == 0 && o->v[i].long_name[len] == '\0')
            return &o->v[i];
    }
    return NULL;
}

static struct reef__opt *find_short(const struct reef__opts *o, char c)
{
    for (size_t i = 0; i < o->n; i++) {
        if (o->v[i].short_name == c)
            return &o->v[i];
    }
    return NULL;
}

int reef__opts_add(struct reef__opts *o, const char *long_name, char short_name,
                   enum reef__opt_type type, const void *def, const char *help)
{
    if (!valid_long_name(long_name) || (short_name && !isalnum((unsigned char)short_name)))
        return -EINVAL;
    if (reef__opts_find(o, long_name) || (short_name && find_short(o, short_name)))
        return -EEXIST;
    if (o->n == o->cap) {
        size_t cap = o->cap ? o->cap * 2 : 16;
        struct reef__opt *v = realloc(o->v, cap * sizeof(*v));
        if (!v)
            return -ENOMEM;
        o->v = v;
        o->cap = cap;
    }
    struct reef__opt opt = {.short_name = short_name, .type = type, .positional_rank = -1};
    opt.long_name = strdup(long_name);
    opt.help = help ? strdup(help) : NULL;
    if (!opt.long_name || (help && !opt.help))
        goto nomem;
    opt.has_default = def != NULL;
    switch (type) {
    case REEF__OPT_FLAG:
        opt.value.b = def ? *(const bool *)def : false;
        break;
    case REEF__OPT_INT:
        opt.value.i = def ? *(const int64_t *)def : 0;
        break;
    case REEF__OPT_UINT:
    case REEF__OPT_SIZE:
        opt.value.u = def ? *(const uint64_t *)def : 0;
        break;
    case REEF__OPT_DOUBLE:
        opt.value.d = def ? *(const double *)def : 0.0;
        break;
    case REEF__OPT_STRING: {
        const char *s = def ? *(const char *const *)def : NULL;
        opt.has_default = s != NULL;
        if (s && !(opt.value.s = strdup(s)))
            goto nomem;
        break;
    }
    case REEF__OPT_LIST:
        opt.has_default = false;
        break;
    }
    opt.def = opt.value;
    if (type == REEF__OPT_STRING && opt.value.s && !(opt.def.s = strdup(opt.value.s))) {
        free(opt.value.s);
        goto nomem;
    }
    o->v[o->n++] = opt;
    return 0;
nomem:
    free(opt.long_name);
    free(opt.help);
    return -ENOMEM;
}

int reef__opts_make_positional(struct reef__opts *o, const char *long_name, int max_count)
{
    struct reef__opt *opt = reef__opts_find(o, long_name);
    if (!opt || opt->type != REEF__OPT_LIST)
        return -EINVAL;
    if (opt->positional_rank < 0)
        opt->positional_rank = o->positional_count++;
    opt->max_count = max_count;
    return 0;
}

static void fail(char *err, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void fail(char *err, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, cap, fmt, ap);
    va_end(ap);
}

static int parse_bool(const char *s, bool *out)
{
    static const char *const yes[] = {"1", "true", "yes", "on"};
    static const char *const no[] = {"0", "false", "no", "off"};
    for (size_t i = 0; i < 4; i++) {
        if (strcasecmp(s, yes[i]) == 0) {
            *out = true;
            return 0;
        }
        if (strcasecmp(s, no[i]) == 0) {
            *out = false;
            return 0;
        }
    }
    return -EINVAL;
}

int reef__parse_size(const char *s, uint64_t *out)
{
    if (!s || !isdigit((unsigned char)*s))
        return -EINVAL;
    errno = 0;
    char *end;
    unsigned long long n = strtoull(s, &end, 10);
    if (errno == ERANGE)
        return -ERANGE;
    unsigned shift = 0;
    switch (tolower((unsigned char)*end)) {
    case 'k': shift = 10; end++; break;
    case 'm': shift = 20; end++; break;
    case 'g': shift = 30; end++; break;
    case 't': shift = 40; end++; break;
    default: break;
    }
    if (shift && (*end == 'i' || *end == 'I'))
        end++;
    if (*end == 'b' || *end == 'B')
        end++;
    if (*end != '\0')
        return -EINVAL;
    if (shift && n > (UINT64_MAX >> shift))
        return -ERANGE;
    *out = (uint64_t)n << shift;
    return 0;
}

static int list_push(struct reef__opt *opt, const char *value)
{
    if (opt->count == opt->cap) {
        size_t cap = opt->cap ? opt->cap * 2 : 4;
        char **items = realloc(opt->items, cap * sizeof(*items));
        if (!items)
            return -ENOMEM;
        opt->items = items;
        opt->cap = cap;
    }
    char *copy = strdup(value);
    if (!copy)
        return -ENOMEM;
    opt->items[opt->count++] = copy;
    return 0;
}

/* Stores `value` (text from the command line) into `opt`. */
static int set_value(struct reef__opt *opt, const char *value, char *err, size_t cap)
{
    char *end = NULL;
    errno = 0;
    switch (opt->type) {
    case REEF__OPT_FLAG:
        if (parse_bool(value, &opt->value.b) < 0)
            goto bad;
        break;
    case REEF__OPT_INT:
        opt->value.i = strtoll(value, &end, 0);
        if (end == value || *end || errno)
            goto bad;
        break;
    case REEF__OPT_UINT:
        /* strtoull accepts "-1" and wraps it: refuse signs outright. */
        if (!isdigit((unsigned char)value[0]))
            goto bad;
        opt->value.u = strtoull(value, &end, 0);
        if (*end || errno)
            goto bad;
        break;
    case REEF__OPT_DOUBLE:
        opt->value.d = strtod(value, &end);
        if (end == value || *end || errno || !isfinite(opt->value.d))
            goto bad;
        break;
    case REEF__OPT_SIZE:
        if (reef__parse_size(value, &opt->value.u) < 0)
            goto bad;
        break;
    case REEF__OPT_STRING: {
        char *copy = strdup(value);
        if (!copy)
            goto nomem;
        free(opt->value.s);
        opt->value.s = copy;
        break;
    }
    case REEF__OPT_LIST:
        if (list_push(opt, value) < 0)
            goto nomem;
        break;
    }
    opt->given = true;
    return 0;
bad:
    fail(err, cap, "invalid value '%s' for option '--%s'", value, opt->long_name);
    return -EINVAL;
nomem:
    fail(err, cap, "out of memory");
    return -ENOMEM;
}

static int add_positional(struct reef__opts *o, const char *arg, char *err, size_t cap)
{
    for (int rank = 0; rank < o->positional_count; rank++) {
        for (size_t i = 0; i < o->n; i++) {
            struct reef__opt *opt = &o->v[i];
            if (opt->positional_rank != rank)
                continue;
            if (opt->max_count >= 0 && opt->count >= (size_t)opt->max_count)
                break;
            return set_value(opt, arg, err, cap);
        }
    }
    fail(err, cap, "unexpected argument '%s'", arg);
    return -EINVAL;
}

/* --name, --name=value or --name value; *i is advanced past what is used. */
static int parse_long(struct reef__opts *o, int argc, char **argv, int *i, char *err, size_t cap)
{
    const char *name = argv[*i] + 2;
    const char *eq = strchr(name, '=');
    size_t len = eq ? (size_t)(eq - name) : strlen(name);
    struct reef__opt *opt = find_n(o, name, len);
    if (!opt) {
        fail(err, cap, "unrecognised option '--%.*s'", (int)len, name);
        return -EINVAL;
    }
    if (eq)
        return set_value(opt, eq + 1, err, cap);
    if (opt->type == REEF__OPT_FLAG) {
        opt->value.b = true;
        opt->given = true;
        return 0;
    }
    if (*i + 1 >= argc) {
        fail(err, cap, "option '--%s' requires a value", opt->long_name);
        return -EINVAL;
    }
    return set_value(opt, argv[++*i], err, cap);
}

/* -v, -vq (flags), -s3, -s 3. */
static int parse_short(struct reef__opts *o, int argc, char **argv, int *i, char *err, size_t cap)
{
    for (const char *p = argv[*i] + 1; *p; p++) {
        struct reef__opt *opt = find_short(o, *p);
        if (!opt) {
            fail(err, cap, "unrecognised option '-%c'", *p);
            return -EINVAL;
        }
        if (opt->type == REEF__OPT_FLAG) {
            opt->value.b = true;
            opt->given = true;
            continue;
        }
        if (p[1])
            return set_value(opt, p + 1, err, cap);
        if (*i + 1 >= argc) {
            fail(err, cap, "option '-%c' requires a value", *p);
            return -EINVAL;
        }
        return set_value(opt, argv[++*i], err, cap);
    }
    return 0;
}

int reef__opts_parse(struct reef__opts *o, int argc, char **argv, char *err, size_t errcap)
{
    bool options_ended = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int rc;
        if (options_ended || a[0] != '-' || a[1] == '\0')
            rc = add_positional(o, a, err, errcap);
        else if (strcmp(a, "--") == 0) {
            options_ended = true;
            rc = 0;
        } else if (a[1] == '-')
            rc = parse_long(o, argc, argv, &i, err, errcap);
        else
            rc = parse_short(o, argc, argv, &i, err, errcap);
        if (rc < 0)
            return rc == -ENOMEM ? -ENOMEM : -EINVAL;
    }
    return 0;
}

static const char *type_hint(enum reef__opt_type t)
{
    switch (t) {
    case REEF__OPT_INT:
    case REEF__OPT_UINT: return " N";
    case REEF__OPT_DOUBLE: return " X";
    case REEF__OPT_SIZE: return " SIZE";
    case REEF__OPT_STRING:
    case REEF__OPT_LIST: return " ARG";
    case REEF__OPT_FLAG: break;
    }
    return "";
}

static void print_default(const struct reef__opt *opt, FILE *out)
{
    if (!opt->has_default)
        return;
    switch (opt->type) {
    case REEF__OPT_INT: fprintf(out, " (default: %" PRId64 ")", opt->def.i); break;
    case REEF__OPT_UINT:
    case REEF__OPT_SIZE: fprintf(out, " (default: %" PRIu64 ")", opt->def.u); break;
    case REEF__OPT_DOUBLE: fprintf(out, " (default: %g)", opt->def.d); break;
    case REEF__OPT_STRING: fprintf(out, " (default: %s)", opt->def.s); break;
    case REEF__OPT_FLAG:
        if (opt->def.b)
            fprintf(out, " (default: on)");
        break;
    case REEF__OPT_LIST: break;
    }
}

void reef__opts_print_help(const struct reef__opts *o, FILE *out)
{
    for (size_t i = 0; i < o->n; i++) {
        const struct reef__opt *opt = &o->v[i];
        char head[96];
        if (opt->positional_rank >= 0)
            snprintf(head, sizeof(head), "  [--%s] %s%s", opt->long_name, opt->long_name,
                     opt->max_count != 1 ? " ..." : "");
        else if (opt->short_name)
            snprintf(head, sizeof(head), "  -%c, --%s%s", opt->short_name, opt->long_name,
                     type_hint(opt->type));
        else
            snprintf(head, sizeof(head), "      --%s%s", opt->long_name, type_hint(opt->type));
        fprintf(out, "%-36s %s", head, opt->help ? opt->help : "");
        print_default(opt, out);
        fputc('\n', out);
    }
}

void reef__opts_free(struct reef__opts *o)
{
    for (size_t i = 0; i < o->n; i++) {
        struct reef__opt *opt = &o->v[i];
        free(opt->long_name);
        free(opt->help);
        if (opt->type == REEF__OPT_STRING) {
            free(opt->value.s);
            free(opt->def.s);
        }
        for (size_t k = 0; k < opt->count; k++)
            free(opt->items[k]);
        free(opt->items);
    }
    free(o->v);
    *o = (struct reef__opts){0};
}
