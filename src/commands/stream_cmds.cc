// The stream command family of Redis 7.0: XADD XRANGE XREVRANGE XLEN XDEL
// XTRIM XSETID XREAD XREADGROUP XGROUP (CREATE SETID DESTROY CREATECONSUMER
// DELCONSUMER HELP) XACK XPENDING XCLAIM XAUTOCLAIM XINFO (STREAM GROUPS
// CONSUMERS HELP).
//
// Handlers parse, call ds/stream.h (through object/stream_type.h) and
// reply; argument order, error texts and reply shapes follow Redis 7.0.15's
// t_stream.c (tests/integration/test_stream*.py compare with Debian's
// redis-server in RESP2 and RESP3). Entries are replied as [id, [f, v, ...]]
// in both protocols; XREAD's outer reply is an array of [key, entries] in
// RESP2 and a map key -> entries in RESP3.
//
// Propagation, as Redis 7.0, so that an AOF replays to the same stream:
//   XADD with an automatic or partial ID     -> XADD with the ID assigned;
//   XADD/XTRIM with ~ (approximate) trimming  -> "=" and the exact length or
//                                                first ID left;
//   XREADGROUP, XCLAIM, XAUTOCLAIM           -> one XCLAIM ... FORCE JUSTID
//                                                LASTID per entry delivered or
//                                                claimed; with NOACK (no
//                                                XCLAIM to carry LASTID)
//                                                XGROUP SETID ... ENTRIESREAD
//                                                when the group's last ID
//                                                moved and XGROUP
//                                                CREATECONSUMER for a consumer
//                                                created on the way. Exactly
//                                                what 7.0.15 writes (so, as in
//                                                7.0.15, a replay leaves
//                                                entries-read unknown after
//                                                XREADGROUP without NOACK).
//
// Blocking: XREAD/XREADGROUP BLOCK wait through commands/blocking.h. The
// command kept for the blocked client has its "$" IDs replaced by the IDs
// they stood for, so the serve function (ServeStream) re-reads everything
// it needs from argv. XADD signals its key (a stream that exists may have
// waiters, unlike a list), XGROUP DESTROY too (waiters on that group get
// NOGROUP), and a deleted stream answers XREADGROUP waiters with
// "UNBLOCKED the stream key no longer exists".
#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "commands/blocking.h"
#include "commands/client.h"
#include "commands/errors.h"
#include "commands/propagate.h"
#include "commands/registry.h"
#include "commands/state.h"
#include "common/clock.h"
#include "common/util.h"
#include "db/db.h"
#include "ds/rax.h"
#include "ds/stream.h"
#include "object/object.h"
#include "object/stream_type.h"

namespace commands {
namespace {

using ds::Stream;
using ds::StreamCG;
using ds::StreamConsumer;
using ds::StreamId;
using ds::StreamNack;
using object::Object;

constexpr char kInvalidId[] = "ERR Invalid stream ID specified as stream command argument";
constexpr char kXaddIdTooSmall[] = "ERR The ID specified in XADD is equal or smaller than the target stream top item";
constexpr char kXaddIdZero[] = "ERR The ID specified in XADD must be greater than 0-0";
constexpr char kExhausted[] = "ERR The stream has exhausted the last possible ID, unable to add more items";
constexpr char kTooLarge[] = "ERR Elements are too large to be stored";
constexpr char kInvalidStart[] = "ERR invalid start ID for the interval";
constexpr char kInvalidEnd[] = "ERR invalid end ID for the interval";
constexpr char kBusyGroup[] = "BUSYGROUP Consumer Group name already exists";
constexpr char kEntriesReadRange[] = "ERR value for ENTRIESREAD must be positive or -1";
// XREAD without COUNT that blocks is served at most this many entries
// (Redis's XREAD_BLOCKED_DEFAULT_COUNT).
constexpr int64_t kXreadBlockedDefaultCount = 1000;
// XADD/XTRIM ~ without LIMIT trims at most 100 x stream-node-max-entries
// entries, capped at this (Redis's default LIMIT).
constexpr int64_t kTrimLimitCap = 10000;
// XAUTOCLAIM scans at most COUNT x this PEL entries.
constexpr int64_t kAutoclaimAttemptsFactor = 10;

// ---- IDs ----

// Redis's string2ull: a non-negative long long, else strtoull's full-string
// parse (which accepts a leading '+' or spaces, as Redis does).
bool String2Ull(const char* s, uint64_t* v) {
  int64_t ll;
  if (common::StringToInt64(s, &ll)) {
    if (ll < 0) return false;
    *v = static_cast<uint64_t>(ll);
    return true;
  }
  errno = 0;
  char* end = nullptr;
  unsigned long long x = strtoull(s, &end, 10);
  if (errno == EINVAL || errno == ERANGE || !(*s != '\0' && *end == '\0')) return false;
  *v = x;
  return true;
}

// streamGenericParseIDOrReply: "-" / "+" (unless strict), <ms>, <ms>-<seq>
// and, when seq_given is not null, <ms>-*. The argument is read as a C
// string (bytes after a NUL ignored), as Redis copies it into a buffer.
bool ParseId(std::string_view arg, uint64_t missing_seq, bool strict, bool* seq_given, StreamId* id) {
  if (arg.size() > 127) return false;
  char buf[128];
  memcpy(buf, arg.data(), arg.size());
  buf[arg.size()] = '\0';
  if (strict && (buf[0] == '-' || buf[0] == '+') && buf[1] == '\0') return false;
  if (seq_given != nullptr) *seq_given = true;
  if (buf[0] == '-' && buf[1] == '\0') {
    *id = ds::kStreamIdMin;
    return true;
  }
  if (buf[0] == '+' && buf[1] == '\0') {
    *id = ds::kStreamIdMax;
    return true;
  }
  char* dash = strchr(buf, '-');
  if (dash != nullptr) *dash = '\0';
  uint64_t ms, seq;
  if (!String2Ull(buf, &ms)) return false;
  if (dash != nullptr) {
    const char* rest = dash + 1;
    if (seq_given != nullptr && rest[0] == '*' && rest[1] == '\0') {
      seq = 0;
      *seq_given = false;
    } else if (!String2Ull(rest, &seq)) {
      return false;
    }
  } else {
    seq = missing_seq;
  }
  *id = {ms, seq};
  return true;
}

bool ParseIdOrReply(Client& c, std::string_view arg, StreamId* id, uint64_t missing_seq = 0, bool strict = false) {
  if (ParseId(arg, missing_seq, strict, nullptr, id)) return true;
  c.AddError(kInvalidId);
  return false;
}
bool ParseStrictIdOrReply(Client& c, std::string_view arg, StreamId* id, uint64_t missing_seq = 0) {
  return ParseIdOrReply(c, arg, id, missing_seq, /*strict=*/true);
}

// streamParseIntervalIDOrReply: an optional "(" makes the bound exclusive.
bool ParseIntervalIdOrReply(Client& c, std::string_view arg, StreamId* id, bool* exclude, uint64_t missing_seq) {
  *exclude = arg.size() > 1 && arg[0] == '(';
  if (*exclude) return ParseStrictIdOrReply(c, arg.substr(1), id, missing_seq);
  return ParseIdOrReply(c, arg, id, missing_seq);
}

void ReplyId(Client& c, const StreamId& id) {
  char buf[ds::kStreamIdStrMax];
  c.reply.Bulk(std::string_view(buf, ds::StreamIdFormat(id, buf)));
}

std::string IdText(const StreamId& id) { return ds::StreamIdString(id); }

// ---- lookups ----

bool IsStream(const Object* o) { return o->GetType() == object::Type::kStream; }

// *o: nullptr for a missing key. False after replying WRONGTYPE.
bool LookupStreamRead(Client& c, std::string_view key, Object** o) {
  *o = c.db->LookupRead(key);
  if (*o != nullptr && !IsStream(*o)) {
    c.AddError(err::kWrongType);
    return false;
  }
  return true;
}
bool LookupStreamWrite(Client& c, std::string_view key, Object** o) {
  *o = c.db->LookupWrite(key);
  if (*o != nullptr && !IsStream(*o)) {
    c.AddError(err::kWrongType);
    return false;
  }
  return true;
}

void NotifyStream(Client& c, const char* event, std::string_view key) {
  NotifyKeyspaceEvent(kNotifyStream, event, key, c.db->id());
}

std::string NoGroupError(std::string_view key, std::string_view group) {
  return "NOGROUP No such key '" + std::string(key) + "' or consumer group '" + std::string(group) + "'";
}

// streamCreateConsumer with notification and dirty (SCC_DEFAULT).
StreamConsumer* CreateConsumerNotify(Client& c, StreamCG* cg, std::string_view name, std::string_view key,
                                     int db) {
  StreamConsumer* con = Stream::CreateConsumer(cg, name, db::Now());
  if (con == nullptr) return nullptr;
  GetState().dirty++;
  NotifyKeyspaceEvent(kNotifyStream, "xgroup-createconsumer", key, db);
  (void)c;
  return con;
}

// streamLookupConsumer with SLC_DEFAULT: refreshes seen-time.
StreamConsumer* LookupConsumerRefresh(StreamCG* cg, std::string_view name) {
  StreamConsumer* con = Stream::LookupConsumer(cg, name);
  if (con != nullptr) con->seen_time = db::Now();
  return con;
}

// ---- propagation of group effects ----

struct PropInfo {
  std::string_view key;
  std::string_view group;
};

void PropagateXclaim(Client& c, const PropInfo& pi, const StreamCG* cg, const StreamId& id, const StreamNack* nack) {
  AlsoPropagate(c, {"XCLAIM", std::string(pi.key), std::string(pi.group),
                    nack->consumer ? std::string(ds::SdsView(nack->consumer->name)) : std::string(), "0",
                    IdText(id), "TIME", common::Int64ToString(nack->delivery_time), "RETRYCOUNT",
                    common::Int64ToString(static_cast<int64_t>(nack->delivery_count)), "FORCE", "JUSTID", "LASTID",
                    IdText(cg->last_id)});
}

void PropagateGroupId(Client& c, const PropInfo& pi, const StreamCG* cg) {
  AlsoPropagate(c, {"XGROUP", "SETID", std::string(pi.key), std::string(pi.group), IdText(cg->last_id),
                    "ENTRIESREAD", common::Int64ToString(cg->entries_read)});
}

void PropagateConsumerCreation(Client& c, const PropInfo& pi, std::string_view consumer) {
  AlsoPropagate(c, {"XGROUP", "CREATECONSUMER", std::string(pi.key), std::string(pi.group), std::string(consumer)});
}

// ---- replying with entries ----

void EmitEntry(Client& c, ds::StreamIterator& it, const StreamId& id, int64_t numfields) {
  c.reply.ArrayHeader(2);
  ReplyId(c, id);
  c.reply.ArrayHeader(static_cast<size_t>(numfields) * 2);
  it.ForEachField([&c](std::string_view f, std::string_view v) {
    c.reply.Bulk(f);
    c.reply.Bulk(v);
  });
}

// One entry by ID, as a raw [id, fields] reply; false when it is not in
// the stream (deleted).
bool EmitOne(Client& c, Stream* s, const StreamId& id) {
  ds::StreamIterator it(s, &id, &id, false);
  StreamId got;
  int64_t nf;
  if (!it.Next(&got, &nf)) return false;
  EmitEntry(c, it, got, nf);
  return true;
}

bool EntryExists(Stream* s, const StreamId& id) {
  ds::StreamIterator it(s, &id, &id, false);
  StreamId got;
  int64_t nf;
  return it.Next(&got, &nf);
}

// XREADGROUP with an explicit ID: the consumer's own pending entries from
// start, each counted as delivered again; deleted entries show as [id, nil].
size_t ReplyFromConsumerPel(Client& c, Stream* s, const StreamId& start, size_t count, StreamConsumer* consumer) {
  size_t handle = c.reply.DeferLen();
  size_t n = 0;
  ds::Rax::Iterator ri(&consumer->pel);
  ri.Seek(ds::Rax::Op::kGe, ds::StreamIdKey(start));
  while ((count == 0 || n < count) && ri.Next()) {
    StreamId id = ds::StreamIdDecode(ri.key().data());
    if (!EmitOne(c, s, id)) {
      c.reply.ArrayHeader(2);
      ReplyId(c, id);
      c.reply.NullArray();
    } else {
      auto* nack = static_cast<StreamNack*>(ri.value());
      nack->delivery_time = db::Now();
      nack->delivery_count++;
    }
    n++;
  }
  c.reply.SetDeferredArrayLen(handle, n);
  return n;
}

// streamReplyWithRange: entries of [start, end] (end nullptr: to the top),
// at most count (0: all). With a group, every entry past its last ID moves
// the group forward and, unless noack, enters both PELs (a NACK another
// consumer held is taken over), each propagated as XCLAIM.
size_t ReplyRange(Client& c, Stream* s, const StreamId& start, const StreamId* end, size_t count, bool rev,
                  StreamCG* group, StreamConsumer* consumer, bool noack, const PropInfo* pi) {
  size_t handle = c.reply.DeferLen();
  size_t n = 0;
  bool propagate_last_id = false;
  ds::StreamIterator it(s, &start, end, rev);
  StreamId id;
  int64_t nf;
  while (it.Next(&id, &nf)) {
    if (group != nullptr && id > group->last_id) {
      if (group->entries_read != ds::kInvalidEntriesRead && !s->RangeHasTombstones(&id, nullptr)) {
        group->entries_read++;
      } else if (s->entries_added != 0) {
        group->entries_read = s->EstimateDistanceFromFirstEverEntry(id);
      }
      group->last_id = id;
      // Without NOACK the XCLAIMs carry the last ID (LASTID).
      if (noack) propagate_last_id = true;
    }
    EmitEntry(c, it, id, nf);
    if (group != nullptr && !noack) {
      const std::string key = ds::StreamIdKey(id);
      StreamNack* nack = Stream::NewNack(consumer, db::Now());
      void* existing = nullptr;
      if (!group->pel.TryInsert(key, nack, &existing)) {
        Stream::FreeNack(nack);
        nack = static_cast<StreamNack*>(existing);
        nack->consumer->pel.Remove(key);
        nack->consumer = consumer;
        nack->delivery_time = db::Now();
        nack->delivery_count = 1;
      }
      consumer->pel.Insert(key, nack);
      if (pi != nullptr) PropagateXclaim(c, *pi, group, id, nack);
    }
    n++;
    if (count != 0 && n == count) break;
  }
  if (pi != nullptr && propagate_last_id) PropagateGroupId(c, *pi, group);
  c.reply.SetDeferredArrayLen(handle, n);
  return n;
}

// ---- XADD / XTRIM argument parsing ----

struct AddTrimArgs {
  ds::StreamTrimArgs trim;
  int trim_arg_idx = 0;  // where the MAXLEN/MINID threshold is
  bool nomkstream = false;
  bool id_given = false;
  bool seq_given = true;
  StreamId id;
};

// streamParseAddOrTrimArgsOrReply: returns the position of the ID (XADD),
// or of the first argument after the options, or -1 after replying.
int ParseAddTrimArgsOrReply(Client& c, AddTrimArgs* a, bool xadd) {
  const int argc = static_cast<int>(c.argv.size());
  bool limit_given = false;
  using S = ds::StreamTrimArgs::Strategy;
  int i = 2;
  for (; i < argc; i++) {
    const int moreargs = argc - 1 - i;
    std::string_view opt = c.argv[i];
    if (xadd && opt == "*") break;
    const bool maxlen = ArgIs(opt, "maxlen");
    if ((maxlen || ArgIs(opt, "minid")) && moreargs) {
      if (a->trim.strategy != S::kNone) {
        c.AddError("ERR syntax error, MAXLEN and MINID options at the same time are not compatible");
        return -1;
      }
      // MAXLEN|MINID [~|=] <threshold>
      a->trim.approx = false;
      std::string_view next = c.argv[i + 1];
      if (moreargs >= 2 && next == "~") {
        a->trim.approx = true;
        i++;
      } else if (moreargs >= 2 && next == "=") {
        i++;
      }
      if (maxlen) {
        if (!GetInt64OrReply(c, c.argv[i + 1], &a->trim.maxlen)) return -1;
        if (a->trim.maxlen < 0) {
          c.AddError("ERR The MAXLEN argument must be >= 0.");
          return -1;
        }
      } else if (!ParseStrictIdOrReply(c, c.argv[i + 1], &a->trim.minid)) {
        return -1;
      }
      i++;
      a->trim.strategy = maxlen ? S::kMaxlen : S::kMinid;
      a->trim_arg_idx = i;
    } else if (ArgIs(opt, "limit") && moreargs) {
      if (!GetInt64OrReply(c, c.argv[i + 1], &a->trim.limit)) return -1;
      if (a->trim.limit < 0) {
        c.AddError("ERR The LIMIT argument must be >= 0.");
        return -1;
      }
      limit_given = true;
      i++;
    } else if (xadd && ArgIs(opt, "nomkstream")) {
      a->nomkstream = true;
    } else if (xadd) {
      // A syntax error or the ID.
      if (!ParseId(opt, 0, /*strict=*/true, &a->seq_given, &a->id)) {
        c.AddError(kInvalidId);
        return -1;
      }
      a->id_given = true;
      break;
    } else {
      c.AddError(err::kSyntax);
      return -1;
    }
  }
  if (a->trim.limit != 0 && a->trim.strategy == S::kNone) {
    c.AddError("ERR syntax error, LIMIT cannot be used without specifying a trimming strategy");
    return -1;
  }
  if (!xadd && a->trim.strategy == S::kNone) {
    c.AddError("ERR syntax error, XTRIM must be called with a trimming strategy");
    return -1;
  }
  if (c.flags & kClientMustObey) {
    // The AOF (or a master): the threshold was made exact when propagated.
    a->trim.limit = 0;
  } else if (limit_given) {
    if (!a->trim.approx) {
      c.AddError("ERR syntax error, LIMIT cannot be used without the special ~ option");
      return -1;
    }
  } else if (a->trim.approx) {
    a->trim.limit = 100 * object::GetSettings().stream_node_max_entries;
    if (a->trim.limit <= 0 || a->trim.limit > kTrimLimitCap) a->trim.limit = kTrimLimitCap;
  } else {
    a->trim.limit = 0;
  }
  return i;
}

// The propagated argv of an approximate trim: "=" for "~" and the exact
// threshold reached (streamRewriteApproxSpecifier / TrimArgument).
void RewriteTrimForPropagation(std::vector<std::string>* argv, const Stream* s, const AddTrimArgs& a) {
  (*argv)[a.trim_arg_idx - 1] = "=";
  if (a.trim.strategy == ds::StreamTrimArgs::Strategy::kMaxlen) {
    (*argv)[a.trim_arg_idx] = common::Int64ToString(static_cast<int64_t>(s->length));
  } else {
    (*argv)[a.trim_arg_idx] = IdText(s->EdgeId(/*first=*/true, /*skip_tombstones=*/false));
  }
}

// ---- XADD XRANGE XREVRANGE XLEN XDEL XTRIM XSETID ----

void XaddCommand(Client& c) {
  AddTrimArgs a;
  int idpos = ParseAddTrimArgsOrReply(c, &a, /*xadd=*/true);
  if (idpos < 0) return;
  const int argc = static_cast<int>(c.argv.size());
  const int field_pos = idpos + 1;
  if (argc - field_pos < 2 || (argc - field_pos) % 2 == 1) {
    c.AddArityError();
    return;
  }
  if (a.id_given && a.seq_given && a.id.IsZero()) {
    c.AddError(kXaddIdZero);
    return;
  }
  std::string_view key = c.argv[1];
  Object* o;
  if (!LookupStreamWrite(c, key, &o)) return;
  if (o == nullptr) {
    if (a.nomkstream) {
      c.reply.Null();
      return;
    }
    o = c.db->Add(key, object::CreateStream());
  }
  Stream* s = object::StreamOf(o);
  if (s->last_id == ds::kStreamIdMax) {
    c.AddError(kExhausted);
    return;
  }
  StreamId added;
  const size_t nfields = static_cast<size_t>(argc - field_pos) / 2;
  Stream::AppendResult r = s->Append(c.argv.data() + field_pos, nfields, a.id_given ? &a.id : nullptr, a.seq_given,
                                     common::MsTime(), object::StreamLimits(), &added);
  if (r == Stream::AppendResult::kIdTooSmall) {
    c.AddError(kXaddIdTooSmall);
    return;
  }
  // Redis 7.0.15 answers an exhausted sequence (<ms>-* after <ms>-max) with
  // the "too large" text: its errno is not set on that path.
  if (r == Stream::AppendResult::kTooLarge || r == Stream::AppendResult::kNoSequence) {
    c.AddError(kTooLarge);
    return;
  }
  ReplyId(c, added);
  SignalModifiedKey(c, *c.db, key);
  NotifyStream(c, "xadd", key);
  GetState().dirty++;
  const bool rewrite_id = !a.id_given || !a.seq_given;
  if (a.trim.strategy != ds::StreamTrimArgs::Strategy::kNone) {
    if (s->Trim(a.trim) > 0) NotifyStream(c, "xtrim", key);
  }
  // (Nothing to rewrite when nothing is propagated: no AOF, no replica.)
  if ((rewrite_id || a.trim.approx) && GetState().propagate != nullptr) {
    std::vector<std::string> argv(c.argv.begin(), c.argv.end());
    if (a.trim.approx) RewriteTrimForPropagation(&argv, s, a);
    if (rewrite_id) argv[idpos] = IdText(added);
    RewriteCommandForPropagation(c, std::move(argv));
  }
  if (BlockedClientCount() != 0) SignalKeyAsReady(c.db->id(), key);
}

void XrangeGeneric(Client& c, bool rev) {
  std::string_view startarg = rev ? c.argv[3] : c.argv[2];
  std::string_view endarg = rev ? c.argv[2] : c.argv[3];
  StreamId start, end;
  bool startex, endex;
  if (!ParseIntervalIdOrReply(c, startarg, &start, &startex, 0)) return;
  if (startex && !ds::StreamIdIncr(&start)) {
    c.AddError(kInvalidStart);
    return;
  }
  if (!ParseIntervalIdOrReply(c, endarg, &end, &endex, UINT64_MAX)) return;
  if (endex && !ds::StreamIdDecr(&end)) {
    c.AddError(kInvalidEnd);
    return;
  }
  int64_t count = -1;
  for (size_t j = 4; j < c.argv.size(); j++) {
    const size_t additional = c.argv.size() - j - 1;
    if (ArgIs(c.argv[j], "count") && additional >= 1) {
      if (!GetInt64OrReply(c, c.argv[j + 1], &count)) return;
      if (count < 0) count = 0;
      j++;
    } else {
      c.AddError(err::kSyntax);
      return;
    }
  }
  Object* o;
  if (!LookupStreamRead(c, c.argv[1], &o)) return;
  if (o == nullptr) {
    c.reply.Raw(resp::kEmptyArray);
    return;
  }
  if (count == 0) {
    c.reply.NullArray();
    return;
  }
  if (count == -1) count = 0;
  ReplyRange(c, object::StreamOf(o), start, &end, static_cast<size_t>(count), rev, nullptr, nullptr, false, nullptr);
}

void XrangeCommand(Client& c) { XrangeGeneric(c, false); }
void XrevrangeCommand(Client& c) { XrangeGeneric(c, true); }

void XlenCommand(Client& c) {
  Object* o;
  if (!LookupStreamRead(c, c.argv[1], &o)) return;
  c.reply.Integer(o == nullptr ? 0 : static_cast<int64_t>(object::StreamOf(o)->length));
}

// XDEL and XTRIM of a missing key answer 0 before parsing anything else.
bool LookupStreamWriteOrZero(Client& c, std::string_view key, Stream** s) {
  Object* o;
  if (!LookupStreamWrite(c, key, &o)) return false;
  if (o == nullptr) {
    c.reply.Integer(0);
    return false;
  }
  *s = object::StreamOf(o);
  return true;
}

void XdelCommand(Client& c) {
  std::string_view key = c.argv[1];
  Stream* s;
  if (!LookupStreamWriteOrZero(c, key, &s)) return;
  std::vector<StreamId> ids(c.argv.size() - 2);
  for (size_t j = 2; j < c.argv.size(); j++)
    if (!ParseStrictIdOrReply(c, c.argv[j], &ids[j - 2])) return;
  int64_t deleted = 0;
  bool first_entry = false;
  for (const StreamId& id : ids) {
    if (!s->DeleteEntry(id)) continue;
    if (id == s->first_id) first_entry = true;
    if (id > s->max_deleted_entry_id) s->max_deleted_entry_id = id;
    deleted++;
  }
  if (deleted) {
    if (s->length == 0) {
      s->first_id = {};
    } else if (first_entry) {
      s->first_id = s->EdgeId(/*first=*/true, /*skip_tombstones=*/true);
    }
    SignalModifiedKey(c, *c.db, key);
    NotifyStream(c, "xdel", key);
    GetState().dirty += static_cast<uint64_t>(deleted);
  }
  c.reply.Integer(deleted);
}

void XtrimCommand(Client& c) {
  std::string_view key = c.argv[1];
  Stream* s;
  if (!LookupStreamWriteOrZero(c, key, &s)) return;
  AddTrimArgs a;
  int i = ParseAddTrimArgsOrReply(c, &a, /*xadd=*/false);
  if (i < 0) return;
  int64_t deleted = s->Trim(a.trim);
  if (deleted) {
    NotifyStream(c, "xtrim", key);
    if (a.trim.approx) {
      std::vector<std::string> argv(c.argv.begin(), c.argv.end());
      RewriteTrimForPropagation(&argv, s, a);
      RewriteCommandForPropagation(c, std::move(argv));
    }
    SignalModifiedKey(c, *c.db, key);
    GetState().dirty += static_cast<uint64_t>(deleted);
  }
  c.reply.Integer(deleted);
}

void XsetidCommand(Client& c) {
  StreamId id, max_xdel_id;
  int64_t entries_added = -1;
  if (!ParseStrictIdOrReply(c, c.argv[2], &id)) return;
  for (size_t i = 3; i < c.argv.size();) {
    const size_t moreargs = c.argv.size() - 1 - i;
    if (ArgIs(c.argv[i], "entriesadded") && moreargs) {
      if (!GetInt64OrReply(c, c.argv[i + 1], &entries_added)) return;
      if (entries_added < 0) {
        c.AddError("ERR entries_added must be positive");
        return;
      }
      i += 2;
    } else if (ArgIs(c.argv[i], "maxdeletedid") && moreargs) {
      if (!ParseStrictIdOrReply(c, c.argv[i + 1], &max_xdel_id)) return;
      if (id < max_xdel_id) {
        c.AddError("ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id");
        return;
      }
      i += 2;
    } else {
      c.AddError(err::kSyntax);
      return;
    }
  }
  std::string_view key = c.argv[1];
  Object* o;
  if (!LookupStreamWrite(c, key, &o)) return;
  if (o == nullptr) {
    c.AddError(err::kNoSuchKey);
    return;
  }
  Stream* s = object::StreamOf(o);
  if (s->length > 0) {
    if (id < s->LastValidId()) {
      c.AddError("ERR The ID specified in XSETID is smaller than the target stream top item");
      return;
    }
    if (entries_added != -1 && s->length > static_cast<uint64_t>(entries_added)) {
      c.AddError("ERR The entries_added specified in XSETID is smaller than the target stream length");
      return;
    }
  }
  s->last_id = id;
  if (entries_added != -1) s->entries_added = static_cast<uint64_t>(entries_added);
  if (!max_xdel_id.IsZero()) s->max_deleted_entry_id = max_xdel_id;
  c.reply.Ok();
  SignalModifiedKey(c, *c.db, key);
  NotifyStream(c, "xsetid", key);
  GetState().dirty++;
}

// ---- XREAD / XREADGROUP ----

struct ReadArgs {
  int64_t deadline_ms = -1;  // -1: no BLOCK
  int64_t count = 0;
  size_t streams_arg = 0;
  size_t streams_count = 0;
  bool noack = false;
  std::string_view group;
  std::string_view consumer;
  bool has_group = false;
};

// The argument loop of xreadCommand. False after replying.
bool ParseReadArgs(Client& c, bool xreadgroup, ReadArgs* a) {
  const size_t argc = c.argv.size();
  for (size_t i = 1; i < argc; i++) {
    const size_t moreargs = argc - i - 1;
    std::string_view o = c.argv[i];
    if (ArgIs(o, "block") && moreargs) {
      if (c.flags & kClientScript) {
        c.AddErrorFormat("ERR %s command is not allowed with BLOCK option from scripts",
                         xreadgroup ? "xreadgroup" : "xread");
        return false;
      }
      i++;
      // Milliseconds (getTimeoutFromObjectOrReply with UNIT_MILLISECONDS).
      int64_t ms;
      if (!GetInt64OrReply(c, c.argv[i], &ms, "ERR timeout is not an integer or out of range")) return false;
      if (ms < 0) {
        c.AddError(err::kTimeoutNegative);
        return false;
      }
      if (ms > 0) {
        const int64_t now = common::MsTime();
        ms = ms > INT64_MAX - now ? INT64_MAX : ms + now;
      }
      a->deadline_ms = ms;
    } else if (ArgIs(o, "count") && moreargs) {
      i++;
      if (!GetInt64OrReply(c, c.argv[i], &a->count)) return false;
      if (a->count < 0) a->count = 0;
    } else if (ArgIs(o, "streams") && moreargs) {
      a->streams_arg = i + 1;
      a->streams_count = argc - a->streams_arg;
      if (a->streams_count % 2 != 0) {
        c.AddErrorFormat("ERR Unbalanced '%s' list of streams: for each stream key an ID or '%c' must be specified.",
                         xreadgroup ? "xreadgroup" : "xread", xreadgroup ? '>' : '$');
        return false;
      }
      a->streams_count /= 2;
      break;
    } else if (ArgIs(o, "group") && moreargs >= 2) {
      if (!xreadgroup) {
        c.AddError("ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.");
        return false;
      }
      a->group = c.argv[i + 1];
      a->consumer = c.argv[i + 2];
      a->has_group = true;
      i += 2;
    } else if (ArgIs(o, "noack")) {
      if (!xreadgroup) {
        c.AddError("ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.");
        return false;
      }
      a->noack = true;
    } else {
      c.AddError(err::kSyntax);
      return false;
    }
  }
  if (a->streams_arg == 0) {
    c.AddError(err::kSyntax);
    return false;
  }
  if (xreadgroup && !a->has_group) {
    c.AddError("ERR Missing GROUP option for XREADGROUP");
    return false;
  }
  return true;
}

bool ServeStream(Client& c, std::string_view key);

// The reply header of n served streams: [[key, entries]...] in RESP2, a
// map key -> entries in RESP3.
void XreadGeneric(Client& c, bool xreadgroup) {
  ReadArgs a;
  if (!ParseReadArgs(c, xreadgroup, &a)) return;
  if (xreadgroup) PreventPropagation(c);
  const size_t n = a.streams_count;
  std::vector<StreamId> ids(n);
  std::vector<StreamCG*> groups(n, nullptr);
  std::vector<std::string> resolved;  // "$" replaced, for a blocked client's argv
  bool any_dollar = false;
  for (size_t k = 0; k < n; k++) {
    std::string_view key = c.argv[a.streams_arg + k];
    std::string_view idarg = c.argv[a.streams_arg + n + k];
    Object* o = c.db->LookupRead(key);
    if (o != nullptr && !IsStream(o)) {
      c.AddError(err::kWrongType);
      return;
    }
    if (a.has_group) {
      StreamCG* g = o ? object::StreamOf(o)->LookupGroup(a.group) : nullptr;
      if (g == nullptr) {
        c.AddError("NOGROUP No such key '" + std::string(key) + "' or consumer group '" + std::string(a.group) +
                   "' in XREADGROUP with GROUP option");
        return;
      }
      groups[k] = g;
    }
    if (idarg == "$") {
      if (xreadgroup) {
        c.AddError(
            "ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this "
            "consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return "
            "an empty result set.");
        return;
      }
      ids[k] = o ? object::StreamOf(o)->last_id : StreamId{};
      any_dollar = true;
      continue;
    }
    if (idarg == ">") {
      if (!xreadgroup) {
        c.AddError("ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> "
                   "option.");
        return;
      }
      ids[k] = ds::kStreamIdMax;
      continue;
    }
    if (!ParseStrictIdOrReply(c, idarg, &ids[k])) return;
  }

  size_t served = 0;
  size_t handle = 0;
  for (size_t k = 0; k < n; k++) {
    std::string_view key = c.argv[a.streams_arg + k];
    Object* o = c.db->LookupRead(key);
    if (o == nullptr) continue;
    Stream* s = object::StreamOf(o);
    StreamId gt = ids[k];
    bool serve = false, history = false;
    StreamConsumer* consumer = nullptr;
    PropInfo pi{key, a.group};
    if (a.has_group) {
      if (gt != ds::kStreamIdMax) {
        serve = history = true;
      } else if (s->length != 0) {
        StreamId maxid = s->LastValidId();
        if (maxid > groups[k]->last_id) {
          serve = true;
          gt = groups[k]->last_id;
        }
      }
    } else if (s->length != 0) {
      if (s->LastValidId() > gt) serve = true;
    }
    if (!serve) continue;
    if (a.has_group) {
      // Only a consumer that is served is looked up (and created).
      consumer = LookupConsumerRefresh(groups[k], a.consumer);
      if (consumer == nullptr) {
        consumer = CreateConsumerNotify(c, groups[k], a.consumer, key, c.db->id());
        // Without NOACK, replaying the XCLAIMs creates it.
        if (a.noack) PropagateConsumerCreation(c, pi, a.consumer);
      }
    }
    if (++served == 1) handle = c.reply.DeferLen();
    StreamId start = gt;
    ds::StreamIdIncr(&start);
    if (c.resp == 2) c.reply.ArrayHeader(2);
    c.reply.Bulk(key);
    if (history) {
      ReplyFromConsumerPel(c, s, start, static_cast<size_t>(a.count), consumer);
    } else {
      ReplyRange(c, s, start, nullptr, static_cast<size_t>(a.count), false, groups[k], consumer, a.noack,
                 a.has_group ? &pi : nullptr);
    }
    if (a.has_group) GetState().dirty++;
  }
  if (served) {
    if (c.resp == 2) {
      c.reply.SetDeferredArrayLen(handle, served);
    } else {
      c.reply.SetDeferredMapLen(handle, served);
    }
    return;
  }
  if (a.deadline_ms != -1) {
    if (MustNotBlock(c)) {
      c.reply.NullArray();
      return;
    }
    std::vector<std::string_view> keys;
    for (size_t k = 0; k < n; k++) keys.push_back(c.argv[a.streams_arg + k]);
    if (any_dollar) {
      // Keep the IDs "$" stood for, in the argv the blocked client keeps.
      std::vector<std::string_view> saved = c.argv;
      resolved.assign(c.argv.begin(), c.argv.end());
      for (size_t k = 0; k < n; k++)
        if (c.argv[a.streams_arg + n + k] == "$") resolved[a.streams_arg + n + k] = IdText(ids[k]);
      c.argv.assign(resolved.begin(), resolved.end());
      BlockForKeys(c, keys, a.deadline_ms, object::Type::kStream, ServeStream);
      c.argv = std::move(saved);
    } else {
      BlockForKeys(c, keys, a.deadline_ms, object::Type::kStream, ServeStream);
    }
    return;
  }
  c.reply.NullArray();
}

void XreadCommand(Client& c) { XreadGeneric(c, false); }
void XreadgroupCommand(Client& c) { XreadGeneric(c, true); }

// Serves a client blocked in XREAD/XREADGROUP from key (c.argv is its
// command, "$" already resolved). True when it was answered.
bool ServeStream(Client& c, std::string_view key) {
  const bool xreadgroup = c.argv[0].size() == 10;
  ReadArgs a;
  // The command parsed when it blocked, so this cannot fail or reply.
  if (!ParseReadArgs(c, xreadgroup, &a)) return true;
  const size_t n = a.streams_count;
  size_t k = 0;
  while (k < n && c.argv[a.streams_arg + k] != key) k++;
  if (k == n) return false;
  Object* o = c.db->LookupWrite(key);
  if (o == nullptr || !IsStream(o)) {
    if (xreadgroup) {
      c.AddError("UNBLOCKED the stream key no longer exists");
      return true;
    }
    return false;
  }
  Stream* s = object::StreamOf(o);
  StreamCG* group = nullptr;
  StreamId gt;
  if (xreadgroup) {
    group = s->LookupGroup(a.group);
    if (group == nullptr) {
      c.AddError("NOGROUP the consumer group this client was blocked on no longer exists");
      return true;
    }
    gt = group->last_id;
  } else {
    std::string_view idarg = c.argv[a.streams_arg + n + k];
    if (!ParseId(idarg, 0, true, nullptr, &gt)) return true;
  }
  if (!(s->last_id > gt)) return false;
  StreamId start = gt;
  ds::StreamIdIncr(&start);
  PropInfo pi{key, a.group};
  StreamConsumer* consumer = nullptr;
  if (group != nullptr) {
    consumer = LookupConsumerRefresh(group, a.consumer);
    if (consumer == nullptr) {
      consumer = CreateConsumerNotify(c, group, a.consumer, key, c.db->id());
      if (a.noack) PropagateConsumerCreation(c, pi, a.consumer);
    }
  }
  if (c.resp == 2) {
    c.reply.ArrayHeader(1);
    c.reply.ArrayHeader(2);
  } else {
    c.reply.MapHeader(1);
  }
  c.reply.Bulk(key);
  const int64_t count = a.count ? a.count : kXreadBlockedDefaultCount;
  ReplyRange(c, s, start, nullptr, static_cast<size_t>(count), false, group, consumer, a.noack,
             group ? &pi : nullptr);
  if (group != nullptr) GetState().dirty++;
  return true;
}

// ---- XGROUP ----

// The part of xgroupCommand every subcommand but HELP shares: MKSTREAM and
// ENTRIESREAD of CREATE, the key's lookup, the group's when required.
// False after replying.
bool XgroupPrologue(Client& c, bool create, bool need_group, Stream** s, StreamCG** cg, bool* mkstream,
                    int64_t* entries_read) {
  *mkstream = false;
  *entries_read = ds::kInvalidEntriesRead;
  if (create && c.argv.size() >= 5) {
    for (size_t i = 5; i < c.argv.size();) {
      if (ArgIs(c.argv[i], "mkstream")) {
        *mkstream = true;
        i++;
      } else if (ArgIs(c.argv[i], "entriesread") && i + 1 < c.argv.size()) {
        if (!GetInt64OrReply(c, c.argv[i + 1], entries_read)) return false;
        if (*entries_read < 0 && *entries_read != ds::kInvalidEntriesRead) {
          c.AddError(kEntriesReadRange);
          return false;
        }
        i += 2;
      } else {
        AddSubcommandSyntaxError(c);
        return false;
      }
    }
  }
  Object* o;
  if (!LookupStreamWrite(c, c.argv[2], &o)) return false;
  *s = o ? object::StreamOf(o) : nullptr;
  if (*s == nullptr && !(create && *mkstream)) {
    c.AddError(
        "ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the "
        "MKSTREAM option to create an empty stream automatically.");
    return false;
  }
  *cg = *s ? (*s)->LookupGroup(c.argv[3]) : nullptr;
  if (*cg == nullptr && need_group) {
    c.AddError("NOGROUP No such consumer group '" + std::string(c.argv[3]) + "' for key name '" +
               std::string(c.argv[2]) + "'");
    return false;
  }
  return true;
}

void XgroupCreateCommand(Client& c) {
  Stream* s;
  StreamCG* cg;
  bool mkstream;
  int64_t entries_read;
  if (!XgroupPrologue(c, true, false, &s, &cg, &mkstream, &entries_read)) return;
  if (c.argv.size() > 8) {
    AddSubcommandSyntaxError(c);
    return;
  }
  StreamId id;
  if (c.argv[4] == "$") {
    id = s ? s->last_id : StreamId{};
  } else if (!ParseStrictIdOrReply(c, c.argv[4], &id)) {
    return;
  }
  std::string_view key = c.argv[2];
  if (s == nullptr) {
    Object* o = c.db->Add(key, object::CreateStream());
    s = object::StreamOf(o);
    SignalModifiedKey(c, *c.db, key);
  }
  if (s->CreateGroup(c.argv[3], id, entries_read) == nullptr) {
    c.AddError(kBusyGroup);
    return;
  }
  c.reply.Ok();
  GetState().dirty++;
  NotifyStream(c, "xgroup-create", key);
}

void XgroupSetidCommand(Client& c) {
  Stream* s;
  StreamCG* cg;
  bool mkstream;
  int64_t entries_read;
  if (!XgroupPrologue(c, false, true, &s, &cg, &mkstream, &entries_read)) return;
  if (c.argv.size() != 5 && c.argv.size() != 7) {
    AddSubcommandSyntaxError(c);
    return;
  }
  StreamId id;
  if (c.argv[4] == "$") {
    id = s->last_id;
  } else if (!ParseIdOrReply(c, c.argv[4], &id)) {
    return;
  }
  if (c.argv.size() == 7) {
    if (!ArgIs(c.argv[5], "entriesread")) {
      AddSubcommandSyntaxError(c);
      return;
    }
    if (!GetInt64OrReply(c, c.argv[6], &entries_read)) return;
    if (entries_read < 0 && entries_read != ds::kInvalidEntriesRead) {
      c.AddError(kEntriesReadRange);
      return;
    }
  }
  cg->last_id = id;
  cg->entries_read = entries_read;
  c.reply.Ok();
  GetState().dirty++;
  NotifyStream(c, "xgroup-setid", c.argv[2]);
}

void XgroupDestroyCommand(Client& c) {
  Stream* s;
  StreamCG* cg;
  bool mkstream;
  int64_t entries_read;
  if (!XgroupPrologue(c, false, false, &s, &cg, &mkstream, &entries_read)) return;
  if (cg == nullptr) {
    c.reply.Integer(0);
    return;
  }
  s->DestroyGroup(c.argv[3]);
  c.reply.Integer(1);
  GetState().dirty++;
  NotifyStream(c, "xgroup-destroy", c.argv[2]);
  // Clients blocked on this group get NOGROUP.
  SignalKeyAsReady(c.db->id(), c.argv[2]);
}

void XgroupCreateconsumerCommand(Client& c) {
  Stream* s;
  StreamCG* cg;
  bool mkstream;
  int64_t entries_read;
  if (!XgroupPrologue(c, false, true, &s, &cg, &mkstream, &entries_read)) return;
  StreamConsumer* created = CreateConsumerNotify(c, cg, c.argv[4], c.argv[2], c.db->id());
  c.reply.Integer(created ? 1 : 0);
}

void XgroupDelconsumerCommand(Client& c) {
  Stream* s;
  StreamCG* cg;
  bool mkstream;
  int64_t entries_read;
  if (!XgroupPrologue(c, false, true, &s, &cg, &mkstream, &entries_read)) return;
  int64_t pending = 0;
  StreamConsumer* con = Stream::LookupConsumer(cg, c.argv[4]);
  if (con != nullptr) {
    pending = static_cast<int64_t>(con->pel.size());
    Stream::DeleteConsumer(cg, con);
    GetState().dirty++;
    NotifyStream(c, "xgroup-delconsumer", c.argv[2]);
  }
  c.reply.Integer(pending);
}

void XgroupHelpCommand(Client& c) {
  ReplyHelp(c, "XGROUP",
            {"CREATE <key> <groupname> <id|$> [option]", "    Create a new consumer group. Options are:",
             "    * MKSTREAM", "      Create the empty stream if it does not exist.",
             "    * ENTRIESREAD entries_read", "      Set the group's entries_read counter (internal use).",
             "CREATECONSUMER <key> <groupname> <consumer>", "    Create a new consumer in the specified group.",
             "DELCONSUMER <key> <groupname> <consumer>", "    Remove the specified consumer.",
             "DESTROY <key> <groupname>", "    Remove the specified group.",
             "SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
             "    Set the current group ID and entries_read counter."});
}

// ---- XACK XPENDING XCLAIM XAUTOCLAIM ----

// The stream at argv[1] and its group argv[2]; NOGROUP when either is
// missing (WRONGTYPE for another type).
bool LookupGroupOrReply(Client& c, Stream** s, StreamCG** group) {
  Object* o;
  if (!LookupStreamRead(c, c.argv[1], &o)) return false;
  *s = o ? object::StreamOf(o) : nullptr;
  *group = *s ? (*s)->LookupGroup(c.argv[2]) : nullptr;
  if (*group == nullptr) {
    c.AddError(NoGroupError(c.argv[1], c.argv[2]));
    return false;
  }
  return true;
}

// XCLAIM/XAUTOCLAIM: the consumer argv[3], looked up (or created) on the
// first claim.
StreamConsumer* ClaimingConsumer(Client& c, StreamCG* group, StreamConsumer** consumer) {
  if (*consumer == nullptr) {
    *consumer = LookupConsumerRefresh(group, c.argv[3]);
    if (*consumer == nullptr) *consumer = CreateConsumerNotify(c, group, c.argv[3], c.argv[1], c.db->id());
  }
  return *consumer;
}

// Moves the NACK at key to consumer's PEL (from its owner's, if any).
void GiveNack(StreamNack* nack, StreamConsumer* consumer, const std::string& key) {
  if (nack->consumer == consumer) return;
  if (nack->consumer != nullptr) nack->consumer->pel.Remove(key);
  consumer->pel.Insert(key, nack);
  nack->consumer = consumer;
}

// A NACK whose entry was deleted leaves both PELs (propagated as XCLAIM,
// which does the same on replay).
void DropNack(Client& c, const PropInfo& pi, StreamCG* group, const StreamId& id, const std::string& key,
              StreamNack* nack) {
  PropagateXclaim(c, pi, group, id, nack);
  GetState().dirty++;
  group->pel.Remove(key);
  if (nack->consumer) nack->consumer->pel.Remove(key);
  Stream::FreeNack(nack);
}

void XackCommand(Client& c) {
  Object* o;
  if (!LookupStreamRead(c, c.argv[1], &o)) return;
  StreamCG* group = o ? object::StreamOf(o)->LookupGroup(c.argv[2]) : nullptr;
  if (group == nullptr) {
    c.reply.Integer(0);
    return;
  }
  std::vector<StreamId> ids(c.argv.size() - 3);
  for (size_t j = 3; j < c.argv.size(); j++)
    if (!ParseStrictIdOrReply(c, c.argv[j], &ids[j - 3])) return;
  int64_t acked = 0;
  for (const StreamId& id : ids) {
    const std::string key = ds::StreamIdKey(id);
    void* v;
    if (!group->pel.Remove(key, &v)) continue;
    auto* nack = static_cast<StreamNack*>(v);
    nack->consumer->pel.Remove(key);
    Stream::FreeNack(nack);
    acked++;
    GetState().dirty++;
  }
  c.reply.Integer(acked);
}

void XpendingCommand(Client& c) {
  const size_t argc = c.argv.size();
  const bool justinfo = argc == 3;
  if (argc != 3 && (argc < 6 || argc > 9)) {
    c.AddError(err::kSyntax);
    return;
  }
  StreamId start, end;
  int64_t count = 0, minidle = 0;
  std::string_view consumer_name;
  bool has_consumer = false;
  if (argc >= 6) {
    size_t startidx = 3;
    if (ArgIs(c.argv[3], "idle")) {
      if (!GetInt64OrReply(c, c.argv[4], &minidle)) return;
      if (argc < 8) {
        c.AddError(err::kSyntax);
        return;
      }
      startidx += 2;
    }
    if (!GetInt64OrReply(c, c.argv[startidx + 2], &count)) return;
    if (count < 0) count = 0;
    bool startex, endex;
    if (!ParseIntervalIdOrReply(c, c.argv[startidx], &start, &startex, 0)) return;
    if (startex && !ds::StreamIdIncr(&start)) {
      c.AddError(kInvalidStart);
      return;
    }
    if (!ParseIntervalIdOrReply(c, c.argv[startidx + 1], &end, &endex, UINT64_MAX)) return;
    if (endex && !ds::StreamIdDecr(&end)) {
      c.AddError(kInvalidEnd);
      return;
    }
    if (startidx + 3 < argc) {
      consumer_name = c.argv[startidx + 3];
      has_consumer = true;
    }
  }
  Stream* s;
  StreamCG* group;
  if (!LookupGroupOrReply(c, &s, &group)) return;
  if (justinfo) {
    c.reply.ArrayHeader(4);
    c.reply.Integer(static_cast<int64_t>(group->pel.size()));
    if (group->pel.size() == 0) {
      c.reply.Null();
      c.reply.Null();
      c.reply.NullArray();
      return;
    }
    std::string k;
    group->pel.First(&k, nullptr);
    ReplyId(c, ds::StreamIdDecode(k.data()));
    group->pel.Last(&k, nullptr);
    ReplyId(c, ds::StreamIdDecode(k.data()));
    size_t handle = c.reply.DeferLen();
    size_t n = 0;
    group->consumers.ForEach([&](std::string_view name, void* v) {
      auto* con = static_cast<StreamConsumer*>(v);
      if (con->pel.size() == 0) return true;
      c.reply.ArrayHeader(2);
      c.reply.Bulk(name);
      c.reply.BulkInt(static_cast<int64_t>(con->pel.size()));
      n++;
      return true;
    });
    c.reply.SetDeferredArrayLen(handle, n);
    return;
  }
  const ds::Rax* pel = &group->pel;
  if (has_consumer) {
    StreamConsumer* con = Stream::LookupConsumer(group, consumer_name);
    if (con == nullptr) {
      c.reply.Raw(resp::kEmptyArray);
      return;
    }
    pel = &con->pel;
  }
  const int64_t now = db::Now();
  const std::string endkey = ds::StreamIdKey(end);
  size_t handle = c.reply.DeferLen();
  size_t n = 0;
  ds::Rax::Iterator ri(pel);
  ri.Seek(ds::Rax::Op::kGe, ds::StreamIdKey(start));
  while (count > 0 && ri.Next() && ri.key() <= std::string_view(endkey)) {
    auto* nack = static_cast<StreamNack*>(ri.value());
    if (minidle && now - nack->delivery_time < minidle) continue;
    n++;
    count--;
    c.reply.ArrayHeader(4);
    ReplyId(c, ds::StreamIdDecode(ri.key().data()));
    c.reply.Bulk(ds::SdsView(nack->consumer->name));
    int64_t elapsed = now - nack->delivery_time;
    c.reply.Integer(elapsed < 0 ? 0 : elapsed);
    c.reply.Integer(static_cast<int64_t>(nack->delivery_count));
  }
  c.reply.SetDeferredArrayLen(handle, n);
}

void XclaimCommand(Client& c) {
  PreventPropagation(c);
  Stream* s;
  StreamCG* group;
  if (!LookupGroupOrReply(c, &s, &group)) return;
  int64_t minidle;
  if (!GetInt64OrReply(c, c.argv[4], &minidle, "ERR Invalid min-idle-time argument for XCLAIM")) return;
  if (minidle < 0) minidle = 0;
  size_t j = 5;
  std::vector<StreamId> ids;
  for (; j < c.argv.size(); j++) {
    StreamId id;
    if (!ParseId(c.argv[j], 0, true, nullptr, &id)) break;
    ids.push_back(id);
  }
  const int64_t now = db::Now();
  int64_t retrycount = -1, deliverytime = -1;
  bool force = false, justid = false, propagate_last_id = false;
  StreamId last_id;
  for (; j < c.argv.size(); j++) {
    const size_t moreargs = c.argv.size() - 1 - j;
    std::string_view opt = c.argv[j];
    if (ArgIs(opt, "force")) {
      force = true;
    } else if (ArgIs(opt, "justid")) {
      justid = true;
    } else if (ArgIs(opt, "idle") && moreargs) {
      j++;
      if (!GetInt64OrReply(c, c.argv[j], &deliverytime, "ERR Invalid IDLE option argument for XCLAIM")) return;
      deliverytime = now - deliverytime;
    } else if (ArgIs(opt, "time") && moreargs) {
      j++;
      if (!GetInt64OrReply(c, c.argv[j], &deliverytime, "ERR Invalid TIME option argument for XCLAIM")) return;
    } else if (ArgIs(opt, "retrycount") && moreargs) {
      j++;
      if (!GetInt64OrReply(c, c.argv[j], &retrycount, "ERR Invalid RETRYCOUNT option argument for XCLAIM")) return;
    } else if (ArgIs(opt, "lastid") && moreargs) {
      j++;
      if (!ParseStrictIdOrReply(c, c.argv[j], &last_id)) return;
    } else {
      c.AddError("ERR Unrecognized XCLAIM option '" + std::string(opt) + "'");
      return;
    }
  }
  if (last_id > group->last_id) {
    group->last_id = last_id;
    propagate_last_id = true;
  }
  if (deliverytime != -1) {
    if (deliverytime < 0 || deliverytime > now) deliverytime = now;
  } else {
    deliverytime = now;
  }
  PropInfo pi{c.argv[1], c.argv[2]};
  StreamConsumer* consumer = nullptr;
  std::vector<StreamId> claimed;
  for (const StreamId& id : ids) {
    const std::string key = ds::StreamIdKey(id);
    void* v = nullptr;
    StreamNack* nack = group->pel.Find(key, &v) ? static_cast<StreamNack*>(v) : nullptr;
    if (!EntryExists(s, id)) {
      if (nack != nullptr) {
        DropNack(c, pi, group, id, key, nack);
        propagate_last_id = false;
      }
      continue;
    }
    if (force && nack == nullptr) {
      nack = Stream::NewNack(nullptr, now);
      group->pel.Insert(key, nack);
    }
    if (nack == nullptr) continue;
    if (nack->consumer != nullptr && minidle && now - nack->delivery_time < minidle) continue;
    GiveNack(nack, ClaimingConsumer(c, group, &consumer), key);
    nack->delivery_time = deliverytime;
    if (retrycount >= 0) {
      nack->delivery_count = static_cast<uint64_t>(retrycount);
    } else if (!justid) {
      nack->delivery_count++;
    }
    claimed.push_back(id);
    PropagateXclaim(c, pi, group, id, nack);
    propagate_last_id = false;
    GetState().dirty++;
  }
  if (propagate_last_id) {
    PropagateGroupId(c, pi, group);
    GetState().dirty++;
  }
  c.reply.ArrayHeader(claimed.size());
  for (const StreamId& id : claimed) {
    if (justid) {
      ReplyId(c, id);
    } else {
      EmitOne(c, s, id);
    }
  }
}

void XautoclaimCommand(Client& c) {
  PreventPropagation(c);
  int64_t minidle;
  if (!GetInt64OrReply(c, c.argv[4], &minidle, "ERR Invalid min-idle-time argument for XAUTOCLAIM")) return;
  if (minidle < 0) minidle = 0;
  StreamId start;
  bool startex;
  if (!ParseIntervalIdOrReply(c, c.argv[5], &start, &startex, 0)) return;
  if (startex && !ds::StreamIdIncr(&start)) {
    c.AddError(kInvalidStart);
    return;
  }
  int64_t count = 100;
  bool justid = false;
  for (size_t j = 6; j < c.argv.size(); j++) {
    const size_t moreargs = c.argv.size() - 1 - j;
    if (ArgIs(c.argv[j], "count") && moreargs) {
      const int64_t max_count = LONG_MAX / static_cast<int64_t>(std::max<size_t>(sizeof(StreamId), 10));
      if (!GetRangeInt64OrReply(c, c.argv[j + 1], 1, max_count, &count, "ERR COUNT must be > 0")) return;
      j++;
    } else if (ArgIs(c.argv[j], "justid")) {
      justid = true;
    } else {
      c.AddError(err::kSyntax);
      return;
    }
  }
  Stream* s;
  StreamCG* group;
  if (!LookupGroupOrReply(c, &s, &group)) return;
  PropInfo pi{c.argv[1], c.argv[2]};
  const int64_t now = db::Now();
  int64_t attempts = count * kAutoclaimAttemptsFactor;
  StreamConsumer* consumer = nullptr;
  std::vector<StreamId> claimed, deleted;
  ds::Rax::Iterator ri(&group->pel);
  ri.Seek(ds::Rax::Op::kGe, ds::StreamIdKey(start));
  while (attempts-- > 0 && count > 0 && ri.Next()) {
    auto* nack = static_cast<StreamNack*>(ri.value());
    const std::string key(ri.key());
    const StreamId id = ds::StreamIdDecode(key.data());
    if (!EntryExists(s, id)) {
      DropNack(c, pi, group, id, key, nack);
      deleted.push_back(id);
      ri.Seek(ds::Rax::Op::kGe, key);
      count--;
      continue;
    }
    if (minidle && now - nack->delivery_time < minidle) continue;
    GiveNack(nack, ClaimingConsumer(c, group, &consumer), key);
    nack->delivery_time = now;
    if (!justid) nack->delivery_count++;
    claimed.push_back(id);
    count--;
    PropagateXclaim(c, pi, group, id, nack);
    GetState().dirty++;
  }
  StreamId endid;
  if (ri.Next()) endid = ds::StreamIdDecode(ri.key().data());
  c.reply.ArrayHeader(3);
  ReplyId(c, endid);
  c.reply.ArrayHeader(claimed.size());
  for (const StreamId& id : claimed) {
    if (justid) {
      ReplyId(c, id);
    } else {
      EmitOne(c, s, id);
    }
  }
  c.reply.ArrayHeader(deleted.size());
  for (const StreamId& id : deleted) ReplyId(c, id);
}

// ---- XINFO ----

// streamReplyWithCGLag: the entries the group has not read, or null when
// tombstones make it unknowable.
void ReplyGroupLag(Client& c, const Stream* s, const StreamCG* cg) {
  if (s->entries_added == 0) {
    c.reply.Integer(0);
  } else if (cg->entries_read != ds::kInvalidEntriesRead && !s->RangeHasTombstones(&cg->last_id, nullptr)) {
    c.reply.Integer(static_cast<int64_t>(s->entries_added) - cg->entries_read);
  } else {
    int64_t read = s->EstimateDistanceFromFirstEverEntry(cg->last_id);
    if (read != ds::kInvalidEntriesRead) {
      c.reply.Integer(static_cast<int64_t>(s->entries_added) - read);
    } else {
      c.reply.Null();
    }
  }
}

void ReplyEntriesRead(Client& c, const StreamCG* cg) {
  if (cg->entries_read != ds::kInvalidEntriesRead) {
    c.reply.Integer(cg->entries_read);
  } else {
    c.reply.Null();
  }
}

// The three fields both XINFO GROUPS and XINFO STREAM FULL give a group:
// last-delivered-id, entries-read, lag.
void ReplyGroupProgress(Client& c, const Stream* s, const StreamCG* cg) {
  c.reply.Bulk("last-delivered-id");
  ReplyId(c, cg->last_id);
  c.reply.Bulk("entries-read");
  ReplyEntriesRead(c, cg);
  c.reply.Bulk("lag");
  ReplyGroupLag(c, s, cg);
}

bool LookupInfoStream(Client& c, Stream** s) {
  Object* o;
  if (!LookupStreamRead(c, c.argv[2], &o)) return false;
  if (o == nullptr) {
    c.AddError(err::kNoSuchKey);
    return false;
  }
  *s = object::StreamOf(o);
  return true;
}

void XinfoConsumersCommand(Client& c) {
  Stream* s;
  if (!LookupInfoStream(c, &s)) return;
  StreamCG* cg = s->LookupGroup(c.argv[3]);
  if (cg == nullptr) {
    c.AddError("NOGROUP No such consumer group '" + std::string(c.argv[3]) + "' for key name '" +
               std::string(c.argv[2]) + "'");
    return;
  }
  c.reply.ArrayHeader(cg->consumers.size());
  const int64_t now = common::MsTime();
  cg->consumers.ForEach([&](std::string_view, void* v) {
    auto* con = static_cast<StreamConsumer*>(v);
    int64_t idle = now - con->seen_time;
    c.reply.MapHeader(3);
    c.reply.Bulk("name");
    c.reply.Bulk(ds::SdsView(con->name));
    c.reply.Bulk("pending");
    c.reply.Integer(static_cast<int64_t>(con->pel.size()));
    c.reply.Bulk("idle");
    c.reply.Integer(idle < 0 ? 0 : idle);
    return true;
  });
}

void XinfoGroupsCommand(Client& c) {
  Stream* s;
  if (!LookupInfoStream(c, &s)) return;
  c.reply.ArrayHeader(s->GroupCount());
  if (s->cgroups == nullptr) return;
  s->cgroups->ForEach([&](std::string_view name, void* v) {
    auto* cg = static_cast<StreamCG*>(v);
    c.reply.MapHeader(6);
    c.reply.Bulk("name");
    c.reply.Bulk(name);
    c.reply.Bulk("consumers");
    c.reply.Integer(static_cast<int64_t>(cg->consumers.size()));
    c.reply.Bulk("pending");
    c.reply.Integer(static_cast<int64_t>(cg->pel.size()));
    ReplyGroupProgress(c, s, cg);
    return true;
  });
}

// XINFO STREAM FULL's PEL lists: [id, (consumer,) delivery time, count]
// for the first `count` NACKs (0: all).
void ReplyFullPel(Client& c, const ds::Rax& pel, int64_t count, bool with_consumer) {
  size_t handle = c.reply.DeferLen();
  int64_t n = 0;
  pel.ForEach([&](std::string_view id, void* nv) {
    if (count != 0 && n >= count) return false;
    auto* nack = static_cast<StreamNack*>(nv);
    c.reply.ArrayHeader(with_consumer ? 4 : 3);
    ReplyId(c, ds::StreamIdDecode(id.data()));
    if (with_consumer) c.reply.Bulk(ds::SdsView(nack->consumer->name));
    c.reply.Integer(nack->delivery_time);
    c.reply.Integer(static_cast<int64_t>(nack->delivery_count));
    n++;
    return true;
  });
  c.reply.SetDeferredArrayLen(handle, static_cast<size_t>(n));
}

void ReplyFullGroups(Client& c, Stream* s, int64_t count) {
  c.reply.ArrayHeader(s->GroupCount());
  if (s->cgroups == nullptr) return;
  s->cgroups->ForEach([&](std::string_view name, void* v) {
    auto* cg = static_cast<StreamCG*>(v);
    c.reply.MapHeader(7);
    c.reply.Bulk("name");
    c.reply.Bulk(name);
    ReplyGroupProgress(c, s, cg);
    c.reply.Bulk("pel-count");
    c.reply.Integer(static_cast<int64_t>(cg->pel.size()));
    c.reply.Bulk("pending");
    ReplyFullPel(c, cg->pel, count, /*with_consumer=*/true);
    c.reply.Bulk("consumers");
    c.reply.ArrayHeader(cg->consumers.size());
    cg->consumers.ForEach([&](std::string_view, void* cv) {
      auto* con = static_cast<StreamConsumer*>(cv);
      c.reply.MapHeader(4);
      c.reply.Bulk("name");
      c.reply.Bulk(ds::SdsView(con->name));
      c.reply.Bulk("seen-time");
      c.reply.Integer(con->seen_time);
      c.reply.Bulk("pel-count");
      c.reply.Integer(static_cast<int64_t>(con->pel.size()));
      c.reply.Bulk("pending");
      ReplyFullPel(c, con->pel, count, /*with_consumer=*/false);
      return true;
    });
    return true;
  });
}

void XinfoStreamCommand(Client& c) {
  Stream* s;
  if (!LookupInfoStream(c, &s)) return;
  bool full = true;
  int64_t count = 10;
  const size_t optc = c.argv.size() - 3;
  if (optc == 0) {
    full = false;
  } else {
    if ((optc != 1 && optc != 3) || !ArgIs(c.argv[3], "full")) {
      AddSubcommandSyntaxError(c);
      return;
    }
    if (optc == 3) {
      if (!ArgIs(c.argv[4], "count")) {
        AddSubcommandSyntaxError(c);
        return;
      }
      if (!GetInt64OrReply(c, c.argv[5], &count)) return;
      if (count < 0) count = 10;
    }
  }
  c.reply.MapHeader(full ? 9 : 10);
  c.reply.Bulk("length");
  c.reply.Integer(static_cast<int64_t>(s->length));
  c.reply.Bulk("radix-tree-keys");
  c.reply.Integer(static_cast<int64_t>(s->rax.size()));
  c.reply.Bulk("radix-tree-nodes");
  c.reply.Integer(static_cast<int64_t>(s->rax.RedisNodeCount()));
  c.reply.Bulk("last-generated-id");
  ReplyId(c, s->last_id);
  c.reply.Bulk("max-deleted-entry-id");
  ReplyId(c, s->max_deleted_entry_id);
  c.reply.Bulk("entries-added");
  c.reply.Integer(static_cast<int64_t>(s->entries_added));
  c.reply.Bulk("recorded-first-entry-id");
  ReplyId(c, s->first_id);
  if (!full) {
    c.reply.Bulk("groups");
    c.reply.Integer(static_cast<int64_t>(s->GroupCount()));
    for (bool rev : {false, true}) {
      c.reply.Bulk(rev ? "last-entry" : "first-entry");
      ds::StreamIterator it(s, nullptr, nullptr, rev);
      StreamId id;
      int64_t nf;
      if (it.Next(&id, &nf)) {
        EmitEntry(c, it, id, nf);
      } else {
        c.reply.Null();
      }
    }
    return;
  }
  c.reply.Bulk("entries");
  ReplyRange(c, s, ds::kStreamIdMin, nullptr, static_cast<size_t>(count), false, nullptr, nullptr, false, nullptr);
  c.reply.Bulk("groups");
  ReplyFullGroups(c, s, count);
}

void XinfoHelpCommand(Client& c) {
  ReplyHelp(c, "XINFO",
            {"CONSUMERS <key> <groupname>", "    Show consumers of <groupname>.", "GROUPS <key>",
             "    Show the stream consumer groups.", "STREAM <key> [FULL [COUNT <count>]",
             "    Show information about the stream."});
}

}  // namespace

void RegisterStreamCommands(Registry& r) {
  const uint32_t kReadFast = kCatRead | kCatStream | kCatFast;
  const uint32_t kReadSlow = kCatRead | kCatStream | kCatSlow;
  const uint32_t kWriteFast = kCatWrite | kCatStream | kCatFast;
  const uint32_t kWriteSlow = kCatWrite | kCatStream | kCatSlow;
  const char* g = "stream";
  // Key specs as Redis 7.0's command table has them.
  KeySpec xadd_key = RangeKeys(kKeyRW | kKeyUpdate, 1);
  xadd_key.notes = "UPDATE instead of INSERT because of the optional trimming feature";
  const KeySpec kRwUpdate = RangeKeys(kKeyRW | kKeyUpdate, 1);
  const KeySpec kRwDelete = RangeKeys(kKeyRW | kKeyDelete, 1);
  r.Add({"xadd", -5, kWrite | kDenyOom | kFast, 1, 1, 1, XaddCommand, g,
         "Appends a new entry to a stream", "5.0.0", kWriteFast}).key_specs = {xadd_key};
  r.Add({"xrange", -4, kReadonly, 1, 1, 1, XrangeCommand, g,
         "Return a range of elements in a stream, with IDs matching the specified IDs interval", "5.0.0",
         kReadSlow});
  r.Add({"xrevrange", -4, kReadonly, 1, 1, 1, XrevrangeCommand, g,
         "Return a range of elements in a stream, with IDs matching the specified IDs interval, in reverse order "
         "(from greater to smaller IDs) compared to XRANGE",
         "5.0.0", kReadSlow});
  r.Add({"xlen", 2, kReadonly | kFast, 1, 1, 1, XlenCommand, g, "Return the number of entries in a stream", "5.0.0",
         kReadFast}).key_specs = {RangeKeys(kKeyRO, 1)};
  r.Add({"xdel", -3, kWrite | kFast, 1, 1, 1, XdelCommand, g,
         "Removes the specified entries from the stream. Returns the number of items actually deleted, that may be "
         "different from the number of IDs passed in case certain IDs do not exist.",
         "5.0.0", kWriteFast}).key_specs = {kRwDelete};
  r.Add({"xtrim", -4, kWrite, 1, 1, 1, XtrimCommand, g, "Trims the stream to (approximately if '~' is passed) a "
         "certain size", "5.0.0", kWriteSlow}).key_specs = {kRwDelete};
  r.Add({"xsetid", -3, kWrite | kDenyOom | kFast, 1, 1, 1, XsetidCommand, g,
         "An internal command for replicating stream values", "5.0.0", kWriteFast}).key_specs = {kRwUpdate};
  // XREAD/XREADGROUP keys follow STREAMS: Redis 7.0's key spec is a keyword
  // search for STREAMS, then half of the remaining arguments.
  KeySpec read_keys;
  read_keys.flags = kKeyRO | kKeyAccess;
  read_keys.begin = KeySpec::Begin::kKeyword;
  read_keys.keyword = "STREAMS";
  read_keys.startfrom = 1;
  read_keys.find = KeySpec::Find::kRange;
  read_keys.lastkey = -1;
  read_keys.keystep = 1;
  read_keys.limit = 2;
  r.Add({"xread", -4, kReadonly | kBlocking | kMovableKeys, 0, 0, 0, XreadCommand, g,
         "Return never seen elements in multiple streams, with IDs greater than the ones reported by the caller "
         "for each stream. Can block.",
         "5.0.0", kReadSlow | kCatBlocking})
      .key_specs = {read_keys};
  KeySpec group_keys = read_keys;  // RO access in Redis 7.0's table too
  group_keys.startfrom = 4;
  r.Add({"xreadgroup", -7, kWrite | kBlocking | kMovableKeys, 0, 0, 0, XreadgroupCommand, g,
         "Return new entries from a stream using a consumer group, or access the history of the pending entries "
         "for a given consumer. Can block.",
         "5.0.0", kWriteSlow | kCatBlocking})
      .key_specs = {group_keys};
  CommandSpec xgroup{"xgroup", -2, 0, 0, 0, 0, nullptr, g, "A container for consumer groups commands", "5.0.0",
                     kCatSlow};
  xgroup.subcommands = {
      {"create", -5, kWrite | kDenyOom, 2, 2, 1, XgroupCreateCommand, g, "Create a consumer group.", "5.0.0",
       kWriteSlow},
      {"createconsumer", 5, kWrite | kDenyOom, 2, 2, 1, XgroupCreateconsumerCommand, g,
       "Create a consumer in a consumer group.", "6.2.0", kWriteSlow},
      {"delconsumer", 5, kWrite, 2, 2, 1, XgroupDelconsumerCommand, g, "Delete a consumer from a consumer group.",
       "5.0.0", kWriteSlow},
      {"destroy", 4, kWrite, 2, 2, 1, XgroupDestroyCommand, g, "Destroy a consumer group.", "5.0.0", kWriteSlow},
      {"help", 2, kLoading | kStale, 0, 0, 0, XgroupHelpCommand, g,
       "Show helpful text about the different subcommands", "5.0.0", kCatStream | kCatSlow},
      {"setid", -5, kWrite, 2, 2, 1, XgroupSetidCommand, g, "Set a consumer group to an arbitrary last delivered ID value.",
       "5.0.0", kWriteSlow},
  };
  const uint32_t kXgroupKeyFlags[] = {kKeyRW | kKeyInsert, kKeyRW | kKeyInsert, kKeyRW | kKeyDelete,
                                      kKeyRW | kKeyDelete, 0, kKeyRW | kKeyUpdate};
  for (size_t i = 0; i < xgroup.subcommands.size(); i++)
    if (kXgroupKeyFlags[i] != 0) xgroup.subcommands[i].key_specs = {RangeKeys(kXgroupKeyFlags[i], 2)};
  r.Add(std::move(xgroup));
  r.Add({"xack", -4, kWrite | kFast, 1, 1, 1, XackCommand, g,
         "Marks a pending message as correctly processed, effectively removing it from the pending entries list of "
         "the consumer group. Return value of the command is the number of messages successfully acknowledged, that "
         "is, the IDs we were actually able to resolve in the PEL.",
         "5.0.0", kWriteFast}).key_specs = {kRwUpdate};
  r.Add({"xpending", -3, kReadonly, 1, 1, 1, XpendingCommand, g,
         "Return information and entries from a stream consumer group pending entries list, that are messages "
         "fetched but never acknowledged.",
         "5.0.0", kReadSlow});
  r.Add({"xclaim", -6, kWrite | kFast, 1, 1, 1, XclaimCommand, g,
         "Changes (or acquires) ownership of a message in a consumer group, as if the message was delivered to the "
         "specified consumer.",
         "5.0.0", kWriteFast}).key_specs = {kRwUpdate};
  r.Add({"xautoclaim", -6, kWrite | kFast, 1, 1, 1, XautoclaimCommand, g,
         "Changes (or acquires) ownership of messages in a consumer group, as if the messages were delivered to the "
         "specified consumer.",
         "6.2.0", kWriteFast}).key_specs = {kRwDelete};
  CommandSpec xinfo{"xinfo", -2, 0, 0, 0, 0, nullptr, g, "A container for stream introspection commands", "4.0.0",
                    kCatSlow};
  xinfo.subcommands = {
      {"consumers", 4, kReadonly, 2, 2, 1, XinfoConsumersCommand, g,
       "List the consumers in a consumer group", "5.0.0", kReadSlow},
      {"groups", 3, kReadonly, 2, 2, 1, XinfoGroupsCommand, g, "List the consumer groups of a stream", "5.0.0",
       kReadSlow},
      {"help", 2, kLoading | kStale, 0, 0, 0, XinfoHelpCommand, g,
       "Show helpful text about the different subcommands", "5.0.0", kCatStream | kCatSlow},
      {"stream", -3, kReadonly, 2, 2, 1, XinfoStreamCommand, g, "Get information about a stream", "5.0.0",
       kReadSlow},
  };
  r.Add(std::move(xinfo));
}

}  // namespace commands
