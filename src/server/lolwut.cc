// LOLWUT [VERSION v] [args...]: a small piece of computer art and the
// version, as Redis's lolwut.c dispatches it: versions 5 and 6 (and 4.9,
// 5.9) draw, anything else answers just "Redis ver. <version>". The
// drawings are tieredis's own, about tiered memory:
//
//   5  [cols [squares-per-row [squares-per-col]]]   pages settling from the
//      fast tier (top) to the slow one (bottom): each row of squares is
//      likelier than the one above to have moved to NVM.
//   6  [cols [rows]]   a skyline of memory banks, DRAM floors over NVM ones.
//
// Arguments are clamped to Redis's ranges, and every square is one glyph
// high, so the reply stays under a few MB whatever is asked. The pictures
// are deterministic (a fixed-seed generator), so a given request always
// draws the same.
#include <algorithm>
#include <cstdint>
#include <string>

#include "commands/client.h"
#include "commands/registry.h"
#include "commands/version.h"
#include "server/server.h"

namespace server {
namespace {

using commands::Client;

constexpr char kDram[] = "\u2593";  // ▓
constexpr char kNvm[] = "\u2591";   // ░

// xorshift64: small, fast, and the same on every platform.
struct Rng {
  uint64_t s;
  uint64_t Next() {
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    return s;
  }
  double Unit() { return static_cast<double>(Next() >> 11) / static_cast<double>(uint64_t{1} << 53); }
};

// The optional integer arguments from argv[from] on, each clamped to
// [lo, hi], or false after replying the error.
bool ParseArgs(Client& c, size_t from, std::initializer_list<std::pair<int64_t*, std::pair<int64_t, int64_t>>> args) {
  size_t i = from;
  for (auto& [out, range] : args) {
    if (i >= c.argv.size()) break;
    if (!commands::GetInt64OrReply(c, c.argv[i++], out)) return false;
    *out = std::clamp(*out, range.first, range.second);
  }
  return true;
}

std::string Caption(const char* what) {
  return std::string(what) + " Redis ver. " + commands::kRedisVersion + "\n";
}

std::string DrawPages(int64_t cols, int64_t per_row, int64_t per_col) {
  int64_t width = std::max<int64_t>(1, cols / per_row);
  Rng rng{0x9e3779b97f4a7c15ull ^ static_cast<uint64_t>(cols * 7919 + per_row * 131 + per_col)};
  std::string out;
  for (int64_t r = 0; r < per_col; r++) {
    double cold = per_col > 1 ? static_cast<double>(r) / static_cast<double>(per_col - 1) : 0.5;
    for (int64_t q = 0; q < per_row; q++) {
      const char* glyph = rng.Unit() < cold ? kNvm : kDram;
      for (int64_t x = 0; x < width; x++) out += glyph;
    }
    out += '\n';
  }
  out += '\n';
  return out + Caption("Pages settling from DRAM (top) to NVM (bottom), tieredis.");
}

std::string DrawBanks(int64_t cols, int64_t rows) {
  Rng rng{0xd1b54a32d192ed03ull ^ static_cast<uint64_t>(cols * 104729 + rows)};
  std::vector<int64_t> height(static_cast<size_t>(cols)), dram(static_cast<size_t>(cols));
  for (int64_t x = 0; x < cols; x++) {
    // Banks two columns wide with a gap, of random height; the top third
    // of each is DRAM.
    bool gap = x % 3 == 2;
    if (x % 3 == 0) height[x] = 1 + static_cast<int64_t>(rng.Unit() * static_cast<double>(rows));
    if (x % 3 == 1) height[x] = height[x - 1];
    if (gap) height[x] = 0;
    dram[x] = (height[x] + 2) / 3;
  }
  std::string out;
  for (int64_t y = 0; y < rows; y++) {
    int64_t from_top = rows - y;  // floors above ground of this line
    for (int64_t x = 0; x < cols; x++) {
      if (height[x] < from_top) {
        out += ' ';
      } else {
        out += height[x] - from_top < dram[x] ? kDram : kNvm;
      }
    }
    out += '\n';
  }
  out += '\n';
  return out + Caption("Memory banks, DRAM floors over NVM ones, tieredis.");
}

void LolwutCommand(Client& c) {
  int64_t version = -1;  // -1: this server's, i.e. neither 5 nor 6
  size_t args = 1;
  if (c.argv.size() >= 3 && commands::ArgIs(c.argv[1], "version")) {
    if (!commands::GetInt64OrReply(c, c.argv[2], &version)) return;
    // Redis formats the number as an unsigned "%u.0.0" and reads the
    // first digits: 5 and 6 draw (4.9 and 5.9 never come out of "%u.0.0").
    version = static_cast<uint32_t>(version);
    args = 3;
  }
  std::string text;
  if (version == 5) {
    int64_t cols = 66, per_row = 8, per_col = 12;
    if (!ParseArgs(c, args, {{&cols, {1, 1000}}, {&per_row, {1, 200}}, {&per_col, {1, 200}}})) return;
    text = DrawPages(cols, per_row, per_col);
  } else if (version == 6) {
    int64_t cols = 80, rows = 20;
    if (!ParseArgs(c, args, {{&cols, {1, 1000}}, {&rows, {1, 1000}}})) return;
    text = DrawBanks(cols, rows);
  } else {
    text = std::string("Redis ver. ") + commands::kRedisVersion + "\n";
  }
  c.reply.Verbatim(text, "txt");
}

}  // namespace

void RegisterLolwutCommand(commands::Registry& r) {
  using namespace commands;
  r.Add({"lolwut", -1, kReadonly | kFast, 0, 0, 0, LolwutCommand, "server",
         "Display some computer art and the Redis version", "5.0.0", kCatRead | kCatFast});
}

}  // namespace server
