// The handler: fills FdwRoutine, and the SQL-callable functions of the extension. Each
// callback is a thin extern "C" wrapper around the C++ implementation, run through RunCpp.
#include "client/http.hpp"
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

bool dynamodb_allow_full_scan = true;

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
        plan =
            DynamoGetForeignPlan(root, baserel, relid, best_path, tlist, scan_clauses, outer_plan);
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
// --- modify ---
extern "C" void AddForeignUpdateTargetsCb(PlannerInfo *root, Index rtindex,
                                          RangeTblEntry *target_rte, Relation target_relation) {
    RunCpp([&] { DynamoAddForeignUpdateTargets(root, rtindex, target_rte, target_relation); });
}
extern "C" List *PlanForeignModifyCb(PlannerInfo *root, ModifyTable *plan, Index resultRelation,
                                     int subplan_index) {
    List *result = NIL;
    RunCpp([&] { result = DynamoPlanForeignModify(root, plan, resultRelation, subplan_index); });
    return result;
}
extern "C" void BeginForeignModifyCb(ModifyTableState *mtstate, ResultRelInfo *rinfo,
                                     List *fdw_private, int subplan_index, int eflags) {
    RunCpp([&] { DynamoBeginForeignModify(mtstate, rinfo, fdw_private, subplan_index, eflags); });
}
extern "C" TupleTableSlot *ExecForeignInsertCb(EState *estate, ResultRelInfo *rinfo,
                                               TupleTableSlot *slot, TupleTableSlot *planSlot) {
    TupleTableSlot *result = NULL;
    RunCpp([&] { result = DynamoExecForeignInsert(estate, rinfo, slot, planSlot); });
    return result;
}
extern "C" TupleTableSlot **ExecForeignBatchInsertCb(EState *estate, ResultRelInfo *rinfo,
                                                     TupleTableSlot **slots,
                                                     TupleTableSlot **planSlots, int *numSlots) {
    TupleTableSlot **result = NULL;
    RunCpp(
        [&] { result = DynamoExecForeignBatchInsert(estate, rinfo, slots, planSlots, numSlots); });
    return result;
}
extern "C" int GetForeignModifyBatchSizeCb(ResultRelInfo *rinfo) {
    int result = 1;
    RunCpp([&] { result = DynamoGetForeignModifyBatchSize(rinfo); });
    return result;
}
extern "C" TupleTableSlot *ExecForeignUpdateCb(EState *estate, ResultRelInfo *rinfo,
                                               TupleTableSlot *slot, TupleTableSlot *planSlot) {
    TupleTableSlot *result = NULL;
    RunCpp([&] { result = DynamoExecForeignUpdate(estate, rinfo, slot, planSlot); });
    return result;
}
extern "C" TupleTableSlot *ExecForeignDeleteCb(EState *estate, ResultRelInfo *rinfo,
                                               TupleTableSlot *slot, TupleTableSlot *planSlot) {
    TupleTableSlot *result = NULL;
    RunCpp([&] { result = DynamoExecForeignDelete(estate, rinfo, slot, planSlot); });
    return result;
}
extern "C" void EndForeignModifyCb(EState *estate, ResultRelInfo *rinfo) {
    RunCpp([&] { DynamoEndForeignModify(estate, rinfo); });
}
extern "C" void BeginForeignInsertCb(ModifyTableState *mtstate, ResultRelInfo *rinfo) {
    RunCpp([&] { DynamoBeginForeignInsert(mtstate, rinfo); });
}
extern "C" void EndForeignInsertCb(EState *estate, ResultRelInfo *rinfo) {
    RunCpp([&] { DynamoEndForeignInsert(estate, rinfo); });
}
extern "C" int IsForeignRelUpdatableCb(Relation rel) {
    int result = 0;
    RunCpp([&] { result = DynamoIsForeignRelUpdatable(rel); });
    return result;
}
extern "C" bool PlanDirectModifyCb(PlannerInfo *root, ModifyTable *plan, Index resultRelation,
                                   int subplan_index) {
    bool result = false;
    RunCpp([&] { result = DynamoPlanDirectModify(root, plan, resultRelation, subplan_index); });
    return result;
}
extern "C" void BeginDirectModifyCb(ForeignScanState *node, int eflags) {
    RunCpp([&] { DynamoBeginDirectModify(node, eflags); });
}
extern "C" TupleTableSlot *IterateDirectModifyCb(ForeignScanState *node) {
    TupleTableSlot *result = NULL;
    RunCpp([&] { result = DynamoIterateDirectModify(node); });
    return result;
}
extern "C" void EndDirectModifyCb(ForeignScanState *node) {
    RunCpp([&] { DynamoEndDirectModify(node); });
}
extern "C" void ExecForeignTruncateCb(List *rels, DropBehavior behavior, bool restart_seqs) {
    RunCpp([&] { DynamoExecForeignTruncate(rels, behavior, restart_seqs); });
}
// --- explain ---
extern "C" void ExplainForeignScanCb(ForeignScanState *node, ExplainState *es) {
    RunCpp([&] { DynamoExplainForeignScan(node, es); });
}
extern "C" void ExplainForeignModifyCb(ModifyTableState *mtstate, ResultRelInfo *rinfo,
                                       List *fdw_private, int subplan_index, ExplainState *es) {
    RunCpp([&] { DynamoExplainForeignModify(mtstate, rinfo, fdw_private, subplan_index, es); });
}
extern "C" void ExplainDirectModifyCb(ForeignScanState *node, ExplainState *es) {
    RunCpp([&] { DynamoExplainDirectModify(node, es); });
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
    DefineCustomBoolVariable(
        "dynamodb.project_document_paths",
        "Asks DynamoDB for document paths (m.x) when the catch-all is read through paths.",
        "When off, the top-level attributes the paths lie in are read whole (for emulators "
        "that fail to project a path through a value that is not a map, as moto does).",
        &dynamodb_project_document_paths, true, PGC_USERSET, 0, NULL, NULL, NULL);
    DefineCustomBoolVariable("dynamodb.allow_full_scan",
                             "Allows reads that need a full Scan of a DynamoDB table or index.",
                             "When off, a statement that would Scan (no key condition) fails "
                             "when it is planned; key lookups and Queries are not affected.",
                             &dynamodb_allow_full_scan, true, PGC_USERSET, 0, NULL, NULL, NULL);
    DefineCustomBoolVariable("dynamodb.statement_backoff",
                             "Slows every request to a DynamoDB table when one is throttled.",
                             "When off, each throttled request backs off alone while the "
                             "statement's other requests go on.",
                             &dynamodb_statement_backoff, true, PGC_USERSET, 0, NULL, NULL, NULL);
    DynamoCapacityInit();
    DynamoInstallColumnOptionCheck();
    DynamoXactInit();
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

    /* modify */
    routine->AddForeignUpdateTargets = AddForeignUpdateTargetsCb;
    routine->PlanForeignModify = PlanForeignModifyCb;
    routine->BeginForeignModify = BeginForeignModifyCb;
    routine->ExecForeignInsert = ExecForeignInsertCb;
    routine->ExecForeignBatchInsert = ExecForeignBatchInsertCb;
    routine->GetForeignModifyBatchSize = GetForeignModifyBatchSizeCb;
    routine->ExecForeignUpdate = ExecForeignUpdateCb;
    routine->ExecForeignDelete = ExecForeignDeleteCb;
    routine->EndForeignModify = EndForeignModifyCb;
    routine->BeginForeignInsert = BeginForeignInsertCb;
    routine->EndForeignInsert = EndForeignInsertCb;
    routine->IsForeignRelUpdatable = IsForeignRelUpdatableCb;
    routine->PlanDirectModify = PlanDirectModifyCb;
    routine->BeginDirectModify = BeginDirectModifyCb;
    routine->IterateDirectModify = IterateDirectModifyCb;
    routine->EndDirectModify = EndDirectModifyCb;
    routine->ExecForeignTruncate = ExecForeignTruncateCb;

    /* explain */
    routine->ExplainForeignScan = ExplainForeignScanCb;
    routine->ExplainForeignModify = ExplainForeignModifyCb;
    routine->ExplainDirectModify = ExplainDirectModifyCb;

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
        Datum values[8];
        bool nulls[8] = {false, false, false, false, false, false, false, false};
        values[0] = CStringGetTextDatum(rows[i].server);
        values[1] = Int64GetDatum(rows[i].connections);
        values[2] = CStringGetTextDatum(rows[i].operation);
        values[3] = Int64GetDatum(rows[i].requests);
        values[4] = Int64GetDatum(rows[i].retries);
        values[5] = Int64GetDatum(rows[i].throttled);
        values[6] = Float8GetDatum(rows[i].read_units);
        values[7] = Float8GetDatum(rows[i].write_units);
        tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
    }
    free(rows);
    return (Datum)0;
}
