// The driver: many connections on one epoll loop, each with up to
// `pipeline` requests in flight, replies parsed by hiredis's reader.
//
// Why our own epoll loop over hiredis's reader rather than hiredis's async
// API with its libev/libevent adapter:
//   - the request/reply accounting is the measurement: we need the send time
//     of every request in flight and the arrival time of its reply, with
//     exact control over how many are in flight per connection, which the
//     async API hides behind one callback (and one malloc) per command;
//   - one clock read per read() serves every reply in that buffer, and one
//     write() per connection per loop turn sends the whole pipeline batch;
//   - the reader runs with object functions that build no reply tree (one
//     static tag per reply type; only top-level errors keep their text), so
//     a 1 KiB GET reply costs no allocation or copy on the client;
//   - no extra library: libhiredis-dev is the only dependency, and the same
//     loop drives the rate limiter's timer (epoll_pwait2's nanosecond timeout).
//
// Latency. Flat out, a request's latency runs from the loop turn that queued
// it to the read() that returned its reply. With --rate, it runs from the
// request's *scheduled* time (start + k / rate), so a server that falls
// behind is charged for the queueing its slowness caused (no coordinated
// omission): a full pipeline delays sending, never the clock. And the
// schedule, not the clock, ends a rated run: --rate R --duration D sends
// exactly ceil(R * D) requests, the late ones after D if the server fell
// behind, so a stall shows in the latencies rather than in a smaller count.
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"
#include "tierload/histogram.h"
#include "tierload/options.h"
#include "tierload/request.h"

namespace tierload {

struct RunStats {
  LatencyHistogram latency;  // nanoseconds
  uint64_t completed = 0;    // replies received
  uint64_t reads = 0;
  uint64_t writes = 0;
  uint64_t errors = 0;  // error replies
  uint64_t misses = 0;  // nil replies to reads
  std::string first_error;
  double seconds = 0;    // first request to last reply
  bool aborted = false;  // load mode stopped at an error reply
};

// Connects, runs the workload `options` describes with requests from `gen`
// and returns the statistics. Fails (before or during the run) when a
// connection cannot be made or breaks, or requests in flight get no reply
// for 30 s.
common::Result<RunStats> Drive(const Options& options, RequestGenerator* gen);

}  // namespace tierload
