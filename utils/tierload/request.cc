// Command templates and the request generator: see request.h.
#include "tierload/request.h"

#include <utility>

#include "common/util.h"

namespace tierload {

namespace {

// {key} pads the index to redis-benchmark's 12 digits.
constexpr int kKeyDigits = 12;
// {score} range: 2^20 distinct scores, enough to keep a zset's order
// non-trivial while staying an exact small integer.
constexpr uint64_t kScoreRange = uint64_t{1} << 20;

void AppendUint(uint64_t v, std::string* out) {
  char buf[common::kInt64BufSize];
  out->append(buf, common::Uint64ToChars(v, buf));
}

}  // namespace

void AppendKey(std::string_view prefix, uint64_t index, std::string* out) {
  out->append(prefix);
  char buf[common::kInt64BufSize];
  size_t len = common::Uint64ToChars(index, buf);
  if (len < kKeyDigits) out->append(kKeyDigits - len, '0');
  out->append(buf, len);
}

void AppendValue(uint64_t seq, uint64_t size, std::string* out) {
  char buf[common::kInt64BufSize];
  size_t len = common::Uint64ToChars(seq, buf);
  if (len >= size) {
    // Too short for the whole number: keep its fastest-changing digits.
    out->append(buf + (len - size), size);
    return;
  }
  out->append(buf, len);
  out->push_back(':');
  out->append(size - len - 1, 'x');
}

common::Result<CommandTemplate> CommandTemplate::Parse(std::string_view text) {
  std::vector<std::string> words;
  if (!common::SplitArgs(text, &words)) {
    return common::Status::InvalidArgument("unbalanced quotes in command: " + std::string(text));
  }
  if (words.empty()) return common::Status::InvalidArgument("empty command");
  static constexpr std::pair<std::string_view, PieceKind> kNames[] = {
      {"{key}", PieceKind::kKey},
      {"{field}", PieceKind::kField},
      {"{value}", PieceKind::kValue},
      {"{score}", PieceKind::kScore},
  };
  CommandTemplate t;
  t.text_ = std::string(text);
  t.name_ = words[0];
  for (const std::string& word : words) {
    Arg arg;
    std::string literal;
    size_t i = 0;
    while (i < word.size()) {
      bool matched = false;
      if (word[i] == '{') {
        for (const auto& [name, kind] : kNames) {
          if (std::string_view(word).substr(i, name.size()) == name) {
            if (!literal.empty()) arg.push_back({PieceKind::kLiteral, std::move(literal)});
            literal.clear();
            if (kind == PieceKind::kValue) {
              if (t.uses_value_) return common::Status::InvalidArgument("{value} may appear only once");
              t.uses_value_ = true;
            }
            arg.push_back({kind, {}});
            i += name.size();
            matched = true;
            break;
          }
        }
      }
      if (!matched) literal.push_back(word[i++]);
    }
    if (!literal.empty() || arg.empty()) arg.push_back({PieceKind::kLiteral, std::move(literal)});
    t.args_.push_back(std::move(arg));
  }
  return t;
}

void CommandTemplate::Append(const Fill& fill, std::string* out, std::string* scratch) const {
  out->push_back('*');
  AppendUint(args_.size(), out);
  out->append("\r\n");
  for (const Arg& arg : args_) {
    scratch->clear();
    for (const Piece& p : arg) {
      switch (p.kind) {
        case PieceKind::kLiteral:
          scratch->append(p.literal);
          break;
        case PieceKind::kKey:
          AppendKey(fill.key_prefix, fill.key, scratch);
          break;
        case PieceKind::kField:
          AppendUint(fill.field, scratch);
          break;
        case PieceKind::kValue:
          AppendValue(fill.seq, fill.value_size, scratch);
          break;
        case PieceKind::kScore:
          AppendUint(fill.score, scratch);
          break;
      }
    }
    out->push_back('$');
    AppendUint(scratch->size(), out);
    out->append("\r\n");
    out->append(*scratch);
    out->append("\r\n");
  }
}

RequestGenerator::RequestGenerator(Config config) : config_(std::move(config)), rng_(config_.seed) {}

bool RequestGenerator::Next(std::string* out) {
  CommandTemplate::Fill fill;
  fill.key_prefix = config_.key_prefix;
  fill.seq = seq_;
  const CommandTemplate* t = &config_.write;
  bool read = false;
  if (config_.load) {
    fill.key = seq_ / config_.elements;
    fill.field = seq_ % config_.elements;
  } else {
    if (config_.read && config_.reads > 0 && rng_.Unit() < config_.reads) {
      t = &*config_.read;
      read = true;
    }
    fill.key = config_.keys.Sample(rng_) + config_.key_offset;
    if (fill.key >= config_.keys.n()) fill.key -= config_.keys.n();
    fill.field = config_.elements > 1 ? rng_.Below(config_.elements) : 0;
  }
  if (t->uses_value()) fill.value_size = config_.sizes.Sample(rng_);
  fill.score = rng_.Below(kScoreRange);
  t->Append(fill, out, &scratch_);
  seq_++;
  return read;
}

}  // namespace tierload
