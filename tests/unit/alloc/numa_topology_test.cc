// Node choice from sysfs trees built in a temporary directory.
#include "alloc/numa_topology.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "gtest/gtest.h"

namespace alloc {
namespace {

namespace fs = std::filesystem;

class FakeSysfs {
 public:
  FakeSysfs() {
    char tmpl[] = "/tmp/tieredis-sysfs-XXXXXX";
    root_ = mkdtemp(tmpl);
    fs::create_directories(root_ + "/devices/system/node");
  }
  ~FakeSysfs() { fs::remove_all(root_); }
  void Node(int id, const std::string& cpus, uint64_t mem_kb) {
    std::string d = root_ + "/devices/system/node/node" + std::to_string(id);
    fs::create_directories(d);
    std::ofstream(d + "/cpulist") << cpus << "\n";
    std::ofstream(d + "/meminfo") << "Node " << id << " MemTotal:       " << mem_kb << " kB\n"
                                  << "Node " << id << " MemFree:        " << mem_kb / 2 << " kB\n";
  }
  void Tier(int tier, const std::string& nodes) {
    std::string d = root_ + "/devices/virtual/memory_tiering/memory_tier" + std::to_string(tier);
    fs::create_directories(d);
    std::ofstream(d + "/nodelist") << nodes << "\n";
  }
  const std::string& root() const { return root_; }

 private:
  std::string root_;
};

TEST(NumaTopology, ParsesNodeLists) {
  EXPECT_EQ(ParseNodeList("0-3,7\n"), (std::vector<int>{0, 1, 2, 3, 7}));
  EXPECT_EQ(ParseNodeList(""), std::vector<int>{});
  EXPECT_EQ(ParseNodeList("\n"), std::vector<int>{});
  EXPECT_EQ(ParseNodeList("1,x,2"), (std::vector<int>{1, 2}));
}

TEST(NumaTopology, OneNodeMeansLogical) {
  FakeSysfs fs;
  fs.Node(0, "0-1", 24 << 20);
  NumaTopology t = ReadNumaTopology(fs.root());
  ASSERT_EQ(t.nodes.size(), 1u);
  EXPECT_TRUE(t.nodes[0].has_cpus);
  EXPECT_EQ(t.nodes[0].mem_total, uint64_t{24} << 30);
  auto c = ChooseNvmNode(t, -1);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->node, -1);
  EXPECT_EQ(c->reason, "only one NUMA node");
}

TEST(NumaTopology, PicksTheCpuLessNode) {
  FakeSysfs fs;
  fs.Node(0, "0-1", 768 << 10);
  fs.Node(1, "", 256 << 10);
  auto c = ChooseNvmNode(ReadNumaTopology(fs.root()), -1);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->node, 1);
  EXPECT_NE(c->reason.find("CPU-less"), std::string::npos) << c->reason;
}

TEST(NumaTopology, CpuLessNodeWithoutMemoryIsNoCandidate) {
  FakeSysfs fs;
  fs.Node(0, "0-1", 768 << 10);
  fs.Node(1, "", 0);
  auto c = ChooseNvmNode(ReadNumaTopology(fs.root()), -1);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->node, -1);
  EXPECT_EQ(c->reason, "no CPU-less NUMA node with memory");
  // Naming it explicitly is refused.
  auto e = ChooseNvmNode(ReadNumaTopology(fs.root()), 1);
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.status().message().find("has no memory"), std::string::npos);
}

TEST(NumaTopology, MemoryTiersPreferTheSlowestThenTheLargest) {
  FakeSysfs fs;
  fs.Node(0, "0-3", 64 << 20);
  fs.Node(1, "", 512 << 20);  // CXL in a faster tier, larger
  fs.Node(2, "", 128 << 20);  // PMem in the slowest tier
  fs.Node(3, "", 256 << 20);  // PMem in the slowest tier, larger
  fs.Tier(4, "0");
  fs.Tier(22, "1");
  fs.Tier(67, "2-3");
  NumaTopology t = ReadNumaTopology(fs.root());
  EXPECT_TRUE(t.has_memory_tiers);
  auto c = ChooseNvmNode(t, -1);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->node, 3);
  EXPECT_NE(c->reason.find("memory_tier67"), std::string::npos) << c->reason;
  EXPECT_NE(c->reason.find("largest of 2"), std::string::npos) << c->reason;
}

TEST(NumaTopology, WithoutTiersTheLargestCandidateWins) {
  FakeSysfs fs;
  fs.Node(0, "0-3", 64 << 20);
  fs.Node(1, "", 128 << 20);
  fs.Node(2, "", 512 << 20);
  auto c = ChooseNvmNode(ReadNumaTopology(fs.root()), -1);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->node, 2);
}

TEST(NumaTopology, ExplicitNodeHonouredOrRefused) {
  FakeSysfs fs;
  fs.Node(0, "0-1", 768 << 10);
  fs.Node(1, "", 256 << 10);
  NumaTopology t = ReadNumaTopology(fs.root());
  auto ok = ChooseNvmNode(t, 1);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->node, 1);
  auto missing = ChooseNvmNode(t, 7);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().message(),
            "tier-nvm-node 7: NUMA node 7 does not exist (nodes on this machine: 0,1)");
}

TEST(NumaTopology, NoSysfsAtAllIsSingleNode) {
  auto c = ChooseNvmNode(ReadNumaTopology("/nonexistent-sysfs"), -1);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->node, -1);
}

TEST(NumaTopology, ThisMachine) {
  // Whatever the host, reading the real sysfs works and finds node 0.
  NumaTopology t = ReadNumaTopology("/sys");
  ASSERT_FALSE(t.nodes.empty());
  EXPECT_EQ(t.nodes[0].id, 0);
  EXPECT_GT(t.nodes[0].mem_total, 0u);
}

}  // namespace
}  // namespace alloc
