// The stream type: Redis 7.0's streams (encoding "stream"), a ds::Stream
// whose Rax, consumer groups and PELs are DRAM metadata and whose entry
// listpacks are payloads placed by alloc/placement (NVM from
// tier-nvm-min-size under the static policy; the tiering engine moves them
// with the relocate op).
//
// The operations live in ds/stream.h (no clients, no replies); the command
// family (commands/stream_cmds.cc) parses, calls them and replies. This file
// creates stream objects and registers the type's ops: free, MEMORY USAGE
// per tier, a deep copy (COPY), and the payload ops of the tiering engine.
#pragma once

#include "ds/stream.h"
#include "object/object.h"

namespace object {

// A new empty stream (refcount 1).
Object* CreateStream();
// The stream of a stream object. REQUIRES: o is a stream.
inline ds::Stream* StreamOf(const Object* o) { return static_cast<ds::Stream*>(o->ptr); }
// stream-node-max-bytes / -entries in force.
ds::StreamNodeLimits StreamLimits();

}  // namespace object
