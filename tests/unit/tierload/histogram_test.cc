// Tests for tierload/histogram.h: the bucket layout tiles the value range
// without gaps, and percentiles stay within the documented error bound of
// the exact order statistics.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "gtest/gtest.h"
#include "tierload/distributions.h"
#include "tierload/histogram.h"

namespace tierload {
namespace {

using H = LatencyHistogram;

// The value at rank ceil(p/100 * n) of the sorted samples: the definition
// Percentile() promises.
uint64_t ExactPercentile(std::vector<uint64_t> v, double p) {
  std::sort(v.begin(), v.end());
  auto rank = static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(v.size())));
  if (rank < 1) rank = 1;
  return v[rank - 1];
}

TEST(HistogramBuckets, TileTheWholeRangeWithoutGaps) {
  EXPECT_EQ(H::BucketLow(0), 0u);
  for (size_t i = 0; i + 1 < H::kBuckets; i++) {
    ASSERT_EQ(H::BucketLow(i) + H::BucketWidth(i), H::BucketLow(i + 1)) << "bucket " << i;
  }
  EXPECT_EQ(H::BucketOf(std::numeric_limits<uint64_t>::max()), H::kBuckets - 1);
  EXPECT_EQ(H::BucketLow(H::kBuckets - 1) + (H::BucketWidth(H::kBuckets - 1) - 1),
            std::numeric_limits<uint64_t>::max());
}

TEST(HistogramBuckets, EveryValueFallsInItsBucketAndWidthIsBounded) {
  Rng rng(42);
  for (int i = 0; i < 200000; i++) {
    // Spread over all magnitudes: a random bit length, then random bits.
    int bits = static_cast<int>(rng.Below(64)) + 1;
    uint64_t v = bits == 64 ? rng.Next() : rng.Next() & ((uint64_t{1} << bits) - 1);
    size_t b = H::BucketOf(v);
    ASSERT_LT(b, H::kBuckets);
    ASSERT_LE(H::BucketLow(b), v);
    ASSERT_LE(v - H::BucketLow(b), H::BucketWidth(b) - 1);
    if (v < 2 * H::kSubBuckets) {
      ASSERT_EQ(H::BucketWidth(b), 1u) << v;
    } else {
      ASSERT_LE(H::BucketWidth(b), v / H::kSubBuckets) << v;
    }
  }
}

TEST(Histogram, EmptyReportsZeros) {
  H h;
  EXPECT_EQ(h.Count(), 0u);
  EXPECT_EQ(h.Min(), 0u);
  EXPECT_EQ(h.Max(), 0u);
  EXPECT_EQ(h.Percentile(50), 0u);
  EXPECT_EQ(h.Mean(), 0);
}

TEST(Histogram, SmallValuesAreExact) {
  H h;
  for (uint64_t v = 1; v <= 100; v++) h.Record(v);
  EXPECT_EQ(h.Percentile(50), 50u);
  EXPECT_EQ(h.Percentile(99), 99u);
  EXPECT_EQ(h.Percentile(99.9), 100u);
  EXPECT_EQ(h.Percentile(0.5), 1u);
  EXPECT_EQ(h.Min(), 1u);
  EXPECT_EQ(h.Max(), 100u);
  EXPECT_DOUBLE_EQ(h.Mean(), 50.5);
}

TEST(Histogram, SingleLargeValueIsReportedExactly) {
  H h;
  h.Record(123456789);
  for (double p : {1.0, 50.0, 99.0, 99.9, 100.0}) EXPECT_EQ(h.Percentile(p), 123456789u) << p;
}

TEST(Histogram, PercentilesWithinErrorBoundOfExact) {
  // Latency-like samples: log-uniform between 1 us and 1 s in nanoseconds,
  // plus a heavy tail of 0.5% at up to 60 s.
  Rng rng(7);
  std::vector<uint64_t> samples;
  H h;
  for (int i = 0; i < 200000; i++) {
    double lo = std::log(1e3), hi = rng.Unit() < 0.005 ? std::log(6e10) : std::log(1e9);
    auto v = static_cast<uint64_t>(std::exp(lo + rng.Unit() * (hi - lo)));
    samples.push_back(v);
    h.Record(v);
  }
  for (double p : {0.1, 1.0, 10.0, 25.0, 50.0, 75.0, 90.0, 99.0, 99.5, 99.9, 99.99}) {
    uint64_t exact = ExactPercentile(samples, p);
    uint64_t got = h.Percentile(p);
    double err = std::fabs(static_cast<double>(got) - static_cast<double>(exact));
    EXPECT_LE(err, static_cast<double>(exact) / (2.0 * H::kSubBuckets)) << "p" << p << " exact " << exact << " got " << got;
  }
  EXPECT_EQ(h.Min(), *std::min_element(samples.begin(), samples.end()));
  EXPECT_EQ(h.Max(), *std::max_element(samples.begin(), samples.end()));
  EXPECT_EQ(h.Percentile(100), h.Max());
  long double sum = 0;
  for (uint64_t v : samples) sum += v;
  EXPECT_NEAR(h.Mean(), static_cast<double>(sum / samples.size()), 1e-6 * h.Mean());
}

TEST(Histogram, MergeEqualsRecordingEverythingInOne) {
  Rng rng(3);
  H a, b, all;
  for (int i = 0; i < 50000; i++) {
    uint64_t v = rng.Below(10'000'000);
    (i % 3 ? a : b).Record(v);
    all.Record(v);
  }
  a.Merge(b);
  EXPECT_EQ(a.Count(), all.Count());
  EXPECT_EQ(a.Min(), all.Min());
  EXPECT_EQ(a.Max(), all.Max());
  EXPECT_DOUBLE_EQ(a.Mean(), all.Mean());
  for (double p : {50.0, 90.0, 99.0, 99.9}) EXPECT_EQ(a.Percentile(p), all.Percentile(p)) << p;
  a.Reset();
  EXPECT_EQ(a.Count(), 0u);
  EXPECT_EQ(a.Percentile(50), 0u);
}

}  // namespace
}  // namespace tierload
