// Unit tests for src/client/write_batch: when a batch of writes is full, and how a second write of
// a key within one batch replaces the first (the later write wins, in the first one's place).
#include <gtest/gtest.h>

#include <string>

#include "client/write_batch.hpp"

namespace {

using dynamo::AttributeValue;
using dynamo::Item;
using dynamo::TableDescription;
using dynamo::WriteBatch;

TableDescription Table(bool with_range, dynamo::AttrType hash_type = dynamo::AttrType::S) {
    TableDescription d;
    d.hash.name = "pk";
    d.hash.type = hash_type;
    d.has_range = with_range;
    if (with_range) {
        d.range.name = "sk";
        d.range.type = dynamo::AttrType::N;
    }
    return d;
}

Item Row(const std::string &pk, const std::string &value) {
    return Item{{"pk", AttributeValue::String(pk)}, {"v", AttributeValue::String(value)}};
}

TEST(WriteBatchTest, FullAtTheLimit) {
    WriteBatch b;
    b.SetKey(Table(false));
    EXPECT_TRUE(b.empty());
    EXPECT_FALSE(b.Add(false, Row("a", "1"), 3));
    EXPECT_TRUE(b.single());
    EXPECT_FALSE(b.Add(false, Row("b", "1"), 3));
    EXPECT_FALSE(b.single());
    EXPECT_TRUE(b.Add(true, Row("c", "1"), 3));
    EXPECT_EQ(b.size(), 3u);
    b.Clear();
    EXPECT_TRUE(b.empty());
    // After Clear, a key seen before is new again.
    EXPECT_FALSE(b.Add(false, Row("a", "2"), 3));
    EXPECT_EQ(b.size(), 1u);
}

TEST(WriteBatchTest, LimitOfOneSendsEveryWrite) {
    WriteBatch b;
    b.SetKey(Table(false));
    EXPECT_TRUE(b.Add(false, Row("a", "1"), 1));
}

TEST(WriteBatchTest, LaterWriteOfAKeyWinsInItsPlace) {
    WriteBatch b;
    b.SetKey(Table(false));
    b.Add(false, Row("a", "1"), 25);
    b.Add(false, Row("b", "1"), 25);
    b.Add(false, Row("c", "1"), 25);
    EXPECT_FALSE(b.Add(false, Row("b", "2"), 4));  // still 3 writes: not full at 4
    ASSERT_EQ(b.size(), 3u);
    EXPECT_EQ(b.writes()[0].item, Row("a", "1"));
    EXPECT_EQ(b.writes()[1].item, Row("b", "2"));
    EXPECT_EQ(b.writes()[2].item, Row("c", "1"));
    // A delete after a put of the same key replaces it, and a put after the delete again.
    b.Add(true, Item{{"pk", AttributeValue::String("a")}}, 25);
    EXPECT_TRUE(b.writes()[0].is_delete);
    b.Add(false, Row("a", "3"), 25);
    EXPECT_FALSE(b.writes()[0].is_delete);
    EXPECT_EQ(b.writes()[0].item, Row("a", "3"));
    EXPECT_EQ(b.size(), 3u);
}

TEST(WriteBatchTest, NumbersAreOneKeyByValue) {
    WriteBatch b;
    b.SetKey(Table(false, dynamo::AttrType::N));
    Item one{{"pk", AttributeValue::Number("1")}};
    Item one_again{{"pk", AttributeValue::Number("1.0")}};
    Item ten_tenths{{"pk", AttributeValue::Number("10E-1")}};
    Item text_one{{"pk", AttributeValue::String("1")}};
    EXPECT_EQ(b.KeyId(one), b.KeyId(one_again));
    EXPECT_EQ(b.KeyId(one), b.KeyId(ten_tenths));
    EXPECT_NE(b.KeyId(one), b.KeyId(text_one));
    b.Add(true, one, 25);
    b.Add(true, ten_tenths, 25);
    EXPECT_EQ(b.size(), 1u);
    EXPECT_EQ(b.writes()[0].item, ten_tenths);
}

TEST(WriteBatchTest, SortKeyIsPartOfTheKey) {
    WriteBatch b;
    b.SetKey(Table(true));
    auto key = [](const std::string &pk, const std::string &sk) {
        return Item{{"pk", AttributeValue::String(pk)}, {"sk", AttributeValue::Number(sk)}};
    };
    b.Add(false, key("a", "1"), 25);
    b.Add(false, key("a", "2"), 25);
    b.Add(false, key("a", "1.00"), 25);
    EXPECT_EQ(b.size(), 2u);
    // Lengths keep ("ab", "c") and ("a", "bc") apart.
    EXPECT_NE(
        b.KeyId(Item{{"pk", AttributeValue::String("ab")}, {"sk", AttributeValue::Number("1")}}),
        b.KeyId(Item{{"pk", AttributeValue::String("a")}, {"sk", AttributeValue::Number("b1")}}));
}

TEST(WriteBatchTest, KeysTextNamesTheFirstKeys) {
    WriteBatch b;
    b.SetKey(Table(false));
    for (int i = 0; i < 12; i++)
        b.Add(false, Row("k" + std::to_string(i), "x"), 25);
    std::string text = b.KeysText(10);
    EXPECT_EQ(text.find("{\"pk\":\"k0\"}, {\"pk\":\"k1\"}"), 0u) << text;
    EXPECT_NE(text.find("{\"pk\":\"k9\"}, ..."), std::string::npos) << text;
    EXPECT_EQ(text.find("k10"), std::string::npos) << text;
    EXPECT_EQ(text.find("\"v\""), std::string::npos) << text;
    b.Clear();
    b.Add(false, Row("only", "x"), 25);
    EXPECT_EQ(b.KeysText(10), "{\"pk\":\"only\"}");
}

}  // namespace
