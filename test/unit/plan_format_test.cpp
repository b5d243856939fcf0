// The plan format (client/plan_format.hpp): the condition builders the planner uses, the
// condition and plan writers and readers, and their round trips.
#include "client/plan_format.hpp"
#include "client/json_codec.hpp"
#include "client/read_plan.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

using dynamo::AttributeValue;
using dynamo::AttrType;
using dynamo::CompareOp;
using dynamo::Condition;
using dynamo::Operand;
using dynamo::ReadPlan;
using dynamo::ReadPlanSpec;
namespace cj = dynamo::condition_json;

namespace {

std::string S(const char *s) {
    return cj::ConstOperand(AttributeValue::String(s));
}
std::string N(const char *s) {
    return cj::ConstOperand(AttributeValue::Number(s));
}

}  // namespace

// The exact text, which the planner and the reader agree on.
TEST(PlanFormat, BuildersWriteTheDocumentedForm) {
    EXPECT_EQ(S("a\"b"), R"({"c":{"S":"a\"b"}})");
    EXPECT_EQ(N("01"), R"({"c":{"N":"01"}})");
    EXPECT_EQ(cj::ConstOperand(AttributeValue::Binary(std::string("\x00\xff", 2))),
              R"({"c":{"B":"AP8="}})");
    EXPECT_EQ(cj::ConstOperand(AttributeValue::Bool(false)), R"({"c":{"BOOL":false}})");
    EXPECT_EQ(cj::ParamOperand(3), R"({"p":3})");
    EXPECT_EQ(cj::Compare("a b", CompareOp::Le, N("1")),
              R"({"k":"cmp","a":"a b","op":"<=","v":[{"c":{"N":"1"}}]})");
    EXPECT_EQ(cj::Between("sk", N("1"), cj::ParamOperand(0)),
              R"({"k":"between","a":"sk","v":[{"c":{"N":"1"}},{"p":0}]})");
    EXPECT_EQ(cj::In("x", {S("a"), S("b")}),
              R"({"k":"in","a":"x","v":[{"c":{"S":"a"}},{"c":{"S":"b"}}]})");
    EXPECT_EQ(cj::BeginsWith("x", S("p")), R"({"k":"begins_with","a":"x","v":[{"c":{"S":"p"}}]})");
    EXPECT_EQ(cj::Contains("x", S("p")), R"({"k":"contains","a":"x","v":[{"c":{"S":"p"}}]})");
    EXPECT_EQ(cj::Exists("x"), R"({"k":"exists","a":"x"})");
    EXPECT_EQ(cj::NotExists("x"), R"({"k":"not_exists","a":"x"})");
    EXPECT_EQ(cj::TypeIs("x", AttrType::NUL), R"({"k":"type","a":"x","t":"NULL"})");
    EXPECT_EQ(cj::Not(cj::Exists("x")), R"({"k":"not","c":[{"k":"exists","a":"x"}]})");
    EXPECT_EQ(cj::Quote("a\"\\\n"), R"("a\"\\\n")");
}

// Every builder's text reads back as the Condition it describes, and ConditionToJson writes that
// Condition as the same text: one writer.
TEST(PlanFormat, BuildersAndConditionToJsonAgree) {
    struct Case {
        std::string built;
        Condition expected;
    };
    const Operand one = Operand::Const(AttributeValue::Number("1"));
    const Operand p = Operand::Param(2);
    Condition in = Condition::In("i", {Operand::Const(AttributeValue::String("a")), p});
    std::vector<Case> cases = {
        {cj::Compare("c", CompareOp::Ne, N("1")), Condition::Compare("c", CompareOp::Ne, one)},
        {cj::Between("b", N("1"), cj::ParamOperand(2)), Condition::Between("b", one, p)},
        {cj::In("i", {S("a"), cj::ParamOperand(2)}), in},
        {cj::BeginsWith("s", N("1")), Condition::BeginsWith("s", one)},
        {cj::Contains("s", cj::ParamOperand(2)), Condition::Contains("s", p)},
        {cj::Exists("e"), Condition::Exists("e")},
        {cj::NotExists("e"), Condition::NotExists("e")},
        {cj::TypeIs("t", AttrType::SS), Condition::TypeIs("t", AttrType::SS)},
        {cj::Not(cj::Exists("e")), Condition::Not(Condition::Exists("e"))},
    };
    // AND and OR of these, nested: not flattened.
    std::vector<std::string> texts;
    std::vector<Condition> conds;
    for (const Case &c : cases) {
        texts.push_back(c.built);
        conds.push_back(c.expected);
    }
    Condition and_all;
    and_all.kind = Condition::Kind::And;
    and_all.children = conds;
    Condition nested;
    nested.kind = Condition::Kind::Or;
    nested.children = {and_all, cases[0].expected};
    cases.push_back({cj::And(texts), and_all});
    cases.push_back({cj::Or({cj::And(texts), texts[0]}), nested});

    for (const Case &c : cases) {
        Condition back = dynamo::ConditionFromJson(c.built);
        EXPECT_EQ(dynamo::RenderInline(back), dynamo::RenderInline(c.expected)) << c.built;
        EXPECT_EQ(dynamo::ConditionToJson(c.expected), c.built);
        EXPECT_EQ(dynamo::ConditionToJson(back), c.built);
    }
}

// Empty text is TRUE: it vanishes from an AND and absorbs an OR; one part is itself.
TEST(PlanFormat, AndOrOfTextsSimplifyTrue) {
    std::string a = cj::Exists("a"), b = cj::Exists("b");
    EXPECT_EQ(cj::And({}), "");
    EXPECT_EQ(cj::And({"", ""}), "");
    EXPECT_EQ(cj::And({"", a, ""}), a);
    EXPECT_EQ(cj::And({a, "", b}),
              R"({"k":"and","c":[{"k":"exists","a":"a"},{"k":"exists","a":"b"}]})");
    EXPECT_EQ(cj::Or({a}), a);
    EXPECT_EQ(cj::Or({a, ""}), "");
    EXPECT_EQ(cj::Or({a, b}), R"({"k":"or","c":[{"k":"exists","a":"a"},{"k":"exists","a":"b"}]})");
    EXPECT_THROW(cj::Or({}), std::invalid_argument);
    // Nested ANDs stay nested, as the planner wrote them.
    EXPECT_EQ(dynamo::ConditionFromJson(cj::And({cj::And({a, b}), a})).children.size(), 2u);
}

TEST(PlanFormat, OperandRoundTrip) {
    for (const Operand &o : {Operand::Param(7), Operand::Const(AttributeValue::String("x")),
                             Operand::Const(AttributeValue::Binary("\x01")),
                             Operand::Const(AttributeValue::Bool(true))}) {
        std::string json = dynamo::OperandToJson(o);
        Operand back = dynamo::OperandFromJson(json);
        EXPECT_EQ(back.is_param, o.is_param);
        EXPECT_EQ(back.param, o.param);
        EXPECT_EQ(back.value, o.value);
        EXPECT_EQ(dynamo::OperandToJson(back), json);
    }
    EXPECT_THROW(dynamo::OperandFromJson("{\"q\":1}"), dynamo::JsonError);
    EXPECT_THROW(dynamo::OperandFromJson("nope"), dynamo::JsonError);
}

namespace {

ReadPlanSpec QuerySpec() {
    ReadPlanSpec s;
    s.op = ReadPlan::Kind::Query;
    s.table = "orders";
    s.index = "by date";
    s.key = Condition::And(
        {Condition::Compare("customer", CompareOp::Eq, Operand::Const(AttributeValue::String("a"))),
         Condition::Between("date", Operand::Param(0), Operand::Param(1))});
    s.partition = {Operand::Const(AttributeValue::String("a")),
                   Operand::Const(AttributeValue::String("b"))};
    s.filter = Condition::Not(Condition::TypeIs("amount", AttrType::NUL));
    s.has_projection = true;
    s.projection = {
        "order id", "amount",
        dynamo::DocumentPath("m", {dynamo::PathStep::Key("x.y"), dynamo::PathStep::Key("z")})};
    s.forward = false;
    s.limit = 10;
    s.page_size = 100;
    s.consistent = true;
    return s;
}

ReadPlanSpec BatchSpec() {
    ReadPlanSpec s;
    s.op = ReadPlan::Kind::BatchGetItem;
    s.table = "t";
    s.keys = {{{"pk", Operand::Const(AttributeValue::Number("1"))}, {"sk", Operand::Param(0)}},
              {{"pk", Operand::Const(AttributeValue::Number("2"))}, {"sk", Operand::Param(0)}}};
    return s;
}

void ExpectSameSpec(const ReadPlanSpec &a, const ReadPlanSpec &b) {
    EXPECT_EQ(a.op, b.op);
    EXPECT_EQ(a.table, b.table);
    EXPECT_EQ(a.index, b.index);
    EXPECT_EQ(dynamo::ConditionToJson(a.key), dynamo::ConditionToJson(b.key));
    ASSERT_EQ(a.partition.size(), b.partition.size());
    for (size_t i = 0; i < a.partition.size(); i++)
        EXPECT_EQ(dynamo::OperandToJson(a.partition[i]), dynamo::OperandToJson(b.partition[i]));
    ASSERT_EQ(a.keys.size(), b.keys.size());
    for (size_t k = 0; k < a.keys.size(); k++) {
        ASSERT_EQ(a.keys[k].size(), b.keys[k].size());
        for (size_t i = 0; i < a.keys[k].size(); i++) {
            EXPECT_EQ(a.keys[k][i].first, b.keys[k][i].first);
            EXPECT_EQ(dynamo::OperandToJson(a.keys[k][i].second),
                      dynamo::OperandToJson(b.keys[k][i].second));
        }
    }
    EXPECT_EQ(dynamo::ConditionToJson(a.filter), dynamo::ConditionToJson(b.filter));
    EXPECT_EQ(a.has_projection, b.has_projection);
    EXPECT_EQ(a.projection, b.projection);
    EXPECT_EQ(a.forward, b.forward);
    EXPECT_EQ(a.limit, b.limit);
    EXPECT_EQ(a.page_size, b.page_size);
    EXPECT_EQ(a.segments, b.segments);
    EXPECT_EQ(a.consistent, b.consistent);
    EXPECT_EQ(a.count, b.count);
}

}  // namespace

// Fields in the documented order; defaults left out.
TEST(PlanFormat, WritesThePlanInTheDocumentedOrder) {
    EXPECT_EQ(dynamo::WritePlanJson(QuerySpec()),
              R"({"op":"Query","table":"orders","index":"by date",)"
              R"("partition":[{"c":{"S":"a"}},{"c":{"S":"b"}}],)"
              R"("key":{"k":"and","c":[{"k":"cmp","a":"customer","op":"=","v":[{"c":{"S":"a"}}]},)"
              R"({"k":"between","a":"date","v":[{"p":0},{"p":1}]}]},)"
              R"("filter":{"k":"not","c":[{"k":"type","a":"amount","t":"NULL"}]},)"
              R"("projection":["order id","amount",{"a":"m","path":["x.y","z"]}],)"
              R"("forward":false,"limit":10,"page_size":100,)"
              R"("consistent":true})");
    EXPECT_EQ(dynamo::WritePlanJson(BatchSpec()),
              R"({"op":"BatchGetItem","table":"t","keys":[{"pk":{"c":{"N":"1"}},"sk":{"p":0}},)"
              R"({"pk":{"c":{"N":"2"}},"sk":{"p":0}}]})");
    ReadPlanSpec scan;
    scan.table = "t";
    EXPECT_EQ(dynamo::WritePlanJson(scan), R"({"op":"Scan","table":"t"})");
    scan.segments = 4;
    scan.count = true;
    scan.has_projection = true;  // an empty projection is still written
    EXPECT_EQ(dynamo::WritePlanJson(scan),
              R"({"op":"Scan","table":"t","projection":[],"segments":4,"count":true})");
}

TEST(PlanFormat, PlanRoundTrip) {
    ReadPlanSpec get;
    get.op = ReadPlan::Kind::GetItem;
    get.table = "t";
    get.keys = {{{"id", Operand::Param(0)}}};
    ReadPlanSpec scan;
    scan.table = "t \"quoted\"";
    scan.index = "gsi";
    scan.filter = Condition::Or({Condition::Exists("a"), Condition::NotExists("b")});
    scan.segments = 8;
    scan.count = true;
    for (const ReadPlanSpec &spec : {QuerySpec(), BatchSpec(), get, scan}) {
        std::string json = dynamo::WritePlanJson(spec);
        ReadPlanSpec back = dynamo::ParsePlanJson(json);
        ExpectSameSpec(back, spec);
        EXPECT_EQ(dynamo::WritePlanJson(back), json);
        // The JSON and the spec run and explain the same.
        std::vector<AttributeValue> params = {AttributeValue::Number("1"),
                                              AttributeValue::Number("2")};
        EXPECT_EQ(dynamo::FirstRequestBody(dynamo::BuildReadPlan(json, params)),
                  dynamo::FirstRequestBody(dynamo::BuildReadPlan(spec, params)));
        EXPECT_EQ(dynamo::DescribeReadPlan(json), dynamo::DescribeReadPlan(spec));
    }
}

// A plan that the planner's pieces make: conditions built as texts, read back into the spec.
TEST(PlanFormat, PlanFromBuiltPieces) {
    ReadPlanSpec spec;
    spec.op = ReadPlan::Kind::Query;
    spec.table = "t";
    spec.key = dynamo::ConditionFromJson(cj::And(
        {cj::Compare("pk", CompareOp::Eq, cj::ParamOperand(0)), cj::BeginsWith("sk", S("2024-"))}));
    spec.filter = dynamo::ConditionFromJson(
        cj::And({cj::Or({cj::NotExists("n"), cj::TypeIs("n", AttrType::NUL)}), ""}));
    ReadPlan plan = dynamo::BuildReadPlan(spec, {AttributeValue::String("p")});
    EXPECT_EQ(plan.request.key_condition, "#n0 = :v0 AND begins_with(#n1, :v1)");
    EXPECT_EQ(plan.request.filter, "attribute_not_exists(#n2) OR attribute_type(#n2, :v2)");
    auto lines = dynamo::DescribeReadPlan(spec);
    ASSERT_EQ(lines.size(), 4u);
    EXPECT_EQ(lines[2].first, "DynamoDB Key Condition");
    EXPECT_EQ(lines[2].second, "pk = $1 AND begins_with(sk, \"2024-\")");
    EXPECT_EQ(lines[3].second, "attribute_not_exists(n) OR attribute_type(n, \"NULL\")");
}

TEST(PlanFormat, DescribesEveryField) {
    ReadPlanSpec spec = QuerySpec();
    spec.count = true;
    auto lines = dynamo::DescribeReadPlan(spec);
    std::vector<std::pair<std::string, std::string>> expected = {
        {"DynamoDB Operation", "Query (Select COUNT)"},
        {"DynamoDB Table", "orders"},
        {"DynamoDB Index", "by date"},
        {"DynamoDB Partition Values", "\"a\", \"b\""},
        {"DynamoDB Key Condition", "customer = \"a\" AND date BETWEEN $1 AND $2"},
        {"DynamoDB Filter", "NOT attribute_type(amount, \"NULL\")"},
        {"DynamoDB Projection", "\"order id\", amount, m.\"x.y\".z"},
        {"DynamoDB Scan Direction", "Backward"},
        {"DynamoDB Limit", "10"},
        {"DynamoDB Consistent Read", "true"},
    };
    EXPECT_EQ(lines, expected);
}

TEST(PlanFormat, MalformedPlansAreRejected) {
    for (const char *bad : {
             "",
             "[]",
             "nope",
             R"({"op":"Update","table":"t"})",
             R"({"op":"Scan","table":"t","projection":[1]})",
             R"({"op":"Scan","table":"t","projection":[{"path":["x"]}]})",
             R"({"op":"Scan","table":"t","projection":[{"a":"m","path":[true]}]})",
             R"({"op":"GetItem","table":"t","keys":[1]})",
             R"({"op":"GetItem","table":"t","keys":[{"id":{"x":1}}]})",
             R"({"op":"Scan","table":"t","filter":{"k":"cmp","a":"x"}})",
             R"({"op":"Query","table":"t","key":{"k":"cmp","a":"x","op":"=","v":[{"p":0}]},)"
             R"("partition":[{"c":{"Q":"1"}}]})",
         }) {
        EXPECT_THROW(dynamo::ParsePlanJson(bad), dynamo::JsonError) << bad;
    }
    // Well formed but not runnable: a Query must start with the partition key equality.
    const std::string no_equality =
        R"({"op":"Query","table":"t","key":{"k":"cmp","a":"x","op":"<","v":[{"p":0}]}})";
    EXPECT_NO_THROW(dynamo::ParsePlanJson(no_equality));
    EXPECT_THROW(dynamo::BuildReadPlan(no_equality, {AttributeValue::String("a")}),
                 dynamo::JsonError);
}
