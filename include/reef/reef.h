/* Reef: everything, in one include. */
#ifndef REEF_REEF_H
#define REEF_REEF_H

#include <reef/version.h>
#include <reef/common.h>
#include <reef/error.h>
#include <reef/future.h>
#include <reef/timer.h>
#include <reef/reactor.h>
#include <reef/log.h>
#include <reef/app.h>
#include <reef/loop.h>
#include <reef/when.h>
#include <reef/do_with.h>
#include <reef/shared.h>
#include <reef/abort.h>
#include <reef/semaphore.h>
#include <reef/gate.h>
#include <reef/queue.h>
#include <reef/pipe.h>
#include <reef/condvar.h>
#include <reef/rwlock.h>
#include <reef/shared_future.h>
#include <reef/sched_group.h>
#include <reef/smp.h>
#include <reef/sharded.h>
#include <reef/foreign.h>
#include <reef/memory.h>
#include <reef/buf.h>
#include <reef/fiber.h>
#include <reef/file.h>
#include <reef/fs.h>
#include <reef/io_class.h>
#include <reef/sockaddr.h>
#include <reef/net.h>
#include <reef/stream.h>

#endif
