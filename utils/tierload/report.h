// tierload's report: the run's configuration and results as text for people
// or as one JSON object (--json) for utils/bench/compare.py.
//
// Latencies are printed in milliseconds with microsecond resolution, the
// unit redis-benchmark's --csv uses, so the two tools' columns compare
// directly. JSON keys are stable: requests, reads, writes, errors, misses,
// first_error, aborted, seconds, rps, latency_ms {min p50 p90 p99 p99.9 max
// mean}, and config {...}.
#pragma once

#include <string>

#include "tierload/driver.h"
#include "tierload/options.h"

namespace tierload {

std::string TextReport(const Options& o, const RunStats& s);
std::string JsonReport(const Options& o, const RunStats& s);

// JSON string literal for `s` (quotes included), escaping what RFC 8259
// requires.
std::string JsonQuote(std::string_view s);

}  // namespace tierload
