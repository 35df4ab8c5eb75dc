// Random sources for tierload: the generator, key distributions (uniform and
// Zipf over a keyspace of N) and value-size distributions (fixed, uniform
// range, weighted list).
//
// Reproducibility: every distribution draws only from Rng, whose sequence is
// fixed by its seed (xoshiro256** seeded through splitmix64), and converts
// with our own integer arithmetic rather than <random>'s distributions, whose
// output is not specified by the standard. A given seed gives the same keys
// and sizes on every platform and compiler, so runs and tests repeat exactly.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace tierload {

// xoshiro256** (Blackman and Vigna): 256 bits of state, period 2^256 - 1,
// passes BigCrush, a handful of cycles per draw.
class Rng {
 public:
  explicit Rng(uint64_t seed);
  uint64_t Next();
  // Uniform in [0, n) by Lemire's multiply-shift; the bias is below
  // n / 2^64, invisible at any keyspace we use. REQUIRES: n > 0.
  uint64_t Below(uint64_t n) {
    return static_cast<uint64_t>((static_cast<unsigned __int128>(Next()) * n) >> 64);
  }
  // Uniform in [0, 1) with 53 random bits.
  double Unit() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }

 private:
  uint64_t s_[4];
};

// Draws key indexes in [0, n).
//   uniform: every index equally likely.
//   zipf(s): index i (rank i+1) with probability proportional to
//            1 / (i+1)^s, so index 0 is the hottest key. Any s > 0 (s = 1
//            included) and any n up to 2^53, with no table: Hörmann and
//            Derflinger's rejection-inversion method ("Rejection-inversion
//            to generate variates from monotone discrete distributions",
//            ACM TOMACS 1996), O(1) expected time and O(1) memory.
class KeyDistribution {
 public:
  static KeyDistribution Uniform(uint64_t n);
  // REQUIRES: s > 0, n >= 1.
  static KeyDistribution Zipf(uint64_t n, double s);
  // Parses "uniform", "zipf" (s = 0.99, YCSB's default) or "zipf:<s>".
  static common::Result<KeyDistribution> Parse(std::string_view spec, uint64_t n);

  uint64_t Sample(Rng& rng) const;
  uint64_t n() const { return n_; }
  bool is_zipf() const { return zipf_; }
  double s() const { return s_; }

 private:
  KeyDistribution(uint64_t n, bool zipf, double s);
  // H is an antiderivative of h(x) = x^-s, written so it is continuous in s
  // through s = 1 (where it becomes log x); HInverse is its inverse.
  double H(double x) const;
  double HInverse(double x) const;

  uint64_t n_;
  bool zipf_;
  double s_;
  // Rejection-inversion constants, fixed at construction.
  double h_integral_x1_ = 0;  // H(1.5) - 1
  double h_integral_n_ = 0;   // H(n + 0.5)
  double accept_slack_ = 0;   // 2 - HInverse(H(2.5) - h(2))
};

// Value sizes in bytes.
//   "64"               always 64
//   "64-1024"          uniform over [64, 1024], both ends included
//   "64:0.7,1024:0.3"  64 with weight 0.7, 1024 with weight 0.3 (weights
//                      are relative: they need not sum to 1)
// A size may carry a "k" suffix (x1024): "1k". Sizes are at most
// kMaxValueSize.
class SizeDistribution {
 public:
  // Redis's proto-max-bulk-len default: a bigger value cannot be sent.
  static constexpr uint64_t kMaxValueSize = 512ull * 1024 * 1024;

  static common::Result<SizeDistribution> Parse(std::string_view spec);
  static SizeDistribution Fixed(uint64_t size);

  uint64_t Sample(Rng& rng) const;
  uint64_t MaxSize() const;
  // The expected size (for reporting).
  double Mean() const;

 private:
  enum class Kind { kFixed, kRange, kWeighted };
  Kind kind_ = Kind::kFixed;
  uint64_t lo_ = 0, hi_ = 0;        // kFixed (lo_ only) and kRange
  std::vector<uint64_t> sizes_;     // kWeighted
  std::vector<double> cumulative_;  // kWeighted: running sums of the weights
};

}  // namespace tierload
