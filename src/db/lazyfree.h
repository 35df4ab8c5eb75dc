// Lazy free: one background thread that frees values, and whole keyspaces,
// handed to it, so that UNLINK, FLUSHALL/FLUSHDB ASYNC and the
// lazyfree-lazy-* settings return at once whatever the size of what they
// drop (Redis's lazyfree.c on its BIO_LAZY_FREE thread).
//
// Only values whose freeing is real work go to the thread: FreeEffort above
// kThreshold (a quicklist of more than 64 nodes, a hashtable or skiplist of
// more than 64 entries). Everything else, a string or a listpack of any
// size included (one block: one free), is freed on the spot, where handing
// it over would cost more than the free.
//
// Allocator: the thread frees through alloc::Free like any other thread.
// NVM blocks go back to the NVM arena through the thread's own explicit
// tcache (alloc/nvm_arena.h), never through jemalloc's automatic one, which
// would hand them out again as DRAM (DESIGN.md); the per-thread counters of
// alloc/zmalloc.h keep used_memory exact while the thread works.
//
// What the thread may touch: only what it was handed. A value handed over
// is a standalone object nobody else references (refcount 1, not in a
// keyspace entry); dicts handed over are no longer reachable from any Db.
// Freeing reads nothing global that the main thread writes (type ops and
// hash seeds are set once at start-up).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "ds/dict.h"
#include "object/object.h"

namespace db::lazyfree {

// Redis's LAZYFREE_THRESHOLD.
inline constexpr size_t kThreshold = 64;

// True iff o is worth freeing in the background.
bool WorthIt(const object::Object* o);

// Frees o, a standalone object the caller owns one reference of: in the
// background when WorthIt (and o is not shared with anyone), else now.
void FreeObject(object::Object* o);

// Frees a keyspace's two dicts in the background (Redis's emptyDbAsync):
// the expires dict first, since it borrows the keys of `dict`. The caller
// gives up both; `keys` is dict's size, for the pending count.
void FreeKeyspace(std::unique_ptr<ds::Dict> dict, std::unique_ptr<ds::Dict> expires);

// INFO: objects handed over and not freed yet (lazyfree_pending_objects),
// objects freed by the thread (lazyfreed_objects).
size_t PendingObjects();
uint64_t FreedObjects();
void ResetStats();  // lazyfreed_objects back to 0 (CONFIG RESETSTAT)

// Blocks until everything handed over so far is freed (tests, DEBUG,
// shutdown).
void Drain();

}  // namespace db::lazyfree
