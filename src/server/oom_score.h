// oom-score-adj: the server sets its own /proc/self/oom_score_adj (and its
// fork children's) so the kernel's OOM killer picks a BGSAVE child before
// a replica and a replica before the master, as Redis 7.0's
// setOOMScoreAdj does.
//
//   oom-score-adj no         leave the score alone (and restore the score
//                            found at start-up once we had changed it)
//   oom-score-adj yes|relative  the class's value added to that base score
//   oom-score-adj absolute   the class's value as it is
//   oom-score-adj-values <master> <replica> <bgchild>  (default 0 200 800)
//
// Results are clamped to the kernel's range, -1000..1000. Lowering a score
// below the process's current value needs CAP_SYS_RESOURCE; a failed write
// is logged and, for CONFIG SET, reported.
//
// Thread safety: main thread (and a fork child right after fork).
#pragma once

#include "common/status.h"

namespace server {

// Redis's CONFIG_OOM_* process classes: the index into oom-score-adj-values.
enum class OomClass { kMaster = 0, kReplica = 1, kBgChild = 2 };

// Writes the score of `cls` per the current config; without an argument,
// the server's own class (master, or replica once replication says so
// through SetOomServerClass). An error (logged) when /proc refuses.
common::Status SetOomScoreAdj(OomClass cls);
common::Status SetOomScoreAdj();
// The class the server itself runs as (replication sets kReplica while it
// follows a master) — also reapplies the score.
void SetOomServerClass(OomClass cls);

}  // namespace server
