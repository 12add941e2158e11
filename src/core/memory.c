#include "core/memory.h"

__thread struct reef__small_cache reef__small __attribute__((tls_model("initial-exec")));

void reef__small_cache_drain(void)
{
    for (unsigned c = 0; c < REEF__SMALL_CLASSES; c++) {
        struct reef__free_block *b = reef__small.lists[c];
        while (b) {
            struct reef__free_block *next = b->next;
            free(b);
            b = next;
        }
        reef__small.lists[c] = NULL;
        reef__small.counts[c] = 0;
    }
}
