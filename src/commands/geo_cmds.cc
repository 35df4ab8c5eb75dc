// The GEO commands of Redis 7.0: GEOADD GEODIST GEOHASH GEOPOS GEOSEARCH
// GEOSEARCHSTORE and the deprecated GEORADIUS GEORADIUSBYMEMBER (and their
// _RO forms). Points live in sorted sets (object/geo.h gives the score
// encoding and the search); replies, their order, the printed coordinates
// ("%.17Lf" trimmed, as Redis's addReplyHumanLongDouble) and distances
// ("%.4f"), errors, events and dirty counts follow Redis 7.0
// (tests/integration/test_geo.py compares them with Debian's redis-server).
//
// GEOADD is ZADD with the coordinates turned into scores: it runs the ZADD
// handler on the rewritten arguments and propagates that ZADD, as Redis.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "commands/client.h"
#include "commands/errors.h"
#include "commands/propagate.h"
#include "commands/registry.h"
#include "commands/state.h"
#include "common/util.h"
#include "db/db.h"
#include "object/geo.h"
#include "object/object.h"
#include "object/zset_type.h"

namespace commands {
namespace {

using object::Object;
namespace geo = object::geo;

constexpr char kBadUnit[] = "ERR unsupported unit provided. please use M, KM, FT, MI";
constexpr char kBadMember[] = "ERR could not decode requested zset member";

// Looks up key for reading: false after replying WRONGTYPE; *o is null for
// a missing key.
bool LookupGeoRead(Client& c, std::string_view key, Object** o) {
  *o = c.db->LookupRead(key);
  if (*o != nullptr && (*o)->GetType() != object::Type::kZset) {
    c.AddError(err::kWrongType);
    return false;
  }
  return true;
}

// Redis's extractLongLatOrReply: two doubles within the Mercator limits.
bool LonLatOrReply(Client& c, size_t at, double* xy) {
  for (size_t i = 0; i < 2; i++)
    if (!GetDoubleOrReply(c, c.argv[at + i], &xy[i])) return false;
  if (xy[0] < geo::kLonMin || xy[0] > geo::kLonMax || xy[1] < geo::kLatMin || xy[1] > geo::kLatMax) {
    c.AddErrorFormat("ERR invalid longitude,latitude pair %f,%f", xy[0], xy[1]);
    return false;
  }
  return true;
}

// Meters per unit, or a negative number after replying.
double UnitOrReply(Client& c, std::string_view unit) {
  if (ArgIs(unit, "m")) return 1;
  if (ArgIs(unit, "km")) return 1000;
  if (ArgIs(unit, "ft")) return 0.3048;
  if (ArgIs(unit, "mi")) return 1609.34;
  c.AddError(kBadUnit);
  return -1;
}

bool DistanceOrReply(Client& c, size_t at, double* conversion, double* radius) {
  if (!GetDoubleOrReply(c, c.argv[at], radius, "ERR need numeric radius")) return false;
  if (*radius < 0) {
    c.AddError("ERR radius cannot be negative");
    return false;
  }
  *conversion = UnitOrReply(c, c.argv[at + 1]);
  return *conversion >= 0;
}

bool BoxOrReply(Client& c, size_t at, geo::Shape* s) {
  if (!GetDoubleOrReply(c, c.argv[at], &s->width, "ERR need numeric width") ||
      !GetDoubleOrReply(c, c.argv[at + 1], &s->height, "ERR need numeric height"))
    return false;
  if (s->height < 0 || s->width < 0) {
    c.AddError("ERR height or width cannot be negative");
    return false;
  }
  s->conversion = UnitOrReply(c, c.argv[at + 2]);
  return s->conversion >= 0;
}

// The decoded position of member, false if it is not in the zset.
bool MemberPosition(const Object* zobj, std::string_view member, double* xy) {
  double score;
  if (!object::ZsetScore(zobj, member, &score)) return false;
  geo::DecodeScore(score, xy);
  return true;
}

// Redis's addReplyHumanLongDouble: a bulk string in RESP2, a double in RESP3.
void ReplyCoordinate(Client& c, double v) {
  std::string text = common::FormatLongDouble(v, common::LongDoubleMode::kHuman);
  if (c.reply.protocol() == 2) {
    c.reply.Bulk(text);
  } else {
    c.reply.Raw("," + text + "\r\n");
  }
}

// Redis's addReplyDoubleDistance: "%.4f" as a bulk string in both protocols.
void ReplyDistance(Client& c, double d) {
  char buf[128];
  int n = snprintf(buf, sizeof(buf), "%.4f", d);
  c.reply.Bulk(std::string_view(buf, static_cast<size_t>(n)));
}

// GEOADD key [NX|XX] [CH] longitude latitude member [...]
void GeoaddCommand(Client& c) {
  size_t lonidx = 2;
  bool nx = false, xx = false;
  for (; lonidx < c.argv.size(); lonidx++) {
    std::string_view opt = c.argv[lonidx];
    if (ArgIs(opt, "nx")) {
      nx = true;
    } else if (ArgIs(opt, "xx")) {
      xx = true;
    } else if (!ArgIs(opt, "ch")) {
      break;
    }
  }
  if ((c.argv.size() - lonidx) % 3 != 0 || (nx && xx)) {
    c.AddSyntaxError();
    return;
  }
  // ZADD key [options] score member ...
  std::vector<std::string> zadd;
  zadd.reserve(lonidx + (c.argv.size() - lonidx) / 3 * 2);
  zadd.emplace_back("zadd");
  for (size_t i = 1; i < lonidx; i++) zadd.emplace_back(c.argv[i]);
  for (size_t i = lonidx; i < c.argv.size(); i += 3) {
    double xy[2];
    if (!LonLatOrReply(c, i, xy)) return;
    uint64_t score;
    geo::EncodeScore(xy[0], xy[1], &score);
    zadd.push_back(std::to_string(score));
    zadd.emplace_back(c.argv[i + 2]);
  }
  const std::vector<std::string_view> original = c.argv;
  c.argv.assign(zadd.begin(), zadd.end());
  Registry::Get().Find("zadd")->handler(c);
  c.argv = original;
  RewriteCommandForPropagation(c, std::move(zadd));
}

// GEODIST key member1 member2 [M|KM|FT|MI]
void GeodistCommand(Client& c) {
  double to_meters = 1;
  if (c.argv.size() == 5) {
    to_meters = UnitOrReply(c, c.argv[4]);
    if (to_meters < 0) return;
  } else if (c.argv.size() > 5) {
    c.AddSyntaxError();
    return;
  }
  Object* zobj;
  if (!LookupGeoRead(c, c.argv[1], &zobj)) return;
  double a[2], b[2];
  if (zobj == nullptr || !MemberPosition(zobj, c.argv[2], a) || !MemberPosition(zobj, c.argv[3], b)) {
    c.reply.Null();
    return;
  }
  ReplyDistance(c, geo::Distance(a[0], a[1], b[0], b[1]) / to_meters);
}

// GEOHASH key [member ...]
void GeohashCommand(Client& c) {
  Object* zobj;
  if (!LookupGeoRead(c, c.argv[1], &zobj)) return;
  c.reply.ArrayHeader(c.argv.size() - 2);
  for (size_t j = 2; j < c.argv.size(); j++) {
    double score;
    if (zobj == nullptr || !object::ZsetScore(zobj, c.argv[j], &score)) {
      c.reply.Null();
    } else {
      c.reply.Bulk(geo::HashString(score));
    }
  }
}

// GEOPOS key [member ...]
void GeoposCommand(Client& c) {
  Object* zobj;
  if (!LookupGeoRead(c, c.argv[1], &zobj)) return;
  c.reply.ArrayHeader(c.argv.size() - 2);
  for (size_t j = 2; j < c.argv.size(); j++) {
    double xy[2];
    if (zobj == nullptr || !MemberPosition(zobj, c.argv[j], xy)) {
      c.reply.NullArray();
      continue;
    }
    c.reply.ArrayHeader(2);
    ReplyCoordinate(c, xy[0]);
    ReplyCoordinate(c, xy[1]);
  }
}

// ---- GEORADIUS / GEORADIUSBYMEMBER / GEOSEARCH / GEOSEARCHSTORE ----

enum SearchFlag : uint32_t {
  kFromCoords = 1u << 0,  // GEORADIUS: longitude latitude radius unit
  kFromMember = 1u << 1,  // GEORADIUSBYMEMBER: member radius unit
  kNoStore = 1u << 2,     // the _RO forms
  kSearch = 1u << 3,      // GEOSEARCH syntax
  kSearchStore = 1u << 4, // GEOSEARCHSTORE
};

enum class Sort { kNone, kAsc, kDesc };

// Sorts a[0..n) far enough that elements lo_range..hi_range hold what a full
// sort would put there: Redis's pqsort, the Bentley-McIlroy quicksort
// (median of three, ninther above 40 elements, three-way partition,
// insertion sort below 7 elements or after a pass that moved nothing) that
// skips the partitions outside the range. Distances that tie (points at the
// same spot) come out in the order this exact procedure gives them, which
// is what a COUNT smaller than the match count shows; a different sort
// would order them differently. cmp returns <0, 0, >0.
template <typename Cmp>
void PartialQuicksort(geo::Point* a, size_t n, const Cmp& cmp, geo::Point* lo_range, geo::Point* hi_range) {
  auto insertion_sort = [&cmp](geo::Point* base, size_t count) {
    for (geo::Point* pm = base + 1; pm < base + count; pm++)
      for (geo::Point* pl = pm; pl > base && cmp(pl[-1], *pl) > 0; pl--) std::swap(pl[0], pl[-1]);
  };
  auto med3 = [&cmp](geo::Point* x, geo::Point* y, geo::Point* z) {
    if (cmp(*x, *y) < 0) return cmp(*y, *z) < 0 ? y : (cmp(*x, *z) < 0 ? z : x);
    return cmp(*y, *z) > 0 ? y : (cmp(*x, *z) < 0 ? x : z);
  };
  auto swap_runs = [](geo::Point* x, geo::Point* y, ptrdiff_t count) {
    for (ptrdiff_t i = 0; i < count; i++) std::swap(x[i], y[i]);
  };
  // Whether the range misses the partition [first, first + count).
  auto outside = [lo_range, hi_range](geo::Point* first, ptrdiff_t count) {
    geo::Point* last = first + count - 1;
    return (lo_range < first && hi_range < first) || (lo_range > last && hi_range > last);
  };
  for (;;) {
    if (n < 7) {
      insertion_sort(a, n);
      return;
    }
    geo::Point* pm = a + n / 2;
    if (n > 7) {
      geo::Point* pl = a;
      geo::Point* pn = a + n - 1;
      if (n > 40) {
        const size_t d = n / 8;
        pl = med3(pl, pl + d, pl + 2 * d);
        pm = med3(pm - d, pm, pm + d);
        pn = med3(pn - 2 * d, pn - d, pn);
      }
      pm = med3(pl, pm, pn);
    }
    std::swap(*a, *pm);  // the pivot waits at a[0]
    bool moved = false;
    geo::Point *pa = a + 1, *pb = a + 1, *pc = a + n - 1, *pd = a + n - 1;
    for (;;) {
      int r;
      while (pb <= pc && (r = cmp(*pb, *a)) <= 0) {
        if (r == 0) {  // equal to the pivot: parked at the left end
          moved = true;
          std::swap(*pa++, *pb);
        }
        pb++;
      }
      while (pb <= pc && (r = cmp(*pc, *a)) >= 0) {
        if (r == 0) {  // parked at the right end
          moved = true;
          std::swap(*pc, *pd--);
        }
        pc--;
      }
      if (pb > pc) break;
      std::swap(*pb++, *pc--);
      moved = true;
    }
    if (!moved) {  // already partitioned around the pivot: finish by insertion
      insertion_sort(a, n);
      return;
    }
    // Bring the parked equal elements to the middle.
    geo::Point* const end = a + n;
    ptrdiff_t r = std::min(pa - a, pb - pa);
    swap_runs(a, pb - r, r);
    r = std::min(pd - pc, end - pd - 1);
    swap_runs(pb, end - r, r);
    // Sort the smaller-than part if the range reaches it, then continue
    // with the greater-than part.
    if ((r = pb - pa) > 1 && !outside(a, r)) PartialQuicksort(a, static_cast<size_t>(r), cmp, lo_range, hi_range);
    if ((r = pd - pc) <= 1) return;
    a = end - r;
    n = static_cast<size_t>(r);
    if (outside(a, r)) return;
  }
}

// Redis 7.0's georadiusGeneric: parses in Redis's order (so the same error
// wins), searches, sorts, and replies or stores.
void GeoSearchGeneric(Client& c, size_t src_index, uint32_t flags) {
  Object* zobj;
  if (!LookupGeoRead(c, c.argv[src_index], &zobj)) return;
  geo::Shape shape;
  size_t base;
  std::string_view store_key;
  bool store = false, storedist = false;
  if (flags & kFromCoords) {
    base = 6;
    if (!LonLatOrReply(c, 2, shape.xy)) return;
    if (!DistanceOrReply(c, base - 2, &shape.conversion, &shape.radius)) return;
  } else if (flags & kFromMember) {
    base = 5;
    if (zobj != nullptr) {
      if (!MemberPosition(zobj, c.argv[2], shape.xy)) {
        c.AddError(kBadMember);
        return;
      }
      if (!DistanceOrReply(c, base - 2, &shape.conversion, &shape.radius)) return;
    }
  } else {
    base = 2;
    if (flags & kSearchStore) {
      base = 3;
      store = true;
      store_key = c.argv[1];
    }
  }
  bool withdist = false, withhash = false, withcoord = false, any = false;
  bool frommember = false, fromloc = false, byradius = false, bybox = false;
  Sort sort = Sort::kNone;
  int64_t count = 0;
  const size_t remaining = c.argv.size() > base ? c.argv.size() - base : 0;
  for (size_t i = 0; i < remaining; i++) {
    std::string_view arg = c.argv[base + i];
    const size_t at = base + i + 1;  // the option's first value
    if (ArgIs(arg, "withdist")) {
      withdist = true;
    } else if (ArgIs(arg, "withhash")) {
      withhash = true;
    } else if (ArgIs(arg, "withcoord")) {
      withcoord = true;
    } else if (ArgIs(arg, "any")) {
      any = true;
    } else if (ArgIs(arg, "asc")) {
      sort = Sort::kAsc;
    } else if (ArgIs(arg, "desc")) {
      sort = Sort::kDesc;
    } else if (ArgIs(arg, "count") && i + 1 < remaining) {
      if (!GetInt64OrReply(c, c.argv[at], &count)) return;
      if (count <= 0) {
        c.AddError("ERR COUNT must be > 0");
        return;
      }
      i++;
    } else if ((ArgIs(arg, "store") || ArgIs(arg, "storedist")) && i + 1 < remaining && !(flags & kNoStore) &&
               !(flags & kSearch)) {
      store = true;
      store_key = c.argv[at];
      storedist = ArgIs(arg, "storedist");
      i++;
    } else if (ArgIs(arg, "storedist") && (flags & kSearch) && (flags & kSearchStore)) {
      storedist = true;
    } else if (ArgIs(arg, "frommember") && i + 1 < remaining && (flags & kSearch) && !fromloc) {
      // Without a source key, parsing goes on so that the right reply
      // (empty array or 0) comes once every option is checked.
      if (zobj != nullptr && !MemberPosition(zobj, c.argv[at], shape.xy)) {
        c.AddError(kBadMember);
        return;
      }
      frommember = true;
      i++;
    } else if (ArgIs(arg, "fromlonlat") && i + 2 < remaining && (flags & kSearch) && !frommember) {
      if (!LonLatOrReply(c, at, shape.xy)) return;
      fromloc = true;
      i += 2;
    } else if (ArgIs(arg, "byradius") && i + 2 < remaining && (flags & kSearch) && !bybox) {
      if (!DistanceOrReply(c, at, &shape.conversion, &shape.radius)) return;
      shape.type = geo::Shape::kCircle;
      byradius = true;
      i += 2;
    } else if (ArgIs(arg, "bybox") && i + 3 < remaining && (flags & kSearch) && !byradius) {
      if (!BoxOrReply(c, at, &shape)) return;
      shape.type = geo::Shape::kBox;
      bybox = true;
      i += 3;
    } else {
      c.AddSyntaxError();
      return;
    }
  }
  if (store && (withdist || withhash || withcoord)) {
    c.AddErrorFormat("ERR %s is not compatible with WITHDIST, WITHHASH and WITHCOORD options",
                     (flags & kSearchStore) ? "GEOSEARCHSTORE" : "STORE option in GEORADIUS");
    return;
  }
  const std::string name(c.argv[0]);
  if ((flags & kSearch) && !(frommember || fromloc)) {
    c.AddErrorFormat("ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for %s", name.c_str());
    return;
  }
  if ((flags & kSearch) && !(byradius || bybox)) {
    c.AddErrorFormat("ERR exactly one of BYRADIUS and BYBOX can be specified for %s", name.c_str());
    return;
  }
  if (any && count == 0) {
    c.AddError("ERR the ANY argument requires COUNT argument");
    return;
  }
  db::Db& d = *c.db;
  if (zobj == nullptr) {
    if (store) {
      if (d.Delete(store_key)) {
        SignalModifiedKey(c, d, store_key);
        NotifyKeyspaceEvent(kNotifyGeneric, "del", store_key, d.id());
        GetState().dirty++;
      }
      c.reply.Integer(0);
    } else {
      c.reply.ArrayHeader(0);
    }
    return;
  }
  // COUNT needs the nearest ones: ascending unless said otherwise (ANY
  // takes the first found instead).
  if (count != 0 && sort == Sort::kNone && !any) sort = Sort::kAsc;
  std::vector<geo::Point> found;
  geo::Search(zobj, shape, any ? static_cast<size_t>(count) : 0, &found);
  if (found.empty() && !store) {
    c.reply.ArrayHeader(0);
    return;
  }
  const size_t returned =
      count == 0 || found.size() < static_cast<uint64_t>(count) ? found.size() : static_cast<size_t>(count);
  if (sort != Sort::kNone) {
    const int sign = sort == Sort::kAsc ? 1 : -1;
    auto cmp = [sign](const geo::Point& a, const geo::Point& b) {
      return sign * (a.dist > b.dist ? 1 : a.dist == b.dist ? 0 : -1);
    };
    if (returned == found.size()) {
      // Redis sorts everything with the C library's qsort, which glibc
      // implements as a stable merge sort.
      std::stable_sort(found.begin(), found.end(),
                       [&cmp](const geo::Point& a, const geo::Point& b) { return cmp(a, b) < 0; });
    } else if (returned > 0) {
      PartialQuicksort(found.data(), found.size(), cmp, found.data(), found.data() + returned - 1);
    }
  }
  if (!store) {
    const size_t options = (withdist ? 1 : 0) + (withhash ? 1 : 0) + (withcoord ? 1 : 0);
    c.reply.ArrayHeader(returned);
    for (size_t i = 0; i < returned; i++) {
      const geo::Point& p = found[i];
      if (options != 0) c.reply.ArrayHeader(options + 1);
      c.reply.Bulk(p.member);
      if (withdist) ReplyDistance(c, p.dist / shape.conversion);
      if (withhash) c.reply.Integer(static_cast<int64_t>(p.score));
      if (withcoord) {
        c.reply.ArrayHeader(2);
        ReplyCoordinate(c, p.lon);
        ReplyCoordinate(c, p.lat);
      }
    }
    return;
  }
  if (returned > 0) {
    Object* dst = object::ZsetCreateSkiplist(returned);
    size_t maxelelen = 0, totelelen = 0;
    for (size_t i = 0; i < returned; i++) {
      const geo::Point& p = found[i];
      int out = 0;
      object::ZsetAdd(dst, storedist ? p.dist / shape.conversion : p.score, p.member, object::kZaddInNone, &out,
                      nullptr);
      maxelelen = std::max(maxelelen, p.member.size());
      totelelen += p.member.size();
    }
    object::ZsetConvertToListpackIfNeeded(dst, maxelelen, totelelen);
    d.ExpireIfNeeded(store_key);
    d.SetKey(store_key, dst, /*keep_ttl=*/false);
    SignalModifiedKey(c, d, store_key);
    NotifyKeyspaceEvent(kNotifyZset, (flags & kSearch) ? "geosearchstore" : "georadiusstore", store_key, d.id());
    GetState().dirty += returned;
  } else if (d.Delete(store_key)) {
    SignalModifiedKey(c, d, store_key);
    NotifyKeyspaceEvent(kNotifyGeneric, "del", store_key, d.id());
    GetState().dirty++;
  }
  c.reply.Integer(static_cast<int64_t>(returned));
}

void GeoradiusCommand(Client& c) { GeoSearchGeneric(c, 1, kFromCoords); }
void GeoradiusRoCommand(Client& c) { GeoSearchGeneric(c, 1, kFromCoords | kNoStore); }
void GeoradiusByMemberCommand(Client& c) { GeoSearchGeneric(c, 1, kFromMember); }
void GeoradiusByMemberRoCommand(Client& c) { GeoSearchGeneric(c, 1, kFromMember | kNoStore); }
void GeosearchCommand(Client& c) { GeoSearchGeneric(c, 1, kSearch); }
void GeosearchstoreCommand(Client& c) { GeoSearchGeneric(c, 2, kSearch | kSearchStore); }

// GEORADIUS's STORE/STOREDIST key, found by keyword from the given argument.
std::vector<KeySpec> RadiusKeySpecs(int startfrom) {
  std::vector<KeySpec> specs = {RangeKeys(kKeyRO | kKeyAccess, 1)};
  for (const char* kw : {"STORE", "STOREDIST"}) {
    KeySpec k;
    k.flags = kKeyOW | kKeyUpdate;
    k.begin = KeySpec::Begin::kKeyword;
    k.keyword = kw;
    k.startfrom = startfrom;
    k.find = KeySpec::Find::kRange;
    k.lastkey = 0;
    k.keystep = 1;
    specs.push_back(k);
  }
  return specs;
}

}  // namespace

void RegisterGeoCommands(Registry& r) {
  const char* g = "geo";
  const uint32_t kRead = kCatRead | kCatGeo | kCatSlow;
  const uint32_t kWriteCat = kCatWrite | kCatGeo | kCatSlow;
  r.Add({"geoadd", -5, kWrite | kDenyOom, 1, 1, 1, GeoaddCommand, g,
         "Add one or more geospatial items in the geospatial index represented using a sorted set", "3.2.0",
         kWriteCat})
      .key_specs = {RangeKeys(kKeyRW | kKeyUpdate, 1)};
  r.Add({"geodist", -4, kReadonly, 1, 1, 1, GeodistCommand, g,
         "Returns the distance between two members of a geospatial index", "3.2.0", kRead});
  r.Add({"geohash", -2, kReadonly, 1, 1, 1, GeohashCommand, g,
         "Returns members of a geospatial index as standard geohash strings", "3.2.0", kRead});
  r.Add({"geopos", -2, kReadonly, 1, 1, 1, GeoposCommand, g,
         "Returns longitude and latitude of members of a geospatial index", "3.2.0", kRead});
  r.Add({"geosearch", -7, kReadonly, 1, 1, 1, GeosearchCommand, g,
         "Query a sorted set representing a geospatial index to fetch members inside an area of a box or a circle.",
         "6.2.0", kRead});
  r.Add({"geosearchstore", -8, kWrite | kDenyOom, 1, 2, 1, GeosearchstoreCommand, g,
         "Query a sorted set representing a geospatial index to fetch members inside an area of a box or a circle, "
         "and store the result in another key.",
         "6.2.0", kWriteCat})
      .key_specs = {RangeKeys(kKeyOW | kKeyUpdate, 1), RangeKeys(kKeyRO | kKeyAccess, 2)};
  r.Add({"georadius", -6, kWrite | kDenyOom | kMovableKeys, 1, 1, 1, GeoradiusCommand, g,
         "Query a sorted set representing a geospatial index to fetch members matching a given maximum distance "
         "from a point",
         "3.2.0", kWriteCat})
      .key_specs = RadiusKeySpecs(6);
  r.Add({"georadius_ro", -6, kReadonly, 1, 1, 1, GeoradiusRoCommand, g,
         "A read-only variant for GEORADIUS", "3.2.10", kRead});
  r.Add({"georadiusbymember", -5, kWrite | kDenyOom | kMovableKeys, 1, 1, 1, GeoradiusByMemberCommand, g,
         "Query a sorted set representing a geospatial index to fetch members matching a given maximum distance "
         "from a member",
         "3.2.0", kWriteCat})
      .key_specs = RadiusKeySpecs(5);
  r.Add({"georadiusbymember_ro", -5, kReadonly, 1, 1, 1, GeoradiusByMemberRoCommand, g,
         "A read-only variant for GEORADIUSBYMEMBER", "3.2.10", kRead});
}

}  // namespace commands
