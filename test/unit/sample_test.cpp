#include "client/sample.hpp"

#include <gtest/gtest.h>

using dynamo::AttributeValue;
using dynamo::AttrType;
using dynamo::Item;

// An attribute becomes a typed column only when it holds one type in every item that has it
// (the NULL type aside); numbers say whether they were all whole and within bigint.
TEST(AttributeSampler, OneTypeThroughoutTheSample) {
    dynamo::AttributeSampler s;
    s.Add(Item{{"id", AttributeValue::String("a")},
               {"age", AttributeValue::Number("30")},
               {"score", AttributeValue::Number("2.5")},
               {"mixed", AttributeValue::String("x")},
               {"nul", AttributeValue::Null()}});
    s.Add(Item{{"id", AttributeValue::String("b")},
               {"age", AttributeValue::Number("9223372036854775807")},
               {"score", AttributeValue::Number("3")},
               {"mixed", AttributeValue::Number("1")},
               {"flag", AttributeValue::Bool(false)},
               {"big", AttributeValue::Number("9223372036854775808")}});
    std::vector<dynamo::SampledAttribute> got = s.Consistent();
    ASSERT_EQ(got.size(), 5u);  // age big flag id score, by name
    EXPECT_EQ(got[0].name, "age");
    EXPECT_EQ(got[0].type, AttrType::N);
    EXPECT_TRUE(got[0].whole);
    EXPECT_EQ(got[1].name, "big");
    EXPECT_FALSE(got[1].whole);
    EXPECT_EQ(got[2].name, "flag");
    EXPECT_EQ(got[2].type, AttrType::BOOL);
    EXPECT_EQ(got[3].name, "id");
    EXPECT_EQ(got[3].type, AttrType::S);
    EXPECT_EQ(got[4].name, "score");
    EXPECT_FALSE(got[4].whole);
    EXPECT_EQ(s.items(), 2);
    EXPECT_EQ(s.mixed(), 1);
}
