// HyperLogLog in Redis 7.0's exact string representation, so that PFADD on
// either server builds byte-identical values, PFCOUNT gives the same number,
// and a value DUMPed or saved by one loads into the other. An HLL is a plain
// string value (its sds is a payload: placement decides its tier); these
// functions read and edit that sds and know nothing of clients or replies.
//
// Layout (all sizes in bytes):
//
//   [ "HYLL" : 4 ][ encoding : 1 ][ unused, zero : 3 ][ card : 8 ][ registers ... ]
//
//   encoding  0 dense, 1 sparse (anything else is not an HLL)
//   card      the cached cardinality, little endian; the top bit of card[7]
//             set means "stale, recompute" (PFADD and PFMERGE set it, PFCOUNT
//             recomputes and stores it)
//
// 16384 registers (the low 14 bits of an element's hash pick one), each the
// length of the run of zero bits that follows in the hash, plus one (1..51).
//
//   dense   16384 registers of 6 bits, packed from the least significant bit
//           of each byte: register i occupies bits 6i .. 6i+5 of the array
//           (12288 bytes; a dense value is exactly 12304 bytes long).
//   sparse  a run-length code over the registers, opcodes of 1 or 2 bytes:
//             00xxxxxx            ZERO:  xxxxxx+1 (1..64) registers at 0
//             01xxxxxx yyyyyyyy   XZERO: the 14-bit number + 1 (1..16384) at 0
//             1vvvvvxx            VAL:   xx+1 (1..4) registers at vvvvv+1 (1..32)
//           A register that would need more than 32, or a sparse value that
//           would grow past hll-sparse-max-bytes, turns the value dense.
//           Encoding decisions (ZERO or XZERO for a split run, which adjacent
//           VAL opcodes merge) follow Redis's algorithm step by step: the
//           bytes, not just the registers, must be identical.
//
// Untrusted input: a value may be any string a client wrote or RESTOREd.
// IsValid checks only what Redis checks (magic, encoding, dense length);
// every sparse walk bounds-checks its opcodes and reports a value whose runs
// do not cover exactly 16384 registers as invalid (the INVALIDOBJ error),
// never reading or writing outside the string.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "ds/sds.h"

namespace object::hll {

inline constexpr int kPrecision = 14;                     // register index bits
inline constexpr int kRegisters = 1 << kPrecision;        // 16384
inline constexpr int kRegisterBits = 6;                   // a dense register
inline constexpr int kHashRunBits = 64 - kPrecision;      // hash bits that make a run (50)
inline constexpr size_t kHeaderSize = 16;
inline constexpr size_t kDenseSize = kHeaderSize + (kRegisters * kRegisterBits + 7) / 8;
static_assert(kDenseSize == 12304, "Redis's HLL_DENSE_SIZE");
inline constexpr uint64_t kHashSeed = 0xadc83b19ULL;     // Redis's MurmurHash64A seed for HLLs
inline constexpr int kSparseMaxValue = 32;                // VAL opcode's largest register
inline constexpr size_t kDefaultSparseMaxBytes = 3000;    // hll-sparse-max-bytes

enum Encoding : uint8_t { kDense = 0, kSparse = 1 };

// Austin Appleby's MurmurHash64A (public domain algorithm), reading 8-byte
// blocks little endian as Redis does on every host.
uint64_t MurmurHash64A(const void* key, size_t len, uint64_t seed);

// Register index and value (run length + 1) for an element: Redis's hllPatLen.
int PatternLength(std::string_view element, int* index);

// Redis's isHLLObject checks: long enough for the header, "HYLL" magic,
// encoding dense or sparse, and a dense value exactly kDenseSize bytes.
bool IsValid(std::string_view s);

// A new empty HLL: sparse, one XZERO covering every register, cardinality
// cached as 0. A payload sds.
ds::sds CreateEmpty();

// Adds an element. Returns 1 when a register changed, 0 when not, -1 when
// the value is corrupt. May move *s (growth, promotion to dense).
// REQUIRES: IsValid(*s).
int Add(ds::sds* s, std::string_view element, size_t sparse_max_bytes);

// Raises register `index` to `value` (1..63) if it is lower: Redis's
// hllDenseSet / hllSparseSet, same return values as Add.
int SetRegister(ds::sds* s, int index, int value, size_t sparse_max_bytes);

// Rewrites a sparse value as dense (the header, cache included, is kept).
// Returns 1 if converted, 0 if already dense, -1 if corrupt (*s unchanged).
int SparseToDense(ds::sds* s);

// The cached cardinality, if valid. REQUIRES: IsValid(s).
bool CachedCardinality(std::string_view s, uint64_t* card);
void StoreCardinality(ds::sds s, uint64_t card);
void InvalidateCache(ds::sds s);

// Merges the registers of s into max[kRegisters] (element-wise maximum).
// False if s is corrupt. REQUIRES: IsValid(s).
bool MergeInto(uint8_t* max, std::string_view s);

// Estimated cardinality (Ertl's improved estimator, as Redis 7.0). False if s
// is corrupt. REQUIRES: IsValid(s).
bool Count(std::string_view s, uint64_t* card);
// The same for an array of kRegisters unpacked registers.
uint64_t CountRegisters(const uint8_t* regs);

// Register i of a dense value's register array (after the header).
int DenseRegister(const uint8_t* regs, int i);
void SetDenseRegister(uint8_t* regs, int i, int value);

// PFDEBUG DECODE's text: "z:N", "Z:N" and "v:V,N" for each opcode, separated
// by spaces. REQUIRES: s is sparse (IsValid and encoding kSparse).
std::string DecodeSparse(std::string_view s);

// PFSELFTEST: an empty string if every check passed, else what failed.
std::string SelfTest();

}  // namespace object::hll
