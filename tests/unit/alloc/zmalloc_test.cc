// The tiered allocator: placement, tier-keeping realloc, exact accounting,
// the thread-cache pitfall, and exhaustion of the NVM range.
#include "alloc/zmalloc.h"

#include <jemalloc/jemalloc.h>

#include <cstring>
#include <random>
#include <thread>
#include <vector>

#include "alloc/nvm_arena.h"
#include "gtest/gtest.h"

namespace alloc {
namespace {

// Every test in this binary shares one process-wide allocator, set up once
// in logical mode (exact placement on a machine of any shape).
class AllocEnv : public ::testing::Environment {
 public:
  void SetUp() override {
    Options o;
    o.mode = Mode::kLogical;
    o.placement.policy = Policy::kStatic;
    o.placement.nvm_min_size = 64;
    auto s = Init(o);
    ASSERT_TRUE(s.ok()) << s.message();
  }
};
const auto* const kEnv = ::testing::AddGlobalTestEnvironment(new AllocEnv);

void RestoreDefaults() {
  SetPlacement(PlacementConfig{Policy::kStatic, 64, KeysTier::kDram});
  ASSERT_TRUE(SetNvmLimit(0).ok());
}

// Which jemalloc arena owns p, or -1 when jemalloc does not know p (DRAM
// blocks under ASan come from ASan's own allocator).
int ArenaOf(void* p) {
#ifdef TIEREDIS_SANITIZE
  if (!InNvmRange(p)) return -1;  // arenas.lookup crashes on foreign pointers
#endif
  unsigned arena = 0;
  size_t sz = sizeof(arena);
  if (mallctl("arenas.lookup", &arena, &sz, &p, sizeof(p)) != 0) return -1;
  return static_cast<int>(arena);
}

TEST(Placement, ThresholdDecidesTier) {
  RestoreDefaults();
  for (size_t n : {1, 8, 16, 32, 63}) {
    void* p = Payload(n);
    EXPECT_FALSE(InNvmRange(p)) << n;
    EXPECT_EQ(TierOf(p), Tier::kDram);
    Free(p);
  }
  for (size_t n : {size_t{64}, size_t{65}, size_t{100}, size_t{1024}, size_t{4096}, size_t{65536},
                   size_t{1} << 20, size_t{8} << 20}) {
    void* p = Payload(n);
    EXPECT_TRUE(InNvmRange(p)) << n;
    EXPECT_EQ(ArenaOf(p), static_cast<int>(nvm::ArenaIndex())) << n;
    memset(p, 0xab, n);  // writable all the way
    Free(p);
  }
}

TEST(Placement, MetadataNeverOnNvm) {
  RestoreDefaults();
  std::vector<void*> v;
  for (size_t n = 1; n <= (1 << 20); n = n * 3 + 1) v.push_back(Meta(n));
  v.push_back(MetaCalloc(4096));
  v.push_back(MetaStrdup("metadata"));
  for (void* p : v) {
    EXPECT_FALSE(InNvmRange(p));
    Free(p);
  }
}

TEST(Placement, DramOnlyPolicyAndKeys) {
  SetPlacement(PlacementConfig{Policy::kDramOnly, 64, KeysTier::kNvm});
  void* p = Payload(4096);
  void* k = Key(4096);
  EXPECT_FALSE(InNvmRange(p));
  EXPECT_FALSE(InNvmRange(k));
  EXPECT_EQ(EffectiveThreshold(), -1);
  Free(p);
  Free(k);

  SetPlacement(PlacementConfig{Policy::kStatic, 100, KeysTier::kNvm});
  EXPECT_EQ(EffectiveThreshold(), 100);
  k = Key(200);
  EXPECT_TRUE(InNvmRange(k));
  Free(k);
  SetPlacement(PlacementConfig{Policy::kStatic, 100, KeysTier::kDram});
  k = Key(200);
  EXPECT_FALSE(InNvmRange(k));
  Free(k);
  RestoreDefaults();
}

TEST(Realloc, KeepsTierAcrossSizeClasses) {
  RestoreDefaults();
  const size_t sizes[] = {64, 80, 200, 4000, 20000, 70000, 3 << 20, 9 << 20, 100, 64, 16, 1};
  for (Tier start : {Tier::kDram, Tier::kNvm}) {
    void* p = Alloc(start, 64);
    memset(p, 7, 64);
    size_t filled = 64;
    for (size_t n : sizes) {
      p = Realloc(p, n);
      ASSERT_EQ(TierOf(p), start) << "size " << n;
      // The prefix survives every move.
      const unsigned char* b = static_cast<const unsigned char*>(p);
      for (size_t i = 0; i < std::min(filled, n); i++) ASSERT_EQ(b[i], 7) << i;
      memset(p, 7, n);
      filled = n;
    }
    Free(p);
  }
}

TEST(Accounting, ExactAfterMillionRandomOps) {
  RestoreDefaults();
  // DRAM use counts every malloc of the thread, so the baseline is taken
  // after the test's own containers exist.
  std::mt19937_64 rng(301);
  std::vector<void*> live(4096, nullptr);
  const size_t dram0 = UsedMemory(Tier::kDram);
  const size_t nvm0 = UsedMemory(Tier::kNvm);
  size_t dram_live = 0, nvm_live = 0;  // our own sum of usable sizes
  auto size = [&] {
    // Mostly small, some large: every size class family gets exercised.
    switch (rng() % 8) {
      case 0: return size_t{1} + rng() % 16;
      case 1: case 2: case 3: return size_t{1} + rng() % 256;
      case 4: case 5: return size_t{1} + rng() % 4096;
      case 6: return size_t{1} + rng() % 65536;
      default: return size_t{1} + rng() % (1 << 20);
    }
  };
  auto track = [&](void* p, int sign) {
    size_t u = UsableSize(p);
    (InNvmRange(p) ? nvm_live : dram_live) += sign * u;
  };
  for (int op = 0; op < 1000000; op++) {
    size_t i = rng() % live.size();
    unsigned kind = rng() % 3;
    if (live[i] == nullptr) {
      live[i] = (rng() & 1) ? Payload(size()) : Meta(size() % 512 + 1);
      track(live[i], +1);
    } else if (kind == 0) {
      track(live[i], -1);
      live[i] = Realloc(live[i], size());
      track(live[i], +1);
    } else {
      track(live[i], -1);
      Free(live[i]);
      live[i] = nullptr;
    }
    if (op % 100000 == 0) {
      ASSERT_EQ(UsedMemory(Tier::kDram), dram0 + dram_live) << "op " << op;
      ASSERT_EQ(UsedMemory(Tier::kNvm), nvm0 + nvm_live) << "op " << op;
    }
  }
  EXPECT_GT(nvm_live, 0u);
  for (void* p : live) Free(p);
  EXPECT_EQ(UsedMemory(Tier::kDram), dram0);
  EXPECT_EQ(UsedMemory(Tier::kNvm), nvm0);
}

TEST(Accounting, ExactAcrossThreads) {
  RestoreDefaults();
  // Blocks allocated on one thread and freed on another, both threads alive
  // when the counters are read. Each thread first touches both tiers once,
  // so its own set-up (thread state, tcache) predates the baseline.
  //
  // Handshake: every phase value is set by exactly one party, and only the
  // party waiting for that value moves past it, so no wait can miss it.
  //   main 1 -> producer allocates, 2 -> main measures, 3 -> consumer frees,
  //   4 -> main measures, 5 -> both threads exit.
  std::vector<void*> blocks(20000);
  std::atomic<int> ready{0}, phase{0};
  auto wait_for = [&](int v) {
    while (phase.load() != v) std::this_thread::yield();
  };
  auto warm_up = [&] {
    Free(Meta(32));
    Free(Payload(128));
    ready++;
  };
  std::thread producer([&] {
    warm_up();
    wait_for(1);
    for (size_t i = 0; i < blocks.size(); i++) blocks[i] = (i & 1) ? Payload(100 + i % 900) : Meta(32);
    phase = 2;
    wait_for(5);
  });
  std::thread consumer([&] {
    warm_up();
    wait_for(3);
    for (void* p : blocks) Free(p);
    phase = 4;
    wait_for(5);
  });
  while (ready != 2) std::this_thread::yield();
  const size_t dram0 = UsedMemory(Tier::kDram);
  const size_t nvm0 = UsedMemory(Tier::kNvm);
  phase = 1;
  wait_for(2);
  EXPECT_GT(UsedMemory(Tier::kNvm), nvm0 + 10000 * 100);
  EXPECT_GE(UsedMemory(Tier::kDram), dram0 + 10000 * 32);
  phase = 3;
  wait_for(4);
  EXPECT_EQ(UsedMemory(Tier::kDram), dram0);
  EXPECT_EQ(UsedMemory(Tier::kNvm), nvm0);
  phase = 5;
  producer.join();
  consumer.join();
}

TEST(Accounting, InlineSizeClassesMatchJemalloc) {
  ASSERT_TRUE(detail::g_inline_usize_ok);
  for (size_t n = 1; n < (size_t{1} << 22); n += (n < 70000 ? 1 : 4093))
    ASSERT_EQ(detail::UsableSizeOfRequest(n), nallocx(n, 0)) << n;
}

// DESIGN.md: jemalloc's automatic tcache is keyed by size class, not arena;
// had NVM blocks been freed into it, the next malloc of that class would
// return NVM memory as DRAM. Our NVM path uses its own explicit tcache.
TEST(TcachePitfall, FreedNvmBlocksNeverComeBackAsDram) {
  RestoreDefaults();
  for (size_t n : {64, 80, 128, 256, 1024, 4096, 16384}) {
    for (int i = 0; i < 20000; i++) {
      void* nvm = Payload(n);
      ASSERT_TRUE(InNvmRange(nvm));
      Free(nvm);
      void* dram = Meta(n);
      ASSERT_FALSE(InNvmRange(dram)) << "size " << n << " iteration " << i;
      int arena = ArenaOf(dram);
      if (arena >= 0) {
        ASSERT_NE(arena, static_cast<int>(nvm::ArenaIndex()));
      }
      Free(dram);
    }
  }
}

TEST(TcachePitfall, FreedDramBlocksNeverComeBackAsNvm) {
  RestoreDefaults();
  for (size_t n : {64, 96, 512, 2048, 8192}) {
    for (int i = 0; i < 20000; i++) {
      void* dram = Meta(n);
      Free(dram);
      void* nvm = Payload(n);
      ASSERT_TRUE(InNvmRange(nvm)) << "size " << n << " iteration " << i;
      ASSERT_EQ(ArenaOf(nvm), static_cast<int>(nvm::ArenaIndex()));
      Free(nvm);
    }
  }
}

TEST(Exhaustion, FullRangeFallsBackToDramAndIsCounted) {
  RestoreDefaults();
  // Cap carving at what is already carved: once jemalloc's retained space is
  // used up, NVM requests must land in DRAM.
  ASSERT_TRUE(SetNvmLimit(nvm::Carved() + (size_t{1} << 20)).ok());
  const uint64_t full0 = GetStats().nvm_fallback_full;
  std::vector<void*> blocks;
  blocks.reserve(nvm::Carved() / (size_t{1} << 20) + 512);
  const size_t dram0 = UsedMemory(Tier::kDram);
  size_t in_dram = 0;
  const size_t kBlock = size_t{1} << 20;
  const size_t max_blocks = nvm::Carved() / kBlock + 256;
  for (size_t i = 0; i < max_blocks && in_dram < 16; i++) {
    void* p = Payload(kBlock);
    ASSERT_NE(p, nullptr);
    memset(p, 1, kBlock);
    if (!InNvmRange(p)) in_dram++;
    blocks.push_back(p);
  }
  EXPECT_EQ(in_dram, 16u) << "the capped range never ran out";
  Stats s = GetStats();
  EXPECT_GE(s.nvm_fallback_full, full0 + 16);
  EXPECT_LE(s.nvm_carved, s.nvm_limit);
  EXPECT_GE(UsedMemory(Tier::kDram), dram0 + 16 * kBlock);

  // A block on NVM that cannot grow in the range moves to DRAM, intact.
  void* nvm_block = nullptr;
  for (void* p : blocks) {
    if (InNvmRange(p)) nvm_block = p;
  }
  ASSERT_NE(nvm_block, nullptr);
  std::erase(blocks, nvm_block);
  void* grown = Realloc(nvm_block, 64 * kBlock);
  EXPECT_FALSE(InNvmRange(grown));
  EXPECT_EQ(static_cast<unsigned char*>(grown)[kBlock - 1], 1);
  Free(grown);

  for (void* p : blocks) Free(p);
  EXPECT_EQ(UsedMemory(Tier::kDram), dram0);
  // Freed NVM space is reusable under the same cap.
  void* again = Payload(kBlock);
  EXPECT_TRUE(InNvmRange(again));
  Free(again);
  RestoreDefaults();
}

TEST(Limits, RuntimeLimitCannotExceedReservation) {
  Stats s = GetStats();
  EXPECT_FALSE(SetNvmLimit(s.nvm_reserved + 4096).ok());
  EXPECT_TRUE(SetNvmLimit(s.nvm_reserved).ok());
  RestoreDefaults();
}

TEST(Init, ExplicitMissingNodeIsAClearError) {
  Options o;
  o.mode = Mode::kNuma;
  o.nvm_node = 7;
  auto s = Init(o);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("NUMA node 7 does not exist"), std::string::npos) << s.message();
  // Nothing changed: still logical, payloads still on NVM.
  EXPECT_EQ(GetTierState().mode, Mode::kLogical);
  void* p = Payload(4096);
  EXPECT_TRUE(InNvmRange(p));
  Free(p);
}

TEST(Init, ModeCannotChangeAfterStart) {
  Options o;
  o.mode = Mode::kOff;
  EXPECT_FALSE(Init(o).ok());
  o.mode = Mode::kLogical;
  o.placement.nvm_min_size = 128;
  EXPECT_TRUE(Init(o).ok());
  EXPECT_EQ(EffectiveThreshold(), 128);
  RestoreDefaults();
}

TEST(Stats, ReportsBothTiers) {
  RestoreDefaults();
  std::vector<void*> v;
  for (int i = 0; i < 1000; i++) v.push_back(Payload(1024));
  v.push_back(Meta(5000));
  Stats s = GetStats();
  EXPECT_GE(s.nvm.used, 1000u * 1024);
  EXPECT_GE(s.nvm.allocated, 1000u * 1024);
  EXPECT_GE(s.nvm.active, s.nvm.allocated);
  EXPECT_GE(s.nvm.resident, 1000u * 1024);
  EXPECT_GE(s.nvm.peak, s.nvm.used);
  EXPECT_GE(s.dram.used, 5000u);
  EXPECT_GT(s.nvm_allocs, 1000u);
  for (void* p : v) Free(p);
  Purge();
}

}  // namespace
}  // namespace alloc
