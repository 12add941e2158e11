/*
 * Page runs within one shard's memory.
 *
 * Free runs sit in 32 lists by floor(log2(length)); a request for n pages
 * takes the first run that fits from n's list, else any run from a larger
 * list, else pages from the never-used top. A free run is tagged on its
 * first and last page, so a freed run merges with free neighbours in
 * constant time; a free run that reaches the top is given back to it.
 */
#include "mem/arena.h"

static unsigned bucket(uint32_t n) { return 31u - (unsigned)__builtin_clz(n); }

static void list_remove(struct reef__shard_mem *m, struct reef__page *pg)
{
    if (pg->prev)
        pg->prev->next = pg->next;
    else
        m->free_runs[bucket(pg->npages)] = pg->next;
    if (pg->next)
        pg->next->prev = pg->prev;
    pg->next = pg->prev = NULL;
}

static void insert_free(struct reef__shard_mem *m, uint32_t start, uint32_t n)
{
    struct reef__page *first = &m->pages[start], *last = &m->pages[start + n - 1];
    *first = (struct reef__page){.start = start, .npages = n, .free = 1};
    if (n > 1)
        *last = (struct reef__page){.start = start, .npages = n, .free = 1};
    unsigned b = bucket(n);
    first->next = m->free_runs[b];
    if (first->next)
        first->next->prev = first;
    m->free_runs[b] = first;
}

/* Marks [start, start + n) handed out. */
static void mark_used(struct reef__shard_mem *m, uint32_t start, uint32_t n)
{
    m->pages[start] = (struct reef__page){.start = start, .npages = n};
    if (n > 1)
        m->pages[start + n - 1] = (struct reef__page){.start = start, .npages = n};
}

static uint32_t take(struct reef__shard_mem *m, struct reef__page *run, uint32_t n)
{
    uint32_t start = run->start, have = run->npages;
    list_remove(m, run);
    if (have > n)
        insert_free(m, start + n, have - n);
    mark_used(m, start, n);
    return start;
}

uint32_t reef__pages_alloc(struct reef__shard_mem *m, uint32_t n)
{
    if (n == 0)
        return UINT32_MAX;
    for (struct reef__page *pg = m->free_runs[bucket(n)]; pg; pg = pg->next)
        if (pg->npages >= n)
            return take(m, pg, n);
    for (unsigned b = bucket(n) + 1; b < 32; b++)
        if (m->free_runs[b])
            return take(m, m->free_runs[b], n);
    if (m->npages - m->top < n)
        return UINT32_MAX;
    uint32_t start = m->top;
    m->top += n;
    mark_used(m, start, n);
    return start;
}

void reef__pages_free(struct reef__shard_mem *m, uint32_t start, uint32_t n)
{
    if (start > 0 && m->pages[start - 1].free) {
        struct reef__page *left = &m->pages[m->pages[start - 1].start];
        uint32_t ln = left->npages;
        start = left->start;
        list_remove(m, left);
        n += ln;
    }
    if (start + n < m->top && m->pages[start + n].free) {
        struct reef__page *right = &m->pages[start + n];
        uint32_t rn = right->npages;
        list_remove(m, right);
        n += rn;
    }
    if (start + n == m->top) {
        m->top = start;
        m->pages[start].free = 0;
        return;
    }
    insert_free(m, start, n);
}

void reef__pages_free_split(struct reef__shard_mem *m, uint32_t start, uint32_t total,
                            uint32_t keep, uint32_t n)
{
    mark_used(m, keep, n);
    if (keep + n < start + total) {
        mark_used(m, keep + n, start + total - (keep + n));
        reef__pages_free(m, keep + n, start + total - (keep + n));
    }
    if (keep > start) {
        mark_used(m, start, keep - start);
        reef__pages_free(m, start, keep - start);
    }
}
