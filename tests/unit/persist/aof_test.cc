// AOF manifest syntax, file names, RESP encoding and the command reader.
#include "persist/aof.h"

#include <unistd.h>

#include <cstdio>
#include <string>

#include "gtest/gtest.h"
#include "persist/child_info.h"

namespace persist {
namespace {

TEST(AofManifest, ParsesAndFormatsRedisSyntax) {
  std::string text =
      "file appendonly.aof.2.base.rdb seq 2 type b\n"
      "# a comment\n"
      "file appendonly.aof.1.incr.aof seq 1 type h\n"
      "file appendonly.aof.2.incr.aof seq 2 type i\n"
      "file appendonly.aof.3.incr.aof seq 3 type i future-key x\n";
  auto m = ParseAofManifest(text);
  ASSERT_TRUE(m.ok()) << m.status().message();
  EXPECT_TRUE(m->has_base);
  EXPECT_EQ(m->base.name, "appendonly.aof.2.base.rdb");
  EXPECT_EQ(m->curr_base_seq, 2);
  EXPECT_EQ(m->curr_incr_seq, 3);
  ASSERT_EQ(m->incr.size(), 2u);
  ASSERT_EQ(m->history.size(), 1u);
  EXPECT_EQ(m->Format(),
            "file appendonly.aof.2.base.rdb seq 2 type b\n"
            "file appendonly.aof.1.incr.aof seq 1 type h\n"
            "file appendonly.aof.2.incr.aof seq 2 type i\n"
            "file appendonly.aof.3.incr.aof seq 3 type i\n");
  auto again = ParseAofManifest(m->Format());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->Format(), m->Format());
}

TEST(AofManifest, QuotedNames) {
  AofManifest m;
  m.has_base = true;
  m.base = {"my file\".aof", 1, AofFileType::kBase};
  std::string text = m.Format();
  EXPECT_EQ(text, "file \"my file\\\".aof\" seq 1 type b\n");
  auto back = ParseAofManifest(text);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->base.name, "my file\".aof");
}

TEST(AofManifest, RejectsMalformed) {
  for (const char* bad : {"", "# nothing\n", "file a seq 1\n", "file a seq 1 type x\n", "file a seq z type i\n",
                          "file a seq 1 type b\nfile b seq 2 type b\n", "file a seq 2 type i\nfile b seq 2 type i\n",
                          "file ../etc/x seq 1 type i\n", "file \"unterminated seq 1 type i\n"}) {
    EXPECT_FALSE(ParseAofManifest(bad).ok()) << bad;
  }
  EXPECT_FALSE(ParseAofManifest(std::string(2000, 'x') + "\n").ok());
}

TEST(AofNames, AsRedis) {
  EXPECT_EQ(AofBaseName("appendonly.aof", 3, true), "appendonly.aof.3.base.rdb");
  EXPECT_EQ(AofBaseName("appendonly.aof", 3, false), "appendonly.aof.3.base.aof");
  EXPECT_EQ(AofIncrName("appendonly.aof", 7), "appendonly.aof.7.incr.aof");
  EXPECT_EQ(AofManifestName("x.aof"), "x.aof.manifest");
  EXPECT_EQ(AofTempIncrName("x.aof"), "temp-x.aof.incr");
}

TEST(AofCommands, EncodeAndReadBack) {
  std::string buf;
  AppendRespCommand(&buf, {"SET", "k", std::string_view("a\r\nb\0c", 6)});
  buf += "#TS:1700000000\r\n";
  AppendRespCommand(&buf, {"SELECT", "3"});
  AofCommandReader r(buf);
  std::vector<std::string_view> argv;
  ASSERT_EQ(r.Next(&argv), AofCommandReader::Result::kCommand);
  EXPECT_EQ(argv, (std::vector<std::string_view>{"SET", "k", std::string_view("a\r\nb\0c", 6)}));
  ASSERT_EQ(r.Next(&argv), AofCommandReader::Result::kCommand);
  EXPECT_EQ(argv[0], "SELECT");
  EXPECT_EQ(r.Next(&argv), AofCommandReader::Result::kEnd);
  EXPECT_EQ(r.pos(), buf.size());
  // Every cut inside the last command is a truncation at its start.
  for (size_t cut = 1; cut < buf.size(); cut++) {
    AofCommandReader t(std::string_view(buf).substr(0, cut));
    AofCommandReader::Result res;
    while ((res = t.Next(&argv)) == AofCommandReader::Result::kCommand) {
    }
    EXPECT_TRUE(res == AofCommandReader::Result::kTruncated || res == AofCommandReader::Result::kEnd) << cut;
  }
  AofCommandReader bad("xyz\r\n");
  EXPECT_EQ(bad.Next(&argv), AofCommandReader::Result::kBadFormat);
  AofCommandReader bad2("*1\r\n$3\r\nabcd\r\n");
  EXPECT_EQ(bad2.Next(&argv), AofCommandReader::Result::kBadFormat);
}

TEST(ChildInfo, SmapsSplitByTier) {
  std::string smaps =
      "55c7000-55c8000 r-xp 00007000 fe:00 5333172   /usr/bin/x\n"
      "Size:                  4 kB\n"
      "Private_Dirty:         8 kB\n"
      "7e0000000000-7e0000100000 rw-p 00000000 00:00 0\n"
      "Private_Dirty:       100 kB\n"
      "AnonHugePages:         0 kB\n"
      "7f0000000000-7f0000100000 rw-p 00000000 00:00 0\n"
      "Private_Dirty:        16 kB\n"
      "VmFlags: rd wr mr mw me ac\n";
  CowBytes c = ParseSmapsPrivateDirty(smaps, 0x7e0000000000, 0x7f0000000000);
  EXPECT_EQ(c.total, 124u * 1024);
  EXPECT_EQ(c.nvm, 100u * 1024);
  EXPECT_EQ(c.dram, 24u * 1024);
  EXPECT_EQ(ParseSmapsPrivateDirty(smaps, 0, 0).nvm, 0u);
  CowBytes self = ReadPrivateDirty(0, 0);
  EXPECT_GT(self.total, 0u);  // a live process has dirty private pages
}

TEST(ChildInfo, SmapsReadInChunksSumsAsTheWholeText) {
  // Far more text than the 16 KiB read buffer, so lines straddle reads.
  std::string smaps;
  char line[128];
  for (int i = 0; i < 3000; i++) {
    uint64_t start = (i % 3 == 0 ? 0x7e0000000000ULL : 0x7f0000000000ULL) + uint64_t(i) * 0x100000;
    snprintf(line, sizeof(line), "%llx-%llx rw-p 00000000 00:00 0\n",
             static_cast<unsigned long long>(start), static_cast<unsigned long long>(start + 0x100000));
    smaps += line;
    snprintf(line, sizeof(line), "Rss:         %d kB\nPrivate_Dirty:   %d kB\nVmFlags: rd wr\n", i, i % 97);
    smaps += line;
  }
  ASSERT_GT(smaps.size(), 100000u);
  std::string path = testing::TempDir() + "smaps_chunks.txt";
  FILE* f = fopen(path.c_str(), "w");
  ASSERT_NE(f, nullptr);
  fwrite(smaps.data(), 1, smaps.size(), f);
  fclose(f);
  CowBytes want = ParseSmapsPrivateDirty(smaps, 0x7e0000000000, 0x7f0000000000);
  CowBytes got = ReadPrivateDirtyFrom(path.c_str(), 0x7e0000000000, 0x7f0000000000);
  EXPECT_GT(want.nvm, 0u);
  EXPECT_GT(want.dram, 0u);
  EXPECT_EQ(got.total, want.total);
  EXPECT_EQ(got.nvm, want.nvm);
  EXPECT_EQ(got.dram, want.dram);
  unlink(path.c_str());
  EXPECT_EQ(ReadPrivateDirtyFrom("/nonexistent/smaps", 0, 0).total, 0u);
}

TEST(AofManifest, RefusesAsRedisAndSaysWhere) {
  ManifestErrorLine where;
  auto blank = ParseAofManifest("# c\nfile a seq 1 type b\n  \t\nfile b seq 1 type i\n", &where);
  ASSERT_FALSE(blank.ok());
  EXPECT_EQ(blank.status().message(), "Invalid AOF manifest file format");
  EXPECT_TRUE(where.known);
  EXPECT_EQ(where.number, 3);
  EXPECT_EQ(where.text, "");
  where = {};
  auto unterminated = ParseAofManifest("file a seq 1 type b", &where);
  ASSERT_FALSE(unterminated.ok());
  EXPECT_EQ(unterminated.status().message(), "The AOF manifest file contains too long line");
  EXPECT_FALSE(where.known);
  auto path = ParseAofManifest("file ../a seq 1 type b\n", &where);
  ASSERT_FALSE(path.ok());
  EXPECT_EQ(path.status().message(), "File can't be a path, just a filename");
  EXPECT_EQ(where.text, "file ../a seq 1 type b");
  // Spaces around a line are trimmed; a comment needs no newline.
  auto ok = ParseAofManifest("  file a seq 1 type b  \n# last", &where);
  ASSERT_TRUE(ok.ok()) << ok.status().message();
  EXPECT_EQ(ok->base.name, "a");
}

}  // namespace
}  // namespace persist
