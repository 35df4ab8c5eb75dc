// Listpack tests: Redis 7.0's exact bytes, and randomized operations
// against a std::vector oracle with fixed seeds.
#include "ds/listpack.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "alloc/zmalloc.h"
#include "common/util.h"

namespace ds {
namespace {

std::vector<unsigned char> FromHex(const std::string& hex) {
  std::vector<unsigned char> out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) out.push_back(static_cast<unsigned char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  return out;
}

std::vector<std::string> Elements(const unsigned char* lp) {
  std::vector<std::string> out;
  char buf[kLpIntBufSize];
  for (unsigned char* p = LpFirst(lp); p; p = LpNext(lp, p)) out.emplace_back(LpGetView(p, buf));
  return out;
}

std::vector<std::string> ElementsBackwards(const unsigned char* lp) {
  std::vector<std::string> out;
  char buf[kLpIntBufSize];
  for (unsigned char* p = LpLast(lp); p; p = LpPrev(lp, p)) out.insert(out.begin(), std::string(LpGetView(p, buf)));
  return out;
}

// The values HSET f0..f27 stored in a hash in Debian's redis-server 7.0.15
// (hash-max-listpack-value raised so every one stays in the listpack); the
// hex is the listpack blob of that hash's DUMP payload (rdbcompression no).
const std::vector<std::string> kGoldenValues = {
    "a", "hello", "0", "127", "128", "-1", "-4096", "4095", "4096", "-4097", "-32768", "32767", "32768",
    "8388607", "-8388608", "8388608", "2147483647", "-2147483648", "2147483648", "9223372036854775807",
    "-9223372036854775808", "007", "-0", " 1", "1.5", "", std::string(63, 'x'), std::string(64, 'y')};
const char kGoldenHex[] =
    "8a010000380082663003816102826631038568656c6c6f06826632030001826633037f0182663403c0800282663503df"
    "ff0282663603d0000282663703cfff0282663803f100100382663903f1ffef038366313004f10080038366313104f1ff"
    "7f038366313204f2008000048366313304f2ffff7f048366313404f2000080048366313504f300008000058366313604"
    "f3ffffff7f058366313704f300000080058366313804f40000008000000000098366313904f4ffffffffffffff7f0983"
    "66323004f4000000000000008009836632310483303037048366323204822d3003836632330482203103836632340483"
    "312e3504836632350480018366323604bf78787878787878787878787878787878787878787878787878787878787878"
    "7878787878787878787878787878787878787878787878787878787878787878408366323704e0407979797979797979"
    "797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979"
    "797979797979797942ff";

TEST(ListpackTest, SameBytesAsRedis70) {
  unsigned char* lp = LpNew();
  for (size_t i = 0; i < kGoldenValues.size(); i++) {
    lp = LpAppend(lp, "f" + std::to_string(i));
    lp = LpAppend(lp, kGoldenValues[i]);
  }
  std::vector<unsigned char> want = FromHex(kGoldenHex);
  ASSERT_EQ(LpBytes(lp), want.size());
  EXPECT_EQ(std::vector<unsigned char>(lp, lp + LpBytes(lp)), want);
  EXPECT_TRUE(LpValidateIntegrity(want.data(), want.size(), true));
  LpFree(lp);
}

TEST(ListpackTest, ReadsRedisBytes) {
  std::vector<unsigned char> want = FromHex(kGoldenHex);
  std::string_view bytes(reinterpret_cast<const char*>(want.data()), want.size());
  unsigned char* lp = LpFromBytes(bytes);
  std::vector<std::string> expect;
  for (size_t i = 0; i < kGoldenValues.size(); i++) {
    expect.push_back("f" + std::to_string(i));
    expect.push_back(kGoldenValues[i]);
  }
  EXPECT_EQ(Elements(lp), expect);
  EXPECT_EQ(ElementsBackwards(lp), expect);
  EXPECT_EQ(LpLength(lp), expect.size());
  // Canonical integers come back as integers, the rest as strings.
  LpValue v = LpGet(LpSeek(lp, 2 * 19 + 1));
  EXPECT_TRUE(v.is_int);
  EXPECT_EQ(v.ival, INT64_MAX);
  EXPECT_FALSE(LpGet(LpSeek(lp, 2 * 21 + 1)).is_int);  // "007"
  EXPECT_FALSE(LpGet(LpSeek(lp, 2 * 22 + 1)).is_int);  // "-0"
  LpFree(lp);
}

TEST(ListpackTest, StringLengthClassesAndBacklens) {
  // Lengths around every encoding and backlen boundary.
  const size_t lens[] = {0, 1, 63, 64, 125, 126, 127, 128, 4095, 4096, 16380, 16383, 16384, 70000};
  unsigned char* lp = LpNew();
  std::vector<std::string> expect;
  for (size_t n : lens) {
    std::string s(n, 'a' + static_cast<char>(n % 26));
    lp = LpAppend(lp, s);
    expect.push_back(s);
  }
  EXPECT_EQ(Elements(lp), expect);
  EXPECT_EQ(ElementsBackwards(lp), expect);
  EXPECT_TRUE(LpValidateIntegrity(lp, LpBytes(lp), true));
  LpFree(lp);
}

TEST(ListpackTest, FindWithSkip) {
  unsigned char* lp = LpNew();
  for (const char* s : {"k1", "v1", "12", "v2", "x", "v1"}) lp = LpAppend(lp, s);
  // Fields only (skip 1): "v1" as a value must not match.
  EXPECT_EQ(LpFind(lp, LpFirst(lp), "v1", 1), nullptr);
  unsigned char* p = LpFind(lp, LpFirst(lp), "12", 1);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p, LpSeek(lp, 2));
  EXPECT_EQ(LpFind(lp, LpFirst(lp), "v1", 0), LpSeek(lp, 1));
  EXPECT_EQ(LpFind(lp, LpFirst(lp), "012", 0), nullptr);
  EXPECT_TRUE(LpCompare(LpSeek(lp, 2), "12"));
  LpFree(lp);
}

TEST(ListpackTest, SeekNegativeAndOutOfRange) {
  unsigned char* lp = LpNew();
  for (int i = 0; i < 10; i++) lp = LpAppendInteger(lp, i);
  EXPECT_EQ(LpGet(LpSeek(lp, -1)).ival, 9);
  EXPECT_EQ(LpGet(LpSeek(lp, -10)).ival, 0);
  EXPECT_EQ(LpGet(LpSeek(lp, 7)).ival, 7);
  EXPECT_EQ(LpSeek(lp, 10), nullptr);
  EXPECT_EQ(LpSeek(lp, -11), nullptr);
  LpFree(lp);
}

TEST(ListpackTest, CountSaturatesAndIsRecomputed) {
  unsigned char* lp = LpNew();
  for (int i = 0; i < 70000; i++) lp = LpAppendInteger(lp, i % 100);
  EXPECT_EQ(LpLength(lp), 70000u);
  lp = LpDeleteRange(lp, 0, 69000);
  EXPECT_EQ(LpLength(lp), 1000u);
  EXPECT_TRUE(LpValidateIntegrity(lp, LpBytes(lp), true));
  LpFree(lp);
}

// unit_ds runs the allocator in logical mode with the static policy and a
// 64-byte threshold (sds_test.cc's environment).
TEST(ListpackTest, GrowsOntoTheNvmTierByPlacement) {
  const size_t nvm0 = alloc::UsedMemory(alloc::Tier::kNvm);
  unsigned char* lp = LpNew();
  EXPECT_FALSE(alloc::InNvmRange(lp));  // 7 bytes: below the threshold
  lp = LpAppend(lp, "abc");
  EXPECT_FALSE(alloc::InNvmRange(lp));
  for (int i = 0; i < 10; i++) lp = LpAppend(lp, "some payload bytes");
  EXPECT_TRUE(alloc::InNvmRange(lp));
  EXPECT_EQ(alloc::UsedMemory(alloc::Tier::kNvm) - nvm0, alloc::UsableSize(lp));
  // Shrinking keeps it on NVM.
  lp = LpDeleteRange(lp, 0, 10);
  lp = LpShrinkToFit(lp);
  EXPECT_TRUE(alloc::InNvmRange(lp));
  EXPECT_EQ(LpLength(lp), 1u);
  LpFree(lp);
  EXPECT_EQ(alloc::UsedMemory(alloc::Tier::kNvm), nvm0);

  alloc::SetPlacement({alloc::Policy::kDramOnly, 64, alloc::KeysTier::kDram});
  lp = LpNew();
  for (int i = 0; i < 100; i++) lp = LpAppend(lp, "some payload bytes");
  EXPECT_FALSE(alloc::InNvmRange(lp));
  LpFree(lp);
  alloc::SetPlacement({alloc::Policy::kStatic, 64, alloc::KeysTier::kDram});
}

TEST(ListpackTest, RandomOpsAgainstOracle) {
  std::mt19937_64 rng(301);
  auto random_value = [&rng]() -> std::string {
    switch (rng() % 6) {
      case 0: return std::to_string(static_cast<int64_t>(rng()));
      case 1: return std::to_string(static_cast<int64_t>(rng() % 20000) - 10000);
      case 2: return std::string(rng() % 70, 'a' + static_cast<char>(rng() % 26));
      case 3: return std::string(4000 + rng() % 200, 'q');
      case 4: return "0" + std::to_string(rng() % 100);  // not canonical: a string
      default: return std::to_string(rng() % 128);
    }
  };
  unsigned char* lp = LpNew();
  std::vector<std::string> oracle;
  for (int step = 0; step < 20000; step++) {
    int op = static_cast<int>(rng() % 8);
    std::string v = random_value();
    if (oracle.size() > 300) op = 5;  // keep it bounded: delete
    switch (op) {
      case 0: lp = LpAppend(lp, v); oracle.push_back(v); break;
      case 1: lp = LpPrepend(lp, v); oracle.insert(oracle.begin(), v); break;
      case 2:
      case 3: {
        if (oracle.empty()) break;
        size_t i = rng() % oracle.size();
        unsigned char* p = LpSeek(lp, static_cast<long>(i));
        unsigned char* np = nullptr;
        bool after = op == 3;
        lp = LpInsertString(lp, v, p, after ? LpWhere::kAfter : LpWhere::kBefore, &np);
        oracle.insert(oracle.begin() + static_cast<long>(i + (after ? 1 : 0)), v);
        char buf[kLpIntBufSize];
        ASSERT_EQ(LpGetView(np, buf), v);
        break;
      }
      case 4: {
        if (oracle.empty()) break;
        size_t i = rng() % oracle.size();
        unsigned char* p = LpSeek(lp, static_cast<long>(i));
        lp = LpReplace(lp, &p, v);
        oracle[i] = v;
        break;
      }
      case 5: {
        if (oracle.empty()) break;
        size_t i = rng() % oracle.size();
        unsigned char* next = nullptr;
        lp = LpDelete(lp, LpSeek(lp, static_cast<long>(i)), &next);
        oracle.erase(oracle.begin() + static_cast<long>(i));
        ASSERT_EQ(next, i < oracle.size() ? LpSeek(lp, static_cast<long>(i)) : nullptr);
        break;
      }
      case 6: {
        if (oracle.empty()) break;
        size_t i = rng() % oracle.size();
        size_t n = rng() % 5;
        lp = LpDeleteRange(lp, static_cast<long>(i), n);
        oracle.erase(oracle.begin() + static_cast<long>(i),
                     oracle.begin() + static_cast<long>(std::min(oracle.size(), i + n)));
        break;
      }
      default: {
        unsigned char* other = LpNew();
        other = LpAppend(other, v);
        lp = LpMerge(lp, other);
        oracle.push_back(v);
      }
    }
    if (step % 500 == 0) {
      ASSERT_TRUE(LpValidateIntegrity(lp, LpBytes(lp), true)) << step;
      ASSERT_EQ(Elements(lp), oracle) << step;
      ASSERT_EQ(ElementsBackwards(lp), oracle) << step;
      ASSERT_EQ(LpLength(lp), oracle.size());
    }
  }
  ASSERT_EQ(Elements(lp), oracle);
  LpFree(lp);
}

// Untrusted bytes (RDB, RESTORE): validation must reject corruption without
// reading outside the buffer (ASan checks that), and whatever it accepts
// must be walkable.
TEST(ListpackTest, ValidationRejectsCorruptionSafely) {
  std::vector<unsigned char> good = FromHex(kGoldenHex);
  std::mt19937_64 rng(7);
  int accepted = 0;
  for (int trial = 0; trial < 20000; trial++) {
    std::vector<unsigned char> bad = good;
    int flips = 1 + static_cast<int>(rng() % 3);
    for (int f = 0; f < flips; f++) bad[rng() % bad.size()] = static_cast<unsigned char>(rng());
    if (rng() % 4 == 0) bad.resize(rng() % bad.size());
    // Exact-size heap copy so ASan catches any overread.
    std::unique_ptr<unsigned char[]> buf(new unsigned char[bad.size() ? bad.size() : 1]);
    std::copy(bad.begin(), bad.end(), buf.get());
    if (LpValidateIntegrity(buf.get(), bad.size(), true)) {
      accepted++;
      size_t n = 0;
      for (unsigned char* p = LpFirst(buf.get()); p; p = LpNext(buf.get(), p)) n++;
      EXPECT_EQ(n, LpLength(buf.get()));
    }
  }
  EXPECT_LT(accepted, 20000);
  // Truncations of a valid blob are always rejected.
  for (size_t n = 0; n < good.size(); n++) EXPECT_FALSE(LpValidateIntegrity(good.data(), n, true)) << n;
}

}  // namespace
}  // namespace ds
