// Unit tests for src/client/catch_all: the members a catch-all value may hold, and what an UPDATE
// of the catch-all sets and removes.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "client/catch_all.hpp"

namespace {

using dynamo::AttributeValue;
using dynamo::CatchAllProblem;
using dynamo::Item;

AttributeValue Map(Item members) {
    AttributeValue v;
    v.type = dynamo::AttrType::M;
    v.map = std::move(members);
    return v;
}

bool IsColumn(const std::string &name) {
    return name == "id" || name == "n";
}

TEST(CatchAllTest, CheckAcceptsOtherAttributes) {
    std::string member;
    Item item{{"id", AttributeValue::String("a")}};
    AttributeValue v = Map({{"x", AttributeValue::Number("1")}, {"y", AttributeValue::Null()}});
    EXPECT_EQ(dynamo::CheckCatchAllMembers(v, IsColumn, &item, member), CatchAllProblem::None);
    EXPECT_EQ(dynamo::CheckCatchAllMembers(Map({}), IsColumn, nullptr, member),
              CatchAllProblem::None);
}

TEST(CatchAllTest, CheckNamesTheMemberAtFault) {
    std::string member;
    EXPECT_EQ(dynamo::CheckCatchAllMembers(AttributeValue::String("x"), IsColumn, nullptr, member),
              CatchAllProblem::NotObject);
    AttributeValue v =
        Map({{"x", AttributeValue::Number("1")}, {"n", AttributeValue::Number("2")}});
    EXPECT_EQ(dynamo::CheckCatchAllMembers(v, IsColumn, nullptr, member),
              CatchAllProblem::ColumnToo);
    EXPECT_EQ(member, "n");
    Item item{{"id", AttributeValue::String("a")}, {"x", AttributeValue::Number("1")}};
    AttributeValue w =
        Map({{"z", AttributeValue::Number("1")}, {"x", AttributeValue::Number("1")}});
    EXPECT_EQ(dynamo::CheckCatchAllMembers(w, IsColumn, &item, member), CatchAllProblem::Twice);
    EXPECT_EQ(member, "x");
    // Without an item (UPDATE), only the columns count.
    EXPECT_EQ(dynamo::CheckCatchAllMembers(w, IsColumn, nullptr, member), CatchAllProblem::None);
}

TEST(CatchAllTest, ChangesSetWhatDiffersAndRemoveWhatIsGone) {
    AttributeValue before = Map({{"a", AttributeValue::Number("1")},
                                 {"b", AttributeValue::String("x")},
                                 {"c", AttributeValue::Bool(true)}});
    AttributeValue now = Map({{"d", AttributeValue::Number("4")},
                              {"b", AttributeValue::String("y")},
                              {"a", AttributeValue::Number("1")}});
    Item set;
    std::vector<std::string> remove;
    dynamo::CatchAllChanges(before, now, set, remove);
    Item want{{"d", AttributeValue::Number("4")}, {"b", AttributeValue::String("y")}};
    EXPECT_EQ(set, want);
    EXPECT_EQ(remove, std::vector<std::string>{"c"});
}

TEST(CatchAllTest, ChangesAppendToWhatIsThere) {
    Item set{{"col", AttributeValue::Number("7")}};
    std::vector<std::string> remove{"other"};
    dynamo::CatchAllChanges(Map({{"a", AttributeValue::Number("1")}}),
                            Map({{"a", AttributeValue::Number("2")}}), set, remove);
    ASSERT_EQ(set.size(), 2u);
    EXPECT_EQ(set[1].first, "a");
    EXPECT_EQ(remove, std::vector<std::string>{"other"});
}

TEST(CatchAllTest, NullHasNoMembers) {
    AttributeValue before =
        Map({{"a", AttributeValue::Number("1")}, {"b", AttributeValue::Null()}});
    Item set;
    std::vector<std::string> remove;
    // Set to NULL: every old member goes.
    dynamo::CatchAllChanges(before, AttributeValue::Null(), set, remove);
    EXPECT_TRUE(set.empty());
    EXPECT_EQ(remove, (std::vector<std::string>{"a", "b"}));
    // From NULL: every new member is set.
    set.clear();
    remove.clear();
    dynamo::CatchAllChanges(AttributeValue::Null(), before, set, remove);
    EXPECT_EQ(set, before.map);
    EXPECT_TRUE(remove.empty());
    // Unchanged: nothing.
    set.clear();
    dynamo::CatchAllChanges(before, before, set, remove);
    EXPECT_TRUE(set.empty());
    EXPECT_TRUE(remove.empty());
}

}  // namespace
