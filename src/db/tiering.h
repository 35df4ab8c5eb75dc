// The tiering engine: moves stored values between DRAM and NVM as the
// workload heats and cools them (tier-policy ratio and hot), and holds
// pinned keys on their tier under every policy.
//
// How it works. Placement at allocation time (alloc/placement.h) is only a
// first guess; this engine corrects it. It has two parts:
//
//   The scan. From cron, in steps of at most tier-migrate-cycle-ms, it walks
//   every db with a dict scan cursor (resumable, each key visited once per
//   pass). For each value it reads the payload bytes per tier
//   (object::PayloadBytes), the value's coldness (0 hottest .. 255, from its
//   access clock: Coldness below) and its pin, and
//     - adds the bytes to a histogram by heat rank (placement.h HeatRank);
//     - asks placement (PlaceByHeat) where the value belongs under the
//       ranks set by the previous pass, and moves it there if it is not
//       (object::Relocate).
//   At the end of a pass the histogram says how many payload bytes are
//   hotter than each rank. The byte target for DRAM (ratio: payload x
//   a/(a+b); hot: tier-dram-max-memory minus metadata) becomes two ranks:
//   values hotter than the lower one are promoted, colder than the upper one
//   demoted, and values in between stay (hysteresis, so that values near the
//   line do not bounce). Under hot the band lies below the budget, so DRAM
//   holds between 95% and 100% of it.
//
//   Promotion on access. Waiting for the scan would leave a value that just
//   became hot on NVM for a whole pass. A read (Db::LookupRead) of an NVM
//   value whose coldness *before this access* already ranks it for DRAM
//   queues its key; the queue is drained before the event loop sleeps.
//   Reading the clock before the access makes promotion need two accesses
//   close together (under LRU: a value read once after a long idle time is
//   not promoted), so a scan of cold keys does not flush DRAM.
//
// Heat comes from the access clock in the values' headers (object/lru.h).
// Under ratio and hot the server keeps the LFU counter (frequency: a value
// read a few times outranks one read once, and a shifted hot set displaces
// the old one's least-read values first) unless the maxmemory-policy is an
// LRU one; then the LRU clock (recency, bucketed so that idle times up to
// two minutes keep one-second resolution). The clocks are Redis's own, so
// OBJECT FREQ and OBJECT IDLETIME answer as Redis does under the
// corresponding maxmemory-policy.
//
// Moves happen only here (cron and before-sleep, never inside a command),
// within tier-migrate-max-bytes-per-sec, and never while a fork child
// lives (ForkChildAlive: a move writes pages the child shares). Replies copy
// payload bytes into client buffers, so a value can move between any two
// events. A move that the target tier cannot take leaves the value where
// it is (alloc::Move has no fallback).
//
// Thread safety: main thread only.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "alloc/placement.h"
#include "object/object.h"

namespace db {

class Db;

namespace tiering {

struct Settings {
  // tier-dram-nvm-ratio a:b (ratio policy): DRAM payload : NVM payload.
  uint32_t ratio_dram = 1;
  uint32_t ratio_nvm = 4;
  // tier-dram-max-memory (hot policy): metadata + DRAM payloads; 0 = no
  // budget (every unpinned payload may live in DRAM).
  uint64_t dram_max_memory = 0;
  // tier-pin-dram / tier-pin-nvm: glob patterns; a key matching a DRAM pin
  // is always in DRAM, else one matching an NVM pin always on NVM.
  std::vector<std::string> pin_dram;
  std::vector<std::string> pin_nvm;
  // tier-migrate-cycle-ms: the scan's time per cron tick.
  int cycle_ms = 1;
  // tier-migrate-max-bytes-per-sec: moves (scan and promotions); 0 = no cap.
  uint64_t max_bytes_per_sec = 256ull << 20;
};
// Parses tier-dram-nvm-ratio: "a:b", integers 0..1000000, not both 0
// ("1:0" keeps every payload in DRAM, "0:1" none).
bool ParseRatio(std::string_view s, uint32_t* dram, uint32_t* nvm);
// Splits a pin list (tier-pin-dram, tier-pin-nvm) at spaces.
std::vector<std::string> SplitPatterns(std::string_view s);

// Applies new settings (CONFIG SET, start-up). A policy or target change
// starts a new pass; ranks computed for the old target stay until it ends.
void Configure(const Settings& s);
const Settings& GetSettings();

struct Stats {
  uint64_t reads_dram = 0;  // value reads by the tier of their payload
  uint64_t reads_nvm = 0;
  uint64_t promotions = 0;  // values moved to DRAM, to NVM
  uint64_t demotions = 0;
  uint64_t promoted_bytes = 0;
  uint64_t demoted_bytes = 0;
  uint64_t failed_moves = 0;  // the target tier could not take the value
  uint64_t passes = 0;        // complete scans of the keyspace
  bool paused = false;        // a fork child blocks moves
  bool metadata_over_budget = false;
  // The last complete pass: payload bytes per tier, the DRAM target
  // (payload bytes; 0 when no target), the metadata estimate (hot).
  uint64_t payload_dram = 0;
  uint64_t payload_nvm = 0;
  uint64_t dram_target = 0;
  uint64_t metadata = 0;
};
const Stats& GetStats();
void ResetStats();  // CONFIG RESETSTAT: the counters, not the pass figures

// "1:4" for the ratio target, "0" when the policy has none.
std::string RatioTarget();

// A command read o (Db::LookupRead), before its access clock is touched:
// counts the read by the payload's tier and, under ratio/hot, queues an NVM
// value that is hot enough for a promotion.
void OnRead(int db_id, std::string_view key, const object::Object* o);

// A command about to store a new value at `key` in place of the current
// one (SET, GETSET, MSET) creates the new value inside this scope: under
// ratio and hot its payload goes where the old value's was (a hot value
// stays in DRAM instead of going to NVM for the engine to bring back).
// Elsewhere, and for a new key, placement is the usual one.
class ReplacementPlacement {
 public:
  ReplacementPlacement(Db& d, std::string_view key);
  ~ReplacementPlacement();
  ReplacementPlacement(const ReplacementPlacement&) = delete;
  ReplacementPlacement& operator=(const ReplacementPlacement&) = delete;

 private:
  std::optional<alloc::PayloadTierScope> scope_;
};

// Tells the engine a fork child was started or reaped (see above).
void SetForkChildAlive(bool alive);

// One bounded step of the scan (cron, every tick_us), and the promotion
// queue (before sleep). dbs are the server's databases, indexed by id.
void Cron(const std::vector<Db*>& dbs, int64_t now_ms, int64_t tick_us);
void BeforeSleep(const std::vector<Db*>& dbs);

// What MEMORY TIER shows and the scan uses: the value's coldness 0..255
// (hotter is lower) from its access clock, and the key's pin.
uint32_t Coldness(const object::Object* o);
alloc::Pin PinOf(std::string_view key);

}  // namespace tiering
}  // namespace db
