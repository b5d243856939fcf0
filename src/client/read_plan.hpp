// A planned read made ready to run: the planner's description of the read (a ReadPlanSpec,
// carried through the Postgres plan as the JSON of client/plan_format.hpp, which writes and
// reads it) turned into DynamoDB requests once the run-time parameter values are known, and
// described for EXPLAIN.
#pragma once

#ifdef POSTGRES_H
#error "src/client must not see postgres.h"
#endif

#include <string>
#include <utility>
#include <vector>

#include "client/expression.hpp"
#include "client/plan_format.hpp"
#include "client/read_cursor.hpp"

namespace dynamo {

// Builds the requests. `params[i]` is the value of parameter i. Duplicate partition values and
// keys are sent once. Throws JsonError when the plan cannot be run: a parameter out of range, a
// Query whose key condition does not start with the partition key equality, a GetItem without
// exactly one key (and, for the JSON form, whatever ParsePlanJson refuses).
ReadPlan BuildReadPlan(const ReadPlanSpec &spec, const std::vector<AttributeValue> &params);
ReadPlan BuildReadPlan(const std::string &plan_json, const std::vector<AttributeValue> &params);

// EXPLAIN lines (label, value) for the plan: operation, table or index, key condition, filter,
// projection, direction, limit, keys; values written inline, parameters as $n.
std::vector<std::pair<std::string, std::string>> DescribeReadPlan(const ReadPlanSpec &spec);
std::vector<std::pair<std::string, std::string>> DescribeReadPlan(const std::string &plan_json);

// The body of the plan's first request as DynamoDB receives it.
std::string FirstRequestBody(const ReadPlan &plan);

}  // namespace dynamo
