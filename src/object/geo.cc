// GEO scores and search; see geo.h.
#include "object/geo.h"

#include <cmath>

#include "ds/skiplist.h"
#include "object/zset_type.h"

namespace object::geo {
namespace {

struct Range {
  double min, max;
};
struct Cell {
  uint64_t bits = 0;
  int step = 0;  // 0 (with bits 0): no cell
};
struct Area {
  Range lon, lat;
};

constexpr Range kLonRange{kLonMin, kLonMax};
constexpr Range kLatRange{kLatMin, kLatMax};
constexpr double kDegToRad = M_PI / 180.0;

inline double DegToRad(double d) { return d * kDegToRad; }
inline double RadToDeg(double r) { return r / kDegToRad; }

// Spreads the 32 bits of v over the even bits of the result.
uint64_t Spread(uint32_t v) {
  uint64_t x = v;
  x = (x | (x << 16)) & 0x0000FFFF0000FFFFULL;
  x = (x | (x << 8)) & 0x00FF00FF00FF00FFULL;
  x = (x | (x << 4)) & 0x0F0F0F0F0F0F0F0FULL;
  x = (x | (x << 2)) & 0x3333333333333333ULL;
  x = (x | (x << 1)) & 0x5555555555555555ULL;
  return x;
}

// The inverse: the even bits of x packed into 32 bits.
uint32_t Squash(uint64_t x) {
  x &= 0x5555555555555555ULL;
  x = (x | (x >> 1)) & 0x3333333333333333ULL;
  x = (x | (x >> 2)) & 0x0F0F0F0F0F0F0F0FULL;
  x = (x | (x >> 4)) & 0x00FF00FF00FF00FFULL;
  x = (x | (x >> 8)) & 0x0000FFFF0000FFFFULL;
  x = (x | (x >> 16)) & 0x00000000FFFFFFFFULL;
  return static_cast<uint32_t>(x);
}

// The cell of (lon, lat) at `step` bits per coordinate over the given
// ranges. False outside the Mercator limits or the ranges.
bool Encode(Range lon_r, Range lat_r, double lon, double lat, int step, Cell* out) {
  if (lon > kLonMax || lon < kLonMin || lat > kLatMax || lat < kLatMin) return false;
  if (lat < lat_r.min || lat > lat_r.max || lon < lon_r.min || lon > lon_r.max) return false;
  double lat_offset = (lat - lat_r.min) / (lat_r.max - lat_r.min);
  double lon_offset = (lon - lon_r.min) / (lon_r.max - lon_r.min);
  lat_offset *= static_cast<double>(1ULL << step);
  lon_offset *= static_cast<double>(1ULL << step);
  // Truncated to 32 bits; an offset of exactly 2^step (the upper limit)
  // keeps its carry bit, as in Redis.
  out->bits = Spread(static_cast<uint32_t>(lat_offset)) | (Spread(static_cast<uint32_t>(lon_offset)) << 1);
  out->step = step;
  return true;
}

Area Decode(Cell c) {
  const uint32_t ilat = Squash(c.bits), ilon = Squash(c.bits >> 1);
  const double cells = static_cast<double>(1ULL << c.step);
  const double lat_scale = kLatRange.max - kLatRange.min, lon_scale = kLonRange.max - kLonRange.min;
  Area a;
  a.lat.min = kLatRange.min + (ilat * 1.0 / cells) * lat_scale;
  a.lat.max = kLatRange.min + ((ilat + 1) * 1.0 / cells) * lat_scale;
  a.lon.min = kLonRange.min + (ilon * 1.0 / cells) * lon_scale;
  a.lon.max = kLonRange.min + ((ilon + 1) * 1.0 / cells) * lon_scale;
  return a;
}

// Moves a cell by d (-1, 0, 1) columns (longitude: odd bits) or rows
// (latitude: even bits), wrapping within its step.
void MoveX(Cell* c, int d) {
  if (d == 0) return;
  uint64_t x = c->bits & 0xaaaaaaaaaaaaaaaaULL;
  const uint64_t y = c->bits & 0x5555555555555555ULL;
  const uint64_t zz = 0x5555555555555555ULL >> (64 - c->step * 2);
  if (d > 0) {
    x = x + (zz + 1);
  } else {
    x = x | zz;
    x = x - (zz + 1);
  }
  x &= (0xaaaaaaaaaaaaaaaaULL >> (64 - c->step * 2));
  c->bits = x | y;
}

void MoveY(Cell* c, int d) {
  if (d == 0) return;
  const uint64_t x = c->bits & 0xaaaaaaaaaaaaaaaaULL;
  uint64_t y = c->bits & 0x5555555555555555ULL;
  const uint64_t zz = 0xaaaaaaaaaaaaaaaaULL >> (64 - c->step * 2);
  if (d > 0) {
    y = y + (zz + 1);
  } else {
    y = y | zz;
    y = y - (zz + 1);
  }
  y &= (0x5555555555555555ULL >> (64 - c->step * 2));
  c->bits = x | y;
}

Cell Moved(Cell c, int dx, int dy) {
  MoveX(&c, dx);
  MoveY(&c, dy);
  return c;
}

// Redis's geohashEstimateStepsByRadius.
int EstimateSteps(double range_meters, double lat) {
  if (range_meters == 0) return kStepMax;
  int step = 1;
  while (range_meters < kMercatorMax) {
    range_meters *= 2;
    step++;
  }
  step -= 2;  // so that the range is inside the centre cell and its neighbours in most cases
  if (lat > 66 || lat < -66) {  // meridians converge towards the poles
    step--;
    if (lat > 80 || lat < -80) step--;
  }
  if (step < 1) step = 1;
  if (step > kStepMax) step = kStepMax;
  return step;
}

// The shape's bounding box: min lon, min lat, max lon, max lat.
void BoundingBox(const Shape& s, double* b) {
  const double lon = s.xy[0], lat = s.xy[1];
  const double height = s.conversion * (s.type == Shape::kCircle ? s.radius : s.height / 2);
  const double width = s.conversion * (s.type == Shape::kCircle ? s.radius : s.width / 2);
  const double lat_delta = RadToDeg(height / kEarthRadiusMeters);
  const double lon_delta_top = RadToDeg(width / kEarthRadiusMeters / std::cos(DegToRad(lat + lat_delta)));
  const double lon_delta_bottom = RadToDeg(width / kEarthRadiusMeters / std::cos(DegToRad(lat - lat_delta)));
  // The box's widest edge is the one nearer the equator.
  const bool southern = lat < 0;
  b[0] = southern ? lon - lon_delta_bottom : lon - lon_delta_top;
  b[2] = southern ? lon + lon_delta_bottom : lon + lon_delta_top;
  b[1] = lat - lat_delta;
  b[3] = lat + lat_delta;
}

// Neighbour indexes in visiting order.
enum { kCentre, kNorth, kSouth, kEast, kWest, kNorthEast, kNorthWest, kSouthEast, kSouthWest, kCells };

// Redis's geohashCalculateAreasByShapeWGS84: the cells to search.
void CellsToSearch(const Shape& s, Cell* cells) {
  double b[4];
  BoundingBox(s, b);
  const double min_lon = b[0], min_lat = b[1], max_lon = b[2], max_lat = b[3];
  const double lon = s.xy[0], lat = s.xy[1];
  double radius_meters = s.type == Shape::kCircle
                             ? s.radius
                             : std::sqrt((s.width / 2) * (s.width / 2) + (s.height / 2) * (s.height / 2));
  radius_meters *= s.conversion;
  int steps = EstimateSteps(radius_meters, lat);
  Cell centre;
  Area area;
  auto fill = [&](int st) {
    Encode(kLonRange, kLatRange, lon, lat, st, &centre);
    cells[kCentre] = centre;
    cells[kNorth] = Moved(centre, 0, 1);
    cells[kSouth] = Moved(centre, 0, -1);
    cells[kEast] = Moved(centre, 1, 0);
    cells[kWest] = Moved(centre, -1, 0);
    cells[kNorthEast] = Moved(centre, 1, 1);
    cells[kNorthWest] = Moved(centre, -1, 1);
    cells[kSouthEast] = Moved(centre, 1, -1);
    cells[kSouthWest] = Moved(centre, -1, -1);
    area = Decode(centre);
  };
  fill(steps);
  // Near a cell's edge the neighbours may not reach the whole area: one
  // step coarser then.
  const bool decrease = Decode(cells[kNorth]).lat.max < max_lat || Decode(cells[kSouth]).lat.min > min_lat ||
                        Decode(cells[kEast]).lon.max < max_lon || Decode(cells[kWest]).lon.min > min_lon;
  if (steps > 1 && decrease) fill(--steps);
  // Drop the neighbours the area cannot reach.
  if (steps >= 2) {
    auto drop = [cells](std::initializer_list<int> which) {
      for (int i : which) cells[i] = Cell{};
    };
    if (area.lat.min < min_lat) drop({kSouth, kSouthWest, kSouthEast});
    if (area.lat.max > max_lat) drop({kNorth, kNorthEast, kNorthWest});
    if (area.lon.min < min_lon) drop({kWest, kSouthWest, kNorthWest});
    if (area.lon.max > max_lon) drop({kEast, kSouthEast, kNorthEast});
  }
}

double LatDistance(double lat1, double lat2) { return kEarthRadiusMeters * std::fabs(DegToRad(lat2) - DegToRad(lat1)); }

// Whether (lon, lat) lies within the shape; *dist receives its distance
// from the centre (meters).
bool WithinShape(const Shape& s, double lon, double lat, double* dist) {
  if (s.type == Shape::kCircle) {
    *dist = Distance(s.xy[0], s.xy[1], lon, lat);
    return *dist <= s.radius * s.conversion;
  }
  const double width = s.width * s.conversion, height = s.height * s.conversion;
  if (LatDistance(lat, s.xy[1]) > height / 2) return false;
  if (Distance(lon, lat, s.xy[0], lat) > width / 2) return false;
  *dist = Distance(s.xy[0], s.xy[1], lon, lat);
  return true;
}

}  // namespace

bool EncodeScore(double lon, double lat, uint64_t* score) {
  Cell c;
  if (!Encode(kLonRange, kLatRange, lon, lat, kStepMax, &c)) return false;
  *score = c.bits;  // already 52 bits: aligning to 52 shifts by 0
  return true;
}

void DecodeScore(double score, double* xy) {
  // Redis converts with a plain (uint64_t) cast; x86-64 gives these results
  // for the cases C leaves undefined.
  uint64_t bits;
  if (score >= 0 && score < 18446744073709551616.0) {
    bits = static_cast<uint64_t>(score);
  } else if (score < 0 && score > -9223372036854775808.0) {
    bits = static_cast<uint64_t>(static_cast<int64_t>(score));
  } else if (score >= 18446744073709551616.0) {
    bits = 0;
  } else {
    bits = 0x8000000000000000ULL;  // NaN, -inf, below -2^63
  }
  const Area a = Decode(Cell{bits, kStepMax});
  xy[0] = (a.lon.min + a.lon.max) / 2;
  if (xy[0] > kLonMax) xy[0] = kLonMax;
  if (xy[0] < kLonMin) xy[0] = kLonMin;
  xy[1] = (a.lat.min + a.lat.max) / 2;
  if (xy[1] > kLatMax) xy[1] = kLatMax;
  if (xy[1] < kLatMin) xy[1] = kLatMin;
}

std::string HashString(double score) {
  static constexpr char kAlphabet[] = "0123456789bcdefghjkmnpqrstuvwxyz";
  double xy[2];
  DecodeScore(score, xy);
  Cell c;
  Encode(Range{-180, 180}, Range{-90, 90}, xy[0], xy[1], kStepMax, &c);
  std::string out(11, '0');
  for (int i = 0; i < 11; i++) {
    // 52 bits make ten characters and two bits; the eleventh is "0", as
    // Redis's API has always printed it.
    const int idx = i == 10 ? 0 : static_cast<int>((c.bits >> (52 - (i + 1) * 5)) & 0x1f);
    out[static_cast<size_t>(i)] = kAlphabet[idx];
  }
  return out;
}

double Distance(double lon1, double lat1, double lon2, double lat2) {
  const double lon1r = DegToRad(lon1), lon2r = DegToRad(lon2);
  const double v = std::sin((lon2r - lon1r) / 2);
  if (v == 0.0) return LatDistance(lat1, lat2);  // same meridian: the cheap formula, as Redis 7.0
  const double lat1r = DegToRad(lat1), lat2r = DegToRad(lat2);
  const double u = std::sin((lat2r - lat1r) / 2);
  const double a = u * u + std::cos(lat1r) * std::cos(lat2r) * v * v;
  return 2.0 * kEarthRadiusMeters * std::asin(std::sqrt(a));
}

void Search(const Object* o, const Shape& shape, size_t limit, std::vector<Point>* out) {
  Cell cells[kCells];
  CellsToSearch(shape, cells);
  int last = 0;  // Redis compares with the previous cell only once one other than the centre was searched
  for (int i = 0; i < kCells; i++) {
    const Cell& c = cells[i];
    if (c.bits == 0 && c.step == 0) continue;
    if (last != 0 && c.bits == cells[last].bits && c.step == cells[last].step) continue;
    if (limit != 0 && out->size() >= limit) break;
    // The cell's scores: [bits, bits + 1) aligned to 52 bits.
    const int shift = 52 - c.step * 2;
    ds::ScoreRange r;
    r.min = static_cast<double>(c.bits << shift);
    r.max = static_cast<double>((c.bits + 1) << shift);
    r.maxex = true;
    auto visit = [&shape, limit, out](std::string_view member, double score) {
      if (limit != 0 && out->size() >= limit) return;
      double xy[2], dist;
      DecodeScore(score, xy);
      if (!WithinShape(shape, xy[0], xy[1], &dist)) return;
      out->push_back(Point{std::string(member), score, xy[0], xy[1], dist});
    };
    ZsetRangeByScore(o, r, /*reverse=*/false, 0, -1, visit);
    last = i;
  }
}

}  // namespace object::geo
