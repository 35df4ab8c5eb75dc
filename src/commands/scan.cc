#include "commands/scan.h"

#include <cctype>
#include <climits>

namespace commands {
namespace {

constexpr char kInvalidCursor[] = "ERR invalid cursor";
// Redis's bound on dict scan steps per call: COUNT * 10.
constexpr int64_t kScanStepsPerCount = 10;

}  // namespace

bool ParseScanCursor(std::string_view s, uint64_t* out) {
  s = s.substr(0, s.find('\0'));
  if (s.empty()) {
    *out = 0;
    return true;
  }
  if (isspace(static_cast<unsigned char>(s[0]))) return false;
  size_t i = 0;
  bool negative = false;
  if (s[i] == '+' || s[i] == '-') negative = s[i++] == '-';
  size_t digits_start = i;
  uint64_t v = 0;
  for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; i++) {
    uint64_t digit = static_cast<uint64_t>(s[i] - '0');
    if (v > (UINT64_MAX - digit) / 10) return false;  // ERANGE
    v = v * 10 + digit;
  }
  if (i == digits_start || i != s.size()) return false;
  *out = negative ? 0 - v : v;
  return true;
}

bool ParseScanArgsOrReply(Client& c, size_t cursor_index, bool allow_type, ScanArgs* out) {
  if (!ParseScanCursor(c.argv[cursor_index], &out->cursor)) {
    c.AddError(kInvalidCursor);
    return false;
  }
  for (size_t i = cursor_index + 1; i < c.argv.size();) {
    size_t left = c.argv.size() - i;
    if (ArgIs(c.argv[i], "count") && left >= 2) {
      if (!GetInt64OrReply(c, c.argv[i + 1], &out->count)) return false;
      if (out->count < 1) {
        c.AddSyntaxError();
        return false;
      }
      i += 2;
    } else if (ArgIs(c.argv[i], "match") && left >= 2) {
      out->pattern = c.argv[i + 1];
      out->use_pattern = out->pattern != "*";
      i += 2;
    } else if (allow_type && ArgIs(c.argv[i], "type") && left >= 2) {
      // Redis 7.0 accepts any name here: an unknown type matches nothing.
      out->type = c.argv[i + 1];
      out->use_type = true;
      i += 2;
    } else {
      c.AddSyntaxError();
      return false;
    }
  }
  return true;
}

uint64_t ScanDictBounded(ds::Dict& d, uint64_t cursor, int64_t count,
                         const std::function<size_t(const ds::DictEntry*)>& fn) {
  if (d.size() == 0) return 0;
  int64_t steps_left = count > INT64_MAX / kScanStepsPerCount ? INT64_MAX : count * kScanStepsPerCount;
  int64_t collected = 0;
  do {
    cursor = d.Scan(cursor, [&](const ds::DictEntry* de) { collected += static_cast<int64_t>(fn(de)); });
  } while (cursor != 0 && steps_left-- > 0 && collected < count);
  return cursor;
}

}  // namespace commands
