// One "name:value\r\n" line of an INFO section, for every file that writes
// one (info.cc, persistence.cc, aof_log.cc).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace server {

inline void InfoField(std::string& out, const char* name, std::string_view v) {
  out += name;
  out += ':';
  out += v;
  out += "\r\n";
}
inline void InfoField(std::string& out, const char* name, int64_t v) { InfoField(out, name, std::to_string(v)); }
inline void InfoField(std::string& out, const char* name, uint64_t v) { InfoField(out, name, std::to_string(v)); }
inline void InfoField(std::string& out, const char* name, int v) { InfoField(out, name, std::to_string(v)); }

}  // namespace server
