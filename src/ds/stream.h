// Stream: Redis 7.0's stream data structure (t_stream.c's core), without
// clients or replies: entries in listpacks indexed by a Rax, and the
// consumer groups with their pending-entry lists.
//
// Entries. An entry ID is <ms>-<seq>, two uint64; the Rax key of a node is
// its master ID in 16 big-endian bytes, so byte order is ID order. Each
// node's value is a listpack (a payload: placement decides its tier) laid
// out exactly as Redis 7.0 writes it, so RDB type 19 stores it as-is:
//
//   master entry: <count> <deleted> <num-fields> <field>... <0>
//   each entry:   <flags> <ms-delta> <seq-delta> [<num-fields> <field>] <value>... <lp-count>
//
// count/deleted are the live and tombstoned entries of the node; an entry
// whose field names equal the master's (same order) sets flag SAMEFIELDS
// (2) and stores only its values; XDEL sets flag DELETED (1) in place. The
// deltas are against the master ID (the seq delta may wrap: it is the
// two's-complement difference). lp-count is the number of elements of the
// entry before it (3 + N with SAMEFIELDS, 4 + 2N without), so the listpack
// walks backwards entry by entry. A node holds at most node_max_entries
// entries (live and deleted) and stays under node_max_bytes bytes
// (stream-node-max-entries / -bytes); a node whose count reaches 0 is
// removed.
//
// Consumer groups (metadata, DRAM): each group has its last delivered ID,
// its entries-read counter (kInvalidEntriesRead when unknown), a PEL (Rax:
// ID -> StreamNack, owning the NACKs) and its consumers (Rax: name ->
// StreamConsumer); each consumer's PEL holds the same NACKs as the group's
// (not owning), each NACK points at its consumer.
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ds/rax.h"
#include "ds/sds.h"

namespace ds {

struct StreamId {
  uint64_t ms = 0;
  uint64_t seq = 0;
  auto operator<=>(const StreamId&) const = default;
  bool IsZero() const { return ms == 0 && seq == 0; }
};
inline constexpr StreamId kStreamIdMin{0, 0};
inline constexpr StreamId kStreamIdMax{UINT64_MAX, UINT64_MAX};
inline constexpr size_t kStreamIdKeyLen = 16;
// Longest "<ms>-<seq>" text: 20 + 1 + 20.
inline constexpr size_t kStreamIdStrMax = 41;

// The 16-byte big-endian Rax key of id.
void StreamIdEncode(const StreamId& id, char* key);
std::string StreamIdKey(const StreamId& id);
StreamId StreamIdDecode(const char* key);
// "<ms>-<seq>" into buf (>= kStreamIdStrMax bytes); returns its length.
size_t StreamIdFormat(const StreamId& id, char* buf);
std::string StreamIdString(const StreamId& id);
// id + 1 / id - 1 in 128-bit arithmetic; false (id unchanged) on overflow.
bool StreamIdIncr(StreamId* id);
bool StreamIdDecr(StreamId* id);

// Entry flags (on disk).
inline constexpr int64_t kStreamItemDeleted = 1;
inline constexpr int64_t kStreamItemSameFields = 2;
// Redis's STREAM_LISTPACK_MAX_SIZE: no node (and no entry) beyond 1 GiB.
inline constexpr size_t kStreamListpackMaxSize = size_t{1} << 30;
// Redis's STREAM_LISTPACK_MAX_PRE_ALLOCATE: a new node's listpack reserves
// this much (capped by node_max_bytes), so appends rarely reallocate; a full
// node is shrunk to fit when the next one starts.
inline constexpr size_t kStreamListpackPrealloc = 4096;
inline constexpr int64_t kInvalidEntriesRead = -1;

struct StreamConsumer;
struct StreamNack {
  int64_t delivery_time = 0;  // unix ms of the last delivery
  uint64_t delivery_count = 0;
  StreamConsumer* consumer = nullptr;
};
struct StreamConsumer {
  int64_t seen_time = 0;  // unix ms of the last interaction
  sds name = nullptr;     // DRAM
  Rax pel;                // ID -> StreamNack (the group's)
};
struct StreamCG {
  StreamId last_id;
  int64_t entries_read = kInvalidEntriesRead;
  Rax pel;        // ID -> StreamNack (owned)
  Rax consumers;  // name -> StreamConsumer (owned)
};

struct StreamNodeLimits {
  size_t max_bytes = 4096;   // stream-node-max-bytes (0: no limit but the 1 GiB cap)
  int64_t max_entries = 100;  // stream-node-max-entries (0: no limit)
};

struct StreamTrimArgs {
  enum class Strategy { kNone, kMaxlen, kMinid };
  Strategy strategy = Strategy::kNone;
  int64_t maxlen = 0;
  StreamId minid;
  bool approx = false;
  int64_t limit = 0;  // 0: no limit
};

class Stream {
 public:
  Stream() = default;
  ~Stream();
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;

  Rax rax;  // master ID key -> listpack
  uint64_t length = 0;
  StreamId last_id;
  StreamId first_id;
  StreamId max_deleted_entry_id;
  uint64_t entries_added = 0;
  Rax* cgroups = nullptr;  // name -> StreamCG; nullptr until the first group

  enum class AppendResult { kOk, kIdTooSmall, kTooLarge, kNoSequence };
  // Appends an entry of nfields field/value pairs (fv: f1 v1 f2 v2 ...).
  // use_id nullptr: the next automatic ID after last_id at now_ms; else
  // *use_id, whose sequence is chosen (last seq + 1 in the same ms, else 0)
  // when !seq_given. kIdTooSmall when the ID is not above last_id;
  // kNoSequence when <ms>-* finds no sequence left in last_id's ms;
  // kTooLarge when the fields exceed 1 GiB.
  AppendResult Append(const std::string_view* fv, size_t nfields, const StreamId* use_id, bool seq_given,
                      int64_t now_ms, const StreamNodeLimits& limits, StreamId* added);
  // XDEL of one entry: true when it existed (and is now a tombstone or gone
  // with its node). Does not touch first_id/max_deleted_entry_id.
  bool DeleteEntry(const StreamId& id);
  // XTRIM / XADD's trimming; returns the entries removed. Updates first_id.
  int64_t Trim(const StreamTrimArgs& args);
  // The first (or last) entry's ID, tombstones included or not; when there
  // is none: kStreamIdMax for first, kStreamIdMin for last (as Redis).
  StreamId EdgeId(bool first, bool skip_tombstones) const;
  // The last live entry's ID (zero when empty).
  StreamId LastValidId() const;

  // 7.0's lag bookkeeping.
  bool RangeHasTombstones(const StreamId* start, const StreamId* end) const;
  int64_t EstimateDistanceFromFirstEverEntry(const StreamId& id) const;

  // ---- consumer groups ----
  size_t GroupCount() const { return cgroups ? cgroups->size() : 0; }
  StreamCG* LookupGroup(std::string_view name) const;
  // nullptr when the name exists.
  StreamCG* CreateGroup(std::string_view name, const StreamId& id, int64_t entries_read);
  bool DestroyGroup(std::string_view name);
  static StreamConsumer* LookupConsumer(const StreamCG* cg, std::string_view name);
  // nullptr when the name exists.
  static StreamConsumer* CreateConsumer(StreamCG* cg, std::string_view name, int64_t now_ms);
  // Removes the consumer and its pending entries (from the group's PEL too).
  static void DeleteConsumer(StreamCG* cg, StreamConsumer* consumer);
  static StreamNack* NewNack(StreamConsumer* consumer, int64_t now_ms);
  static void FreeNack(StreamNack* nack);
  static void FreeGroup(StreamCG* cg);

  // The invariants (for tests and fuzzing): every node a valid stream
  // listpack, IDs ascending, length = the live entries, last_id >= the
  // last entry, every NACK owned by exactly one consumer of its group and
  // in that consumer's PEL, and nothing else in the consumers' PELs.
  bool Verify() const;

  // Bytes of the structure that are metadata (DRAM): the Rax, the groups,
  // consumers and NACKs; listpacks excluded.
  size_t MetadataBytes() const;
};

// Walks the entries of [start, end] (nullptr: unbounded) forwards or
// backwards, skipping tombstones unless told not to. The stream must not
// be modified while the iterator is used, except through RemoveCurrent.
class StreamIterator {
 public:
  StreamIterator(Stream* s, const StreamId* start, const StreamId* end, bool rev, bool skip_tombstones = true);
  // The next entry: its ID and field count. False at the end.
  bool Next(StreamId* id, int64_t* numfields);
  // Calls fn(field, value) for each field of the current entry.
  template <typename Fn>
  void ForEachField(Fn&& fn) const {
    char fbuf[21], vbuf[21];
    const unsigned char* mf = master_fields_;
    const unsigned char* p = fields_;
    for (int64_t i = 0; i < numfields_; i++) {
      std::string_view f, v;
      if (same_fields_) {
        f = Get(mf, fbuf);
        mf = NextEl(mf);
      } else {
        f = Get(p, fbuf);
        p = NextEl(p);
      }
      v = Get(p, vbuf);
      p = NextEl(p);
      fn(f, v);
    }
  }
  // Tombstones the current entry (XDEL), removing its node when it was the
  // node's last live entry. The iterator stays usable for Next.
  void RemoveCurrent();

 private:
  static std::string_view Get(const unsigned char* p, char* buf);
  const unsigned char* NextEl(const unsigned char* p) const;
  bool LoadNode();

  Stream* s_;
  StreamId start_, end_;
  bool rev_;
  bool skip_tombstones_;
  Rax::Iterator ri_;
  unsigned char* lp_ = nullptr;
  StreamId master_id_;
  int64_t master_fields_count_ = 0;
  const unsigned char* master_fields_ = nullptr;
  unsigned char* pos_ = nullptr;    // the next entry's flags (forward) or the previous lp-count (reverse)
  unsigned char* flags_p_ = nullptr;  // the current entry's flags
  const unsigned char* fields_ = nullptr;
  int64_t numfields_ = 0;
  bool same_fields_ = false;
};

// Validates a listpack loaded as a stream node (RDB, RESTORE): the listpack
// itself (deep), the master entry, every entry's shape, flags, lp-count and
// its ID (master + deltas) strictly increasing and after *prev (updated),
// and the master's count/deleted against the entries found. *live receives
// the live entries. master_id is the node's key; *prev/*has_prev carry the
// last ID seen across the nodes of one stream (the master ID must be above
// it, every entry at or above the master ID).
bool StreamValidateListpack(const unsigned char* lp, size_t size, const StreamId& master_id, StreamId* prev,
                            bool* has_prev, uint64_t* live);

}  // namespace ds
