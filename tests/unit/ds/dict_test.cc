// Dict: random operations against std::unordered_map across rehashing, the
// scan guarantee under growth/shrink/rehash with concurrent changes, safe
// and unsafe iteration, sampling, resize policy, ownership (which frees run
// when), memory accounting, DEBUG HTSTATS text; and the SipHash core against
// the published reference vectors.
//
// The allocator is initialised once for the binary by sds_test.cc.
#include "ds/dict.h"

#include <algorithm>
#include <csignal>
#include <random>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "alloc/zmalloc.h"
#include "ds/hash.h"
#include "ds/sds.h"
#include "gtest/gtest.h"

namespace ds {
namespace {

// ---- SipHash ---------------------------------------------------------------

TEST(Hash, SipHash24ReferenceVectors) {
  // From the SipHash paper's reference implementation: key 00..0f, message
  // 00..(len-1), output as little-endian bytes.
  const uint8_t kVectors[16][8] = {
      {0x31, 0x0e, 0x0e, 0xdd, 0x47, 0xdb, 0x6f, 0x72}, {0xfd, 0x67, 0xdc, 0x93, 0xc5, 0x39, 0xf8, 0x74},
      {0x5a, 0x4f, 0xa9, 0xd9, 0x09, 0x80, 0x6c, 0x0d}, {0x2d, 0x7e, 0xfb, 0xd7, 0x96, 0x66, 0x67, 0x85},
      {0xb7, 0x87, 0x71, 0x27, 0xe0, 0x94, 0x27, 0xcf}, {0x8d, 0xa6, 0x99, 0xcd, 0x64, 0x55, 0x76, 0x18},
      {0xce, 0xe3, 0xfe, 0x58, 0x6e, 0x46, 0xc9, 0xcb}, {0x37, 0xd1, 0x01, 0x8b, 0xf5, 0x00, 0x02, 0xab},
      {0x62, 0x24, 0x93, 0x9a, 0x79, 0xf5, 0xf5, 0x93}, {0xb0, 0xe4, 0xa9, 0x0b, 0xdf, 0x82, 0x00, 0x9e},
      {0xf3, 0xb9, 0xdd, 0x94, 0xc5, 0xbb, 0x5d, 0x7a}, {0xa7, 0xad, 0x6b, 0x22, 0x46, 0x2f, 0xb3, 0xf4},
      {0xfb, 0xe5, 0x0e, 0x86, 0xbc, 0x8f, 0x1e, 0x75}, {0x90, 0x3d, 0x84, 0xc0, 0x27, 0x56, 0xea, 0x14},
      {0xee, 0xf2, 0x7a, 0x8e, 0x90, 0xca, 0x23, 0xf7}, {0xe5, 0x45, 0xbe, 0x49, 0x61, 0xca, 0x29, 0xa1},
  };
  uint8_t key[16], msg[16];
  for (int i = 0; i < 16; i++) key[i] = msg[i] = static_cast<uint8_t>(i);
  for (size_t len = 0; len < 16; len++) {
    uint64_t want = 0;
    for (int b = 7; b >= 0; b--) want = (want << 8) | kVectors[len][b];
    EXPECT_EQ(SipHash24(msg, len, key), want) << "len " << len;
  }
}

TEST(Hash, SipHash12NoCaseAndSeed) {
  uint8_t k1[16] = {1, 2, 3}, k2[16] = {9};
  const std::string mixed = "Hello, World! ABCXYZ abcxyz 0123 \xc3\x89";
  std::string lower = mixed;
  for (char& c : lower) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  }
  for (size_t n = 0; n <= mixed.size(); n++) {
    EXPECT_EQ(SipHash12NoCase(mixed.data(), n, k1), SipHash12(lower.data(), n, k1)) << n;
  }
  EXPECT_NE(SipHash12(mixed.data(), mixed.size(), k1), SipHash12(lower.data(), lower.size(), k1));
  EXPECT_NE(SipHash12(mixed.data(), mixed.size(), k1), SipHash12(mixed.data(), mixed.size(), k2));
  EXPECT_NE(SipHash12(mixed.data(), mixed.size(), k1), SipHash24(mixed.data(), mixed.size(), k1));
  // Every length and every one-byte change gives a different hash.
  std::set<uint64_t> seen;
  std::string buf(64, 'a');
  for (size_t n = 0; n <= 64; n++) seen.insert(SipHash12(buf.data(), n, k1));
  for (int i = 0; i < 64; i++) {
    std::string b = buf;
    b[i] = 'b';
    seen.insert(SipHash12(b.data(), b.size(), k1));
  }
  EXPECT_EQ(seen.size(), 65u + 64u);

  // The process seed drives HashBytes.
  uint8_t saved[16];
  GetHashSeed(saved);
  SetHashSeed(k2);
  EXPECT_EQ(HashBytes("abc", 3), SipHash12("abc", 3, k2));
  EXPECT_EQ(HashBytesNoCase("ABC", 3), SipHash12("abc", 3, k2));
  SetHashSeed(saved);
}

// ---- Helpers -----------------------------------------------------------------

sds Key(const std::string& s) { return SdsNew(s, SdsUse::kKey); }

// A temporary sds for lookups, freed at scope end.
struct TmpKey {
  explicit TmpKey(const std::string& s) : k(SdsNew(s, SdsUse::kMeta)) {}
  ~TmpKey() { SdsFree(k); }
  sds k;
};

std::string KeyOf(const DictEntry* e) { return std::string(SdsView(static_cast<sds>(e->key))); }

// Integer keys stored in the pointer itself; nothing owned.
uint64_t IntHash(const void* k) { return HashBytes(&k, sizeof(k)); }
const DictType kIntType = {IntHash, nullptr, nullptr, nullptr};
void* IntKey(uint64_t i) { return reinterpret_cast<void*>(static_cast<uintptr_t>(i)); }
uint64_t IntOf(const void* k) { return reinterpret_cast<uintptr_t>(k); }

// Everything in d, read with a safe iterator, checking no entry repeats.
std::unordered_map<std::string, uint64_t> Contents(Dict& d) {
  std::unordered_map<std::string, uint64_t> out;
  auto it = d.MakeIterator(true);
  while (DictEntry* e = it.Next()) {
    EXPECT_TRUE(out.emplace(KeyOf(e), e->v.u64).second) << "duplicate " << KeyOf(e);
  }
  return out;
}

// ---- Basic contract ------------------------------------------------------------

TEST(Dict, AddFindReplaceDelete) {
  Dict d(&kSdsDictType);
  EXPECT_EQ(d.size(), 0u);
  EXPECT_EQ(d.buckets(), 0u);
  {
    TmpKey k("nope");
    EXPECT_EQ(d.Find(k.k), nullptr);
    EXPECT_FALSE(d.Delete(k.k));
  }
  EXPECT_TRUE(d.Add(Key("a"), IntKey(1)));
  EXPECT_EQ(d.buckets(), Dict::kMinSize);
  sds dup = Key("a");
  EXPECT_FALSE(d.Add(dup, IntKey(2)));  // not stored, nothing freed
  DictEntry* existing = nullptr;
  EXPECT_EQ(d.AddRaw(dup, &existing), nullptr);
  ASSERT_NE(existing, nullptr);
  EXPECT_EQ(existing->v.val, IntKey(1));
  EXPECT_NE(existing->key, dup);

  // Replace of a present key: value overwritten, passed key not stored.
  EXPECT_FALSE(d.Replace(dup, IntKey(3)));
  EXPECT_EQ(d.FetchValue(dup), IntKey(3));
  EXPECT_NE(d.Find(dup)->key, dup);
  SdsFree(dup);  // still ours

  EXPECT_TRUE(d.Replace(Key("b"), IntKey(4)));
  DictEntry* e = d.AddOrFind(Key("c"));
  EXPECT_EQ(e->v.u64, 0u);  // value unset = zero
  e->v.s64 = -7;
  sds c2 = Key("c");
  EXPECT_EQ(d.AddOrFind(c2), e);
  SdsFree(c2);
  EXPECT_EQ(d.size(), 3u);
  {
    TmpKey k("c");
    EXPECT_EQ(d.Find(k.k)->v.s64, -7);
    EXPECT_TRUE(d.Delete(k.k));
    EXPECT_EQ(d.Find(k.k), nullptr);
    EXPECT_FALSE(d.Delete(k.k));
  }
  EXPECT_EQ(d.size(), 2u);
}

// Counts frees and checks Replace's order (new value set before the old one
// is freed).
struct FreeLog {
  int keys = 0;
  std::vector<void*> vals;
  Dict* dict = nullptr;
  sds probe = nullptr;           // key to look up inside val_free
  void* seen_during_free = nullptr;
};
FreeLog* g_log = nullptr;
void LogKeyFree(void* k) {
  g_log->keys++;
  SdsFree(static_cast<sds>(k));
}
void LogValFree(void* v) {
  g_log->vals.push_back(v);
  if (g_log->probe != nullptr) g_log->seen_during_free = g_log->dict->Find(g_log->probe)->v.val;
}
const DictType kLoggedType = {DictSdsHash, DictSdsKeyEqual, LogKeyFree, LogValFree};

TEST(Dict, OwnershipAndFreeOrder) {
  FreeLog log;
  g_log = &log;
  {
    Dict d(&kLoggedType);
    log.dict = &d;
    ASSERT_TRUE(d.Add(Key("k"), IntKey(10)));
    ASSERT_TRUE(d.Add(Key("other"), IntKey(20)));

    sds k2 = Key("k");
    log.probe = k2;
    EXPECT_FALSE(d.Replace(k2, IntKey(11)));
    log.probe = nullptr;
    ASSERT_EQ(log.vals.size(), 1u);
    EXPECT_EQ(log.vals[0], IntKey(10));
    EXPECT_EQ(log.seen_during_free, IntKey(11));  // new value already in place
    EXPECT_EQ(log.keys, 0);

    // SetVal does not free.
    d.SetVal(d.Find(k2), IntKey(12));
    EXPECT_EQ(log.vals.size(), 1u);

    // Unlink frees nothing until FreeUnlinked.
    DictEntry* e = d.Unlink(k2);
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(e->v.val, IntKey(12));
    EXPECT_EQ(d.Find(k2), nullptr);
    EXPECT_EQ(d.size(), 1u);
    EXPECT_EQ(log.keys, 0);
    d.FreeUnlinked(e);
    EXPECT_EQ(log.keys, 1);
    EXPECT_EQ(log.vals.back(), IntKey(12));
    EXPECT_EQ(d.Unlink(k2), nullptr);
    d.FreeUnlinked(nullptr);
    SdsFree(k2);

    // Delete frees key and value.
    {
      TmpKey k("other");
      EXPECT_TRUE(d.Delete(k.k));
    }
    EXPECT_EQ(log.keys, 2);
    EXPECT_EQ(log.vals.back(), IntKey(20));

    for (int i = 0; i < 100; i++) d.Add(Key("x" + std::to_string(i)), IntKey(i));
  }
  // The destructor frees the rest.
  EXPECT_EQ(log.keys, 102);
  EXPECT_EQ(log.vals.size(), 3u + 100u);
  g_log = nullptr;
}

TEST(Dict, ReadyMadeTypes) {
  Dict cs(&kSdsDictType);
  cs.Add(Key(std::string("a\0b", 3)), IntKey(1));
  cs.Add(Key(std::string("a\0c", 3)), IntKey(2));
  cs.Add(Key("Foo"), IntKey(3));
  EXPECT_EQ(cs.size(), 3u);
  {
    TmpKey k("foo");
    EXPECT_EQ(cs.Find(k.k), nullptr);
    TmpKey k2(std::string("a\0c", 3));
    EXPECT_EQ(cs.FetchValue(k2.k), IntKey(2));
  }

  Dict ci(&kSdsCaseDictType);
  ci.Add(Key("GeT"), IntKey(1));
  {
    TmpKey k("get");
    EXPECT_EQ(ci.FetchValue(k.k), IntKey(1));
    sds again = Key("GET");
    EXPECT_FALSE(ci.Add(again, IntKey(2)));
    SdsFree(again);
    TmpKey k3("gets");
    EXPECT_EQ(ci.Find(k3.k), nullptr);
  }

  static char kHello[] = "Hello";
  Dict cstr(&kCStrCaseDictType);
  EXPECT_TRUE(cstr.Add(kHello, IntKey(5)));
  EXPECT_EQ(cstr.FetchValue("HELLO"), IntKey(5));
  EXPECT_EQ(cstr.FetchValue("hello"), IntKey(5));
  EXPECT_EQ(cstr.FetchValue("hell"), nullptr);
}

// ---- Random operations against an oracle ------------------------------------------

void CheckAgainst(Dict& d, const std::unordered_map<std::string, uint64_t>& o) {
  ASSERT_EQ(d.size(), o.size());
  EXPECT_EQ(Contents(d), o);
}

TEST(Dict, RandomOpsMatchUnorderedMap) {
  for (uint64_t seed : {1u, 2u, 3u}) {
    std::mt19937_64 rng(seed);
    Dict d(&kSdsDictType);
    std::unordered_map<std::string, uint64_t> o;
    // Phases: grow to ~20000 keys, then shrink to a few hundred, with the
    // key space chosen so both hits and misses are common.
    int rehashing_seen = 0;
    for (int step = 0; step < 60000; step++) {
      const bool growing = step < 30000;
      if (step == 30000) {
        // Switch to a small key space: delete everything outside it, with
        // the cron's shrink running meanwhile.
        std::vector<std::string> doomed;
        for (auto& [k, v] : o) {
          if (std::stoul(k.substr(4)) >= 600) doomed.push_back(k);
        }
        for (size_t i = 0; i < doomed.size(); i++) {
          TmpKey tk(doomed[i]);
          ASSERT_TRUE(d.Delete(tk.k));
          o.erase(doomed[i]);
          if (i % 500 == 0) d.ShrinkIfNeeded();
          if (d.IsRehashing()) rehashing_seen++;
        }
        CheckAgainst(d, o);
      }
      const uint64_t space = growing ? 40000 : 600;
      const std::string k = "key:" + std::to_string(rng() % space);
      const int op = static_cast<int>(rng() % 10);
      TmpKey tk(k);
      if (op < (growing ? 5 : 2)) {
        sds nk = Key(k);
        const uint64_t v = rng();
        const bool added = d.Add(nk, IntKey(v));
        ASSERT_EQ(added, o.count(k) == 0) << k;
        if (added) {
          o[k] = v;
        } else {
          SdsFree(nk);
        }
      } else if (op < (growing ? 6 : 3)) {
        sds nk = Key(k);
        const uint64_t v = rng();
        const bool fresh = d.Replace(nk, IntKey(v));
        ASSERT_EQ(fresh, o.count(k) == 0);
        if (!fresh) SdsFree(nk);
        o[k] = v;
      } else if (op < 8) {
        const bool deleted = d.Delete(tk.k);
        ASSERT_EQ(deleted, o.erase(k) == 1) << k;
      } else if (op < 9) {
        DictEntry* e = d.Find(tk.k);
        auto it = o.find(k);
        ASSERT_EQ(e != nullptr, it != o.end()) << k;
        if (e) {
          ASSERT_EQ(e->v.u64, it->second);
        }
      } else {
        DictEntry* e = d.Unlink(tk.k);
        ASSERT_EQ(e != nullptr, o.erase(k) == 1);
        d.FreeUnlinked(e);
      }
      if (d.IsRehashing()) rehashing_seen++;
      if (!growing && step % 500 == 0) d.ShrinkIfNeeded();
      if (step % 7919 == 0) CheckAgainst(d, o);
    }
    CheckAgainst(d, o);
    EXPECT_GT(rehashing_seen, 0);
    // The shrink phase brought the table down from its peak.
    while (d.ShrinkIfNeeded() || d.IsRehashing()) d.Rehash(100);
    EXPECT_LE(d.buckets(), 1024u);
    CheckAgainst(d, o);
  }
}

// ---- Resize policy ------------------------------------------------------------------

TEST(Dict, GrowsAtLoadFactorOne) {
  Dict d(&kIntType);
  for (uint64_t i = 0; i < 4; i++) d.Add(IntKey(i), nullptr);
  EXPECT_EQ(d.buckets(), 4u);
  EXPECT_FALSE(d.IsRehashing());
  d.Add(IntKey(4), nullptr);  // used (4) >= size (4): grow to 8
  EXPECT_TRUE(d.IsRehashing());
  while (d.Rehash(100)) {
  }
  EXPECT_EQ(d.buckets(), 8u);
  EXPECT_EQ(d.size(), 5u);
}

TEST(Dict, ResizeDisabledStillForcedPastRatio) {
  Dict::SetResizeEnabled(false);
  Dict d(&kIntType);
  for (uint64_t i = 0; i < 24; i++) d.Add(IntKey(i), nullptr);
  EXPECT_EQ(d.buckets(), 4u);  // 23/4 = 5 is not > kForceResizeRatio
  EXPECT_FALSE(d.IsRehashing());
  d.Add(IntKey(24), nullptr);  // 24/4 = 6 > 5: forced
  EXPECT_TRUE(d.IsRehashing());
  EXPECT_EQ(d.buckets(), 4u + 32u);
  while (d.Rehash(100)) {
  }
  for (uint64_t i = 0; i < 25; i++) ASSERT_NE(d.Find(IntKey(i)), nullptr);
  // No shrinking while disabled.
  for (uint64_t i = 0; i < 24; i++) d.Delete(IntKey(i));
  EXPECT_FALSE(d.ShrinkIfNeeded());
  Dict::SetResizeEnabled(true);
  EXPECT_TRUE(d.ShrinkIfNeeded());
  while (d.Rehash(100)) {
  }
  EXPECT_EQ(d.buckets(), 4u);
  EXPECT_NE(d.Find(IntKey(24)), nullptr);
}

struct VetoLog {
  bool allow = false;
  std::vector<std::pair<size_t, double>> calls;
};
VetoLog* g_veto = nullptr;
bool VetoExpand(size_t more_mem, double ratio) {
  g_veto->calls.push_back({more_mem, ratio});
  return g_veto->allow;
}
const DictType kVetoType = {IntHash, nullptr, nullptr, nullptr, VetoExpand};

TEST(Dict, ExpandAllowedCanVeto) {
  VetoLog log;
  g_veto = &log;
  Dict d(&kVetoType);
  for (uint64_t i = 0; i < 100; i++) d.Add(IntKey(i), nullptr);
  EXPECT_EQ(d.buckets(), 4u);  // the first table is never vetoed, growth always is
  EXPECT_EQ(d.size(), 100u);
  ASSERT_FALSE(log.calls.empty());
  EXPECT_EQ(log.calls[0].first, 8u * sizeof(void*));  // next table: 8 buckets
  EXPECT_DOUBLE_EQ(log.calls[0].second, 1.0);
  EXPECT_EQ(log.calls.back().first, 128u * sizeof(void*));
  EXPECT_DOUBLE_EQ(log.calls.back().second, 99.0 / 4);
  for (uint64_t i = 0; i < 100; i++) ASSERT_NE(d.Find(IntKey(i)), nullptr);
  log.allow = true;
  d.Add(IntKey(100), nullptr);
  EXPECT_TRUE(d.IsRehashing());
  EXPECT_EQ(d.buckets(), 4u + 128u);
  g_veto = nullptr;
}

TEST(Dict, ExpandAndShrink) {
  Dict d(&kIntType);
  EXPECT_TRUE(d.Expand(1000));  // first table: allocated directly
  EXPECT_FALSE(d.IsRehashing());
  EXPECT_EQ(d.buckets(), 1024u);
  EXPECT_FALSE(d.Expand(1000));  // same size
  for (uint64_t i = 0; i < 1000; i++) d.Add(IntKey(i), nullptr);
  EXPECT_FALSE(d.Expand(10));  // smaller than the entries
  EXPECT_TRUE(d.Expand(5000));
  EXPECT_TRUE(d.IsRehashing());
  EXPECT_FALSE(d.Expand(10000));  // one rehash at a time
  EXPECT_FALSE(d.ShrinkIfNeeded());
  while (d.Rehash(1)) {
  }
  EXPECT_EQ(d.buckets(), 8192u);
  EXPECT_FALSE(d.ShrinkIfNeeded());  // 1000/8192 > 10%
  for (uint64_t i = 10; i < 1000; i++) d.Delete(IntKey(i));
  EXPECT_TRUE(d.ShrinkIfNeeded());
  while (d.Rehash(1)) {
  }
  EXPECT_EQ(d.buckets(), 16u);
  for (uint64_t i = 0; i < 10; i++) EXPECT_NE(d.Find(IntKey(i)), nullptr);
  EXPECT_FALSE(d.ShrinkIfNeeded());
}

// Identity hash: key k sits in bucket k & mask, so bucket positions are known.
uint64_t IdentityHash(const void* k) { return IntOf(k); }
const DictType kIdentityType = {IdentityHash, nullptr, nullptr, nullptr};

TEST(Dict, RehashStepIsBounded) {
  Dict d(&kIdentityType);
  for (uint64_t i = 0; i < 4096; i++) d.Add(IntKey(i), nullptr);
  while (d.Rehash(100)) {
  }
  ASSERT_EQ(d.buckets(), 4096u);
  // Leave only the entry of the last bucket, then shrink: each Rehash(1)
  // gives up after 10 empty buckets, so reaching bucket 4095 takes 409
  // calls that report more work, and the 410th moves it and finishes.
  for (uint64_t i = 0; i < 4095; i++) d.Delete(IntKey(i));
  ASSERT_TRUE(d.ShrinkIfNeeded());
  int steps = 0;
  while (d.Rehash(1)) steps++;
  EXPECT_EQ(steps, 409);
  EXPECT_EQ(d.buckets(), 4u);
  EXPECT_NE(d.Find(IntKey(4095)), nullptr);
  EXPECT_EQ(d.Rehash(1), 0);
}

TEST(Dict, RehashMilliseconds) {
  Dict d(&kIntType);
  for (uint64_t i = 0; i < 100000; i++) d.Add(IntKey(i), nullptr);
  while (d.Rehash(100)) {
  }
  ASSERT_TRUE(d.Expand(1 << 20));
  {
    auto it = d.MakeIterator(true);
    ASSERT_NE(it.Next(), nullptr);
    EXPECT_EQ(d.RehashMilliseconds(100), 0);  // paused
    EXPECT_TRUE(d.IsRehashing());
  }
  int moved = 0;
  while (d.IsRehashing()) moved += d.RehashMilliseconds(1000);
  EXPECT_GT(moved, 0);
  EXPECT_EQ(d.buckets(), size_t{1} << 20);
  for (uint64_t i = 0; i < 100000; i += 997) EXPECT_NE(d.Find(IntKey(i)), nullptr);
}

// ---- Iterators -----------------------------------------------------------------------

TEST(Dict, SafeIteratorAllowsDeletingCurrentMidRehash) {
  Dict d(&kSdsDictType);
  for (int i = 0; i < 2000; i++) d.Add(Key("k" + std::to_string(i)), IntKey(i));
  ASSERT_TRUE(d.IsRehashing() || d.Expand(8192));
  ASSERT_TRUE(d.IsRehashing());
  std::unordered_set<uint64_t> visited;
  size_t deleted = 0;
  {
    auto it = d.MakeIterator(true);
    const size_t buckets_before = d.buckets();
    while (DictEntry* e = it.Next()) {
      ASSERT_TRUE(visited.insert(e->v.u64).second) << "visited twice";
      if (e->v.u64 % 2 == 0) {
        TmpKey k(KeyOf(e));
        ASSERT_TRUE(d.Delete(k.k));
        deleted++;
      } else {
        TmpKey k(KeyOf(e));
        ASSERT_EQ(d.Find(k.k), e);  // lookups do not rehash while paused
      }
    }
    EXPECT_TRUE(d.IsRehashing());
    EXPECT_EQ(d.buckets(), buckets_before);
  }
  EXPECT_EQ(visited.size(), 2000u);
  EXPECT_EQ(deleted, 1000u);
  EXPECT_EQ(d.size(), 1000u);
  // Rehashing resumes once the iterator is gone.
  while (d.Rehash(10)) {
  }
  auto rest = Contents(d);
  EXPECT_EQ(rest.size(), 1000u);
  for (auto& [k, v] : rest) EXPECT_EQ(v % 2, 1u) << k;
}

TEST(Dict, UnsafeIteratorReadsEverything) {
  Dict d(&kIntType);
  for (uint64_t i = 0; i < 500; i++) d.Add(IntKey(i), IntKey(i * 2));
  std::set<uint64_t> seen;
  {
    auto it = d.MakeIterator(false);
    while (DictEntry* e = it.Next()) {
      EXPECT_EQ(e->v.u64, IntOf(e->key) * 2);
      seen.insert(IntOf(e->key));
    }
  }
  EXPECT_EQ(seen.size(), 500u);
  Dict empty(&kIntType);
  auto it = empty.MakeIterator(false);
  EXPECT_EQ(it.Next(), nullptr);
}

TEST(DictDeathTest, UnsafeIteratorDetectsModification) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  // The assertion logs to the server log (stdout), so match the signal.
  EXPECT_EXIT(
      {
        Dict d(&kIntType);
        for (uint64_t i = 0; i < 10; i++) d.Add(IntKey(i), nullptr);
        auto it = d.MakeIterator(false);
        it.Next();
        d.Add(IntKey(100), nullptr);
        it.Release();
      },
      ::testing::KilledBySignal(SIGABRT), "");
}

// ---- Scan ----------------------------------------------------------------------------------

// Runs a full scan with `between` called after every Scan call. Checks that
// each reported entry is live (in `live`) and returns the set reported.
template <typename Between>
std::unordered_set<uint64_t> FullScan(Dict& d, const std::unordered_set<uint64_t>& live,
                                      Between between) {
  std::unordered_set<uint64_t> seen;
  uint64_t cursor = 0;
  int calls = 0;
  do {
    cursor = d.Scan(cursor, [&](DictEntry* e) {
      EXPECT_TRUE(live.count(IntOf(e->key))) << "dead entry reported " << IntOf(e->key);
      seen.insert(IntOf(e->key));
    });
    between();
    calls++;
  } while (cursor != 0 && calls < 1000000);  // a bound, so a bug cannot hang the test
  EXPECT_EQ(cursor, 0u);
  return seen;
}

void ExpectAllSeen(const std::unordered_set<uint64_t>& seen, uint64_t base_lo, uint64_t base_hi) {
  size_t missing = 0;
  for (uint64_t k = base_lo; k < base_hi; k++) missing += seen.count(k) == 0;
  EXPECT_EQ(missing, 0u);
}

TEST(DictScan, EveryStableElementUnderGrowth) {
  Dict d(&kIntType);
  std::unordered_set<uint64_t> live;
  for (uint64_t k = 0; k < 1000; k++) {
    d.Add(IntKey(k), nullptr);
    live.insert(k);
  }
  uint64_t next = 1000000;
  bool grew_during = false;
  const size_t start_buckets = d.buckets();
  // One insert every third call: slower than the scan advances, so it ends,
  // and fast enough to cross the 1024-bucket growth threshold early.
  int call = 0;
  auto seen = FullScan(d, live, [&] {
    if (++call % 3 == 0) {
      d.Add(IntKey(next), nullptr);
      live.insert(next++);
    }
    grew_during |= d.IsRehashing();
  });
  ExpectAllSeen(seen, 0, 1000);
  EXPECT_TRUE(grew_during);
  EXPECT_GT(d.buckets(), start_buckets);
}

TEST(DictScan, EveryStableElementUnderShrink) {
  Dict d(&kIntType);
  std::unordered_set<uint64_t> live;
  for (uint64_t k = 0; k < 20000; k++) {
    d.Add(IntKey(k), nullptr);
    live.insert(k);
  }
  while (d.Rehash(100)) {
  }
  // Keys 0..199 stay; the rest is deleted while the scan runs, with the
  // cron's shrink and rehash in between.
  uint64_t victim = 200;
  int shrinks = 0;
  auto seen = FullScan(d, live, [&] {
    for (int i = 0; i < 300 && victim < 20000; i++, victim++) {
      d.Delete(IntKey(victim));
      live.erase(victim);
    }
    if (d.ShrinkIfNeeded()) shrinks++;
    d.Rehash(3);
  });
  ExpectAllSeen(seen, 0, 200);
  EXPECT_GT(shrinks, 0);
}

TEST(DictScan, RandomChurnMidRehash) {
  for (uint64_t seed : {11u, 12u, 13u, 14u, 15u}) {
    std::mt19937_64 rng(seed);
    Dict d(&kIntType);
    std::unordered_set<uint64_t> live;
    const uint64_t kStable = 3000;
    for (uint64_t k = 0; k < kStable; k++) {
      d.Add(IntKey(k), nullptr);
      live.insert(k);
    }
    // Churn keys live in [1e6, 1e6 + 20000); they come and go.
    for (int i = 0; i < 3000; i++) {
      uint64_t k = 1000000 + rng() % 20000;
      if (d.Add(IntKey(k), nullptr)) live.insert(k);
    }
    if (!d.IsRehashing()) {
      ASSERT_TRUE(d.Expand(d.size() * 4));
    }
    int rehashing_calls = 0;
    auto seen = FullScan(d, live, [&] {
      if (d.IsRehashing()) rehashing_calls++;
      const int ops = static_cast<int>(rng() % 10);
      for (int i = 0; i < ops; i++) {
        uint64_t k = 1000000 + rng() % 20000;
        if (rng() % 2) {
          if (d.Add(IntKey(k), nullptr)) live.insert(k);
        } else if (d.Delete(IntKey(k))) {
          live.erase(k);
        }
      }
      switch (rng() % 16) {
        case 0: d.ShrinkIfNeeded(); break;
        case 1: d.Rehash(static_cast<int>(rng() % 5)); break;
        case 2:
          if (!d.IsRehashing()) d.Expand(d.size() * (1 + rng() % 4));
          break;
        default: break;
      }
    });
    ExpectAllSeen(seen, 0, kStable);
    EXPECT_GT(rehashing_calls, 0) << seed;
  }
}

TEST(DictScan, CallbackMayDeleteItsEntry) {
  Dict d(&kSdsDictType);
  for (int i = 0; i < 5000; i++) d.Add(Key(std::to_string(i)), nullptr);
  ASSERT_TRUE(d.IsRehashing() || d.Expand(1 << 15));
  uint64_t cursor = 0;
  size_t deletes = 0;
  do {
    cursor = d.Scan(cursor, [&](DictEntry* e) {
      TmpKey k(KeyOf(e));
      ASSERT_TRUE(d.Delete(k.k));
      deletes++;
    });
  } while (cursor != 0);
  EXPECT_EQ(deletes, 5000u);
  EXPECT_EQ(d.size(), 0u);
  Dict empty(&kIntType);
  EXPECT_EQ(empty.Scan(0, [](DictEntry*) { ADD_FAILURE(); }), 0u);
}

// ---- Sampling -------------------------------------------------------------------------------

TEST(Dict, RandomEntryAndSomeEntriesReturnLiveEntries) {
  Dict d(&kIntType);
  EXPECT_EQ(d.RandomEntry(), nullptr);
  DictEntry* buf[32];
  EXPECT_EQ(d.SomeEntries(buf, 32), 0u);
  std::unordered_set<uint64_t> live;
  std::mt19937_64 rng(99);
  for (uint64_t k = 0; k < 5000; k++) {
    d.Add(IntKey(k), nullptr);
    live.insert(k);
  }
  for (int round = 0; round < 400; round++) {
    for (int i = 0; i < 20; i++) {
      uint64_t k = rng() % 5000;
      if (d.Delete(IntKey(k))) live.erase(k);
    }
    if (round % 50 == 0) d.ShrinkIfNeeded();
    DictEntry* e = d.RandomEntry();
    if (live.empty()) {
      ASSERT_EQ(e, nullptr);
      continue;
    }
    ASSERT_NE(e, nullptr);
    ASSERT_TRUE(live.count(IntOf(e->key)));
    ASSERT_EQ(d.Find(e->key), e);
    const size_t n = d.SomeEntries(buf, 16);
    ASSERT_LE(n, std::min<size_t>(16, live.size()));
    for (size_t i = 0; i < n; i++) {
      ASSERT_TRUE(live.count(IntOf(buf[i]->key)));
      ASSERT_EQ(d.Find(buf[i]->key), buf[i]);
    }
  }
}

TEST(Dict, SamplingReachesEveryEntry) {
  Dict d(&kIntType);
  for (uint64_t k = 0; k < 64; k++) d.Add(IntKey(k), nullptr);
  std::set<uint64_t> picked;
  for (int i = 0; i < 20000; i++) picked.insert(IntOf(d.RandomEntry()->key));
  EXPECT_EQ(picked.size(), 64u);
  DictEntry* buf[64];
  EXPECT_EQ(d.SomeEntries(buf, 1000), 64u);  // count capped at size; dense table: all found
  std::set<DictEntry*> distinct(buf, buf + 64);
  EXPECT_EQ(distinct.size(), 64u);
  // Mid-rehash too.
  ASSERT_TRUE(d.Expand(4096));
  ASSERT_TRUE(d.IsRehashing());
  picked.clear();
  for (int i = 0; i < 20000; i++) picked.insert(IntOf(d.RandomEntry()->key));
  EXPECT_EQ(picked.size(), 64u);
}

// ---- Clear, memory, stats ------------------------------------------------------------------

void CountCall(void* ctx) { ++*static_cast<int*>(ctx); }

TEST(Dict, ClearFreesAllAndCallsBack) {
  Dict d(&kIntType);
  for (uint64_t k = 0; k < 100000; k++) d.Add(IntKey(k), nullptr);
  while (d.Rehash(100)) {
  }
  ASSERT_EQ(d.buckets(), 131072u);
  int calls = 0;
  d.Clear(CountCall, &calls);
  EXPECT_EQ(calls, 2);  // buckets 0 and 65536
  EXPECT_EQ(d.size(), 0u);
  EXPECT_EQ(d.buckets(), 0u);
  EXPECT_FALSE(d.IsRehashing());
  EXPECT_EQ(d.Find(IntKey(5)), nullptr);
  EXPECT_TRUE(d.Add(IntKey(5), nullptr));  // usable again
  EXPECT_EQ(d.size(), 1u);
}

TEST(Dict, MemoryReturnsToBaseline) {
  // Warm up one-time allocations (thread registration, statics).
  {
    Dict w(&kSdsDictType);
    w.Add(Key("w"), nullptr);
    (void)w.MemoryUsage();
  }
  const size_t dram0 = alloc::UsedMemory(alloc::Tier::kDram);
  const size_t nvm0 = alloc::UsedMemory(alloc::Tier::kNvm);
  {
    Dict d(&kSdsDictType);
    char name[32];
    for (int i = 0; i < 20000; i++) {
      snprintf(name, sizeof(name), "key:%d", i);
      d.Add(SdsNew(name, SdsUse::kKey), nullptr);
    }
    EXPECT_GT(alloc::UsedMemory(alloc::Tier::kDram), dram0);
    for (int i = 0; i < 20000; i += 2) {
      snprintf(name, sizeof(name), "key:%d", i);
      sds k = SdsNew(name, SdsUse::kMeta);
      d.Delete(k);
      SdsFree(k);
    }
    d.ShrinkIfNeeded();
    d.Rehash(5);
    d.Clear();
    for (int i = 0; i < 3000; i++) {
      snprintf(name, sizeof(name), "again:%d", i);
      d.Add(SdsNew(name, SdsUse::kKey), nullptr);
    }
  }
  EXPECT_EQ(alloc::UsedMemory(alloc::Tier::kDram), dram0);
  EXPECT_EQ(alloc::UsedMemory(alloc::Tier::kNvm), nvm0);
}

TEST(Dict, MemoryUsageIsTablesPlusEntries) {
  Dict warm(&kIntType);
  warm.Add(IntKey(1), nullptr);
  (void)warm.MemoryUsage();
  const size_t before = alloc::UsedMemory();
  Dict d(&kIntType);  // integer keys: the dict allocates nothing else
  EXPECT_EQ(d.MemoryUsage(), 0u);
  for (uint64_t k = 0; k < 3000; k++) {
    d.Add(IntKey(k), nullptr);
    if (k % 250 == 0) {
      ASSERT_EQ(d.MemoryUsage(), alloc::UsedMemory() - before) << k;
    }
  }
  EXPECT_TRUE(d.IsRehashing() || d.buckets() >= 3000);
  EXPECT_EQ(d.MemoryUsage(), alloc::UsedMemory() - before);
  // At least the table pointers and the three-word entries.
  EXPECT_GE(d.MemoryUsage(), d.buckets() * sizeof(void*) + d.size() * sizeof(DictEntry));
}

TEST(Dict, StatsText) {
  Dict d(&kIntType);
  EXPECT_EQ(d.StatsText(),
            "Hash table 0 stats (main hash table):\n"
            "No stats available for empty dictionaries\n");
  for (uint64_t k = 0; k < 3; k++) d.Add(IntKey(k), nullptr);
  const std::string s = d.StatsText();
  EXPECT_EQ(s.rfind("Hash table 0 stats (main hash table):\n table size: 4\n number of elements: 3\n", 0),
            0u)
      << s;
  EXPECT_NE(s.find(" Chain length distribution:\n"), std::string::npos);
  DictTableStats st = d.TableStats(0);
  size_t buckets = 0, entries = 0;
  for (int i = 0; i < DictTableStats::kDictStatsVectLen; i++) {
    buckets += st.chain_hist[i];
    entries += i * st.chain_hist[i];
  }
  EXPECT_EQ(buckets, 4u);
  EXPECT_EQ(entries, 3u);
  EXPECT_EQ(st.nonempty, 4u - st.chain_hist[0]);
  char line[64];
  snprintf(line, sizeof(line), "   0: %zu (%.02f%%)\n", st.chain_hist[0], st.chain_hist[0] * 25.0);
  if (st.chain_hist[0] > 0) {
    EXPECT_NE(s.find(line), std::string::npos) << s;
  }

  for (uint64_t k = 3; k < 5; k++) d.Add(IntKey(k), nullptr);  // starts a rehash
  ASSERT_TRUE(d.IsRehashing());
  EXPECT_NE(d.StatsText().find("Hash table 1 stats (rehashing target):\n"), std::string::npos);
}

}  // namespace
}  // namespace ds
