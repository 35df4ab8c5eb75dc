// Residency: the /proc/PID/maps parser fed text, the page sampler against a
// fake kernel with a known layout, and the real move_pages on this machine.
#include "alloc/residency.h"

#include <numa.h>
#include <sys/mman.h>

#include <cmath>
#include <cstring>
#include <random>

#include "alloc/zmalloc.h"
#include "gtest/gtest.h"

namespace alloc {
namespace {

constexpr uintptr_t kPage = 4096;

TEST(ParseAnonymousRegions, KeepsPrivateWritableAnonymousOnly) {
  const char* maps =
      "55d0c0000000-55d0c0010000 r--p 00000000 fd:01 1234    /usr/bin/redis-server\n"
      "55d0c0010000-55d0c0020000 rw-p 00010000 fd:01 1234    /usr/bin/redis-server\n"
      "55d0c0020000-55d0c0023000 rw-p 00000000 00:00 0 \n"  // .bss, trailing blank
      "55d0c1000000-55d0c1100000 rw-p 00000000 00:00 0                          [heap]\n"
      "7f0000000000-7f0000400000 rw-p 00000000 00:00 0\n"      // a jemalloc chunk
      "7f0000400000-7f0000401000 ---p 00000000 00:00 0\n"      // guard page
      "7f0000500000-7f0000600000 r--p 00000000 00:00 0\n"      // read-only anon
      "7f0000600000-7f0000700000 rw-s 00000000 00:01 77      /dev/zero (deleted)\n"
      "this line is not a mapping\n"
      "7ffc00000000-7ffc00021000 rw-p 00000000 00:00 0                          [stack]\n"
      "7ffc00100000-7ffc00102000 r--p 00000000 00:00 0                          [vvar]\n"
      "10007fff8000-7fff8000 rw-p 00000000 00:00 0\n"  // end before start: malformed
      "10007fff8000-20008fff7000 rw-p 00000000 00:00 0\n";  // 16 TiB: a reservation (ASan shadow)
  auto r = ParseAnonymousRegions(maps, 0, 0);
  ASSERT_EQ(r.size(), 4u);
  EXPECT_EQ(r[0].start, 0x55d0c0020000u);
  EXPECT_EQ(r[0].len, 0x3000u);
  EXPECT_EQ(r[1].start, 0x55d0c1000000u);
  EXPECT_EQ(r[2].start, 0x7f0000000000u);
  EXPECT_EQ(r[2].len, 0x400000u);
  EXPECT_EQ(r[3].start, 0x7ffc00000000u);
}

TEST(ParseAnonymousRegions, CutsOutTheNvmRange) {
  // One anonymous mapping that overlaps the excluded range on both sides,
  // one wholly inside it, one wholly outside.
  const char* maps =
      "100000-200000 rw-p 00000000 00:00 0\n"
      "300000-400000 rw-p 00000000 00:00 0\n"
      "500000-600000 rw-p 00000000 00:00 0\n";
  auto r = ParseAnonymousRegions(maps, 0x180000, 0x580000);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].start, 0x100000u);
  EXPECT_EQ(r[0].len, 0x80000u);
  EXPECT_EQ(r[1].start, 0x580000u);
  EXPECT_EQ(r[1].len, 0x80000u);
  EXPECT_TRUE(ParseAnonymousRegions("", 0, 0).empty());
}

// A fake kernel: the node of each page is a function of its address.
struct FakeLayout {
  std::function<int(uintptr_t page_index)> node_of;
  size_t calls = 0;
  size_t asked = 0;
  PageQuery Query() {
    return [this](void** pages, size_t n, int* status) {
      calls++;
      asked += n;
      for (size_t i = 0; i < n; i++) status[i] = node_of(reinterpret_cast<uintptr_t>(pages[i]) / kPage);
      return true;
    };
  }
};

TEST(CountPages, SmallRangesAreCountedPageByPage) {
  FakeLayout f;
  // Pages 0x100..0x1ff: node 1 for the first 150, node 0 for 80, then absent.
  f.node_of = [](uintptr_t p) { return p < 0x100 + 150 ? 1 : p < 0x100 + 230 ? 0 : -ENOENT; };
  NodePages r = CountPages({{0x100 * kPage, 256 * kPage}}, kSampleBudget, 0.5, f.Query());
  EXPECT_TRUE(r.exact);
  EXPECT_EQ(r.sampled, 256u);
  EXPECT_EQ(f.asked, 256u);
  EXPECT_DOUBLE_EQ(r.On(1), 150);
  EXPECT_DOUBLE_EQ(r.On(0), 80);
  EXPECT_DOUBLE_EQ(r.NotOn(1), 80);
  EXPECT_DOUBLE_EQ(r.absent, 26);
  EXPECT_DOUBLE_EQ(r.Resident(), 230);
  EXPECT_DOUBLE_EQ(r.On(5), 0);
  EXPECT_DOUBLE_EQ(r.On(-1), 0);
}

TEST(CountPages, LargeRangesAreSampledWithinOnePercent) {
  // A spill: the first 60% of a 1 GiB range on node 1, the next 30% on node
  // 0, the last 10% never touched; a second region wholly on node 2.
  const uint64_t n1 = 262144, n2 = 50000;
  const uintptr_t base1 = 0x10000, base2 = 0x900000;
  FakeLayout f;
  f.node_of = [&](uintptr_t p) {
    if (p >= base2) return 2;
    uint64_t i = p - base1;
    return i < n1 * 6 / 10 ? 1 : i < n1 * 9 / 10 ? 0 : -ENOENT;
  };
  std::vector<Region> regions = {{base1 * kPage, n1 * kPage}, {base2 * kPage, n2 * kPage}};
  std::mt19937 rng(42);
  for (int trial = 0; trial < 20; trial++) {
    double phase = std::uniform_real_distribution<double>(0, 1)(rng);
    f.asked = 0;
    NodePages r = CountPages(regions, kSampleBudget, phase, f.Query());
    EXPECT_FALSE(r.exact);
    EXPECT_EQ(f.asked, kSampleBudget);
    double total = static_cast<double>(n1 + n2);
    EXPECT_NEAR(r.On(1), n1 * 0.6, total * 0.01) << phase;
    EXPECT_NEAR(r.On(0), n1 * 0.3, total * 0.01) << phase;
    EXPECT_NEAR(r.On(2), n2, total * 0.01) << phase;
    EXPECT_NEAR(r.absent, n1 * 0.1, total * 0.01) << phase;
    EXPECT_NEAR(r.Resident() + r.absent, total, 1e-6 * total);
  }
}

TEST(CountPages, FailedQueryCountsAsAbsentAndEmptyIsExact) {
  PageQuery fail = [](void**, size_t, int*) { return false; };
  NodePages r = CountPages({{0x1000 * kPage, 10 * kPage}}, kSampleBudget, 0, fail);
  EXPECT_DOUBLE_EQ(r.Resident(), 0);
  EXPECT_DOUBLE_EQ(r.absent, 10);
  NodePages e = CountPages({}, kSampleBudget, 0, fail);
  EXPECT_TRUE(e.exact);
  EXPECT_EQ(e.sampled, 0u);
}

// The real kernel: touched pages are resident on a node that exists,
// untouched ones are absent.
TEST(CountPages, RealMovePages) {
  const size_t len = 1024 * kPage;
  void* m = mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(m, MAP_FAILED);
  memset(m, 1, len / 2);  // the first half only
  NodePages r = CountPages({{reinterpret_cast<uintptr_t>(m), len}}, kSampleBudget, 0, MovePagesQuery);
  EXPECT_TRUE(r.exact);
  EXPECT_DOUBLE_EQ(r.Resident(), 512);
  EXPECT_DOUBLE_EQ(r.absent, 512);
  int node = PhysicalNode(m);
  EXPECT_GE(node, 0);
  EXPECT_LE(node, numa_available() < 0 ? 0 : numa_max_node());
  EXPECT_DOUBLE_EQ(r.On(node), 512);
  EXPECT_EQ(PhysicalNode(static_cast<char*>(m) + len - 1), -1);
  munmap(m, len);
}

// The whole refresh in logical mode: the NVM range's payload pages are seen
// on the home node and nothing spills.
TEST(Residency, LogicalModeSeesPayloadPagesOnTheHomeNode) {
  Options o;
  o.mode = Mode::kLogical;
  o.placement.policy = Policy::kStatic;
  o.placement.nvm_min_size = 64;
  ASSERT_TRUE(Init(o).ok());
  RefreshResidency();
  Residency before = GetResidency();
  ASSERT_TRUE(before.measured);
  EXPECT_EQ(before.node, GetTierState().home_node);
  EXPECT_GT(before.node_total, 0u);
  EXPECT_LE(before.node_free, before.node_total);

  std::vector<void*> blocks;
  for (int i = 0; i < 4096; i++) {  // 16 MiB of 4 KiB payloads
    void* p = Payload(4096);
    ASSERT_TRUE(InNvmRange(p));
    memset(p, 7, 4096);
    blocks.push_back(p);
  }
  RefreshResidency();
  Residency after = GetResidency();
  EXPECT_EQ(after.nvm_spilled, 0u);
  EXPECT_GE(after.nvm_on_node, before.nvm_on_node + (15u << 20));
  EXPECT_GT(after.dram_resident, 0u);
  EXPECT_LE(after.dram_on_node, after.dram_resident);
  EXPECT_EQ(PhysicalNode(blocks[0]), after.node);
  for (void* p : blocks) Free(p);
}

TEST(Residency, RuntimeNodeIsCheckedLikeStartup) {
  auto bad = SetNvmNode(7);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.message().find("NUMA node 7 does not exist"), std::string::npos) << bad.message();
  // A node that exists is accepted; logical mode stays logical.
  EXPECT_TRUE(SetNvmNode(0).ok());
  EXPECT_TRUE(SetNvmNode(-1).ok());
  EXPECT_EQ(GetTierState().mode, Mode::kLogical);
  EXPECT_EQ(GetTierState().nvm_node, -1);
}

}  // namespace
}  // namespace alloc
