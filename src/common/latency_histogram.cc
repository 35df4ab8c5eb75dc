#include "common/latency_histogram.h"

#include <algorithm>

namespace common {

int64_t LatencyHistogram::ValueAtIndex(size_t index) {
  int bucket = static_cast<int>(index >> kSubBucketHalfCountMagnitude) - 1;
  int64_t sub = static_cast<int64_t>(index & (kSubBucketHalfCount - 1)) + kSubBucketHalfCount;
  if (bucket < 0) {  // bucket 0's lower half
    sub -= kSubBucketHalfCount;
    bucket = 0;
  }
  return sub << bucket;
}

int64_t LatencyHistogram::HighestEquivalent(int64_t value) {
  size_t index = IndexOf(value);
  int64_t lowest = ValueAtIndex(index);
  int bucket = std::max(0, static_cast<int>(index >> kSubBucketHalfCountMagnitude) - 1);
  return lowest + (int64_t{1} << bucket) - 1;
}

int64_t LatencyHistogram::ValueAtPercentile(double percentile) const {
  if (total_ == 0) return 0;
  double p = percentile < 100.0 ? percentile : 100.0;
  auto wanted = static_cast<uint64_t>(p / 100.0 * static_cast<double>(total_) + 0.5);
  if (wanted < 1) wanted = 1;
  uint64_t seen = 0;
  for (size_t i = 0; i < counts_.size(); i++) {
    seen += counts_[i];
    // The 0th percentile is the lowest equivalent value, as HdrHistogram.
    if (seen >= wanted) return percentile == 0.0 ? ValueAtIndex(i) : HighestEquivalent(ValueAtIndex(i));
  }
  return 0;
}

std::vector<std::pair<int64_t, uint64_t>> LatencyHistogram::CumulativeAtPowersOfTwo(int64_t first) const {
  std::vector<std::pair<int64_t, uint64_t>> out;
  if (total_ == 0) return out;
  uint64_t seen = 0, reported = 0;
  size_t i = 0;
  // Each level is a power of two, so it starts a sub-bucket: the count up
  // to the level is the counts up to and including the level's index.
  for (int64_t level = first; reported < total_ && level <= 2 * kHighest; level *= 2) {
    size_t upto = IndexOf(level);
    for (; i <= upto && i < counts_.size(); i++) seen += counts_[i];
    if (seen > reported) {
      out.emplace_back(HighestEquivalent(level), seen);
      reported = seen;
    }
  }
  return out;
}

}  // namespace common
