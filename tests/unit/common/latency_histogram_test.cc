// The latency histogram reproduces HdrHistogram's layout (1..1e9, 2
// significant digits), so its numbers must equal those Redis 7.0 printed
// for the same latencies; the expected values below were read from Debian's
// redis-server 7.0.15 (INFO latencystats, LATENCY HISTOGRAM).
#include "common/latency_histogram.h"

#include <gtest/gtest.h>

#include <random>

namespace common {
namespace {

int64_t SingleValuePercentile(int64_t ns) {
  LatencyHistogram h;
  h.Record(ns);
  return h.ValueAtPercentile(50);
}

TEST(LatencyHistogramTest, PercentilesAsRedisPrintsThem) {
  // p50 of one call of 3, 11, 174, 248 and 260 us: 3.007, 11.007,
  // 174.079, 248.831, 260.095 in Redis's INFO latencystats.
  EXPECT_EQ(SingleValuePercentile(3000), 3007);
  EXPECT_EQ(SingleValuePercentile(11000), 11007);
  EXPECT_EQ(SingleValuePercentile(174000), 174079);
  EXPECT_EQ(SingleValuePercentile(248000), 248831);
  EXPECT_EQ(SingleValuePercentile(260000), 260095);
  EXPECT_EQ(SingleValuePercentile(1), 1);
  EXPECT_EQ(SingleValuePercentile(200), 200);  // unit resolution below 256
}

TEST(LatencyHistogramTest, PercentilesPickTheRank) {
  LatencyHistogram h;
  for (int i = 0; i < 99; i++) h.Record(1000);
  h.Record(50000);
  EXPECT_EQ(h.total(), 100u);
  EXPECT_EQ(h.ValueAtPercentile(50), 1003);
  EXPECT_EQ(h.ValueAtPercentile(99), 1003);    // rank 99 of 100
  EXPECT_EQ(h.ValueAtPercentile(99.9), 50175);  // rounds up to rank 100
  EXPECT_EQ(h.ValueAtPercentile(100), 50175);
  EXPECT_EQ(h.ValueAtPercentile(0), 1000);      // the first value, its lowest equivalent (Redis: p0=2.000)
}

TEST(LatencyHistogramTest, CumulativeBucketsAsLatencyHistogram) {
  // Six SETs of 1, 1, 3, 5, 9 and 40 us gave Redis's LATENCY HISTOGRAM
  // histogram_usec {1: 2, 4: 3, 8: 4, 16: 5, 66: 6}.
  LatencyHistogram h;
  for (int64_t us : {1, 1, 3, 5, 9, 40}) h.Record(us * 1000);
  std::vector<std::pair<int64_t, uint64_t>> cdf = h.CumulativeAtPowersOfTwo(1024);
  std::vector<std::pair<int64_t, uint64_t>> want = {{1031, 2}, {4127, 3}, {8255, 4}, {16511, 5}, {66047, 6}};
  EXPECT_EQ(cdf, want);
  EXPECT_TRUE(LatencyHistogram().CumulativeAtPowersOfTwo(1024).empty());
}

TEST(LatencyHistogramTest, ClampsToOneNanosecondAndOneSecond) {
  LatencyHistogram h;
  h.Record(0);
  h.Record(-5);
  h.Record(int64_t{5} * 1000 * 1000 * 1000);
  EXPECT_EQ(h.ValueAtPercentile(50), 1);
  EXPECT_EQ(h.ValueAtPercentile(100), LatencyHistogram::HighestEquivalent(LatencyHistogram::kHighest));
  auto cdf = h.CumulativeAtPowersOfTwo(1024);
  ASSERT_FALSE(cdf.empty());
  EXPECT_EQ(cdf.back().second, 3u);
}

TEST(LatencyHistogramTest, TwoSignificantDigitsEverywhere) {
  std::mt19937_64 rng(301);
  for (int i = 0; i < 100000; i++) {
    int64_t v = 1 + static_cast<int64_t>(rng() % LatencyHistogram::kHighest);
    size_t index = LatencyHistogram::IndexOf(v);
    ASSERT_LT(index, LatencyHistogram::kCountsLen);
    int64_t lo = LatencyHistogram::ValueAtIndex(index), hi = LatencyHistogram::HighestEquivalent(v);
    ASSERT_LE(lo, v);
    ASSERT_GE(hi, v);
    ASSERT_EQ(LatencyHistogram::IndexOf(lo), index);
    ASSERT_EQ(LatencyHistogram::IndexOf(hi), index);
    // Bucket width at most 1/128 of the value: better than 1% everywhere.
    if (v >= 256) {
      ASSERT_LE((hi - lo + 1) * 128, v);
    }
  }
}

}  // namespace
}  // namespace common
