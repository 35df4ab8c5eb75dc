// RDB encoding of the zset type, byte-compatible with Redis 7.0:
//
//   RDB_TYPE_ZSET_LISTPACK (17)  a listpack-encoded zset: the blob itself as
//                                an RDB string (LZF-compressed when allowed).
//   RDB_TYPE_ZSET_2 (5)          a skiplist-encoded zset: <count>, then per
//                                element <member: RDB string> <score: 8-byte
//                                little-endian IEEE double>, from the
//                                highest score down (Redis walks the skiplist
//                                from its tail so that loading inserts at the
//                                head).
//   RDB_TYPE_ZSET (3)            read only: as 5, with text scores (one length
//                                byte, 253 = nan, 254 = +inf, 255 = -inf).
//   RDB_TYPE_ZSET_ZIPLIST (12)   read (RDB 9 and older), converted to a listpack.
//
// Loading follows rdbLoadObject: types 3/5 build a skiplist zset, refuse NaN
// scores and duplicate members, and convert to a listpack afterwards when
// it fits the zset-max-listpack-* limits; type 17 is deep-validated (well
// formed, an even number of entries, unique members, scores that parse and
// are not NaN, pairs in score order: see ValidZsetListpack) and converted
// to a skiplist when it has more members than zset-max-listpack-entries.
// An empty zset is Corruption (Redis refuses empty keys in RESTORE).
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string>
#include <unordered_set>

#include "common/util.h"
#include "ds/listpack.h"
#include "ds/skiplist.h"
#include "object/zset_type.h"
#include "persist/type_rdb.h"
#include "persist/ziplist.h"

namespace persist {
namespace {

using common::Status;
using object::Object;

// The text-score markers of RDB_TYPE_ZSET (rdbLoadDoubleValue).
constexpr uint8_t kTextScoreNan = 253;
constexpr uint8_t kTextScorePosInf = 254;
constexpr uint8_t kTextScoreNegInf = 255;
constexpr size_t kBinaryDoubleSize = 8;

void AppendBinaryDouble(std::string* out, double d) {
  static_assert(sizeof(double) == kBinaryDoubleSize);
  unsigned char b[kBinaryDoubleSize];
  memcpy(b, &d, sizeof(b));  // x86-64 and aarch64 are little-endian, as the format
  out->append(reinterpret_cast<const char*>(b), sizeof(b));
}

bool ReadBinaryDouble(RdbReader* in, double* d) {
  std::string_view b;
  if (!in->ReadBytes(kBinaryDoubleSize, &b)) return false;
  memcpy(d, b.data(), kBinaryDoubleSize);
  return true;
}

bool ReadTextDouble(RdbReader* in, double* d) {
  uint8_t len;
  if (!in->ReadByte(&len)) return false;
  switch (len) {
    case kTextScoreNan: *d = NAN; return true;
    case kTextScorePosInf: *d = INFINITY; return true;
    case kTextScoreNegInf: *d = -INFINITY; return true;
    default: break;
  }
  std::string_view b;
  if (!in->ReadBytes(len, &b)) return false;
  std::string text(b);
  char* end;
  *d = strtod(text.c_str(), &end);
  return end != text.c_str();  // sscanf("%lg") needs at least one conversion
}

// A string element as bytes (integer-encoded strings become their digits).
bool ReadMember(RdbReader* in, std::string* out) {
  std::string_view bytes;
  StringScratch scratch;
  if (!in->ReadStringBytes(&bytes, &scratch)) return false;
  out->assign(bytes);
  return true;
}

common::Result<Object*> ReadSkiplistZset(RdbType type, RdbReader* in) {
  uint64_t len;
  if (!in->ReadPlainLen(&len)) return Status::Corruption("bad zset length");
  if (len == 0) return Status::Corruption("empty zset");
  // Every element takes at least 2 bytes (an empty string and a text score
  // marker), so the input bounds the size hint whatever the length claims.
  uint64_t hint = std::min<uint64_t>(len, in->remaining() / 2);
  Object* o = object::ZsetCreateSkiplist(hint);
  size_t maxelelen = 0, totelelen = 0;
  std::string member;
  for (uint64_t i = 0; i < len; i++) {
    double score;
    bool ok = ReadMember(in, &member) &&
              (type == RdbType::kZset2 ? ReadBinaryDouble(in, &score) : ReadTextDouble(in, &score));
    if (!ok || std::isnan(score)) {
      object::DecrRef(o);
      return Status::Corruption(ok ? "zset with NaN score" : "bad zset element");
    }
    int out;
    object::ZsetAdd(o, score, member, object::kZaddInNx, &out, nullptr);
    if (out & object::kZaddOutNop) {
      object::DecrRef(o);
      return Status::Corruption("duplicate zset member");
    }
    maxelelen = std::max(maxelelen, member.size());
    totelelen += member.size();
  }
  object::ZsetConvertToListpackIfNeeded(o, maxelelen, totelelen);
  return o;
}

// Deep checks of a zset listpack beyond its layout: member,score pairs,
// unique members, scores that are numbers, and pairs in the zset's order
// (score, then member bytes, strictly increasing). Redis 7.0 does not check
// the order, and keeps an unsorted listpack it was given, which no Redis
// ever writes and on which range and rank commands answer wrongly; here it
// is refused, so every loaded zset passes object::ZsetVerify.
bool ValidZsetListpack(const unsigned char* lp) {
  size_t n = ds::LpLength(lp);
  if (n == 0 || n % 2 != 0) return false;
  std::unordered_set<std::string> members;
  char buf[ds::kLpIntBufSize];
  bool first = true;
  std::string prev_member;
  double prev_score = 0;
  for (unsigned char* p = ds::LpFirst(lp); p != nullptr;) {
    auto [it, added] = members.emplace(ds::LpGetView(p, buf));
    if (!added) return false;
    unsigned char* s = ds::LpNext(lp, p);
    ds::LpValue v = ds::LpGet(s);
    if (!v.is_int) {
      std::string text(v.sval);
      char* end;
      double d = strtod(text.c_str(), &end);
      if (text.empty() || *end != '\0' || std::isnan(d)) return false;
    }
    // The score as the zset code reads it (which may differ from the
    // whole text's for texts longer than it parses).
    double score = object::ZsetListpackScore(s);
    if (!first && (score < prev_score || (score == prev_score && ds::CompareMembers(prev_member, *it) >= 0)))
      return false;
    first = false;
    prev_score = score;
    prev_member = *it;
    p = ds::LpNext(lp, s);
  }
  return true;
}

// Takes ownership of lp (layout-validated): the zset it holds, converted
// to a skiplist past zset-max-listpack-entries as Redis's loader does.
// `why` is the error for bad content, in Redis's words for the RDB type.
common::Result<Object*> ZsetFromListpack(unsigned char* lp, const char* why) {
  if (!ValidZsetListpack(lp)) {
    ds::LpFree(lp);
    return Status::Corruption(why);
  }
  Object* o = object::Create(object::Type::kZset, object::Encoding::kListpack, lp);
  if (object::ZsetLength(o) > object::GetSettings().zset_max_listpack_entries) {
    object::ZsetConvert(o, object::Encoding::kSkiplist);
  } else {
    o->ptr = ds::LpShrinkToFit(lp);
  }
  return o;
}

common::Result<Object*> ReadListpackZset(RdbReader* in) {
  bool is_int;
  int64_t v;
  std::string_view bytes;
  StringScratch scratch;
  if (!in->ReadString(&is_int, &v, &bytes, &scratch) || is_int) return Status::Corruption("bad zset listpack");
  const auto* raw = reinterpret_cast<const unsigned char*>(bytes.data());
  if (!ds::LpValidateIntegrity(raw, bytes.size(), /*deep=*/true))
    return Status::Corruption("Zset listpack integrity check failed.");
  return ZsetFromListpack(ds::LpFromBytes(bytes), "Zset listpack integrity check failed.");
}

// RDB 9 and older (type 12): a ziplist of member/score pairs.
common::Result<Object*> ReadZiplistZset(RdbReader* in) {
  bool is_int;
  int64_t v;
  std::string_view bytes;
  StringScratch scratch;
  if (!in->ReadString(&is_int, &v, &bytes, &scratch) || is_int) return Status::Corruption("bad zset ziplist");
  auto lp = ZiplistToListpack(bytes, /*pairs=*/true);
  if (!lp.ok()) return lp.status();
  return ZsetFromListpack(*lp, "Zset ziplist integrity check failed.");
}

}  // namespace

common::Result<RdbType> RdbZsetType(const Object* o) {
  return o->GetEncoding() == object::Encoding::kListpack ? RdbType::kZsetListpack : RdbType::kZset2;
}

common::Status RdbWriteZset(std::string* out, const Object* o, bool compress) {
  if (o->GetEncoding() == object::Encoding::kListpack) {
    const auto* lp = static_cast<const unsigned char*>(o->ptr);
    RdbWriteString(out, std::string_view(reinterpret_cast<const char*>(lp), ds::LpBytes(lp)), compress);
    return Status::Ok();
  }
  size_t n = object::ZsetLength(o);
  RdbWriteLen(out, n);
  auto emit = [&](std::string_view m, double score) {
    RdbWriteString(out, m, compress);
    AppendBinaryDouble(out, score);
  };
  if (n > 0) object::ZsetRangeByRank(o, 0, n - 1, /*reverse=*/true, emit);
  return Status::Ok();
}

common::Result<Object*> RdbReadZset(RdbType type, RdbReader* in) {
  switch (type) {
    case RdbType::kZset:
    case RdbType::kZset2: return ReadSkiplistZset(type, in);
    case RdbType::kZsetListpack: return ReadListpackZset(in);
    case RdbType::kZsetZiplist: return ReadZiplistZset(in);
    default: return Status::NotSupported("loading this RDB type is not supported yet");
  }
}

}  // namespace persist
