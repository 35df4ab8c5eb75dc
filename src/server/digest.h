// DEBUG DIGEST and DEBUG DIGEST-VALUE: Redis 7.0's dataset fingerprint.
//
// The digest is built from SHA-1 with two combining steps (Redis's debug.c):
//   xor(d, bytes):  d ^= SHA1(bytes)             order-free ("add" an element)
//   mix(d, bytes):  d = SHA1(d ^ SHA1(bytes))    order-keeping
// A value's digest mixes its type number (4 bytes, big endian), then its
// logical contents: a string's bytes; a list's elements in order (mix); a
// set's members (xor); each hash pair or zset member as its own small
// digest, mix(field) then mix(value) or mix(member) then mix("%.17g" of the
// score), xored in; and xor("!!expire!!") when the key has a TTL (the time
// itself is not part of it). Only logical contents count, never encodings:
// the same data in a listpack or a hashtable digests the same, so the result
// equals Redis's on the same dataset. The dataset digest mixes each non-empty
// database's number (4 bytes, big endian) and xors in, per key,
// mix(key) followed by the value's digest.
//
// Thread safety: main thread only; walks the keyspace without modifying it.
#pragma once

#include <string>
#include <string_view>

#include "db/db.h"

namespace server {

// DEBUG DIGEST: 40 hex digits; all zeros for an empty dataset.
std::string DatasetDigestHex();

// DEBUG DIGEST-VALUE: the digest of key's value in d (all zeros when the
// key does not exist). Logically expired keys still count, as in Redis.
std::string ValueDigestHex(db::Db& d, std::string_view key);

}  // namespace server
