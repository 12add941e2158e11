/*
 * bench-fs: disk I/O through Reef's files, in the shapes fio measures.
 *
 *   bench-fs --mode randread --depth 32 [--file F] [--size 1G] [--duration 5]
 *   bench-fs --mode seqwrite --depth 4
 *   bench-fs --mode share    --depth 32
 *
 * randread: 4 KiB reads at random aligned offsets of the file (created
 * first, with 1 MiB writes, if it is missing or smaller), `depth` of them
 * in flight, each from its own fiber. seqwrite: 1 MiB writes front to back
 * over the file, wrapping, `depth` in flight. share: randread from two
 * scheduling groups with disk shares 100 and 200, `depth` readers each,
 * through 8 dispatch slots; reports the bytes ratio.
 *
 * Prints one line of key=value: iops, mb_per_s, p50_us, p99_us (randread,
 * seqwrite), ratio (share), direct=1|0.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <reef/reef.h>

#define MAX_DEPTH 256
#define LAT_BUCKETS 20000 /* 1 us each; beyond goes to the last */

struct config {
    const char *path, *mode;
    uint64_t size;
    unsigned depth;
    double duration;
};

static struct config cfg;

struct run {
    reef_file *f;
    size_t block;
    bool stop;
    uint64_t ops, bytes;
    uint64_t next_offset; /* seqwrite */
    uint32_t lat[LAT_BUCKETS];
};

static uint64_t xorshift(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *s = x;
}

struct worker_arg {
    struct run *run;
    uint64_t seed;
    bool write;
};

static reef_future worker(void *arg)
{
    struct worker_arg *w = arg;
    struct run *r = w->run;
    reef_buf b;
    if (reef_file_alloc_buf(r->f, r->block, &b) < 0)
        return reef_fail_code(-ENOMEM);
    memset(reef_buf_data(b), 'w', r->block);
    uint64_t blocks = cfg.size / r->block;
    while (!r->stop) {
        uint64_t off;
        if (w->write) {
            off = r->next_offset;
            r->next_offset = (r->next_offset + r->block) % (blocks * r->block);
        } else {
            off = xorshift(&w->seed) % blocks * r->block;
        }
        reef_time t0 = reef_now();
        reef_future op = w->write ? reef_file_dma_write(r->f, off, reef_buf_data(b), r->block)
                                  : reef_file_dma_read(r->f, off, reef_buf_data(b), r->block);
        reef_val n;
        reef_err e;
        if (reef_fiber_wait(op, &n, &e) < 0) {
            fprintf(stderr, "bench-fs: %s\n", reef_err_message(e));
            reef_err_release(e);
            break;
        }
        uint64_t us = (uint64_t)(reef_now() - t0) / 1000;
        r->lat[us < LAT_BUCKETS ? us : LAT_BUCKETS - 1]++;
        r->ops++;
        r->bytes += n.u;
    }
    reef_buf_release(&b);
    return reef_done();
}

static double percentile(const struct run *r, double p)
{
    uint64_t want = (uint64_t)(p * (double)r->ops), seen = 0;
    for (unsigned i = 0; i < LAT_BUCKETS; i++) {
        seen += r->lat[i];
        if (seen > want)
            return i + 0.5;
    }
    return LAT_BUCKETS;
}

/* Makes sure the file holds cfg.size bytes, writing 1 MiB blocks. */
static int lay_out(reef_file *f)
{
    reef_val v;
    if (reef_fiber_wait(reef_file_size(f), &v, NULL) == 0 && v.u >= cfg.size)
        return 0;
    reef_buf b;
    size_t mb = 1 << 20;
    if (reef_file_alloc_buf(f, mb, &b) < 0)
        return -ENOMEM;
    memset(reef_buf_data(b), 'x', mb);
    int rc = 0;
    for (uint64_t off = 0; off < cfg.size && rc == 0; off += mb)
        rc = reef_fiber_wait(reef_file_dma_write(f, off, reef_buf_data(b), mb), NULL, NULL);
    reef_buf_release(&b);
    return rc;
}

/* Starts `depth` workers in the current scheduling group. */
struct start_arg {
    struct run *run;
    bool write;
    reef_future *done;
    struct worker_arg *args;
};

static reef_future start_workers(void *cap)
{
    struct start_arg *s = *(struct start_arg **)cap;
    for (unsigned i = 0; i < cfg.depth; i++) {
        s->args[i] = (struct worker_arg){s->run, 0x9e3779b97f4a7c15ull * (i + 1) + (uintptr_t)s, s->write};
        s->done[i] = reef_async(worker, &s->args[i]);
    }
    return reef_done();
}

static void stop_and_wait(struct run *r, reef_future *done)
{
    r->stop = true;
    for (unsigned i = 0; i < cfg.depth; i++)
        reef_fiber_wait(done[i], NULL, NULL);
}

static reef_future run_in(reef_sched_group g, struct run *r, bool write, reef_future *done,
                          struct worker_arg *args)
{
    struct start_arg s = {r, write, done, args}, *ps = &s;
    reef_future f = reef_with_sched_group(g, start_workers, &ps, sizeof(ps));
    reef_fiber_wait(f, NULL, NULL);
    return reef_done();
}

static reef_future main_fiber(void *arg)
{
    (void)arg;
    reef_val v;
    reef_err e;
    if (reef_fiber_wait(reef_file_open(cfg.path, REEF_FILE_READ | REEF_FILE_WRITE | REEF_FILE_CREATE),
                        &v, &e) < 0) {
        fprintf(stderr, "bench-fs: %s\n", reef_err_message(e));
        reef_err_release(e);
        return reef_fail_code(-EIO);
    }
    reef_file *f = v.p;
    int rc = lay_out(f);
    if (rc < 0) {
        fprintf(stderr, "bench-fs: laying out %s: %s\n", cfg.path, reef_strerror(rc));
        reef_discard(reef_file_close(f));
        return reef_fail_code(rc);
    }
    bool write = strcmp(cfg.mode, "seqwrite") == 0, share = strcmp(cfg.mode, "share") == 0;
    static struct run runs[2];
    static reef_future done[2][MAX_DEPTH];
    static struct worker_arg args[2][MAX_DEPTH];
    reef_sched_group groups[2] = {reef_sched_group_main(), reef_sched_group_main()};
    int nruns = share ? 2 : 1;
    if (share) {
        for (int i = 0; i < 2; i++) {
            reef_fiber_wait(reef_sched_group_create(i ? "bench-high" : "bench-low", 100), &v, NULL);
            groups[i] = reef_sched_group_from_val(v);
            reef_io_set_shares(groups[i], i ? 200 : 100);
        }
        reef_io_set_max_in_flight(8);
    }
    for (int i = 0; i < nruns; i++) {
        runs[i] = (struct run){.f = f, .block = write ? 1u << 20 : 4096};
        reef_discard(run_in(groups[i], &runs[i], write, done[i], args[i]));
    }
    /* Warm up for a tenth of the run, then measure from zero. */
    reef_fiber_sleep(reef_ns((int64_t)(cfg.duration * 1e8)));
    for (int i = 0; i < nruns; i++) {
        runs[i].ops = runs[i].bytes = 0;
        memset(runs[i].lat, 0, sizeof(runs[i].lat));
    }
    reef_time t0 = reef_now();
    reef_fiber_sleep(reef_ns((int64_t)(cfg.duration * 1e9)));
    double secs = (double)(reef_now() - t0) / 1e9;
    static struct run snap[2]; /* large: not on the fiber's stack */
    for (int i = 0; i < nruns; i++)
        snap[i] = runs[i];
    for (int i = 0; i < nruns; i++)
        stop_and_wait(&runs[i], done[i]);
    if (share) {
        printf("ratio=%.3f low_iops=%.0f high_iops=%.0f direct=%d\n",
               (double)snap[1].bytes / (double)(snap[0].bytes ? snap[0].bytes : 1),
               snap[0].ops / secs, snap[1].ops / secs, reef_file_is_direct(f));
        for (int i = 0; i < 2; i++)
            reef_fiber_wait(reef_sched_group_destroy(groups[i]), NULL, NULL);
    } else {
        printf("iops=%.0f mb_per_s=%.1f p50_us=%.1f p99_us=%.1f direct=%d\n", snap[0].ops / secs,
               snap[0].bytes / secs / 1e6, percentile(&snap[0], 0.5), percentile(&snap[0], 0.99),
               reef_file_is_direct(f));
    }
    fflush(stdout);
    return reef_file_close(f);
}

static reef_future app_main(reef_app *app, void *arg)
{
    (void)arg;
    cfg.path = reef_app_string(app, "file");
    cfg.mode = reef_app_string(app, "mode");
    cfg.size = reef_app_size(app, "size");
    cfg.depth = (unsigned)reef_app_uint(app, "depth");
    cfg.duration = reef_app_double(app, "duration");
    if (cfg.depth < 1 || cfg.depth > MAX_DEPTH || cfg.size < (1u << 20) || cfg.duration <= 0 ||
        (strcmp(cfg.mode, "randread") && strcmp(cfg.mode, "seqwrite") && strcmp(cfg.mode, "share")))
        return reef_fail_msg(-EINVAL, "--mode randread|seqwrite|share, --depth 1..%d, --size >= 1M",
                             MAX_DEPTH);
    return reef_async(main_fiber, NULL);
}

int main(int argc, char **argv)
{
    reef_app *app = reef_app_create("bench-fs", "Disk I/O in the shapes fio measures.");
    reef_app_add_string(app, "file", 0, "/var/tmp/reef-bench-fs/testfile", "file to use");
    reef_app_add_string(app, "mode", 0, "randread", "randread, seqwrite or share");
    reef_app_add_size(app, "size", 0, 1u << 30, "file size");
    reef_app_add_uint(app, "depth", 0, 1, "requests in flight");
    reef_app_add_double(app, "duration", 0, 5, "measured seconds");
    int status = reef_app_run(app, argc, argv, app_main, NULL);
    reef_app_destroy(app);
    return status;
}
