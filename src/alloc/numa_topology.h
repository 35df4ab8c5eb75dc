// NUMA topology as Linux describes it in sysfs, and the choice of the node
// that serves as the NVM tier.
//
// Optane PMem in KMEM-DAX mode and CXL memory expanders appear as NUMA nodes
// with memory and no CPUs. Kernels with memory tiering (6.1+, with HMAT
// describing the node as slower) also list each node under
// /sys/devices/virtual/memory_tiering/memory_tierN; a larger N is a slower
// tier. The sysfs root is a parameter so tests can describe any machine
// with a directory tree.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"

namespace alloc {

struct NumaNode {
  int id = -1;
  bool has_cpus = false;
  uint64_t mem_total = 0;  // bytes, from nodeN/meminfo
  uint64_t mem_free = 0;   // bytes
  int memory_tier = -1;    // N of memory_tierN that lists the node, -1 if none
};

struct NumaTopology {
  std::vector<NumaNode> nodes;  // sorted by id
  bool has_memory_tiers = false;
  const NumaNode* Find(int id) const;
};

// Reads <sysfs_root>/devices/system/node/node*/ and, if present,
// <sysfs_root>/devices/virtual/memory_tiering/memory_tier*/nodelist.
// A missing node directory yields a topology with no nodes (not an error):
// the caller treats that like a single-node machine.
NumaTopology ReadNumaTopology(const std::string& sysfs_root);

// Refreshes mem_total/mem_free of one node. Returns false if unreadable.
bool ReadNodeMemInfo(const std::string& sysfs_root, int node, uint64_t* total, uint64_t* free);

struct NodeChoice {
  int node = -1;       // -1: no NVM node; run in logical mode
  std::string reason;  // one line for the start-up log and INFO
};

// requested < 0 means "auto": the CPU-less node with memory; where memory
// tiers exist, only candidates in the slowest tier among them; among those,
// the one with the most memory. No candidate: node -1 with the reason.
// requested >= 0 must name a node that exists and has memory, otherwise an
// InvalidArgument status whose message names the nodes that do exist.
common::Result<NodeChoice> ChooseNvmNode(const NumaTopology& topo, int requested);

// Parses a sysfs node list such as "0-3,7". Malformed parts are skipped.
std::vector<int> ParseNodeList(const std::string& text);

}  // namespace alloc
