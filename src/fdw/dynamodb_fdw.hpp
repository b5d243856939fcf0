// Shared declarations of the Postgres-facing layer (src/fdw).
//
// Code here behaves like C toward Postgres: palloc, List, ereport. C++ objects (the client, its
// pages and caches) live on the heap, owned by pointers that memory-context callbacks free, and
// no object with a destructor is on the stack across a call that can ereport. Every call into
// C++ that can throw goes through RunCpp, which reports the exception only after the C++ frames
// are gone. Client headers come first: they refuse to be compiled after postgres.h.
#pragma once

#include <cstring>
#include <exception>
#include <memory>
#include <new>

#include "client/dynamodb_client.hpp"
#include "client/number_text.hpp"
#include "client/json_codec.hpp"
#include "client/kept_read.hpp"
#include "client/read_plan.hpp"

extern "C" {
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "executor/tuptable.h"
#include "fmgr.h"
#include "foreign/fdwapi.h"
#include "foreign/foreign.h"
#include "miscadmin.h"
#include "nodes/execnodes.h"
#include "nodes/pathnodes.h"
#include "utils/rel.h"
}

// --- in wall.cpp ---

// Message of the last C++ exception caught by RunCpp, reported by ReportCppFailure.
void ReportCppFailure(const char *message, bool out_of_memory);

// Runs f, C++ code that does not call Postgres. An exception becomes a Postgres ERROR raised
// after f's frames have unwound.
template <typename F>
inline void RunCpp(F &&f) {
    char message[512];
    bool failed = false;
    bool oom = false;
    try {
        f();
    } catch (const std::bad_alloc &) {
        failed = oom = true;
        message[0] = '\0';
    } catch (const std::exception &e) {
        failed = true;
        std::strncpy(message, e.what(), sizeof(message) - 1);
        message[sizeof(message) - 1] = '\0';
    } catch (...) {
        failed = true;
        std::strcpy(message, "unexpected C++ exception");
    }
    if (failed)
        ReportCppFailure(message, oom);
}

// The client's "abort?" hook: true once a cancel, statement_timeout or termination is pending.
bool DynamoAbortRequested();

// Turns a client error into an ereport(ERROR). `relname` names the foreign table (may be NULL),
// `dynamo_table` the DynamoDB table or NULL. Calls CHECK_FOR_INTERRUPTS first for aborts.
void ReportClientError(const dynamo::Error *err, const char *relname, const char *dynamo_table);

// --- in option.cpp ---

// Resolved options. Each field is filled by the option that names it in option.cpp's table of
// options (kOptions), which also holds its default; credentials are filled only by
// DynamoGetCredentials.
struct DynamoOptions {
    // connection (server; credentials narrowed by the user mapping)
    char *region;
    char *endpoint_url;
    char *access_key_id;
    char *secret_access_key;
    char *session_token;
    char *ca_file;
    int connect_timeout_ms;
    int request_timeout_ms;
    int max_attempts;
    int max_retry_time_ms;    // no retry starts after this long on one operation
    int retry_base_delay_ms;  // backoff before retry n: uniform in [0, min(max, base * 2^n)]
    int retry_max_delay_ms;
    // table (server defaults narrowed by the foreign table)
    char *table;
    char *rowid_column;
    int page_size;  // 0: DynamoDB's own page size (1 MB)
    bool consistent_read;
    char *index;            // a secondary index every read of the table uses, or NULL
    int batch_size;         // writes per BatchWriteItem (1 to 25)
    int write_concurrency;  // most write requests one statement keeps in flight
    int segments;           // segments of a parallel Scan (1 to 1000000); 0: by the table's size
    bool allow_full_scan;   // false: a read that needs a Scan fails at planning
    // Capacity budget (0: unset): units a second, or a share of the provisioned throughput.
    double max_read_units_per_second;
    double max_write_units_per_second;
    double read_capacity_share;
    double write_capacity_share;
};

// Resolves options for a server and user (and a foreign table when relid is valid): server,
// then user mapping, then table; the narrower wins. Credentials are not resolved here (see
// DynamoGetCredentials). The result is a palloc'd copy of what a per-backend cache keeps.
DynamoOptions *DynamoGetOptions(Oid serverid, Oid userid, Oid relid);
// Stores the credential options among `options` (a server's, or a user mapping's) in the
// credential fields of *into, reading the Vault secrets that vault_ options name.
void DynamoCredentialOptions(List *options, bool user_mapping, DynamoOptions *into);

// Column option "catch_all" (default true): whether a jsonb column may act as the catch-all.
bool DynamoColumnCatchAll(Oid relid, AttrNumber attnum);

// Column option "array_type": how an array column is written (see DynamoDatumToAttribute in
// type_mapping.hpp).
enum DynamoArrayType {
    DYNAMO_ARRAY_AUTO,  // a set when the array is exactly one as it reads back, else a List
    DYNAMO_ARRAY_LIST,  // always a List
    DYNAMO_ARRAY_SET,   // always a set; an array no set can hold is an error
};
// The column's array_type (auto when unset).
DynamoArrayType DynamoColumnArrayType(Oid relid, AttrNumber attnum);
// Installs the check that array_type is given only to columns that can take it (at CREATE and
// ALTER FOREIGN TABLE, once the column's type is known); called from _PG_init.
void DynamoInstallColumnOptionCheck();

// --- in credentials.cpp ---

// Fills the credential fields: user mapping, then server (Vault references resolved), then the
// server process's environment or shared credentials file (for servers a superuser owns).
void DynamoGetCredentials(Oid serverid, Oid userid, DynamoOptions *opts);
// The secret that a Vault reference (a secret's id or name) names, palloc'd; `option` names the
// option in errors.
char *DynamoVaultSecret(const char *option, const char *ref);
// Options of the user mapping for (user, server), or of the PUBLIC mapping; NIL when none.
List *DynamoUserMappingOptions(Oid serverid, Oid userid);

// --- in connection.cpp ---

// The backend's client for (server, user): created on first use, its keep-alive connections
// reused by every statement, rebuilt after the server or user mapping changes.
dynamo::DynamoClient *DynamoGetClient(Oid serverid, Oid userid);
// Marks every cached client stale, so that the next statement builds its client again and reads
// its credentials (Vault secrets included) anew. Clients in use stay alive until released.
void DynamoForgetClients();
// Stores a shared reference to that client in *into (heap-owned by the caller's C++ state).
void DynamoShareClient(Oid serverid, Oid userid, std::shared_ptr<dynamo::DynamoClient> *into);

// DynamoDB's description of the foreign table's DynamoDB table, cached per backend until the
// foreign table or its server changes. Never NULL (errors are raised).
const dynamo::TableDescription *DynamoDescribeTable(Oid relid, Oid serverid, Oid userid,
                                                    const char *table);

// --- in capacity.cpp ---

// Hands the foreign table's capacity budget (and dynamodb.statement_backoff) to the backend's
// client for (server, user), which paces every request to the DynamoDB table `table` with it.
// A share of provisioned capacity on an on-demand table is an error. Called by
// DynamoDescribeTable, so every statement that touches the table applies it.
void DynamoApplyCapacity(Oid relid, Oid serverid, Oid userid, const char *table,
                         const dynamo::TableDescription *desc);
// dynamodb.statement_backoff: a throttle slows every request to the table (on), or only the
// request throttled (off).
extern bool dynamodb_statement_backoff;
// From _PG_init: installs the client's wait hooks (wait events, and waits on the latch), and,
// when the library is preloaded, asks for the shared memory of the budgets.
void DynamoCapacityInit();
// The budgets' registry in shared memory, or NULL when the library was not preloaded.
dynamo::PacerRegistry *DynamoSharedPacers();

// Names of every DynamoDB table the server's credentials can see (all ListTables pages), as a
// List of String nodes.
List *DynamoListTables(Oid serverid, Oid userid);

struct DynamoKeySchema {
    char *hash;
    dynamo::AttrType hash_type;
    char *range;  // NULL when the table has no sort key
    dynamo::AttrType range_type;
    // Attributes that key a secondary index but not the table, in AttributeDefinitions order.
    int nindex_keys;
    char **index_keys;
    dynamo::AttrType *index_key_types;
};
// DescribeTable for a table that has no foreign table yet (IMPORT FOREIGN SCHEMA); not cached.
void DynamoDescribeKeys(Oid serverid, Oid userid, const char *table, DynamoKeySchema *out);

// Attributes holding one type in every one of up to `limit` sampled items (a Scan), for
// IMPORT FOREIGN SCHEMA's sample_size: palloc'd, by name.
struct DynamoSampledColumn {
    char *name;
    dynamo::AttrType type;
    bool whole;  // N: every value a whole number within bigint's range
};
void DynamoSampleTable(Oid serverid, Oid userid, const char *table, int64 limit, int64 *items,
                       int64 *mixed, DynamoSampledColumn **columns, int *ncolumns);

// Rows of dynamodb_client_stats(), malloc'd.
struct StatsRow {
    char server[NAMEDATALEN];
    int64 connections;
    char operation[64];
    int64 requests;
    int64 retries;
    // Of the client (every operation), as retries.
    int64 throttled;
    double read_units;  // consumed, as DynamoDB reported (paced requests)
    double write_units;
};
void CollectStats(StatsRow **rows, int *nrows);

// --- in import.cpp ---
List *DynamoImportForeignSchema(ImportForeignSchemaStmt *stmt, Oid serverOid);

// --- in scan_path.cpp, scan_plan.cpp, scan_exec.cpp ---
void DynamoGetForeignRelSize(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid);
void DynamoGetForeignPaths(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid);
ForeignScan *DynamoGetForeignPlan(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid,
                                  ForeignPath *best_path, List *tlist, List *scan_clauses,
                                  Plan *outer_plan);
void DynamoBeginForeignScan(ForeignScanState *node, int eflags);
TupleTableSlot *DynamoIterateForeignScan(ForeignScanState *node);
void DynamoReScanForeignScan(ForeignScanState *node);
void DynamoEndForeignScan(ForeignScanState *node);
void DynamoExplainForeignScan(ForeignScanState *node, ExplainState *es);
void DynamoGetForeignUpperPaths(PlannerInfo *root, UpperRelationKind stage, RelOptInfo *input_rel,
                                RelOptInfo *output_rel, void *extra);
// dynamodb.pushdown: send conditions, projections, counts and limits to DynamoDB.
extern bool dynamodb_pushdown;
// dynamodb.project_document_paths: project paths below top-level attributes (m.x) for the
// catch-all read through paths; off, their top-level attributes whole.
extern bool dynamodb_project_document_paths;
extern bool dynamodb_allow_full_scan;

// --- in xact.cpp (transactions) ---

// dynamodb.atomic_commit: writes inside a transaction block are kept and sent at COMMIT.
extern bool dynamodb_atomic_commit;
// Defines the GUC and registers the transaction callbacks (from _PG_init).
void DynamoXactInit();
// Whether a write now is kept for COMMIT (atomic_commit on, inside a transaction block).
bool DynamoDeferWrites();
// Writes the current transaction keeps.
int DynamoXactKeptCount();
struct DynamoConvertContext;
// Whether reads now are recorded to be checked at COMMIT: writes are kept (see above) and the
// transaction is REPEATABLE READ or SERIALIZABLE.
bool DynamoXactChecksReads();
// Records an item read from DynamoDB (as DynamoDB returned it; its first read in the
// transaction counts): if the transaction writes, COMMIT checks that it still holds every
// attribute read.
void DynamoXactRecordRead(Oid serverid, Oid userid, const char *relname, const char *table,
                          DynamoConvertContext *cx, const dynamo::Item &item);
// Whether the current transaction keeps writes of DynamoDB table `table`.
bool DynamoXactTouchesTable(const char *table);
// The view a read of `table` (through `index`, or the table itself when null) has of the
// transaction's kept writes, taken when the read begins: the items written and what they hold
// now. Reads what DynamoDB holds of the updated items (one strongly consistent BatchGetItem,
// counted in `requests`). Pure C++ (inside RunCpp); a failed read is returned.
dynamo::Error DynamoXactReadView(const char *table, const dynamo::TableDescription &desc,
                                 const dynamo::IndexDescription *index,
                                 dynamo::DynamoClient *client, dynamo::KeptReadView &view,
                                 int64_t &requests);
// Applies the kept write of the item (its key in `item`) to it; `exists` says whether there is
// an item, before and after. False when the transaction keeps no write of the item. Pure C++.
bool DynamoXactOverlay(const char *table, const dynamo::TableDescription &desc, dynamo::Item &item,
                       bool &exists);
// The error of a count(*) pushed to DynamoDB (planned before the transaction wrote to the table)
// that would miss the kept writes.
void DynamoXactCountError(const char *relname, const char *table);

// --- writes: modify_plan.cpp (planning, one-request UPDATE/DELETE), modify_exec.cpp (row by
// row), direct_modify.cpp (running one-request UPDATE/DELETE) ---
void DynamoAddForeignUpdateTargets(PlannerInfo *root, Index rtindex, RangeTblEntry *target_rte,
                                   Relation target_relation);
List *DynamoPlanForeignModify(PlannerInfo *root, ModifyTable *plan, Index resultRelation,
                              int subplan_index);
void DynamoBeginForeignModify(ModifyTableState *mtstate, ResultRelInfo *rinfo, List *fdw_private,
                              int subplan_index, int eflags);
TupleTableSlot *DynamoExecForeignInsert(EState *estate, ResultRelInfo *rinfo, TupleTableSlot *slot,
                                        TupleTableSlot *planSlot);
TupleTableSlot **DynamoExecForeignBatchInsert(EState *estate, ResultRelInfo *rinfo,
                                              TupleTableSlot **slots, TupleTableSlot **planSlots,
                                              int *numSlots);
int DynamoGetForeignModifyBatchSize(ResultRelInfo *rinfo);
// Called by a scan that has returned its last row: an UPDATE or DELETE of the same table fed by
// it waits for its writes in flight (modify_exec.cpp).
void DynamoWritesAtScanEnd(ForeignScanState *node);
TupleTableSlot *DynamoExecForeignUpdate(EState *estate, ResultRelInfo *rinfo, TupleTableSlot *slot,
                                        TupleTableSlot *planSlot);
TupleTableSlot *DynamoExecForeignDelete(EState *estate, ResultRelInfo *rinfo, TupleTableSlot *slot,
                                        TupleTableSlot *planSlot);
void DynamoEndForeignModify(EState *estate, ResultRelInfo *rinfo);
void DynamoBeginForeignInsert(ModifyTableState *mtstate, ResultRelInfo *rinfo);
void DynamoEndForeignInsert(EState *estate, ResultRelInfo *rinfo);
int DynamoIsForeignRelUpdatable(Relation rel);
bool DynamoPlanDirectModify(PlannerInfo *root, ModifyTable *plan, Index resultRelation,
                            int subplan_index);
void DynamoBeginDirectModify(ForeignScanState *node, int eflags);
TupleTableSlot *DynamoIterateDirectModify(ForeignScanState *node);
void DynamoEndDirectModify(ForeignScanState *node);
void DynamoExecForeignTruncate(List *rels, DropBehavior behavior, bool restart_seqs);
void DynamoExplainForeignModify(ModifyTableState *mtstate, ResultRelInfo *rinfo, List *fdw_private,
                                int subplan_index, ExplainState *es);
void DynamoExplainDirectModify(ForeignScanState *node, ExplainState *es);
