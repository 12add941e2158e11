/*
 * Opening files for the file layer (file_open.c): direct I/O where the
 * filesystem has it, buffered where it does not, never a directory.
 */
#ifndef REEF_FS_FILE_OPEN_H
#define REEF_FS_FILE_OPEN_H

#include <stdbool.h>
#include <stddef.h>

#include <reef/future.h>

struct reef__opened {
    int fd;
    bool direct;  /* O_DIRECT in effect */
    size_t align; /* what direct I/O needs; 1 when buffered */
};

/* Opens path (copied) with open(2) flags `oflags` (mode 0644 on creation),
 * trying O_DIRECT first when want_direct. Resolves with the descriptor
 * (.i), the caller's to close, after filling *out (valid until then);
 * fails with -errno and a message naming the path. On io_uring the calls
 * go through the ring, elsewhere through the shard's helper thread. */
reef_future reef__file_open(const char *path, int oflags, bool want_direct,
                            struct reef__opened *out);

#endif
