// What the read path's files share: the layout of a ForeignPath's and a ForeignScan's
// fdw_private, and the read plan builder.
//   scan_path.cpp   GetForeignRelSize, GetForeignPaths (Scan, Query, GetItem, BatchGetItem,
//                   index and parameterized paths, their costs), count(*) upper paths
//   scan_plan.cpp   GetForeignPlan: the read plan for the chosen path, and the conditions left
//                   to Postgres
//   scan_exec.cpp   Begin / Iterate / ReScan / End, EXPLAIN
#pragma once

#include "fdw/deparse.hpp"
#include "fdw/type_mapping.hpp"

enum DynamoPathKind { PATH_SCAN, PATH_QUERY, PATH_GETITEM, PATH_BATCHGET, PATH_COUNT };

// fdw_private of a ForeignPath (a List, so that it copies): kind, index (-1: the table),
// direction (1 forward, 0 backward), the key conjuncts (List of RestrictInfo).
enum FdwPathPrivateIndex {
    FdwPathKind,
    FdwPathIndex,
    FdwPathForward,
    FdwPathKeyClauses,
    FdwPathBaseRelid,  // count(*) paths: the base relation's range table index
};

// fdw_private of the ForeignScan plan node; every slot is a copyable Node.
enum FdwScanPrivateIndex {
    FdwScanPrivatePlan,        // String: the read plan's JSON (client/plan_format.hpp)
    FdwScanPrivateParamTypes,  // List of Integer: DynamoDB type of each fdw_exprs value
    FdwScanPrivateServer,      // Integer: server OID
    FdwScanPrivateUser,        // Integer: user OID the scan checks as
    FdwScanPrivateRelid,       // Integer: foreign table OID
    FdwScanPrivateCount,       // Integer (0/1): the node returns count(*) only
};

// A read chosen for a relation, as a path records it.
struct DynamoReadChoice {
    DynamoPathKind kind;  // PATH_SCAN, PATH_QUERY, PATH_GETITEM or PATH_BATCHGET
    int index;            // the secondary index read (info->indexes), -1: the table's own key
    bool forward;
    List *key_clauses;   // RestrictInfo of the key conditions, in the order the path chose them
    bool parameterized;  // a join's inner side: key values come from the outer row
    bool count;          // Select COUNT for count(*)
};

// --- in scan_plan.cpp ---
// The read plan's JSON (palloc'd) for a chosen read. Values known only at run time are appended
// to *params, with their DynamoDB types to *param_types (see DynamoKeyOperand); the conjuncts'
// RestrictInfos that DynamoDB settles exactly, to *handled. NULL for a count whose conditions
// DynamoDB does not all settle exactly.
char *DynamoBuildReadPlan(PlannerInfo *root, RelOptInfo *baserel, DynamoRelInfo *info,
                          const DynamoReadChoice *choice, List **params, List **param_types,
                          List **handled);

// --- in scan_path.cpp ---
// Whether a read of the relation may be a full Scan (of the table or of its index): the
// setting dynamodb.allow_full_scan and the option allow_full_scan both allow it.
bool DynamoFullScanAllowed(const DynamoRelInfo *info);
// The error of a read that would need a full Scan where it is not allowed.
void DynamoRefuseFullScan(const DynamoRelInfo *info);
