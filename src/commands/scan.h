// The SCAN family's shared parts: SCAN, HSCAN, SSCAN and ZSCAN parse the
// same "<cursor> [MATCH pattern] [COUNT count] [TYPE type]" arguments and
// walk a dict with the same bound on work per call, as Redis's
// scanGenericCommand does for all four.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string_view>

#include "commands/client.h"
#include "ds/dict.h"

namespace commands {

// SCAN's COUNT default.
inline constexpr int64_t kScanDefaultCount = 10;

struct ScanArgs {
  uint64_t cursor = 0;
  int64_t count = kScanDefaultCount;
  std::string_view pattern;  // valid while argv is
  bool use_pattern = false;  // false for no MATCH or MATCH *
  std::string_view type;
  bool use_type = false;
};

// Parses a SCAN cursor exactly as Redis's strtoul-based parser: the bytes up
// to the first NUL, no leading space, an optional sign ("-1" wraps to the
// largest cursor), base-10 digits, no trailing bytes, no overflow. An empty
// string is cursor 0.
bool ParseScanCursor(std::string_view s, uint64_t* out);

// Parses argv[cursor_index] as the cursor and the options after it. TYPE is
// accepted only when allow_type (SCAN; the per-key scans reply syntax error,
// as Redis 7.0). Replies with Redis's error and returns false on bad input.
bool ParseScanArgsOrReply(Client& c, size_t cursor_index, bool allow_type, ScanArgs* out);

// Calls d.Scan from cursor, passing every visited entry to fn, until fn was
// given at least count entries or Redis's bound on work is reached: at most
// count * 10 scan steps, so a sparse table cannot make one call run long.
// Returns the cursor for the next call (0 when the scan is complete).
// fn must not modify d.
uint64_t ScanDictBounded(ds::Dict& d, uint64_t cursor, int64_t count,
                         const std::function<size_t(const ds::DictEntry*)>& fn);

}  // namespace commands
