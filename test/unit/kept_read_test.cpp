// Unit tests for src/client/kept_read: DynamoDB's order of key values, and how a Scan's or
// Query's answer and a transaction's kept items are merged.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "client/kept_read.hpp"
#include "client/transact.hpp"

namespace {

using dynamo::AttributeValue;
using dynamo::Item;
using dynamo::KeptReadView;

dynamo::TableDescription Table() {
    dynamo::TableDescription d;
    d.name = "t";
    d.hash.name = "pk";
    d.has_range = true;
    d.range.name = "sk";
    d.range.type = dynamo::AttrType::N;
    return d;
}

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
    dynamo::TableDescription d = Table();
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
