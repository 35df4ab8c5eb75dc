// Hash functions for the data structures: SipHash with a process-wide seed.
//
// Owns the seed that every hash table of the server shares. The server sets a
// random seed at start-up (SetHashSeed), so clients cannot predict bucket
// indexes and force long chains (hash flooding); until then the seed is all
// zeros, which keeps unit tests deterministic.
//
// SipHash-1-2 (one compression round per 8-byte block, two finalization
// rounds) is the variant Redis uses for its dicts: much faster than the
// reference SipHash-2-4 and, for the short keys of a key-value store, still
// strong enough against flooding. SipHash-2-4 is exposed only so the shared
// core can be checked against the published reference vectors.
//
// Invariants: HashBytesNoCase(p, n) == HashBytes(lower(p), n), where lower
// folds only ASCII 'A'..'Z' (as Redis does; bytes >= 0x80 are left alone).
#pragma once

#include <cstddef>
#include <cstdint>

namespace ds {

// SipHash-1-2 of n bytes at p with a 16-byte key. p may be null when n == 0.
uint64_t SipHash12(const void* p, size_t n, const uint8_t key[16]);
// As SipHash12, over the bytes folded to ASCII lower case.
uint64_t SipHash12NoCase(const void* p, size_t n, const uint8_t key[16]);
// The reference SipHash-2-4 (same core); for tests against published vectors.
uint64_t SipHash24(const void* p, size_t n, const uint8_t key[16]);

// Sets the process-wide seed used by HashBytes/HashBytesNoCase. Call once at
// start-up, before any hash table is filled: changing it later makes the
// buckets of existing tables wrong.
void SetHashSeed(const uint8_t seed[16]);
// Copies the current seed into out.
void GetHashSeed(uint8_t out[16]);

// SipHash-1-2 with the process seed: binary-safe, case-sensitive.
uint64_t HashBytes(const void* p, size_t n);
// SipHash-1-2 with the process seed over ASCII-lower-cased bytes.
uint64_t HashBytesNoCase(const void* p, size_t n);

}  // namespace ds
