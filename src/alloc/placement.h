// Placement: the one place that decides which tier a payload goes to.
//
// Type code never decides. It asks for "payload of n bytes" (alloc::Payload)
// or "key of n bytes" (alloc::Key) and this file answers with a tier. Every
// policy reduces to a size threshold, so the hot path is one compare:
//
//   dram-only  threshold = infinity (nothing goes to NVM)
//   static     threshold = tier-nvm-min-size
//   (ratio, later: cron moves the threshold to hold tier-dram-nvm-ratio)
//
// The effective threshold is also infinity when there is no NVM arena
// (tier-mode off, or before alloc::Init). Metadata never comes here: it is
// always DRAM.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>

namespace alloc {

enum class Tier : uint8_t { kDram = 0, kNvm = 1 };
inline constexpr int kNumTiers = 2;

enum class Policy : uint8_t { kDramOnly, kStatic };
enum class KeysTier : uint8_t { kDram, kNvm };

const char* TierName(Tier t);          // "dram" | "nvm"
const char* PolicyName(Policy p);      // "dram-only" | "static"
const char* KeysTierName(KeysTier k);  // "dram" | "nvm"

namespace detail {
inline constexpr size_t kNever = std::numeric_limits<size_t>::max();
// Effective thresholds, recomputed by SetPlacement()/Init(); read on every
// payload allocation.
extern size_t g_payload_threshold;
extern size_t g_key_threshold;
}  // namespace detail

// The placement decision for a value payload of n bytes.
inline Tier PlacePayload(size_t n) {
  return n >= detail::g_payload_threshold ? Tier::kNvm : Tier::kDram;
}
// The placement decision for a key string of n bytes (tier-keys).
inline Tier PlaceKey(size_t n) { return n >= detail::g_key_threshold ? Tier::kNvm : Tier::kDram; }

struct PlacementConfig {
  Policy policy = Policy::kStatic;
  size_t nvm_min_size = 64;  // tier-nvm-min-size: see redis.conf for why 64
  KeysTier keys = KeysTier::kDram;
};

// Applies a policy at run time (CONFIG SET). Existing allocations stay where
// they are; new ones follow the new policy.
void SetPlacement(const PlacementConfig& cfg);
PlacementConfig GetPlacement();
// The threshold in force (what INFO reports as tier_nvm_min_size): the
// configured minimum under static, or -1 when nothing goes to NVM.
int64_t EffectiveThreshold();

}  // namespace alloc
