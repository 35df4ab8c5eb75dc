// The RDB value encoding of one object, and the DUMP/RESTORE payload built
// on it: exactly Redis 7.0's bytes, so a payload DUMPed here RESTOREs into a
// real Redis and the reverse.
//
// A DUMP payload is
//
//   <RDB type byte> <RDB value encoding> <RDB version: 2 bytes LE> <CRC64: 8 bytes LE>
//
// where the CRC64 (common::Crc64, Jones polynomial, initial value 0) covers
// every byte before it, version included. A payload is accepted when it is at
// least 10 bytes long, its version is <= kRdbVersion and its CRC matches
// (Redis's verifyDumpPayload). The value is then decoded from the start of
// the whole payload, as Redis does: bytes between the value and the footer
// are ignored, and a value that runs into the footer reads footer bytes.
//
// This file owns the encoders/decoders shared with the RDB file code: the
// length encoding and the string encoding (int8/16/32 "special" encodings,
// LZF, raw). Value types are added by extending RdbObjectType, RdbWriteObject
// and RdbReadObject; today only strings (RDB type 0) are supported, and any
// other type is refused with a Status, never a crash.
//
// Invariants of the reader: every read is bounds-checked against the byte
// range given to RdbReader; lengths read from the input are validated against
// the bytes that remain before anything is allocated, and an LZF string's
// stored length against the length its compressed bytes really decompress to
// (common::LzfDecompressedSize walks them without writing), so garbage input
// costs at most O(input) memory and yields an error Status. Memory for a
// string is taken only for bytes that will be written, and with a try
// allocation: a string no tier can hold fails the read (OutOfMemory), it
// does not end the process.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"
#include "object/object.h"

namespace persist {

// RDB_VERSION of Redis 7.0: what we write, and the newest we accept.
inline constexpr uint16_t kRdbVersion = 10;

// RDB type codes (on disk: these numbers never change). Redis 7.0's rdb.h.
enum class RdbType : uint8_t {
  kString = 0,
  kList = 1,
  kSet = 2,
  kZset = 3,
  kHash = 4,
  kZset2 = 5,  // zset with binary (double) scores
  kModule = 6,
  kModule2 = 7,
  // 8 was never used.
  kHashZipmap = 9,
  kListZiplist = 10,
  kSetIntset = 11,
  kZsetZiplist = 12,
  kHashZiplist = 13,
  kListQuicklist = 14,
  kStreamListpacks = 15,
  kHashListpack = 16,
  kZsetListpack = 17,
  kListQuicklist2 = 18,
  kStreamListpacks2 = 19,
};
// True iff t is an object type code of RDB version 10 (0..7, 9..19).
bool IsRdbObjectType(int t);

// ---- writing (appending to a std::string) ----

// Appends len in RDB length encoding: 6-bit (1 byte), 14-bit (2 bytes, big
// endian), 0x80 + 32-bit big endian, or 0x81 + 64-bit big endian.
void RdbWriteLen(std::string* out, uint64_t len);
// Appends s in RDB string encoding, choosing as Redis's rdbSaveRawString:
// an int8/16/32 special encoding when s is a canonical integer of at most 11
// characters that fits 32 bits; else LZF when compress is set, s is longer
// than 20 bytes and LZF saves at least 4 bytes; else length + raw bytes.
void RdbWriteString(std::string* out, std::string_view s, bool compress);
// Appends an integer as an RDB string: the special encoding when it fits 32
// bits, else its decimal digits (Redis's rdbSaveLongLongAsStringObject).
void RdbWriteInt64String(std::string* out, int64_t v);

// The RDB type code under which o is serialized. NotSupported for types
// whose serialization does not exist yet.
common::Result<RdbType> RdbObjectType(const object::Object* o);
// Appends o's RDB value encoding (without the type byte).
// NotSupported for types not serializable yet (out is then unchanged).
common::Status RdbWriteObject(std::string* out, const object::Object* o, bool compress);

// ---- reading ----

// The bytes of one decoded string that do not live in the input: an LZF
// string's output, or an integer's decimal digits. Its block comes from
// alloc::TryAlloc (DRAM) and is reused by the next string read into it, so a
// string too big to allocate fails the read instead of the process.
class StringScratch {
 public:
  StringScratch() = default;
  ~StringScratch();
  StringScratch(const StringScratch&) = delete;
  StringScratch& operator=(const StringScratch&) = delete;

  // Room for n bytes (the previous content is lost); nullptr when they
  // cannot be allocated.
  char* Reserve(size_t n);

 private:
  char* buf_ = nullptr;
  size_t cap_ = 0;
};

// A bounds-checked cursor over a byte range it does not own. Every Read*
// returns false, consuming an unspecified number of bytes, when the input is
// truncated or malformed.
class RdbReader {
 public:
  explicit RdbReader(std::string_view data) : data_(data) {}

  size_t pos() const { return pos_; }
  size_t remaining() const { return data_.size() - pos_; }

  // The longest string the input may hold, once decoded: RESTORE bounds it
  // by proto-max-bulk-len (no client command can make a longer string), an
  // RDB file is not bounded. A longer string fails the read.
  void set_max_string_len(uint64_t n) { max_string_len_ = n; }
  uint64_t max_string_len() const { return max_string_len_; }
  // True once a read failed because the memory for a string could not be
  // allocated (the error is then OutOfMemory, not Corruption).
  bool out_of_memory() const { return out_of_memory_; }
  void set_out_of_memory() { out_of_memory_ = true; }

  bool ReadByte(uint8_t* b);
  // A view of the next n bytes (valid while the input is).
  bool ReadBytes(size_t n, std::string_view* out);
  // An RDB length. When the length byte is a special encoding (0b11xxxxxx),
  // *encoded is set and *len holds the encoding id (0..63); otherwise
  // *encoded is false. Unknown length formats fail.
  bool ReadLen(uint64_t* len, bool* encoded);
  // An RDB length that must not be a special encoding.
  bool ReadPlainLen(uint64_t* len);

  // One RDB string. Integer-encoded strings set *is_int and *int_value;
  // the others set *is_int = false and their bytes in *bytes (LZF strings
  // are decompressed into *scratch and *bytes views it; raw strings view the
  // input). Unknown special encodings, failed LZF, strings longer than
  // max_string_len() and strings whose scratch cannot be allocated fail.
  bool ReadString(bool* is_int, int64_t* int_value, std::string_view* bytes, StringScratch* scratch);
  // Same, with integer encodings given as their decimal digits (written
  // into *scratch), as Redis's rdbGenericLoadStringObject with
  // RDB_LOAD_PLAIN.
  bool ReadStringBytes(std::string_view* bytes, StringScratch* scratch);

  // The parts of an RDB string before its bytes: what ReadString reads
  // first. For kLzf, `len` is the decompressed length (checked against the
  // compressed bytes, which `lzf` views and which are consumed); for kRaw
  // the bytes are the next `len` bytes of the input (not consumed).
  struct StringHead {
    enum Kind { kInt, kRaw, kLzf } kind = kRaw;
    int64_t int_value = 0;
    uint64_t len = 0;
    std::string_view lzf;
  };
  bool ReadStringHead(StringHead* head);

 private:
  std::string_view data_;
  size_t pos_ = 0;
  uint64_t max_string_len_ = UINT64_MAX;
  bool out_of_memory_ = false;
};

// Reads one value of the given RDB type. Returns a new object (refcount 1,
// or a shared integer) owned by the caller. Corruption on malformed input,
// NotSupported for types not loadable yet.
common::Result<object::Object*> RdbReadObject(RdbType type, RdbReader* in);

// ---- DUMP / RESTORE payloads ----

// The DUMP payload of o (type byte, value, version, CRC64).
// NotSupported for types not serializable yet.
common::Result<std::string> CreateDumpPayload(const object::Object* o, bool compress = true);
// OK iff the payload's footer is valid: length >= 10, version <= kRdbVersion,
// CRC64 matches. Otherwise InvalidArgument.
common::Status VerifyDumpPayload(std::string_view payload);
// DEBUG SET-SKIP-CHECKSUM-VALIDATION: while true, neither DUMP payloads
// nor RDB files have their CRC64 checked (Redis's
// server.skip_checksum_validation). False at start-up. Main thread only.
bool& SkipChecksumValidation();
// Verifies, then decodes the payload's object (owned by the caller). No
// decoded string may be longer than max_string_len.
// Errors: InvalidArgument when VerifyDumpPayload fails (RESTORE replies
// "DUMP payload version or checksum are wrong"); Corruption or NotSupported
// when the type or value does not decode, OutOfMemory when a string of the
// value could not be allocated (RESTORE replies "Bad data format" to all
// three, as Redis).
common::Result<object::Object*> LoadDumpPayload(std::string_view payload,
                                                uint64_t max_string_len = UINT64_MAX);

}  // namespace persist
