// Implementation of common/clock.h over clock_gettime(2), which the vDSO
// serves without a system call for both clocks used here.
#include "common/clock.h"

#include <ctime>

namespace common {

namespace {

int64_t ToUs(const timespec& ts) {
  return static_cast<int64_t>(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}

}  // namespace

int64_t UsTime() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return ToUs(ts);
}

int64_t MsTime() { return UsTime() / 1000; }

uint64_t MonotonicUs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ToUs(ts));
}

}  // namespace common
