// SHA-1 (FIPS 180-4), for script names: EVAL scripts are known by the
// SHA-1 of their body in lower-case hex, and redis.sha1hex exposes it.
// Not used for anything security-related.
#pragma once

#include <string>
#include <string_view>

namespace script {

// 40 lower-case hex digits of SHA-1(data).
std::string Sha1Hex(std::string_view data);

}  // namespace script
