/*
 * Error codes, names and messages, and the reference-counted error detail.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <reef/error.h>

#include "core/error_internal.h"
#include "util/backtrace.h"

/* The errno values Reef reports by name. X(name). */
#define REEF_ERRNOS(X)                                                                             \
    X(EPERM) X(ENOENT) X(ESRCH) X(EINTR) X(EIO) X(ENXIO) X(E2BIG) X(ENOEXEC) X(EBADF) X(ECHILD)    \
    X(EAGAIN) X(ENOMEM) X(EACCES) X(EFAULT) X(EBUSY) X(EEXIST) X(EXDEV) X(ENODEV) X(ENOTDIR)       \
    X(EISDIR) X(EINVAL) X(ENFILE) X(EMFILE) X(ENOTTY) X(EFBIG) X(ENOSPC) X(ESPIPE) X(EROFS)        \
    X(EMLINK) X(EPIPE) X(EDOM) X(ERANGE) X(EDEADLK) X(ENAMETOOLONG) X(ENOLCK) X(ENOSYS)            \
    X(ENOTEMPTY) X(ELOOP) X(ENOMSG) X(ENODATA) X(ETIME) X(EOVERFLOW) X(EILSEQ) X(ENOTSOCK)         \
    X(EDESTADDRREQ) X(EMSGSIZE) X(EPROTOTYPE) X(ENOPROTOOPT) X(EPROTONOSUPPORT) X(EOPNOTSUPP)      \
    X(EAFNOSUPPORT) X(EADDRINUSE) X(EADDRNOTAVAIL) X(ENETDOWN) X(ENETUNREACH) X(ENETRESET)         \
    X(ECONNABORTED) X(ECONNRESET) X(ENOBUFS) X(EISCONN) X(ENOTCONN) X(ESHUTDOWN) X(ETIMEDOUT)      \
    X(ECONNREFUSED) X(EHOSTDOWN) X(EHOSTUNREACH) X(EALREADY) X(EINPROGRESS) X(ESTALE) X(EDQUOT)    \
    X(ECANCELED) X(EOWNERDEAD) X(ENOTRECOVERABLE)

struct reef_err_detail {
    int refs;
    int code;
    char *message;   /* owned, may be NULL */
    char *backtrace; /* owned, may be NULL */
    void *payload;
    void (*payload_dtor)(void *);
};

struct user_code {
    int code;
    const char *name;
    const char *message;
};

/* Registered before the application starts, read afterwards: no lock. */
static struct user_code user_codes[256];
static int user_code_count;

static const struct user_code *find_user(int code)
{
    for (int i = 0; i < user_code_count; i++)
        if (user_codes[i].code == code)
            return &user_codes[i];
    return NULL;
}

int reef_err_register(int code, const char *name, const char *message)
{
    if (code > REEF_EUSER_BASE || !name || !message)
        return -EINVAL;
    if (find_user(code))
        return -EEXIST;
    if (user_code_count == (int)(sizeof(user_codes) / sizeof(user_codes[0])))
        return -ENOSPC;
    user_codes[user_code_count++] = (struct user_code){code, name, message};
    return 0;
}

const char *reef_strerror(int code)
{
    switch (code) {
    case 0:
        return "success";
#define MSG_(name, value, msg)                                                                     \
    case value:                                                                                    \
        return msg;
        REEF_ERRORS(MSG_)
#undef MSG_
    default:
        break;
    }
    const struct user_code *u = find_user(code);
    if (u)
        return u->message;
    if (code < 0 && code > -4096)
        return strerror(-code); /* glibc returns static, immutable strings for known codes */
    return "unknown error";
}

const char *reef_err_name(int code)
{
    switch (code) {
    case 0:
        return "OK";
#define NAME_(name, value, msg)                                                                    \
    case value:                                                                                    \
        return #name;
        REEF_ERRORS(NAME_)
#undef NAME_
#define ERRNO_(name)                                                                               \
    case -name:                                                                                    \
        return #name;
        REEF_ERRNOS(ERRNO_)
#undef ERRNO_
    default:
        break;
    }
    const struct user_code *u = find_user(code);
    return u ? u->name : "EUNKNOWN";
}

static reef_err make_detail(int code, char *message, char *backtrace, void *payload,
                            void (*dtor)(void *))
{
    struct reef_err_detail *d = malloc(sizeof(*d));
    if (!d) {
        free(message);
        free(backtrace);
        if (dtor)
            dtor(payload);
        return reef_err_code(code);
    }
    *d = (struct reef_err_detail){1, code, message, backtrace, payload, dtor};
    return (reef_err){code, d};
}

static char *vformat(const char *fmt, va_list ap)
{
    char *s = NULL;
    if (vasprintf(&s, fmt, ap) < 0)
        return NULL;
    return s;
}

reef_err reef_err_msg(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = vformat(fmt, ap);
    va_end(ap);
    return make_detail(code, msg, NULL, NULL, NULL);
}

reef_err reef__err_with_backtrace_v(int code, int skip, const char *fmt, va_list ap)
{
    char *msg = vformat(fmt, ap);
    char bt[4096];
    reef__backtrace_format(bt, sizeof(bt), 1 + skip);
    return make_detail(code, msg, strdup(bt), NULL, NULL);
}

reef_err reef_err_with_backtrace(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    /* Skip this function: the backtrace starts at the caller. */
    reef_err e = reef__err_with_backtrace_v(code, 1, fmt, ap);
    va_end(ap);
    return e;
}

reef_err reef_err_with_payload(int code, void *payload, void (*dtor)(void *))
{
    return make_detail(code, NULL, NULL, payload, dtor);
}

reef_err reef_err_ref(reef_err e)
{
    if (e.detail)
        e.detail->refs++;
    return e;
}

void reef_err_release(reef_err e)
{
    struct reef_err_detail *d = e.detail;
    if (!d || --d->refs > 0)
        return;
    if (d->payload_dtor)
        d->payload_dtor(d->payload);
    free(d->message);
    free(d->backtrace);
    free(d);
}

const char *reef_err_message(reef_err e) { return e.detail ? e.detail->message : NULL; }
const char *reef_err_backtrace(reef_err e) { return e.detail ? e.detail->backtrace : NULL; }
void *reef_err_payload(reef_err e) { return e.detail ? e.detail->payload : NULL; }

reef_err reef_err_clone(reef_err e)
{
    struct reef_err_detail *d = e.detail;
    if (!d)
        return e;
    char *msg = d->message ? strdup(d->message) : NULL;
    char *bt = d->backtrace ? strdup(d->backtrace) : NULL;
    return make_detail(e.code, msg, bt, NULL, NULL);
}

size_t reef_err_format(reef_err e, char *buf, size_t size)
{
    const char *msg = reef_err_message(e);
    const char *bt = reef_err_backtrace(e);
    int n = snprintf(buf, size, "%s (%s)%s%s%s%s", reef_err_name(e.code), reef_strerror(e.code),
                     msg ? ": " : "", msg ? msg : "", bt ? " Backtrace:\n" : "", bt ? bt : "");
    return n < 0 ? 0 : (size_t)n;
}
