// Redis Cluster: the node table, slot map, nodes.conf and the bus (see
// cluster.h). Commands and redirection are in cluster_cmds.cc, over
// cluster/internal.h.
#include "cluster/internal.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "commands/pubsub.h"
#include "commands/state.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/util.h"
#include "net/socket.h"
#include "net/tls.h"

namespace cluster {

// A connection on the bus: outbound (ours to `node`, we PING on it) or
// inbound (accepted; `node` is set once the sender is known). With
// tls-cluster its bytes go through `tls` (owned), whose handshake runs
// inside the first reads and writes.
struct Link {
  int fd = -1;
  bool inbound = false;
  bool connecting = false;
  bool dead = false;
  Node* node = nullptr;
  int64_t ctime = 0;
  std::string rbuf, wbuf;
  net::TlsConn* tls = nullptr;
};

namespace {

std::vector<std::string_view> SplitChar(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (true) {
    size_t e = s.find(sep, start);
    out.push_back(s.substr(start, e == std::string_view::npos ? std::string_view::npos : e - start));
    if (e == std::string_view::npos) break;
    start = e + 1;
  }
  return out;
}

std::vector<std::unique_ptr<Link>> g_links;
std::vector<int> g_listen_fds;
net::EventLoop* g_loop = nullptr;
bool g_save_pending = false;
bool g_save_fsync = false;  // the pending save must fsync (see MarkConfigChanged)
int g_lock_fd = -1;  // nodes.conf, flock'ed: one node per file
// Slots this node's shard stopped serving since the last BeforeSleep: their
// shard channels' subscribers are unsubscribed then.
std::vector<bool> g_shard_slots_lost(kSlots);
bool g_any_shard_slot_lost = false;
bool g_fuzzing = false;  // FuzzBusInput: no outbound connection is made

void FreeLink(Link* l) {
  if (l->dead) return;
  l->dead = true;
  delete l->tls;
  l->tls = nullptr;
  if (l->fd >= 0) {
    g_loop->DelFileEvent(l->fd, net::kReadable | net::kWritable);
    close(l->fd);
    l->fd = -1;
  }
  if (l->node && l->node->link == l) l->node->link = nullptr;
  if (l->node && l->node->inbound_link == l) l->node->inbound_link = nullptr;
  l->node = nullptr;
}

void ReapLinks() {
  std::erase_if(g_links, [](const std::unique_ptr<Link>& l) { return l->dead; });
}

void WriteHandler(net::EventLoop*, int fd, void* data, int);

// Drops what was written; an emptied buffer gives back a large allocation
// (one big PUBLISH must not pin its size on the link).
void Consume(Link* l, size_t n) {
  l->wbuf.erase(0, n);
  if (l->wbuf.empty() && l->wbuf.capacity() > 64 * 1024) std::string().swap(l->wbuf);
}

// Writes what the link has queued; waits for writability when the socket
// (or a TLS record) is full. A TLS link waiting for its peer's handshake
// bytes waits for readability instead: ReadHandler flushes it then.
void Flush(Link* l) {
  if (l->tls && l->wbuf.empty() && !l->tls->HandshakeDone()) {
    if (!l->tls->Handshake()) {
      FreeLink(l);
      return;
    }
    if (l->tls->WantsWrite()) {
      (void)g_loop->AddFileEvent(l->fd, net::kWritable, WriteHandler, l);
      return;
    }
  }
  while (!l->dead && !l->wbuf.empty()) {
    ssize_t n = l->tls ? l->tls->Write(l->wbuf.data(), l->wbuf.size()) : write(l->fd, l->wbuf.data(), l->wbuf.size());
    if (n > 0) {
      Consume(l, static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) {
      if (l->tls == nullptr || l->tls->WantsWrite()) {
        (void)g_loop->AddFileEvent(l->fd, net::kWritable, WriteHandler, l);
      } else {
        g_loop->DelFileEvent(l->fd, net::kWritable);
      }
      return;
    }
    if (l->tls) LOG_VERBOSE("TLS error on a cluster bus link: %s", l->tls->error().c_str());
    FreeLink(l);
    return;
  }
  if (!l->dead) g_loop->DelFileEvent(l->fd, net::kWritable);
}

void SendRaw(Link* l, std::string msg) {
  if (l->dead) return;
  State& st = S();
  st.stats_sent[bus::Get16(msg, bus::kOffType) & 15]++;
  l->wbuf += msg;
  if (l->connecting) return;
  Flush(l);
}

void WriteHandler(net::EventLoop*, int, void* data, int) { Flush(static_cast<Link*>(data)); }


std::string BuildHeader(uint16_t type, size_t data_len) {
  State& st = S();
  const Settings& cfg = GetSettings();
  Node* me = st.myself;
  std::string b(bus::kHeaderLen + data_len, '\0');
  memcpy(&b[bus::kOffSig], "RCmb", 4);
  bus::Put32(b, bus::kOffTotlen, static_cast<uint32_t>(b.size()));
  bus::Put16(b, bus::kOffVer, 1);
  int port = 0, pport = 0;
  PortsAnnounced(&port, &pport);
  bus::Put16(b, bus::kOffPort, static_cast<uint16_t>(port));
  bus::Put16(b, bus::kOffPport, static_cast<uint16_t>(pport));
  bus::Put16(b, bus::kOffType, type);
  bus::Put64(b, bus::kOffCurrentEpoch, st.current_epoch);
  const Node* src = SlotsSource();
  bus::Put64(b, bus::kOffConfigEpoch, src->config_epoch);
  bus::Put64(b, bus::kOffOffset, static_cast<uint64_t>(MyReplOffset()));
  memcpy(&b[bus::kOffSender], me->name.data(), kNameLen);
  memcpy(&b[bus::kOffMySlots], src->slots.data(), kSlots / 8);
  if ((me->flags & bus::kSlave) && me->master) memcpy(&b[bus::kOffSlaveOf], me->master->name.data(), kNameLen);
  if (!cfg.announce_ip.empty()) bus::PutStr(b, bus::kOffMyIp, cfg.announce_ip, bus::kIpLen - 1);
  bus::Put16(b, bus::kOffCport, static_cast<uint16_t>(BusPortAnnounced()));
  bus::Put16(b, bus::kOffFlags, me->flags);
  b[bus::kOffState] = static_cast<char>(st.ok ? 0 : 1);
  b[bus::kOffMflags] = static_cast<char>(HeaderMflags());
  return b;
}

bool GossipWorthy(const Node* n) {
  return !(n->flags & (bus::kHandshake | bus::kNoAddr)) && !(n->link == nullptr && n->NumSlots() == 0);
}

void SendPing(Link* l, uint16_t type) {
  State& st = S();
  std::vector<const Node*> gossip;
  for (auto& [name, n] : st.nodes) {
    if (n.get() == st.myself || n.get() == l->node) continue;
    if (GossipWorthy(n.get())) gossip.push_back(n.get());
  }
  const std::string& host = GetSettings().announce_hostname;
  // The hostname extension: its 8-byte header, the name and a NUL, padded
  // to a multiple of 8.
  size_t ext_len = host.empty() ? 0 : (8 + host.size() + 1 + 7) / 8 * 8;
  std::string b = BuildHeader(type, gossip.size() * bus::kGossipLen + ext_len);
  bus::Put16(b, bus::kOffCount, static_cast<uint16_t>(gossip.size()));
  size_t off = bus::kHeaderLen;
  for (const Node* n : gossip) {
    memcpy(&b[off], n->name.data(), kNameLen);
    bus::Put32(b, off + 40, static_cast<uint32_t>(n->ping_sent / 1000));
    bus::Put32(b, off + 44, static_cast<uint32_t>(n->pong_received / 1000));
    bus::PutStr(b, off + 48, n->ip, bus::kIpLen - 1);
    bus::Put16(b, off + 94, static_cast<uint16_t>(n->port));
    bus::Put16(b, off + 96, static_cast<uint16_t>(n->cport));
    bus::Put16(b, off + 98, n->flags);
    bus::Put16(b, off + 100, static_cast<uint16_t>(n->pport));
    off += bus::kGossipLen;
  }
  if (ext_len) {
    b[bus::kOffMflags] = static_cast<char>(b[bus::kOffMflags] | bus::kMsgFlag0ExtData);
    bus::Put16(b, bus::kOffExtensions, 1);
    bus::Put16(b, off, bus::kExtHostname);
    bus::Put32(b, off + 4, static_cast<uint32_t>(ext_len));
    bus::PutStr(b, off + 8, host, host.size());
  }
  if (type == bus::kMsgPing && l->node) l->node->ping_sent = common::MsTime();
  SendRaw(l, std::move(b));
}

// PUBLISH / PUBLISHSHARD: after the header, the channel's and the
// message's lengths (u32 each), then both.
std::string BuildPublish(uint16_t type, std::string_view channel, std::string_view message) {
  std::string b = BuildHeader(type, 8 + channel.size() + message.size());
  bus::Put32(b, bus::kHeaderLen, static_cast<uint32_t>(channel.size()));
  bus::Put32(b, bus::kHeaderLen + 4, static_cast<uint32_t>(message.size()));
  memcpy(&b[bus::kHeaderLen + 8], channel.data(), channel.size());
  memcpy(&b[bus::kHeaderLen + 8 + channel.size()], message.data(), message.size());
  return b;
}

// The dispatcher's hook: PUBLISH to every node we have a link to; SPUBLISH
// to the other nodes of this shard (its master and the master's replicas).
void PropagatePublish(std::string_view channel, std::string_view message, bool shard) {
  State& st = S();
  const Node* master = SlotsSource();  // this shard's
  std::string b;
  for (auto& [name, n] : st.nodes) {
    if (n.get() == st.myself || !n->link || (n->flags & bus::kHandshake)) continue;
    if (shard && n.get() != master && n->master != master) continue;
    if (b.empty()) b = BuildPublish(shard ? bus::kMsgPublishShard : bus::kMsgPublish, channel, message);
    SendRaw(n->link, b);
  }
}

void BroadcastFail(const Node* failing) {
  std::string b = BuildHeader(bus::kMsgFail, bus::kFailDataLen);
  memcpy(&b[bus::kHeaderLen], failing->name.data(), kNameLen);
  for (auto& [name, n] : S().nodes)
    if (n->link && !(n->flags & bus::kHandshake)) SendRaw(n->link, b);
}

Node* CreateNode(std::string name, uint16_t flags) {
  auto n = std::make_unique<Node>();
  n->name = name.empty() ? common::RandomHex(kNameLen) : std::move(name);
  n->flags = flags;
  n->ctime = common::MsTime();
  n->slots.assign(kSlots / 8, 0);
  Node* p = n.get();
  S().nodes[p->name] = std::move(n);
  return p;
}

void RenameNode(Node* n, const std::string& name) {
  State& st = S();
  auto it = st.nodes.find(n->name);
  std::unique_ptr<Node> own = std::move(it->second);
  st.nodes.erase(it);
  own->name = name;
  st.nodes[name] = std::move(own);
}

void StartHandshake(const std::string& ip, int port, int cport) {
  for (auto& [name, n] : S().nodes)
    if ((n->flags & bus::kHandshake) && n->ip == ip && n->port == port && n->cport == cport) return;
  Node* n = CreateNode("", bus::kHandshake | bus::kMeetFlag);
  n->ip = ip;
  n->port = port;
  n->cport = cport;
}

void ProcessGossip(Node* sender, std::string_view msg, uint16_t count) {
  State& st = S();
  for (uint16_t i = 0; i < count; i++) {
    size_t off = bus::kHeaderLen + size_t{i} * bus::kGossipLen;
    std::string name(msg.substr(off, kNameLen));
    uint16_t flags = bus::Get16(msg, off + 98);
    Node* n = FindNode(name);
    if (n != nullptr) {
      // A failure report from a master about a node we think is in PFAIL.
      if (sender && (sender->flags & bus::kMaster) && n != st.myself) {
        if (flags & (bus::kPfail | bus::kFail)) {
          n->fail_reports[sender->name] = common::MsTime();
        } else {
          n->fail_reports.erase(sender->name);
        }
      }
      continue;
    }
    if ((flags & bus::kNoAddr) || st.blacklist.count(name)) continue;
    std::string ip = bus::GetStr(msg, off + 48, bus::kIpLen);
    if (ip.empty()) continue;
    StartHandshake(ip, bus::Get16(msg, off + 94), bus::Get16(msg, off + 96));
  }
}

// Redis's config epoch collision handling: of two masters with the same
// config epoch, the one with the smaller name takes a new one.
void HandleEpochCollision(const Node* sender) {
  State& st = S();
  Node* me = st.myself;
  if (sender->config_epoch != me->config_epoch || !(sender->flags & bus::kMaster) || !(me->flags & bus::kMaster))
    return;
  if (sender->name <= me->name) return;
  st.current_epoch++;
  me->config_epoch = st.current_epoch;
  MarkConfigChanged();
  LOG_VERBOSE("WARNING: configEpoch collision with node %s. configEpoch set to %llu", sender->name.c_str(),
              static_cast<unsigned long long>(me->config_epoch));
}

void SetRoleFrom(Node* sender, std::string_view msg) {
  std::string slaveof(msg.substr(bus::kOffSlaveOf, kNameLen));
  if (slaveof == std::string(kNameLen, '\0')) {
    if (sender->flags & bus::kSlave) {
      sender->flags = static_cast<uint16_t>((sender->flags & ~bus::kSlave) | bus::kMaster);
      sender->master = nullptr;
      MarkConfigChanged();
    }
    return;
  }
  Node* m = FindNode(slaveof);
  if (!(sender->flags & bus::kSlave) || sender->master != m) {
    if (sender->flags & bus::kMaster) {
      for (int s = 0; s < kSlots; s++)
        if (S().slot_owner[s] == sender) AssignSlot(s, nullptr);
    }
    sender->flags = static_cast<uint16_t>((sender->flags & ~bus::kMaster) | bus::kSlave);
    sender->master = m;
    MarkConfigChanged();
    UpdateState();
  }
}

// Redis's nodeUpdateAddressIfNeeded: a PING on an inbound link carries the
// sender's address as it announces it now (CONFIG SET cluster-announce-*,
// a restart on another port); our link to it is remade there.
void UpdateAddressFrom(Node* sender, Link* l, std::string_view msg) {
  std::string ip = bus::GetStr(msg, bus::kOffMyIp, bus::kIpLen);
  if (ip.empty() && !net::PeerName(l->fd, &ip, nullptr)) return;
  const int port = bus::Get16(msg, bus::kOffPort), cport = bus::Get16(msg, bus::kOffCport);
  sender->pport = bus::Get16(msg, bus::kOffPport);
  if (ip == sender->ip && port == sender->port && cport == sender->cport) return;
  sender->ip = ip;
  sender->port = port;
  sender->cport = cport;
  sender->flags = static_cast<uint16_t>(sender->flags & ~bus::kNoAddr);
  if (sender->link) FreeLink(sender->link);
  LOG_NOTICE("Address updated for node %s, now %s:%d", sender->name.c_str(), ip.c_str(), port);
  MarkConfigChanged();
  Node* me = S().myself;
  if ((me->flags & bus::kSlave) && me->master == sender && GetHooks().set_master)
    GetHooks().set_master(ip, ReplicationPort(*sender));
}

// One message from the bus. Returns false when the link must be dropped.
bool ProcessPacket(Link* l, std::string_view msg) {
  State& st = S();
  const uint16_t type = bus::Get16(msg, bus::kOffType);
  if (bus::Get16(msg, bus::kOffVer) != 1) return true;  // another protocol version: ignored, as Redis
  const uint16_t count = bus::Get16(msg, bus::kOffCount);
  size_t explen = bus::kHeaderLen;
  if (type == bus::kMsgPing || type == bus::kMsgPong || type == bus::kMsgMeet) {
    explen += size_t{count} * bus::kGossipLen;
  } else if (type == bus::kMsgFail) {
    explen += bus::kFailDataLen;
  } else if (type == bus::kMsgUpdate) {
    explen += bus::kUpdateDataLen;
  } else if (type == bus::kMsgPublish || type == bus::kMsgPublishShard) {
    explen += 8;
    if (msg.size() >= explen)
      explen += uint64_t{bus::Get32(msg, bus::kHeaderLen)} + bus::Get32(msg, bus::kHeaderLen + 4);
  }
  if (msg.size() < explen) {
    LOG_WARNING("Received invalid cluster bus message of type %u (length %zu)", type, msg.size());
    return false;
  }
  st.stats_received[type & 15]++;
  const int64_t now = common::MsTime();
  std::string sender_name(msg.substr(bus::kOffSender, kNameLen));
  Node* sender = FindNode(sender_name);
  if (sender && (sender->flags & bus::kHandshake)) sender = nullptr;
  // Our own messages (a MEET to our own address): only a PONG back, so
  // the handshake entry for that address finds it is us and goes.
  if (sender == st.myself) {
    if (type == bus::kMsgPing || type == bus::kMsgMeet) SendPing(l, bus::kMsgPong);
    if (type == bus::kMsgPong && !l->inbound && l->node && (l->node->flags & bus::kHandshake)) {
      DeleteNode(l->node);
      return false;
    }
    return true;
  }
  if (sender && l->inbound && l->node == nullptr) {
    l->node = sender;
    sender->inbound_link = l;
  }
  const uint64_t sender_current = bus::Get64(msg, bus::kOffCurrentEpoch);
  const uint64_t sender_config = bus::Get64(msg, bus::kOffConfigEpoch);
  if (sender) {
    sender->data_received = now;
    if (sender_current > st.current_epoch) {
      st.current_epoch = sender_current;
      MarkConfigChanged();
    }
    if (sender_config > sender->config_epoch && !(bus::Get16(msg, bus::kOffFlags) & bus::kSlave)) {
      sender->config_epoch = sender_config;
      MarkConfigChanged();
    }
    NoteSenderHeader(sender, msg);
  }

  if (type == bus::kMsgPing || type == bus::kMsgMeet) {
    // Our own address as the others see it, unless announced.
    if (st.myself->ip.empty() && GetSettings().announce_ip.empty()) {
      std::string ip;
      if (net::SockName(l->fd, &ip, nullptr)) {
        st.myself->ip = ip;
        MarkConfigChanged();
      }
    }
    if (!sender && type == bus::kMsgMeet) {
      Node* n = CreateNode("", bus::kHandshake);
      std::string ip = bus::GetStr(msg, bus::kOffMyIp, bus::kIpLen);
      if (ip.empty()) net::PeerName(l->fd, &ip, nullptr);
      n->ip = ip;
      n->port = bus::Get16(msg, bus::kOffPort);
      n->cport = bus::Get16(msg, bus::kOffCport);
      n->pport = bus::Get16(msg, bus::kOffPport);
      MarkConfigChanged();
      ProcessGossip(nullptr, msg, count);
    }
    SendPing(l, bus::kMsgPong);
  }

  if (type == bus::kMsgPing || type == bus::kMsgPong || type == bus::kMsgMeet) {
    if (!l->inbound && l->node) {
      Node* ln = l->node;
      if (ln->flags & bus::kHandshake) {
        if (sender) {
          // We met a node we already know under another address: forget
          // the handshake entry.
          DeleteNode(ln);
          return false;
        }
        if (st.nodes.count(sender_name)) return false;
        RenameNode(ln, sender_name);
        ln->flags = static_cast<uint16_t>(ln->flags & ~bus::kHandshake);
        ln->flags |= (bus::Get16(msg, bus::kOffFlags) & (bus::kMaster | bus::kSlave));
        ln->pport = bus::Get16(msg, bus::kOffPport);
        if (!(ln->flags & (bus::kMaster | bus::kSlave))) ln->flags |= bus::kMaster;
        MarkConfigChanged();
        sender = ln;
      } else if (ln->name != sender_name) {
        // The node at this address changed identity.
        ln->flags |= bus::kNoAddr;
        ln->ip.clear();
        ln->port = ln->cport = 0;
        MarkConfigChanged();
        return false;
      }
    }
    if (type == bus::kMsgPong && !l->inbound && l->node && sender == l->node) {
      Node* n = l->node;
      n->pong_received = now;
      n->ping_sent = 0;
      if (n->flags & bus::kPfail) {
        n->flags = static_cast<uint16_t>(n->flags & ~bus::kPfail);
        UpdateState();
      } else if ((n->flags & bus::kFail) &&
                 ((n->flags & bus::kSlave) || n->NumSlots() == 0 || now - n->fail_time > 2 * GetSettings().node_timeout)) {
        n->flags = static_cast<uint16_t>(n->flags & ~bus::kFail);
        LOG_NOTICE("Clear FAIL state for node %s: is reachable again.", n->name.c_str());
        MarkConfigChanged();
        UpdateState();
      }
    }
    if (!sender) return true;
    if (type == bus::kMsgPing && l->inbound) UpdateAddressFrom(sender, l, msg);
    // The sender's hostname as it announces it.
    if (!l->inbound && sender == l->node) {
      std::string host;
      if (msg.size() > explen && (static_cast<uint8_t>(msg[bus::kOffMflags]) & bus::kMsgFlag0ExtData)) {
        size_t off = explen;
        for (uint16_t e = bus::Get16(msg, bus::kOffExtensions); e > 0 && off + 8 <= msg.size(); e--) {
          uint32_t len = bus::Get32(msg, off + 4);
          if (len < 8 || off + len > msg.size()) break;
          if (bus::Get16(msg, off) == bus::kExtHostname) host = bus::GetStr(msg, off + 8, len - 8);
          off += len;
        }
      }
      if (host != sender->hostname) {
        sender->hostname = host;
        MarkConfigChanged();
      }
    }
    SetRoleFrom(sender, msg);
    ProcessSlotClaims(sender, sender_config, msg);
    if (sender->flags & bus::kMaster) HandleEpochCollision(sender);
    ProcessGossip(sender, msg, count);
  } else if (type == bus::kMsgFail) {
    if (!sender) return true;
    Node* failing = FindNode(std::string(msg.substr(bus::kHeaderLen, kNameLen)));
    if (failing && failing != st.myself && !(failing->flags & bus::kFail)) {
      LOG_NOTICE("FAIL message received from %s about %s", sender->name.c_str(), failing->name.c_str());
      failing->flags = static_cast<uint16_t>((failing->flags | bus::kFail) & ~bus::kPfail);
      failing->fail_time = now;
      MarkConfigChanged();
      UpdateState();
    }
  } else if (type == bus::kMsgPublish || type == bus::kMsgPublishShard) {
    if (!sender) return true;
    const size_t clen = bus::Get32(msg, bus::kHeaderLen);
    std::string_view channel = msg.substr(bus::kHeaderLen + 8, clen);
    std::string_view message = msg.substr(bus::kHeaderLen + 8 + clen, bus::Get32(msg, bus::kHeaderLen + 4));
    if (type == bus::kMsgPublish) {
      commands::Publish(channel, message);
    } else {
      commands::PublishShard(channel, message);
    }
  } else if (type == bus::kMsgUpdate) {
    if (!sender) return true;
    size_t off = bus::kHeaderLen;
    uint64_t epoch = bus::Get64(msg, off);
    Node* n = FindNode(std::string(msg.substr(off + 8, kNameLen)));
    if (n) ProcessUpdate(n, epoch, msg.substr(off + 48, kSlots / 8));
  } else if (type == bus::kMsgFailoverAuthRequest || type == bus::kMsgFailoverAuthAck || type == bus::kMsgMfStart) {
    if (sender) ProcessFailoverMessage(sender, type, msg);
  }
  return true;
}

void ProcessInput(Link* l);

void ReadHandler(net::EventLoop*, int fd, void* data, int) {
  auto* l = static_cast<Link*>(data);
  char buf[16 * 1024];
  ssize_t n = l->tls ? l->tls->Read(buf, sizeof(buf)) : read(fd, buf, sizeof(buf));
  if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
    if (l->tls && n < 0) LOG_VERBOSE("TLS error on a cluster bus link: %s", l->tls->error().c_str());
    FreeLink(l);
    return;
  }
  // A TLS handshake that moved on may let queued messages out, or wait to
  // write its own record.
  if (l->tls && (!l->wbuf.empty() || (n < 0 && l->tls->WantsWrite()))) Flush(l);
  if (n < 0 || l->dead) return;
  l->rbuf.append(buf, static_cast<size_t>(n));
  while (l->tls && l->tls->Pending() > 0) {
    ssize_t m = l->tls->Read(buf, std::min(sizeof(buf), l->tls->Pending()));
    if (m <= 0) break;
    l->rbuf.append(buf, static_cast<size_t>(m));
  }
  ProcessInput(l);
}

// The whole messages l has buffered, one by one.
void ProcessInput(Link* l) {
  size_t pos = 0;
  while (!l->dead && l->rbuf.size() - pos >= 14) {
    std::string_view rest(l->rbuf.data() + pos, l->rbuf.size() - pos);
    if (rest.substr(0, 4) != "RCmb") {
      LOG_WARNING("Bad message signature on the cluster bus: closing the link");
      FreeLink(l);
      return;
    }
    uint32_t totlen = bus::Get32(rest, 4);
    // The largest gossip message: a PING about every node of a very large
    // cluster; 1 MB bounds what a broken peer makes us buffer. A PUBLISH
    // carries a client's channel and message: 1 GB, a client's query
    // buffer limit, bounds it.
    const uint16_t type = bus::Get16(rest, bus::kOffType);
    const bool publish = type == bus::kMsgPublish || type == bus::kMsgPublishShard;
    if (totlen < bus::kHeaderLen || totlen > (publish ? (1u << 30) : (1u << 20))) {
      FreeLink(l);
      return;
    }
    if (rest.size() < totlen) break;
    if (!ProcessPacket(l, rest.substr(0, totlen))) {
      FreeLink(l);
      return;
    }
    pos += totlen;
  }
  if (!l->dead) l->rbuf.erase(0, pos);
}

void ConnectedHandler(net::EventLoop*, int fd, void* data, int) {
  auto* l = static_cast<Link*>(data);
  int err = 0;
  socklen_t len = sizeof(err);
  if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) {
    // A node we cannot connect to counts as pinged from now (toward PFAIL).
    if (l->node && l->node->ping_sent == 0) l->node->ping_sent = common::MsTime();
    FreeLink(l);
    return;
  }
  g_loop->DelFileEvent(fd, net::kWritable);
  l->connecting = false;
  if (GetSettings().tls && (l->tls = net::TlsConn::Connect(fd)) == nullptr) {
    FreeLink(l);
    return;
  }
  if (!g_loop->AddFileEvent(fd, net::kReadable, ReadHandler, l).ok()) {
    FreeLink(l);
    return;
  }
  Node* n = l->node;
  SendPing(l, (n->flags & bus::kMeetFlag) ? bus::kMsgMeet : bus::kMsgPing);
  n->flags = static_cast<uint16_t>(n->flags & ~bus::kMeetFlag);
}

void Connect(Node* n, int64_t now) {
  if (g_fuzzing) return;
  common::Result<int> fd = net::ConnectTcpNonBlock(n->ip, n->cport);
  if (!fd.ok()) {
    if (n->ping_sent == 0) n->ping_sent = now;  // counts toward PFAIL, as Redis
    return;
  }
  auto l = std::make_unique<Link>();
  l->fd = *fd;
  l->connecting = true;
  l->node = n;
  l->ctime = now;
  if (!g_loop->AddFileEvent(*fd, net::kWritable, ConnectedHandler, l.get()).ok()) {
    close(*fd);
    return;
  }
  n->link = l.get();
  g_links.push_back(std::move(l));
}

void AcceptHandler(net::EventLoop*, int fd, void*, int) {
  for (int i = 0; i < 100; i++) {
    std::string ip;
    int port = 0;
    int cfd = net::AcceptTcp(fd, &ip, &port);
    if (cfd < 0) return;
    net::SetTcpNoDelay(cfd, true);
    auto l = std::make_unique<Link>();
    l->fd = cfd;
    l->inbound = true;
    l->ctime = common::MsTime();
    if (GetSettings().tls && (l->tls = net::TlsConn::Accept(cfd)) == nullptr) {
      close(cfd);
      continue;
    }
    if (!g_loop->AddFileEvent(cfd, net::kReadable, ReadHandler, l.get()).ok()) {
      FreeLink(l.get());
      continue;
    }
    g_links.push_back(std::move(l));
  }
}

std::string NodesConfText() {
  std::string out;
  for (auto& [name, n] : S().nodes) {
    if (n->flags & bus::kHandshake) continue;
    out += NodeDescription(*n);
    out += '\n';
  }
  char vars[96];
  snprintf(vars, sizeof(vars), "vars currentEpoch %llu lastVoteEpoch %llu\n",
           static_cast<unsigned long long>(S().current_epoch), static_cast<unsigned long long>(S().last_vote_epoch));
  out += vars;
  return out;
}

// One "a-b" / "a" slot field of a nodes.conf line; open-slot fields
// ("[...]") are skipped.
void LoadSlotField(Node* n, std::string_view f) {
  if (f.empty() || f[0] == '[') return;
  size_t dash = f.find('-');
  int64_t a = 0, b = 0;
  if (!common::StringToInt64(f.substr(0, dash), &a)) return;
  b = a;
  if (dash != std::string_view::npos && !common::StringToInt64(f.substr(dash + 1), &b)) return;
  for (int64_t s = std::max<int64_t>(a, 0); s <= b && s < kSlots; s++) AssignSlot(static_cast<int>(s), n);
}

common::Status LoadConfig(const std::string& path, bool* found) {
  *found = false;
  FILE* f = fopen(path.c_str(), "r");
  if (!f) return common::Status::Ok();
  std::string text;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), f)) > 0) text.append(buf, n);
  fclose(f);
  if (text.empty()) return common::Status::Ok();  // a new file (the lock's)
  State& st = S();
  std::vector<std::pair<Node*, std::string>> masters;
  for (std::string_view line : SplitChar(text, '\n')) {
    if (line.empty()) continue;
    std::vector<std::string_view> a;
    for (std::string_view w : SplitChar(line, ' '))
      if (!w.empty()) a.push_back(w);
    if (a[0] == "vars") {
      for (size_t i = 1; i + 1 < a.size(); i += 2) {
        int64_t v = 0;
        common::StringToInt64(a[i + 1], &v);
        if (a[i] == "currentEpoch") st.current_epoch = static_cast<uint64_t>(v);
        if (a[i] == "lastVoteEpoch") st.last_vote_epoch = static_cast<uint64_t>(v);
      }
      continue;
    }
    if (a.size() < 8 || a[0].size() != kNameLen)
      return common::Status::InvalidArgument("Unrecoverable error: corrupted cluster config file \"" +
                                             std::string(line) + "\".");
    Node* node = FindNode(std::string(a[0]));
    if (!node) node = CreateNode(std::string(a[0]), 0);
    std::string_view addr = a[1];
    size_t comma = addr.find(',');
    if (comma != std::string_view::npos) {
      node->hostname = std::string(addr.substr(comma + 1));
      addr = addr.substr(0, comma);
    }
    size_t at = addr.find('@');
    size_t colon = addr.rfind(':', at);
    int64_t v = 0;
    node->ip = std::string(addr.substr(0, colon));
    if (common::StringToInt64(addr.substr(colon + 1, at - colon - 1), &v)) node->port = static_cast<int>(v);
    if (at != std::string_view::npos && common::StringToInt64(addr.substr(at + 1), &v))
      node->cport = static_cast<int>(v);
    node->flags = 0;
    for (std::string_view fl : SplitChar(a[2], ',')) {
      if (fl == "myself") {
        node->flags |= bus::kMyself;
        st.myself = node;
      } else if (fl == "master") {
        node->flags |= bus::kMaster;
      } else if (fl == "slave") {
        node->flags |= bus::kSlave;
      } else if (fl == "fail?") {
        node->flags |= bus::kPfail;
      } else if (fl == "fail") {
        node->flags |= bus::kFail;
        node->fail_time = common::MsTime();
      } else if (fl == "noaddr") {
        node->flags |= bus::kNoAddr;
      } else if (fl == "nofailover") {
        node->flags |= bus::kNoFailover;
      }
    }
    if (a[3] != "-") masters.emplace_back(node, std::string(a[3]));
    if (common::StringToInt64(a[6], &v)) node->config_epoch = static_cast<uint64_t>(v);
    for (size_t i = 8; i < a.size(); i++) LoadSlotField(node, a[i]);
  }
  for (auto& [node, master] : masters) {
    Node* m = FindNode(master);
    if (!m) m = CreateNode(master, bus::kMaster | bus::kNoAddr);
    node->master = m;
  }
  if (st.myself == nullptr)
    return common::Status::InvalidArgument("Unrecoverable error: corrupted cluster config file (no myself).");
  *found = true;
  return common::Status::Ok();
}

// Redis's clusterLockConfig: an exclusive flock on nodes.conf, kept while
// the server runs, so two nodes never share one file. A save that replaces
// the file by rename locks the new one first and keeps its descriptor as
// the lock (SaveConfig).
common::Status LockConfig(const std::string& path) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return common::Status::IoError("Can't open " + path + " in order to acquire a lock: " + strerror(errno));
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    close(fd);
    if (err == EWOULDBLOCK)
      return common::Status::IoError("Sorry, the cluster configuration file " + path +
                                     " is already used by a different Redis Cluster node. Please make sure that "
                                     "different nodes use different cluster configuration files.");
    return common::Status::IoError("Impossible to lock " + path + ": " + strerror(err));
  }
  if (g_lock_fd >= 0) close(g_lock_fd);
  g_lock_fd = fd;
  return common::Status::Ok();
}

}  // namespace

const Node* SlotsSource() {
  Node* me = S().myself;
  if ((me->flags & bus::kSlave) && me->master) return me->master;
  return me;
}

State& S() {
  static auto* s = new State();
  return *s;
}

Settings& GetSettings() {
  static auto* s = new Settings();
  return *s;
}

Hooks& GetHooks() {
  static auto* h = new Hooks();
  return *h;
}

int Node::NumSlots() const {
  int n = 0;
  for (uint8_t b : slots) n += __builtin_popcount(b);
  return n;
}

// The bus listens on cluster-port, else 10000 above the clients' port (the
// TLS one under tls-cluster).
int BusPort() {
  const Settings& cfg = GetSettings();
  return cfg.bus_port ? cfg.bus_port : (cfg.tls ? cfg.tls_port : cfg.port) + 10000;
}

int BusPortAnnounced() {
  const Settings& cfg = GetSettings();
  return cfg.announce_bus_port ? cfg.announce_bus_port : BusPort();
}

void PortsAnnounced(int* port, int* pport) {
  const Settings& cfg = GetSettings();
  if (cfg.tls) {
    *port = cfg.announce_tls_port ? cfg.announce_tls_port : cfg.tls_port;
    *pport = cfg.announce_port ? cfg.announce_port : cfg.port;
  } else {
    *port = cfg.announce_port ? cfg.announce_port : cfg.port;
    *pport = 0;
  }
}

int ClientPort(const Node& n, const commands::Client& c) {
  return GetSettings().tls && c.tls == nullptr && n.pport ? n.pport : n.port;
}

int ReplicationPort(const Node& n) {
  return GetSettings().tls && !GetSettings().tls_replication && n.pport ? n.pport : n.port;
}

Node* FindNode(const std::string& name) {
  auto it = S().nodes.find(name);
  return it == S().nodes.end() ? nullptr : it->second.get();
}

void AssignSlot(int slot, Node* n) {
  State& st = S();
  Node* old = st.slot_owner[slot];
  if (old && old != n && st.myself && (old == st.myself || old == st.myself->master)) {
    g_shard_slots_lost[static_cast<size_t>(slot)] = true;
    g_any_shard_slot_lost = true;
  }
  if (old) old->slots[static_cast<size_t>(slot / 8)] = static_cast<uint8_t>(old->slots[static_cast<size_t>(slot / 8)] & ~(1 << (slot & 7)));
  st.slot_owner[slot] = n;
  if (n) n->slots[static_cast<size_t>(slot / 8)] = static_cast<uint8_t>(n->slots[static_cast<size_t>(slot / 8)] | (1 << (slot & 7)));
}

void DeleteNode(Node* n) {
  State& st = S();
  for (int s = 0; s < kSlots; s++) {
    if (st.slot_owner[s] == n) AssignSlot(s, nullptr);
    if (st.importing_from[s] == n->name) st.importing_from[s].clear();
    if (st.migrating_to[s] == n->name) st.migrating_to[s].clear();
  }
  for (auto& [name, other] : st.nodes) {
    other->fail_reports.erase(n->name);
    if (other->master == n) other->master = nullptr;
  }
  if (n->link) FreeLink(n->link);
  if (n->inbound_link) FreeLink(n->inbound_link);
  st.nodes.erase(n->name);
  MarkConfigChanged();
}

Node* AddHandshakeNode(const std::string& ip, int port, int cport) {
  StartHandshake(ip, port, cport);
  return nullptr;
}

void MarkConfigChanged(bool fsync) {
  g_save_fsync = (g_save_pending && g_save_fsync) || fsync;
  g_save_pending = true;
}

common::Status SaveConfig(bool do_fsync) {
  g_save_pending = g_save_fsync = false;
  const std::string& path = GetSettings().config_file;
  std::string text = NodesConfText();
  // Without fsync (SETSLOT, as Redis 7.0 saves it) the file is rewritten in
  // place with one write, padded with newlines to its old length and then
  // truncated: a crash of the process leaves either version, never a mix,
  // and a reshard's thousands of saves cost no new file and rename each.
  // With fsync (epochs, votes, failover) a new file is written, synced and
  // renamed over the old one, so not even the machine's crash tears it.
  if (!do_fsync && g_lock_fd >= 0) {
    struct stat sb;
    const size_t len = text.size();
    if (fstat(g_lock_fd, &sb) == 0 && static_cast<size_t>(sb.st_size) > len)
      text.append(static_cast<size_t>(sb.st_size) - len, '\n');
    if (pwrite(g_lock_fd, text.data(), text.size(), 0) == static_cast<ssize_t>(text.size()) &&
        (text.size() == len || ftruncate(g_lock_fd, static_cast<off_t>(len)) == 0))
      return common::Status::Ok();
    text.resize(len);  // not written whole: the safe way then
  }
  std::string tmp = path + ".tmp-" + std::to_string(getpid());
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return common::Status::IoError(std::string("Could not open ") + tmp + ": " + strerror(errno));
  auto fail = [&](const char* what) {
    const int err = errno;
    close(fd);
    unlink(tmp.c_str());
    return common::Status::IoError(std::string(what) + " " + tmp + ": " + strerror(err));
  };
  // The new file is locked before it takes the name, and its descriptor
  // becomes the lock (g_lock_fd): no other node can lock it in between.
  if (g_lock_fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) != 0) return fail("Could not lock");
  size_t off = 0;
  while (off < text.size()) {
    ssize_t n = write(fd, text.data() + off, text.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return fail("Could not write");
    off += static_cast<size_t>(n);
  }
  if (do_fsync && fsync(fd) != 0) return fail("Could not fsync");
  if (rename(tmp.c_str(), path.c_str()) != 0) return fail("Could not rename");
  if (g_lock_fd >= 0) {
    close(g_lock_fd);
    g_lock_fd = fd;
  } else {
    close(fd);
  }
  return common::Status::Ok();
}

void UpdateState() {
  State& st = S();
  bool ok = true;
  if (GetSettings().require_full_coverage) {
    for (int s = 0; s < kSlots && ok; s++)
      if (st.slot_owner[s] == nullptr || (st.slot_owner[s]->flags & bus::kFail)) ok = false;
  }
  // A minority partition stops serving (the majority of the masters that
  // serve slots must be reachable).
  int size = 0, reachable = 0;
  for (auto& [name, n] : st.nodes) {
    if (!(n->flags & bus::kMaster) || n->NumSlots() == 0) continue;
    size++;
    if (!(n->flags & (bus::kFail | bus::kPfail))) reachable++;
  }
  if (size > 0 && reachable < size / 2 + 1) ok = false;
  if (ok != st.ok) LOG_NOTICE("Cluster state changed: %s", ok ? "ok" : "fail");
  st.ok = ok;
  st.size = size;
}

std::string NodeDescription(const Node& n, const commands::Client* client) {
  State& st = S();
  std::string o = n.name;
  o += ' ';
  o += n.ip + ":" + std::to_string(client ? ClientPort(n, *client) : n.port) + "@" + std::to_string(n.cport);
  if (!n.hostname.empty()) o += "," + n.hostname;
  o += ' ';
  std::string fl;
  auto add = [&fl](const char* s) {
    if (!fl.empty()) fl += ',';
    fl += s;
  };
  if (n.flags & bus::kMyself) add("myself");
  if (n.flags & bus::kMaster) add("master");
  if (n.flags & bus::kSlave) add("slave");
  if (n.flags & bus::kPfail) add("fail?");
  if (n.flags & bus::kFail) add("fail");
  if (n.flags & bus::kHandshake) add("handshake");
  if (n.flags & bus::kNoAddr) add("noaddr");
  if (n.flags & bus::kNoFailover) add("nofailover");
  if (fl.empty()) fl = "noflags";
  o += fl;
  o += ' ';
  o += n.master ? n.master->name : "-";
  const bool me = &n == st.myself;
  o += ' ' + std::to_string(me ? 0 : n.ping_sent) + ' ' + std::to_string(me ? 0 : n.pong_received) + ' ' +
       std::to_string(n.config_epoch) + ' ';
  o += (me || (n.link && !n.link->connecting)) ? "connected" : "disconnected";
  for (int s = 0; s < kSlots; s++) {
    if (st.slot_owner[s] != &n) continue;
    int e = s;
    while (e + 1 < kSlots && st.slot_owner[e + 1] == &n) e++;
    o += ' ' + (e == s ? std::to_string(s) : std::to_string(s) + "-" + std::to_string(e));
    s = e;
  }
  if (me) {
    for (int s = 0; s < kSlots; s++) {
      if (!st.migrating_to[s].empty()) o += " [" + std::to_string(s) + "->-" + st.migrating_to[s] + "]";
      if (!st.importing_from[s].empty()) o += " [" + std::to_string(s) + "-<-" + st.importing_from[s] + "]";
    }
  }
  return o;
}

size_t LinksMemory() {
  size_t total = 0;
  for (const auto& l : g_links) total += sizeof(Link) + l->rbuf.capacity() + l->wbuf.capacity();
  return total;
}

void LinksReply(commands::Client& c) {
  std::vector<std::pair<const Link*, bool>> links;  // the link, outbound
  for (auto& [name, n] : S().nodes) {
    if (n->link && !n->link->dead) links.emplace_back(n->link, true);
    if (n->inbound_link && !n->inbound_link->dead) links.emplace_back(n->inbound_link, false);
  }
  c.reply.ArrayHeader(links.size());
  for (const auto& [l, out] : links) {
    c.reply.MapHeader(6);
    c.reply.Bulk("direction");
    c.reply.Bulk(out ? "to" : "from");
    c.reply.Bulk("node");
    c.reply.Bulk(l->node->name);
    c.reply.Bulk("create-time");
    c.reply.Integer(l->ctime);
    c.reply.Bulk("events");
    // Every link reads once connected; one writes while it has a backlog.
    std::string ev = l->connecting ? "" : "r";
    if (l->connecting || !l->wbuf.empty()) ev += "w";
    c.reply.Bulk(ev);
    c.reply.Bulk("send-buffer-allocated");
    c.reply.Integer(static_cast<int64_t>(l->wbuf.capacity()));
    c.reply.Bulk("send-buffer-used");
    c.reply.Integer(static_cast<int64_t>(l->wbuf.size()));
  }
}

void ResetLinks() {
  for (auto& l : g_links) FreeLink(l.get());
}

void SendPingNow(Node* n) {
  if (n->link && !n->link->connecting) SendPing(n->link, bus::kMsgPing);
}

std::string BuildMessageHeader(uint16_t type) { return BuildHeader(type, 0); }

void SendToNode(Node* n, const std::string& msg) {
  if (n->link) SendRaw(n->link, msg);
}

void BroadcastMessage(const std::string& msg) {
  for (auto& [name, n] : S().nodes)
    if (n->link && n.get() != S().myself && !(n->flags & bus::kHandshake)) SendRaw(n->link, msg);
}

void BroadcastPong(bool local_replicas) {
  State& st = S();
  for (auto& [name, n] : st.nodes) {
    if (!n->link || n->link->connecting || n.get() == st.myself || (n->flags & bus::kHandshake)) continue;
    if (local_replicas && !((n->flags & bus::kSlave) && n->master && n->master == st.myself->master)) continue;
    SendPing(n->link, bus::kMsgPong);
  }
}

common::Status Init(net::EventLoop* loop) {
  g_loop = loop;
  State& st = S();
  const Settings& cfg = GetSettings();
  bool found = false;
  common::Status s = LockConfig(cfg.config_file);
  if (!s.ok()) return s;
  s = LoadConfig(cfg.config_file, &found);
  if (!s.ok()) return s;
  if (!found) {
    st.myself = CreateNode("", bus::kMyself | bus::kMaster);
    LOG_NOTICE("No cluster configuration found, I'm %s", st.myself->name.c_str());
  } else {
    LOG_NOTICE("Node configuration loaded, I'm %.40s", st.myself->name.c_str());
  }
  SettingsChanged();
  s = SaveConfig();
  if (!s.ok()) return s;
  const int port = BusPort();
  if (port > 65535) return common::Status::InvalidArgument("Redis port number too high. Cluster communication port is 10,000 port numbers higher than your Redis port. Your Redis port number must be 55535 or less.");
  for (const std::string& addr : cfg.bind) {
    std::string skipped;
    common::Result<int> fd = net::ListenTcp(addr[0] == '-' ? addr.substr(1) : addr, port, 511, &skipped);
    if (!fd.ok()) {
      if (!skipped.empty()) continue;
      return common::Status::IoError("Failed listening on cluster bus port " + std::to_string(port) + ": " +
                                     fd.status().message());
    }
    common::Status es = loop->AddFileEvent(*fd, net::kReadable, AcceptHandler, nullptr);
    if (!es.ok()) return es;
    g_listen_fds.push_back(*fd);
  }
  UpdateState();
  InstallRedirect();
  commands::GetState().cluster_publish = PropagatePublish;
  Node* m = st.myself->master;
  if ((st.myself->flags & bus::kSlave) && m && !m->ip.empty() && GetHooks().set_master)
    GetHooks().set_master(m->ip, ReplicationPort(*m));
  return common::Status::Ok();
}

void SettingsChanged() {
  Node* me = S().myself;
  if (me == nullptr) return;
  const Settings& cfg = GetSettings();
  int port = 0, pport = 0;
  PortsAnnounced(&port, &pport);
  const int cport = BusPortAnnounced();
  // An announced address given up: our own is learned again from the next
  // PING, as at start-up.
  static std::string announced;
  std::string ip = cfg.announce_ip.empty() ? (me->ip == announced ? "" : me->ip) : cfg.announce_ip;
  announced = cfg.announce_ip;
  if (me->port == port && me->pport == pport && me->cport == cport && me->ip == ip &&
      me->hostname == cfg.announce_hostname)
    return;
  me->port = port;
  me->pport = pport;
  me->cport = cport;
  me->ip = ip;
  me->hostname = cfg.announce_hostname;
  MarkConfigChanged();
}

void Cron(int64_t now) {
  State& st = S();
  const int64_t timeout = std::max<int64_t>(GetSettings().node_timeout, 1);
  std::vector<Node*> to_delete;
  for (auto& [name, n] : st.nodes) {
    Node* node = n.get();
    if (node == st.myself || (node->flags & bus::kNoAddr)) continue;
    if ((node->flags & bus::kHandshake) && now - node->ctime > std::max<int64_t>(timeout, 1000)) {
      to_delete.push_back(node);
      continue;
    }
    if (node->link == nullptr) {
      Connect(node, now);
      continue;
    }
    Link* l = node->link;
    if (l->connecting) {
      if (now - l->ctime > timeout) FreeLink(l);
      continue;
    }
    // A link with a ping outstanding for half the timeout is reconnected
    // (the peer may be fine and the connection broken).
    if (node->ping_sent && now - node->ping_sent > timeout / 2 && now - l->ctime > timeout / 2 &&
        now - node->data_received > timeout / 2) {
      FreeLink(l);
      continue;
    }
    if (node->ping_sent == 0 && now - node->pong_received >= std::min<int64_t>(1000, timeout / 2)) SendPing(l, bus::kMsgPing);
  }
  for (Node* n : to_delete) DeleteNode(n);
  // PFAIL after node_timeout without a PONG; FAIL when a majority of the
  // masters agree (their gossip reports, ours included).
  bool changed = false;
  for (auto& [name, n] : st.nodes) {
    Node* node = n.get();
    if (node == st.myself || (node->flags & (bus::kHandshake | bus::kNoAddr))) continue;
    std::erase_if(node->fail_reports, [&](const auto& r) { return now - r.second > 2 * timeout; });
    if (node->ping_sent && now - node->ping_sent > timeout && !(node->flags & (bus::kPfail | bus::kFail))) {
      node->flags |= bus::kPfail;
      changed = true;
    }
    if ((node->flags & bus::kPfail) && (st.myself->flags & bus::kMaster)) {
      const int needed = st.size / 2 + 1;
      if (static_cast<int>(node->fail_reports.size()) + 1 >= needed) {
        LOG_NOTICE("Marking node %s as failing (quorum reached).", node->name.c_str());
        node->flags = static_cast<uint16_t>((node->flags | bus::kFail) & ~bus::kPfail);
        node->fail_time = now;
        BroadcastFail(node);
        MarkConfigChanged();
        changed = true;
      }
    }
  }
  // cluster-link-sendbuf-limit: a link whose peer does not read is freed
  // (an outbound one is reconnected by the next cron).
  const uint64_t limit = GetSettings().link_sendbuf_limit;
  if (limit) {
    for (auto& l : g_links) {
      if (l->dead || l->wbuf.capacity() <= limit) continue;
      LOG_WARNING("Freeing cluster link(%s node %s) because its send buffer of %zu bytes exceeds "
                  "cluster-link-sendbuf-limit", l->inbound ? "from" : "to",
                  l->node ? l->node->name.c_str() : "unknown", l->wbuf.capacity());
      st.links_limit_exceeded++;
      FreeLink(l.get());
    }
  }
  for (auto it = st.blacklist.begin(); it != st.blacklist.end();) {
    if (it->second < now) {
      it = st.blacklist.erase(it);
    } else {
      ++it;
    }
  }
  if (changed) UpdateState();
  FailoverCron(now);
  ReapLinks();
}

void BeforeSleep() {
  FailoverBeforeSleep();
  ReapLinks();
  if (g_any_shard_slot_lost) {
    g_any_shard_slot_lost = false;
    // As Redis 7.0's clusterDelSlot: a slot that left the shard it was
    // served by here, even for the new master of this node (an old master
    // demoted by a failover), unless it came to this node itself.
    State& st = S();
    std::vector<bool> lost(kSlots);
    for (int s = 0; s < kSlots; s++)
      if (g_shard_slots_lost[static_cast<size_t>(s)] && st.slot_owner[s] != st.myself) lost[static_cast<size_t>(s)] = true;
    std::fill(g_shard_slots_lost.begin(), g_shard_slots_lost.end(), false);
    commands::PubsubDropShardChannels(
        [&lost](std::string_view ch) { return lost[static_cast<size_t>(KeySlot(ch))]; });
  }
  if (!g_save_pending) return;
  common::Status s = SaveConfig(g_save_fsync);
  if (!s.ok()) LOG_WARNING("Cluster config could not be saved: %s", s.message().c_str());
}

// The bus fuzz target's entry (internal.h). The table is rebuilt for each
// input: myself (a master of slots 0-8191), a peer master of the others
// with a replica, and one node in handshake; each link is one end of a
// socketpair whose other end is drained and closed at the end.
void FuzzBusInput(std::string_view bytes) {
  static std::unique_ptr<net::EventLoop> loop;
  if (!loop) {
    common::Result<std::unique_ptr<net::EventLoop>> l = net::EventLoop::Create(1024);
    if (!l.ok()) abort();
    loop = std::move(*l);
    g_loop = loop.get();
    g_fuzzing = true;
  }
  ResetLinks();
  ReapLinks();
  ResetFailoverState();
  State& st = S();
  st = State();
  st.myself = CreateNode(std::string(kNameLen, 'a'), bus::kMyself | bus::kMaster);
  st.myself->ip = "127.0.0.1";
  st.myself->config_epoch = st.current_epoch = 2;
  Node* peer = CreateNode(std::string(kNameLen, 'b'), bus::kMaster);
  peer->ip = "127.0.0.1";
  peer->port = 7001;
  peer->cport = 17001;
  peer->config_epoch = 1;
  Node* replica = CreateNode(std::string(kNameLen, 'c'), bus::kSlave);
  replica->ip = "127.0.0.1";
  replica->port = 7002;
  replica->cport = 17002;
  replica->master = peer;
  StartHandshake("127.0.0.1", 7003, 17003);
  for (int s = 0; s < kSlots; s++) AssignSlot(s, s < kSlots / 2 ? st.myself : peer);
  st.migrating_to[5] = peer->name;
  st.importing_from[9000] = peer->name;
  UpdateState();
  std::vector<int> far;
  auto link = [&far](Node* n, bool inbound) {
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) != 0) abort();
    far.push_back(sv[1]);
    auto l = std::make_unique<Link>();
    l->fd = sv[0];
    l->inbound = inbound;
    l->node = n;
    Link* p = l.get();
    g_links.push_back(std::move(l));
    if (n && !inbound) n->link = p;
    return p;
  };
  // The bytes as an unknown peer's on an inbound link, then as the peer's
  // answers on our link to it, then a cron tick with the peer silent.
  Link* in = link(nullptr, true);
  Link* out = link(peer, false);
  for (Link* l : {in, out}) {
    if (l->dead) continue;
    l->rbuf.assign(bytes.data(), bytes.size());
    ProcessInput(l);
  }
  Cron(common::MsTime() + 3 * GetSettings().node_timeout);
  g_save_pending = g_save_fsync = false;
  ResetLinks();
  ReapLinks();
  for (int fd : far) close(fd);
}

}  // namespace cluster
