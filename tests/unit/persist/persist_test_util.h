// Shared by the persist unit tests: the allocator and type set-up they all
// need, and DUMP payloads built by hand.
#pragma once

#include <string>

#include "alloc/zmalloc.h"
#include "common/crc64.h"
#include "gtest/gtest.h"
#include "object/object.h"

namespace persist {

// The tiered allocator in logical mode and every type's ops (for a
// SetUpTestSuite).
inline void InitAllocatorAndTypes() {
  alloc::Options opts;
  opts.mode = alloc::Mode::kLogical;
  ASSERT_TRUE(alloc::Init(opts).ok());
  object::InitTypes();
}

// body (type byte + value) with the footer DUMP writes: RDB version 10 and
// the CRC64 of everything before it.
inline std::string DumpPayload(const std::string& body) {
  std::string p = body;
  p += std::string("\x0a\x00", 2);
  uint64_t crc = common::Crc64(0, p.data(), p.size());
  for (int i = 0; i < 8; i++) p.push_back(static_cast<char>(crc >> (8 * i)));
  return p;
}

}  // namespace persist
