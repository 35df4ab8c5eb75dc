// HyperLogLog representation and estimator; see hyperloglog.h for the format.
#include "object/hyperloglog.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>

namespace object::hll {
namespace {

constexpr char kMagic[4] = {'H', 'Y', 'L', 'L'};
constexpr size_t kEncodingAt = 4;
constexpr size_t kCardAt = 8;
constexpr uint8_t kCacheStale = 0x80;  // top bit of card[7]
constexpr int kRegisterMax = (1 << kRegisterBits) - 1;
constexpr int kZeroMaxLen = 64;
constexpr int kXZeroMaxLen = 16384;
constexpr int kValMaxLen = 4;
// 0.5 / ln(2): the estimator's alpha as the number of registers grows.
constexpr double kAlphaInf = 0.721347520444481703680;

// ---- sparse opcodes ----
inline bool IsZero(const uint8_t* p) { return (*p & 0xc0) == 0x00; }
inline bool IsXZero(const uint8_t* p) { return (*p & 0xc0) == 0x40; }
inline int ZeroLen(const uint8_t* p) { return (*p & 0x3f) + 1; }
inline int XZeroLen(const uint8_t* p) { return (((*p & 0x3f) << 8) | p[1]) + 1; }
inline int ValValue(const uint8_t* p) { return ((*p >> 2) & 0x1f) + 1; }
inline int ValLen(const uint8_t* p) { return (*p & 0x03) + 1; }
inline void PutZero(uint8_t* p, int len) { *p = static_cast<uint8_t>(len - 1); }
inline void PutXZero(uint8_t* p, int len) {
  p[0] = static_cast<uint8_t>(0x40 | ((len - 1) >> 8));
  p[1] = static_cast<uint8_t>((len - 1) & 0xff);
}
inline void PutVal(uint8_t* p, int value, int len) {
  *p = static_cast<uint8_t>(0x80 | ((value - 1) << 2) | (len - 1));
}
// Appends a run of zeros as ZERO or XZERO (the shorter that fits) at *n.
inline void PutZeroRun(uint8_t** n, int len) {
  if (len > kZeroMaxLen) {
    PutXZero(*n, len);
    *n += 2;
  } else {
    PutZero(*n, len);
    *n += 1;
  }
}

// One decoded opcode: its size in bytes, the registers it covers and
// their value (0 for ZERO/XZERO). An XZERO cut short by the end of the
// string reads the sds's NUL terminator as its second byte, which is what
// Redis does, so a corrupt value is judged the same way by both servers.
struct Op {
  int size, span, value;
};
inline Op Decode(const uint8_t* p, const uint8_t* end) {
  if (IsZero(p)) return {1, ZeroLen(p), 0};
  if (IsXZero(p)) return {2, end - p >= 2 ? XZeroLen(p) : ((*p & 0x3f) << 8) + 1, 0};
  return {1, ValLen(p), ValValue(p)};
}

inline uint8_t* Bytes(ds::sds s) { return reinterpret_cast<uint8_t*>(s); }
inline const uint8_t* Bytes(std::string_view s) { return reinterpret_cast<const uint8_t*>(s.data()); }
inline int EncodingOf(std::string_view s) { return static_cast<uint8_t>(s[kEncodingAt]); }

// Calls fn(value, span) for each opcode of a sparse value. False if the
// code is truncated or does not cover exactly kRegisters registers; stops
// early (false) once the registers run past the end.
template <typename Fn>
bool ForEachRun(std::string_view s, Fn fn) {
  const uint8_t* p = Bytes(s) + kHeaderSize;
  const uint8_t* end = Bytes(s) + s.size();
  int covered = 0;
  while (p < end) {
    Op op = Decode(p, end);
    if (op.span > kRegisters - covered) return false;
    fn(op.value, op.span, covered);
    covered += op.span;
    p += op.size;
  }
  return covered == kRegisters;
}

// hllTau and hllSigma of Ertl's estimator, evaluated in the same order of
// operations as Redis 7.0 so the doubles (and the rounded estimate) agree.
double Tau(double x) {
  if (x == 0. || x == 1.) return 0.;
  double z_prev;
  double y = 1.0;
  double z = 1 - x;
  do {
    x = std::sqrt(x);
    z_prev = z;
    y *= 0.5;
    z -= std::pow(1 - x, 2) * y;
  } while (z_prev != z);
  return z / 3;
}

double Sigma(double x) {
  if (x == 1.) return INFINITY;
  double z_prev;
  double y = 1;
  double z = x;
  do {
    x *= x;
    z_prev = z;
    z += x * y;
    y += y;
  } while (z_prev != z);
  return z;
}

// The estimate from a histogram of register values (hist[v] = registers
// holding v, v in 0..kHashRunBits+1).
uint64_t Estimate(const int* hist) {
  const double m = kRegisters;
  double z = m * Tau((m - hist[kHashRunBits + 1]) / m);
  for (int j = kHashRunBits; j >= 1; --j) {
    z += hist[j];
    z *= 0.5;
  }
  z += m * Sigma(hist[0] / m);
  return static_cast<uint64_t>(std::llround(kAlphaInf * m * m / z));
}

int DenseSet(uint8_t* regs, int index, int value) {
  if (DenseRegister(regs, index) >= value) return 0;
  SetDenseRegister(regs, index, value);
  return 1;
}

// Redis's hllSparseSet. REQUIRES: encoding sparse.
int SparseSet(ds::sds* sp, int index, int value, size_t sparse_max_bytes) {
  if (value > kSparseMaxValue) {
    if (SparseToDense(sp) < 0) return -1;
    return DenseSet(Bytes(*sp) + kHeaderSize, index, value);
  }
  // Room for the worst case (one opcode becoming three) before taking
  // pointers into the string.
  *sp = ds::SdsMakeRoomFor(*sp, 3);
  uint8_t* const start = Bytes(*sp) + kHeaderSize;
  uint8_t* end = Bytes(*sp) + ds::SdsLen(*sp);
  // Find the opcode covering the register, and the one before it.
  uint8_t* p = start;
  uint8_t* prev = nullptr;
  int first = 0;
  Op op{0, 0, 0};
  while (p < end) {
    op = Decode(p, end);
    if (index <= first + op.span - 1) break;
    prev = p;
    p += op.size;
    first += op.span;
  }
  if (p >= end) return -1;  // the code covers fewer registers: corrupt
  // An XZERO cut short by the end of the string (its second byte read as
  // the NUL terminator). Redis edits it anyway and its new sequence then
  // ends one byte past the string, where the terminator was: that byte is
  // lost. Keep the same bytes (and a terminator).
  const bool truncated = p + op.size > end;
  const bool is_val = !IsZero(p) && !IsXZero(p);
  if (is_val) {
    if (op.value >= value) return 0;  // the register already holds as much
  }
  if (op.span == 1 && !IsXZero(p)) {
    // A single-register VAL or ZERO becomes VAL(value) in place.
    PutVal(p, value, 1);
  } else {
    // Split the run: [prefix] VAL(value, 1) [suffix], each side of the same
    // kind as the run it comes from.
    uint8_t seq[5];
    uint8_t* n = seq;
    const int last = first + op.span - 1;
    if (!is_val) {
      if (index != first) PutZeroRun(&n, index - first);
      PutVal(n++, value, 1);
      if (index != last) PutZeroRun(&n, last - index);
    } else {
      if (index != first) PutVal(n++, op.value, index - first);
      PutVal(n++, value, 1);
      if (index != last) PutVal(n++, op.value, last - index);
    }
    const int seqlen = static_cast<int>(n - seq);
    const int delta = seqlen - op.size;
    if (delta > 0 && ds::SdsLen(*sp) + static_cast<size_t>(delta) > sparse_max_bytes) {
      if (SparseToDense(sp) < 0) return -1;
      return DenseSet(Bytes(*sp) + kHeaderSize, index, value);
    }
    uint8_t* next = p + op.size;
    if (delta != 0 && next < end) memmove(next + delta, next, static_cast<size_t>(end - next));
    memcpy(p, seq, static_cast<size_t>(truncated ? seqlen - 1 : seqlen));
    ds::SdsIncrLen(*sp, delta);
    end += delta;
  }
  // Merge adjacent VAL opcodes of equal value around the change, looking at
  // up to five opcodes from the one before it (Redis's window).
  p = prev != nullptr ? prev : start;
  int budget = 5;
  while (p < end && budget-- > 0) {
    if (IsXZero(p)) {
      p += 2;
      continue;
    }
    if (IsZero(p)) {
      p++;
      continue;
    }
    if (p + 1 < end && !IsZero(p + 1) && !IsXZero(p + 1) && ValValue(p) == ValValue(p + 1)) {
      const int len = ValLen(p) + ValLen(p + 1);
      if (len <= kValMaxLen) {
        PutVal(p + 1, ValValue(p), len);
        memmove(p, p + 1, static_cast<size_t>(end - p - 1));
        ds::SdsIncrLen(*sp, -1);
        end--;
        continue;  // the merged opcode may merge with the next one too
      }
    }
    p++;
  }
  InvalidateCache(*sp);
  return 1;
}

}  // namespace

uint64_t MurmurHash64A(const void* key, size_t len, uint64_t seed) {
  constexpr uint64_t m = 0xc6a4a7935bd1e995ULL;
  constexpr int r = 47;
  const uint8_t* data = static_cast<const uint8_t*>(key);
  uint64_t h = seed ^ (len * m);
  const size_t blocks = len / 8;
  for (size_t i = 0; i < blocks; i++, data += 8) {
    uint64_t k = 0;
    for (int b = 7; b >= 0; b--) k = (k << 8) | data[b];  // little endian on any host
    k *= m;
    k ^= k >> r;
    k *= m;
    h ^= k;
    h *= m;
  }
  const size_t tail = len & 7;
  if (tail != 0) {
    for (size_t b = tail; b-- > 0;) h ^= static_cast<uint64_t>(data[b]) << (8 * b);
    h *= m;
  }
  h ^= h >> r;
  h *= m;
  h ^= h >> r;
  return h;
}

int PatternLength(std::string_view element, int* index) {
  uint64_t hash = MurmurHash64A(element.data(), element.size(), kHashSeed);
  *index = static_cast<int>(hash & (kRegisters - 1));
  hash >>= kPrecision;
  hash |= uint64_t{1} << kHashRunBits;  // a run ends at bit 50 at the latest
  return __builtin_ctzll(hash) + 1;
}

bool IsValid(std::string_view s) {
  if (s.size() < kHeaderSize || memcmp(s.data(), kMagic, sizeof(kMagic)) != 0) return false;
  const int enc = EncodingOf(s);
  if (enc != kDense && enc != kSparse) return false;
  return enc != kDense || s.size() == kDenseSize;
}

ds::sds CreateEmpty() {
  ds::sds s = ds::SdsNewLen(nullptr, kHeaderSize + 2, ds::SdsUse::kPayload);
  memcpy(s, kMagic, sizeof(kMagic));
  s[kEncodingAt] = static_cast<char>(kSparse);
  PutXZero(Bytes(s) + kHeaderSize, kXZeroMaxLen);
  static_assert(kRegisters == kXZeroMaxLen, "one XZERO covers an empty HLL");
  return s;
}

int DenseRegister(const uint8_t* regs, int i) {
  const size_t bit = static_cast<size_t>(i) * kRegisterBits;
  const size_t byte = bit >> 3;
  const unsigned shift = bit & 7;
  unsigned v = regs[byte] >> shift;
  if (shift > 8 - kRegisterBits) v |= static_cast<unsigned>(regs[byte + 1]) << (8 - shift);
  return static_cast<int>(v & kRegisterMax);
}

void SetDenseRegister(uint8_t* regs, int i, int value) {
  const size_t bit = static_cast<size_t>(i) * kRegisterBits;
  const size_t byte = bit >> 3;
  const unsigned shift = bit & 7;
  const unsigned v = static_cast<unsigned>(value) & kRegisterMax;
  regs[byte] = static_cast<uint8_t>((regs[byte] & ~(kRegisterMax << shift)) | (v << shift));
  if (shift > 8 - kRegisterBits) {
    const unsigned high = 8 - shift;  // bits of the register in the first byte
    regs[byte + 1] = static_cast<uint8_t>((regs[byte + 1] & ~(kRegisterMax >> high)) | (v >> high));
  }
}

int SetRegister(ds::sds* s, int index, int value, size_t sparse_max_bytes) {
  switch (EncodingOf(ds::SdsView(*s))) {
    case kDense: return DenseSet(Bytes(*s) + kHeaderSize, index, value);
    case kSparse: return SparseSet(s, index, value, sparse_max_bytes);
    default: return -1;
  }
}

int Add(ds::sds* s, std::string_view element, size_t sparse_max_bytes) {
  int index;
  const int value = PatternLength(element, &index);
  return SetRegister(s, index, value, sparse_max_bytes);
}

int SparseToDense(ds::sds* sp) {
  std::string_view old = ds::SdsView(*sp);
  if (EncodingOf(old) == kDense) return 0;
  ds::sds dense = ds::SdsNewLen(nullptr, kDenseSize, ds::SdsUse::kPayload);
  memcpy(dense, old.data(), kHeaderSize);
  dense[kEncodingAt] = static_cast<char>(kDense);
  uint8_t* regs = Bytes(dense) + kHeaderSize;
  auto put = [regs](int value, int span, int from) {
    if (value == 0) return;
    for (int i = 0; i < span; i++) SetDenseRegister(regs, from + i, value);
  };
  if (!ForEachRun(old, put)) {
    ds::SdsFree(dense);
    return -1;
  }
  ds::SdsFree(*sp);
  *sp = dense;
  return 1;
}

bool CachedCardinality(std::string_view s, uint64_t* card) {
  const uint8_t* c = Bytes(s) + kCardAt;
  if (c[7] & kCacheStale) return false;
  uint64_t v = 0;
  for (int i = 7; i >= 0; i--) v = (v << 8) | c[i];
  *card = v;
  return true;
}

void StoreCardinality(ds::sds s, uint64_t card) {
  uint8_t* c = Bytes(s) + kCardAt;
  for (int i = 0; i < 8; i++) c[i] = static_cast<uint8_t>(card >> (8 * i));
}

void InvalidateCache(ds::sds s) { Bytes(s)[kCardAt + 7] |= kCacheStale; }

bool MergeInto(uint8_t* max, std::string_view s) {
  if (EncodingOf(s) == kDense) {
    const uint8_t* regs = Bytes(s) + kHeaderSize;
    for (int i = 0; i < kRegisters; i++) max[i] = std::max(max[i], static_cast<uint8_t>(DenseRegister(regs, i)));
    return true;
  }
  auto merge = [max](int value, int span, int from) {
    for (int i = from; i < from + span; i++) max[i] = std::max(max[i], static_cast<uint8_t>(value));
  };
  return ForEachRun(s, merge);
}

bool Count(std::string_view s, uint64_t* card) {
  int hist[64] = {};
  if (EncodingOf(s) == kDense) {
    const uint8_t* regs = Bytes(s) + kHeaderSize;
    for (int i = 0; i < kRegisters; i++) hist[DenseRegister(regs, i)]++;
  } else {
    auto tally = [&hist](int value, int span, int) { hist[value] += span; };
    if (!ForEachRun(s, tally)) return false;
  }
  *card = Estimate(hist);
  return true;
}

uint64_t CountRegisters(const uint8_t* regs) {
  int hist[64] = {};
  for (int i = 0; i < kRegisters; i++) hist[regs[i] & kRegisterMax]++;
  return Estimate(hist);
}

std::string DecodeSparse(std::string_view s) {
  std::string out;
  const uint8_t* p = Bytes(s) + kHeaderSize;
  const uint8_t* end = Bytes(s) + s.size();
  while (p < end) {
    if (!out.empty()) out += ' ';
    if (IsZero(p)) {
      out += "z:" + std::to_string(ZeroLen(p));
      p++;
    } else if (IsXZero(p)) {
      out += "Z:" + std::to_string(Decode(p, end).span);
      p += 2;
    } else {
      out += "v:" + std::to_string(ValValue(p)) + "," + std::to_string(ValLen(p));
      p++;
    }
  }
  return out;
}

std::string SelfTest() {
  // 1. Dense registers: every register keeps what was written, whatever its
  //    neighbours hold.
  std::mt19937_64 rng(16);
  uint8_t regs[kDenseSize - kHeaderSize + 1] = {};
  uint8_t expect[kRegisters];
  for (int round = 0; round < 10; round++) {
    for (int i = 0; i < kRegisters; i++) {
      expect[i] = static_cast<uint8_t>(rng() & kRegisterMax);
      SetDenseRegister(regs, i, expect[i]);
    }
    for (int i = 0; i < kRegisters; i++) {
      if (DenseRegister(regs, i) != expect[i]) return "TESTFAILED Register error at index " + std::to_string(i);
    }
  }
  // 2. The same elements in a sparse and a dense HLL give the same count,
  //    within the estimator's error, at growing cardinalities.
  ds::sds sparse = CreateEmpty();
  ds::sds dense = CreateEmpty();
  SparseToDense(&dense);
  const double relerr = 1.04 / std::sqrt(static_cast<double>(kRegisters));
  std::string failure;
  uint64_t checkpoint = 1;
  for (uint64_t j = 1; j <= 100000 && failure.empty(); j++) {
    const uint64_t ele = rng();
    std::string_view e(reinterpret_cast<const char*>(&ele), sizeof(ele));
    Add(&sparse, e, kDefaultSparseMaxBytes);
    Add(&dense, e, 0);
    if (j != checkpoint) continue;
    checkpoint *= 10;
    uint64_t a = 0, b = 0;
    Count(ds::SdsView(sparse), &a);
    Count(ds::SdsView(dense), &b);
    if (a != b) failure = "TESTFAILED sparse and dense counts differ at " + std::to_string(j);
    const double tolerance = j < 10 ? 0 : j <= 1000 ? relerr * 6 : relerr * 4;
    const double err = std::fabs(static_cast<double>(j) - static_cast<double>(b)) / static_cast<double>(j);
    if (failure.empty() && err > tolerance + 1e-9) {
      failure = "TESTFAILED Too big error. card:" + std::to_string(j) + " abserr:" + std::to_string(err);
    }
  }
  ds::SdsFree(sparse);
  ds::SdsFree(dense);
  return failure;
}

}  // namespace object::hll
