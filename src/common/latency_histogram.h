// A histogram of latencies with HdrHistogram's log-linear layout, the one
// Redis 7.0 uses per command (hdr_init(1, 1e9, 2)): values from 1 to 10^9
// (nanoseconds: 1 ns to 1 s) kept to 2 significant digits. Reproducing the
// layout exactly makes INFO latencystats and LATENCY HISTOGRAM report the
// same numbers Redis would for the same latencies (p50=3.007, buckets 1, 2,
// 4, 8, 16, 33, 66, 132... us).
//
// Layout. 2 significant digits need 200 distinct values at unit
// resolution, so a bucket holds kSubBuckets = 256 (the next power of two).
// Bucket 0 counts 0..255 one by one; bucket b >= 1 counts
// [128 * 2^b, 256 * 2^b) in 128 sub-buckets of width 2^b (its lower half
// is bucket b-1's range). 23 buckets reach past 10^9, so the counts array
// is (23 + 1) * 128 = 3072 entries (24 KiB), allocated on the first
// Record. Recording is a few shifts and one increment.
//
// Not thread-safe; the main thread records and reports.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace common {

class LatencyHistogram {
 public:
  static constexpr int64_t kLowest = 1;
  static constexpr int64_t kHighest = 1000000000;
  static constexpr int kSubBucketHalfCountMagnitude = 7;  // log2(128)
  static constexpr int64_t kSubBucketHalfCount = int64_t{1} << kSubBucketHalfCountMagnitude;
  static constexpr int64_t kSubBucketMask = 2 * kSubBucketHalfCount - 1;  // 255
  static constexpr int kBucketCount = 23;  // 256 << 22 > 10^9 >= 256 << 21
  static constexpr size_t kCountsLen = (kBucketCount + 1) * kSubBucketHalfCount;
  static_assert((int64_t{2 * kSubBucketHalfCount} << (kBucketCount - 1)) > kHighest);
  static_assert((int64_t{2 * kSubBucketHalfCount} << (kBucketCount - 2)) <= kHighest);
  static_assert(kCountsLen == 3072);

  // Counts one value, clamped to [kLowest, kHighest] as Redis clamps.
  void Record(int64_t value) {
    if (value < kLowest) value = kLowest;
    if (value > kHighest) value = kHighest;
    if (counts_.empty()) counts_.resize(kCountsLen);
    counts_[IndexOf(value)]++;
    total_++;
  }

  uint64_t total() const { return total_; }
  bool empty() const { return total_ == 0; }

  // HdrHistogram's hdr_value_at_percentile: the highest value equivalent
  // to the one the percentile falls on (at least the first recorded one);
  // for percentile 0, the lowest.
  int64_t ValueAtPercentile(double percentile) const;

  // The cumulative distribution at powers of two from `first` (HdrHistogram's
  // log iterator, base 2, as Redis's LATENCY HISTOGRAM walks it): for each
  // level whose cumulative count grew, (the highest value equivalent to the
  // level, the number of values up to it), until every value is counted.
  std::vector<std::pair<int64_t, uint64_t>> CumulativeAtPowersOfTwo(int64_t first) const;

  // The layout, exposed for tests.
  static size_t IndexOf(int64_t value) {
    // The bucket: how far the value's top bit is above the sub-bucket range.
    int bucket = 64 - std::countl_zero(static_cast<uint64_t>(value | kSubBucketMask)) -
                 (kSubBucketHalfCountMagnitude + 1);
    int64_t sub = value >> bucket;
    return static_cast<size_t>(((bucket + 1) << kSubBucketHalfCountMagnitude) + (sub - kSubBucketHalfCount));
  }
  static int64_t ValueAtIndex(size_t index);
  static int64_t HighestEquivalent(int64_t value);

 private:
  std::vector<uint64_t> counts_;  // empty until the first Record
  uint64_t total_ = 0;
};

}  // namespace common
