// The tiering engine: see tiering.h.
#include "db/tiering.h"

#include <algorithm>
#include <bit>
#include <cmath>

#include "alloc/zmalloc.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/util.h"
#include "db/db.h"
#include "object/lru.h"

namespace db::tiering {
namespace {

using alloc::Tier;
using object::Object;

// Heat ranks are coldness << kTieBreakBits | tie-break; the histogram has
// one bin per rank.
constexpr size_t kBins = size_t{256} << alloc::kTieBreakBits;
// The histogram counts 64-byte units in 32 bits (256 GiB per bin), to keep
// it at 256 KiB of DRAM.
constexpr unsigned kUnitShift = 6;
// The hysteresis band, as a fraction of the DRAM target: 5% in all (ratio:
// 2.5% either side of it; hot: the 5% below the budget).
constexpr double kBand = 0.05;
// At most this many keys wait for a promotion; reads beyond it are not
// queued (the scan finds them).
constexpr size_t kMaxQueue = 4096;
// The scan's time per tick while promotions wait for room (pressure):
// tier-migrate-cycle-ms times this, so a shift of the hot set is followed
// within seconds while the steady state costs 1% of a core.
constexpr int kPressureFactor = 5;
// Scan steps between clock reads (one step = one dict bucket).
constexpr int kStepsPerClockCheck = 16;
// Collections are measured from this many elements (MEMORY USAGE's
// default), so a visit costs the same for any size.
constexpr size_t kSamples = 16;

struct Queued {
  int db_id;
  std::string key;
};

struct Engine {
  Settings settings;
  Stats stats;
  bool fork_child = false;
  // The pass in progress.
  size_t db_index = 0;
  uint64_t cursor = 0;
  std::vector<uint32_t> hist;  // payload by rank (movable values only), in units
  uint64_t fixed_dram = 0;     // payload that stays in DRAM whatever its heat
  uint64_t pass_dram = 0;      // payload per tier after this pass's moves
  uint64_t pass_nvm = 0;
  bool have_ranks = false;
  // Under LRU, coldness is idle time at a reference instant, not now: the
  // ranks in force were computed at ref_clock (the LRU clock when their
  // pass began), and a value not accessed since keeps its rank however long
  // the next pass takes. (Measured against now, every rank would drift
  // colder between passes and idle data would be demoted and promoted in
  // turn.) next_ref_clock is the pass in progress's reference.
  uint32_t ref_clock = 0;
  uint32_t next_ref_clock = 0;
  // Hot values wait on NVM for room that only the scan's demotions make.
  bool pressure = false;
  // DRAM payload moved in (+) and out (-) since the last pass ended.
  int64_t dram_delta = 0;
  // The move budget (tier-migrate-max-bytes-per-sec), a token bucket.
  double tokens = 0;
  int64_t tokens_ms = 0;
  std::vector<Queued> queue;
  const Object* last_queued = nullptr;
  bool warned_metadata = false;
};

Engine& E() {
  static Engine* e = new Engine();
  return *e;
}

bool HeatPolicy() {
  const alloc::Policy p = alloc::CurrentPolicy();
  return p == alloc::Policy::kRatio || p == alloc::Policy::kHot;
}

bool HaveNvm() { return alloc::HaveNvmTier(); }

// A stable tie-break for o: its header lives in its keyspace entry, which
// never moves while the key lives, so the address serves (mixed, because
// allocations are aligned).
uint64_t TieBreak(const Object* o) {
  return (reinterpret_cast<uintptr_t>(o) >> 4) * 0x9E3779B97F4A7C15ull >> (64 - alloc::kTieBreakBits);
}

// Coldness against the reference clock `ref` (see Engine::ref_clock).
uint32_t ColdnessAt(const Object* o, uint32_t ref) {
  if (object::ClockSettings().lfu) return object::kLfuCounterMax - object::LfuCounter(o);
  // Seconds idle at `ref`: idle now less the time since ref (an access
  // after ref counts as idle 0). One bucket per second up to 127, then 16
  // per doubling.
  const uint64_t since_ref = (object::LruClock() - ref) & object::kLruClockMax;
  const uint64_t idle_now = object::IdleMs(o) / 1000;
  const uint64_t s = idle_now > since_ref ? idle_now - since_ref : 0;
  if (s < 128) return static_cast<uint32_t>(s);
  const uint32_t doublings = static_cast<uint32_t>(std::bit_width(s)) - 8;  // s in [2^(7+d), 2^(8+d))
  return std::min<uint32_t>(255, 128 + 16 * doublings);
}

// The rank that the ranks in force (set at the last pass's end) compare.
uint32_t RankOf(const Object* o) { return alloc::HeatRank(ColdnessAt(o, E().ref_clock), TieBreak(o)); }

void RefillTokens(int64_t now_ms) {
  Engine& e = E();
  if (e.settings.max_bytes_per_sec == 0) return;
  const double rate = static_cast<double>(e.settings.max_bytes_per_sec);
  if (e.tokens_ms != 0 && now_ms > e.tokens_ms)
    e.tokens = std::min(rate / 10, e.tokens + rate * static_cast<double>(now_ms - e.tokens_ms) / 1000.0);
  if (e.tokens_ms == 0) e.tokens = rate / 10;
  e.tokens_ms = now_ms;
}

// A move may start while the bucket is not empty (the last one may
// overdraw it: values are not split).
bool MayMove() {
  const Engine& e = E();
  return !e.fork_child && (e.settings.max_bytes_per_sec == 0 || e.tokens > 0);
}

// Under hot, a promotion never takes DRAM past the budget, whatever the
// ranks say (they come from the last pass and may be stale).
// A refusal asks the scan to hurry (Cron: kPressureFactor): demotions make
// the room.
bool RoomInDram(uint64_t bytes) {
  Engine& e = E();
  if (alloc::CurrentPolicy() != alloc::Policy::kHot || e.settings.dram_max_memory == 0) return true;
  if (alloc::UsedMemory(Tier::kDram) + bytes <= e.settings.dram_max_memory) return true;
  e.pressure = true;
  return false;
}

// Moves o's payload to `to`, counting it. `bytes` is what the move will
// take from the budget (the value's payload on the other tier).
void Move(Object* o, Tier to, size_t bytes) {
  Engine& e = E();
  const size_t moved = object::Relocate(o, to);
  if (e.settings.max_bytes_per_sec != 0) e.tokens -= static_cast<double>(moved);
  if (moved < bytes) e.stats.failed_moves++;
  if (moved == 0) return;
  e.dram_delta += to == Tier::kDram ? static_cast<int64_t>(moved) : -static_cast<int64_t>(moved);
  if (to == Tier::kDram) {
    e.stats.promotions++;
    e.stats.promoted_bytes += moved;
  } else {
    e.stats.demotions++;
    e.stats.demoted_bytes += moved;
  }
}

void StartPass() {
  Engine& e = E();
  if (!HeatPolicy()) {  // the histogram is for ratio and hot only
    std::vector<uint32_t>().swap(e.hist);
    e.db_index = 0;
    e.cursor = 0;
    e.fixed_dram = e.pass_dram = e.pass_nvm = 0;
    return;
  }
  e.db_index = 0;
  e.cursor = 0;
  e.next_ref_clock = object::LruClock();
  e.hist.assign(kBins, 0);
  e.fixed_dram = e.pass_dram = e.pass_nvm = 0;
}

// The DRAM target of the finished pass (payload bytes), and whether new
// payloads have DRAM headroom.
uint64_t DramTarget(uint64_t payload) {
  Engine& e = E();
  const alloc::Policy p = alloc::CurrentPolicy();
  if (p == alloc::Policy::kRatio) {
    const uint64_t a = e.settings.ratio_dram, b = e.settings.ratio_nvm;
    return a + b == 0 ? payload : static_cast<uint64_t>(static_cast<double>(payload) * a / (a + b));
  }
  // hot: the budget less the metadata. DRAM holds metadata and the DRAM
  // payloads this pass measured; the rest of used DRAM is metadata.
  if (e.settings.dram_max_memory == 0) return UINT64_MAX;
  const uint64_t used = alloc::UsedMemory(Tier::kDram);
  e.stats.metadata = used > e.pass_dram ? used - e.pass_dram : 0;
  const bool over = e.stats.metadata >= e.settings.dram_max_memory;
  if (over && !e.warned_metadata) {
    LOG_WARNING(
        "Tiering: metadata alone (%llu bytes) exceeds tier-dram-max-memory (%llu bytes); every payload goes to NVM "
        "and DRAM still exceeds the budget",
        static_cast<unsigned long long>(e.stats.metadata), static_cast<unsigned long long>(e.settings.dram_max_memory));
  }
  e.warned_metadata = over;
  e.stats.metadata_over_budget = over;
  return over ? 0 : e.settings.dram_max_memory - e.stats.metadata;
}

// Turns the finished pass's histogram into promote/demote ranks.
void FinishPass() {
  Engine& e = E();
  e.stats.passes++;
  e.stats.payload_dram = e.pass_dram;
  e.stats.payload_nvm = e.pass_nvm;
  if (!HeatPolicy()) {  // pins only: nothing to rank
    StartPass();
    return;
  }
  const uint64_t target = DramTarget(e.pass_dram + e.pass_nvm);
  e.stats.dram_target = target == UINT64_MAX ? 0 : target;
  if (target == UINT64_MAX) {
    alloc::SetHeatRanks(UINT32_MAX, UINT32_MAX);  // no budget: all DRAM
  } else {
    // Bytes the movable values may hold in DRAM, and the band around it.
    const double movable = target > e.fixed_dram ? static_cast<double>(target - e.fixed_dram) : 0.0;
    const bool hot = alloc::CurrentPolicy() == alloc::Policy::kHot;
    const double lo = hot ? movable * (1 - kBand) : movable * (1 - kBand / 2);
    const double hi = hot ? movable : movable * (1 + kBand / 2);
    // promote: ranks below the first bin whose inclusion passes lo;
    // demote: from the first bin whose inclusion passes hi.
    uint32_t promote = kBins, demote = kBins;
    double cum = 0;
    for (size_t b = 0; b < kBins; b++) {
      const double next = cum + static_cast<double>(uint64_t{e.hist[b]} << kUnitShift);
      if (promote == kBins && next > lo) promote = static_cast<uint32_t>(b);
      if (next > hi) {
        demote = static_cast<uint32_t>(b);
        break;
      }
      cum = next;
    }
    alloc::SetHeatRanks(promote, demote == kBins ? UINT32_MAX : demote);
  }
  e.have_ranks = true;
  e.ref_clock = e.next_ref_clock;
  e.dram_delta = 0;
  StartPass();
}

// New payloads go to DRAM while it has room for the target, else to NVM.
void UpdateNewPayloadTier() {
  Engine& e = E();
  const alloc::Policy p = alloc::CurrentPolicy();
  bool nvm = true;
  if (p == alloc::Policy::kHot) {
    const uint64_t budget = e.settings.dram_max_memory;
    nvm = budget != 0 && static_cast<double>(alloc::UsedMemory(Tier::kDram)) >= static_cast<double>(budget) * (1 - kBand);
  } else if (p == alloc::Policy::kRatio) {
    const uint64_t a = e.settings.ratio_dram, b = e.settings.ratio_nvm;
    const double nvm_used = static_cast<double>(alloc::UsedMemory(Tier::kNvm));
    // DRAM payload: the last pass's, as moves changed it since.
    const double dram = std::max(0.0, static_cast<double>(e.stats.payload_dram) + static_cast<double>(e.dram_delta));
    nvm = b != 0 && (a == 0 || dram * static_cast<double>(b) >= nvm_used * static_cast<double>(a));
  }
  alloc::SetNewPayloadsToNvm(nvm);
}

// One value met by the scan.
void Visit(ds::DictEntry* de) {
  Engine& e = E();
  Object* o = EntryValue(de);
  const object::TierBytes tb = object::PayloadBytes(o, kSamples);
  const uint64_t n = tb.total();
  if (n == 0) return;
  const alloc::Pin pin = PinOf(EntryKey(de));
  const bool heat = HeatPolicy();
  const uint32_t rank = heat ? RankOf(o) : 0;
  const uint32_t next_rank = heat ? alloc::HeatRank(ColdnessAt(o, e.next_ref_clock), TieBreak(o)) : 0;
  const Tier cur = tb.nvm > tb.dram ? Tier::kNvm : Tier::kDram;
  Tier want = cur;
  if (pin != alloc::Pin::kNone || heat) want = alloc::PlaceByHeat(cur, n, rank, pin);
  if (heat && e.have_ranks == false) want = cur;  // no ranks yet: only measure
  if (pin != alloc::Pin::kNone) want = pin == alloc::Pin::kDram ? Tier::kDram : Tier::kNvm;
  // What stays in DRAM whatever its heat; the rest goes in the histogram.
  if (pin == alloc::Pin::kDram || (pin == alloc::Pin::kNone && n < alloc::NvmMinSize())) {
    e.fixed_dram += n;
  } else if (pin == alloc::Pin::kNone && heat) {
    const uint64_t units = (n + (1u << kUnitShift) - 1) >> kUnitShift;
    e.hist[next_rank] = static_cast<uint32_t>(std::min<uint64_t>(UINT32_MAX, e.hist[next_rank] + units));
  }
  const uint64_t off = want == Tier::kDram ? tb.nvm : tb.dram;
  if (off != 0 && MayMove() && (want == Tier::kNvm || RoomInDram(off))) {
    Move(o, want, off);
    const object::TierBytes after = object::PayloadBytes(o, kSamples);
    e.pass_dram += after.dram;
    e.pass_nvm += after.nvm;
    return;
  }
  e.pass_dram += tb.dram;
  e.pass_nvm += tb.nvm;
}

bool Active() {
  const Engine& e = E();
  return HaveNvm() && (HeatPolicy() || !e.settings.pin_dram.empty() || !e.settings.pin_nvm.empty());
}

}  // namespace

bool ParseRatio(std::string_view s, uint32_t* dram, uint32_t* nvm) {
  const size_t colon = s.find(':');
  if (colon == std::string_view::npos) return false;
  int64_t a, b;
  if (!common::StringToInt64(s.substr(0, colon), &a) || !common::StringToInt64(s.substr(colon + 1), &b))
    return false;
  if (a < 0 || b < 0 || a > 1000000 || b > 1000000 || a + b == 0) return false;
  *dram = static_cast<uint32_t>(a);
  *nvm = static_cast<uint32_t>(b);
  return true;
}

std::vector<std::string> SplitPatterns(std::string_view s) {
  std::vector<std::string> out;
  for (std::string_view w : common::SplitSpaces(s)) out.emplace_back(w);
  return out;
}

void Configure(const Settings& s) {
  Engine& e = E();
  const bool target_changed = s.ratio_dram != e.settings.ratio_dram || s.ratio_nvm != e.settings.ratio_nvm ||
                              s.dram_max_memory != e.settings.dram_max_memory;
  e.settings = s;
  if (target_changed || e.hist.empty() != !HeatPolicy()) StartPass();
  if (!HeatPolicy()) {
    e.have_ranks = false;
    e.queue.clear();
    alloc::SetHeatRanks(0, UINT32_MAX);
  }
  UpdateNewPayloadTier();
}

const Settings& GetSettings() { return E().settings; }
const Stats& GetStats() { return E().stats; }

void ResetStats() {
  Stats& s = E().stats;
  s.reads_dram = s.reads_nvm = 0;
  s.promotions = s.demotions = s.promoted_bytes = s.demoted_bytes = s.failed_moves = 0;
}

std::string RatioTarget() {
  const Settings& s = E().settings;
  if (alloc::CurrentPolicy() != alloc::Policy::kRatio) return "0";
  return std::to_string(s.ratio_dram) + ":" + std::to_string(s.ratio_nvm);
}

uint32_t Coldness(const Object* o) { return ColdnessAt(o, E().ref_clock); }

alloc::Pin PinOf(std::string_view key) {
  const Settings& s = E().settings;
  for (const std::string& p : s.pin_dram)
    if (common::GlobMatch(p, key)) return alloc::Pin::kDram;
  for (const std::string& p : s.pin_nvm)
    if (common::GlobMatch(p, key)) return alloc::Pin::kNvm;
  return alloc::Pin::kNone;
}

void OnRead(int db_id, std::string_view key, const Object* o) {
  Engine& e = E();
  const Tier t = object::PayloadTier(o);
  if (t == Tier::kDram) {
    e.stats.reads_dram++;
    return;
  }
  e.stats.reads_nvm++;
  if (!e.have_ranks || e.fork_child || o == e.last_queued || e.queue.size() >= kMaxQueue) return;
  if (RankOf(o) >= alloc::PromoteRank()) return;  // the clock before this read
  e.last_queued = o;
  e.queue.push_back({db_id, std::string(key)});
}

ReplacementPlacement::ReplacementPlacement(Db& d, std::string_view key) {
  if (!HeatPolicy()) return;
  ds::DictEntry* de = d.FindEntry(key);
  if (de == nullptr) return;
  const Object* o = EntryValue(de);
  if (object::PayloadBytes(o, 1).total() == 0) return;  // nothing to follow (integers, embstr)
  scope_.emplace(object::PayloadTier(o));
}

ReplacementPlacement::~ReplacementPlacement() = default;

void SetForkChildAlive(bool alive) {
  Engine& e = E();
  e.fork_child = alive;
  e.stats.paused = alive && Active();
}

void BeforeSleep(const std::vector<Db*>& dbs) {
  Engine& e = E();
  if (e.queue.empty()) return;
  e.last_queued = nullptr;
  if (e.fork_child || !HeatPolicy()) {
    e.queue.clear();
    return;
  }
  RefillTokens(common::MsTime());
  for (const Queued& q : e.queue) {
    if (q.db_id < 0 || static_cast<size_t>(q.db_id) >= dbs.size()) continue;
    ds::DictEntry* de = dbs[static_cast<size_t>(q.db_id)]->FindEntry(q.key);
    if (de == nullptr) continue;
    Object* o = EntryValue(de);
    const object::TierBytes tb = object::PayloadBytes(o, kSamples);
    if (tb.nvm == 0 || PinOf(q.key) != alloc::Pin::kNone) continue;
    if (!MayMove() || !RoomInDram(tb.nvm)) break;
    if (alloc::PlaceByHeat(Tier::kNvm, tb.total(), RankOf(o), alloc::Pin::kNone) == Tier::kDram)
      Move(o, Tier::kDram, tb.nvm);
  }
  e.queue.clear();
  UpdateNewPayloadTier();
}

void Cron(const std::vector<Db*>& dbs, int64_t now_ms, int64_t tick_us) {
  Engine& e = E();
  e.stats.paused = e.fork_child && Active();
  if (!Active() || dbs.empty()) return;
  if (e.hist.empty() == HeatPolicy()) StartPass();
  RefillTokens(now_ms);
  // Under pressure: five times longer, but at most a quarter of the tick.
  // Until the first pass under ratio/hot has ended there are no ranks, and
  // nothing can be promoted: that pass gets a quarter of the tick, as
  // Redis's slow expire cycle (a million keys take seconds, not minutes).
  int64_t cycle_us = int64_t{e.settings.cycle_ms} * 1000;
  if (e.pressure) cycle_us = std::max(cycle_us, std::min(cycle_us * kPressureFactor, tick_us / 4));
  if (HeatPolicy() && !e.have_ranks) cycle_us = std::max(cycle_us, tick_us / 4);
  e.pressure = false;
  const int64_t deadline_us = common::UsTime() + cycle_us;
  int steps = 0;
  while (true) {
    if (++steps % kStepsPerClockCheck == 0 && common::UsTime() >= deadline_us) break;
    if (e.settings.max_bytes_per_sec != 0 && e.tokens <= 0 && !e.fork_child) break;
    if (e.db_index >= dbs.size()) {
      FinishPass();
      break;
    }
    ds::Dict& d = dbs[e.db_index]->dict();
    if (d.size() == 0) {
      e.db_index++;
      e.cursor = 0;
      continue;
    }
    e.cursor = d.Scan(e.cursor, [](ds::DictEntry* de) { Visit(de); });
    if (e.cursor == 0) e.db_index++;
  }
  UpdateNewPayloadTier();
}

}  // namespace db::tiering
