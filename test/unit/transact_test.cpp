// Unit tests for src/client/transact: key identities, the TransactWriteItems body, cancellation
// reasons, the kept writes of a transaction (limits, one write per item, savepoints), and how
// a read merges them (DynamoDB's order of key values, KeptReadView).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "client/kept_read.hpp"
#include "client/transact.hpp"

namespace {

using dynamo::AttributeValue;
using dynamo::Item;
using dynamo::KeptWrites;
using dynamo::TableDescription;
using dynamo::TransactAction;
using dynamo::TransactKind;

TableDescription Table() {
    TableDescription d;
    d.name = "t";
    d.hash.name = "pk";
    d.has_range = true;
    d.range.name = "sk";
    d.range.type = dynamo::AttrType::N;
    return d;
}

KeptWrites::Entry Put(int level, const std::string &pk, const std::string &payload = "x") {
    KeptWrites::Entry e;
    e.level = level;
    e.table = "t";
    e.action.kind = TransactKind::Put;
    e.action.request.table = "t";
    e.action.request.item = Item{{"pk", AttributeValue::String(pk)},
                                 {"sk", AttributeValue::Number("1")},
                                 {"v", AttributeValue::String(payload)}};
    e.key_id = dynamo::KeyIdentity(Table(), e.action.request.item);
    e.partition_id = dynamo::PartitionIdentity(AttributeValue::String(pk));
    return e;
}

TEST(TransactTest, KeyIdentityComparesNumbersByValue) {
    TableDescription d = Table();
    Item a{{"pk", AttributeValue::String("a")}, {"sk", AttributeValue::Number("1.0")}};
    Item b{{"sk", AttributeValue::Number("1")}, {"pk", AttributeValue::String("a")}};
    Item c{{"pk", AttributeValue::String("a")}, {"sk", AttributeValue::Number("2")}};
    EXPECT_EQ(dynamo::KeyIdentity(d, a), dynamo::KeyIdentity(d, b));
    EXPECT_NE(dynamo::KeyIdentity(d, a), dynamo::KeyIdentity(d, c));
    // A string "1" is not the number 1; a key part missing gives no identity.
    Item s{{"pk", AttributeValue::String("a")}, {"sk", AttributeValue::String("1")}};
    EXPECT_NE(dynamo::KeyIdentity(d, a), dynamo::KeyIdentity(d, s));
    EXPECT_EQ(dynamo::KeyIdentity(d, Item{{"pk", AttributeValue::String("a")}}), "");
    // Values do not run together: ("ab", "c") is not ("a", "bc").
    TableDescription two = d;
    two.range.type = dynamo::AttrType::S;
    Item x{{"pk", AttributeValue::String("ab")}, {"sk", AttributeValue::String("c")}};
    Item y{{"pk", AttributeValue::String("a")}, {"sk", AttributeValue::String("bc")}};
    EXPECT_NE(dynamo::KeyIdentity(two, x), dynamo::KeyIdentity(two, y));
    EXPECT_EQ(dynamo::KeyOf(d, Put(1, "a").action.request.item).size(), 2u);
}

TEST(TransactTest, Body) {
    std::vector<TransactAction> actions(3);
    actions[0].kind = TransactKind::Put;
    actions[0].request.table = "t";
    actions[0].request.item = Item{{"pk", AttributeValue::String("a")}};
    actions[1].kind = TransactKind::Update;
    actions[1].request.table = "u";
    actions[1].request.item = Item{{"id", AttributeValue::Number("7")}};
    actions[1].request.update = "SET #n0 = :v0";
    actions[1].request.condition = "attribute_exists(#n1)";
    actions[1].request.names = {{"#n0", "v"}, {"#n1", "id"}};
    actions[1].request.values = {{":v0", AttributeValue::String("x")}};
    actions[2].kind = TransactKind::Delete;
    actions[2].request.table = "t";
    actions[2].request.item = Item{{"pk", AttributeValue::String("b")}};
    EXPECT_EQ(dynamo::TransactWriteItemsBody(actions, "tok"),
              "{\"TransactItems\":["
              "{\"Put\":{\"TableName\":\"t\",\"Item\":{\"pk\":{\"S\":\"a\"}}}},"
              "{\"Update\":{\"TableName\":\"u\",\"Key\":{\"id\":{\"N\":\"7\"}},"
              "\"UpdateExpression\":\"SET #n0 = :v0\","
              "\"ConditionExpression\":\"attribute_exists(#n1)\","
              "\"ExpressionAttributeNames\":{\"#n0\":\"v\",\"#n1\":\"id\"},"
              "\"ExpressionAttributeValues\":{\":v0\":{\"S\":\"x\"}}}},"
              "{\"Delete\":{\"TableName\":\"t\",\"Key\":{\"pk\":{\"S\":\"b\"}}}}],"
              "\"ClientRequestToken\":\"tok\"}");
}

TEST(TransactTest, CancellationReasons) {
    auto r = dynamo::CancellationReasons(
        "Transaction cancelled, please refer cancellation reasons for specific reasons "
        "[None, ConditionalCheckFailed]");
    ASSERT_EQ(r.size(), 2u);
    EXPECT_EQ(r[0], "None");
    EXPECT_EQ(r[1], "ConditionalCheckFailed");
    EXPECT_TRUE(dynamo::CancellationReasons("no list here").empty());
    EXPECT_TRUE(dynamo::CancellationReasons("empty []").empty());
}

TEST(TransactTest, Token) {
    std::string a = dynamo::NewClientRequestToken(), b = dynamo::NewClientRequestToken();
    EXPECT_EQ(a.size(), 36u);
    EXPECT_NE(a, b);
}

TEST(TransactTest, OperationsAndKinds) {
    TransactKind k;
    ASSERT_TRUE(dynamo::KindOfOperation("UpdateItem", k));
    EXPECT_EQ(k, TransactKind::Update);
    EXPECT_STREQ(dynamo::SingleOperation(k), "UpdateItem");
    EXPECT_FALSE(dynamo::KindOfOperation("BatchWriteItem", k));
}

KeptWrites::Entry Update(int level, const std::string &pk, const std::string &attr,
                         const std::string &value, const std::string &expected = "") {
    KeptWrites::Entry e = Put(level, pk);
    e.hash_name = "pk";
    e.action.kind = TransactKind::Update;
    e.action.request.item = dynamo::KeyOf(Table(), e.action.request.item);
    e.spec.set.emplace_back(attr, AttributeValue::String(value));
    if (!expected.empty())
        e.spec.expect.emplace_back(attr, AttributeValue::String(expected));
    dynamo::BuildUpdateSpec(e.spec, "pk", e.action.request);
    return e;
}

KeptWrites::Entry Delete(int level, const std::string &pk) {
    KeptWrites::Entry e = Put(level, pk);
    e.action.kind = TransactKind::Delete;
    e.action.request.item = dynamo::KeyOf(Table(), e.action.request.item);
    return e;
}

TEST(KeptWritesTest, OneActionPerItemAndTheActionLimit) {
    KeptWrites kept;
    EXPECT_EQ(kept.Keep(Put(1, "a")), KeptWrites::Outcome::Kept);
    EXPECT_EQ(kept.Keep(Put(1, "a", "y")), KeptWrites::Outcome::Kept);
    EXPECT_EQ(kept.size(), 1u);
    EXPECT_TRUE(kept.HasItem("t", Put(1, "a").key_id));
    EXPECT_TRUE(kept.HasPartition("t", Put(1, "a").partition_id));
    EXPECT_FALSE(kept.HasPartition("t", Put(1, "b").partition_id));
    EXPECT_TRUE(kept.TouchesTable("t"));
    EXPECT_FALSE(kept.TouchesTable("u"));
    for (int i = 1; i < 100; i++)
        EXPECT_EQ(kept.Keep(Put(1, "k" + std::to_string(i))), KeptWrites::Outcome::Kept);
    EXPECT_EQ(kept.size(), 100u);
    EXPECT_EQ(kept.Keep(Put(1, "one-more")), KeptWrites::Outcome::TooMany);
    // A second write of a kept item adds no action.
    EXPECT_EQ(kept.Keep(Put(1, "k5", "z")), KeptWrites::Outcome::Kept);
    EXPECT_EQ(kept.size(), 100u);
}

TEST(KeptWritesTest, MergeKeepsTheFirstCondition) {
    KeptWrites kept;
    // update, then update: one Update, the later SET wins, the first expectation stays
    ASSERT_EQ(kept.Keep(Update(1, "a", "v", "one", "old")), KeptWrites::Outcome::Kept);
    ASSERT_EQ(kept.Keep(Update(1, "a", "v", "two", "one")), KeptWrites::Outcome::Kept);
    const KeptWrites::Entry *e = kept.Find("t", Put(1, "a").key_id);
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(e->action.kind, TransactKind::Update);
    ASSERT_EQ(e->spec.set.size(), 1u);
    EXPECT_EQ(e->spec.set[0].second.str, "two");
    ASSERT_EQ(e->spec.expect.size(), 1u);
    EXPECT_EQ(e->spec.expect[0].second.str, "old");
    EXPECT_NE(e->action.request.condition.find("attribute_exists"), std::string::npos);
    // then delete: a Delete on the update's condition
    ASSERT_EQ(kept.Keep(Delete(1, "a")), KeptWrites::Outcome::Kept);
    e = kept.Find("t", Put(1, "a").key_id);
    EXPECT_EQ(e->action.kind, TransactKind::Delete);
    EXPECT_TRUE(e->action.request.update.empty());
    EXPECT_NE(e->action.request.condition.find("attribute_exists"), std::string::npos);
    bool has_old = false;
    for (const auto &v : e->action.request.values)
        has_old = has_old || v.second.str == "old";
    EXPECT_TRUE(has_old);
    // an update of a deleted item cannot be merged
    EXPECT_EQ(kept.Keep(Update(1, "a", "v", "x")), KeptWrites::Outcome::Unmergeable);
    // then put: a Put, still on the first condition
    ASSERT_EQ(kept.Keep(Put(1, "a", "again")), KeptWrites::Outcome::Kept);
    e = kept.Find("t", Put(1, "a").key_id);
    EXPECT_EQ(e->action.kind, TransactKind::Put);
    EXPECT_NE(e->action.request.condition.find("attribute_exists"), std::string::npos);
    EXPECT_EQ(kept.size(), 1u);
}

TEST(KeptWritesTest, MergeKeepsWhatTheLaterWriteReadFromDynamoDB) {
    KeptWrites kept;
    ASSERT_EQ(kept.Keep(Update(1, "a", "v", "one", "old")), KeptWrites::Outcome::Kept);
    // the later update read v (which the first wrote) and u (which came from DynamoDB)
    KeptWrites::Entry then = Update(1, "a", "w", "new");
    then.spec.expect.emplace_back("v", AttributeValue::String("one"));
    then.spec.expect.emplace_back("u", AttributeValue::String("as read"));
    ASSERT_EQ(kept.Keep(then), KeptWrites::Outcome::Kept);
    const KeptWrites::Entry *e = kept.Find("t", Put(1, "a").key_id);
    ASSERT_EQ(e->spec.expect.size(), 2u);
    EXPECT_EQ(e->spec.expect[0].first, "v");
    EXPECT_EQ(e->spec.expect[0].second.str, "old");
    EXPECT_EQ(e->spec.expect[1].first, "u");
    // a delete that read x from DynamoDB: its condition expects x too
    KeptWrites::Entry del = Delete(1, "a");
    del.spec.expect.emplace_back("x", AttributeValue::String("x as read"));
    ASSERT_EQ(kept.Keep(del), KeptWrites::Outcome::Kept);
    e = kept.Find("t", Put(1, "a").key_id);
    EXPECT_EQ(e->action.kind, TransactKind::Delete);
    std::string values;
    for (const auto &v : e->action.request.values)
        values += v.second.str + ";";
    EXPECT_NE(values.find("old;"), std::string::npos);
    EXPECT_NE(values.find("as read;"), std::string::npos);
    EXPECT_NE(values.find("x as read;"), std::string::npos);
}

TEST(KeptWritesTest, UpdateOfAPutIsAPut) {
    KeptWrites kept;
    KeptWrites::Entry p = Put(1, "a", "x");
    p.action.request.condition = "attribute_not_exists(#n0)";
    p.action.request.names = {{"#n0", "pk"}};
    ASSERT_EQ(kept.Keep(p), KeptWrites::Outcome::Kept);
    KeptWrites::Entry u = Update(1, "a", "w", "new");
    u.spec.remove.push_back("v");
    ASSERT_EQ(kept.Keep(u), KeptWrites::Outcome::Kept);
    const KeptWrites::Entry *e = kept.Find("t", p.key_id);
    EXPECT_EQ(e->action.kind, TransactKind::Put);
    EXPECT_EQ(e->action.request.condition, "attribute_not_exists(#n0)");
    EXPECT_TRUE(e->action.request.update.empty());
    EXPECT_EQ(dynamo::FindAttribute(e->action.request.item, "v"), nullptr);
    ASSERT_NE(dynamo::FindAttribute(e->action.request.item, "w"), nullptr);
    EXPECT_EQ(dynamo::FindAttribute(e->action.request.item, "w")->str, "new");
}

TEST(KeptWritesTest, Overlay) {
    Item item{{"pk", AttributeValue::String("a")}, {"v", AttributeValue::String("x")}};
    bool exists = true;
    KeptWrites::Entry u = Update(1, "a", "w", "new");
    u.spec.remove.push_back("v");
    dynamo::ApplyKept(TransactKind::Update, Item(), u.spec, item, exists);
    EXPECT_TRUE(exists);
    EXPECT_EQ(dynamo::FindAttribute(item, "v"), nullptr);
    EXPECT_EQ(dynamo::FindAttribute(item, "w")->str, "new");
    dynamo::ApplyKept(TransactKind::Delete, Item(), u.spec, item, exists);
    EXPECT_FALSE(exists);
    // an update of no item leaves no item
    dynamo::ApplyKept(TransactKind::Update, Item(), u.spec, item, exists);
    EXPECT_FALSE(exists);
    Item put{{"pk", AttributeValue::String("a")}};
    dynamo::ApplyKept(TransactKind::Put, put, u.spec, item, exists);
    EXPECT_TRUE(exists);
    EXPECT_EQ(item.size(), 1u);
}

TEST(KeptWritesTest, SavepointsReturnToTheEarlierWrite) {
    KeptWrites kept;
    ASSERT_EQ(kept.Keep(Put(1, "a", "one")), KeptWrites::Outcome::Kept);
    ASSERT_EQ(kept.Keep(Put(2, "a", "two")), KeptWrites::Outcome::Kept);
    EXPECT_EQ(kept.size(), 1u);
    EXPECT_EQ(kept.Find("t", Put(1, "a").key_id)->action.request.item[2].second.str, "two");
    kept.AbortLevel(2);
    EXPECT_EQ(kept.Find("t", Put(1, "a").key_id)->action.request.item[2].second.str, "one");
    ASSERT_EQ(kept.Keep(Put(2, "a", "three")), KeptWrites::Outcome::Kept);
    kept.CommitLevel(2);
    EXPECT_EQ(kept.Current().size(), 1u);
    EXPECT_EQ(kept.Find("t", Put(1, "a").key_id)->action.request.item[2].second.str, "three");
    kept.AbortLevel(2);  // nothing at level 2 any more
    EXPECT_EQ(kept.Find("t", Put(1, "a").key_id)->action.request.item[2].second.str, "three");
}

TEST(KeptWritesTest, SizeLimit) {
    KeptWrites kept;
    std::string big(300 * 1024, 'x');
    int kept_count = 0;
    KeptWrites::Outcome last = KeptWrites::Outcome::Kept;
    for (int i = 0; i < 20 && last == KeptWrites::Outcome::Kept; i++) {
        last = kept.Keep(Put(1, "k" + std::to_string(i), big));
        if (last == KeptWrites::Outcome::Kept)
            kept_count++;
    }
    EXPECT_EQ(last, KeptWrites::Outcome::TooLarge);
    EXPECT_EQ(kept_count, 13);  // 13 x 300 KB fit in 4 MB, 14 do not
    EXPECT_LE(kept.bytes(), dynamo::kTransactSizeLimit);
}

TEST(KeptWritesTest, Savepoints) {
    KeptWrites kept;
    kept.Keep(Put(1, "a"));
    kept.Keep(Put(2, "b"));
    kept.Keep(Put(3, "c"));
    // RELEASE of level 3: its write is level 2's; ROLLBACK TO level 2 drops both.
    kept.CommitLevel(3);
    EXPECT_EQ(kept.Find("t", Put(1, "c").key_id)->level, 2);
    kept.AbortLevel(2);
    ASSERT_EQ(kept.size(), 1u);
    EXPECT_EQ(kept.Current()[0]->key_id, Put(1, "a").key_id);
    size_t one = kept.bytes();
    EXPECT_GT(one, 0u);
    // The item dropped with its savepoint may be written again.
    EXPECT_EQ(kept.Keep(Put(2, "b")), KeptWrites::Outcome::Kept);
    kept.AbortLevel(2);
    EXPECT_EQ(kept.bytes(), one);
    kept.Clear();
    EXPECT_TRUE(kept.empty());
    EXPECT_EQ(kept.bytes(), 0u);
}

// --- reads merging kept writes (kept_read) ---

using dynamo::KeptReadView;

Item Row(const std::string &pk, const std::string &sk) {
    return Item{{"pk", AttributeValue::String(pk)}, {"sk", AttributeValue::Number(sk)}};
}

std::string SkOf(const Item *item) {
    return item == nullptr ? "-" : dynamo::FindAttribute(*item, "sk")->str;
}

TEST(KeptRead, KeyValuesCompareAsDynamoDBOrdersThem) {
    EXPECT_LT(dynamo::CompareKeyValues(AttributeValue::Number("9"), AttributeValue::Number("10")),
              0);
    EXPECT_EQ(dynamo::CompareKeyValues(AttributeValue::Number("1.0"), AttributeValue::Number("1")),
              0);
    EXPECT_GT(dynamo::CompareKeyValues(AttributeValue::Number("-1"), AttributeValue::Number("-2")),
              0);
    // Strings and binaries by bytes: "Z" before "a", and a byte above 0x7f after ASCII.
    EXPECT_LT(dynamo::CompareKeyValues(AttributeValue::String("Z"), AttributeValue::String("a")),
              0);
    EXPECT_GT(
        dynamo::CompareKeyValues(AttributeValue::String("\xc3\xa9"), AttributeValue::String("z")),
        0);
    EXPECT_LT(dynamo::CompareKeyValues(AttributeValue::Binary(std::string("\x01", 1)),
                                       AttributeValue::Binary(std::string("\xff", 1))),
              0);
    // Not a key type: after every key value.
    EXPECT_GT(dynamo::CompareKeyValues(AttributeValue::Bool(true), AttributeValue::Number("1")), 0);
}

TEST(KeptRead, WrittenItemsLeaveDynamoDBsAnswer) {
    TableDescription d = Table();
    KeptReadView v;
    v.Reset({dynamo::KeyIdentity(d, Row("a", "2")), dynamo::KeyIdentity(d, Row("b", "1"))}, {});
    std::vector<Item> page = {Row("a", "1"), Row("a", "2.0"), Row("b", "1"), Row("c", "1")};
    v.DropWritten(d, page);
    ASSERT_EQ(page.size(), 2u);
    EXPECT_EQ(SkOf(&page[0]), "1");
    EXPECT_EQ(dynamo::FindAttribute(page[1], "pk")->str, "c");
}

TEST(KeptRead, UnorderedItemsComeAtTheEnd) {
    KeptReadView v;
    v.Reset({"x"}, {Row("a", "5")});
    Item next = Row("a", "9");
    EXPECT_EQ(v.Before(&next), nullptr);
    EXPECT_EQ(SkOf(v.Before(nullptr)), "5");
    EXPECT_EQ(v.Before(nullptr), nullptr);
    v.Rewind();
    EXPECT_EQ(SkOf(v.Before(nullptr)), "5");
}

TEST(KeptRead, QueryOrderMergesForwardAndBackward) {
    for (bool forward : {true, false}) {
        KeptReadView v;
        v.Reset({"x", "y", "z"},
                {Row("a", "20"), Row("a", "3"), Item{{"pk", AttributeValue::String("a")}}});
        v.OrderBy("sk", forward);
        std::vector<Item> answer = forward ? std::vector<Item>{Row("a", "1"), Row("a", "10")}
                                           : std::vector<Item>{Row("a", "10"), Row("a", "1")};
        std::string order;
        for (size_t i = 0; i <= answer.size(); i++) {
            const Item *next = i < answer.size() ? &answer[i] : nullptr;
            while (const Item *mine = v.Before(next))
                order += "k" + SkOf(dynamo::FindAttribute(*mine, "sk") ? mine : nullptr) + " ";
            if (next != nullptr)
                order += SkOf(next) + " ";
        }
        if (forward)
            EXPECT_EQ(order, "1 k3 10 k20 k- ");
        else
            EXPECT_EQ(order, "k20 10 k3 1 k- ");
    }
}

}  // namespace
