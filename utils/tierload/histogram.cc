// LatencyHistogram: see histogram.h for the bucket layout and error bound.
#include "tierload/histogram.h"

#include <cmath>
#include <limits>

namespace tierload {

void LatencyHistogram::Reset() {
  counts_.fill(0);
  count_ = 0;
  sum_ = 0;
  min_ = std::numeric_limits<uint64_t>::max();
  max_ = 0;
}

void LatencyHistogram::Merge(const LatencyHistogram& other) {
  for (size_t i = 0; i < kBuckets; i++) counts_[i] += other.counts_[i];
  count_ += other.count_;
  sum_ += other.sum_;
  if (other.min_ < min_) min_ = other.min_;
  if (other.max_ > max_) max_ = other.max_;
}

uint64_t LatencyHistogram::BucketLow(size_t index) {
  if (index < 2 * kSubBuckets) return index;
  size_t shift = index / kSubBuckets - 1;
  uint64_t sub = index - shift * kSubBuckets;  // in [B, 2B)
  return sub << shift;
}

uint64_t LatencyHistogram::BucketWidth(size_t index) {
  if (index < 2 * kSubBuckets) return 1;
  return uint64_t{1} << (index / kSubBuckets - 1);
}

uint64_t LatencyHistogram::Percentile(double p) const {
  if (count_ == 0) return 0;
  if (p <= 0) return Min();
  if (p >= 100) return Max();
  // Rank of the sample wanted, 1-based; at least 1 so that tiny p gives the
  // smallest sample rather than nothing.
  auto rank = static_cast<uint64_t>(std::ceil(p / 100.0 * static_cast<double>(count_)));
  if (rank < 1) rank = 1;
  if (rank > count_) rank = count_;
  uint64_t seen = 0;
  for (size_t i = 0; i < kBuckets; i++) {
    seen += counts_[i];
    if (seen >= rank) {
      uint64_t mid = BucketLow(i) + BucketWidth(i) / 2;
      if (mid < Min()) mid = Min();
      if (mid > max_) mid = max_;
      return mid;
    }
  }
  return max_;  // unreachable: the counts sum to count_
}

}  // namespace tierload
