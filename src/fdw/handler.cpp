// The handler: fills FdwRoutine, and the SQL-callable functions of the extension. Each
// callback is a thin extern "C" wrapper around the C++ implementation, run through RunCpp.
#include "fdw/dynamodb_fdw.hpp"

#include <map>
#include <string>

extern "C" {
#include "access/tupdesc.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/tuplestore.h"

#include "utils/guc.h"

PG_MODULE_MAGIC;

PGDLLEXPORT void _PG_init(void);

PGDLLEXPORT Datum dynamo_db_fdw_handler(PG_FUNCTION_ARGS);
PGDLLEXPORT Datum dynamodb_client_stats(PG_FUNCTION_ARGS);
PG_FUNCTION_INFO_V1(dynamo_db_fdw_handler);
PG_FUNCTION_INFO_V1(dynamodb_client_stats);
}

namespace {

// --- scan ---
extern "C" void GetForeignRelSizeCb(PlannerInfo *root, RelOptInfo *baserel, Oid relid) {
    RunCpp([&] { DynamoGetForeignRelSize(root, baserel, relid); });
}
extern "C" void GetForeignPathsCb(PlannerInfo *root, RelOptInfo *baserel, Oid relid) {
    RunCpp([&] { DynamoGetForeignPaths(root, baserel, relid); });
}
extern "C" ForeignScan *GetForeignPlanCb(PlannerInfo *root, RelOptInfo *baserel, Oid relid,
                                         ForeignPath *best_path, List *tlist, List *scan_clauses,
                                         Plan *outer_plan) {
    ForeignScan *plan = NULL;
    RunCpp([&] {
        plan = DynamoGetForeignPlan(root, baserel, relid, best_path, tlist, scan_clauses,
                                    outer_plan);
    });
    return plan;
}
extern "C" void BeginForeignScanCb(ForeignScanState *node, int eflags) {
    RunCpp([&] { DynamoBeginForeignScan(node, eflags); });
}
extern "C" TupleTableSlot *IterateForeignScanCb(ForeignScanState *node) {
    TupleTableSlot *slot = NULL;
    RunCpp([&] { slot = DynamoIterateForeignScan(node); });
    return slot;
}
extern "C" void ReScanForeignScanCb(ForeignScanState *node) {
    RunCpp([&] { DynamoReScanForeignScan(node); });
}
extern "C" void EndForeignScanCb(ForeignScanState *node) {
    RunCpp([&] { DynamoEndForeignScan(node); });
}
extern "C" void GetForeignUpperPathsCb(PlannerInfo *root, UpperRelationKind stage,
                                      RelOptInfo *input_rel, RelOptInfo *output_rel, void *extra) {
    RunCpp([&] { DynamoGetForeignUpperPaths(root, stage, input_rel, output_rel, extra); });
}
// --- explain ---
extern "C" void ExplainForeignScanCb(ForeignScanState *node, ExplainState *es) {
    RunCpp([&] { DynamoExplainForeignScan(node, es); });
}
// --- import ---
extern "C" List *ImportForeignSchemaCb(ImportForeignSchemaStmt *stmt, Oid serverOid) {
    List *result = NIL;
    RunCpp([&] { result = DynamoImportForeignSchema(stmt, serverOid); });
    return result;
}

}  // namespace

void _PG_init(void) {
    DefineCustomBoolVariable("dynamodb.pushdown",
                             "Sends WHERE conditions, projections, counts and limits to DynamoDB.",
                             "When off, every read is a full Scan and Postgres evaluates every "
                             "condition.",
                             &dynamodb_pushdown, true, PGC_USERSET, 0, NULL, NULL, NULL);
#if PG_VERSION_NUM >= 150000
    MarkGUCPrefixReserved("dynamodb");
#else
    EmitWarningsOnPlaceholders("dynamodb");
#endif
}

Datum dynamo_db_fdw_handler(PG_FUNCTION_ARGS) {
    FdwRoutine *routine = makeNode(FdwRoutine);

    /* scanning */
    routine->GetForeignRelSize = GetForeignRelSizeCb;
    routine->GetForeignPaths = GetForeignPathsCb;
    routine->GetForeignPlan = GetForeignPlanCb;
    routine->BeginForeignScan = BeginForeignScanCb;
    routine->IterateForeignScan = IterateForeignScanCb;
    routine->ReScanForeignScan = ReScanForeignScanCb;
    routine->EndForeignScan = EndForeignScanCb;
    routine->GetForeignUpperPaths = GetForeignUpperPathsCb;

    /* explain */
    routine->ExplainForeignScan = ExplainForeignScanCb;

    /* schema import */
    routine->ImportForeignSchema = ImportForeignSchemaCb;

    PG_RETURN_POINTER(routine);
}

// --- dynamodb_client_stats() ---



Datum dynamodb_client_stats(PG_FUNCTION_ARGS) {
    ReturnSetInfo *rsinfo = (ReturnSetInfo *)fcinfo->resultinfo;
    StatsRow *rows = NULL;
    int nrows = 0;

    InitMaterializedSRF(fcinfo, 0);
    RunCpp([&] { CollectStats(&rows, &nrows); });
    for (int i = 0; i < nrows; i++) {
        Datum values[5];
        bool nulls[5] = {false, false, false, false, false};
        values[0] = CStringGetTextDatum(rows[i].server);
        values[1] = Int64GetDatum(rows[i].connections);
        values[2] = CStringGetTextDatum(rows[i].operation);
        values[3] = Int64GetDatum(rows[i].requests);
        values[4] = Int64GetDatum(rows[i].retries);
        tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
    }
    free(rows);
    return (Datum)0;
}
