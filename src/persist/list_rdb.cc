// RDB encoding of the list type, as Redis 7.0 writes and reads it.
//
// Written: RDB_TYPE_LIST_QUICKLIST_2 (18):
//   <node count: len> then per node <container: len, 1 = plain, 2 = packed>
//   <the node's bytes as an RDB string>: the element itself for a plain
//   node, the whole listpack blob for a packed one (LZF-compressed by the
//   string encoding when `compress` and it pays, as rdbSaveRawString).
// Read, as Redis 7.0 loads them (a list with no elements at all is corrupt;
// every blob is validated before it is trusted: RESTORE payloads and RDB
// files are untrusted):
//   18 QUICKLIST_2   listpack nodes (deep validation; empty ones skipped) and
//                    plain nodes, kept as they are;
//   14 QUICKLIST     (Redis 3.2 .. 6.2) ziplist nodes, each converted to a
//                    listpack node (empty ones skipped);
//   10 ZIPLIST       (before 3.2) one ziplist whose elements are pushed one
//                    by one, so the nodes follow list-max-listpack-size;
//    1 LIST          a count then plain element strings, pushed in order.
#include <string>
#include <string_view>

#include "common/util.h"
#include "ds/listpack.h"
#include "ds/quicklist.h"
#include "object/list_type.h"
#include "persist/type_rdb.h"
#include "persist/ziplist.h"

namespace persist {
namespace {

using ds::Quicklist;
using object::Object;

// Redis's QUICKLIST_NODE_CONTAINER_* numbers, as stored on disk.
constexpr uint64_t kContainerPlain = 1;
constexpr uint64_t kContainerPacked = 2;

common::Status Corrupt(Object* o, const char* why) {
  if (o) object::DecrRef(o);
  return common::Status::Corruption(why);
}

// Types 18 (ziplist_nodes false) and 14 (true): <node count>, then per
// node, for 18 only, <container>, and the node's bytes: a plain element, a
// listpack (18) or a ziplist converted to a listpack (14).
common::Result<Object*> ReadQuicklist(RdbReader* in, bool ziplist_nodes) {
  uint64_t nodes;
  if (!in->ReadPlainLen(&nodes)) return common::Status::Corruption("bad quicklist node count");
  if (nodes == 0) return common::Status::Corruption("empty quicklist");
  Object* o = object::CreateList();
  Quicklist* ql = object::ListQl(o);
  StringScratch scratch;
  for (uint64_t i = 0; i < nodes; i++) {
    uint64_t container = kContainerPacked;
    if (!ziplist_nodes && !in->ReadPlainLen(&container)) return Corrupt(o, "bad quicklist container");
    if (container != kContainerPlain && container != kContainerPacked) return Corrupt(o, "bad quicklist container");
    std::string_view bytes;
    if (!in->ReadStringBytes(&bytes, &scratch)) return Corrupt(o, "bad quicklist node");
    if (container == kContainerPlain) {
      // Redis 7.0 refuses an empty plain node ("Bad data format").
      if (bytes.empty()) return Corrupt(o, "empty plain quicklist node");
      ql->AppendPlainNode(bytes);
      continue;
    }
    unsigned char* lp;
    if (ziplist_nodes) {
      common::Result<unsigned char*> converted = ZiplistToListpack(bytes);
      if (!converted.ok()) return Corrupt(o, "bad ziplist in quicklist");
      lp = *converted;
    } else {
      const auto* blob = reinterpret_cast<const unsigned char*>(bytes.data());
      if (!ds::LpValidateIntegrity(blob, bytes.size(), /*deep=*/true)) return Corrupt(o, "bad listpack in quicklist");
      lp = ds::LpFromBytes(bytes);
    }
    if (ds::LpLength(lp) == 0) {  // Redis silently skips empty nodes
      ds::LpFree(lp);
      continue;
    }
    ql->AppendListpack(lp);
  }
  if (ql->count() == 0) return Corrupt(o, "empty quicklist");
  return o;
}

// Type 10: one ziplist; its elements are pushed in order.
common::Result<Object*> ReadZiplist(RdbReader* in) {
  StringScratch scratch;
  std::string_view bytes;
  if (!in->ReadStringBytes(&bytes, &scratch)) return common::Status::Corruption("bad list ziplist");
  Object* o = object::CreateList();
  char buf[ds::kLpIntBufSize];
  common::Status st = ZiplistForEach(bytes, [&](const ZlValue& v) {
    std::string_view s = v.sval;
    if (v.is_int) s = std::string_view(buf, common::Int64ToChars(v.ival, buf));
    object::ListPush(o, s, object::ListEnd::kTail);
  });
  if (!st.ok()) return Corrupt(o, "bad list ziplist");
  if (object::ListLength(o) == 0) return Corrupt(o, "empty list");
  return o;
}

common::Result<Object*> ReadPlainList(RdbReader* in) {
  uint64_t len;
  if (!in->ReadPlainLen(&len)) return common::Status::Corruption("bad list length");
  if (len == 0) return common::Status::Corruption("empty list");
  // Every element takes at least one byte: a longer count is corrupt (and
  // must not make us loop on garbage).
  if (len > in->remaining()) return common::Status::Corruption("list length exceeds the input");
  Object* o = object::CreateList();
  StringScratch scratch;
  for (uint64_t i = 0; i < len; i++) {
    std::string_view bytes;
    if (!in->ReadStringBytes(&bytes, &scratch)) return Corrupt(o, "bad list element");
    object::ListPush(o, bytes, object::ListEnd::kTail);
  }
  return o;
}

}  // namespace

common::Result<RdbType> RdbListType(const object::Object*) { return RdbType::kListQuicklist2; }

common::Status RdbWriteList(std::string* out, const object::Object* o, bool compress) {
  const Quicklist* ql = object::ListQl(o);
  RdbWriteLen(out, ql->len());
  for (const Quicklist::Node* n = ql->head(); n; n = n->next) {
    RdbWriteLen(out, static_cast<uint64_t>(n->container));
    RdbWriteString(out, std::string_view(reinterpret_cast<const char*>(n->entry), n->sz), compress);
  }
  return common::Status::Ok();
}

common::Result<object::Object*> RdbReadList(RdbType type, RdbReader* in) {
  switch (type) {
    case RdbType::kListQuicklist2: return ReadQuicklist(in, /*ziplist_nodes=*/false);
    case RdbType::kListQuicklist: return ReadQuicklist(in, /*ziplist_nodes=*/true);
    case RdbType::kListZiplist: return ReadZiplist(in);
    case RdbType::kList: return ReadPlainList(in);
    default: return common::Status::NotSupported("loading this RDB type is not supported yet");
  }
}

}  // namespace persist
