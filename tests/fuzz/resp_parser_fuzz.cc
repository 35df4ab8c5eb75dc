// Fuzz target: the RESP request parser (resp/parser.h), the first code that
// sees a client's bytes.
//
// Input: an 8-byte header, then the bytes a client sends.
//   header[0]  bit 0: unauthenticated client (Redis's tighter limits)
//              bit 1: small limits (inline_max 64..319 bytes, bulk max
//                     0..4095) so the "too big" and "invalid bulk length"
//                     paths are reachable by short inputs
//   header[1]  largest piece, as log2 (0: pieces of one byte)
//   header[2..3] the small limits' values when bit 1 is set
//   header[4..7] seed of the generator that picks the piece sizes
// The stream is parsed twice as Redis's ProcessInput drives the parser: once
// arriving whole, once in pieces (each piece appended to the query buffer,
// the parser called after every piece, consumed commands dropped from the
// front). Checked:
//   - both runs give the same commands and end the same way (same error
//     text, or the same unparsed tail). The one allowed difference is
//     documented in parser.h: a line still incomplete when more than
//     inline_max bytes of it are buffered is refused; arriving in pieces a
//     line can be incomplete and too long at a moment when, arriving whole,
//     it is complete. Then the pieces' commands must be a prefix of the
//     whole run's, and the error a "too big" one;
//   - every multibulk argument points inside the buffer given to Parse,
//     which is an exact-size heap copy, so ASan sees any read past its end;
//   - a command encoded back to RESP parses to the same arguments;
//   - the terminator search never rescans (bytes_scanned() <= bytes fed).
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_util.h"
#include "resp/parser.h"

namespace {

constexpr size_t kHeader = 8;

struct Outcome {
  std::vector<std::vector<std::string>> commands;
  resp::ParseStatus last = resp::ParseStatus::kNeedMore;
  std::string error;
  size_t tail = 0;  // unparsed bytes left when the stream ended (kNeedMore)
  bool operator==(const Outcome&) const = default;
};

bool IsTooBig(const std::string& e) {
  return e == resp::kErrTooBigInline || e == resp::kErrTooBigMbulkCount || e == resp::kErrTooBigBulkCount;
}

// Parses every complete command at the front of *qb, as ProcessInput does.
// Returns false once the parser reported an error (the connection closes).
bool Drain(resp::RequestParser* p, std::string* qb, Outcome* out) {
  for (;;) {
    if (qb->empty()) return true;
    // An exact-size copy: a read past len is a heap overflow for ASan.
    std::unique_ptr<char[]> buf(new char[qb->size()]);
    memcpy(buf.get(), qb->data(), qb->size());
    size_t len = qb->size(), consumed = 1234, hint = 1234;
    std::vector<std::string_view> args;
    std::string error;
    resp::ParseStatus st = p->Parse(buf.get(), len, &consumed, &args, &error, &hint);
    out->last = st;
    if (st == resp::ParseStatus::kError) {
      FUZZ_CHECK(!error.empty());
      out->error = error;
      return false;
    }
    if (st == resp::ParseStatus::kNeedMore) {
      FUZZ_CHECK(consumed == 0);
      FUZZ_CHECK(hint == 0 || hint > len);
      FUZZ_CHECK(p->PendingBulkBytesMissing(len) == (hint == 0 ? 0 : hint - len));
      return true;
    }
    FUZZ_CHECK(consumed > 0 && consumed <= len);
    FUZZ_CHECK(hint == 0);
    std::vector<std::string> cmd;
    for (std::string_view a : args) cmd.emplace_back(a);
    if (buf[0] == '*') {
      for (std::string_view a : args) FUZZ_CHECK(a.data() >= buf.get() && a.data() + a.size() <= buf.get() + consumed);
    }
    if (!cmd.empty()) out->commands.push_back(cmd);
    qb->erase(0, consumed);
  }
}

// A command encoded as a multibulk parses back to the same arguments.
void CheckRoundTrip(const std::vector<std::string>& cmd) {
  std::string enc = "*" + std::to_string(cmd.size()) + "\r\n";
  for (const std::string& a : cmd) enc += "$" + std::to_string(a.size()) + "\r\n" + a + "\r\n";
  resp::RequestParser p;
  size_t consumed = 0, hint = 0;
  std::vector<std::string_view> args;
  std::string error;
  FUZZ_CHECK(p.Parse(enc.data(), enc.size(), &consumed, &args, &error, &hint) == resp::ParseStatus::kCommand);
  FUZZ_CHECK(consumed == enc.size() && args.size() == cmd.size());
  for (size_t i = 0; i < args.size(); i++) FUZZ_CHECK(args[i] == cmd[i]);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < kHeader) return -1;
  const bool unauth = data[0] & 1;
  resp::ParserLimits limits;
  if (data[0] & 2) {
    limits.inline_max = 64 + data[2];
    limits.proto_max_bulk_len = static_cast<size_t>(data[3]) * 16;
  }
  const unsigned max_piece_log2 = data[1] % 13;
  uint32_t seed;
  memcpy(&seed, data + 4, 4);
  const std::string stream(reinterpret_cast<const char*>(data + kHeader), size - kHeader);

  auto make_parser = [&]() {
    auto p = std::make_unique<resp::RequestParser>();
    p->SetLimits(limits);
    p->SetAuthenticated(!unauth);
    return p;
  };

  Outcome whole;
  {
    auto p = make_parser();
    std::string qb = stream;
    Drain(p.get(), &qb, &whole);
    whole.tail = whole.last == resp::ParseStatus::kError ? 0 : qb.size();
    FUZZ_CHECK(p->bytes_scanned() <= stream.size());
  }

  Outcome pieces;
  {
    auto p = make_parser();
    fuzz::Rng rng(seed);
    std::string qb;
    bool open = true;
    for (size_t pos = 0; pos < stream.size() && open;) {
      size_t n = 1 + rng.Below(size_t{1} << max_piece_log2);
      if (n > stream.size() - pos) n = stream.size() - pos;
      qb.append(stream, pos, n);
      pos += n;
      open = Drain(p.get(), &qb, &pieces);
    }
    pieces.tail = pieces.last == resp::ParseStatus::kError ? 0 : qb.size();
    FUZZ_CHECK(p->bytes_scanned() <= stream.size());
  }

  if (!(pieces == whole)) {
    // The documented difference: a line refused as too long while it was
    // incomplete in pieces. What came before it is the same.
    FUZZ_CHECK(pieces.last == resp::ParseStatus::kError && IsTooBig(pieces.error));
    FUZZ_CHECK(pieces.commands.size() <= whole.commands.size());
    for (size_t i = 0; i < pieces.commands.size(); i++) FUZZ_CHECK(pieces.commands[i] == whole.commands[i]);
  }
  for (const auto& cmd : whole.commands) CheckRoundTrip(cmd);
  return 0;
}
