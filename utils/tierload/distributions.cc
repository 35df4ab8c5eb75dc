// Rng, KeyDistribution and SizeDistribution: see distributions.h.
#include "tierload/distributions.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "common/util.h"

namespace tierload {

namespace {

uint64_t SplitMix64(uint64_t& x) {
  uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

// log1p(x) / x and expm1(x) / x, continuous through x = 0 where the plain
// quotients lose every digit: below |x| = 1e-8 the third-order Taylor
// polynomial is exact to double precision.
double Log1pOverX(double x) {
  if (std::fabs(x) > 1e-8) return std::log1p(x) / x;
  return 1 - x * (0.5 - x * (1.0 / 3 - 0.25 * x));
}
double Expm1OverX(double x) {
  if (std::fabs(x) > 1e-8) return std::expm1(x) / x;
  return 1 + x * 0.5 * (1 + x / 3 * (1 + 0.25 * x));
}

// One size with an optional "k" (x1024) suffix, 1 .. kMaxValueSize.
bool ParseSize(std::string_view s, uint64_t* out) {
  uint64_t mult = 1;
  if (!s.empty() && (s.back() == 'k' || s.back() == 'K')) {
    mult = 1024;
    s.remove_suffix(1);
  }
  uint64_t v;
  if (!common::StringToUint64(s, &v) || v == 0 || v > SizeDistribution::kMaxValueSize / mult) return false;
  *out = v * mult;
  return true;
}

}  // namespace

// ---- Rng -----------------------------------------------------------------------

Rng::Rng(uint64_t seed) {
  for (auto& word : s_) word = SplitMix64(seed);
}

uint64_t Rng::Next() {
  uint64_t result = Rotl(s_[1] * 5, 7) * 9;
  uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = Rotl(s_[3], 45);
  return result;
}

// ---- KeyDistribution -------------------------------------------------------------

KeyDistribution::KeyDistribution(uint64_t n, bool zipf, double s) : n_(n), zipf_(zipf), s_(s) {
  if (!zipf_) return;
  h_integral_x1_ = H(1.5) - 1;
  h_integral_n_ = H(static_cast<double>(n_) + 0.5);
  accept_slack_ = 2 - HInverse(H(2.5) - std::exp(-s_ * std::log(2.0)));
}

KeyDistribution KeyDistribution::Uniform(uint64_t n) { return KeyDistribution(n, false, 0); }
KeyDistribution KeyDistribution::Zipf(uint64_t n, double s) { return KeyDistribution(n, true, s); }

common::Result<KeyDistribution> KeyDistribution::Parse(std::string_view spec, uint64_t n) {
  if (n == 0) return common::Status::InvalidArgument("the keyspace must hold at least one key");
  if (spec == "uniform") return Uniform(n);
  // YCSB's default skew: the top 1% of a million keys take about half of
  // the requests.
  if (spec == "zipf") return Zipf(n, 0.99);
  if (spec.substr(0, 5) == "zipf:") {
    double s;
    if (!common::StringToDouble(spec.substr(5), &s) || !(s > 0) || s > 100) {
      return common::Status::InvalidArgument("zipf exponent must be a number in (0, 100]: " +
                                             std::string(spec));
    }
    return Zipf(n, s);
  }
  return common::Status::InvalidArgument("unknown key distribution (uniform, zipf, zipf:<s>): " +
                                         std::string(spec));
}

double KeyDistribution::H(double x) const {
  double log_x = std::log(x);
  return Expm1OverX((1 - s_) * log_x) * log_x;
}

double KeyDistribution::HInverse(double x) const {
  double t = x * (1 - s_);
  if (t < -1) t = -1;  // rounding can push t just past the domain of log1p
  return std::exp(Log1pOverX(t) * x);
}

uint64_t KeyDistribution::Sample(Rng& rng) const {
  if (!zipf_) return rng.Below(n_);
  // Invert H over the continuous hat function, round to the nearest rank and
  // accept unless the point falls in the sliver where the hat exceeds the
  // discrete mass; the expected number of rounds is close to 1.
  for (;;) {
    double u = h_integral_n_ + rng.Unit() * (h_integral_x1_ - h_integral_n_);
    double x = HInverse(u);
    double rounded = std::floor(x + 0.5);
    uint64_t k = rounded < 1 ? 1 : rounded > static_cast<double>(n_) ? n_ : static_cast<uint64_t>(rounded);
    double kd = static_cast<double>(k);
    if (kd - x <= accept_slack_ || u >= H(kd + 0.5) - std::exp(-s_ * std::log(kd))) return k - 1;
  }
}

// ---- SizeDistribution --------------------------------------------------------------

SizeDistribution SizeDistribution::Fixed(uint64_t size) {
  SizeDistribution d;
  d.lo_ = d.hi_ = size;
  return d;
}

common::Result<SizeDistribution> SizeDistribution::Parse(std::string_view spec) {
  auto bad = [&](std::string_view why) {
    return common::Status::InvalidArgument(std::string(why) + ": '" + std::string(spec) +
                                           "' (sizes 1.." + std::to_string(kMaxValueSize) +
                                           ", forms: 64, 64-1024, 64:0.7,1024:0.3)");
  };
  SizeDistribution d;
  if (spec.find(':') != std::string_view::npos) {
    d.kind_ = Kind::kWeighted;
    double total = 0;
    size_t start = 0;
    while (start <= spec.size()) {
      size_t comma = spec.find(',', start);
      std::string_view item = spec.substr(start, comma == std::string_view::npos ? std::string_view::npos
                                                                                 : comma - start);
      size_t colon = item.find(':');
      uint64_t size;
      double weight;
      if (colon == std::string_view::npos || !ParseSize(item.substr(0, colon), &size)) {
        return bad("bad size in weighted list");
      }
      if (!common::StringToDouble(item.substr(colon + 1), &weight) || !(weight > 0) || std::isinf(weight)) {
        return bad("weights must be positive numbers");
      }
      total += weight;
      d.sizes_.push_back(size);
      d.cumulative_.push_back(total);
      if (comma == std::string_view::npos) break;
      start = comma + 1;
    }
    return d;
  }
  size_t dash = spec.find('-');
  if (dash != std::string_view::npos) {
    d.kind_ = Kind::kRange;
    if (!ParseSize(spec.substr(0, dash), &d.lo_) || !ParseSize(spec.substr(dash + 1), &d.hi_)) {
      return bad("bad size in range");
    }
    if (d.lo_ > d.hi_) return bad("range must run from the smaller size to the larger");
    return d;
  }
  if (!ParseSize(spec, &d.lo_)) return bad("bad value size");
  d.hi_ = d.lo_;
  return d;
}

uint64_t SizeDistribution::Sample(Rng& rng) const {
  switch (kind_) {
    case Kind::kFixed:
      return lo_;
    case Kind::kRange:
      return lo_ + rng.Below(hi_ - lo_ + 1);
    case Kind::kWeighted: {
      double u = rng.Unit() * cumulative_.back();
      // The first running sum above u; lists are short, and upper_bound keeps
      // it O(log k) for long ones.
      auto it = std::upper_bound(cumulative_.begin(), cumulative_.end(), u);
      if (it == cumulative_.end()) --it;  // u == total after rounding
      return sizes_[static_cast<size_t>(it - cumulative_.begin())];
    }
  }
  return lo_;
}

uint64_t SizeDistribution::MaxSize() const {
  if (kind_ == Kind::kWeighted) return *std::max_element(sizes_.begin(), sizes_.end());
  return hi_;
}

double SizeDistribution::Mean() const {
  if (kind_ != Kind::kWeighted) return (static_cast<double>(lo_) + static_cast<double>(hi_)) / 2;
  double sum = 0, prev = 0;
  for (size_t i = 0; i < sizes_.size(); i++) {
    sum += static_cast<double>(sizes_[i]) * (cumulative_[i] - prev);
    prev = cumulative_[i];
  }
  return sum / cumulative_.back();
}

}  // namespace tierload
