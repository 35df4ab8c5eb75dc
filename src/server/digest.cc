#include "server/digest.h"

#include <arpa/inet.h>

#include <cstdint>
#include <cstdio>
#include <cstring>

#include "commands/state.h"
#include "common/util.h"
#include "ds/dict.h"
#include "object/hash_type.h"
#include "object/list_type.h"
#include "object/object.h"
#include "object/set_type.h"
#include "object/stream_type.h"
#include "object/zset_type.h"
#include "script/sha1.h"
#include "server/config.h"

namespace server {
namespace {

using script::kSha1Size;
using Digest = unsigned char[kSha1Size];

// d ^= SHA1(data): order does not matter.
void XorDigest(Digest d, std::string_view data) {
  unsigned char h[kSha1Size];
  script::Sha1(data, h);
  for (size_t j = 0; j < kSha1Size; j++) d[j] ^= h[j];
}

// d = SHA1(d ^ SHA1(data)): order matters, and "ab","c" differs from "a","bc".
void MixDigest(Digest d, std::string_view data) {
  XorDigest(d, data);
  unsigned char h[kSha1Size];
  script::Sha1(std::string_view(reinterpret_cast<const char*>(d), kSha1Size), h);
  memcpy(d, h, kSha1Size);
}

std::string_view DigestView(const Digest d) { return {reinterpret_cast<const char*>(d), kSha1Size}; }

// A 32-bit number in network order, as Redis mixes db ids and type numbers.
void MixU32(Digest d, uint32_t v) {
  uint32_t be = htonl(v);
  MixDigest(d, std::string_view(reinterpret_cast<const char*>(&be), sizeof(be)));
}

// Redis's xorObjectDigest: mixes o's type, contents and TTL flag into d.
void XorObjectDigest(db::Db& db, std::string_view key, Digest d, const object::Object* o) {
  using object::Type;
  MixU32(d, static_cast<uint32_t>(o->type));
  switch (o->GetType()) {
    case Type::kString: {
      char buf[common::kInt64BufSize];
      MixDigest(d, object::StringView(o, buf));
      break;
    }
    case Type::kList: {
      size_t n = object::ListLength(o);
      auto mix = [d](std::string_view e) { MixDigest(d, e); };
      if (n > 0) object::ListRange(o, 0, static_cast<long>(n) - 1, false, mix);
      break;
    }
    case Type::kSet: {
      object::SetIterator it(o);
      object::SetMember m;
      char buf[common::kInt64BufSize];
      while (it.Next(&m)) XorDigest(d, m.View(buf));
      break;
    }
    case Type::kZset: {
      // The score as Redis 7.0 prints it here ("%.17g"), not as replies do.
      auto add = [d](std::string_view member, double score) {
        unsigned char ele[kSha1Size] = {};
        char buf[128];
        int len = snprintf(buf, sizeof(buf), "%.17g", score);
        MixDigest(ele, member);
        MixDigest(ele, std::string_view(buf, static_cast<size_t>(len)));
        XorDigest(d, DigestView(ele));
      };
      object::ZsetForEach(o, add);
      break;
    }
    case Type::kHash: {
      object::HashIterator it(o);
      while (it.Next()) {
        unsigned char ele[kSha1Size] = {};
        MixDigest(ele, it.Field());
        MixDigest(ele, it.Value());
        XorDigest(d, DigestView(ele));
      }
      break;
    }
    case Type::kStream: {
      // Each entry in ID order: "<ms>.<seq>", then its fields and values.
      // Consumer groups are not part of the digest (as in Redis 7.0).
      ds::StreamIterator it(object::StreamOf(o), nullptr, nullptr, false);
      ds::StreamId id;
      int64_t numfields = 0;
      while (it.Next(&id, &numfields)) {
        MixDigest(d, std::to_string(id.ms) + "." + std::to_string(id.seq));
        it.ForEachField([d](std::string_view f, std::string_view v) {
          MixDigest(d, f);
          MixDigest(d, v);
        });
      }
      break;
    }
    case Type::kModule:
      // No such values exist here; the type number is mixed above.
      break;
  }
  if (db.GetExpire(key) != -1) XorDigest(d, "!!expire!!");
}

}  // namespace

std::string DatasetDigestHex() {
  unsigned char final_digest[kSha1Size] = {};
  for (int j = 0; j < Config().databases; j++) {
    db::Db* d = commands::GetDb(j);
    if (d == nullptr || d->size() == 0) continue;
    // The db number first, so the same keys in another db digest otherwise.
    MixU32(final_digest, static_cast<uint32_t>(j));
    auto it = d->dict().MakeIterator(false);
    while (ds::DictEntry* de = it.Next()) {
      unsigned char kv[kSha1Size] = {};
      std::string_view key = db::EntryKey(de);
      MixDigest(kv, key);
      XorObjectDigest(*d, key, kv, db::EntryValue(de));
      XorDigest(final_digest, DigestView(kv));
    }
  }
  return script::DigestHex(final_digest);
}

std::string ValueDigestHex(db::Db& d, std::string_view key) {
  unsigned char digest[kSha1Size] = {};
  if (ds::DictEntry* de = d.FindEntry(key)) XorObjectDigest(d, key, digest, db::EntryValue(de));
  return script::DigestHex(digest);
}

}  // namespace server
