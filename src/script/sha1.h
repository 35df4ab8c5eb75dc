// SHA-1 (FIPS 180-4), for script names: EVAL scripts are known by the
// SHA-1 of their body in lower-case hex, and redis.sha1hex exposes it.
// DEBUG DIGEST mixes it over the dataset as Redis does. Not used for
// anything security-related.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace script {

inline constexpr size_t kSha1Size = 20;

// SHA-1(data) into out (kSha1Size bytes). Also DEBUG DIGEST's building
// block (server/digest.cc).
void Sha1(std::string_view data, unsigned char out[kSha1Size]);

// 40 lower-case hex digits of SHA-1(data).
std::string Sha1Hex(std::string_view data);
// The same digits for a digest already computed.
std::string DigestHex(const unsigned char digest[kSha1Size]);

}  // namespace script
