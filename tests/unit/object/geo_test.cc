// object/geo: scores, decoding, geohash strings, distances and the search,
// against values Redis 7.0 documents and gives (test_geo.py compares whole
// replies with Debian's redis-server).
#include "object/geo.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "object/zset_type.h"

namespace object::geo {
namespace {

TEST(GeoTest, ScoreOfPalermo) {
  uint64_t score;
  ASSERT_TRUE(EncodeScore(13.361389, 38.115556, &score));
  EXPECT_EQ(score, 3479099956230698ULL);  // ZSCORE Sicily Palermo in Redis's GEOADD example
  double xy[2];
  DecodeScore(static_cast<double>(score), xy);
  EXPECT_NEAR(xy[0], 13.361389, 1e-5);
  EXPECT_NEAR(xy[1], 38.115556, 1e-5);
  EXPECT_EQ(HashString(static_cast<double>(score)), "sqc8b49rny0");
}

TEST(GeoTest, Limits) {
  uint64_t score;
  EXPECT_FALSE(EncodeScore(180.0001, 0, &score));
  EXPECT_FALSE(EncodeScore(0, 85.06, &score));
  EXPECT_TRUE(EncodeScore(-180, -85.05112878, &score));
  EXPECT_EQ(score, 0u);
  EXPECT_TRUE(EncodeScore(180, 85.05112878, &score));
  EXPECT_GE(score, 1ULL << 52);  // the upper limit carries past 52 bits, as in Redis
  double xy[2];
  DecodeScore(static_cast<double>(score), xy);
  EXPECT_LE(xy[0], kLonMax);
  EXPECT_LE(xy[1], kLatMax);
  DecodeScore(-1, xy);  // any score decodes, clamped
  EXPECT_LE(xy[1], kLatMax);
}

TEST(GeoTest, DistancePalermoCatania) {
  uint64_t a, b;
  ASSERT_TRUE(EncodeScore(13.361389, 38.115556, &a));
  ASSERT_TRUE(EncodeScore(15.087269, 37.502669, &b));
  double pa[2], pb[2];
  DecodeScore(static_cast<double>(a), pa);
  DecodeScore(static_cast<double>(b), pb);
  char buf[64];
  snprintf(buf, sizeof(buf), "%.4f", Distance(pa[0], pa[1], pb[0], pb[1]));
  EXPECT_STREQ(buf, "166274.1516");  // GEODIST Sicily Palermo Catania
  EXPECT_EQ(Distance(1, 2, 1, 2), 0);
  EXPECT_NEAR(Distance(0, 0, 0, 1), kEarthRadiusMeters * M_PI / 180, 1e-6);  // same meridian
}

TEST(GeoTest, SearchFindsWhatIsWithinTheShape) {
  InitTypes();
  Object* z = ZsetCreateSkiplist();
  const double pts[][2] = {{13.361389, 38.115556}, {15.087269, 37.502669}, {2.35, 48.85}, {0, 0}};
  const char* names[] = {"Palermo", "Catania", "Paris", "origin"};
  for (int i = 0; i < 4; i++) {
    uint64_t s;
    ASSERT_TRUE(EncodeScore(pts[i][0], pts[i][1], &s));
    int out = 0;
    ZsetAdd(z, static_cast<double>(s), names[i], kZaddInNone, &out, nullptr);
  }
  Shape circle;
  circle.xy[0] = 15;
  circle.xy[1] = 37;
  circle.radius = 200;
  circle.conversion = 1000;
  std::vector<Point> found;
  Search(z, circle, 0, &found);
  ASSERT_EQ(found.size(), 2u);
  for (const Point& p : found) EXPECT_LE(p.dist, 200000);
  found.clear();
  Search(z, circle, 1, &found);
  EXPECT_EQ(found.size(), 1u);
  Shape box = circle;
  box.type = Shape::kBox;
  box.width = box.height = 20000;
  found.clear();
  Search(z, box, 0, &found);
  EXPECT_EQ(found.size(), 4u);
  DecrRef(z);
}

}  // namespace
}  // namespace object::geo
