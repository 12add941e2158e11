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

#endif
