// LZF compression in liblzf's stream format, which RDB files use for long
// strings: what we write decompresses in Redis and what Redis writes
// decompresses here. Our own implementation of the format:
//
//   000LLLLL                      literal run: the next L+1 bytes (1..32)
//   LLLooooo oooooooo             back-reference, L in 1..6
//   111ooooo LLLLLLLL oooooooo    back-reference with length 7+L
//
// A back-reference copies len+2 bytes (3..264) starting (o+1) bytes back in
// the output (o is 13 bits: up to 8192 back); it may overlap the bytes it
// produces, which repeats a short pattern. There is no header: the caller
// stores both lengths (RDB does).
#pragma once

#include <cstddef>
#include <cstdint>

namespace common {

// Compresses in_len bytes into out. Returns the compressed size, or 0 when it
// would not fit in out_len bytes (the caller then stores the data plain) or
// when in_len is 0. Never writes past out + out_len.
size_t LzfCompress(const void* in, size_t in_len, void* out, size_t out_len);

// Decompresses in_len bytes of LZF stream into out. Returns the decompressed
// size, or 0 when the stream is corrupt (a reference before the start of the
// output, a truncated token) or would exceed out_len. Never reads or writes
// out of bounds, whatever the input.
size_t LzfDecompress(const void* in, size_t in_len, void* out, size_t out_len);

// The size LzfDecompress would produce for this stream, found by walking
// its tokens without writing anything: 0 when the stream is corrupt (the
// same cases LzfDecompress refuses) or empty. O(in_len), no allocation, so
// a reader can check a stored length against the real one before it
// allocates room for the output (a claimed length alone is no proof: an
// RDB string claiming 88 times its compressed size must not cost that
// much memory unless its bytes really expand to it).
size_t LzfDecompressedSize(const void* in, size_t in_len);

// Tests only: the base the calling thread's next LzfCompress uses for its
// table entries (normally it grows by each input's size, and the table is
// cleared when it would pass 2^32), so the wrap-around can be tested
// without compressing 4 GiB.
void LzfSetNextBaseForTest(uint64_t base);

}  // namespace common
