// RDB value encodings and DUMP payloads (see dump.h for the format and the
// reader's invariants).
#include "persist/dump.h"
#include "persist/type_rdb.h"

#include <cstring>
#include <memory>

#include "alloc/zmalloc.h"
#include "common/crc64.h"
#include "common/lzf.h"
#include "common/util.h"
#include "ds/sds.h"

namespace persist {
namespace {

// Length-encoding tags: the top two bits of the first byte (Redis's
// RDB_6BITLEN, RDB_14BITLEN, RDB_ENCVAL), and the two whole-byte tags for
// 32- and 64-bit lengths (RDB_32BITLEN, RDB_64BITLEN).
constexpr uint8_t kLen6Bit = 0;
constexpr uint8_t kLen14Bit = 1;
constexpr uint8_t kLenEncVal = 3;
constexpr uint8_t kLen32Bit = 0x80;
constexpr uint8_t kLen64Bit = 0x81;

// Special string encodings following a kLenEncVal tag (RDB_ENC_*).
constexpr uint8_t kEncInt8 = 0;
constexpr uint8_t kEncInt16 = 1;
constexpr uint8_t kEncInt32 = 2;
constexpr uint8_t kEncLzf = 3;

// Redis tries the integer encoding only for strings of at most 11
// characters: "-2147483648", the longest int32, has 11.
constexpr size_t kMaxIntEncodableLen = 11;
// Redis compresses only strings longer than 20 bytes, and only keeps the
// result when it is at least 4 bytes shorter (rdbSaveLzfStringObject
// passes len - 4 as the output capacity).
constexpr size_t kMinCompressLen = 21;
constexpr size_t kMinCompressSaving = 4;
// The DUMP footer: 2 bytes of RDB version and 8 bytes of CRC64.
constexpr size_t kFooterLen = 10;
constexpr size_t kCrcLen = 8;

void AppendByte(std::string* out, uint8_t b) { out->push_back(static_cast<char>(b)); }

void AppendBigEndian(std::string* out, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; i--) AppendByte(out, static_cast<uint8_t>(v >> (8 * i)));
}

void AppendLittleEndian(std::string* out, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; i++) AppendByte(out, static_cast<uint8_t>(v >> (8 * i)));
}

uint64_t LoadLittleEndian(const unsigned char* p, int bytes) {
  uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; i--) v = (v << 8) | p[i];
  return v;
}

// Appends v's special integer encoding if it fits 32 bits; returns whether
// it did (Redis's rdbEncodeInteger).
bool AppendEncodedInteger(std::string* out, int64_t v) {
  if (v >= INT8_MIN && v <= INT8_MAX) {
    AppendByte(out, (kLenEncVal << 6) | kEncInt8);
    AppendLittleEndian(out, static_cast<uint64_t>(v), 1);
  } else if (v >= INT16_MIN && v <= INT16_MAX) {
    AppendByte(out, (kLenEncVal << 6) | kEncInt16);
    AppendLittleEndian(out, static_cast<uint64_t>(v), 2);
  } else if (v >= INT32_MIN && v <= INT32_MAX) {
    AppendByte(out, (kLenEncVal << 6) | kEncInt32);
    AppendLittleEndian(out, static_cast<uint64_t>(v), 4);
  } else {
    return false;
  }
  return true;
}

// Scratch output of AppendLzfString beyond which it is released after use:
// a buffer this size serves every value of up to 1 MiB without allocating,
// and one huge value does not pin its size in memory afterwards.
constexpr size_t kLzfScratchKeep = 1024 * 1024;

// Appends s LZF-compressed if that saves enough; returns whether it did.
bool AppendLzfString(std::string* out, std::string_view s) {
  size_t capacity = s.size() - kMinCompressSaving;
  // One buffer per thread, reused: an RDB save compresses every value, and
  // a fresh zero-filled buffer per value cost an allocation and a memset
  // each time (and, in a fork child, fresh pages of copy-on-write).
  thread_local std::unique_ptr<char[]> scratch;
  thread_local size_t scratch_size = 0;
  if (scratch_size < capacity) {
    scratch.reset(new char[capacity]);
    scratch_size = capacity;
  }
  size_t clen = common::LzfCompress(s.data(), s.size(), scratch.get(), capacity);
  if (clen != 0) {
    AppendByte(out, (kLenEncVal << 6) | kEncLzf);
    RdbWriteLen(out, clen);
    RdbWriteLen(out, s.size());
    out->append(scratch.get(), clen);
  }
  if (scratch_size > kLzfScratchKeep) {
    scratch.reset();
    scratch_size = 0;
  }
  return clen != 0;
}

}  // namespace

bool IsRdbObjectType(int t) { return (t >= 0 && t <= 7) || (t >= 9 && t <= 19); }

// ---- writing ----

void RdbWriteLen(std::string* out, uint64_t len) {
  if (len < (1u << 6)) {
    AppendByte(out, static_cast<uint8_t>((kLen6Bit << 6) | len));
  } else if (len < (1u << 14)) {
    AppendByte(out, static_cast<uint8_t>((kLen14Bit << 6) | (len >> 8)));
    AppendByte(out, static_cast<uint8_t>(len & 0xFF));
  } else if (len <= UINT32_MAX) {
    AppendByte(out, kLen32Bit);
    AppendBigEndian(out, len, 4);
  } else {
    AppendByte(out, kLen64Bit);
    AppendBigEndian(out, len, 8);
  }
}

void RdbWriteString(std::string* out, std::string_view s, bool compress) {
  if (s.size() <= kMaxIntEncodableLen) {
    int64_t v;
    // Only canonical integers: "007" or "+1" must come back as written.
    if (common::StringToInt64(s, &v) && common::Int64ToString(v) == s && AppendEncodedInteger(out, v)) return;
  }
  if (compress && s.size() >= kMinCompressLen && AppendLzfString(out, s)) return;
  RdbWriteLen(out, s.size());
  out->append(s);
}

void RdbWriteInt64String(std::string* out, int64_t v) {
  if (AppendEncodedInteger(out, v)) return;
  std::string digits = common::Int64ToString(v);
  RdbWriteLen(out, digits.size());
  out->append(digits);
}

common::Result<RdbType> RdbObjectType(const object::Object* o) {
  switch (o->GetType()) {
    case object::Type::kString:
      return RdbType::kString;
    case object::Type::kList: return RdbListType(o);
    case object::Type::kSet: return RdbSetType(o);
    case object::Type::kZset: return RdbZsetType(o);
    case object::Type::kHash: return RdbHashType(o);
    case object::Type::kStream: return RdbStreamType(o);
    default:
      return common::Status::NotSupported("serialization of this type is not supported yet");
  }
}

common::Status RdbWriteObject(std::string* out, const object::Object* o, bool compress) {
  switch (o->GetType()) {
    case object::Type::kString: {
      char buf[32];  // room for an int-encoded value's digits (at most 20)
      RdbWriteString(out, object::StringView(o, buf), compress);
      return common::Status::Ok();
    }
    case object::Type::kList: return RdbWriteList(out, o, compress);
    case object::Type::kSet: return RdbWriteSet(out, o, compress);
    case object::Type::kZset: return RdbWriteZset(out, o, compress);
    case object::Type::kHash: return RdbWriteHash(out, o, compress);
    case object::Type::kStream: return RdbWriteStream(out, o, compress);
    default:
      return common::Status::NotSupported("serialization of this type is not supported yet");
  }
}

// ---- reading ----

bool RdbReader::ReadByte(uint8_t* b) {
  if (remaining() < 1) return false;
  *b = static_cast<uint8_t>(data_[pos_++]);
  return true;
}

bool RdbReader::ReadBytes(size_t n, std::string_view* out) {
  if (remaining() < n) return false;
  *out = data_.substr(pos_, n);
  pos_ += n;
  return true;
}

bool RdbReader::ReadLen(uint64_t* len, bool* encoded) {
  uint8_t b;
  if (!ReadByte(&b)) return false;
  *encoded = false;
  uint8_t tag = b >> 6;
  if (tag == kLenEncVal) {
    *encoded = true;
    *len = b & 0x3F;
    return true;
  }
  if (tag == kLen6Bit) {
    *len = b & 0x3F;
    return true;
  }
  if (tag == kLen14Bit) {
    uint8_t low;
    if (!ReadByte(&low)) return false;
    *len = (static_cast<uint64_t>(b & 0x3F) << 8) | low;
    return true;
  }
  int bytes = b == kLen32Bit ? 4 : b == kLen64Bit ? 8 : 0;
  if (bytes == 0) return false;  // an unknown length format
  std::string_view raw;
  if (!ReadBytes(static_cast<size_t>(bytes), &raw)) return false;
  uint64_t v = 0;
  for (char ch : raw) v = (v << 8) | static_cast<unsigned char>(ch);
  *len = v;
  return true;
}

bool RdbReader::ReadPlainLen(uint64_t* len) {
  bool encoded;
  return ReadLen(len, &encoded) && !encoded;
}

bool RdbReader::ReadStringHead(StringHead* head) {
  uint64_t len;
  bool encoded;
  if (!ReadLen(&len, &encoded)) return false;
  if (!encoded) {
    head->kind = StringHead::kRaw;
    head->len = len;
    return len <= remaining() && len <= max_string_len_;
  }
  std::string_view raw;
  switch (len) {
    case kEncInt8:
    case kEncInt16:
    case kEncInt32: {
      int width = len == kEncInt8 ? 1 : len == kEncInt16 ? 2 : 4;
      if (!ReadBytes(static_cast<size_t>(width), &raw)) return false;
      uint64_t u = LoadLittleEndian(reinterpret_cast<const unsigned char*>(raw.data()), width);
      // Sign-extend from the encoded width.
      int shift = 64 - 8 * width;
      head->kind = StringHead::kInt;
      head->int_value = static_cast<int64_t>(u << shift) >> shift;
      return true;
    }
    case kEncLzf: {
      uint64_t clen, ulen;
      if (!ReadPlainLen(&clen) || !ReadPlainLen(&ulen)) return false;
      if (clen == 0 || clen > remaining() || ulen == 0 || ulen > max_string_len_) return false;
      if (!ReadBytes(static_cast<size_t>(clen), &raw)) return false;
      // The stored length is a claim; what the compressed bytes expand to
      // is the truth, and nothing is allocated unless the two agree.
      if (common::LzfDecompressedSize(raw.data(), raw.size()) != ulen) return false;
      head->kind = StringHead::kLzf;
      head->len = ulen;
      head->lzf = raw;
      return true;
    }
    default:
      return false;  // an unknown special encoding
  }
}

StringScratch::~StringScratch() { alloc::Free(buf_); }

char* StringScratch::Reserve(size_t n) {
  if (n <= cap_) return buf_;
  alloc::Free(buf_);
  buf_ = static_cast<char*>(alloc::TryAlloc(alloc::Tier::kDram, n));
  cap_ = buf_ == nullptr ? 0 : n;
  return buf_;
}

bool RdbReader::ReadString(bool* is_int, int64_t* int_value, std::string_view* bytes, StringScratch* scratch) {
  StringHead head;
  if (!ReadStringHead(&head)) return false;
  switch (head.kind) {
    case StringHead::kInt:
      *is_int = true;
      *int_value = head.int_value;
      return true;
    case StringHead::kRaw:
      *is_int = false;
      return ReadBytes(static_cast<size_t>(head.len), bytes);
    case StringHead::kLzf:
      break;
  }
  const size_t len = static_cast<size_t>(head.len);
  char* out = scratch->Reserve(len);
  if (out == nullptr) {
    out_of_memory_ = true;
    return false;
  }
  if (common::LzfDecompress(head.lzf.data(), head.lzf.size(), out, len) != len) return false;
  *is_int = false;
  *bytes = std::string_view(out, len);
  return true;
}

bool RdbReader::ReadStringBytes(std::string_view* bytes, StringScratch* scratch) {
  bool is_int;
  int64_t v;
  if (!ReadString(&is_int, &v, bytes, scratch)) return false;
  if (is_int) {
    char* out = scratch->Reserve(common::kInt64BufSize);
    if (out == nullptr) {
      out_of_memory_ = true;
      return false;
    }
    *bytes = std::string_view(out, common::Int64ToChars(v, out));
  }
  return true;
}

namespace {

// A top-level string value: decoded straight into the object's own bytes
// when it is longer than an embstr (one copy, and a try allocation, so a
// value that does not fit fails the read instead of the process).
common::Result<object::Object*> ReadStringObject(RdbReader* in) {
  RdbReader::StringHead head;
  if (!in->ReadStringHead(&head)) return common::Status::Corruption("bad string encoding");
  if (head.kind == RdbReader::StringHead::kInt) return object::CreateStringFromInt64(head.int_value);
  std::string_view bytes;
  if (head.kind == RdbReader::StringHead::kRaw) {
    if (!in->ReadBytes(static_cast<size_t>(head.len), &bytes)) return common::Status::Corruption("bad string encoding");
    object::Object* o = object::TryCreateStringEncoded(bytes);
    if (o == nullptr) {
      in->set_out_of_memory();
      return common::Status::OutOfMemory("can't allocate a string of " + std::to_string(head.len) + " bytes");
    }
    return o;
  }
  if (head.len <= object::GetSettings().embstr_max) {
    char buf[64];
    static_assert(sizeof(buf) > object::kEmbstrMaxLimit);
    if (common::LzfDecompress(head.lzf.data(), head.lzf.size(), buf, head.len) != head.len)
      return common::Status::Corruption("bad LZF string");
    return object::CreateStringEncoded(std::string_view(buf, head.len));
  }
  ds::sds s = ds::SdsTryNewLen(nullptr, static_cast<size_t>(head.len), ds::SdsUse::kPayload);
  if (s == nullptr) {
    in->set_out_of_memory();
    return common::Status::OutOfMemory("can't allocate a string of " + std::to_string(head.len) + " bytes");
  }
  if (common::LzfDecompress(head.lzf.data(), head.lzf.size(), s, head.len) != head.len) {
    ds::SdsFree(s);
    return common::Status::Corruption("bad LZF string");
  }
  return object::Create(object::Type::kString, object::Encoding::kRaw, s);
}

}  // namespace

common::Result<object::Object*> RdbReadObject(RdbType type, RdbReader* in) {
  switch (type) {
    case RdbType::kString:
      // As Redis's rdbLoadObject: integers become int objects, other strings
      // take the smallest encoding (tryObjectEncoding).
      return ReadStringObject(in);
    case RdbType::kList:
    case RdbType::kListZiplist:
    case RdbType::kListQuicklist:
    case RdbType::kListQuicklist2:
      return RdbReadList(type, in);
    case RdbType::kSet:
    case RdbType::kSetIntset:
      return RdbReadSet(type, in);
    case RdbType::kZset:
    case RdbType::kZset2:
    case RdbType::kZsetZiplist:
    case RdbType::kZsetListpack:
      return RdbReadZset(type, in);
    case RdbType::kHash:
    case RdbType::kHashZipmap:
    case RdbType::kHashZiplist:
    case RdbType::kHashListpack:
      return RdbReadHash(type, in);
    case RdbType::kStreamListpacks:
    case RdbType::kStreamListpacks2:
      return RdbReadStream(type, in);
    default:
      return common::Status::NotSupported("loading this RDB type is not supported yet");
  }
}

// ---- DUMP / RESTORE payloads ----

common::Result<std::string> CreateDumpPayload(const object::Object* o, bool compress) {
  common::Result<RdbType> type = RdbObjectType(o);
  if (!type.ok()) return type.status();
  std::string out;
  AppendByte(&out, static_cast<uint8_t>(*type));
  common::Status s = RdbWriteObject(&out, o, compress);
  if (!s.ok()) return s;
  AppendLittleEndian(&out, kRdbVersion, 2);
  uint64_t crc = common::Crc64(0, out.data(), out.size());
  AppendLittleEndian(&out, crc, 8);
  return out;
}

bool& SkipChecksumValidation() {
  static bool skip = false;
  return skip;
}

common::Status VerifyDumpPayload(std::string_view payload) {
  if (payload.size() < kFooterLen) return common::Status::InvalidArgument("DUMP payload too short");
  const auto* footer = reinterpret_cast<const unsigned char*>(payload.data() + payload.size() - kFooterLen);
  uint64_t version = LoadLittleEndian(footer, 2);
  if (version > kRdbVersion) return common::Status::InvalidArgument("DUMP payload RDB version is too new");
  if (SkipChecksumValidation()) return common::Status::Ok();
  uint64_t crc = common::Crc64(0, payload.data(), payload.size() - kCrcLen);
  if (crc != LoadLittleEndian(footer + 2, 8)) return common::Status::InvalidArgument("DUMP payload CRC mismatch");
  return common::Status::Ok();
}

common::Result<object::Object*> LoadDumpPayload(std::string_view payload, uint64_t max_string_len) {
  common::Status s = VerifyDumpPayload(payload);
  if (!s.ok()) return s;
  // As Redis, the value is read from the whole payload: a value that runs
  // into the footer takes footer bytes as data (a real Redis restores such a
  // payload, so we do too). Reads stay inside the payload either way.
  RdbReader in(payload);
  in.set_max_string_len(max_string_len);
  uint8_t type;
  if (!in.ReadByte(&type) || !IsRdbObjectType(type)) return common::Status::Corruption("bad RDB object type");
  common::Result<object::Object*> o = RdbReadObject(static_cast<RdbType>(type), &in);
  if (!o.ok() && in.out_of_memory()) return common::Status::OutOfMemory(o.status().message());
  return o;
}

}  // namespace persist
