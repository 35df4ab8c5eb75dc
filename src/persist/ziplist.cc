// Ziplist and zipmap validation and conversion to listpacks (see ziplist.h).
#include "persist/ziplist.h"

#include <cstring>
#include <set>
#include <string>
#include <vector>

#include "common/util.h"
#include "ds/listpack.h"

namespace persist {
namespace {

constexpr size_t kZlHeaderSize = 10;  // zlbytes + zltail + zllen
constexpr uint8_t kZlEnd = 0xFF;
constexpr uint8_t kZlBigPrevlen = 0xFE;  // prevlen is 0xFE + 4 bytes
constexpr uint16_t kZlUnknownCount = 0xFFFF;
constexpr uint8_t kZmBigLen = 254;       // zipmap: 254 + 4-byte length
constexpr uint8_t kZmEnd = 255;
constexpr uint8_t kZmUnknownCount = 254;

uint64_t Le(const unsigned char* p, int n) {
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; i--) v = (v << 8) | p[i];
  return v;
}

common::Status Bad(const char* why) { return common::Status::Corruption(std::string("ziplist: ") + why); }

// Decodes the entry at p (inside [base, end)); sets *len to its total size.
bool DecodeEntry(const unsigned char* base, size_t size, size_t off, size_t* prevlen, size_t* len, ZlValue* v) {
  const unsigned char* p = base + off;
  size_t left = size - off;
  size_t h;
  if (left < 1) return false;
  if (p[0] == kZlBigPrevlen) {
    if (left < 5) return false;
    *prevlen = static_cast<size_t>(Le(p + 1, 4));
    h = 5;
  } else {
    if (p[0] == kZlEnd) return false;
    *prevlen = p[0];
    h = 1;
  }
  if (left < h + 1) return false;
  uint8_t enc = p[h];
  size_t data_len = 0, enc_len = 1;
  *v = ZlValue();
  switch (enc >> 6) {
    case 0:
      data_len = enc & 0x3F;
      break;
    case 1:
      if (left < h + 2) return false;
      data_len = (static_cast<size_t>(enc & 0x3F) << 8) | p[h + 1];
      enc_len = 2;
      break;
    case 2:
      if (enc != 0x80 || left < h + 5) return false;
      data_len = (static_cast<size_t>(p[h + 1]) << 24) | (static_cast<size_t>(p[h + 2]) << 16) |
                 (static_cast<size_t>(p[h + 3]) << 8) | p[h + 4];
      enc_len = 5;
      break;
    default: {
      v->is_int = true;
      int width;
      switch (enc) {
        case 0xC0: width = 2; break;
        case 0xD0: width = 4; break;
        case 0xE0: width = 8; break;
        case 0xF0: width = 3; break;
        case 0xFE: width = 1; break;
        default:
          if (enc >= 0xF1 && enc <= 0xFD) {
            v->ival = (enc & 0x0F) - 1;
            width = 0;
          } else {
            return false;  // 0xFF here, or an unused encoding
          }
      }
      if (left < h + 1 + static_cast<size_t>(width)) return false;
      if (width > 0) {
        uint64_t u = Le(p + h + 1, width);
        int shift = 64 - 8 * width;
        v->ival = static_cast<int64_t>(u << shift) >> shift;  // sign-extend
      }
      *len = h + 1 + static_cast<size_t>(width);
      return true;
    }
  }
  if (data_len > left - h - enc_len) return false;
  v->sval = std::string_view(reinterpret_cast<const char*>(p + h + enc_len), data_len);
  *len = h + enc_len + data_len;
  return true;
}

common::Status CheckUniqueFields(const std::vector<std::string>& fields) {
  std::set<std::string_view> seen;
  for (const std::string& f : fields)
    if (!seen.insert(f).second) return common::Status::Corruption("duplicate hash fields or zset members");
  return common::Status::Ok();
}

std::string AsBytes(const ZlValue& v) { return v.is_int ? common::Int64ToString(v.ival) : std::string(v.sval); }

}  // namespace

common::Status ZiplistForEach(std::string_view zl, const std::function<void(const ZlValue&)>& fn) {
  const auto* base = reinterpret_cast<const unsigned char*>(zl.data());
  size_t size = zl.size();
  if (size < kZlHeaderSize + 1) return Bad("shorter than its header");
  if (Le(base, 4) != size) return Bad("zlbytes does not match the blob's size");
  if (base[size - 1] != kZlEnd) return Bad("no end marker");
  size_t tail = static_cast<size_t>(Le(base + 4, 4));
  uint16_t count = static_cast<uint16_t>(Le(base + 8, 2));
  // First pass: validate everything; second: call fn (so a bad blob yields
  // no elements at all).
  std::vector<ZlValue> values;
  size_t off = kZlHeaderSize, prev_size = 0, last = kZlHeaderSize;
  while (off < size - 1) {
    size_t prevlen, len;
    ZlValue v;
    if (!DecodeEntry(base, size - 1, off, &prevlen, &len, &v)) return Bad("an entry runs past the end or is malformed");
    if (prevlen != prev_size) return Bad("an entry's prevlen does not match the previous entry");
    values.push_back(v);
    last = off;
    prev_size = len;
    off += len;
  }
  if (off != size - 1) return Bad("entries do not end at the end marker");
  if (tail != last) return Bad("zltail does not point at the last entry");
  if (count != kZlUnknownCount && count != values.size()) return Bad("zllen does not match the entries");
  for (const ZlValue& v : values) fn(v);
  return common::Status::Ok();
}

common::Result<unsigned char*> ZiplistToListpack(std::string_view zl, bool pairs) {
  std::vector<ZlValue> values;
  common::Status s = ZiplistForEach(zl, [&](const ZlValue& v) { values.push_back(v); });
  if (!s.ok()) return s;
  if (pairs) {
    if (values.size() % 2 != 0) return Bad("odd number of elements in a pairs ziplist");
    std::vector<std::string> fields;
    for (size_t i = 0; i < values.size(); i += 2) fields.push_back(AsBytes(values[i]));
    s = CheckUniqueFields(fields);
    if (!s.ok()) return s;
  }
  unsigned char* lp = ds::LpNew(zl.size());
  for (const ZlValue& v : values) lp = v.is_int ? ds::LpAppendInteger(lp, v.ival) : ds::LpAppend(lp, v.sval);
  return lp;
}

common::Result<unsigned char*> ZipmapToListpack(std::string_view zm) {
  const auto* p = reinterpret_cast<const unsigned char*>(zm.data());
  size_t size = zm.size(), off = 1;
  if (size < 2) return common::Status::Corruption("zipmap: too short");
  auto read_len = [&](size_t* len) -> bool {
    if (off >= size) return false;
    if (p[off] < kZmBigLen) {
      *len = p[off++];
      return true;
    }
    if (p[off] != kZmBigLen || size - off < 5) return false;
    *len = static_cast<size_t>(Le(p + off + 1, 4));
    off += 5;
    return true;
  };
  std::vector<std::string_view> items;
  for (;;) {
    if (off >= size) return common::Status::Corruption("zipmap: no end marker");
    if (p[off] == kZmEnd) {
      off++;
      break;
    }
    size_t klen, vlen;
    if (!read_len(&klen) || klen > size - off) return common::Status::Corruption("zipmap: a key runs past the end");
    items.emplace_back(zm.data() + off, klen);
    off += klen;
    if (!read_len(&vlen) || off >= size) return common::Status::Corruption("zipmap: a value length runs past the end");
    size_t free = p[off++];
    if (vlen > size - off || free > size - off - vlen) return common::Status::Corruption("zipmap: a value runs past the end");
    items.emplace_back(zm.data() + off, vlen);
    off += vlen + free;
  }
  if (off != size) return common::Status::Corruption("zipmap: bytes after the end marker");
  if (p[0] != kZmUnknownCount && p[0] != items.size() / 2) return common::Status::Corruption("zipmap: zmlen does not match");
  std::vector<std::string> fields;
  for (size_t i = 0; i < items.size(); i += 2) fields.emplace_back(items[i]);
  common::Status s = CheckUniqueFields(fields);
  if (!s.ok()) return s;
  unsigned char* lp = ds::LpNew(zm.size());
  for (std::string_view it : items) lp = ds::LpAppend(lp, it);
  return lp;
}

}  // namespace persist
