// sds: content and invariants against std::string, Redis's range/trim/repr
// semantics, header widths (including > 4 GiB), greedy growth, and tier
// placement through alloc:: (payloads of >= 64 bytes on the NVM range).
#include "ds/sds.h"

#include <climits>
#include <random>
#include <string>

#include "alloc/zmalloc.h"
#include "gtest/gtest.h"

namespace ds {
namespace {

// The whole unit_ds binary shares one allocator, set up once in logical mode
// (exact placement on any machine) with the static policy: payload blocks of
// at least 64 bytes go to the NVM range, keys stay in DRAM.
class AllocEnv : public ::testing::Environment {
 public:
  void SetUp() override {
    alloc::Options o;
    o.mode = alloc::Mode::kLogical;
    o.placement.policy = alloc::Policy::kStatic;
    o.placement.nvm_min_size = 64;
    o.placement.keys = alloc::KeysTier::kDram;
    auto s = alloc::Init(o);
    ASSERT_TRUE(s.ok()) << s.message();
  }
};
const auto* const kEnv = ::testing::AddGlobalTestEnvironment(new AllocEnv);

// The invariants of sds.h, checked from outside.
void ExpectValid(const sds s) {
  const size_t len = SdsLen(s);
  EXPECT_LE(len, SdsAlloc(s));
  EXPECT_EQ(s[len], '\0');
  EXPECT_EQ(SdsAvail(s), SdsAlloc(s) - len);
  EXPECT_EQ(static_cast<size_t>(s - static_cast<char*>(SdsAllocPtr(s))), SdsHeaderSize(s));
  // Header + capacity + NUL slot fit in the allocation.
  EXPECT_LE(SdsHeaderSize(s) + SdsAlloc(s) + 1, SdsAllocSize(s));
}

TEST(Sds, NewAndView) {
  sds s = SdsNew("hello", SdsUse::kMeta);
  EXPECT_EQ(SdsLen(s), 5u);
  EXPECT_EQ(SdsView(s), "hello");
  EXPECT_STREQ(s, "hello");
  ExpectValid(s);
  SdsFree(s);

  const char bin[] = {'a', '\0', 'b', '\0', 'c'};
  s = SdsNewLen(bin, sizeof(bin), SdsUse::kPayload);
  EXPECT_EQ(SdsView(s), std::string_view(bin, sizeof(bin)));
  ExpectValid(s);
  SdsFree(s);

  s = SdsNewLen(nullptr, 100, SdsUse::kMeta);
  ASSERT_EQ(SdsLen(s), 100u);
  for (size_t i = 0; i < 100; i++) EXPECT_EQ(s[i], '\0') << i;
  ExpectValid(s);
  SdsFree(s);

  s = SdsEmpty(SdsUse::kKey);
  EXPECT_EQ(SdsLen(s), 0u);
  EXPECT_EQ(s[0], '\0');
  EXPECT_EQ(SdsUseOf(s), SdsUse::kKey);
  ExpectValid(s);
  SdsFree(s);

  SdsFree(nullptr);  // a no-op
}

TEST(Sds, HeaderWidthFollowsLength) {
  struct Case {
    size_t len;
    size_t hdr;
  } cases[] = {{0, 3}, {1, 3}, {255, 3}, {256, 5}, {65535, 5}, {65536, 9}, {1 << 20, 9}};
  for (const Case& c : cases) {
    sds s = SdsNewLen(nullptr, c.len, SdsUse::kMeta);
    EXPECT_EQ(SdsHeaderSize(s), c.hdr) << c.len;
    EXPECT_EQ(SdsLen(s), c.len);
    ExpectValid(s);
    SdsFree(s);
  }
}

TEST(Sds, GrowingWidensHeaderAndKeepsContent) {
  sds s = SdsNew("x", SdsUse::kMeta);
  std::string oracle = "x";
  for (int i = 0; i < 70000; i += 997) {
    std::string chunk(997, static_cast<char>('a' + i % 26));
    s = SdsCat(s, chunk);
    oracle += chunk;
  }
  EXPECT_EQ(SdsView(s), oracle);
  EXPECT_EQ(SdsHeaderSize(s), 9u);
  ExpectValid(s);
  SdsFree(s);
}

// Lengths above 4 GiB need the 64-bit header. The block is reserved, not
// touched (only the NUL at the end is written), so this costs one page.
TEST(Sds, LengthAboveFourGiB) {
#ifdef TIEREDIS_SANITIZE
  // ASan poisons shadow memory for the whole block (1 byte per 8): 640 MB.
  GTEST_SKIP() << "too large for the sanitizer build";
#endif
  constexpr size_t kBig = (size_t{5} << 30) + 3;
  sds s = SdsNew("head", SdsUse::kMeta);
  s = SdsMakeRoomForNonGreedy(s, kBig);
  EXPECT_EQ(SdsHeaderSize(s), 17u);
  EXPECT_GE(SdsAvail(s), kBig);
  EXPECT_EQ(SdsView(s), "head");
  SdsIncrLen(s, static_cast<ssize_t>(kBig));
  EXPECT_EQ(SdsLen(s), kBig + 4);
  EXPECT_EQ(s[kBig + 4], '\0');
  EXPECT_EQ(std::string_view(s, 4), "head");
  EXPECT_GE(SdsAllocSize(s), kBig + 4 + 17 + 1);
  SdsIncrLen(s, -static_cast<ssize_t>(kBig));
  EXPECT_EQ(SdsView(s), "head");
  SdsFree(s);
}

TEST(Sds, GreedyGrowth) {
  // Below 1 MiB: capacity doubles the needed length.
  sds s = SdsNew("abc", SdsUse::kMeta);
  s = SdsMakeRoomFor(s, 10);
  EXPECT_GE(SdsAlloc(s), 26u);
  EXPECT_EQ(SdsView(s), "abc");
  SdsFree(s);

  // Non-greedy: just the size class.
  s = SdsNewLen(nullptr, 1000, SdsUse::kMeta);
  s = SdsMakeRoomForNonGreedy(s, 1000);
  EXPECT_GE(SdsAvail(s), 1000u);
  EXPECT_LT(SdsAlloc(s), 4000u);
  SdsFree(s);

  // Above 1 MiB: needed length plus 1 MiB, not double.
  constexpr size_t kMiB = size_t{1} << 20;
  s = SdsNewLen(nullptr, 2 * kMiB, SdsUse::kMeta);
  SdsSetLen(s, SdsAlloc(s));  // use the size-class slack too: no room left
  const size_t len = SdsLen(s);
  s = SdsMakeRoomFor(s, 1);
  EXPECT_GE(SdsAlloc(s), len + 1 + kMiB);
  EXPECT_LT(SdsAlloc(s), 2 * len);
  SdsFree(s);

  // Enough room already: no change.
  s = SdsNew("abc", SdsUse::kMeta);
  s = SdsMakeRoomFor(s, 100);
  const char* before = s;
  const size_t alloc_before = SdsAlloc(s);
  s = SdsMakeRoomFor(s, 50);
  EXPECT_EQ(s, before);
  EXPECT_EQ(SdsAlloc(s), alloc_before);
  SdsFree(s);
}

TEST(Sds, RangeRedisSemantics) {
  struct Case {
    ssize_t start, end;
    const char* want;
  } cases[] = {
      {1, 1, "i"},    {1, -1, "iao"}, {-2, -1, "ao"}, {2, 1, ""},      {1, 100, "iao"},
      {100, 100, ""}, {0, 0, "c"},    {-100, -1, "ciao"}, {-100, -100, "c"}, {0, -5, "c"},
      {3, 3, "o"},    {4, 10, ""},    {-1, -2, ""},
  };
  for (const Case& c : cases) {
    sds s = SdsNew("ciao", SdsUse::kMeta);
    SdsRange(s, c.start, c.end);
    EXPECT_EQ(SdsView(s), c.want) << c.start << " " << c.end;
    ExpectValid(s);
    SdsFree(s);
  }
  sds s = SdsEmpty(SdsUse::kMeta);
  SdsRange(s, 0, -1);
  EXPECT_EQ(SdsLen(s), 0u);
  SdsFree(s);
}

TEST(Sds, TrimCaseAndClear) {
  sds s = SdsNew("xxciaoyyy", SdsUse::kMeta);
  SdsTrim(s, "xy");
  EXPECT_EQ(SdsView(s), "ciao");
  SdsTrim(s, "ciao");
  EXPECT_EQ(SdsView(s), "");
  SdsFree(s);

  s = SdsNew(" a b ", SdsUse::kMeta);
  SdsTrim(s, " ");
  EXPECT_EQ(SdsView(s), "a b");
  SdsToUpper(s);
  EXPECT_EQ(SdsView(s), "A B");
  SdsToLower(s);
  EXPECT_EQ(SdsView(s), "a b");
  const size_t cap = SdsAlloc(s);
  SdsClear(s);
  EXPECT_EQ(SdsLen(s), 0u);
  EXPECT_EQ(SdsAlloc(s), cap);
  EXPECT_EQ(s[0], '\0');
  SdsFree(s);
}

TEST(Sds, Compare) {
  auto cmp = [](std::string_view a, std::string_view b) {
    sds x = SdsNew(a, SdsUse::kMeta), y = SdsNew(b, SdsUse::kMeta);
    int r = SdsCmp(x, y);
    SdsFree(x);
    SdsFree(y);
    return r;
  };
  EXPECT_GT(cmp("foo", "foa"), 0);
  EXPECT_EQ(cmp("bar", "bar"), 0);
  EXPECT_LT(cmp("aar", "bar"), 0);
  EXPECT_LT(cmp("ab", "abc"), 0);
  EXPECT_GT(cmp("abc", "ab"), 0);
  EXPECT_EQ(cmp("", ""), 0);
  EXPECT_LT(cmp(std::string_view("a\0b", 3), std::string_view("a\0c", 3)), 0);
  EXPECT_GT(cmp("\xff", "\x01"), 0);  // bytes compare unsigned
}

TEST(Sds, CatPrintfAndFromLongLong) {
  sds s = SdsEmpty(SdsUse::kMeta);
  s = SdsCatPrintf(s, "%d+%s", 123, "abc");
  EXPECT_EQ(SdsView(s), "123+abc");
  std::string big(5000, 'q');
  s = SdsCatPrintf(s, "[%s]", big.c_str());  // longer than the spare room
  EXPECT_EQ(SdsView(s), "123+abc[" + big + "]");
  ExpectValid(s);
  SdsFree(s);

  for (long long v : {0LL, -1LL, 42LL, LLONG_MAX, LLONG_MIN}) {
    s = SdsFromLongLong(v, SdsUse::kMeta);
    EXPECT_EQ(SdsView(s), std::to_string(v));
    SdsFree(s);
  }
}

TEST(Sds, CatRepr) {
  sds s = SdsEmpty(SdsUse::kMeta);
  const char in[] = "\a\n\0foo\r";
  s = SdsCatRepr(s, in, sizeof(in) - 1);
  EXPECT_EQ(SdsView(s), "\"\\a\\n\\x00foo\\r\"");
  SdsClear(s);
  s = SdsCatRepr(s, "a\"b\\c\t\b\x7f\x80", 9);
  EXPECT_EQ(SdsView(s), "\"a\\\"b\\\\c\\t\\b\\x7f\\x80\"");
  SdsClear(s);
  // Long input crosses the internal chunking.
  std::string raw, want = "\"";
  for (int i = 0; i < 1000; i++) {
    raw.push_back(static_cast<char>(i % 3 == 0 ? 1 : 'z'));
    want += (i % 3 == 0) ? "\\x01" : "z";
  }
  want += "\"";
  s = SdsCatRepr(s, raw.data(), raw.size());
  EXPECT_EQ(SdsView(s), want);
  SdsFree(s);
}

TEST(Sds, Embedded) {
  // Redis's 44-byte embstr limit: object header + 3 + 44 + 1 fits 64 bytes.
  EXPECT_EQ(SdsEmbeddedSize(44), 48u);
  EXPECT_EQ(SdsEmbeddedSize(0), 4u);
  EXPECT_EQ(SdsEmbeddedSize(300), 5u + 300 + 1);
  for (size_t len : {size_t{0}, size_t{5}, size_t{44}, size_t{255}, size_t{256}, size_t{1000}}) {
    constexpr size_t kPrefix = 16;  // stands in for the object header
    std::string content(len, 'e');
    for (size_t i = 0; i < len; i++) content[i] = static_cast<char>('a' + i % 26);
    char* block = static_cast<char*>(alloc::Meta(kPrefix + SdsEmbeddedSize(len)));
    memset(block, 0x5a, kPrefix);
    sds s = SdsInitEmbedded(block + kPrefix, content.data(), len);
    EXPECT_EQ(static_cast<size_t>(s - block), kPrefix + SdsHeaderSize(s)) << len;
    EXPECT_EQ(SdsView(s), content);
    EXPECT_EQ(SdsAlloc(s), len);
    EXPECT_EQ(SdsAvail(s), 0u);
    EXPECT_EQ(s[len], '\0');
    EXPECT_EQ(SdsUseOf(s), SdsUse::kMeta);
    for (size_t i = 0; i < kPrefix; i++) ASSERT_EQ(block[i], 0x5a);  // header stays in its slot
    sds d = SdsDup(s);
    EXPECT_EQ(SdsView(d), content);
    EXPECT_FALSE(alloc::InNvmRange(SdsAllocPtr(d)));
    d = SdsCat(d, "+");  // the copy is an ordinary sds
    EXPECT_EQ(SdsLen(d), len + 1);
    SdsFree(d);
    if (len > 2) {
      SdsRange(s, 1, -2);
      EXPECT_EQ(SdsView(s), content.substr(1, len - 2));
    }
    alloc::Free(block);
  }
  char buf[16];
  sds z = SdsInitEmbedded(buf, nullptr, 4);
  EXPECT_EQ(SdsView(z), std::string_view("\0\0\0\0", 4));
}

// Random edits against std::string, across every header width.
TEST(Sds, RandomOpsMatchStdString) {
  std::mt19937_64 rng(20240611);
  for (SdsUse use : {SdsUse::kMeta, SdsUse::kPayload, SdsUse::kKey}) {
    sds s = SdsEmpty(use);
    std::string o;
    for (int step = 0; step < 4000; step++) {
      const int op = static_cast<int>(rng() % 11);
      std::string chunk(rng() % (rng() % 8 == 0 ? 3000 : 40), 'a');
      for (char& c : chunk) c = static_cast<char>(rng() % 256);
      switch (op) {
        case 0:
        case 1:
          s = SdsCatLen(s, chunk.data(), chunk.size());
          o += chunk;
          break;
        case 2: {
          const ssize_t a = static_cast<ssize_t>(rng() % 200) - 100;
          const ssize_t b = static_cast<ssize_t>(rng() % 200) - 100;
          SdsRange(s, a, b);
          // Redis's definition, written out independently.
          const ssize_t n = static_cast<ssize_t>(o.size());
          if (n > 0) {
            ssize_t st = a < 0 ? std::max<ssize_t>(n + a, 0) : a;
            ssize_t en = b < 0 ? std::max<ssize_t>(n + b, 0) : b;
            if (en >= n) en = n - 1;
            o = (st > en || st >= n) ? std::string() : o.substr(st, en - st + 1);
          }
          break;
        }
        case 3:
          s = SdsCpyLen(s, chunk.data(), chunk.size());
          o = chunk;
          break;
        case 4: {
          const size_t target = o.size() + rng() % 300;
          s = SdsGrowZero(s, target);
          o.resize(target, '\0');
          break;
        }
        case 5:
          s = SdsRemoveFreeSpace(s);
          break;
        case 6: {
          // Write into the spare room directly, then commit with IncrLen.
          s = SdsMakeRoomFor(s, chunk.size());
          memcpy(s + SdsLen(s), chunk.data(), chunk.size());
          SdsIncrLen(s, static_cast<ssize_t>(chunk.size()));
          o += chunk;
          break;
        }
        case 7: {
          const size_t cut = o.empty() ? 0 : rng() % (o.size() + 1);
          SdsSetLen(s, cut);
          o.resize(cut);
          break;
        }
        case 8: {
          sds d = SdsDup(s);
          EXPECT_EQ(SdsView(d), o);
          EXPECT_EQ(SdsUseOf(d), use);
          SdsFree(s);
          s = d;
          break;
        }
        case 9:
          s = SdsCatPrintf(s, "%zu", chunk.size());
          o += std::to_string(chunk.size());
          break;
        default:
          if (rng() % 50 == 0) {
            SdsClear(s);
            o.clear();
          }
          break;
      }
      ASSERT_EQ(SdsView(s), o) << "step " << step << " op " << op;
      ASSERT_EQ(SdsUseOf(s), use);
      ExpectValid(s);
    }
    SdsFree(s);
  }
}

// ---- Tiers -------------------------------------------------------------------

TEST(SdsTier, PayloadOfAtLeast64BytesIsOnNvm) {
  std::string v(64, 'v');
  sds s = SdsNew(v, SdsUse::kPayload);
  EXPECT_TRUE(alloc::InNvmRange(SdsAllocPtr(s)));
  EXPECT_TRUE(alloc::InNvmRange(s));
  // Growth across header widths and size classes keeps it on NVM.
  for (int i = 0; i < 200; i++) {
    s = SdsCatLen(s, v.data(), v.size());
    s = SdsCat(s, std::string(i * 37, 'w'));
    ASSERT_TRUE(alloc::InNvmRange(SdsAllocPtr(s))) << i << " len " << SdsLen(s);
  }
  EXPECT_EQ(SdsHeaderSize(s), 9u);
  // Shrinking (narrower header, fresh block) and duplicating keep it there too.
  SdsRange(s, 0, 9);
  s = SdsRemoveFreeSpace(s);
  EXPECT_EQ(SdsHeaderSize(s), 3u);
  EXPECT_TRUE(alloc::InNvmRange(SdsAllocPtr(s)));
  sds d = SdsDup(s);
  EXPECT_TRUE(alloc::InNvmRange(SdsAllocPtr(d)));
  EXPECT_EQ(SdsView(d), SdsView(s));
  SdsFree(d);
  SdsFree(s);
}

TEST(SdsTier, SmallPayloadStartsInDramAndMovesWhenItGrows) {
  sds s = SdsNew("tiny", SdsUse::kPayload);
  EXPECT_FALSE(alloc::InNvmRange(SdsAllocPtr(s)));
  s = SdsCat(s, std::string(200, 'g'));
  EXPECT_TRUE(alloc::InNvmRange(SdsAllocPtr(s)));
  EXPECT_EQ(SdsView(s).substr(0, 4), "tiny");
  EXPECT_EQ(SdsLen(s), 204u);
  SdsFree(s);
}

TEST(SdsTier, MetaAndKeysStayInDram) {
  for (SdsUse use : {SdsUse::kMeta, SdsUse::kKey}) {
    sds s = SdsNewLen(nullptr, 1 << 20, use);
    EXPECT_FALSE(alloc::InNvmRange(SdsAllocPtr(s)));
    for (int i = 0; i < 50; i++) {
      s = SdsCat(s, std::string(1000, 'm'));
      ASSERT_FALSE(alloc::InNvmRange(SdsAllocPtr(s)));
    }
    s = SdsRemoveFreeSpace(s);
    EXPECT_FALSE(alloc::InNvmRange(SdsAllocPtr(s)));
    sds d = SdsDup(s);
    EXPECT_FALSE(alloc::InNvmRange(SdsAllocPtr(d)));
    SdsFree(d);
    SdsFree(s);
    s = SdsNew("short", use);
    EXPECT_FALSE(alloc::InNvmRange(SdsAllocPtr(s)));
    SdsFree(s);
  }
}

TEST(SdsTier, DupKeepsTierEvenAfterPolicyChange) {
  // Made while the policy keeps everything in DRAM...
  alloc::SetPlacement({alloc::Policy::kDramOnly, 64, alloc::KeysTier::kDram});
  sds s = SdsNew(std::string(500, 'd'), SdsUse::kPayload);
  alloc::SetPlacement({alloc::Policy::kStatic, 64, alloc::KeysTier::kDram});
  EXPECT_FALSE(alloc::InNvmRange(SdsAllocPtr(s)));
  // ...its copy stays in DRAM although a new payload of that size would not.
  sds d = SdsDup(s);
  EXPECT_FALSE(alloc::InNvmRange(SdsAllocPtr(d)));
  sds fresh = SdsNew(std::string(500, 'd'), SdsUse::kPayload);
  EXPECT_TRUE(alloc::InNvmRange(SdsAllocPtr(fresh)));
  SdsFree(fresh);
  SdsFree(d);
  SdsFree(s);
}

TEST(SdsTier, AccountingMatchesAllocSize) {
  const size_t nvm0 = alloc::UsedMemory(alloc::Tier::kNvm);
  sds s = SdsNew(std::string(1000, 'p'), SdsUse::kPayload);
  EXPECT_EQ(alloc::UsedMemory(alloc::Tier::kNvm) - nvm0, SdsAllocSize(s));
  s = SdsCat(s, std::string(5000, 'p'));
  EXPECT_EQ(alloc::UsedMemory(alloc::Tier::kNvm) - nvm0, SdsAllocSize(s));
  SdsFree(s);
  EXPECT_EQ(alloc::UsedMemory(alloc::Tier::kNvm), nvm0);
}

}  // namespace
}  // namespace ds
