// The NVM tier refusing memory: the extent hook fails (as when the NVM node
// or the reserved range runs out, simulated with
// nvm::FailExtentsAfterForTest). Payloads must then land in DRAM, usable
// and counted as fallbacks, with exact accounting once freed: a full NVM
// tier is never an error (DESIGN.md).
//
// Runs in unit_alloc, whose global environment (zmalloc_test.cc) sets up
// the allocator in logical mode with a 64-byte NVM threshold.
#include <algorithm>
#include <cstring>
#include <iterator>
#include <vector>

#include "alloc/nvm_arena.h"
#include "alloc/zmalloc.h"
#include "gtest/gtest.h"

namespace alloc {
namespace {

// Payload sizes from a small size class to a large one, so that both
// jemalloc's slabs and its large extents have to grow.
constexpr size_t kSizes[] = {64, 100, 640, 4096, 20000, 300000, size_t{1} << 20};

void Fill(void* p, size_t n, unsigned char seed) {
  auto* b = static_cast<unsigned char*>(p);
  for (size_t i = 0; i < n; i++) b[i] = static_cast<unsigned char>(seed + i * 7);
}

bool Intact(const void* p, size_t n, unsigned char seed) {
  const auto* b = static_cast<const unsigned char*>(p);
  for (size_t i = 0; i < n; i++)
    if (b[i] != static_cast<unsigned char>(seed + i * 7)) return false;
  return true;
}

struct Block {
  void* p;
  size_t n;
  unsigned char seed;
};

class NvmRefusal : public ::testing::Test {
 protected:
  void SetUp() override {
    SetPlacement(PlacementConfig{Policy::kStatic, 64, KeysTier::kDram});
    ASSERT_TRUE(SetNvmLimit(0).ok());
    nvm::FlushThreadCache();
    blocks_.reserve(kMaxBlocks);
    // The first allocations register this thread's counters and create its
    // NVM tcache (jemalloc keeps a few bytes for it): DRAM readings are only
    // comparable from then on.
    Free(Meta(16));
    Free(Payload(4096));
  }
  void TearDown() override {
    nvm::FailExtentsAfterForTest(SIZE_MAX);
    for (const Block& b : blocks_) Free(b.p);
    // Give the freed pages back now: jemalloc would otherwise purge them
    // over the next seconds, in the middle of later tests that count
    // resident NVM pages (residency_test.cc).
    Purge();
  }

  // Allocates payloads of every size in turn until `want_dram` of them
  // landed in DRAM (or kMaxBlocks were made). Returns how many did.
  size_t AllocateUntilFallbacks(size_t want_dram) {
    size_t in_dram = 0;
    for (size_t i = 0; blocks_.size() < kMaxBlocks && in_dram < want_dram; i++) {
      size_t n = kSizes[i % std::size(kSizes)];
      void* p = Payload(n);
      EXPECT_NE(p, nullptr);
      Fill(p, n, static_cast<unsigned char>(i));
      if (!InNvmRange(p)) in_dram++;
      blocks_.push_back({p, n, static_cast<unsigned char>(i)});
    }
    return in_dram;
  }

  static constexpr size_t kMaxBlocks = 100000;
  std::vector<Block> blocks_;
};

TEST_F(NvmRefusal, PayloadsFallBackToDramCountedUsableAndExact) {
  const size_t dram0 = UsedMemory(Tier::kDram);
  const size_t nvm0 = UsedMemory(Tier::kNvm);
  // Some blocks on NVM from before the refusal.
  for (unsigned char i = 0; i < 8; i++) {
    void* p = Payload(size_t{1} << 20);
    ASSERT_TRUE(InNvmRange(p));
    Fill(p, size_t{1} << 20, i);
    blocks_.push_back({p, size_t{1} << 20, i});
  }
  const Stats s0 = GetStats();
  nvm::FailExtentsAfterForTest(0);

  // jemalloc first uses up the extents it holds; then every payload that
  // needs a new one goes to DRAM.
  const size_t in_dram = AllocateUntilFallbacks(64);
  ASSERT_EQ(in_dram, 64u) << "the NVM arena never ran out";
  Stats s = GetStats();
  EXPECT_EQ(s.nvm_fallback_full - s0.nvm_fallback_full, in_dram) << "each DRAM payload is one counted fallback";
  EXPECT_EQ(s.nvm_carved, s0.nvm_carved) << "no extent was carved after the refusal";

  // Exact per-tier accounting while the blocks live.
  size_t nvm_bytes = 0, dram_bytes = 0;
  for (const Block& b : blocks_) (InNvmRange(b.p) ? nvm_bytes : dram_bytes) += UsableSize(b.p);
  EXPECT_EQ(UsedMemory(Tier::kNvm), nvm0 + nvm_bytes);
  EXPECT_GE(UsedMemory(Tier::kDram), dram0 + dram_bytes);

  // A block on NVM that must grow into a new extent moves to DRAM, intact
  // (one more fallback), and so does a try allocation.
  auto on_nvm = std::find_if(blocks_.begin(), blocks_.end(), [](const Block& b) { return InNvmRange(b.p); });
  ASSERT_NE(on_nvm, blocks_.end());
  void* grown = Realloc(on_nvm->p, size_t{64} << 20);
  EXPECT_FALSE(InNvmRange(grown));
  EXPECT_TRUE(Intact(grown, on_nvm->n, on_nvm->seed));
  on_nvm->p = grown;
  void* tried = TryAlloc(Tier::kNvm, size_t{8} << 20);
  ASSERT_NE(tried, nullptr);
  EXPECT_FALSE(InNvmRange(tried));
  memset(tried, 0x5a, size_t{8} << 20);
  Free(tried);
  EXPECT_EQ(GetStats().nvm_fallback_full - s0.nvm_fallback_full, in_dram + 2);

  // Every block still holds what was written, then all go back.
  for (const Block& b : blocks_) ASSERT_TRUE(Intact(b.p, b.n, b.seed));
  for (const Block& b : blocks_) Free(b.p);
  blocks_.clear();
  EXPECT_EQ(UsedMemory(Tier::kNvm), nvm0);
  EXPECT_EQ(UsedMemory(Tier::kDram), dram0);

  // Once extents are granted again, payloads return to NVM.
  nvm::FailExtentsAfterForTest(SIZE_MAX);
  void* p = Payload(size_t{4} << 20);
  EXPECT_TRUE(InNvmRange(p));
  Free(p);
}

TEST_F(NvmRefusal, RefusalAfterSomeExtentsKeepsEarlierBlocksOnNvm) {
  const Stats s0 = GetStats();
  const size_t nvm0 = UsedMemory(Tier::kNvm);
  const size_t dram0 = UsedMemory(Tier::kDram);
  nvm::FailExtentsAfterForTest(3);
  ASSERT_EQ(AllocateUntilFallbacks(16), 16u);
  const Stats s = GetStats();
  EXPECT_GE(s.nvm_carved, s0.nvm_carved);
  EXPECT_EQ(s.nvm_fallback_full - s0.nvm_fallback_full, 16u);
  size_t on_nvm = 0;
  for (const Block& b : blocks_) on_nvm += InNvmRange(b.p);
  EXPECT_GT(on_nvm, 0u);
  for (const Block& b : blocks_) ASSERT_TRUE(Intact(b.p, b.n, b.seed));
  for (const Block& b : blocks_) Free(b.p);
  blocks_.clear();
  EXPECT_EQ(UsedMemory(Tier::kNvm), nvm0);
  EXPECT_EQ(UsedMemory(Tier::kDram), dram0);
}

}  // namespace
}  // namespace alloc
