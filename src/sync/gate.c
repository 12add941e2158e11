/*
 * Gates.
 */
#include <errno.h>

#include <reef/gate.h>

void reef_gate_init(reef_gate *g)
{
    g->_count = 0;
    g->_closed = false;
    g->_closing._cell = NULL;
}

int reef_gate_enter(reef_gate *g)
{
    if (g->_closed)
        return REEF_EGATE_CLOSED;
    g->_count++;
    return 0;
}

void reef_gate_leave(reef_gate *g)
{
    if (--g->_count == 0 && g->_closed)
        reef_promise_resolve(&g->_closing, (reef_val){.u = 0});
}

int reef_gate_check(const reef_gate *g) { return g->_closed ? REEF_EGATE_CLOSED : 0; }

reef_future reef_gate_close(reef_gate *g)
{
    if (g->_closed)
        return reef_fail_msg(-EINVAL, "gate closed twice");
    g->_closed = true;
    if (g->_count == 0)
        return reef_done();
    return reef_promise_init(&g->_closing);
}

bool reef_gate_is_closed(const reef_gate *g) { return g->_closed; }
int64_t reef_gate_count(const reef_gate *g) { return g->_count; }

static reef_future leave_gate(void *cap)
{
    reef_gate_leave(*(reef_gate **)cap);
    return reef_done();
}

reef_future reef_with_gate(reef_gate *g, reef_body_fn fn, const void *cap, size_t cap_size)
{
    if (reef_gate_enter(g) != 0)
        return reef_fail_code(REEF_EGATE_CLOSED);
    /* fn is called directly: the capture is only needed during the call. */
    return reef_finally(fn((void *)cap), leave_gate, &g, sizeof(g));
}
