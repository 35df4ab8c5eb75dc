// Fuzz target: the cluster bus, the bytes another node sends us (Redis 7.0's
// binary protocol: PING/PONG/MEET with gossip and ping extensions, FAIL,
// PUBLISH, PUBLISHSHARD, FAILOVER_AUTH_REQUEST/ACK, UPDATE, MFSTART).
//
// Each input is read by a node with a fixed table (cluster::FuzzBusInput:
// myself, a peer master with a replica, a node in handshake, a migrating
// and an importing slot), first as an unknown node's on an inbound link,
// then as the peer's on our link to it, then one cron tick passes: framing,
// length checks, gossip, slot claims, failure reports, elections and votes
// all run on it. No connection is ever made (the fuzzing node does not
// connect out), and nodes.conf goes to a scratch directory.
//
// Checked after every input: the table's invariants (cluster/cluster.h):
// a slot's owner is a node of the table whose bitmap has that slot, and
// nothing else claims it; myself is in the table, not in handshake.
//
// Seeds (corpus/cluster_bus/) are messages as Redis 7.0 lays them out,
// written by utils/fuzz/make_seeds.py with the table's node names.
#include <cstdint>
#include <string_view>

#include "cluster/internal.h"
#include "common/log.h"
#include "fuzz_util.h"

namespace {

void CheckInvariants() {
  cluster::State& st = cluster::S();
  FUZZ_CHECK(st.myself != nullptr);
  FUZZ_CHECK(!(st.myself->flags & cluster::bus::kHandshake));
  FUZZ_CHECK(cluster::FindNode(st.myself->name) == st.myself);
  size_t owned = 0;
  for (int s = 0; s < cluster::kSlots; s++) {
    cluster::Node* owner = st.slot_owner[s];
    if (owner == nullptr) continue;
    FUZZ_CHECK(cluster::FindNode(owner->name) == owner);
    FUZZ_CHECK(owner->slots[static_cast<size_t>(s / 8)] & (1 << (s & 7)));
    owned++;
  }
  size_t claimed = 0;
  for (auto& [name, n] : st.nodes) {
    FUZZ_CHECK(name == n->name);
    claimed += static_cast<size_t>(n->NumSlots());
    if (n->master) FUZZ_CHECK(cluster::FindNode(n->master->name) == n->master);
  }
  FUZZ_CHECK(claimed == owned);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static bool init = [] {
    fuzz::InitAllocator();
    common::SetLogLevel(common::LogLevel::kNothing);
    cluster::GetSettings().enabled = true;
    cluster::GetSettings().node_timeout = 2000;
    cluster::GetSettings().config_file = fuzz::ScratchDir() + "/nodes.conf";
    return true;
  }();
  (void)init;
  cluster::FuzzBusInput(std::string_view(reinterpret_cast<const char*>(data), size));
  CheckInvariants();
  return 0;
}
