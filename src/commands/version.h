// The Redis version we are compatible with and report (INFO redis_version,
// HELLO): clients such as redis-py and redis-cli gate features on it.
// Debian 12 ships redis-server 7.0.15, the reference we test against.
#pragma once

namespace commands {
inline constexpr char kRedisVersion[] = "7.0.15";
inline constexpr char kTieredisVersion[] = "0.1.0";
}  // namespace commands
