// LatencyHistogram: HdrHistogram-style log-linear buckets for latencies.
//
// Values are unsigned integers (tierload records nanoseconds). Every power of
// two is split into kSubBuckets equal buckets, so a bucket is never wider
// than 1/kSubBuckets of the values it holds: the relative error of any
// reported percentile is bounded by a constant whatever the range, from
// nanoseconds to hours, with a fixed, small table and O(1) recording (a
// count-leading-zeros and two shifts, no search, no allocation).
//
// Layout. Let B = kSubBuckets = 2^kSubBucketBits. Values below 2B get one
// bucket each (exact). A value v >= 2B with highest set bit e has
// shift = e - kSubBucketBits and lands in bucket shift * B + (v >> shift);
// v >> shift lies in [B, 2B), so the magnitudes tile the index space without
// gaps: [0, 2B) linear, then B buckets of width 2^shift per magnitude.
//
// Percentiles. Percentile(p) is the value at rank ceil(p/100 * count)
// (1-based) of the sorted samples, the definition redis-benchmark and
// HdrHistogram use ("p% of requests took at most this"). We report the
// midpoint of that sample's bucket, clamped to [Min(), Max()], so the error
// against the exact sample is at most half a bucket width:
//   |Percentile(p) - exact| <= exact / (2 * kSubBuckets)   (0 for v < 2B).
// Min() and Max() are exact.
//
// Not thread-safe: one histogram per event loop; Merge() combines them.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace tierload {

class LatencyHistogram {
 public:
  // 2^7 = 128 sub-buckets per power of two: relative error <= 1/256 (0.4%),
  // finer than run-to-run noise, and the whole table is 7.4 K counters
  // (58 KiB), small enough to stay in L2 while a loop records into it.
  static constexpr int kSubBucketBits = 7;
  static constexpr uint64_t kSubBuckets = uint64_t{1} << kSubBucketBits;
  // The last magnitude is e = 63: shift = 63 - kSubBucketBits, plus the
  // linear region's two magnitudes' worth.
  static constexpr size_t kBuckets = (64 - kSubBucketBits + 1) * kSubBuckets;

  LatencyHistogram() { Reset(); }

  void Reset();
  // Adds one sample.
  void Record(uint64_t value) {
    counts_[BucketOf(value)]++;
    count_++;
    sum_ += value;
    if (value < min_) min_ = value;
    if (value > max_) max_ = value;
  }
  // Adds every sample of `other`.
  void Merge(const LatencyHistogram& other);

  uint64_t Count() const { return count_; }
  // Exact extremes; 0 when empty.
  uint64_t Min() const { return count_ ? min_ : 0; }
  uint64_t Max() const { return max_; }
  // Exact mean of the recorded values; 0 when empty.
  double Mean() const { return count_ ? static_cast<double>(sum_) / static_cast<double>(count_) : 0; }
  // The p-th percentile (0 < p <= 100) within the error bound above;
  // 0 when empty. p <= 0 gives Min(), p >= 100 gives Max().
  uint64_t Percentile(double p) const;

  // Bucket arithmetic, exposed for the tests.
  static size_t BucketOf(uint64_t value) {
    if (value < 2 * kSubBuckets) return static_cast<size_t>(value);
    int shift = 63 - __builtin_clzll(value) - kSubBucketBits;
    return static_cast<size_t>(shift) * kSubBuckets + static_cast<size_t>(value >> shift);
  }
  // The smallest value in bucket `index`, and the bucket's width.
  static uint64_t BucketLow(size_t index);
  static uint64_t BucketWidth(size_t index);

 private:
  std::array<uint64_t, kBuckets> counts_;
  uint64_t count_;
  // Sum of samples: nanosecond latencies overflow it only after ~584 years
  // of cumulative latency.
  uint64_t sum_;
  uint64_t min_;
  uint64_t max_;
};

}  // namespace tierload
