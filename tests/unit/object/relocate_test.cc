// object::Relocate, the tiering engine's one way to move a value: every
// encoding moves its payload to NVM and back with contents, encoding and
// the structures that share a payload (a skiplist member is the node's and
// the dict's) intact. Runs under ASan in `make asan`, which catches a
// pointer left at a freed block. alloc::Init (logical mode) is done by the
// environment in object_test.cc, which this binary shares.
#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "object/hash_type.h"
#include "object/list_type.h"
#include "object/object.h"
#include "object/set_type.h"
#include "object/zset_type.h"

namespace object {
namespace {

using alloc::Tier;

// Everything a client could read of the value, in a canonical order.
std::vector<std::string> Contents(const Object* o) {
  std::vector<std::string> out;
  switch (o->GetType()) {
    case Type::kString: {
      char buf[32];
      out.emplace_back(StringView(o, buf));
      break;
    }
    case Type::kList: {
      std::string v;
      for (long i = 0; ListIndex(o, i, &v); i++) out.push_back(v);
      return out;  // order matters
    }
    case Type::kHash: {
      HashIterator it(o);
      while (it.Next()) out.push_back(std::string(it.Field()) + "=" + std::string(it.Value()));
      break;
    }
    case Type::kSet: {
      SetIterator it(o);
      SetMember m;
      char buf[32];
      while (it.Next(&m)) out.emplace_back(m.View(buf));
      break;
    }
    case Type::kZset: {
      auto emit = [&](std::string_view m, double s) { out.push_back(std::string(m) + "@" + std::to_string(s)); };
      ZsetForEach(o, emit);
      return out;  // in score order
    }
    default: break;
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Moves o to NVM and back, checking at each step that all of its payload is
// where it was sent and that nothing a reader sees changed.
void RoundTrip(Object* o) {
  const std::vector<std::string> before = Contents(o);
  const Encoding enc = o->GetEncoding();
  ASSERT_GT(PayloadBytes(o, 0).total(), 0u);
  for (Tier to : {Tier::kNvm, Tier::kDram, Tier::kNvm}) {
    const TierBytes was = PayloadBytes(o, 0);
    const size_t moved = Relocate(o, to);
    const TierBytes now = PayloadBytes(o, 0);
    // What moved is what was on the other tier: the same bytes, counted in
    // the target tier's size classes (ASan's DRAM malloc has none, so the
    // counts match only without it).
    const size_t off = to == Tier::kNvm ? was.dram : was.nvm;
    EXPECT_EQ(moved > 0, off > 0);
    EXPECT_EQ(moved, to == Tier::kNvm ? now.nvm - was.nvm : now.dram - was.dram);
    EXPECT_EQ(to == Tier::kNvm ? now.dram : now.nvm, 0u) << "payload left behind";
    EXPECT_EQ(PayloadTier(o), to);
    EXPECT_EQ(o->GetEncoding(), enc);
    EXPECT_EQ(Contents(o), before);
    EXPECT_EQ(Relocate(o, to), 0u) << "a second move to the same tier moves nothing";
  }
}

class RelocateTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { InitTypes(); }
};

std::string Member(int i, size_t len) {
  std::string s = "m" + std::to_string(i);
  s.resize(std::max(len, s.size()), 'x');
  return s;
}

TEST_F(RelocateTest, RawString) {
  Object* o = CreateString(std::string(300, 'v'));
  ASSERT_EQ(o->GetEncoding(), Encoding::kRaw);
  RoundTrip(o);
  DecrRef(o);
}

TEST_F(RelocateTest, ValuesWithoutPayloadStay) {
  Object* i = CreateStringEncoded("12345");
  Object* e = CreateStringEncoded("short");
  for (Object* o : {i, e}) {
    EXPECT_EQ(PayloadBytes(o, 0).total(), 0u);
    EXPECT_EQ(Relocate(o, Tier::kNvm), 0u);
    EXPECT_EQ(PayloadTier(o), Tier::kDram);
    DecrRef(o);
  }
}

TEST_F(RelocateTest, QuicklistEveryNode) {
  Object* o = CreateList();
  for (int i = 0; i < 2000; i++) ListPush(o, Member(i, 40), ListEnd::kTail);
  ASSERT_GT(ListQl(o)->len(), 1u);
  RoundTrip(o);
  // Still a working list after the moves.
  ListPush(o, "head", ListEnd::kHead);
  std::string v;
  ASSERT_TRUE(ListPop(o, ListEnd::kTail, &v));
  EXPECT_EQ(v, Member(1999, 40));
  ASSERT_TRUE(ListIndex(o, 0, &v));
  EXPECT_EQ(v, "head");
  DecrRef(o);
}

TEST_F(RelocateTest, HashListpackAndHashtable) {
  Object* lp = CreateHash();
  for (int i = 0; i < 20; i++) HashSet(lp, Member(i, 8), Member(i * 7, 12));
  ASSERT_EQ(lp->GetEncoding(), Encoding::kListpack);
  RoundTrip(lp);
  DecrRef(lp);

  Object* ht = CreateHashtableHash(0);
  for (int i = 0; i < 500; i++) HashSet(ht, Member(i, 30), Member(i * 3, 70));
  ASSERT_EQ(ht->GetEncoding(), Encoding::kHashtable);
  RoundTrip(ht);
  // The dict still finds every field by its bytes.
  char buf[kHashIntBufSize];
  std::string_view v;
  for (int i = 0; i < 500; i++) {
    ASSERT_TRUE(HashGet(ht, Member(i, 30), buf, &v)) << i;
    EXPECT_EQ(v, Member(i * 3, 70));
  }
  EXPECT_TRUE(HashDelete(ht, Member(7, 30)));
  EXPECT_TRUE(HashVerify(ht));
  DecrRef(ht);
}

TEST_F(RelocateTest, SetIntsetAndHashtable) {
  Object* is = CreateIntsetObject();
  for (int i = 0; i < 300; i++) SetTypeAddInt(is, i * 1000003LL);
  ASSERT_EQ(is->GetEncoding(), Encoding::kIntset);
  RoundTrip(is);
  EXPECT_TRUE(SetTypeIsMemberInt(is, 299 * 1000003LL));
  DecrRef(is);

  Object* ht = CreateSetObject();
  for (int i = 0; i < 600; i++) SetTypeAdd(ht, Member(i, 25));
  RoundTrip(ht);
  for (int i = 0; i < 600; i++) ASSERT_TRUE(SetTypeIsMember(ht, Member(i, 25))) << i;
  EXPECT_TRUE(SetTypeRemove(ht, Member(3, 25)));
  SetTypeVerify(ht);
  DecrRef(ht);
}

TEST_F(RelocateTest, ZsetListpackAndSkiplistShareMembers) {
  int flags = 0;
  double ns = 0;
  Object* lp = ZsetCreateListpack();
  for (int i = 0; i < 50; i++) ZsetAdd(lp, i * 0.5, Member(i, 10), 0, &flags, &ns);
  ASSERT_EQ(lp->GetEncoding(), Encoding::kListpack);
  RoundTrip(lp);
  DecrRef(lp);

  Object* sl = ZsetCreateSkiplist();
  for (int i = 0; i < 800; i++) ZsetAdd(sl, (i % 97) * 1.25, Member(i, 33), 0, &flags, &ns);
  ASSERT_EQ(sl->GetEncoding(), Encoding::kSkiplist);
  RoundTrip(sl);
  // ZsetVerify checks that each node's member is its dict entry's key.
  EXPECT_TRUE(ZsetVerify(sl));
  double score = 0;
  ASSERT_TRUE(ZsetScore(sl, Member(500, 33), &score));
  EXPECT_EQ(score, (500 % 97) * 1.25);
  EXPECT_TRUE(ZsetDel(sl, Member(500, 33)));
  EXPECT_TRUE(ZsetAdd(sl, 1.0, Member(5000, 33), 0, &flags, &ns));
  EXPECT_TRUE(ZsetVerify(sl));
  DecrRef(sl);
}

}  // namespace
}  // namespace object
