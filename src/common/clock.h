// Clocks: wall time for timestamps clients see (TIME, expires set with
// EXPIREAT, LASTSAVE) and a monotonic clock for measuring durations (command
// latency, timeouts), which never jumps when the system time is changed.
#pragma once

#include <cstdint>

namespace common {

// Wall-clock time (CLOCK_REALTIME) since the Unix epoch.
int64_t UsTime();  // microseconds
int64_t MsTime();  // milliseconds

// CLOCK_MONOTONIC in microseconds: only differences are meaningful.
uint64_t MonotonicUs();

}  // namespace common
