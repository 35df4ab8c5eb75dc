// Implementation of common/util.h. The behaviour of each function is pinned
// to Redis 7.0.15 (checked against Debian's redis-server); see the header for
// the rules and tests/unit/common/util_test.cc for the observed cases.
#include "common/util.h"

#include <fcntl.h>
#include <sys/random.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <utility>

namespace common {

namespace {


// C-locale isspace: ' ', \t, \n, \v, \f, \r.
inline bool IsSpace(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

// Parses the digits of s (no sign) into *v. REQUIRES: !s.empty().
// Returns false on a non-digit, a leading zero in a multi-digit number, or
// overflow past `limit`.
bool ParseDigits(std::string_view s, uint64_t limit, uint64_t* v) {
  if (s == "0") {
    *v = 0;
    return true;
  }
  if (s[0] < '1' || s[0] > '9') return false;  // no leading zeros, no sign
  uint64_t acc = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    uint64_t d = static_cast<uint64_t>(c - '0');
    if (acc > (limit - d) / 10) return false;
    acc = acc * 10 + d;
  }
  *v = acc;
  return true;
}

// "00".."99": two digits per division halves the divide count.
constexpr char kDigitPairs[] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

}  // namespace

// ---- Integers --------------------------------------------------------------

bool StringToInt64(std::string_view s, int64_t* out) {
  if (s.empty()) return false;
  bool negative = s[0] == '-';
  if (negative) {
    s.remove_prefix(1);
    // "-" alone and "-0" are rejected: the first digit must be 1-9.
    if (s.empty() || s[0] == '0') return false;
  }
  // The magnitude of INT64_MIN is INT64_MAX + 1.
  uint64_t limit = negative ? static_cast<uint64_t>(INT64_MAX) + 1 : static_cast<uint64_t>(INT64_MAX);
  uint64_t v;
  if (!ParseDigits(s, limit, &v)) return false;
  // Unsigned negation wraps to the two's complement value, INT64_MIN included.
  *out = negative ? static_cast<int64_t>(0 - v) : static_cast<int64_t>(v);
  return true;
}

bool StringToUint64(std::string_view s, uint64_t* out) {
  if (s.empty()) return false;
  uint64_t v;
  if (!ParseDigits(s, UINT64_MAX, &v)) return false;
  *out = v;
  return true;
}

size_t Uint64ToChars(uint64_t v, char* buf) {
  int len = DigitsUint64(v);
  char* p = buf + len;
  *p = '\0';
  while (v >= 100) {
    unsigned i = static_cast<unsigned>(v % 100) * 2;
    v /= 100;
    *--p = kDigitPairs[i + 1];
    *--p = kDigitPairs[i];
  }
  if (v >= 10) {
    unsigned i = static_cast<unsigned>(v) * 2;
    *--p = kDigitPairs[i + 1];
    *--p = kDigitPairs[i];
  } else {
    *--p = static_cast<char>('0' + v);
  }
  return static_cast<size_t>(len);
}

size_t Int64ToChars(int64_t v, char* buf) {
  if (v >= 0) return Uint64ToChars(static_cast<uint64_t>(v), buf);
  buf[0] = '-';
  // 0 - (uint64)v is the magnitude, INT64_MIN included.
  return 1 + Uint64ToChars(0 - static_cast<uint64_t>(v), buf + 1);
}

std::string Int64ToString(int64_t v) {
  char buf[kInt64BufSize];
  return std::string(buf, Int64ToChars(v, buf));
}

int DigitsUint64(uint64_t v) {
  int n = 1;
  for (;;) {
    if (v < 10) return n;
    if (v < 100) return n + 1;
    if (v < 1000) return n + 2;
    if (v < 10000) return n + 3;
    v /= 10000;
    n += 4;
  }
}

int DigitsInt64(int64_t v) {
  if (v >= 0) return DigitsUint64(static_cast<uint64_t>(v));
  return 1 + DigitsUint64(0 - static_cast<uint64_t>(v));
}

// ---- Floating point --------------------------------------------------------

bool StringToLongDouble(std::string_view s, long double* out) {
  if (s.empty() || s.size() >= kMaxLongDoubleChars) return false;
  if (IsSpace(s[0])) return false;
  char buf[kMaxLongDoubleChars];
  memcpy(buf, s.data(), s.size());
  buf[s.size()] = '\0';
  char* end;
  errno = 0;
  long double v = strtold(buf, &end);
  if (end != buf + s.size()) return false;  // trailing garbage or an embedded NUL
  if (errno == ERANGE && (std::isinf(v) || v == 0)) return false;
  if (errno == EINVAL || std::isnan(v)) return false;
  *out = v;
  return true;
}

bool StringToDouble(std::string_view s, double* out) {
  if (s.empty() || IsSpace(s[0])) return false;
  // strtod needs a NUL-terminated string; most numbers fit the stack buffer.
  char small[128];
  std::string big;
  char* buf = small;
  if (s.size() >= sizeof(small)) {
    big.assign(s);
    buf = big.data();
  } else {
    memcpy(small, s.data(), s.size());
    small[s.size()] = '\0';
  }
  char* end;
  errno = 0;
  double v = strtod(buf, &end);
  if (end != buf + s.size()) return false;
  if (errno == ERANGE && (std::isinf(v) || v == 0)) return false;
  if (std::isnan(v)) return false;
  *out = v;
  return true;
}

std::string FormatDouble(double v) {
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  // std::to_chars with general format and precision 17 is specified to
  // produce exactly printf("%.17g"), without the locale and varargs cost.
  // 17 significant digits, sign, '.', "e-308": 32 bytes is plenty.
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::general, 17);
  return std::string(buf, r.ptr);
}

std::string DoubleToString(double v) {
  if (std::isnan(v)) return "nan";
  return FormatDouble(v);
}

std::string FormatLongDouble(long double v, LongDoubleMode mode) {
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[kMaxLongDoubleChars];
  int n = snprintf(buf, sizeof(buf), mode == LongDoubleMode::kHuman ? "%.17Lf" : "%.17Lg", v);
  if (n < 0 || static_cast<size_t>(n) + 1 > sizeof(buf)) return std::string();
  size_t len = static_cast<size_t>(n);
  if (mode == LongDoubleMode::kHuman) {
    if (memchr(buf, '.', len) != nullptr) {
      while (buf[len - 1] == '0') len--;
      if (buf[len - 1] == '.') len--;
    }
    if (len == 2 && buf[0] == '-' && buf[1] == '0') return "0";
  }
  return std::string(buf, len);
}

// ---- Glob matching ---------------------------------------------------------

namespace {

// Matches the single non-star token starting at pattern[p] against byte c.
// Returns the index just past the token and sets *ok. Token widths do not
// depend on c, so a scan with ok ignored tokenizes the pattern.
size_t MatchToken(std::string_view pat, size_t p, char c, bool nocase, bool* ok) {
  const size_t m = pat.size();
  switch (pat[p]) {
    case '?':
      *ok = true;
      return p + 1;
    case '[': {
      p++;
      bool negate = p < m && pat[p] == '^';
      if (negate) p++;
      bool match = false;
      for (;;) {
        if (p >= m) {
          // Unterminated class: it ends with the pattern. (For "[^" at the
          // very end this re-reads '^' as the last member, as Redis does.)
          p = m - 1;
          break;
        }
        if (pat[p] == '\\' && p + 1 < m) {
          p++;
          if (pat[p] == c) match = true;  // escapes ignore nocase, as in Redis
        } else if (pat[p] == ']') {
          break;
        } else if (p + 2 < m && pat[p + 1] == '-') {
          // Redis compares plain (signed on x86) chars here; keep that so
          // ranges touching bytes >= 0x80 behave the same.
          int lo = static_cast<signed char>(pat[p]);
          int hi = static_cast<signed char>(pat[p + 2]);
          int x = static_cast<signed char>(c);
          if (lo > hi) std::swap(lo, hi);
          if (nocase) {  // char is signed here, so the values stay as they were
            lo = static_cast<signed char>(LowerAscii(static_cast<char>(lo)));
            hi = static_cast<signed char>(LowerAscii(static_cast<char>(hi)));
            x = static_cast<signed char>(LowerAscii(static_cast<char>(x)));
          }
          p += 2;
          if (x >= lo && x <= hi) match = true;
        } else if (nocase ? LowerAscii(pat[p]) == LowerAscii(c) : pat[p] == c) {
          match = true;
        }
        p++;
      }
      *ok = negate ? !match : match;
      return p + 1;
    }
    case '\\':
      if (p + 1 < m) p++;  // a lone trailing '\' is itself the literal
      [[fallthrough]];
    default:
      *ok = nocase ? LowerAscii(pat[p]) == LowerAscii(c) : pat[p] == c;
      return p + 1;
  }
}

// Redis gives up (no match) when its recursion passes 1000 nested stars.
constexpr int kMaxStarNesting = 1000;

// True when the pattern has more than kMaxStarNesting star groups that are
// followed by another token. In Redis every match of such a pattern has to
// recurse through the 1001st star with string left, where the nesting guard
// returns "no match" and its skip-longer-matches flag stops every caller, so
// the answer is always "no match".
bool ExceedsStarNesting(std::string_view pat) {
  // Each counted group needs a star and a token after it: 2 bytes at least.
  if (pat.size() <= 2 * kMaxStarNesting) return false;
  int groups = 0;
  size_t p = 0;
  bool ok;
  while (p < pat.size()) {
    if (pat[p] == '*') {
      while (p < pat.size() && pat[p] == '*') p++;
      if (p < pat.size() && ++groups > kMaxStarNesting) return true;
    } else {
      p = MatchToken(pat, p, '\0', false, &ok);
    }
  }
  return false;
}

}  // namespace

bool GlobMatch(std::string_view pattern, std::string_view str, bool nocase) {
  // Redis 7.0.15 only enters its loop with string left: "" matches only "".
  if (str.empty()) return pattern.empty();
  if (ExceedsStarNesting(pattern)) return false;

  const size_t m = pattern.size();
  const size_t n = str.size();
  size_t p = 0, s = 0;
  // Every non-star token consumes exactly one byte, so only the most recent
  // star needs to be retried with a longer run (an earlier star taking more
  // can only push the rest further right, which the latest star already
  // covers). That bounds the work to O(m * n).
  size_t star_p = std::string_view::npos;  // pattern index after the last star group
  size_t star_s = 0;                       // where that star's run currently ends
  for (;;) {
    if (s == n) {
      while (p < m && pattern[p] == '*') p++;
      return p == m;
    }
    if (p < m && pattern[p] == '*') {
      while (p < m && pattern[p] == '*') p++;
      if (p == m) return true;
      star_p = p;
      star_s = s;
      continue;
    }
    if (p < m) {
      bool ok;
      size_t next = MatchToken(pattern, p, str[s], nocase, &ok);
      if (ok) {
        p = next;
        s++;
        continue;
      }
    }
    // Mismatch, or pattern exhausted with string left: widen the last star.
    if (star_p == std::string_view::npos) return false;
    star_s++;
    // The rest after a star starts with a one-byte token, so it needs at
    // least one byte of string.
    if (star_s >= n) return false;
    s = star_s;
    p = star_p;
  }
}

// ---- Memory sizes, human bytes -----------------------------------------------

bool ParseMemory(std::string_view s, uint64_t* out) {
  size_t digits = 0;
  while (digits < s.size() && s[digits] >= '0' && s[digits] <= '9') digits++;
  // Redis copies the digits into a 128-byte buffer and rejects longer runs.
  constexpr size_t kMaxDigits = 127;
  if (digits == 0 || digits > kMaxDigits) return false;
  std::string_view unit = s.substr(digits);
  uint64_t mul;
  if (unit.empty() || EqualsNoCase(unit, "b")) {
    mul = 1;
  } else if (EqualsNoCase(unit, "k")) {
    mul = 1000;
  } else if (EqualsNoCase(unit, "kb")) {
    mul = 1024;
  } else if (EqualsNoCase(unit, "m")) {
    mul = 1000 * 1000;
  } else if (EqualsNoCase(unit, "mb")) {
    mul = 1024 * 1024;
  } else if (EqualsNoCase(unit, "g")) {
    mul = 1000ULL * 1000 * 1000;
  } else if (EqualsNoCase(unit, "gb")) {
    mul = 1024ULL * 1024 * 1024;
  } else {
    return false;
  }
  uint64_t v = 0;
  for (size_t i = 0; i < digits; i++) {  // leading zeros allowed, as with strtoull
    uint64_t d = static_cast<uint64_t>(s[i] - '0');
    if (v > (UINT64_MAX - d) / 10) return false;
    v = v * 10 + d;
  }
  if (v > UINT64_MAX / mul) return false;
  *out = v * mul;
  return true;
}

std::string BytesToHuman(uint64_t n) {
  char buf[32];
  if (n < 1024) {
    snprintf(buf, sizeof(buf), "%lluB", static_cast<unsigned long long>(n));
    return buf;
  }
  uint64_t scale = 1024;
  for (char unit : std::string_view("KMGTP")) {
    if (n / 1024 < scale) {  // n < scale * 1024, without overflowing
      snprintf(buf, sizeof(buf), "%.2f%c", static_cast<double>(n) / static_cast<double>(scale), unit);
      return buf;
    }
    scale *= 1024;
  }
  // 1024^6 and up: Redis falls back to plain bytes.
  snprintf(buf, sizeof(buf), "%lluB", static_cast<unsigned long long>(n));
  return buf;
}

bool EqualsNoCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); i++) {
    if (LowerAscii(a[i]) != LowerAscii(b[i])) return false;
  }
  return true;
}

std::string ToLower(std::string_view s) {
  std::string r(s);
  for (char& c : r) c = LowerAscii(c);
  return r;
}

// ---- Argument splitting and quoting ----------------------------------------

std::vector<std::string_view> SplitSpaces(std::string_view s) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && s[i] == ' ') i++;
    size_t j = i;
    while (j < s.size() && s[j] != ' ') j++;
    if (j > i) out.push_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

bool SplitArgs(std::string_view line, std::vector<std::string>* out) {
  out->clear();
  // A NUL ends the line (Redis parses a C string).
  line = line.substr(0, line.find('\0'));
  // at(i): the byte at i, or NUL past the end, mirroring the C terminator.
  auto at = [&line](size_t i) { return i < line.size() ? line[i] : '\0'; };
  auto fail = [out]() {
    out->clear();
    return false;
  };
  size_t p = 0;
  for (;;) {
    while (p < line.size() && IsSpace(line[p])) p++;
    if (p >= line.size()) return true;
    std::string cur;
    bool in_dq = false, in_sq = false, done = false;
    while (!done) {
      char c = at(p);
      if (in_dq) {
        if (c == '\\' && at(p + 1) == 'x' && HexValue(at(p + 2)) >= 0 && HexValue(at(p + 3)) >= 0) {
          cur.push_back(static_cast<char>(HexValue(at(p + 2)) * 16 + HexValue(at(p + 3))));
          p += 3;
        } else if (c == '\\' && at(p + 1) != '\0') {
          p++;
          switch (line[p]) {
            case 'n': cur.push_back('\n'); break;
            case 'r': cur.push_back('\r'); break;
            case 't': cur.push_back('\t'); break;
            case 'b': cur.push_back('\b'); break;
            case 'a': cur.push_back('\a'); break;
            default: cur.push_back(line[p]); break;
          }
        } else if (c == '"') {
          // The closing quote must end the argument.
          if (at(p + 1) != '\0' && !IsSpace(at(p + 1))) return fail();
          done = true;
        } else if (c == '\0') {
          return fail();  // unterminated
        } else {
          cur.push_back(c);
        }
      } else if (in_sq) {
        if (c == '\\' && at(p + 1) == '\'') {
          p++;
          cur.push_back('\'');
        } else if (c == '\'') {
          if (at(p + 1) != '\0' && !IsSpace(at(p + 1))) return fail();
          done = true;
        } else if (c == '\0') {
          return fail();  // unterminated
        } else {
          cur.push_back(c);
        }
      } else {
        switch (c) {
          case ' ':
          case '\n':
          case '\r':
          case '\t':
          case '\0':
            done = true;
            break;
          case '"': in_dq = true; break;
          case '\'': in_sq = true; break;
          default: cur.push_back(c); break;
        }
      }
      if (p < line.size()) p++;
    }
    out->push_back(std::move(cur));
  }
}

std::string Repr(std::string_view s) {
  std::string r;
  r.reserve(s.size() + 2);
  r.push_back('"');
  for (char c : s) {
    switch (c) {
      case '\\': r += "\\\\"; break;
      case '"': r += "\\\""; break;
      case '\n': r += "\\n"; break;
      case '\r': r += "\\r"; break;
      case '\t': r += "\\t"; break;
      case '\a': r += "\\a"; break;
      case '\b': r += "\\b"; break;
      default:
        if (c >= 0x20 && c <= 0x7e) {
          r.push_back(c);
        } else {
          static constexpr char kHex[] = "0123456789abcdef";
          unsigned char u = static_cast<unsigned char>(c);
          r += "\\x";
          r.push_back(kHex[u >> 4]);
          r.push_back(kHex[u & 15]);
        }
    }
  }
  r.push_back('"');
  return r;
}

// ---- SipHash ----------------------------------------------------------------

namespace {

inline uint64_t Rotl(uint64_t x, int b) { return (x << b) | (x >> (64 - b)); }

inline uint64_t Load64Le(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; i--) v = (v << 8) | p[i];
  return v;
}

struct SipState {
  uint64_t v0, v1, v2, v3;
  void Round() {
    v0 += v1;
    v1 = Rotl(v1, 13);
    v1 ^= v0;
    v0 = Rotl(v0, 32);
    v2 += v3;
    v3 = Rotl(v3, 16);
    v3 ^= v2;
    v0 += v3;
    v3 = Rotl(v3, 21);
    v3 ^= v0;
    v2 += v1;
    v1 = Rotl(v1, 17);
    v1 ^= v2;
    v2 = Rotl(v2, 32);
  }
};

// SipHash-c-d as specified by Aumasson and Bernstein; kFold lowercases ASCII
// letters of the input on the fly (Redis's case-insensitive dict hash).
template <int kCompressionRounds, int kFinalRounds, bool kFold>
uint64_t SipHashImpl(const void* data, size_t len, const uint8_t key[16]) {
  const uint8_t* in = static_cast<const uint8_t*>(data);
  const uint64_t k0 = Load64Le(key);
  const uint64_t k1 = Load64Le(key + 8);
  // The initialization constants are the ASCII of "somepseudorandomlygeneratedbytes".
  SipState s{k0 ^ 0x736f6d6570736575ULL, k1 ^ 0x646f72616e646f6dULL, k0 ^ 0x6c7967656e657261ULL,
             k1 ^ 0x7465646279746573ULL};
  auto fold = [](uint8_t c) -> uint8_t { return kFold && c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c; };
  auto absorb = [&s](uint64_t m) {
    s.v3 ^= m;
    for (int i = 0; i < kCompressionRounds; i++) s.Round();
    s.v0 ^= m;
  };
  size_t full = len & ~static_cast<size_t>(7);
  for (size_t i = 0; i < full; i += 8) {
    uint64_t m = 0;
    for (int j = 7; j >= 0; j--) m = (m << 8) | fold(in[i + j]);
    absorb(m);
  }
  // Last block: the remaining bytes, and the length mod 256 in the top byte.
  uint64_t b = static_cast<uint64_t>(len) << 56;
  for (size_t j = 0; j < (len & 7); j++) b |= static_cast<uint64_t>(fold(in[full + j])) << (8 * j);
  absorb(b);
  s.v2 ^= 0xff;
  for (int i = 0; i < kFinalRounds; i++) s.Round();
  return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

}  // namespace

uint64_t SipHash(const void* data, size_t len, const uint8_t key[16]) {
  return SipHashImpl<1, 2, false>(data, len, key);
}

uint64_t SipHashNoCase(const void* data, size_t len, const uint8_t key[16]) {
  return SipHashImpl<1, 2, true>(data, len, key);
}

uint64_t SipHash24(const void* data, size_t len, const uint8_t key[16]) {
  return SipHashImpl<2, 4, false>(data, len, key);
}

// ---- Randomness ---------------------------------------------------------------

namespace {

// splitmix64 (Steele, Lea, Flood 2014): one 64-bit state, passes BigCrush.
// The increment is 2^64 / golden ratio; the multipliers are the published
// mixing constants of the finalizer.
inline uint64_t SplitMix64(uint64_t* state) {
  uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

bool KernelRandom(uint8_t* buf, size_t len) {
  size_t done = 0;
  while (done < len) {
    ssize_t r = getrandom(buf + done, len - done, 0);
    if (r < 0) {
      if (errno == EINTR) continue;
      break;
    }
    done += static_cast<size_t>(r);
  }
  if (done == len) return true;
  int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  while (done < len) {
    ssize_t r = read(fd, buf + done, len - done);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    done += static_cast<size_t>(r);
  }
  close(fd);
  return done == len;
}

}  // namespace

void GetRandomBytes(uint8_t* buf, size_t len) {
  if (KernelRandom(buf, len)) return;
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  uint64_t state = static_cast<uint64_t>(ts.tv_sec) * 1000000000ULL + static_cast<uint64_t>(ts.tv_nsec);
  state ^= static_cast<uint64_t>(getpid()) << 32;
  state ^= reinterpret_cast<uintptr_t>(&state);
  for (size_t i = 0; i < len; i += 8) {
    uint64_t r = SplitMix64(&state);
    size_t n = std::min<size_t>(8, len - i);
    memcpy(buf + i, &r, n);
  }
}

std::string RandomHex(size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string r(n, '0');
  std::vector<uint8_t> bytes(n);
  GetRandomBytes(bytes.data(), n);
  for (size_t i = 0; i < n; i++) r[i] = kHex[bytes[i] & 15];
  return r;
}

uint64_t RandomU64() {
  thread_local uint64_t state = [] {
    uint64_t seed;
    GetRandomBytes(reinterpret_cast<uint8_t*>(&seed), sizeof(seed));
    return seed;
  }();
  return SplitMix64(&state);
}

}  // namespace common
