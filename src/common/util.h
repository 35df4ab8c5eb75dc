// String, number and hashing helpers shared by every layer: the parsing and
// formatting rules clients see through replies (they follow Redis 7.0 byte
// for byte), glob matching for KEYS/SCAN/PSUBSCRIBE/CONFIG GET, the argument
// splitter of the inline protocol and redis.conf, the dict hash (SipHash-1-2)
// and random sources.
//
// Invariants: nothing here allocates through alloc:: (common sits below it);
// the few std::string results are transient. No function throws. All parsing
// is locale-independent in practice: the server never calls setlocale() for
// LC_NUMERIC/LC_CTYPE, so the C locale's strtod/strtold/isspace rules apply,
// exactly as in Redis.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace common {

// ---- Integers --------------------------------------------------------------

// Room for any int64/uint64 in decimal plus a NUL: "-9223372036854775808" is
// 20 characters, "18446744073709551615" is 20.
inline constexpr size_t kInt64BufSize = 21;

// Redis string2ll: the whole of `s` is an optional '-' followed by digits, no
// '+', no spaces, no leading zeros except the single "0" ("-0" is rejected),
// and the value fits int64. Returns false (leaving *out untouched) otherwise,
// including for an empty string.
bool StringToInt64(std::string_view s, int64_t* out);
// The same rules without a sign; the value fits uint64.
bool StringToUint64(std::string_view s, uint64_t* out);

// Writes the decimal form of v into buf followed by a NUL and returns the
// length without the NUL. REQUIRES: buf holds kInt64BufSize chars.
size_t Int64ToChars(int64_t v, char* buf);
size_t Uint64ToChars(uint64_t v, char* buf);
std::string Int64ToString(int64_t v);
// Length of the decimal form of v, the '-' of a negative value included
// (so DigitsInt64(v) == Int64ToString(v).size()).
int DigitsInt64(int64_t v);
int DigitsUint64(uint64_t v);

// ---- Floating point --------------------------------------------------------

// Redis MAX_LONG_DOUBLE_CHARS: the buffer size Redis uses when parsing and
// printing long doubles (5 KiB: the "%.17Lf" form of the largest finite long
// double, about 4950 characters, fits).
inline constexpr size_t kMaxLongDoubleChars = 5 * 1024;

// Redis string2ld (INCRBYFLOAT, HINCRBYFLOAT): what strtold accepts
// ("1e10", "inf", "-Infinity", "0x1p3", "+5"), except: empty input, a leading
// whitespace, trailing garbage (including a trailing space or an embedded
// NUL), "nan", overflow to infinity or underflow to zero (ERANGE), and input
// of kMaxLongDoubleChars characters or more.
bool StringToLongDouble(std::string_view s, long double* out);
// Redis string2d/getDoubleFromObject (ZADD scores, INCRBYFLOAT-free paths):
// the same rules with strtod and no length limit. "1e500" and "1e-400" are
// rejected (ERANGE); denormals such as "4e-320" are accepted.
bool StringToDouble(std::string_view s, double* out);

// Redis 7.0 addReplyDouble text (RESP2 bulk and RESP3 ',' payload alike):
// "inf" / "-inf" for infinities, otherwise printf "%.17g"
// (0.1 -> "0.10000000000000001", 1e20 -> "1e+20", -0.0 -> "-0").
std::string FormatDouble(double v);
// Redis d2string, used where a score is stored as text (listpack scores, RDB
// double text): the same text as FormatDouble, and NaN is always "nan".
std::string DoubleToString(double v);

enum class LongDoubleMode {
  kAutoExp,  // "%.17Lg"
  kHuman,    // "%.17Lf", trailing zeros and a trailing '.' removed, "-0" -> "0"
};
// Redis ld2string: infinities print as "inf" / "-inf" in every mode.
// INCRBYFLOAT and HINCRBYFLOAT reply and store kHuman text ("10.5", "5000",
// "0.00003"). Returns an empty string when the text would not fit in
// kMaxLongDoubleChars (cannot happen for x86 long double, kept as Redis does).
std::string FormatLongDouble(long double v, LongDoubleMode mode);

// ---- Text ------------------------------------------------------------------

// Redis stringmatchlen. Tokens: '*' (any run, consecutive stars are one),
// '?' (one byte), '[abc]', '[^abc]', '[a-z]' (reversed ranges allowed, bytes
// compared as signed chars like Redis on x86), '\x' (literal x, also inside
// classes); an unterminated class ends at the end of the pattern; a trailing
// lone '\' is a literal backslash. nocase folds ASCII letters (escaped class
// members stay case-sensitive, as in Redis).
// Redis 7.0.15 quirks kept: an empty string matches only the empty pattern
// ("*" does not match ""); a pattern with more than 1000 star groups that are
// followed by another token never matches (Redis's recursion limit).
// Worst case O(|pattern| * |str|): one backtracking point, no recursion.
bool GlobMatch(std::string_view pattern, std::string_view str, bool nocase = false);

// Redis memtoull (maxmemory and other memory configs): digits followed by an
// optional case-insensitive unit b, k (1000), kb (1024), m (1000^2),
// mb (1024^2), g (1000^3), gb (1024^3). No sign, no spaces, no fraction.
// Returns false on garbage, on a missing number ("" or "mb", which Redis
// reads as 0) and on overflow (which Redis lets wrap).
bool ParseMemory(std::string_view s, uint64_t* out);

// Redis bytesToHuman: "123B" below 1024, then "%.2f" with K, M, G, T, P
// (powers of 1024), and "<n>B" again from 1024^6 on.
std::string BytesToHuman(uint64_t n);

// ASCII-only case folding (bytes >= 0x80 are left alone).
bool EqualsNoCase(std::string_view a, std::string_view b);
std::string ToLower(std::string_view s);
// ASCII only, no locale: what command names, hex digests and config names
// need (libc's tolower is a call through the locale's table per byte).
inline char LowerAscii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + ('a' - 'A')) : c; }

// Redis sdssplitargs: splits a line into arguments separated by whitespace.
// "double quotes" understand \n \r \t \b \a \xHH and \<any> (that char);
// 'single quotes' understand only \'. A closing quote must be followed by
// whitespace or the end; quotes may start mid-argument (a"b c" is "ab c").
// A NUL byte ends the line, as in Redis's C-string parsing. Returns false
// (and leaves *out empty) on an unbalanced quote or a bad closing quote;
// an empty or blank line gives zero arguments and true.
bool SplitArgs(std::string_view line, std::vector<std::string>* out);
// The words of s separated by runs of spaces (no quoting, no other
// whitespace: script shebangs, pin lists). Views into s.
std::vector<std::string_view> SplitSpaces(std::string_view s);

// Redis sdscatrepr: "..." with \\ \" \n \r \t \a \b escaped, other bytes
// outside 0x20..0x7e as \xHH (lowercase hex).
std::string Repr(std::string_view s);

// ---- Hashing and randomness ---------------------------------------------------

// SipHash-1-2 (one compression round, two finalization rounds: the variant
// Redis's dict uses) of data with a 16-byte key, read as two little-endian
// 64-bit words.
uint64_t SipHash(const void* data, size_t len, const uint8_t key[16]);
// The same hash of the data with ASCII 'A'..'Z' folded to lowercase, so that
// SipHashNoCase(x) == SipHash(ToLower(x)).
uint64_t SipHashNoCase(const void* data, size_t len, const uint8_t key[16]);
// SipHash-2-4, the reference variant; exposed so that tests can check the
// shared implementation against the published vectors.
uint64_t SipHash24(const void* data, size_t len, const uint8_t key[16]);

// Fills buf with len cryptographically random bytes from the kernel
// (getrandom, then /dev/urandom); if neither works, from a PRNG seeded with
// the time, the pid and an address.
void GetRandomBytes(uint8_t* buf, size_t len);
// n random lowercase hex characters (a run_id is 40).
std::string RandomHex(size_t n);
// A fast, non-cryptographic 64-bit random number from a per-thread
// splitmix64 generator seeded once from GetRandomBytes. For sampling only.
uint64_t RandomU64();

}  // namespace common
