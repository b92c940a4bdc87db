/* proc — facts about processes on this host, for telling whether the assay
 * process that owns a run is still alive. */
#ifndef ASSAY_UTIL_PROC_H
#define ASSAY_UTIL_PROC_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* The kernel's start time of `pid` (clock ticks since boot, field 22 of
 * /proc/PID/stat), or -1 if there is no such process. Together with the pid
 * it names a process uniquely even after the pid is reused. */
int64_t proc_start_time(pid_t pid);
/* True when the process (pid, start) still exists. */
bool proc_alive(pid_t pid, int64_t start);
/* This host's name, in out (at least 256 bytes). */
void proc_hostname(char *out, size_t n);

#endif
