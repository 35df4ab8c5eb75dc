// Old RDB encodings (RDB version <= 9, Redis <= 6.2) converted to the
// listpacks Redis 7.0 keeps in memory: ziplists (lists of RDB type 10 and
// the quicklist nodes of type 14, zsets of type 12, hashes of type 13) and
// zipmaps (hashes of type 9). Redis 7.0 converts them the same way on load.
//
// Ziplist layout (all little endian):
//   <zlbytes u32> <zltail u32> <zllen u16> <entry>* <0xFF>
//   entry: <prevlen: 1 byte < 254, or 0xFE + u32> <encoding> <data>
//   encoding: 00pppppp                 string, 6-bit length
//             01pppppp qqqqqqqq        string, 14-bit length (big endian)
//             10000000 <u32 big endian> string, 32-bit length
//             11000000 int16, 11010000 int32, 11100000 int64,
//             11110000 int24, 11111110 int8,
//             1111xxxx (xxxx in 1..13)  the integer xxxx - 1 (0..12)
//   zllen 65535 means "count it"; zltail is the offset of the last entry.
// Zipmap layout:
//   <zmlen u8> (<len> key <len> <free u8> value <free bytes>)* <0xFF>
//   len: 1 byte < 254, or 254 + u32 (little endian); zmlen 254: count it.
//
// These blobs come from files, so they are untrusted: every function here
// validates the whole blob (bounds, prevlen chain, tail offset, counts,
// terminator) before building anything, never reads outside it, and returns
// Corruption on any inconsistency.
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>

#include "common/status.h"

namespace persist {

// One ziplist element: an integer or a view of string bytes in the blob.
struct ZlValue {
  bool is_int = false;
  int64_t ival = 0;
  std::string_view sval;
};

// Validates zl and calls fn for each element in order. Corruption when the
// blob is malformed (fn is then not called at all).
common::Status ZiplistForEach(std::string_view zl, const std::function<void(const ZlValue&)>& fn);

// A listpack (payload allocation, owned by the caller: ds::LpFree) with the
// same elements in the same order. With pairs: the element count must be
// even and the 1st, 3rd, 5th... elements (hash fields, zset members) must be
// distinct, as Redis checks for hashes and zsets.
common::Result<unsigned char*> ZiplistToListpack(std::string_view zl, bool pairs = false);

// A listpack of field, value, field, value... from a zipmap; fields must be
// distinct.
common::Result<unsigned char*> ZipmapToListpack(std::string_view zm);

}  // namespace persist
