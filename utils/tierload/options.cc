// tierload's command-line parsing: see options.h.
#include "tierload/options.h"

#include <cmath>
#include <string_view>

#include "common/util.h"

namespace tierload {

namespace {

using common::Status;

// Connection and pipeline ceilings: far above anything useful on one event
// loop, low enough that a typo cannot exhaust file descriptors or memory.
constexpr int kMaxConnections = 10000;
constexpr int kMaxPipeline = 100000;

bool ParseCount(std::string_view s, uint64_t* out) { return common::StringToUint64(s, out); }

bool ParseInt(std::string_view s, int lo, int hi, int* out) {
  int64_t v;
  if (!common::StringToInt64(s, &v) || v < lo || v > hi) return false;
  *out = static_cast<int>(v);
  return true;
}

bool ParseNonNegative(std::string_view s, double* out) {
  double v;
  if (!common::StringToDouble(s, &v) || v < 0 || std::isinf(v)) return false;
  *out = v;
  return true;
}

}  // namespace

const char* Usage() {
  return R"(Usage: tierload [options]

Load generator for Redis-protocol servers: many connections on one event
loop, pipelining, key and value-size distributions, a read/write mix, a
target rate, and log-linear latency percentiles.

Connection:
  -h, --host HOST          server address (default 127.0.0.1)
  -p, --port PORT          server port (default 6379)
  -c, --connections N      connections (default 50)
  -P, --pipeline N         requests in flight per connection (default 1)
Length (default: 10 seconds):
  -n, --requests N         stop after N requests
      --duration SECS      stop after SECS seconds
Traffic:
      --rate R             R requests/s over all connections, latency counted
                           from each request's scheduled time; with --duration D
                           exactly ceil(R*D) requests are sent (default: flat out)
  -r, --keys N             keyspace size (default 1000000)
      --dist D             uniform | zipf | zipf:S   (zipf = zipf:0.99)
  -d, --value-size SPEC    64 | 64-1024 | 64:0.7,1024:0.3   ("k" = x1024)
      --reads F            fraction of reads (default 0.9 with a read command)
      --command CMD        write command template (default "SET {key} {value}")
      --read-command CMD   read command template (default "GET {key}" unless
                           --command is given)
      --elements M         {field} ranges over [0, M) (default 1)
      --key-prefix P       key prefix (default "key:")
      --key-offset K       add K (mod --keys) to every drawn key index: moves
                           the hot keys of a Zipf run (default 0)
      --seed S             random seed (default 1)
      --setup CMD          a command each connection sends once before the load
                           (repeatable; e.g. "CLIENT TRACKING ON REDIRECT 7")
Load mode:
      --load N             write every element of keys 0..N-1 once with the
                           write command (N * M requests), then exit; stops at
                           the first error reply
Output:
      --json               print the report as one JSON object
      --help               this text

Placeholders in templates: {key} {field} {value} {score}.
Exit status: 0 ok, 1 usage or connection error, 2 the server answered with
an error reply (counted in the report).
)";
}

common::Result<Options> ParseOptions(int argc, const char* const* argv) {
  Options o;
  bool command_given = false;
  for (int i = 1; i < argc; i++) {
    std::string_view arg = argv[i];
    std::string_view name = arg, value;
    bool has_inline = false;
    if (arg.substr(0, 2) == "--") {
      size_t eq = arg.find('=');
      if (eq != std::string_view::npos) {
        name = arg.substr(0, eq);
        value = arg.substr(eq + 1);
        has_inline = true;
      }
    }
    if (name == "--help") {
      o.help = true;
      continue;
    }
    if (name == "--json") {
      o.json = true;
      continue;
    }
    if (!has_inline) {
      if (i + 1 >= argc) return Status::InvalidArgument("option " + std::string(name) + " needs a value");
      value = argv[++i];
    }
    auto bad = [&](std::string_view what) {
      return Status::InvalidArgument("bad value for " + std::string(name) + " (" + std::string(what) +
                                     "): '" + std::string(value) + "'");
    };
    if (name == "-h" || name == "--host") {
      o.host = std::string(value);
    } else if (name == "-p" || name == "--port") {
      if (!ParseInt(value, 1, 65535, &o.port)) return bad("1..65535");
    } else if (name == "-c" || name == "--connections") {
      if (!ParseInt(value, 1, kMaxConnections, &o.connections)) return bad("1..10000");
    } else if (name == "-P" || name == "--pipeline") {
      if (!ParseInt(value, 1, kMaxPipeline, &o.pipeline)) return bad("1..100000");
    } else if (name == "-n" || name == "--requests") {
      if (!ParseCount(value, &o.requests) || o.requests == 0) return bad("a positive count");
    } else if (name == "--duration") {
      if (!ParseNonNegative(value, &o.duration) || o.duration == 0) return bad("positive seconds");
    } else if (name == "--rate") {
      if (!ParseNonNegative(value, &o.rate)) return bad("requests per second, 0 = flat out");
    } else if (name == "-r" || name == "--keys") {
      if (!ParseCount(value, &o.keys) || o.keys == 0) return bad("a positive count");
    } else if (name == "--dist") {
      o.distribution = std::string(value);
    } else if (name == "-d" || name == "--value-size") {
      o.value_size = std::string(value);
    } else if (name == "--reads") {
      if (!ParseNonNegative(value, &o.reads) || o.reads > 1) return bad("a fraction in [0, 1]");
    } else if (name == "--command") {
      o.write_command = std::string(value);
      command_given = true;
    } else if (name == "--read-command") {
      o.read_command = std::string(value);
    } else if (name == "--elements") {
      if (!ParseCount(value, &o.elements) || o.elements == 0) return bad("a positive count");
    } else if (name == "--key-prefix") {
      o.key_prefix = std::string(value);
    } else if (name == "--key-offset") {
      if (!ParseCount(value, &o.key_offset)) return bad("an unsigned integer");
    } else if (name == "--load") {
      if (!ParseCount(value, &o.load) || o.load == 0) return bad("a positive count");
    } else if (name == "--setup") {
      o.setup.emplace_back(value);
    } else if (name == "--seed") {
      if (!ParseCount(value, &o.seed)) return bad("an unsigned integer");
    } else {
      return Status::InvalidArgument("unknown option " + std::string(name) + " (see --help)");
    }
  }
  if (!command_given) {
    o.write_command = "SET {key} {value}";
    if (o.read_command.empty()) o.read_command = "GET {key}";
  }
  if (o.reads < 0) o.reads = o.read_command.empty() ? 0 : 0.9;
  if (o.reads > 0 && o.read_command.empty()) {
    return Status::InvalidArgument("--reads needs a --read-command when --command is given");
  }
  if (o.load > 0 && (o.requests > 0 || o.duration > 0 || o.rate > 0)) {
    return Status::InvalidArgument("--load runs until every key is written: drop --requests/--duration/--rate");
  }
  return o;
}

common::Result<RequestGenerator::Config> Options::GeneratorConfig() const {
  RequestGenerator::Config c;
  auto write = CommandTemplate::Parse(write_command);
  if (!write.ok()) return write.status();
  c.write = std::move(*write);
  if (!read_command.empty()) {
    auto read = CommandTemplate::Parse(read_command);
    if (!read.ok()) return read.status();
    c.read = std::move(*read);
  }
  c.reads = load > 0 ? 0 : reads;
  uint64_t n = load > 0 ? load : keys;
  if (load > 0 && n > UINT64_MAX / elements) return Status::InvalidArgument("--load N * --elements M overflows");
  auto dist = KeyDistribution::Parse(load > 0 ? "uniform" : distribution, n);
  if (!dist.ok()) return dist.status();
  c.keys = *dist;
  auto sizes = SizeDistribution::Parse(value_size);
  if (!sizes.ok()) return sizes.status();
  c.sizes = std::move(*sizes);
  c.elements = elements;
  c.key_prefix = key_prefix;
  c.key_offset = n == 0 ? 0 : key_offset % n;
  c.seed = seed;
  c.load = load > 0;
  return c;
}

}  // namespace tierload
