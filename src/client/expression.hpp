// Conditions DynamoDB evaluates (key conditions and filters), built by the planner from a WHERE
// clause, carried through the plan as JSON (written and read by client/plan_format.hpp), and
// rendered as DynamoDB expressions with #name and :value placeholders. Pure C++; never includes
// postgres.h.
#pragma once

#ifdef POSTGRES_H
#error "src/client must not see postgres.h"
#endif

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "client/attribute_value.hpp"

namespace dynamo {

// A value in a condition: known at plan time, or the n-th run-time parameter (a Postgres Param
// or an outer row's value in a join), converted to a DynamoDB value when the scan starts.
struct Operand {
    bool is_param = false;
    int param = 0;
    AttributeValue value;

    static Operand Const(AttributeValue v) {
        Operand o;
        o.value = std::move(v);
        return o;
    }
    static Operand Param(int index) {
        Operand o;
        o.is_param = true;
        o.param = index;
        return o;
    }
};

enum class CompareOp { Eq, Ne, Lt, Le, Gt, Ge };

// One step of a document path below a top-level attribute: a map member (`.key`) or a list
// element (`[index]`).
struct PathStep {
    bool is_index = false;
    std::string key;  // a map member's name
    int index = 0;    // a list element's position, from 0

    static PathStep Key(std::string k) {
        PathStep s;
        s.key = std::move(k);
        return s;
    }
    static PathStep Index(int i) {
        PathStep s;
        s.is_index = true;
        s.index = i;
        return s;
    }
    bool operator==(const PathStep &o) const {
        return is_index == o.is_index && key == o.key && index == o.index;
    }
};
// A document path: a top-level attribute and the steps below it (none: the attribute itself).
struct DocumentPath {
    std::string attr;
    std::vector<PathStep> path;

    DocumentPath() = default;
    DocumentPath(std::string a, std::vector<PathStep> p = {})
        : attr(std::move(a)), path(std::move(p)) {}
    DocumentPath(const char *a) : attr(a) {}
    bool operator==(const DocumentPath &o) const { return attr == o.attr && path == o.path; }
};
// "=", "<>", "<", "<=", ">", ">=": as DynamoDB's expressions and the condition JSON write them.
const char *CompareOpText(CompareOp op);

struct Condition {
    enum class Kind {
        True,        // no constraint
        Compare,     // attr op operands[0]
        Between,     // attr BETWEEN operands[0] AND operands[1]
        In,          // attr IN (operands...)
        BeginsWith,  // begins_with(attr, operands[0])
        Contains,    // contains(attr, operands[0])
        Exists,      // attribute_exists(attr)
        NotExists,   // attribute_not_exists(attr)
        TypeIs,      // attribute_type(attr, type)
        And,
        Or,
        Not,
    };
    Kind kind = Kind::True;
    CompareOp op = CompareOp::Eq;
    std::string attr;
    std::vector<PathStep> path;  // a document path below attr (m.x, l[0]); empty: attr itself
    std::vector<Operand> operands;
    AttrType type = AttrType::S;  // for TypeIs
    std::vector<Condition> children;

    bool IsTrue() const { return kind == Kind::True; }

    static Condition MakeTrue() { return Condition(); }
    static Condition Compare(std::string attr, CompareOp op, Operand v);
    static Condition Between(std::string attr, Operand lo, Operand hi);
    static Condition In(std::string attr, std::vector<Operand> values);
    static Condition BeginsWith(std::string attr, Operand prefix);
    static Condition Contains(std::string attr, Operand part);
    static Condition Exists(std::string attr);
    static Condition NotExists(std::string attr);
    static Condition TypeIs(std::string attr, AttrType type);
    // And/Or/Not simplify: True children vanish from And, make Or True; Not(True) is not
    // representable and must not be built.
    static Condition And(std::vector<Condition> children);
    static Condition Or(std::vector<Condition> children);
    static Condition Not(Condition child);
};

// Collects placeholders while rendering: every attribute name becomes #nK and every value :vK,
// declared once each; only placeholders that the rendered text uses are declared.
class Placeholders {
  public:
    // Resolves run-time parameters; only needed when a condition has parameters.
    std::function<const AttributeValue &(int)> param_value;

    std::string Name(const std::string &attr);
    std::string Value(const Operand &operand);
    // A value placeholder of its own (never shared with an equal value), so that its value can
    // be replaced later without touching other parts of the expression.
    std::string UniqueValue(const AttributeValue &value);

    const std::vector<std::pair<std::string, std::string>> &names() const { return names_; }
    const std::vector<std::pair<std::string, AttributeValue>> &values() const { return values_; }
    std::vector<std::pair<std::string, std::string>> &mutable_names() { return names_; }
    std::vector<std::pair<std::string, AttributeValue>> &mutable_values() { return values_; }

  private:
    std::vector<std::pair<std::string, std::string>> names_;
    std::vector<std::pair<std::string, AttributeValue>> values_;
};

// DynamoDB expression text for `c` (empty for True), declaring its placeholders in `ph`.
std::string Render(const Condition &c, Placeholders &ph);
// A ProjectionExpression for the attributes and document paths (empty list: empty text).
std::string RenderProjection(const std::vector<DocumentPath> &paths, Placeholders &ph);
// A document path: the attribute's placeholder followed by .#name and [index] steps.
std::string RenderPath(const std::string &attr, const std::vector<PathStep> &path,
                       Placeholders &ph);

// The same condition with names and values written inline, for EXPLAIN: names bare when they
// are plain identifiers and "quoted" otherwise, strings in double quotes, numbers as digits,
// binary as base64 in b"...", sets as <<member, ...>>, Lists and Maps as plain JSON, parameters
// as $n (1-based, in plan order).
std::string RenderInline(const Condition &c);
// One name or one operand written as RenderInline writes them.
std::string InlineName(const std::string &attr);
// A document path as RenderInline writes it: m.x, l[0], "a b"."c.d".
std::string InlinePath(const std::string &attr, const std::vector<PathStep> &path);
std::string InlineOperand(const Operand &o);

// The deepest nesting of parentheses in an expression text written by Render (placeholders
// hold no parentheses).
int ExpressionDepth(const std::string &text);

// Attribute names a condition refers to.
void ConditionAttributes(const Condition &c, std::vector<std::string> &out);

}  // namespace dynamo
