// Unit tests for src/client/write_ops: request bodies of PutItem, UpdateItem, DeleteItem and
// BatchWriteItem, conditional check failures, the retry of UnprocessedItems, the update
// expression builder and DynamoDB's item size. Run against the scripted in-process server.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "client/dynamodb_client.hpp"
#include "test_http_server.hpp"
#include "test_support.hpp"

namespace {

using dynamo::AttributeValue;
using dynamo::BatchWrite;
using dynamo::ClientConfig;
using dynamo::DynamoClient;
using dynamo::Error;
using dynamo::ErrorKind;
using dynamo::Item;
using dynamo::WriteRequest;
using testserver::ScriptedResponse;
using testserver::TestHttpServer;

class WriteOpsTest : public ::testing::Test {
  protected:
    ClientConfig Config() const { return testsupport::TestConfig(server_.url(), 4); }

    TestHttpServer server_;
};

Item Key(const std::string &pk) {
    return Item{{"pk", AttributeValue::String(pk)}};
}

TEST(WriteBodyTest, PutItemWithConditionDeclaresOnlyWhatItUses) {
    WriteRequest r;
    r.table = "t";
    r.item = Item{{"pk", AttributeValue::String("a")}, {"n", AttributeValue::Number("1.50")}};
    dynamo::BuildPutIfAbsent("pk", r);
    EXPECT_EQ(DynamoClient::PutItemBody(r),
              R"J({"TableName":"t","Item":{"pk":{"S":"a"},"n":{"N":"1.50"}},)J"
              R"J("ConditionExpression":"attribute_not_exists(#n0)",)J"
              R"J("ExpressionAttributeNames":{"#n0":"pk"}})J");
}

TEST(WriteBodyTest, UpdateExpressionPutsEveryNameAndValueBehindPlaceholders) {
    WriteRequest r;
    r.table = "t";
    r.item = Key("a");
    Item set{{"First Name", AttributeValue::String("Zoë")},
             {"size", AttributeValue::Number("2")},
             {"with\"quote", AttributeValue::String("Zoë")}};
    dynamo::BuildUpdate(set, {"status", "a.b"}, "pk", r);
    // Equal values share one placeholder; every declared placeholder appears in the text.
    EXPECT_EQ(r.update, "SET #n0 = :v0, #n1 = :v1, #n2 = :v0 REMOVE #n3, #n4");
    EXPECT_EQ(r.condition, "attribute_exists(#n5)");
    ASSERT_EQ(r.names.size(), 6u);
    EXPECT_EQ(r.names[0].second, "First Name");
    EXPECT_EQ(r.names[2].second, "with\"quote");
    EXPECT_EQ(r.names[4].second, "a.b");
    EXPECT_EQ(r.names[5].second, "pk");
    ASSERT_EQ(r.values.size(), 2u);
    for (const auto &n : r.names)
        EXPECT_NE((r.update + r.condition).find(n.first), std::string::npos) << n.first;
    for (const auto &v : r.values)
        EXPECT_NE(r.update.find(v.first), std::string::npos) << v.first;

    r.return_values = true;
    std::string body = DynamoClient::UpdateItemBody(r);
    EXPECT_NE(body.find(R"J("Key":{"pk":{"S":"a"}})J"), std::string::npos) << body;
    EXPECT_NE(body.find(R"J("ReturnValues":"ALL_NEW")J"), std::string::npos) << body;
    EXPECT_NE(body.find(R"J("#n2":"with\"quote")J"), std::string::npos) << body;
}

TEST(WriteBodyTest, RemoveOnly) {
    WriteRequest r;
    dynamo::BuildUpdate({}, {"x"}, "pk", r);
    EXPECT_EQ(r.update, "REMOVE #n0");
    EXPECT_EQ(r.condition, "attribute_exists(#n1)");
    EXPECT_TRUE(r.values.empty());
}

TEST(WriteBodyTest, BatchWriteItemMixesPutsAndDeletes) {
    std::vector<BatchWrite> writes(2);
    writes[0].item =
        Item{{"pk", AttributeValue::String("a")}, {"b", AttributeValue::Binary("\x01")}};
    writes[1].is_delete = true;
    writes[1].item = Key("b");
    EXPECT_EQ(
        DynamoClient::BatchWriteItemBody("t", writes),
        R"J({"RequestItems":{"t":[{"PutRequest":{"Item":{"pk":{"S":"a"},"b":{"B":"AQ=="}}}},)J"
        R"J({"DeleteRequest":{"Key":{"pk":{"S":"b"}}}}]}})J");
}

TEST_F(WriteOpsTest, ConditionalCheckFailureIsAnOutcomeNotAnError) {
    server_.Enqueue(ScriptedResponse::Reply(
        400, R"J({"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException",)J"
             R"J("message":"The conditional request failed"})J"));
    DynamoClient client(Config());
    WriteRequest r;
    r.table = "t";
    r.item = Key("a");
    dynamo::BuildPutIfAbsent("pk", r);
    bool failed = false;
    Error err = client.PutItem(r, failed, nullptr);
    EXPECT_TRUE(err.ok()) << err.message;
    EXPECT_TRUE(failed);
    EXPECT_EQ(server_.recorded()[0].Header("X-Amz-Target"), "DynamoDB_20120810.PutItem");
    EXPECT_EQ(client.stats().retries, 0);
}

TEST_F(WriteOpsTest, OtherErrorsStayErrors) {
    server_.Enqueue(ScriptedResponse::Reply(
        400, R"J({"__type":"com.amazon.coral.validate#ValidationException","message":"bad"})J"));
    DynamoClient client(Config());
    WriteRequest r;
    r.table = "t";
    r.item = Key("a");
    bool failed = false;
    Item returned;
    Error err = client.DeleteItem(r, failed, returned, nullptr);
    EXPECT_EQ(err.kind, ErrorKind::Service);
    EXPECT_EQ(err.type, "ValidationException");
    EXPECT_FALSE(failed);
}

TEST_F(WriteOpsTest, ReturnValuesAreParsed) {
    server_.Enqueue(ScriptedResponse::Reply(
        200, R"J({"Attributes":{"pk":{"S":"a"},"n":{"N":"2"},"tags":{"SS":["x"]}}})J"));
    server_.Enqueue(ScriptedResponse::Reply(200, "{}"));
    DynamoClient client(Config());
    WriteRequest r;
    r.table = "t";
    r.item = Key("a");
    r.return_values = true;
    bool failed = true;
    Item returned;
    Error err = client.UpdateItem(r, failed, returned, nullptr);
    ASSERT_TRUE(err.ok()) << err.message;
    EXPECT_FALSE(failed);
    ASSERT_EQ(returned.size(), 3u);
    EXPECT_TRUE(*dynamo::FindAttribute(returned, "n") == AttributeValue::Number("2"));
    // A DeleteItem of a key that has no item: no Attributes.
    err = client.DeleteItem(r, failed, returned, nullptr);
    ASSERT_TRUE(err.ok()) << err.message;
    EXPECT_TRUE(returned.empty());
    EXPECT_NE(server_.recorded()[1].body.find(R"J("ReturnValues":"ALL_OLD")J"), std::string::npos);
}

TEST_F(WriteOpsTest, UnprocessedItemsAreSentAgainUntilWritten) {
    server_.Enqueue(ScriptedResponse::Reply(
        200, R"J({"UnprocessedItems":{"t":[{"PutRequest":{"Item":{"pk":{"S":"b"}}}},)J"
             R"J({"DeleteRequest":{"Key":{"pk":{"S":"c"}}}}]}})J"));
    server_.Enqueue(ScriptedResponse::Reply(
        200, R"J({"UnprocessedItems":{"t":[{"DeleteRequest":{"Key":{"pk":{"S":"c"}}}}]}})J"));
    server_.Enqueue(ScriptedResponse::Reply(200, R"J({"UnprocessedItems":{}})J"));
    DynamoClient client(Config());
    std::vector<BatchWrite> writes(3);
    writes[0].item = Key("a");
    writes[1].item = Key("b");
    writes[2].is_delete = true;
    writes[2].item = Key("c");
    Error err = client.BatchWriteItem("t", writes, nullptr);
    ASSERT_TRUE(err.ok()) << err.message;
    EXPECT_TRUE(writes.empty());
    auto seen = server_.recorded();
    ASSERT_EQ(seen.size(), 3u);
    EXPECT_EQ(seen[1].body, R"J({"RequestItems":{"t":[{"PutRequest":{"Item":{"pk":{"S":"b"}}}},)J"
                            R"J({"DeleteRequest":{"Key":{"pk":{"S":"c"}}}}]}})J");
    EXPECT_EQ(seen[2].body,
              R"J({"RequestItems":{"t":[{"DeleteRequest":{"Key":{"pk":{"S":"c"}}}}]}})J");
    EXPECT_EQ(client.stats().requests.at("BatchWriteItem"), 3);
    EXPECT_EQ(client.stats().retries, 2);
}

TEST_F(WriteOpsTest, UnprocessedItemsThatOutlastTheRetriesAreReported) {
    server_.SetFallback(ScriptedResponse::Reply(
        200, R"J({"UnprocessedItems":{"t":[{"PutRequest":{"Item":{"pk":{"S":"b"}}}}]}})J"));
    DynamoClient client(Config());
    std::vector<BatchWrite> writes(2);
    writes[0].item = Key("a");
    writes[1].item = Key("b");
    Error err = client.BatchWriteItem("t", writes, nullptr);
    EXPECT_EQ(err.kind, ErrorKind::Budget);
    EXPECT_EQ(err.type, "UnprocessedItems");
    EXPECT_EQ(err.attempts, 4);
    ASSERT_EQ(writes.size(), 1u);
    EXPECT_TRUE(writes[0].item == Key("b"));
    EXPECT_EQ(server_.requests(), 4);
}

TEST_F(WriteOpsTest, ThrottledBatchIsRetriedByTheCallPolicy) {
    server_.Enqueue(ScriptedResponse::Reply(
        400,
        R"J({"__type":"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",)J"
        R"J("message":"slow down"})J"));
    server_.Enqueue(ScriptedResponse::Reply(200, "{}"));
    DynamoClient client(Config());
    std::vector<BatchWrite> writes(1);
    writes[0].item = Key("a");
    Error err = client.BatchWriteItem("t", writes, nullptr);
    ASSERT_TRUE(err.ok()) << err.message;
    EXPECT_TRUE(writes.empty());
    EXPECT_EQ(server_.requests(), 2);
}

TEST(ItemSizeTest, CountsNamesAndValuesAsDynamoDBDoes) {
    Item item{{"id", AttributeValue::String("abc")},       // 2 + 3
              {"n", AttributeValue::Number("-0012.500")},  // 1 + (3 digits + 1) / 2 + 1 = 3
              {"f", AttributeValue::Bool(true)},           // 1 + 1
              {"b", AttributeValue::Binary("xy")}};        // 1 + 2
    EXPECT_EQ(dynamo::ItemSize(item), 5u + 4u + 2u + 3u);
    AttributeValue m;
    m.type = dynamo::AttrType::M;
    m.map.emplace_back("k", AttributeValue::String("v"));  // 3 + 1 + 1 + 1
    AttributeValue l;
    l.type = dynamo::AttrType::L;
    l.list.push_back(AttributeValue::Null());  // 3 + 1 + 1
    AttributeValue ss;
    ss.type = dynamo::AttrType::SS;
    ss.set = {"ab", "c"};  // 3
    EXPECT_EQ(dynamo::ItemSize(Item{{"m", m}, {"l", l}, {"s", ss}}), 7u + 6u + 4u);
}

TEST(NumberKeyTest, EqualNumbersHaveEqualKeys) {
    EXPECT_EQ(dynamo::NumberKey("1"), dynamo::NumberKey("1.0"));
    EXPECT_EQ(dynamo::NumberKey("1"), dynamo::NumberKey("10E-1"));
    EXPECT_EQ(dynamo::NumberKey("0"), dynamo::NumberKey("-0.00"));
    EXPECT_EQ(dynamo::NumberKey("1500"), dynamo::NumberKey("1.5e3"));
    EXPECT_NE(dynamo::NumberKey("1"), dynamo::NumberKey("-1"));
    EXPECT_NE(dynamo::NumberKey("1"), dynamo::NumberKey("10"));
    EXPECT_NE(dynamo::NumberKey("0.1"), dynamo::NumberKey("0.01"));
}

}  // namespace

// Arithmetic DynamoDB computes, and the condition that it can: a number there (or, with a start,
// nothing); expected values as equalities, an expected NULL as absent or the NULL type.
TEST(WriteBodyTest, ArithmeticAndExpectedValues) {
    dynamo::UpdateSpec spec;
    spec.set.emplace_back("note", dynamo::AttributeValue::String("x"));
    dynamo::Arithmetic add;
    add.attr = "n";
    add.delta = dynamo::AttributeValue::Number("1");
    spec.arith.push_back(add);
    dynamo::Arithmetic sub;
    sub.attr = "m";
    sub.delta = dynamo::AttributeValue::Number("2");
    sub.subtract = true;
    sub.has_start = true;
    sub.start = dynamo::AttributeValue::Number("10");
    spec.arith.push_back(sub);
    dynamo::WriteRequest r;
    dynamo::BuildUpdateSpec(spec, "id", r);
    EXPECT_EQ(r.update, "SET #n0 = :v0, #n1 = #n1 + :v2, #n2 = if_not_exists(#n2, :v3) - :v4");
    EXPECT_EQ(r.condition,
              "attribute_exists(#n3) AND attribute_type(#n1, :v1) AND (attribute_not_exists(#n2) "
              "OR attribute_type(#n2, :v1))");
    EXPECT_EQ(r.values[1].second, dynamo::AttributeValue::String("N"));

    dynamo::UpdateSpec read;
    read.set.emplace_back("n", dynamo::AttributeValue::Number("5"));
    read.remove.push_back("m");
    read.expect.emplace_back("n", dynamo::AttributeValue::Number("4"));
    read.expect.emplace_back("m", dynamo::AttributeValue());
    dynamo::BuildUpdateSpec(read, "id", r);
    EXPECT_EQ(r.update, "SET #n0 = :v0 REMOVE #n1");
    EXPECT_EQ(r.condition,
              "attribute_exists(#n2) AND (#n0 = :v1) AND (attribute_not_exists(#n1) OR "
              "attribute_type(#n1, :v2))");
    // Every value declared is used (DynamoDB refuses unused placeholders).
    read.expect.pop_back();
    dynamo::BuildUpdateSpec(read, "id", r);
    EXPECT_EQ(r.values.size(), 2u);
}

// jsonb `l || '[...]'` and `'[...]' || l`: list_append, on the condition that l holds a list.
TEST(WriteBodyTest, ListAppendOnAList) {
    dynamo::UpdateSpec spec;
    dynamo::ListAppend tail;
    tail.attr = "l";
    tail.list = dynamo::AttributeValue::List({dynamo::AttributeValue::Number("1")});
    spec.appends.push_back(tail);
    dynamo::ListAppend head = tail;
    head.attr = "k";
    head.prepend = true;
    spec.appends.push_back(head);
    dynamo::WriteRequest r;
    dynamo::BuildUpdateSpec(spec, "id", r);
    EXPECT_EQ(r.update, "SET #n0 = list_append(#n0, :v1), #n1 = list_append(:v1, #n1)");
    EXPECT_EQ(r.condition,
              "attribute_exists(#n2) AND attribute_type(#n0, :v0) AND attribute_type(#n1, :v0)");
    EXPECT_EQ(r.values[0].second, dynamo::AttributeValue::String("L"));
    EXPECT_EQ(r.values[1].second, tail.list);
}

// A map, list or set read and expected: compared member by member (type, size, each member),
// nested documents too; a large one as a whole with `=`. The DeleteItem form carries the same.
TEST(WriteBodyTest, ExpectedDocumentsMemberByMember) {
    dynamo::AttributeValue doc;
    doc.type = dynamo::AttrType::M;
    doc.map.emplace_back("a b", dynamo::AttributeValue::Number("1"));
    doc.map.emplace_back("l", dynamo::AttributeValue::List(
                                  {dynamo::AttributeValue::String("x"), dynamo::AttributeValue()}));
    dynamo::AttributeValue tags;
    tags.type = dynamo::AttrType::SS;
    tags.set = {"p", "q"};
    std::vector<std::pair<std::string, dynamo::AttributeValue>> expect = {{"d", doc}, {"t", tags}};
    dynamo::WriteRequest r;
    dynamo::BuildExpectCondition("id", expect, r);
    EXPECT_EQ(r.condition,
              "attribute_exists(#n0) AND (attribute_type(#n1, :v0) AND size(#n1) = :v1 AND "
              "#n1.#n2 = :v2 AND attribute_type(#n1.#n3, :v3) AND size(#n1.#n3) = :v1 AND "
              "#n1.#n3[0] = :v4 AND attribute_type(#n1.#n3[1], :v5)) AND (attribute_type(#n4, "
              ":v6) AND size(#n4) = :v1 AND contains(#n4, :v7) AND contains(#n4, :v8))");
    std::map<std::string, std::string> names(r.names.begin(), r.names.end());
    EXPECT_EQ(names["#n2"], "a b");
    std::map<std::string, dynamo::AttributeValue> values(r.values.begin(), r.values.end());
    EXPECT_EQ(values[":v0"], dynamo::AttributeValue::String("M"));
    EXPECT_EQ(values[":v1"], dynamo::AttributeValue::Number("2"));
    EXPECT_EQ(values[":v3"], dynamo::AttributeValue::String("L"));
    EXPECT_EQ(values[":v5"], dynamo::AttributeValue::String("NULL"));
    EXPECT_EQ(values[":v8"], dynamo::AttributeValue::String("q"));
    EXPECT_TRUE(r.update.empty());

    dynamo::AttributeValue big;
    big.type = dynamo::AttrType::L;
    for (int i = 0; i < 100; i++)
        big.list.push_back(dynamo::AttributeValue::Number(std::to_string(i)));
    dynamo::BuildExpectCondition("id", {{"big", big}}, r);
    EXPECT_EQ(r.condition, "attribute_exists(#n0) AND (#n1 = :v0)");
    EXPECT_EQ(r.values[0].second, big);
}
