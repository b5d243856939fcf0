// The planner's description of a read, as JSON carried in the plan, turned into a ReadPlan once
// the run-time parameter values are known, and described for EXPLAIN.
//
// Plan JSON:
//   {"op": "Scan" | "Query" | "GetItem" | "BatchGetItem",
//    "table": "...", "index": "..."?,
//    "key": <condition>?,            Query: partition key equality [AND sort key condition]
//    "partition": [<operand>, ...]?, Query on several partition key values: the value of the
//                                    key condition's first (equality) operand is replaced by each
//    "filter": <condition>?,
//    "projection": ["attr", ...]?,
//    "keys": [{"attr": <operand>, ...}, ...]?,   GetItem / BatchGetItem full keys
//    "forward": bool?, "limit": n?, "page_size": n?, "consistent": bool?, "count": bool?,
//    "segments": n?}
// Conditions and operands are in the form of ConditionToJson.
#pragma once

#ifdef POSTGRES_H
#error "src/client must not see postgres.h"
#endif

#include <string>
#include <vector>

#include "client/expression.hpp"
#include "client/read_cursor.hpp"

namespace dynamo {

// Builds the requests. `params[i]` is the value of parameter i. Duplicate partition values and
// keys are sent once. Throws JsonError when the plan JSON is malformed.
ReadPlan BuildReadPlan(const std::string &plan_json, const std::vector<AttributeValue> &params);

// EXPLAIN lines (label, value) for the plan: operation, table or index, key condition, filter,
// projection, direction, limit, keys; values written inline, parameters as $n.
std::vector<std::pair<std::string, std::string>> DescribeReadPlan(const std::string &plan_json);

// The body of the plan's first request as DynamoDB receives it.
std::string FirstRequestBody(const ReadPlan &plan);

}  // namespace dynamo
