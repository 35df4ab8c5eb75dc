// The requests tierload sends: command templates and the generator that
// turns them, with the key, size and mix distributions, into RESP bytes.
//
// A template is one command line split like redis-cli splits it (quotes
// allowed), whose arguments may contain placeholders:
//   {key}    the key: <prefix><index zero-padded to 12 digits>, the form
//            redis-benchmark's -r uses ("key:000000000042"), so datasets
//            loaded by either tool line up
//   {field}  an element number: in load mode the element being written
//            (0 .. elements-1), otherwise uniform over [0, elements)
//   {value}  a value of a size drawn from the size distribution: the
//            request's sequence number, ':', then 'x' up to the size, so
//            values are distinct (for SADD/ZADD members) as long as they
//            are longer than the sequence number (21 bytes always suffice)
//   {score}  an integer uniform over [0, 2^20), for ZADD
// Any other text, braces included ("{tag}" hash tags), is literal.
//
// Requests are encoded straight into the connection's output buffer as RESP
// arrays of bulk strings, which is what hiredis's redisFormatCommandArgv
// produces, without its one heap allocation per command.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "tierload/distributions.h"

namespace tierload {

class CommandTemplate {
 public:
  // Fails on an empty command, unbalanced quotes, or a {value} placeholder
  // used more than once (its size would be ambiguous).
  static common::Result<CommandTemplate> Parse(std::string_view text);

  // What one request substitutes for the placeholders.
  struct Fill {
    std::string_view key_prefix;
    uint64_t key = 0;
    uint64_t field = 0;
    uint64_t value_size = 0;
    uint64_t seq = 0;
    uint64_t score = 0;
  };
  // Appends the RESP encoding of the command with `fill` substituted.
  // `scratch` is reused between calls to avoid allocating.
  void Append(const Fill& fill, std::string* out, std::string* scratch) const;

  bool uses_value() const { return uses_value_; }
  // The command name as written (first argument), for reports.
  const std::string& name() const { return name_; }
  const std::string& text() const { return text_; }

 private:
  enum class PieceKind { kLiteral, kKey, kField, kValue, kScore };
  struct Piece {
    PieceKind kind;
    std::string literal;  // kLiteral only
  };
  using Arg = std::vector<Piece>;
  std::vector<Arg> args_;
  bool uses_value_ = false;
  std::string name_;
  std::string text_;
};

// Appends {value}'s bytes: see the file comment.
void AppendValue(uint64_t seq, uint64_t size, std::string* out);
// Appends {key}'s bytes.
void AppendKey(std::string_view prefix, uint64_t index, std::string* out);

class RequestGenerator {
 public:
  struct Config {
    CommandTemplate write;
    std::optional<CommandTemplate> read;
    double reads = 0;  // fraction of requests using `read` (needs `read`)
    KeyDistribution keys = KeyDistribution::Uniform(1);
    SizeDistribution sizes = SizeDistribution::Fixed(64);
    uint64_t elements = 1;
    std::string key_prefix = "key:";
    uint64_t key_offset = 0;  // < keys.n(): added mod n to each drawn index
    uint64_t seed = 1;
    // Load mode: write every element of keys 0 .. keys.n()-1 once, in
    // order (key-major), then stop.
    bool load = false;
  };
  explicit RequestGenerator(Config config);

  // Appends the next request to *out and returns true when it is a read.
  // REQUIRES: !Exhausted().
  bool Next(std::string* out);
  // Load mode only: every request has been generated.
  bool Exhausted() const { return config_.load && seq_ >= LoadTotal(); }
  // Load mode: keys * elements.
  uint64_t LoadTotal() const { return config_.keys.n() * config_.elements; }
  uint64_t generated() const { return seq_; }

 private:
  Config config_;
  Rng rng_;
  uint64_t seq_ = 0;
  std::string scratch_;
};

}  // namespace tierload
