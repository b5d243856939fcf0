// The read plan's format: how the planner's description of a read, and the conditions in it,
// are written as JSON into the Postgres plan (a String node, so that plans copy and serialize)
// and read back when the scan starts and for EXPLAIN. This module is the one writer and the one
// reader of that JSON; everything else goes through it:
// - the planner (src/fdw/deparse.cpp, scan_plan.cpp) builds condition JSON with the
//   condition_json builders below, one short RunCpp scope each, and writes the whole plan with
//   WritePlanJson;
// - the scan (BuildReadPlan) and EXPLAIN (DescribeReadPlan) read it with ParsePlanJson;
// - ConditionFromJson reads a condition alone (direct UPDATE/DELETE, modify.cpp, carries the
//   planner's condition JSON to its ConditionExpression), and ConditionToJson writes a Condition
//   through the same builders the planner uses.
//
// Condition JSON:
//   {"k": kind,                  true cmp between in begins_with contains exists not_exists
//                                type and or not
//    "a": "attr"?,               every kind but true, and, or, not
//    "path": ["key" | index, ...]?  a document path below attr: map members and list elements
//    "op": "=" | "<>" | "<" | "<=" | ">" | ">="?,   cmp
//    "t": "S" | "N" | ...?,      type (attribute_type)
//    "v": [<operand>, ...]?,     cmp, begins_with, contains: 1; between: 2; in: 1 or more
//    "c": [<condition>, ...]?}   and, or: 1 or more; not: 1
// Operand JSON: {"c": <value in DynamoDB's typed form>} (a constant) or {"p": n} (the n-th
// run-time parameter, from 0).
//
// Plan JSON, keys in this order, each left out when it has its default:
//   {"op": "Scan" | "Query" | "GetItem" | "BatchGetItem",
//    "table": "...", "index": "..."?,
//    "partition": [<operand>, ...]?, Query on several partition key values: the value of the
//                                    key condition's first (equality) operand is replaced by each
//    "key": <condition>?,            Query: partition key equality [AND sort key condition]
//    "keys": [{"attr": <operand>, ...}, ...]?,   GetItem / BatchGetItem full keys
//    "filter": <condition>?,
//    "projection": ["attr" | {"a": "attr", "path": ["key" | index, ...]}, ...]?,
//                                    top-level attributes and document paths below them
//    "forward": false?, "limit": n?, "page_size": n?, "segments": n?, "consistent": true?,
//    "count": true?}
#pragma once

#ifdef POSTGRES_H
#error "src/client must not see postgres.h"
#endif

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "client/expression.hpp"
#include "client/read_cursor.hpp"

namespace dynamo {

// --- conditions ---

std::string ConditionToJson(const Condition &c);
// Throws JsonError on malformed input (unknown kinds, missing attributes, wrong operand counts).
Condition ConditionFromJson(const std::string &json);
std::string OperandToJson(const Operand &o);
Operand OperandFromJson(const std::string &json);  // throws JsonError

// Condition JSON built from JSON pieces, for callers that hold conditions as text only (the
// planner, which keeps no C++ object across Postgres calls). Operands and children are texts
// these functions wrote; they are copied in as they are. ConditionToJson writes every node with
// the same code, so a text built here is exactly ConditionToJson(ConditionFromJson(text)).
namespace condition_json {

// The attribute a leaf refers to: a top-level name, and optionally a document path below it as
// the JSON array PathJson wrote (map members as strings, list elements as numbers).
struct Ref {
    std::string_view name;
    std::string_view path;  // empty: the attribute itself

    Ref(std::string_view n, std::string_view p = {}) : name(n), path(p) {}
    Ref(const char *n) : name(n) {}
    Ref(const std::string &n) : name(n) {}
};
std::string PathJson(const std::vector<PathStep> &steps);  // "" for no steps

std::string ConstOperand(const AttributeValue &value);  // {"c": value}
std::string ParamOperand(int index);                    // {"p": index}

std::string Compare(const Ref &attr, CompareOp op, std::string_view operand);
std::string Between(const Ref &attr, std::string_view lo, std::string_view hi);
std::string In(const Ref &attr, const std::vector<std::string> &operands);
// begins_with and contains take an operand; exists and not_exists none.
std::string BeginsWith(const Ref &attr, std::string_view operand);
std::string Contains(const Ref &attr, std::string_view operand);
std::string Exists(const Ref &attr);
std::string NotExists(const Ref &attr);
std::string TypeIs(const Ref &attr, AttrType type);  // attribute_type(attr, type)
std::string Not(std::string_view child);
// AND and OR where an empty text stands for TRUE (no constraint): TRUE parts vanish from an AND
// and make an OR TRUE; a single part is returned as it is; an AND of nothing is TRUE. OR of no
// parts (FALSE) cannot be written and throws std::invalid_argument. Parts are not flattened:
// an AND part of an AND stays nested.
std::string And(const std::vector<std::string> &parts);
std::string Or(const std::vector<std::string> &parts);

// A JSON string literal of `s` (quotes and escapes included).
std::string Quote(std::string_view s);

}  // namespace condition_json

// --- read plans ---

// The planner's description of a read: everything but the run-time parameter values, which
// each execution supplies (BuildReadPlan in read_plan.hpp).
struct ReadPlanSpec {
    ReadPlan::Kind op = ReadPlan::Kind::Scan;
    std::string table;
    std::string index;  // empty: the table itself
    // Query: the partition key equality, alone or as the first child of an AND with the sort
    // key condition. TRUE for the other operations.
    Condition key;
    // Query on several partition key values: the key equality's operand is replaced by each in
    // turn. Empty otherwise.
    std::vector<Operand> partition;
    // GetItem (one) and BatchGetItem (any number): full keys, attributes in the order given.
    std::vector<std::vector<std::pair<std::string, Operand>>> keys;
    Condition filter;             // TRUE: none
    bool has_projection = false;  // false: every attribute
    std::vector<DocumentPath> projection;
    bool forward = true;
    int64_t limit = 0;      // 0: none
    int64_t page_size = 0;  // 0: DynamoDB's
    int64_t segments = 0;   // a parallel Scan when above 1
    bool consistent = false;
    bool count = false;  // Select COUNT
};

std::string WritePlanJson(const ReadPlanSpec &spec);
// Throws JsonError when the text is not a plan: not an object, an unknown operation, malformed
// conditions, operands, keys or projection. (Whether the plan can run is BuildReadPlan's to
// check.)
ReadPlanSpec ParsePlanJson(const std::string &json);

// "Scan", "Query", "GetItem", "BatchGetItem".
const char *ReadOperationName(ReadPlan::Kind kind);

}  // namespace dynamo
