/*
 * What the application template asks of sharded services.
 */
#ifndef REEF_CORE_SHARDED_INTERNAL_H
#define REEF_CORE_SHARDED_INTERNAL_H

/* Logs a warning for every service started and not stopped; returns how
 * many. */
unsigned reef__sharded_report_unstopped(void);

#endif
