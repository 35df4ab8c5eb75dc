// Tests for common/lzf.h and common/crc64.h, including a DUMP payload taken
// from Debian's redis-server 7.0.15: its LZF body must decompress here and
// its CRC-64 trailer must match ours.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "common/crc64.h"
#include "common/lzf.h"
#include "gtest/gtest.h"

namespace common {
namespace {

// ---- CRC ---------------------------------------------------------------------

// Bit-at-a-time CRC-64/Jones straight from the definition (reflected, so the
// polynomial is applied LSB first in its bit-reversed form).
uint64_t SlowCrc64(uint64_t crc, const uint8_t* p, size_t len) {
  for (size_t i = 0; i < len; i++) {
    crc ^= p[i];
    for (int b = 0; b < 8; b++) crc = (crc & 1) ? (crc >> 1) ^ 0x95ac9329ac4bc9b5ULL : crc >> 1;
  }
  return crc;
}

TEST(Crc64, CheckValue) {
  EXPECT_EQ(Crc64(0, "123456789", 9), 0xe9c6d914c4b8d9caULL);
  EXPECT_EQ(Crc64(0, "", 0), 0u);
  EXPECT_EQ(Crc64(0x1234, "", 0), 0x1234u);
}

TEST(Crc64, TableAgreesWithBitwiseAndIsIncremental) {
  std::mt19937 rng(64);
  std::vector<uint8_t> buf(5000);
  for (auto& b : buf) b = static_cast<uint8_t>(rng());
  for (int i = 0; i < 300; i++) {
    size_t off = rng() % 64;  // unaligned starts exercise the 8-byte loads
    size_t len = rng() % (buf.size() - off);
    uint64_t want = SlowCrc64(0, buf.data() + off, len);
    ASSERT_EQ(Crc64(0, buf.data() + off, len), want) << off << "+" << len;
    size_t cut = len ? rng() % len : 0;
    uint64_t part = Crc64(0, buf.data() + off, cut);
    ASSERT_EQ(Crc64(part, buf.data() + off + cut, len - cut), want);
  }
}

TEST(Crc16, CheckValueAndKeySlots) {
  EXPECT_EQ(Crc16("123456789", 9), 0x31c3);
  EXPECT_EQ(Crc16("", 0), 0);
  // CLUSTER KEYSLOT examples from the Redis documentation.
  EXPECT_EQ(Crc16("foo", 3) & 16383, 12182);
  EXPECT_EQ(Crc16("bar", 3) & 16383, 5061);
  EXPECT_EQ(Crc16("hello", 5) & 16383, 866);
}

// ---- LZF: format ---------------------------------------------------------------

std::string Compress(const std::string& in, size_t out_cap) {
  std::vector<char> out(out_cap);
  size_t n = LzfCompress(in.data(), in.size(), out.data(), out.size());
  return std::string(out.data(), n);
}

std::string Decompress(const std::string& in, size_t out_cap, size_t* n_out = nullptr) {
  std::vector<char> out(out_cap);
  size_t n = LzfDecompress(in.data(), in.size(), out.data(), out.size());
  if (n_out) *n_out = n;
  return std::string(out.data(), n);
}

TEST(Lzf, HandWrittenStreams) {
  // Literal "abc", then a reference of length 3 at distance 3.
  std::string stream("\x02" "abc" "\x20\x02", 6);
  EXPECT_EQ(Decompress(stream, 6), "abcabc");
  // Overlapping reference: 'a' then 9 bytes copied from 1 back (extended length).
  std::string rle("\x00" "a" "\xe0\x00\x00", 5);
  EXPECT_EQ(Decompress(rle, 10), "aaaaaaaaaa");
  // Our compressor produces exactly that stream for ten 'a'.
  EXPECT_EQ(Compress("aaaaaaaaaa", 64), rle);
  // A 32-byte literal run is the longest one control byte allows.
  std::string lit32(32, 'x');
  for (int i = 0; i < 32; i++) lit32[i] = static_cast<char>('A' + i);
  std::string c = Compress(lit32, 64);
  ASSERT_EQ(c.size(), 33u);
  EXPECT_EQ(static_cast<uint8_t>(c[0]), 31);
  std::string lit33 = lit32 + "!";
  c = Compress(lit33, 64);
  ASSERT_EQ(c.size(), 35u);  // a second run for the 33rd byte
  EXPECT_EQ(static_cast<uint8_t>(c[33]), 0);
}

// DUMP of a 660-byte string from Redis 7.0.15: type 0, 0xc3 (LZF), clen 248,
// len 660, the LZF body, RDB version 10, CRC-64 little-endian.
const char kRedisDumpHex[] =
    "00c340f842940d74696572656469733a3030303a74e0010c0031e0030c0032e0030c0033e0030c0034e0030c0035e0030c00"
    "36e0030c0037e0030c0038e0030c0039e0020c0031e003810031e003810031e003810031e003810031e003810031e0038100"
    "31e003810031e003810031e003810031e003810032e003810032e003810032e003810032e003810032e003810032e0038100"
    "32e003810032e003810032e003810032e003810033e003810033e003810033e003810033e003810033e003810033e0038100"
    "33e00381e114e00041e05a001f000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f0720212223"
    "242526270a001818fd0800bfdeda";

std::string FromHex(const char* hex) {
  std::string r;
  for (size_t i = 0; hex[i] && hex[i + 1]; i += 2) {
    r.push_back(static_cast<char>(std::stoi(std::string(hex + i, 2), nullptr, 16)));
  }
  return r;
}

// The value stored before DUMP: "tieredis:NNN:" for i in 0..39 (NNN = i mod
// 37), 100 'A', then bytes 0..39.
std::string RedisDumpValue() {
  std::string v;
  char buf[32];
  for (int i = 0; i < 40; i++) {
    snprintf(buf, sizeof(buf), "tieredis:%03d:", i % 37);
    v += buf;
  }
  v += std::string(100, 'A');
  for (int i = 0; i < 40; i++) v.push_back(static_cast<char>(i));
  return v;
}

TEST(Lzf, DecompressesRealRedisDump) {
  std::string dump = FromHex(kRedisDumpHex);
  ASSERT_EQ(dump.size(), 264u);
  std::string value = RedisDumpValue();
  ASSERT_EQ(value.size(), 660u);
  ASSERT_EQ(static_cast<uint8_t>(dump[1]), 0xc3);
  // 14-bit lengths: 0x40f8 -> 248, 0x4294 -> 660.
  std::string body = dump.substr(6, 248);
  size_t n;
  EXPECT_EQ(Decompress(body, 660, &n), value);
  EXPECT_EQ(n, 660u);
  // One byte short of room: refused, not truncated.
  EXPECT_EQ(Decompress(body, 659, &n), "");
  // The trailer is the CRC-64 of everything before it.
  uint64_t trailer = 0;
  for (int i = 7; i >= 0; i--) trailer = (trailer << 8) | static_cast<uint8_t>(dump[256 + i]);
  EXPECT_EQ(Crc64(0, dump.data(), 256), trailer);
  // Our own compression of the same value is in the same ballpark and round trips.
  std::string ours = Compress(value, 660);
  ASSERT_GT(ours.size(), 0u);
  EXPECT_LE(ours.size(), 260u);
  EXPECT_EQ(Decompress(ours, 660), value);
}

// ---- LZF: round trips ----------------------------------------------------------

std::string RandomBytes(std::mt19937& rng, size_t n, int alphabet) {
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng() % alphabet);
  return s;
}

std::string Words(std::mt19937& rng, size_t n) {
  static const char* kWords[] = {"alpha", "beta", "gamma", "delta", "tier", "redis", "\x01\x02", " "};
  std::string s;
  while (s.size() < n) s += kWords[rng() % 8];
  s.resize(n);
  return s;
}

void ExpectRoundTrip(const std::string& in) {
  // Worst case growth: one control byte per 32 literals.
  size_t cap = in.size() + in.size() / 32 + 1;
  std::string c = Compress(in, cap);
  ASSERT_GT(c.size(), 0u) << in.size();
  size_t n;
  ASSERT_EQ(Decompress(c, in.size(), &n), in);
  ASSERT_EQ(n, in.size());
  // An output buffer of exactly the compressed size is enough, one less is not.
  EXPECT_EQ(Compress(in, c.size()), c);
  EXPECT_EQ(Compress(in, c.size() - 1), "");
}

TEST(Lzf, RoundTrips) {
  std::mt19937 rng(2024);
  for (size_t n : {1, 2, 3, 4, 5, 31, 32, 33, 100, 264, 265, 1000, 8192, 8193, 9000, 70000, 300000}) {
    SCOPED_TRACE(n);
    ExpectRoundTrip(RandomBytes(rng, n, 256));
    ExpectRoundTrip(RandomBytes(rng, n, 3));
    ExpectRoundTrip(Words(rng, n));
    ExpectRoundTrip(std::string(n, 'z'));
  }
  // Repeats farther than the 8 KiB window still round trip.
  std::string block = RandomBytes(rng, 9000, 256);
  ExpectRoundTrip(block + block + block);
}

TEST(Lzf, CompressesRepetitiveData) {
  std::mt19937 rng(3);
  std::string words = Words(rng, 100000);
  EXPECT_LT(Compress(words, words.size()).size(), words.size() / 2);
  std::string same(100000, 'q');
  // 264 bytes per 3-byte reference.
  EXPECT_LT(Compress(same, same.size()).size(), 1200u);
}

TEST(Lzf, IncompressibleDoesNotFit) {
  std::mt19937 rng(11);
  std::string noise = RandomBytes(rng, 4096, 256);
  // Redis asks for at most len-4 bytes; random data needs more.
  EXPECT_EQ(Compress(noise, noise.size() - 4), "");
  char out[1];
  EXPECT_EQ(LzfCompress("", 0, out, sizeof(out)), 0u);
  EXPECT_EQ(LzfCompress("abc", 3, out, 0), 0u);
}

// ---- LZF: against a reference compressor ----------------------------------------

// The compressor this file replaced, kept as the reference for compression
// ratio: greedy, a fresh table per call, and every position hashed, inside
// references too (the most thorough of the greedy choices). The fast one
// hashes only the last two positions of a reference and must compress
// almost as well.
size_t ReferenceCompress(const std::string& in, std::string* out) {
  constexpr int kBits = 14;
  std::vector<uint32_t> table(1 << kBits, UINT32_MAX);
  auto hash = [&](size_t p) {
    uint32_t v = (static_cast<uint8_t>(in[p]) << 16) | (static_cast<uint8_t>(in[p + 1]) << 8) |
                 static_cast<uint8_t>(in[p + 2]);
    return (v * 2654435761u) >> (32 - kBits);
  };
  out->clear();
  size_t ip = 0, lit = 0, lit_ctl = 0;
  auto literal = [&](char c) {
    if (lit == 0) {
      lit_ctl = out->size();
      out->push_back(0);
    }
    out->push_back(c);
    (*out)[lit_ctl] = static_cast<char>(lit);
    if (++lit == 32) lit = 0;
  };
  while (ip < in.size()) {
    if (ip + 3 <= in.size()) {
      uint32_t h = hash(ip);
      size_t ref = table[h];
      table[h] = static_cast<uint32_t>(ip);
      if (ref < ip && ip - ref <= 8192 && in.compare(ref, 3, in, ip, 3) == 0) {
        size_t len = 3, max = std::min<size_t>(in.size() - ip, 264);
        while (len < max && in[ref + len] == in[ip + len]) len++;
        size_t off = ip - ref - 1, code = len - 2;
        if (code < 7) {
          out->push_back(static_cast<char>((code << 5) | (off >> 8)));
        } else {
          out->push_back(static_cast<char>((7 << 5) | (off >> 8)));
          out->push_back(static_cast<char>(code - 7));
        }
        out->push_back(static_cast<char>(off & 0xff));
        lit = 0;
        for (size_t p = ip + 1; p < ip + len && p + 3 <= in.size(); p++) table[hash(p)] = static_cast<uint32_t>(p);
        ip += len;
        continue;
      }
    }
    literal(in[ip++]);
  }
  return out->size();
}

TEST(Lzf, CompressesAlmostAsWellAsTheThoroughReference) {
  std::mt19937 rng(99);
  std::vector<std::string> inputs = {Words(rng, 1024), Words(rng, 100000), RandomBytes(rng, 5000, 4),
                                     std::string(1018, 'x'), RedisDumpValue()};
  // The benchmark's values: a counter, a colon, then filler.
  inputs.push_back("76860:" + std::string(1018, 'x'));
  for (const std::string& in : inputs) {
    SCOPED_TRACE(in.size());
    std::string ref;
    size_t ref_len = ReferenceCompress(in, &ref);
    // The reference's stream is valid LZF too (it checks the test's oracle).
    ASSERT_EQ(Decompress(ref, in.size()), in);
    std::string ours = Compress(in, in.size() + in.size() / 32 + 1);
    ASSERT_EQ(Decompress(ours, in.size()), in);
    EXPECT_LE(ours.size(), ref_len + ref_len / 20 + 2);  // within 5%
  }
}

TEST(Lzf, OutputDependsOnTheInputAlone) {
  // The table keeps entries of earlier calls; none may change the output.
  std::mt19937 rng(5);
  std::string a = Words(rng, 3000), b = Words(rng, 3000), c = RandomBytes(rng, 3000, 3);
  std::string first = Compress(a, a.size() * 2);
  Compress(b, b.size() * 2);
  Compress(c, c.size() * 2);
  Compress(a.substr(100), a.size() * 2);  // the same bytes at other offsets
  EXPECT_EQ(Compress(a, a.size() * 2), first);
}

TEST(Lzf, TableBaseWrapsAround) {
  // Each call advances the table's base by its input size; when the next
  // input would take it past 2^32 the table is cleared and the base
  // restarts. Outputs before, across and after the wrap are the same.
  std::mt19937 rng(8);
  std::string probe = Words(rng, 2000), other = Words(rng, 2000);
  std::string want = Compress(probe, probe.size() * 2);
  for (uint64_t gap : {0, 1, 1000, 1999, 2000, 2001, 2002, 5000}) {
    SCOPED_TRACE(gap);
    LzfSetNextBaseForTest(UINT32_MAX - gap);
    // This one either fits below 2^32 (its entries then sit just under the
    // limit) or wraps; the next starts over from base 1 or wraps itself.
    EXPECT_EQ(Decompress(Compress(other, other.size() * 2), other.size()), other);
    EXPECT_EQ(Compress(probe, probe.size() * 2), want);
    EXPECT_EQ(Compress(probe, probe.size() * 2), want);
  }
}

// ---- LZF: corrupt input ---------------------------------------------------------

TEST(Lzf, CorruptStreamsAreRejectedSafely) {
  // Reference before the start of the output.
  EXPECT_EQ(Decompress(std::string("\x20\x05", 2), 100), "");
  EXPECT_EQ(Decompress(std::string("\x00" "a" "\x20\x01", 4), 100), "");
  // Truncated: literal run longer than the input, reference missing its bytes.
  EXPECT_EQ(Decompress(std::string("\x05" "ab", 3), 100), "");
  EXPECT_EQ(Decompress(std::string("\x00" "a" "\x20", 3), 100), "");
  EXPECT_EQ(Decompress(std::string("\x00" "a" "\xe0", 3), 100), "");
  EXPECT_EQ(Decompress(std::string("\x00" "a" "\xe0\x01", 4), 100), "");
  // Output too small for a literal or a reference.
  EXPECT_EQ(Decompress(std::string("\x02" "abc", 4), 2), "");
  EXPECT_EQ(Decompress(std::string("\x00" "a" "\x20\x00", 4), 3), "");
  EXPECT_EQ(Decompress("", 10), "");

  // Mutations of valid streams: whatever comes out stays in bounds (ASan
  // checks the buffers, which are sized exactly) and a non-zero result never
  // exceeds the room given.
  std::mt19937 rng(777);
  for (int iter = 0; iter < 3000; iter++) {
    std::string plain = iter % 2 ? Words(rng, 1 + rng() % 3000) : RandomBytes(rng, 1 + rng() % 3000, 4);
    std::string c = Compress(plain, plain.size() + plain.size() / 32 + 1);
    ASSERT_FALSE(c.empty());
    std::string bad = c;
    switch (iter % 4) {
      case 0:  // flip bytes
        for (int k = 1 + rng() % 4; k > 0; k--) bad[rng() % bad.size()] ^= static_cast<char>(1 + rng() % 255);
        break;
      case 1:  // truncate
        bad.resize(rng() % bad.size());
        break;
      case 2:  // random garbage of the same size
        bad = RandomBytes(rng, bad.size(), 256);
        break;
      case 3:  // extend with garbage
        bad += RandomBytes(rng, 1 + rng() % 16, 256);
        break;
    }
    size_t room = rng() % 2 ? plain.size() : 1 + rng() % (plain.size() * 2);
    std::vector<char> in(bad.begin(), bad.end());
    std::vector<char> out(room);
    size_t n = LzfDecompress(in.data(), in.size(), out.data(), out.size());
    ASSERT_LE(n, room);
    // The size walk agrees with a decompression given room for the most any
    // stream can expand (88x): same size, or both refuse.
    std::vector<char> ample(in.size() * 88 + 1);
    ASSERT_EQ(LzfDecompressedSize(in.data(), in.size()), LzfDecompress(in.data(), in.size(), ample.data(), ample.size()));
  }
}

TEST(Lzf, DecompressedSizeWalksWithoutWriting) {
  std::mt19937 rng(4242);
  for (int iter = 0; iter < 500; iter++) {
    std::string plain = iter % 2 ? Words(rng, 1 + rng() % 5000) : RandomBytes(rng, 1 + rng() % 5000, 8);
    std::string c = Compress(plain, plain.size() + plain.size() / 32 + 1);
    ASSERT_EQ(LzfDecompressedSize(c.data(), c.size()), plain.size());
  }
  // The longest expansion: one literal, then 3-byte references of 264 bytes.
  std::string maxed = std::string("\x00" "a", 2);
  for (int i = 0; i < 1000; i++) maxed += std::string("\xe0\xff\x00", 3);
  EXPECT_EQ(LzfDecompressedSize(maxed.data(), maxed.size()), 1u + 264u * 1000u);
  // The corrupt streams LzfDecompress refuses.
  for (const std::string& bad : {std::string("\x20\x05", 2), std::string("\x05" "ab", 3),
                                 std::string("\x00" "a" "\xe0", 3), std::string("\x00" "a" "\xe0\x01", 4),
                                 std::string()})
    EXPECT_EQ(LzfDecompressedSize(bad.data(), bad.size()), 0u) << bad.size();
}

}  // namespace
}  // namespace common
