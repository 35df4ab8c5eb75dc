// SipHash (Aumasson & Bernstein, "SipHash: a fast short-input PRF", 2012),
// written from the paper's description: a 256-bit state of four 64-bit words
// initialised from the 128-bit key and four constants (the ASCII of
// "somepseudorandomlygeneratedbytes"), C rounds per 8-byte little-endian
// message word, a final word holding the length in its top byte, and D
// rounds after XOR-ing 0xff into v2. One template serves 1-2 and 2-4, and a
// flag folds ASCII upper case for the case-insensitive variant.
#include "ds/hash.h"

#include <bit>
#include <cstring>

namespace ds {
namespace {

// The initialisation constants of the paper.
constexpr uint64_t kInit0 = 0x736f6d6570736575ULL;  // "somepseu"
constexpr uint64_t kInit1 = 0x646f72616e646f6dULL;  // "dorandom"
constexpr uint64_t kInit2 = 0x6c7967656e657261ULL;  // "lygenera"
constexpr uint64_t kInit3 = 0x7465646279746573ULL;  // "tedbytes"
// XOR-ed into v2 before the finalization rounds (from the paper).
constexpr uint64_t kFinalXor = 0xff;

// The process-wide seed (see hash.h): zeros until SetHashSeed.
uint8_t g_seed[16] = {};

inline uint64_t LoadLe64(const uint8_t* p) {
  uint64_t v;
  memcpy(&v, p, sizeof(v));
  if constexpr (std::endian::native == std::endian::big) v = __builtin_bswap64(v);
  return v;
}

inline uint8_t FoldAscii(uint8_t c) { return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c; }

struct State {
  uint64_t v0, v1, v2, v3;
  void Round() {
    v0 += v1;
    v1 = std::rotl(v1, 13);
    v1 ^= v0;
    v0 = std::rotl(v0, 32);
    v2 += v3;
    v3 = std::rotl(v3, 16);
    v3 ^= v2;
    v0 += v3;
    v3 = std::rotl(v3, 21);
    v3 ^= v0;
    v2 += v1;
    v1 = std::rotl(v1, 17);
    v1 ^= v2;
    v2 = std::rotl(v2, 32);
  }
};

template <int kCRounds, int kDRounds, bool kNoCase>
uint64_t SipHash(const void* data, size_t n, const uint8_t key[16]) {
  const uint64_t k0 = LoadLe64(key);
  const uint64_t k1 = LoadLe64(key + 8);
  State s{k0 ^ kInit0, k1 ^ kInit1, k0 ^ kInit2, k1 ^ kInit3};
  const uint8_t* p = static_cast<const uint8_t*>(data);

  auto absorb = [&s](uint64_t m) {
    s.v3 ^= m;
    for (int i = 0; i < kCRounds; i++) s.Round();
    s.v0 ^= m;
  };

  const size_t whole = n & ~size_t{7};
  for (size_t off = 0; off < whole; off += 8) {
    uint64_t m;
    if constexpr (kNoCase) {
      uint8_t folded[8];
      for (int i = 0; i < 8; i++) folded[i] = FoldAscii(p[off + i]);
      m = LoadLe64(folded);
    } else {
      m = LoadLe64(p + off);
    }
    absorb(m);
  }
  // Last word: the 0..7 remaining bytes, little-endian, with n mod 256 in
  // the top byte.
  uint64_t last = static_cast<uint64_t>(n & 0xff) << 56;
  for (size_t i = 0; i < (n & 7); i++) {
    uint8_t c = p[whole + i];
    if constexpr (kNoCase) c = FoldAscii(c);
    last |= static_cast<uint64_t>(c) << (8 * i);
  }
  absorb(last);

  s.v2 ^= kFinalXor;
  for (int i = 0; i < kDRounds; i++) s.Round();
  return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

}  // namespace

uint64_t SipHash12(const void* p, size_t n, const uint8_t key[16]) {
  return SipHash<1, 2, false>(p, n, key);
}
uint64_t SipHash12NoCase(const void* p, size_t n, const uint8_t key[16]) {
  return SipHash<1, 2, true>(p, n, key);
}
uint64_t SipHash24(const void* p, size_t n, const uint8_t key[16]) {
  return SipHash<2, 4, false>(p, n, key);
}

void SetHashSeed(const uint8_t seed[16]) { memcpy(g_seed, seed, sizeof(g_seed)); }
void GetHashSeed(uint8_t out[16]) { memcpy(out, g_seed, sizeof(g_seed)); }

uint64_t HashBytes(const void* p, size_t n) { return SipHash<1, 2, false>(p, n, g_seed); }
uint64_t HashBytesNoCase(const void* p, size_t n) { return SipHash<1, 2, true>(p, n, g_seed); }

}  // namespace ds
