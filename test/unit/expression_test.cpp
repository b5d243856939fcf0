#include "client/expression.hpp"
#include "client/json_codec.hpp"
#include "client/plan_format.hpp"
#include "client/read_plan.hpp"

#include <gtest/gtest.h>

using dynamo::AttributeValue;
using dynamo::CompareOp;
using dynamo::Condition;
using dynamo::Operand;

namespace {

Operand S(const char *s) {
    return Operand::Const(AttributeValue::String(s));
}
Operand N(const char *s) {
    return Operand::Const(AttributeValue::Number(s));
}

}  // namespace

TEST(Expression, RendersWithPlaceholdersDeclaredOnce) {
    Condition c =
        Condition::And({Condition::Compare("price", CompareOp::Gt, N("50")),
                        Condition::Or({Condition::Compare("name", CompareOp::Eq, S("x")),
                                       Condition::Compare("price", CompareOp::Lt, N("50"))}),
                        Condition::Not(Condition::TypeIs("name", dynamo::AttrType::NUL))});
    dynamo::Placeholders ph;
    std::string text = dynamo::Render(c, ph);
    EXPECT_EQ(text, "#n0 > :v0 AND (#n1 = :v1 OR #n0 < :v0) AND NOT attribute_type(#n1, :v2)");
    ASSERT_EQ(ph.names().size(), 2u);
    EXPECT_EQ(ph.names()[0].second, "price");
    EXPECT_EQ(ph.names()[1].second, "name");
    ASSERT_EQ(ph.values().size(), 3u);
    EXPECT_EQ(ph.values()[2].second, AttributeValue::String("NULL"));
}

TEST(Expression, AndOrSimplifyTrue) {
    EXPECT_TRUE(Condition::And({Condition::MakeTrue(), Condition::MakeTrue()}).IsTrue());
    EXPECT_TRUE(Condition::Or({Condition::Exists("a"), Condition::MakeTrue()}).IsTrue());
    Condition one = Condition::And({Condition::MakeTrue(), Condition::Exists("a")});
    EXPECT_EQ(one.kind, Condition::Kind::Exists);
    dynamo::Placeholders ph;
    EXPECT_EQ(dynamo::Render(Condition::MakeTrue(), ph), "");
    EXPECT_TRUE(ph.names().empty());
}

TEST(Expression, InlineRenderingQuotesOddNamesAndShowsValues) {
    Condition c = Condition::And(
        {Condition::Compare("Part Key", CompareOp::Eq, S("A \"1\"")),
         Condition::In("n", {N("1"), N("2.5")}), Condition::BeginsWith("sk", Operand::Param(1)),
         Condition::Compare("b", CompareOp::Eq,
                            Operand::Const(AttributeValue::Binary(std::string("\x00\xff", 2))))});
    EXPECT_EQ(dynamo::RenderInline(c),
              "\"Part Key\" = \"A \\\"1\\\"\" AND n IN (1, 2.5) AND begins_with(sk, $2) AND "
              "b = b\"AP8=\"");
}

TEST(Expression, InlineRenderingTellsSetsFromLists) {
    AttributeValue ss = AttributeValue();
    ss.type = dynamo::AttrType::SS;
    ss.set = {"a", "b \"c\""};
    AttributeValue ns = AttributeValue();
    ns.type = dynamo::AttrType::NS;
    ns.set = {"-1", "2.5"};
    AttributeValue bs = AttributeValue();
    bs.type = dynamo::AttrType::BS;
    bs.set = {std::string("\x00\xff", 2)};
    AttributeValue list = AttributeValue();
    list.type = dynamo::AttrType::L;
    list.list = {AttributeValue::String("a"), AttributeValue::Number("1"), AttributeValue()};
    EXPECT_EQ(dynamo::InlineOperand(Operand::Const(ss)), "<<\"a\", \"b \\\"c\\\"\">>");
    EXPECT_EQ(dynamo::InlineOperand(Operand::Const(ns)), "<<-1, 2.5>>");
    EXPECT_EQ(dynamo::InlineOperand(Operand::Const(bs)), "<<b\"AP8=\">>");
    EXPECT_EQ(dynamo::InlineOperand(Operand::Const(list)), "[\"a\",1,null]");
}

TEST(Expression, JsonRoundTrip) {
    Condition c =
        Condition::Or({Condition::Between("sk", N("1"), Operand::Param(0)),
                       Condition::Not(Condition::Contains("t", S("an"))), Condition::NotExists("x"),
                       Condition::TypeIs("y", dynamo::AttrType::SS)});
    std::string json = dynamo::ConditionToJson(c);
    Condition back = dynamo::ConditionFromJson(json);
    EXPECT_EQ(dynamo::ConditionToJson(back), json);
    EXPECT_EQ(dynamo::RenderInline(back), dynamo::RenderInline(c));
}

TEST(Expression, MalformedJsonIsRejected) {
    for (const char *bad :
         {"", "[]", "{\"k\":\"cmp\",\"a\":\"x\",\"op\":\"=\"}",
          "{\"k\":\"cmp\",\"a\":\"x\",\"op\":\"~\",\"v\":[{\"c\":{\"N\":\"1\"}}]}",
          "{\"k\":\"and\",\"c\":[]}", "{\"k\":\"not\"}", "{\"k\":\"nope\"}",
          "{\"k\":\"in\",\"a\":\"x\",\"v\":[]}", "{\"k\":\"exists\"}",
          "{\"k\":\"cmp\",\"a\":\"x\",\"op\":\"=\",\"v\":[{\"q\":1}]}"}) {
        EXPECT_THROW(dynamo::ConditionFromJson(bad), dynamo::JsonError) << bad;
    }
}

TEST(ReadPlan, QueryWithSeveralPartitionValuesAndParameters) {
    const std::string json =
        R"({"op":"Query","table":"orders","key":{"k":"and","c":[)"
        R"({"k":"cmp","a":"customer_id","op":"=","v":[{"c":{"S":"a"}}]},)"
        R"({"k":"cmp","a":"order_date","op":">=","v":[{"p":0}]}]},)"
        R"("partition":[{"c":{"S":"a"}},{"c":{"S":"b"}},{"c":{"S":"a"}}],)"
        R"("filter":{"k":"cmp","a":"amount","op":">","v":[{"c":{"N":"7"}}]},"projection":["order_id",{"a":"m","path":["a b","c"]}],"limit":5,"page_size":100})";
    dynamo::ReadPlan plan = dynamo::BuildReadPlan(json, {AttributeValue::String("2024")});
    EXPECT_EQ(plan.kind, dynamo::ReadPlan::Kind::Query);
    EXPECT_EQ(plan.request.key_condition, "#n0 = :v0 AND #n1 >= :v1");
    EXPECT_EQ(plan.request.filter, "#n2 > :v2");
    EXPECT_EQ(plan.request.projection, "#n3, #n4.#n5.#n6");
    EXPECT_EQ(plan.request.limit, 5);
    ASSERT_EQ(plan.partition_values.size(), 2u);  // duplicates sent once
    EXPECT_EQ(plan.partition_placeholder, ":v0");
    EXPECT_EQ(plan.request.values[1].second, AttributeValue::String("2024"));
}

// A plan is read once and kept, and every build takes its parameter values anew: the same plan
// built again (as each execution of a prepared statement or each outer row of a join does), and
// more plans than are kept, each give their own requests.
TEST(ReadPlan, RepeatedBuildsTakeTheirOwnParameterValues) {
    const std::string get = R"({"op":"GetItem","table":"t","keys":[{"id":{"p":0}}]})";
    const std::string query =
        R"({"op":"Query","table":"t","key":{"k":"cmp","a":"pk","op":"=","v":[{"p":1}]},)"
        R"("filter":{"k":"cmp","a":"n","op":">","v":[{"p":0}]}})";
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < 200; i++) {
            std::vector<AttributeValue> params = {AttributeValue::Number(std::to_string(i)),
                                                  AttributeValue::String("p" + std::to_string(i))};
            dynamo::ReadPlan g = dynamo::BuildReadPlan(get, params);
            ASSERT_EQ(g.keys.size(), 1u);
            ASSERT_EQ(g.keys[0][0].second, params[0]);
            dynamo::ReadPlan q = dynamo::BuildReadPlan(query, params);
            ASSERT_EQ(q.request.key_condition, "#n0 = :v0");
            ASSERT_EQ(q.request.values.size(), 2u);
            ASSERT_EQ(q.request.values[0].second, params[1]);
            ASSERT_EQ(q.request.values[1].second, params[0]);
            // A distinct plan each time (its table named by i), more than are kept.
            const std::string other = R"({"op":"Scan","table":"t)" + std::to_string(i) +
                                      R"(","limit":)" + std::to_string(i + 1) + "}";
            dynamo::ReadPlan s = dynamo::BuildReadPlan(other, {});
            ASSERT_EQ(s.request.table, "t" + std::to_string(i));
            ASSERT_EQ(s.request.limit, i + 1);
        }
    }
    // A malformed plan is refused every time, not only the first.
    EXPECT_THROW(dynamo::BuildReadPlan("{\"op\":\"Nope\"}", {}), dynamo::JsonError);
    EXPECT_THROW(dynamo::BuildReadPlan("{\"op\":\"Nope\"}", {}), dynamo::JsonError);
}

TEST(ReadPlan, BatchGetKeysAreDeduplicatedAndParametersChecked) {
    const std::string json =
        R"({"op":"BatchGetItem","table":"t","keys":[{"id":{"c":{"S":"x"}}},{"id":{"p":0}},{"id":{"c":{"S":"x"}}}]})";
    dynamo::ReadPlan plan = dynamo::BuildReadPlan(json, {AttributeValue::String("y")});
    EXPECT_EQ(plan.keys.size(), 2u);
    EXPECT_THROW(dynamo::BuildReadPlan(json, {}), dynamo::JsonError);
    auto lines = dynamo::DescribeReadPlan(json);
    ASSERT_GE(lines.size(), 3u);
    EXPECT_EQ(lines[0].second, "BatchGetItem");
    EXPECT_EQ(lines[2].first, "DynamoDB Keys");
    EXPECT_EQ(lines[2].second, "{id = \"x\"}, {id = $1}, {id = \"x\"}");
}

// NOT of a comparison, IN or BETWEEN is written with parentheses; NOT of a function needs none.
TEST(Expression, NotParenthesizesComparisons) {
    dynamo::Placeholders ph;
    std::string text = dynamo::Render(
        Condition::And({Condition::Not(Condition::Compare("b", CompareOp::Eq, N("1"))),
                        Condition::Not(Condition::In("c", {S("x"), S("y")})),
                        Condition::Not(Condition::Between("d", N("1"), N("2"))),
                        Condition::Not(Condition::Exists("e"))}),
        ph);
    EXPECT_EQ(text,
              "NOT (#n0 = :v0) AND NOT (#n1 IN (:v1, :v2)) AND NOT (#n2 BETWEEN :v0 AND :v3) AND "
              "NOT attribute_exists(#n3)");
}

// Key values that DynamoDB finds equal are sent once: "01" and "1.0" are the number 1.
TEST(ReadPlan, EqualNumberKeysAreSentOnce) {
    const std::string query =
        R"({"op":"Query","table":"t","key":{"k":"cmp","a":"pk","op":"=","v":[{"c":{"N":"01"}}]},)"
        R"("partition":[{"c":{"N":"01"}},{"c":{"N":"1"}},{"c":{"N":"1.0"}},{"c":{"N":"2"}}]})";
    dynamo::ReadPlan q = dynamo::BuildReadPlan(query, {});
    ASSERT_EQ(q.partition_values.size(), 2u);
    EXPECT_EQ(q.partition_values[1], AttributeValue::Number("2"));
    const std::string batch =
        R"({"op":"BatchGetItem","table":"t","keys":[{"id":{"c":{"N":"10"}}},{"id":{"c":{"N":"1E1"}}},{"id":{"c":{"N":"-10"}}}]})";
    EXPECT_EQ(dynamo::BuildReadPlan(batch, {}).keys.size(), 2u);
}

// A sort key range whose lower bound is above its upper bound matches nothing (DynamoDB would
// refuse it); bounds that are in order, or equal, are a range to read. Parameters count too.
TEST(ReadPlan, BetweenWithBoundsOutOfOrderReadsNothing) {
    auto plan = [](const char *lo, const char *hi, const char *type) {
        std::string json = std::string(R"({"op":"Query","table":"t","key":{"k":"and","c":[)") +
                           R"({"k":"cmp","a":"pk","op":"=","v":[{"c":{"S":"a"}}]},)" +
                           R"({"k":"between","a":"sk","v":[{"c":{")" + type + R"(":")" + lo +
                           R"("}},{"p":0}]}]}})";
        AttributeValue h;
        h.type = std::string(type) == "N" ? dynamo::AttrType::N : dynamo::AttrType::S;
        h.str = hi;
        return dynamo::BuildReadPlan(json, {h});
    };
    EXPECT_TRUE(plan("10", "9", "N").empty);
    EXPECT_FALSE(plan("9", "10", "N").empty);
    EXPECT_FALSE(plan("1.50", "1.5", "N").empty);
    EXPECT_TRUE(plan("-1", "-2", "N").empty);
    EXPECT_FALSE(plan("-2", "0.5", "N").empty);
    EXPECT_TRUE(plan("1e3", "999.99", "N").empty);
    EXPECT_TRUE(plan("b", "a", "S").empty);
    EXPECT_FALSE(plan("a", "b", "S").empty);
    EXPECT_TRUE(plan("ab", "", "S").empty);
}

// A document path renders each member name as a placeholder of its own and each list position
// as [n]; the JSON carries it as "path" and reads it back.
TEST(Expression, DocumentPaths) {
    Condition c = Condition::Compare("m", CompareOp::Eq, S("v"));
    c.path = {dynamo::PathStep::Key("a.b"), dynamo::PathStep::Key("m"), dynamo::PathStep::Index(2)};
    dynamo::Placeholders ph;
    EXPECT_EQ(dynamo::Render(c, ph), "#n0.#n1.#n0[2] = :v0");
    ASSERT_EQ(ph.names().size(), 2u);
    EXPECT_EQ(ph.names()[1].second, "a.b");
    EXPECT_EQ(dynamo::RenderInline(c), "m.\"a.b\".m[2] = \"v\"");
    std::string json = dynamo::ConditionToJson(c);
    EXPECT_EQ(json, R"({"k":"cmp","a":"m","path":["a.b","m",2],"op":"=","v":[{"c":{"S":"v"}}]})");
    Condition back = dynamo::ConditionFromJson(json);
    ASSERT_EQ(back.path.size(), 3u);
    EXPECT_EQ(back.path[0].key, "a.b");
    EXPECT_TRUE(back.path[2].is_index);
    EXPECT_EQ(back.path[2].index, 2);
    EXPECT_EQ(dynamo::ConditionToJson(back), json);
    EXPECT_THROW(dynamo::ConditionFromJson(R"({"k":"exists","a":"m","path":[-1]})"),
                 dynamo::JsonError);
    EXPECT_THROW(dynamo::ConditionFromJson(R"({"k":"exists","a":"m","path":[true]})"),
                 dynamo::JsonError);
}
