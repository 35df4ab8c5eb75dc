// GEO: points stored as members of a sorted set whose score is Redis 7.0's
// 52-bit geohash, and the search that finds the members within a radius or
// a box. No knowledge of clients or replies (commands/geo_cmds.cc).
//
// The score: longitude in [-180, 180] and latitude in [-85.05112878,
// 85.05112878] (the Web Mercator limits) are each scaled to a 26-bit
// integer (offset / range * 2^26, truncated), and the two are interleaved,
// latitude in the even bits, longitude in the odd ones. A score decodes to
// the centre of its cell. Every computation (scaling, neighbour cells, the
// bounding box, the haversine distance on a sphere of radius 6372797.560856
// m) is done with the same double operations in the same order as Redis, so
// the cells searched, the distances, the results, their order and their
// printed digits are the same as Redis's.
//
// Search (Redis's georadiusGeneric core): the radius picks a geohash
// precision, the centre's cell and its eight neighbours (those the area
// cannot reach dropped) are each a score range of the zset, visited in
// Redis's order (centre, N, S, E, W, NE, NW, SE, SW, skipping a cell equal
// to the one visited just before), and each member in range is kept if its
// decoded position lies within the shape.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "object/object.h"

namespace object::geo {

inline constexpr double kLonMin = -180;
inline constexpr double kLonMax = 180;
inline constexpr double kLatMin = -85.05112878;
inline constexpr double kLatMax = 85.05112878;
inline constexpr int kStepMax = 26;  // bits per coordinate: 52-bit scores
inline constexpr double kEarthRadiusMeters = 6372797.560856;
inline constexpr double kMercatorMax = 20037726.37;

// The score GEOADD stores for a point. REQUIRES: the point is within the
// limits above (false otherwise, and *score is untouched).
bool EncodeScore(double lon, double lat, uint64_t* score);
// The centre of the score's cell, clamped to the limits: xy[0] longitude,
// xy[1] latitude. Any double decodes (as Redis casts it to a 64-bit integer).
void DecodeScore(double score, double* xy);
// GEOHASH's 11-character base-32 string for a score (the cell's centre
// re-encoded against latitudes [-90, 90], the standard geohash grid).
std::string HashString(double score);
// Haversine distance in meters (Redis 7.0's geohashGetDistance).
double Distance(double lon1, double lat1, double lon2, double lat2);

struct Shape {
  enum Type { kCircle, kBox } type = kCircle;
  double xy[2] = {0, 0};   // centre: longitude, latitude
  double conversion = 1;   // meters per unit
  double radius = 0;       // kCircle, in units
  double width = 0, height = 0;  // kBox, in units
};

struct Point {
  std::string member;
  double score;      // the stored score
  double lon, lat;   // decoded
  double dist;       // from the centre, in meters
};

// Appends the members of zset `o` within shape to *out in Redis's visiting
// order, stopping after `limit` matches (0: all). REQUIRES: o is a zset.
void Search(const Object* o, const Shape& shape, size_t limit, std::vector<Point>* out);

}  // namespace object::geo
