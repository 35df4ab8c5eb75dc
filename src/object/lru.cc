// Access clocks: see lru.h for the two layouts of the lru field.
#include "object/lru.h"

#include "common/util.h"

namespace object {
namespace {

AccessClockSettings g_settings;
uint32_t g_lru_clock = 0;
uint32_t g_lfu_minutes = 0;

// LFU minutes wrap at 16 bits (the field's top bits).
constexpr uint32_t kLfuMinutesMax = 0xFFFF;
constexpr int64_t kMsPerMinute = 60 * 1000;

uint32_t LfuMinutesElapsed(uint32_t last) {
  return g_lfu_minutes >= last ? g_lfu_minutes - last : kLfuMinutesMax - last + g_lfu_minutes;
}

}  // namespace

AccessClockSettings& ClockSettings() { return g_settings; }

void SetClocks(int64_t unix_ms) {
  g_lru_clock = static_cast<uint32_t>(unix_ms / kLruClockResolutionMs) & kLruClockMax;
  g_lfu_minutes = static_cast<uint32_t>(unix_ms / kMsPerMinute) & kLfuMinutesMax;
}

uint32_t LruClock() { return g_lru_clock; }
uint32_t LfuMinutes() { return g_lfu_minutes; }

uint32_t InitialAccess() {
  return g_settings.lfu ? (g_lfu_minutes << kLfuCounterBits) | kLfuInitVal : g_lru_clock;
}

uint32_t LfuCounter(const Object* o) {
  const uint32_t counter = o->lru & kLfuCounterMax;
  if (g_settings.lfu_decay_time <= 0) return counter;
  const uint32_t periods = LfuMinutesElapsed(o->lru >> kLfuCounterBits) / static_cast<uint32_t>(g_settings.lfu_decay_time);
  return periods > counter ? 0 : counter - periods;
}

uint32_t LfuLogIncr(uint32_t counter) {
  if (counter >= kLfuCounterMax) return kLfuCounterMax;
  // A uniform double in [0, 1) from the top 53 bits.
  const double r = static_cast<double>(common::RandomU64() >> 11) * 0x1.0p-53;
  const double base = counter > kLfuInitVal ? counter - kLfuInitVal : 0;
  const double p = 1.0 / (base * g_settings.lfu_log_factor + 1);
  return r < p ? counter + 1 : counter;
}

void Touch(Object* o) {
  if (g_settings.lfu) {
    o->lru = (g_lfu_minutes << kLfuCounterBits) | LfuLogIncr(LfuCounter(o));
  } else {
    o->lru = g_lru_clock;
  }
}

uint64_t IdleMs(const Object* o) {
  const uint64_t ticks = g_lru_clock >= o->lru ? g_lru_clock - o->lru : g_lru_clock + (kLruClockMax - o->lru);
  return ticks * kLruClockResolutionMs;
}

bool SetLruOrLfu(Object* o, int64_t lfu_freq, int64_t lru_idle_seconds, uint32_t lru_clock) {
  if (g_settings.lfu) {
    if (lfu_freq < 0) return false;
    o->lru = (g_lfu_minutes << kLfuCounterBits) | static_cast<uint32_t>(lfu_freq & kLfuCounterMax);
    return true;
  }
  if (lru_idle_seconds < 0) return false;
  const int64_t ticks = lru_idle_seconds * 1000 / kLruClockResolutionMs;
  int64_t abs = static_cast<int64_t>(lru_clock) - ticks;
  // Before the clock's last wrap: Redis adds one period once (an idle time
  // longer than a whole period cannot be told apart anyway).
  if (abs < 0) abs += kLruClockMax;
  o->lru = static_cast<uint32_t>(abs) & kLruClockMax;
  return true;
}

}  // namespace object
