// Tests for tierload/distributions.h: with fixed seeds, uniform and Zipf key
// draws and weighted/range value sizes match their exact distributions by a
// chi-square test, and the spec parsers accept and reject what they document.
#include <cmath>
#include <cstdint>
#include <vector>

#include "gtest/gtest.h"
#include "tierload/distributions.h"

namespace tierload {
namespace {

// Chi-square critical value at significance 0.001 for `dof` degrees of
// freedom (Wilson-Hilferty approximation, z = 3.090).
double ChiSquareCritical(double dof) {
  double a = 2.0 / (9.0 * dof);
  return dof * std::pow(1 - a + 3.090 * std::sqrt(a), 3);
}

double ChiSquare(const std::vector<uint64_t>& counts, const std::vector<double>& probs, uint64_t n) {
  double chi2 = 0;
  for (size_t i = 0; i < counts.size(); i++) {
    double expected = probs[i] * static_cast<double>(n);
    double d = static_cast<double>(counts[i]) - expected;
    chi2 += d * d / expected;
  }
  return chi2;
}

std::vector<double> ZipfProbabilities(uint64_t n, double s) {
  std::vector<double> p(n);
  double total = 0;
  for (uint64_t k = 1; k <= n; k++) total += p[k - 1] = std::pow(static_cast<double>(k), -s);
  for (double& x : p) x /= total;
  return p;
}

// Draws `samples` keys from `d` with a fresh Rng(seed) and counts them per
// index; `cells` must cover the range d draws from (checked).
std::vector<uint64_t> Draw(const KeyDistribution& d, uint64_t cells, uint64_t samples, uint64_t seed) {
  Rng rng(seed);
  std::vector<uint64_t> counts(cells);
  for (uint64_t i = 0; i < samples; i++) {
    uint64_t k = d.Sample(rng);
    EXPECT_LT(k, cells);
    if (k >= cells) break;
    counts[k]++;
  }
  return counts;
}

TEST(Rng, SameSeedSameSequenceDifferentSeedDifferent) {
  Rng a(99), b(99), c(100);
  bool differs = false;
  for (int i = 0; i < 1000; i++) {
    uint64_t x = a.Next();
    ASSERT_EQ(x, b.Next());
    differs |= x != c.Next();
  }
  EXPECT_TRUE(differs);
}

TEST(Rng, UnitAndBelowStayInRange) {
  Rng r(1);
  for (int i = 0; i < 100000; i++) {
    double u = r.Unit();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    ASSERT_LT(r.Below(7), 7u);
  }
}

TEST(KeyDistribution, UniformPassesChiSquare) {
  constexpr uint64_t kN = 100, kSamples = 1000000;
  auto counts = Draw(KeyDistribution::Uniform(kN), kN, kSamples, 12345);
  EXPECT_LT(ChiSquare(counts, std::vector<double>(kN, 1.0 / kN), kSamples), ChiSquareCritical(kN - 1));
}

TEST(KeyDistribution, UniformRejectsAShiftedDistribution) {
  // The test above can fail: the same statistic flags draws that skip one
  // key.
  constexpr uint64_t kN = 100, kSamples = 1000000;
  auto counts = Draw(KeyDistribution::Uniform(kN - 1), kN, kSamples, 12345);
  EXPECT_GT(ChiSquare(counts, std::vector<double>(kN, 1.0 / kN), kSamples), ChiSquareCritical(kN - 1));
}

struct ZipfCase {
  uint64_t n;
  double s;
};

class ZipfChiSquare : public ::testing::TestWithParam<ZipfCase> {};

TEST_P(ZipfChiSquare, MatchesExactProbabilities) {
  const auto [n, s] = GetParam();
  constexpr uint64_t kSamples = 1000000;
  auto counts = Draw(KeyDistribution::Zipf(n, s), n, kSamples, 2024);
  auto probs = ZipfProbabilities(n, s);
  EXPECT_LT(ChiSquare(counts, probs, kSamples), ChiSquareCritical(static_cast<double>(n - 1)))
      << "n=" << n << " s=" << s;
  // Index 0 is the hottest key.
  EXPECT_GT(counts[0], counts[n - 1]);
}

INSTANTIATE_TEST_SUITE_P(Exponents, ZipfChiSquare,
                         ::testing::Values(ZipfCase{100, 0.99}, ZipfCase{100, 1.0}, ZipfCase{50, 1.5},
                                           ZipfCase{1000, 0.5}, ZipfCase{10, 3.0}, ZipfCase{200, 0.01}));

TEST(KeyDistribution, ZipfChiSquareRejectsAWrongExponent) {
  constexpr uint64_t kN = 100, kSamples = 1000000;
  auto counts = Draw(KeyDistribution::Zipf(kN, 1.1), kN, kSamples, 2024);
  EXPECT_GT(ChiSquare(counts, ZipfProbabilities(kN, 1.0), kSamples), ChiSquareCritical(kN - 1));
}

TEST(KeyDistribution, ZipfOverAMillionKeysHasTheExactHeadMass) {
  constexpr uint64_t kN = 1000000, kSamples = 2000000;
  auto d = KeyDistribution::Zipf(kN, 0.99);
  auto probs = ZipfProbabilities(kN, 0.99);
  double head = 0;  // exact mass of the 100 hottest keys
  for (int i = 0; i < 100; i++) head += probs[i];
  Rng rng(5);
  uint64_t in_head = 0, first = 0;
  for (uint64_t i = 0; i < kSamples; i++) {
    uint64_t k = d.Sample(rng);
    ASSERT_LT(k, kN);
    in_head += k < 100;
    first += k == 0;
  }
  auto within = [&](uint64_t count, double p) {
    double sigma = std::sqrt(p * (1 - p) / kSamples);
    return std::fabs(static_cast<double>(count) / kSamples - p) < 5 * sigma;
  };
  EXPECT_TRUE(within(in_head, head)) << in_head << " vs " << head * kSamples;
  EXPECT_TRUE(within(first, probs[0])) << first << " vs " << probs[0] * kSamples;
}

TEST(KeyDistribution, SingleKeyAlwaysZero) {
  Rng rng(1);
  auto z = KeyDistribution::Zipf(1, 0.99);
  auto u = KeyDistribution::Uniform(1);
  for (int i = 0; i < 1000; i++) {
    ASSERT_EQ(z.Sample(rng), 0u);
    ASSERT_EQ(u.Sample(rng), 0u);
  }
}

TEST(KeyDistribution, Parse) {
  auto u = KeyDistribution::Parse("uniform", 10);
  ASSERT_TRUE(u.ok());
  EXPECT_FALSE(u->is_zipf());
  auto z = KeyDistribution::Parse("zipf", 10);
  ASSERT_TRUE(z.ok());
  EXPECT_TRUE(z->is_zipf());
  EXPECT_DOUBLE_EQ(z->s(), 0.99);
  auto z2 = KeyDistribution::Parse("zipf:1.25", 10);
  ASSERT_TRUE(z2.ok());
  EXPECT_DOUBLE_EQ(z2->s(), 1.25);
  for (const char* bad : {"zipf:0", "zipf:-1", "zipf:abc", "zipf:", "Zipf", "normal", ""}) {
    EXPECT_FALSE(KeyDistribution::Parse(bad, 10).ok()) << bad;
  }
  EXPECT_FALSE(KeyDistribution::Parse("uniform", 0).ok());
}

TEST(SizeDistribution, FixedAndSuffix) {
  Rng rng(1);
  auto d = SizeDistribution::Parse("64");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->Sample(rng), 64u);
  EXPECT_EQ(d->MaxSize(), 64u);
  auto k = SizeDistribution::Parse("1k");
  ASSERT_TRUE(k.ok());
  EXPECT_EQ(k->Sample(rng), 1024u);
  EXPECT_DOUBLE_EQ(k->Mean(), 1024);
}

TEST(SizeDistribution, RangeIsUniformAndInclusive) {
  auto d = SizeDistribution::Parse("10-20");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->MaxSize(), 20u);
  EXPECT_DOUBLE_EQ(d->Mean(), 15);
  Rng rng(77);
  constexpr uint64_t kSamples = 220000;
  std::vector<uint64_t> counts(11);
  for (uint64_t i = 0; i < kSamples; i++) {
    uint64_t v = d->Sample(rng);
    ASSERT_GE(v, 10u);
    ASSERT_LE(v, 20u);
    counts[v - 10]++;
  }
  EXPECT_LT(ChiSquare(counts, std::vector<double>(11, 1.0 / 11), kSamples), ChiSquareCritical(10));
}

TEST(SizeDistribution, WeightedListFollowsItsWeights) {
  auto d = SizeDistribution::Parse("64:0.7,1024:0.2,4k:0.1");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->MaxSize(), 4096u);
  EXPECT_NEAR(d->Mean(), 64 * 0.7 + 1024 * 0.2 + 4096 * 0.1, 1e-9);
  Rng rng(8);
  constexpr uint64_t kSamples = 300000;
  std::vector<uint64_t> counts(3);
  for (uint64_t i = 0; i < kSamples; i++) {
    uint64_t v = d->Sample(rng);
    ASSERT_TRUE(v == 64 || v == 1024 || v == 4096) << v;
    counts[v == 64 ? 0 : v == 1024 ? 1 : 2]++;
  }
  EXPECT_LT(ChiSquare(counts, {0.7, 0.2, 0.1}, kSamples), ChiSquareCritical(2));
}

TEST(SizeDistribution, WeightsAreRelative) {
  auto d = SizeDistribution::Parse("1:1,2:3");
  ASSERT_TRUE(d.ok());
  Rng rng(9);
  constexpr uint64_t kSamples = 100000;
  std::vector<uint64_t> counts(2);
  for (uint64_t i = 0; i < kSamples; i++) counts[d->Sample(rng) - 1]++;
  EXPECT_LT(ChiSquare(counts, {0.25, 0.75}, kSamples), ChiSquareCritical(1));
  EXPECT_DOUBLE_EQ(d->Mean(), 1.75);
}

TEST(SizeDistribution, RejectsMalformedSpecs) {
  for (const char* bad : {"", "0", "-5", "abc", "64-32", "64-", "-64", "64:0", "64:-1", "64:abc", "a:1",
                          "64:0.5,", ",64:1", "64:0.5,128", "600000000", "1000000k", "64:inf"}) {
    EXPECT_FALSE(SizeDistribution::Parse(bad).ok()) << bad;
  }
  EXPECT_TRUE(SizeDistribution::Parse("536870912").ok());  // exactly 512 MiB
}

}  // namespace
}  // namespace tierload
