// The planner's view of a DynamoDB foreign table and its WHERE clause (deparse.cpp; used by
// scan_path.cpp, scan_plan.cpp and modify.cpp). Conditions are JSON texts in palloc'd memory,
// written by the client's builders (client/plan_format.hpp).
#pragma once

#include <string>

#include "fdw/dynamodb_fdw.hpp"

extern "C" {
#include "lib/stringinfo.h"
#include "nodes/pathnodes.h"
}

// Runs f, C++ code that returns a std::string and calls no Postgres function, and returns the
// text copied into palloc'd memory. An exception becomes an ERROR (RunCpp); no C++ object
// outlives the call.
template <typename F>
char *DynamoCppString(F &&f) {
    char *text = nullptr;
    size_t len = 0;
    RunCpp([&] {
        std::string s = f();
        len = s.size();
        text = static_cast<char *>(malloc(len + 1));
        if (text == nullptr)
            throw std::bad_alloc();
        memcpy(text, s.c_str(), len + 1);
    });
    char *copy = static_cast<char *>(palloc_extended(len + 1, MCXT_ALLOC_NO_OOM));
    if (copy != NULL)
        memcpy(copy, text, len + 1);
    free(text);
    if (copy == NULL)
        ReportCppFailure("", true);
    return copy;
}

struct DynamoKeyAttr {
    char *name;  // NULL when absent (no sort key)
    dynamo::AttrType type;
};

struct DynamoPlanIndex {
    char *name;
    bool global;
    DynamoKeyAttr hash;
    DynamoKeyAttr range;
    bool projects_all;  // ProjectionType ALL
    List *projected;    // String names of the projected attributes (keys included) otherwise
};

struct DynamoPlanColumn {
    AttrNumber attnum;
    char *name;  // attribute name
    Oid typid;
    Oid collid;
    bool catch_all;  // a jsonb column that may receive unmatched attributes
};

enum DynamoKeyOp { DKEY_NONE, DKEY_EQ, DKEY_LT, DKEY_LE, DKEY_GT, DKEY_GE, DKEY_BEGINS, DKEY_IN };

// One WHERE conjunct, analysed once.
struct DynamoConjunct {
    RestrictInfo *rinfo;
    // As a key condition: key_attr key_op key_value (or IN key_values, a List of Const).
    DynamoKeyOp key_op;
    const char *key_attr;
    Expr *key_value;
    List *key_values;
    dynamo::AttrType key_target;
    bool key_exact;  // the key condition selects exactly the rows the conjunct keeps
    // As a filter: JSON of a condition keeping at least the rows where the conjunct is TRUE, or
    // NULL when DynamoDB cannot help; exact when it keeps precisely those.
    char *filter;
    bool filter_exact;
    List *attrs;  // attribute names the conjunct refers to (String)
};

// Planner state kept in baserel->fdw_private.
struct DynamoRelInfo {
    DynamoOptions *opts;
    Oid relid;
    Oid serverid;
    Oid userid;
    double item_count;  // DynamoDB's ItemCount, or a default when it reports 0
    bool pushdown;      // dynamodb.pushdown when planned
    DynamoKeyAttr hash;
    DynamoKeyAttr range;
    int nindexes;
    DynamoPlanIndex *indexes;
    int ncols;
    DynamoPlanColumn *cols;
    bool need_all;  // a catch-all column or the whole row is needed: no projection
    List *needed;   // String attribute names the query needs otherwise
    // Document paths below attributes not in `needed` that the query reads through the
    // catch-all (each a List of String, the top-level name first)
    List *needed_paths;
    List *conjuncts;  // DynamoConjunct* for baserestrictinfo
};

// --- in deparse.cpp ---
const DynamoKeyAttr *DynamoFindKeyAttr(DynamoRelInfo *info, const char *attr);
DynamoConjunct *DynamoAnalyzeConjunct(DynamoRelInfo *info, RelOptInfo *rel, RestrictInfo *ri);
// The members of the catch-all column `col` that a SELECT reads, when it reads it only through
// paths (`_attrs->>'k'`, `_attrs->'m'->>'x'`) and `?`, `?|`, `?&`, `@>` with constant keys.
// *names: the top-level attributes read whole (String), with the column's own name (which it
// reads where an item holds that attribute); *paths: the document paths through maps read
// (each a List of String, the top-level name first, at least two), none within another or
// within a name. A path through a list position reads its list whole. False when the query
// needs the whole catch-all.
bool DynamoCatchAllMembers(PlannerInfo *root, RelOptInfo *rel, DynamoRelInfo *info,
                           const DynamoPlanColumn *col, List **names, List **paths);
// The JSON operand for a key value: a constant inline, anything else as a run-time parameter
// (appended to *params, with its DynamoDB type in *param_types).
// `equality`: the operand is compared for equality, so a value that cannot be a key (an empty
// string) finds nothing; it is recorded with DYNAMO_PARAM_EQUALITY in *param_types.
char *DynamoKeyOperand(DynamoRelInfo *info, Expr *value, dynamo::AttrType target, bool equality,
                       List **params, List **param_types);
#define DYNAMO_PARAM_EQUALITY 0x100
char *DynamoKeyCondition(const char *attr, DynamoKeyOp op, const char *operand);
char *DynamoBetween(const char *attr, const char *lo, const char *hi);
char *DynamoJsonAnd(List *parts);  // NULL parts are TRUE; NULL result is TRUE
void DynamoAppendJsonString(StringInfo buf, const char *s);
