// Access clocks: how recently and how often a value was used, kept in the
// 24-bit `lru` field of its header exactly as Redis 7.0 keeps it. Eviction
// (db/evict.h), OBJECT IDLETIME/FREQ, DEBUG OBJECT, RDB's IDLE/FREQ records
// and RESTORE's IDLETIME/FREQ all read and write the field through here.
//
// The field holds one of two things, by the maxmemory-policy in force
// (AccessClockSettings::lfu):
//
//   LRU (every policy but the *-lfu ones): the LRU clock at the last access.
//   The clock counts seconds (kLruClockResolutionMs) modulo 2^24, so it
//   wraps every 194 days; idle times are taken modulo the wrap.
//
//   LFU: [ minutes of the last decrement : 16 ][ counter : 8 ]. The counter
//   is logarithmic: an access increments it with probability
//   1 / ((counter - kLfuInitVal) * lfu-log-factor + 1), so with the default
//   factor 10 it reaches 255 after about a million accesses; it loses one
//   for every lfu-decay-time minutes without access, computed lazily when
//   it is read. A new value starts at kLfuInitVal so that it is not the
//   first evicted before it had a chance to be used.
//
// Switching policies at run time leaves the old data in place, to be read
// the other way until the values are accessed again: Redis does the same
// (and says so in OBJECT's errors).
//
// Thread safety: main thread only (the clocks are cached, set from cron).
#pragma once

#include <cstdint>

#include "object/object.h"

namespace object {

inline constexpr uint32_t kLruClockMax = (1u << kLruBits) - 1;
// Milliseconds per tick of the LRU clock (Redis's LRU_CLOCK_RESOLUTION).
inline constexpr int64_t kLruClockResolutionMs = 1000;
// LFU: the counter's width, and a new value's counter (LFU_INIT_VAL).
inline constexpr int kLfuCounterBits = 8;
inline constexpr uint32_t kLfuCounterMax = (1u << kLfuCounterBits) - 1;
inline constexpr uint32_t kLfuInitVal = 5;

struct AccessClockSettings {
  bool lfu = false;        // an LFU maxmemory-policy is selected
  int lfu_log_factor = 10;  // lfu-log-factor
  int lfu_decay_time = 1;   // lfu-decay-time, minutes; 0: never decays
};
AccessClockSettings& ClockSettings();

// The cached clocks, from a unix time in ms (cron, and at start-up).
void SetClocks(int64_t unix_ms);
// The LRU clock (seconds modulo 2^24), and the LFU's minutes modulo 2^16.
uint32_t LruClock();
uint32_t LfuMinutes();

// The lru field of a value created now: the LRU clock, or the LFU's
// minutes with kLfuInitVal.
uint32_t InitialAccess();
// One access of o (Redis's lookupKey touch): the LRU clock, or a decayed
// and then probabilistically incremented LFU counter.
void Touch(Object* o);

// LRU: milliseconds since o was last accessed (estimateObjectIdleTime).
uint64_t IdleMs(const Object* o);
// LFU: the counter after the decay owed since its last decrement
// (LFUDecrAndReturn), without storing it.
uint32_t LfuCounter(const Object* o);
// LFU: the counter after one access (LFULogIncr). Exposed for tests.
uint32_t LfuLogIncr(uint32_t counter);

// What RESTORE's FREQ/IDLETIME and RDB's FREQ/IDLE records set (Redis's
// objectSetLRUOrLFU): under LFU, a frequency (0..255) when one is given;
// otherwise an idle time in seconds (>= 0), counted back from lru_clock.
// -1 means "not given". Returns true iff the field was set.
bool SetLruOrLfu(Object* o, int64_t lfu_freq, int64_t lru_idle_seconds, uint32_t lru_clock);

}  // namespace object
