/*
 * Making error details from inside the library.
 */
#ifndef REEF_CORE_ERROR_INTERNAL_H
#define REEF_CORE_ERROR_INTERNAL_H

#include <stdarg.h>

#include <reef/error.h>

/* reef_err_with_backtrace with a va_list, leaving out `skip` frames above
 * this function (the library's own wrappers), so that the backtrace starts
 * at the application's call. */
reef_err reef__err_with_backtrace_v(int code, int skip, const char *fmt, va_list ap);

#endif
