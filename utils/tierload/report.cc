// Text and JSON reports: see report.h.
#include "tierload/report.h"

#include <cinttypes>
#include <cstdio>

namespace tierload {

namespace {

struct Point {
  const char* name;
  double percentile;  // 0: min, 100: max
};
constexpr Point kPoints[] = {{"min", 0}, {"p50", 50}, {"p90", 90}, {"p99", 99}, {"p99.9", 99.9}, {"max", 100}};

double Ms(uint64_t ns) { return static_cast<double>(ns) / 1e6; }

std::string Format(const char* fmt, auto... args) {
  char buf[512];
  int n = std::snprintf(buf, sizeof(buf), fmt, args...);
  return std::string(buf, n < 0 ? 0 : std::min(static_cast<size_t>(n), sizeof(buf) - 1));
}

double Rps(const RunStats& s) { return s.seconds > 0 ? static_cast<double>(s.completed) / s.seconds : 0; }

std::string Describe(const Options& o) {
  std::string mode = o.load > 0 ? Format("load %" PRIu64 " keys x %" PRIu64 " elements", o.load, o.elements)
                                : Format("%" PRIu64 " keys %s, reads %.2f", o.keys, o.distribution.c_str(), o.reads);
  std::string length = o.load > 0         ? std::string("until loaded")
                       : o.requests > 0   ? Format("%" PRIu64 " requests", o.requests)
                                          : Format("%.1f s", o.EffectiveDuration());
  std::string rate = o.rate > 0 ? Format("%.0f req/s", o.rate) : std::string("flat out");
  return Format("%s:%d, %d connections, pipeline %d, %s, values %s, %s, %s", o.host.c_str(), o.port,
                o.connections, o.pipeline, mode.c_str(), o.value_size.c_str(), rate.c_str(), length.c_str());
}

}  // namespace

std::string JsonQuote(std::string_view s) {
  std::string out = "\"";
  for (unsigned char ch : s) {
    switch (ch) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (ch < 0x20) {
          out += Format("\\u%04x", ch);
        } else {
          out.push_back(static_cast<char>(ch));
        }
    }
  }
  out += "\"";
  return out;
}

std::string TextReport(const Options& o, const RunStats& s) {
  std::string out = "tierload: " + Describe(o) + "\n";
  if (o.load == 0) out += "  write: " + o.write_command + (o.reads > 0 ? "   read: " + o.read_command : "") + "\n";
  else out += "  write: " + o.write_command + "\n";
  out += Format("requests %" PRIu64 " (reads %" PRIu64 ", writes %" PRIu64 ", errors %" PRIu64 ", nil reads %" PRIu64
                ") in %.3f s: %.2f requests per second\n",
                s.completed, s.reads, s.writes, s.errors, s.misses, s.seconds, Rps(s));
  out += "latency ms:";
  for (const Point& p : kPoints) out += Format(" %s %.3f", p.name, Ms(s.latency.Percentile(p.percentile)));
  out += Format(" mean %.3f\n", s.latency.Mean() / 1e6);
  if (s.errors > 0) out += "first error: " + s.first_error + (s.aborted ? " (load stopped)" : "") + "\n";
  return out;
}

std::string JsonReport(const Options& o, const RunStats& s) {
  std::string out = "{";
  out += Format("\"requests\": %" PRIu64 ", \"reads\": %" PRIu64 ", \"writes\": %" PRIu64 ", \"errors\": %" PRIu64
                ", \"misses\": %" PRIu64 ", ",
                s.completed, s.reads, s.writes, s.errors, s.misses);
  out += "\"first_error\": " + JsonQuote(s.first_error) + ", ";
  out += Format("\"aborted\": %s, \"seconds\": %.6f, \"rps\": %.2f, ", s.aborted ? "true" : "false", s.seconds, Rps(s));
  out += "\"latency_ms\": {";
  for (const Point& p : kPoints) out += Format("\"%s\": %.4f, ", p.name, Ms(s.latency.Percentile(p.percentile)));
  out += Format("\"mean\": %.4f}, ", s.latency.Mean() / 1e6);
  out += "\"config\": {";
  out += "\"host\": " + JsonQuote(o.host) + Format(", \"port\": %d, \"connections\": %d, \"pipeline\": %d, ", o.port,
                                                   o.connections, o.pipeline);
  out += Format("\"keys\": %" PRIu64 ", \"load\": %" PRIu64 ", \"elements\": %" PRIu64 ", ", o.load > 0 ? o.load : o.keys,
                o.load, o.elements);
  out += "\"distribution\": " + JsonQuote(o.load > 0 ? "sequential" : o.distribution) + ", ";
  out += "\"value_size\": " + JsonQuote(o.value_size) + ", ";
  out += Format("\"reads_fraction\": %.4f, \"rate\": %.2f, ", o.load > 0 ? 0.0 : o.reads, o.rate);
  out += "\"command\": " + JsonQuote(o.write_command) + ", \"read_command\": " + JsonQuote(o.read_command);
  out += Format(", \"seed\": %" PRIu64 "}}\n", o.seed);
  return out;
}

}  // namespace tierload
