// The cluster bus's wire format, Redis 7.0's (cluster.h's clusterMsg),
// written and read field by field at fixed offsets in network byte order,
// so no struct layout or padding of ours reaches the wire.
//
// A message: a 2256-byte header, then the type's data. PING, PONG and MEET
// carry `count` gossip entries of 104 bytes, then (when mflags[0] has
// kMsgFlag0ExtData) `extensions` ping extensions, each a 8-byte header
// (type, unused, total length) and its data padded to 8 bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace cluster::bus {

// Message types (CLUSTERMSG_TYPE_*).
namespace msg {
enum : uint16_t {
  kMsgPing = 0,
  kMsgPong = 1,
  kMsgMeet = 2,
  kMsgFail = 3,
  kMsgPublish = 4,
  kMsgFailoverAuthRequest = 5,
  kMsgFailoverAuthAck = 6,
  kMsgUpdate = 7,
  kMsgMfStart = 8,
  kMsgModule = 9,
  kMsgPublishShard = 10,
};
}  // namespace msg
using namespace msg;

// Node flags, as on the wire and in nodes.conf (CLUSTER_NODE_*).
enum : uint16_t {
  kMaster = 1,
  kSlave = 2,
  kPfail = 4,
  kFail = 8,
  kMyself = 16,
  kHandshake = 32,
  kNoAddr = 64,
  kMeetFlag = 128,
  kMigrateTo = 256,
  kNoFailover = 512,
};

inline constexpr uint8_t kMsgFlag0ExtData = 1 << 2;  // mflags[0]: extensions follow the gossip
inline constexpr uint16_t kExtHostname = 0;          // ping extension type

// Header field offsets (the sum of the fields before each one; see the
// static_asserts below).
inline constexpr size_t kOffSig = 0;             // char[4] "RCmb"
inline constexpr size_t kOffTotlen = 4;          // u32
inline constexpr size_t kOffVer = 8;             // u16, 1
inline constexpr size_t kOffPort = 10;           // u16, the clients' port
inline constexpr size_t kOffType = 12;           // u16
inline constexpr size_t kOffCount = 14;          // u16, gossip entries
inline constexpr size_t kOffCurrentEpoch = 16;   // u64
inline constexpr size_t kOffConfigEpoch = 24;    // u64 (the master's when a replica sends)
inline constexpr size_t kOffOffset = 32;         // u64 replication offset
inline constexpr size_t kOffSender = 40;         // char[40]
inline constexpr size_t kOffMySlots = 80;        // u8[2048]
inline constexpr size_t kOffSlaveOf = 2128;      // char[40], zeros for a master
inline constexpr size_t kOffMyIp = 2168;         // char[46], zeros: take the socket's peer address
inline constexpr size_t kOffExtensions = 2214;   // u16
inline constexpr size_t kOffPport = 2246;        // u16 (after 30 unused bytes)
inline constexpr size_t kOffCport = 2248;        // u16
inline constexpr size_t kOffFlags = 2250;        // u16
inline constexpr size_t kOffState = 2252;        // u8: 0 ok, 1 fail
inline constexpr size_t kOffMflags = 2253;       // u8[3]
inline constexpr size_t kHeaderLen = 2256;

inline constexpr size_t kIpLen = 46;             // NET_IP_STR_LEN
inline constexpr size_t kGossipLen = 104;        // nodename 40, ping_sent 4, pong_received 4, ip 46,
                                                 // port 2, cport 2, flags 2, pport 2, unused 2
inline constexpr size_t kFailDataLen = 40;       // nodename
inline constexpr size_t kUpdateDataLen = 8 + 40 + 2048;  // configEpoch, nodename, slots

static_assert(kOffMySlots == kOffSender + 40);
static_assert(kOffSlaveOf == kOffMySlots + 16384 / 8);
static_assert(kOffMyIp == kOffSlaveOf + 40);
static_assert(kOffExtensions == kOffMyIp + kIpLen);
static_assert(kOffPport == kOffExtensions + 2 + 30);
static_assert(kHeaderLen == kOffMflags + 3);
static_assert(kGossipLen == 40 + 4 + 4 + kIpLen + 2 * 5);

inline void Put16(std::string& b, size_t off, uint16_t v) {
  b[off] = static_cast<char>(v >> 8);
  b[off + 1] = static_cast<char>(v);
}
inline void Put32(std::string& b, size_t off, uint32_t v) {
  for (int i = 0; i < 4; i++) b[off + static_cast<size_t>(i)] = static_cast<char>(v >> (24 - 8 * i));
}
inline void Put64(std::string& b, size_t off, uint64_t v) {
  for (int i = 0; i < 8; i++) b[off + static_cast<size_t>(i)] = static_cast<char>(v >> (56 - 8 * i));
}
// Copies at most n bytes of s; the rest stays as it was (zeros).
inline void PutStr(std::string& b, size_t off, std::string_view s, size_t n) {
  memcpy(&b[off], s.data(), s.size() < n ? s.size() : n);
}

inline uint16_t Get16(std::string_view b, size_t off) {
  return static_cast<uint16_t>(static_cast<uint8_t>(b[off]) << 8 | static_cast<uint8_t>(b[off + 1]));
}
inline uint32_t Get32(std::string_view b, size_t off) {
  uint32_t v = 0;
  for (size_t i = 0; i < 4; i++) v = v << 8 | static_cast<uint8_t>(b[off + i]);
  return v;
}
inline uint64_t Get64(std::string_view b, size_t off) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8; i++) v = v << 8 | static_cast<uint8_t>(b[off + i]);
  return v;
}
// A NUL-padded text field of at most n bytes.
inline std::string GetStr(std::string_view b, size_t off, size_t n) {
  std::string_view f = b.substr(off, n);
  size_t end = f.find('\0');
  return std::string(f.substr(0, end));
}

}  // namespace cluster::bus
