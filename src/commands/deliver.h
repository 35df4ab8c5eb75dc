// Delivery to other clients: pub/sub messages, keyspace notifications,
// tracking invalidations, MONITOR lines. This is the one way a command
// writes to a client other than the one it runs for.
//
// The frame is written with the target's own ReplyBuilder, so the target's
// protocol shapes it (RESP3 `>` push frames, RESP2 arrays), and then the
// server is told (State::delivered): it schedules the write and applies the
// target's output-buffer limit for its class at once, so a slow subscriber
// over its limit is closed, never left to grow.
//
// A target that is itself in the middle of building a reply (the running
// client inside EXEC, or with a deferred length pending) gets the frame in
// its pending_push buffer instead, appended after the reply when the
// command returns (FlushPendingPush), so a push never lands inside an
// aggregate. With after_reply, so does a target that is running a command
// at all: tracking invalidations of the keys a client changes itself follow
// its reply, as Redis's tracking_pending_keys (pub/sub messages to itself
// precede it, as in Redis). A client being closed gets nothing.
#pragma once

#include "commands/client.h"
#include "commands/state.h"
#include "resp/reply.h"

namespace commands {

// Calls write(builder) to append one frame for `target`.
template <typename F>
void Deliver(Client& target, F&& write, bool after_reply = false) {
  if (target.flags & (kClientCloseAsap | kClientCloseAfterReply)) return;
  if ((target.flags & kClientInExec) || target.reply.pending_deferred() > 0 ||
      (after_reply && (target.flags & kClientExecuting))) {
    resp::ReplyBuilder later(&target.pending_push);
    later.SetProtocol(target.reply.protocol());
    write(later);
    return;
  }
  write(target.reply);
  if (GetState().delivered != nullptr) GetState().delivered(target);
}

// Appends what Deliver kept for c while its reply was being built.
inline void FlushPendingPush(Client& c) {
  if (c.pending_push.empty()) return;
  c.reply.Raw(c.pending_push);
  c.pending_push.clear();
}

}  // namespace commands
