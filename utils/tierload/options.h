// tierload's command line: parsed into Options, validated, and turned into
// the request generator's configuration. Kept apart from main() so the
// parsing rules are unit-tested.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "tierload/request.h"

namespace tierload {

struct Options {
  std::string host = "127.0.0.1";
  int port = 6379;
  int connections = 50;  // redis-benchmark's default client count
  int pipeline = 1;
  uint64_t requests = 0;  // 0: run for `duration`
  double duration = 0;    // seconds; 0 with requests == 0 means 10 s
  double rate = 0;        // requests per second over all connections; 0 = flat out
  uint64_t keys = 1000000;
  std::string distribution = "uniform";
  std::string value_size = "64";
  double reads = -1;  // -1: 0.9 with a read command, else 0
  std::string write_command;  // empty: "SET {key} {value}"
  std::string read_command;   // empty: "GET {key}" unless --command was given
  uint64_t elements = 1;
  std::string key_prefix = "key:";
  uint64_t key_offset = 0;  // key index = (drawn index + offset) mod keys
  uint64_t load = 0;  // > 0: load mode over this many keys
  uint64_t seed = 1;
  // Commands each connection sends once before the load (no placeholders),
  // e.g. "CLIENT TRACKING ON REDIRECT 7"; an error reply fails the run.
  std::vector<std::string> setup;
  bool json = false;
  bool help = false;

  // The generator's configuration for these options, or the reason they
  // do not make sense together.
  common::Result<RequestGenerator::Config> GeneratorConfig() const;
  // Seconds to run when neither --requests nor --duration was given.
  double EffectiveDuration() const { return requests == 0 && duration == 0 && load == 0 ? 10 : duration; }
};

// Parses argv[1..argc-1]. Long options take "--name value" or
// "--name=value"; the short ones follow redis-benchmark (-h -p -c -n -P -d
// -r).
common::Result<Options> ParseOptions(int argc, const char* const* argv);

// The --help text.
const char* Usage();

}  // namespace tierload
