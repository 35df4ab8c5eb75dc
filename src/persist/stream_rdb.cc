// RDB encoding of the stream type, as Redis 7.0 writes and reads it.
//
// Written: RDB_TYPE_STREAM_LISTPACKS_2 (19):
//   <nodes: len> then per node <master ID: 16-byte string> <listpack: string>
//   <length: len> <last ID: len ms, len seq> <first ID: ms, seq>
//   <max deleted ID: ms, seq> <entries added: len>
//   <groups: len> then per group
//     <name: string> <last ID: ms, seq> <entries read: len (-1 as 2^64-1)>
//     <PEL size: len> then per NACK <ID: 16 raw bytes> <delivery time: 8 bytes LE ms> <delivery count: len>
//     <consumers: len> then per consumer
//       <name: string> <seen time: 8 bytes LE ms> <PEL size: len> then <ID: 16 raw bytes>...
// Read: 19, and 15 (Redis 5..6.2: no first ID, max deleted ID, entries
// added or entries read; they are derived as Redis 7.0 does).
//
// Loading validates everything before the stream is used: every listpack as
// a stream node (ds::StreamValidateListpack: shape, counters, IDs ascending
// across nodes), the length against the live entries, the last ID against
// the entries, unique group and consumer names, every consumer PEL entry
// present in its group's PEL and owned by one consumer only, and every
// group PEL entry owned by a consumer. Any failure is Corruption; nothing
// half-loaded survives.
#include <cstring>
#include <string>
#include <string_view>

#include "ds/listpack.h"
#include "ds/stream.h"
#include "object/stream_type.h"
#include "persist/type_rdb.h"

namespace persist {
namespace {

using ds::Stream;
using ds::StreamId;
using object::Object;

void WriteMs(std::string* out, int64_t ms) {
  auto v = static_cast<uint64_t>(ms);
  char b[8];
  for (int i = 0; i < 8; i++) b[i] = static_cast<char>(v >> (8 * i));
  out->append(b, 8);
}

bool ReadMs(RdbReader* in, int64_t* ms) {
  std::string_view b;
  if (!in->ReadBytes(8, &b)) return false;
  uint64_t v = 0;
  for (int i = 7; i >= 0; i--) v = v << 8 | static_cast<unsigned char>(b[i]);
  *ms = static_cast<int64_t>(v);
  return true;
}

bool ReadId(RdbReader* in, StreamId* id) { return in->ReadPlainLen(&id->ms) && in->ReadPlainLen(&id->seq); }

common::Status Corrupt(Object* o, const char* why) {
  if (o) object::DecrRef(o);
  return common::Status::Corruption(why);
}

}  // namespace

common::Result<RdbType> RdbStreamType(const object::Object*) { return RdbType::kStreamListpacks2; }

common::Status RdbWriteStream(std::string* out, const object::Object* o, bool compress) {
  const Stream* s = object::StreamOf(o);
  RdbWriteLen(out, s->rax.size());
  s->rax.ForEach([&](std::string_view key, void* v) {
    auto* lp = static_cast<const unsigned char*>(v);
    RdbWriteString(out, key, compress);
    RdbWriteString(out, std::string_view(reinterpret_cast<const char*>(lp), ds::LpBytes(lp)), compress);
    return true;
  });
  RdbWriteLen(out, s->length);
  RdbWriteLen(out, s->last_id.ms);
  RdbWriteLen(out, s->last_id.seq);
  RdbWriteLen(out, s->first_id.ms);
  RdbWriteLen(out, s->first_id.seq);
  RdbWriteLen(out, s->max_deleted_entry_id.ms);
  RdbWriteLen(out, s->max_deleted_entry_id.seq);
  RdbWriteLen(out, s->entries_added);
  RdbWriteLen(out, s->GroupCount());
  if (s->cgroups == nullptr) return common::Status::Ok();
  s->cgroups->ForEach([&](std::string_view name, void* v) {
    auto* cg = static_cast<const ds::StreamCG*>(v);
    RdbWriteString(out, name, compress);
    RdbWriteLen(out, cg->last_id.ms);
    RdbWriteLen(out, cg->last_id.seq);
    RdbWriteLen(out, static_cast<uint64_t>(cg->entries_read));
    RdbWriteLen(out, cg->pel.size());
    cg->pel.ForEach([&](std::string_view id, void* nv) {
      auto* nack = static_cast<const ds::StreamNack*>(nv);
      out->append(id);
      WriteMs(out, nack->delivery_time);
      RdbWriteLen(out, nack->delivery_count);
      return true;
    });
    RdbWriteLen(out, cg->consumers.size());
    cg->consumers.ForEach([&](std::string_view cname, void* cv) {
      auto* con = static_cast<const ds::StreamConsumer*>(cv);
      RdbWriteString(out, cname, compress);
      WriteMs(out, con->seen_time);
      RdbWriteLen(out, con->pel.size());
      con->pel.ForEach([&](std::string_view id, void*) {
        out->append(id);
        return true;
      });
      return true;
    });
    return true;
  });
  return common::Status::Ok();
}

common::Result<object::Object*> RdbReadStream(RdbType type, RdbReader* in) {
  if (type != RdbType::kStreamListpacks2 && type != RdbType::kStreamListpacks)
    return common::Status::NotSupported("loading this RDB type is not supported yet");
  const bool v2 = type == RdbType::kStreamListpacks2;
  uint64_t nodes;
  if (!in->ReadPlainLen(&nodes)) return common::Status::Corruption("bad stream node count");
  // Each node takes at least two strings of several bytes.
  if (nodes > in->remaining()) return common::Status::Corruption("stream node count exceeds the input");
  Object* o = object::CreateStream();
  Stream* s = object::StreamOf(o);
  StringScratch scratch;
  StreamId prev;
  bool has_prev = false;
  uint64_t live_total = 0;
  for (uint64_t i = 0; i < nodes; i++) {
    std::string_view key;
    if (!in->ReadStringBytes(&key, &scratch)) return Corrupt(o, "bad stream node key");
    if (key.size() != ds::kStreamIdKeyLen) return Corrupt(o, "Stream node key entry is not the size of a stream ID");
    const std::string node_key(key);
    std::string_view bytes;
    if (!in->ReadStringBytes(&bytes, &scratch)) return Corrupt(o, "bad stream listpack");
    const auto* blob = reinterpret_cast<const unsigned char*>(bytes.data());
    uint64_t live = 0;
    if (!ds::StreamValidateListpack(blob, bytes.size(), ds::StreamIdDecode(node_key.data()), &prev, &has_prev, &live))
      return Corrupt(o, "Stream listpack integrity check failed");
    unsigned char* lp = ds::LpFromBytes(bytes);
    if (!s->rax.TryInsert(node_key, lp)) {
      ds::LpFree(lp);
      return Corrupt(o, "Listpack re-added with existing key");
    }
    live_total += live;
  }
  if (!in->ReadPlainLen(&s->length) || !ReadId(in, &s->last_id)) return Corrupt(o, "bad stream metadata");
  if (v2) {
    if (!ReadId(in, &s->first_id) || !ReadId(in, &s->max_deleted_entry_id) || !in->ReadPlainLen(&s->entries_added))
      return Corrupt(o, "bad stream metadata");
  } else {
    s->entries_added = s->length;
    s->first_id = s->length ? s->EdgeId(/*first=*/true, /*skip_tombstones=*/true) : StreamId{};
  }
  if (s->length != live_total) return Corrupt(o, "Stream length inconsistent with its entries");
  if (has_prev && s->last_id < prev) return Corrupt(o, "Stream last ID below its entries");
  uint64_t groups;
  if (!in->ReadPlainLen(&groups)) return Corrupt(o, "bad stream group count");
  if (groups > in->remaining()) return Corrupt(o, "stream group count exceeds the input");
  for (uint64_t g = 0; g < groups; g++) {
    std::string_view name;
    if (!in->ReadStringBytes(&name, &scratch)) return Corrupt(o, "bad stream group name");
    const std::string gname(name);
    StreamId last;
    if (!ReadId(in, &last)) return Corrupt(o, "bad stream group last ID");
    int64_t entries_read;
    if (v2) {
      uint64_t er;
      if (!in->ReadPlainLen(&er)) return Corrupt(o, "bad stream group entries read");
      entries_read = static_cast<int64_t>(er);
    } else {
      entries_read = s->EstimateDistanceFromFirstEverEntry(last);
    }
    ds::StreamCG* cg = s->CreateGroup(gname, last, entries_read);
    if (cg == nullptr) return Corrupt(o, "Duplicated consumer group name");
    uint64_t pel;
    if (!in->ReadPlainLen(&pel)) return Corrupt(o, "bad stream PEL size");
    if (pel > in->remaining() / ds::kStreamIdKeyLen) return Corrupt(o, "stream PEL size exceeds the input");
    for (uint64_t p = 0; p < pel; p++) {
      std::string_view raw;
      int64_t when;
      uint64_t count;
      if (!in->ReadBytes(ds::kStreamIdKeyLen, &raw)) return Corrupt(o, "bad stream PEL entry");
      const std::string id(raw);
      if (!ReadMs(in, &when) || !in->ReadPlainLen(&count)) return Corrupt(o, "bad stream PEL entry");
      ds::StreamNack* nack = Stream::NewNack(nullptr, when);
      nack->delivery_count = count;
      if (!cg->pel.TryInsert(id, nack)) {
        Stream::FreeNack(nack);
        return Corrupt(o, "Duplicated global PEL entry loading stream consumer group");
      }
    }
    uint64_t consumers;
    if (!in->ReadPlainLen(&consumers)) return Corrupt(o, "bad stream consumer count");
    if (consumers > in->remaining()) return Corrupt(o, "stream consumer count exceeds the input");
    for (uint64_t k = 0; k < consumers; k++) {
      std::string_view cname;
      if (!in->ReadStringBytes(&cname, &scratch)) return Corrupt(o, "bad stream consumer name");
      ds::StreamConsumer* con = Stream::CreateConsumer(cg, cname, 0);
      if (con == nullptr) return Corrupt(o, "Duplicate stream consumer detected");
      if (!ReadMs(in, &con->seen_time)) return Corrupt(o, "bad stream consumer seen time");
      uint64_t cpel;
      if (!in->ReadPlainLen(&cpel)) return Corrupt(o, "bad stream consumer PEL size");
      if (cpel > in->remaining() / ds::kStreamIdKeyLen) return Corrupt(o, "stream PEL size exceeds the input");
      for (uint64_t p = 0; p < cpel; p++) {
        std::string_view raw;
        if (!in->ReadBytes(ds::kStreamIdKeyLen, &raw)) return Corrupt(o, "bad stream consumer PEL entry");
        const std::string id(raw);
        void* v;
        if (!cg->pel.Find(id, &v)) return Corrupt(o, "Consumer entry not found in group global PEL");
        auto* nack = static_cast<ds::StreamNack*>(v);
        if (nack->consumer != nullptr) return Corrupt(o, "Duplicated consumer PEL entry loading a stream consumer group");
        nack->consumer = con;
        con->pel.Insert(id, nack);
      }
    }
    bool orphan = false;
    cg->pel.ForEach([&orphan](std::string_view, void* v) {
      orphan = static_cast<ds::StreamNack*>(v)->consumer == nullptr;
      return !orphan;
    });
    if (orphan) return Corrupt(o, "Stream CG PEL entry without consumer");
  }
  return o;
}

}  // namespace persist
