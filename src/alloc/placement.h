// Placement: the one place that decides which tier a payload goes to.
//
// Type code never decides. It asks for "payload of n bytes" (alloc::Payload)
// or "key of n bytes" (alloc::Key) and this file answers with a tier; the
// tiering engine (db/tiering.h) asks it where a value it scans belongs, and
// type code asks it where a growing or copied block goes.
//
// New allocations reduce to a size threshold, so the hot path is one
// compare:
//   dram-only   threshold = infinity (nothing goes to NVM)
//   static      threshold = tier-nvm-min-size
//   ratio, hot  tier-nvm-min-size while DRAM has no headroom for the
//               target, infinity while it has (the engine sets which,
//               SetNewPayloadsToNvm): new values start where there is room,
//               and the engine moves them as their heat shows.
// The effective threshold is also infinity when there is no NVM arena
// (tier-mode off, or before alloc::Init). Metadata never comes here: it is
// always DRAM.
//
// Values already stored (PlaceByHeat): under ratio and hot, a value's
// place is its rank: its coldness (db/tiering.h: 0 = hottest .. 255) times
// 256 plus a stable 8-bit tie-break, so values of equal coldness still
// split near a byte boundary. The engine turns
// its byte target into two ranks a hysteresis band apart: hotter than the
// lower one is promoted, colder than the upper one demoted, in between a
// value stays where it is, so values near the line do not bounce.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>

namespace alloc {

enum class Tier : uint8_t { kDram = 0, kNvm = 1 };
inline constexpr int kNumTiers = 2;

enum class Policy : uint8_t { kDramOnly, kStatic, kRatio, kHot };
enum class KeysTier : uint8_t { kDram, kNvm };

const char* TierName(Tier t);          // "dram" | "nvm"
const char* PolicyName(Policy p);      // "dram-only" | "static" | "ratio" | "hot"
const char* KeysTierName(KeysTier k);  // "dram" | "nvm"

namespace detail {
inline constexpr size_t kNever = std::numeric_limits<size_t>::max();
// Effective thresholds, recomputed by SetPlacement()/Init(); read on every
// payload allocation.
extern size_t g_payload_threshold;
extern size_t g_key_threshold;
// PlaceByHeat's state (see above), set by SetPlacement and SetHeatRanks.
extern Policy g_policy;
extern size_t g_min_size;  // tier-nvm-min-size
extern size_t g_nvm_span;  // 0 when there is no NVM arena (zmalloc.h)
extern uint32_t g_promote_rank, g_demote_rank;
extern bool g_new_payloads_nvm;
}  // namespace detail

// The placement decision for a value payload of n bytes.
inline Tier PlacePayload(size_t n) {
  return n >= detail::g_payload_threshold ? Tier::kNvm : Tier::kDram;
}
// The placement decision for a key string of n bytes (tier-keys).
inline Tier PlaceKey(size_t n) { return n >= detail::g_key_threshold ? Tier::kNvm : Tier::kDram; }

// A payload (or key) block on tier `cur` growing to n bytes: NVM stays on
// NVM; a DRAM block moves to NVM once a new block of n bytes would be
// placed there (a small value that grows by APPEND must not keep a large
// string in DRAM for ever).
inline Tier PlaceGrowth(Tier cur, size_t n, bool key) {
  if (cur == Tier::kNvm) return cur;
  return key ? PlaceKey(n) : PlacePayload(n);
}
// A copy of a block on tier `src` (SdsDup): the copy keeps the source's
// tier, whatever policy was in force when the source was placed.
inline Tier PlaceCopy(Tier src) { return src; }

// A key's pin (tier-pin-dram / tier-pin-nvm): it wins over every policy.
enum class Pin : uint8_t { kNone, kDram, kNvm };
// The rank PlaceByHeat compares: coldness 0..255 and a tie-break. Values
// written or read in the same second share a coldness level, which may
// hold most of the data; eight bits split a level into 256 parts, so the
// line falls within 0.4% of it (the engine's histogram: 2^16 bins of 4
// bytes, allocated only under ratio and hot).
inline constexpr int kTieBreakBits = 8;
inline uint32_t HeatRank(uint32_t coldness, uint64_t key_hash) {
  return (coldness << kTieBreakBits) | static_cast<uint32_t>(key_hash & ((1u << kTieBreakBits) - 1));
}

// True when there is an NVM tier to place on (tier-mode is not off, and
// the allocator is initialised).
inline bool HaveNvmTier() { return detail::g_nvm_span != 0; }
// The policy and tier-nvm-min-size in force, without GetPlacement's lock
// (main thread: the hot path asks).
inline Policy CurrentPolicy() { return detail::g_policy; }
inline size_t NvmMinSize() { return detail::g_min_size; }
// Values ranked below this are promoted (the engine's current line).
inline uint32_t PromoteRank() { return detail::g_promote_rank; }

// Where a stored value of n payload bytes, now on `cur`, belongs.
inline Tier PlaceByHeat(Tier cur, size_t n, uint32_t rank, Pin pin) {
  if (detail::g_nvm_span == 0) return Tier::kDram;
  if (pin == Pin::kDram) return Tier::kDram;
  if (pin == Pin::kNvm) return Tier::kNvm;
  if (n < detail::g_min_size) return Tier::kDram;
  switch (detail::g_policy) {
    case Policy::kDramOnly: return Tier::kDram;
    case Policy::kStatic: return Tier::kNvm;
    default:
      if (rank < detail::g_promote_rank) return Tier::kDram;
      if (rank >= detail::g_demote_rank) return Tier::kNvm;
      return cur;
  }
}

// While it lives, new payloads go to tier t whatever their size and the
// policy (t = NVM still needs an NVM tier): the tiering engine's way to
// give a value that replaces another the old one's place
// (db/tiering.h ReplacementPlacement). Main thread only; does not nest.
class PayloadTierScope {
 public:
  explicit PayloadTierScope(Tier t) : saved_(detail::g_payload_threshold) {
    detail::g_payload_threshold =
        t == Tier::kDram || detail::g_nvm_span == 0 ? detail::kNever : detail::g_min_size;
  }
  ~PayloadTierScope() { detail::g_payload_threshold = saved_; }
  PayloadTierScope(const PayloadTierScope&) = delete;
  PayloadTierScope& operator=(const PayloadTierScope&) = delete;

 private:
  size_t saved_;
};

struct PlacementConfig {
  Policy policy = Policy::kStatic;
  size_t nvm_min_size = 64;  // tier-nvm-min-size: see redis.conf for why 64
  KeysTier keys = KeysTier::kDram;
};

// Applies a policy at run time (CONFIG SET). Existing allocations stay where
// they are (until the tiering engine moves them); new ones follow the new
// policy.
void SetPlacement(const PlacementConfig& cfg);
// ratio / hot: where new payloads go (NVM, or DRAM while it has headroom),
// and the promote/demote ranks. Set by the tiering engine.
void SetNewPayloadsToNvm(bool nvm);
void SetHeatRanks(uint32_t promote_below, uint32_t demote_from);
PlacementConfig GetPlacement();
// The threshold in force (what INFO reports as tier_nvm_min_size): the
// configured minimum under static, or -1 when nothing goes to NVM.
int64_t EffectiveThreshold();

}  // namespace alloc
