// The command table, as data: one CommandSpec per command, registered by
// each family with one line at the bottom of its file. COMMAND, the
// dispatcher, statistics and (later) ACL and AOF all read this table.
//
// Arity as Redis: N > 0 means exactly N arguments (command name included),
// -N means at least N. Key positions: first, last (-1 = last argument,
// -2 = second to last), step; 0/0/0 = no keys. That legacy range cannot
// say where the keys of ZUNIONSTORE dst 2 a b are, so a command whose keys
// move (kMovableKeys) also registers Redis 7.0's key specifications
// (KeySpec, below); Finalize derives one from the range for the others.
// commands/keys.h finds the keys of an argv from them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/latency_histogram.h"

namespace commands {

struct Client;

// Flags, Redis 7.0's command flags (COMMAND INFO reports their names).
// kWrite: may modify the dataset. kReadonly: never does. kDenyOom: refused
// when used memory is above maxmemory. kFast: O(1) or O(log N), never
// blocks, and never deletes as a side effect (so SET is not fast in Redis's
// sense... it is: Redis marks SET without FAST; we follow the table).
enum CommandFlag : uint32_t {
  kWrite = 1u << 0,
  kReadonly = 1u << 1,
  kDenyOom = 1u << 2,
  kAdmin = 1u << 3,
  kPubsub = 1u << 4,
  kNoScript = 1u << 5,
  kBlocking = 1u << 6,
  kLoading = 1u << 7,   // allowed while loading
  kStale = 1u << 8,
  kSkipMonitor = 1u << 9,
  kSkipSlowlog = 1u << 10,
  kFast = 1u << 11,
  kNoAuth = 1u << 12,   // allowed before AUTH
  kMayReplicate = 1u << 13,
  kNoMandatoryKeys = 1u << 14,
  kProtected = 1u << 15,
  kNoMulti = 1u << 16,  // not allowed inside MULTI
  kMovableKeys = 1u << 17,
  kAllowBusy = 1u << 18,
  kNoAsyncLoading = 1u << 19,  // refused while loading a replica's dataset in the background

  // Internal flags: decisions Redis's processCommand makes by comparing
  // command procs, kept as data here. They are not Redis command flags, so
  // COMMAND INFO does not show them.
  kNoQueue = 1u << 24,            // runs at once inside MULTI (EXEC DISCARD MULTI WATCH RESET)
  kEndsTransaction = 1u << 25,    // not refused for OOM inside MULTI (EXEC DISCARD RESET)
  kSubscribedContext = 1u << 26,  // allowed in RESP2 subscribed mode ((P|S)(UN)SUBSCRIBE PING RESET)
  kDeniedOnDiskError = 1u << 27,  // refused under MISCONF though it does not write (PING)
  kKeepsTrackingCaching = 1u << 28,  // CLIENT CACHING's choice survives it (every CLIENT subcommand)
};

// ACL categories, reported by COMMAND INFO.
enum AclCategory : uint32_t {
  kCatKeyspace = 1u << 0,
  kCatRead = 1u << 1,
  kCatWrite = 1u << 2,
  kCatString = 1u << 3,
  kCatList = 1u << 4,
  kCatSet = 1u << 5,
  kCatSortedSet = 1u << 6,
  kCatHash = 1u << 7,
  kCatFast = 1u << 8,
  kCatSlow = 1u << 9,
  kCatAdmin = 1u << 10,
  kCatDangerous = 1u << 11,
  kCatConnection = 1u << 12,
  kCatTransaction = 1u << 13,
  kCatBlocking = 1u << 14,
  kCatPubsub = 1u << 15,
  kCatScripting = 1u << 16,
  kCatBitmap = 1u << 17,
  kCatStream = 1u << 18,
  // 19 left for the next family; only the names' order matters (acl::Categories uses these bits).
  kCatHyperLogLog = 1u << 20,
  kCatGeo = 1u << 21,
};

using Handler = void (*)(Client& c);

// Redis 7.0's key-spec flags (COMMAND INFO, COMMAND GETKEYSANDFLAGS): how a
// command uses the keys a spec finds.
enum KeySpecFlag : uint32_t {
  kKeyRO = 1u << 0,          // read only
  kKeyRW = 1u << 1,          // read and modified
  kKeyOW = 1u << 2,          // overwritten without being read
  kKeyRM = 1u << 3,          // removed
  kKeyAccess = 1u << 4,      // the user data is returned or copied
  kKeyUpdate = 1u << 5,      // the value is updated or replaced
  kKeyInsert = 1u << 6,      // data is added
  kKeyDelete = 1u << 7,      // data is removed
  kKeyNotKey = 1u << 8,      // an argument that is not a key (cluster slots only)
  kKeyIncomplete = 1u << 9,  // the spec may miss keys
  kKeyVariableFlags = 1u << 10,
};

// One key specification, as Redis 7.0's keySpec: a begin-search step finds
// where the keys start, a find-keys step says which arguments from there
// are keys. Unknown steps mean "only the command's getkeys procedure
// knows" (SORT's STORE may be anywhere).
struct KeySpec {
  enum class Begin : uint8_t { kIndex, kKeyword, kUnknown };
  enum class Find : uint8_t { kRange, kKeynum, kUnknown };
  uint32_t flags = 0;             // KeySpecFlag bits
  Begin begin = Begin::kUnknown;
  int index = 0;                  // kIndex: the first key's argv position
  const char* keyword = nullptr;  // kKeyword: the keys follow this argument,
  int startfrom = 0;              //   searched from here (negative: from the end, backwards)
  Find find = Find::kUnknown;
  int lastkey = 0;                // kRange: the last key, relative to the first (<0: from the end)
  int keystep = 1;                // kRange, kKeynum: distance between keys
  int limit = 0;                  // kRange with lastkey -1: only 1/limit of the rest
  int keynumidx = 0;              // kKeynum: where the key count is, relative to the begin
  int firstkey = 0;               // kKeynum: the first key, relative to the begin
  const char* notes = nullptr;
};

// Specs the way Redis's command JSON files write them.
KeySpec RangeKeys(uint32_t flags, int index, int lastkey = 0, int keystep = 1);
KeySpec KeynumKeys(uint32_t flags, int index, int keynumidx = 0, int firstkey = 1, int keystep = 1);
KeySpec UnknownKeys(uint32_t flags, const char* notes);

// A key found in an argv: its position and its spec's flags.
struct KeyRef {
  int pos;
  uint32_t flags;
};
// A command's own key finder (Redis's getkeys_proc), for keys no spec can
// describe (SORT ... STORE dst). Appends to *out; returns the count found.
using GetKeysProc = int (*)(const std::vector<std::string_view>& argv, std::vector<KeyRef>* out);

// Which arguments are pub/sub channels, for ACL channel permissions
// (Redis's getchannels procedures; only publishing and subscribing are
// checked, unsubscribing never is).
enum ChannelArgs : uint8_t {
  kNoChannels = 0,
  kPublishChannel,     // argv[1] (PUBLISH, SPUBLISH)
  kSubscribeChannels,  // argv[1..] (SUBSCRIBE, SSUBSCRIBE)
  kSubscribePatterns,  // argv[1..], patterns matched literally (PSUBSCRIBE)
};

struct CommandStats {
  uint64_t calls = 0;
  uint64_t usec = 0;
  uint64_t rejected_calls = 0;
  uint64_t failed_calls = 0;
  // Each call's duration in ns, while latency-tracking is on (INFO
  // latencystats, LATENCY HISTOGRAM). Empty, and allocation-free, until the
  // command first runs.
  common::LatencyHistogram latency;
};

struct CommandSpec {
  const char* name;      // lower case
  int arity;
  uint32_t flags;
  int first_key, last_key, step;
  Handler handler;
  const char* group;     // "string", "generic", "server", ... (COMMAND DOCS)
  const char* summary;
  const char* since;
  uint32_t acl = 0;
  std::vector<CommandSpec> subcommands;  // CONFIG GET, CLIENT LIST ... (name "get")
  std::vector<KeySpec> key_specs;        // Finalize derives one from first/last/step if empty
  GetKeysProc getkeys = nullptr;         // when a spec cannot be followed
  ChannelArgs channel_args = kNoChannels;
  // Filled by the registry:
  std::string full_name;   // "config|get" for subcommands
  const CommandSpec* parent = nullptr;
  int acl_id = -1;         // the command's bit in ACL selectors (acl::SetCommandTable)
  mutable CommandStats stats;
};

class Registry {
 public:
  static Registry& Get();
  // Returns the stored spec, for fields beyond the one-line registration
  // (key specs, getkeys): valid for the life of the process.
  CommandSpec& Add(CommandSpec spec);
  // Looks up argv[0] (case-insensitive) and, for container commands,
  // argv[1] as a subcommand. nullptr if unknown. *container is set to the
  // container when argv[1] is not one of its subcommands.
  const CommandSpec* Lookup(const std::vector<std::string_view>& argv, const CommandSpec** container) const;
  const CommandSpec* Find(std::string_view name) const;
  const std::vector<const CommandSpec*>& All() const { return ordered_; }
  // Calls fn for every command and then its subcommands, in table order.
  template <typename Fn>
  void ForEachCommand(Fn&& fn) const {
    for (const CommandSpec* s : ordered_) {
      fn(*s);
      for (const CommandSpec& sub : s->subcommands) fn(sub);
    }
  }
  // Called once after every family registered (fixes parent pointers).
  void Finalize();

 private:
  std::vector<CommandSpec*> specs_;
  std::vector<const CommandSpec*> ordered_;
  // name -> spec, lower-case keys; a few hundred entries, so a sorted
  // vector searched by binary search keeps lookups cache-friendly.
  std::vector<std::pair<std::string, CommandSpec*>> index_;
};

// Called once at start-up; each family's file defines its Register*.
void RegisterStringCommands(Registry& r);
void RegisterKeyspaceCommands(Registry& r);
void RegisterConnectionCommands(Registry& r);
void RegisterTransactionCommands(Registry& r);
void RegisterListCommands(Registry& r);
void RegisterHashCommands(Registry& r);
void RegisterSetCommands(Registry& r);
void RegisterZsetCommands(Registry& r);
// SORT and SORT_RO (commands/sort_cmds.cc): every sortable type, see sort_cmds.h.
void RegisterSortCommands(Registry& r);
// Pub/sub (commands/pubsub_cmds.cc).
void RegisterPubsubCommands(Registry& r);
// MONITOR (commands/monitor.cc).
void RegisterMonitorCommands(Registry& r);
// PFADD PFCOUNT PFMERGE PFDEBUG PFSELFTEST (commands/hll_cmds.cc).
void RegisterHyperLogLogCommands(Registry& r);
// GEOADD GEODIST GEOHASH GEOPOS GEOSEARCH[STORE] GEORADIUS[BYMEMBER][_RO] (commands/geo_cmds.cc).
void RegisterGeoCommands(Registry& r);
void RegisterStreamCommands(Registry& r);
void RegisterAllDataCommands(Registry& r);

// Flag and category names for COMMAND INFO.
std::vector<std::string> FlagNames(uint32_t flags);
std::vector<std::string> AclCategoryNames(uint32_t cats);
std::vector<std::string> KeySpecFlagNames(uint32_t flags);

}  // namespace commands
