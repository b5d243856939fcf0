// Planning and executing reads: GetForeignRelSize / Paths / Plan, count(*) pushdown, the scan
// callbacks and EXPLAIN.
//
// Paths: a Scan always; with a partition key equality a Query (GetItem when the whole key is
// fixed); with a partition key IN list one Query per value (BatchGetItem when the whole key is
// fixed); a Query on each secondary index whose partition key is fixed and that projects what
// the query needs; sorted variants when ORDER BY names the sort key; parameterized Queries for
// joins on the partition key. Conditions DynamoDB cannot evaluate stay with Postgres, and
// Postgres checks every condition again on the rows that come back.
//
// A scan holds one page of items at a time.
#include "fdw/deparse.hpp"
#include "fdw/type_mapping.hpp"

#include <string>

extern "C" {
#include "access/stratnum.h"
#include "access/table.h"
#include "catalog/pg_aggregate.h"
#include "catalog/pg_am.h"
#include "commands/defrem.h"
#include "catalog/pg_type.h"
#include "commands/explain.h"
#include "executor/executor.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/cost.h"
#include "optimizer/optimizer.h"
#include "optimizer/pathnode.h"
#include "optimizer/paths.h"
#include "optimizer/planmain.h"
#include "optimizer/restrictinfo.h"
#include "optimizer/tlist.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/pg_locale.h"
}

bool dynamodb_pushdown = true;

namespace {

// Rows assumed when DynamoDB reports ItemCount 0 (it refreshes the figure every few hours, and
// local emulators always say 0).
constexpr double kDefaultItemCount = 1000.0;
// Per-request and per-item costs, in units of seq_page_cost: a request is a network round trip,
// an item is bytes transferred and converted.
constexpr double kRequestCost = 100.0;
constexpr double kItemCost = 1.0;
// Share of a table one partition holds, for Query estimates on tables with a sort key.
constexpr double kPartitionFraction = 0.01;
// Tie-breakers between Queries: a key condition with more parts reads less; the table's own key
// comes before an index's.
constexpr double kKeyPartBonus = 0.5;
constexpr double kIndexPenalty = 0.1;

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
    FdwScanPrivatePlan,        // String: the read plan's JSON (src/client/read_plan.hpp)
    FdwScanPrivateParamTypes,  // List of Integer: DynamoDB type of each fdw_exprs value
    FdwScanPrivateServer,      // Integer: server OID
    FdwScanPrivateUser,        // Integer: user OID the scan checks as
    FdwScanPrivateRelid,       // Integer: foreign table OID
    FdwScanPrivateCount,       // Integer (0/1): the node returns count(*) only
};

// Executor-side C++ state: the shared client, the planned read, the current page.
struct ScanRuntime {
    std::shared_ptr<dynamo::DynamoClient> client;
    dynamo::TableDescription desc;
    std::string plan_json;
    std::vector<dynamo::AttributeValue> params;
    std::unique_ptr<dynamo::ReadCursor> cursor;
    dynamo::Page page;
    size_t pos = 0;
    bool started = false;
    bool done = false;
    bool no_rows = false;       // a key value that cannot match anything (NULL, say)
    bool instrumented = false;  // EXPLAIN ANALYZE: ask DynamoDB for the capacity consumed
    dynamo::Error error;
    std::string buf;  // conversion scratch buffer
    // EXPLAIN ANALYZE figures, summed over rescans
    int64_t requests = 0;
    int64_t retries = 0;
    int64_t scanned = 0;
    int64_t returned = 0;
    double consumed = 0;
};

struct DynamoScanState {
    MemoryContext scan_cxt;
    MemoryContext row_cxt;
    ScanRuntime *rt;
    DynamoConvertContext cx;
    char *relname;
    char *table;
    List *param_states;  // ExprState per fdw_exprs entry
    List *param_types;
    bool count_only;
    bool count_returned;
};

void FreeRuntime(void *arg) {
    DynamoScanState *ss = static_cast<DynamoScanState *>(arg);
    delete ss->rt;
    ss->rt = nullptr;
}

// --- planning ---

char *CopyString(const std::string &s) {
    return pstrdup(s.c_str());
}

void CopyKey(const dynamo::KeyAttribute &k, bool present, DynamoKeyAttr *out) {
    out->name = present ? CopyString(k.name) : NULL;
    out->type = k.type;
}

// Copies what planning needs of the table description into palloc'd memory.
void FillTableInfo(DynamoRelInfo *info, const dynamo::TableDescription *desc) {
    info->item_count = desc->item_count > 0 ? (double)desc->item_count : kDefaultItemCount;
    CopyKey(desc->hash, true, &info->hash);
    CopyKey(desc->range, desc->has_range, &info->range);
    info->nindexes = (int)desc->indexes.size();
    info->indexes = (DynamoPlanIndex *)palloc0(sizeof(DynamoPlanIndex) * (info->nindexes + 1));
    for (int i = 0; i < info->nindexes; i++) {
        const dynamo::IndexDescription &d = desc->indexes[i];
        DynamoPlanIndex *ix = &info->indexes[i];
        ix->name = CopyString(d.name);
        ix->global = d.global;
        CopyKey(d.hash, true, &ix->hash);
        CopyKey(d.range, d.has_range, &ix->range);
        ix->projects_all = d.projection_type == "ALL";
        // Every index holds the table's and its own key attributes.
        ix->projected = list_make1(makeString(CopyString(desc->hash.name)));
        if (desc->has_range)
            ix->projected = lappend(ix->projected, makeString(CopyString(desc->range.name)));
        ix->projected = lappend(ix->projected, makeString(CopyString(d.hash.name)));
        if (d.has_range)
            ix->projected = lappend(ix->projected, makeString(CopyString(d.range.name)));
        for (const std::string &a : d.non_key_attributes)
            ix->projected = lappend(ix->projected, makeString(CopyString(a)));
    }
}

bool ListHasName(List *names, const char *name) {
    ListCell *lc;
    foreach (lc, names)
        if (strcmp(strVal(lfirst(lc)), name) == 0)
            return true;
    return false;
}

// Columns and the attributes the query needs (for ProjectionExpression).
void FillColumns(PlannerInfo *root, RelOptInfo *baserel, DynamoRelInfo *info) {
    Relation rel = table_open(info->relid, NoLock);
    TupleDesc tupdesc = RelationGetDescr(rel);
    info->cols = (DynamoPlanColumn *)palloc0(sizeof(DynamoPlanColumn) * (tupdesc->natts + 1));
    info->ncols = 0;
    for (int i = 0; i < tupdesc->natts; i++) {
        Form_pg_attribute att = TupleDescAttr(tupdesc, i);
        if (att->attisdropped)
            continue;
        DynamoPlanColumn *c = &info->cols[info->ncols++];
        c->attnum = att->attnum;
        c->name = pstrdup(NameStr(att->attname));
        c->typid = att->atttypid;
        c->collid = att->attcollation;
        c->catch_all = att->atttypid == JSONBOID && DynamoColumnCatchAll(info->relid, att->attnum);
    }
    table_close(rel, NoLock);

    Bitmapset *attrs = NULL;
    pull_varattnos((Node *)baserel->reltarget->exprs, baserel->relid, &attrs);
    ListCell *lc;
    foreach (lc, baserel->baserestrictinfo)
        pull_varattnos((Node *)((RestrictInfo *)lfirst(lc))->clause, baserel->relid, &attrs);
    info->need_all = false;
    info->needed = NIL;
    int x = -1;
    while ((x = bms_next_member(attrs, x)) >= 0) {
        AttrNumber attno = x + FirstLowInvalidHeapAttributeNumber;
        if (attno == 0)
            info->need_all = true;  // whole-row reference
        if (attno <= 0)
            continue;
        for (int i = 0; i < info->ncols; i++) {
            if (info->cols[i].attnum != attno)
                continue;
            if (info->cols[i].catch_all)
                info->need_all = true;
            info->needed = lappend(info->needed, makeString(info->cols[i].name));
        }
    }
}

// The key conjuncts for a table or index key: partition key equality (or IN), sort key
// condition(s). Returns false when the partition key is not fixed.
struct KeyChoice {
    DynamoConjunct *hash;  // EQ or IN
    DynamoConjunct *range_eq;
    DynamoConjunct *lower;  // > or >=
    DynamoConjunct *upper;  // < or <=
    DynamoConjunct *begins;
};

bool ChooseKeys(List *conjuncts, const DynamoKeyAttr *hash, const DynamoKeyAttr *range,
                bool allow_in, KeyChoice *kc) {
    memset(kc, 0, sizeof(*kc));
    ListCell *lc;
    foreach (lc, conjuncts) {
        DynamoConjunct *cj = (DynamoConjunct *)lfirst(lc);
        if (cj->key_op == DKEY_NONE)
            continue;
        if (strcmp(cj->key_attr, hash->name) == 0) {
            if (cj->key_op == DKEY_EQ && (kc->hash == NULL || kc->hash->key_op != DKEY_EQ))
                kc->hash = cj;
            else if (cj->key_op == DKEY_IN && allow_in && kc->hash == NULL)
                kc->hash = cj;
        } else if (range->name != NULL && strcmp(cj->key_attr, range->name) == 0) {
            switch (cj->key_op) {
                case DKEY_EQ:
                    if (kc->range_eq == NULL)
                        kc->range_eq = cj;
                    break;
                case DKEY_GT:
                case DKEY_GE:
                    if (kc->lower == NULL)
                        kc->lower = cj;
                    break;
                case DKEY_LT:
                case DKEY_LE:
                    if (kc->upper == NULL)
                        kc->upper = cj;
                    break;
                case DKEY_BEGINS:
                    if (kc->begins == NULL)
                        kc->begins = cj;
                    break;
                default:
                    break;
            }
        }
    }
    return kc->hash != NULL;
}

// The sort key conjuncts that go into the key condition (DynamoDB takes one condition on the
// sort key: an equality, a prefix, one bound, or BETWEEN for two inclusive bounds).
List *RangeConjuncts(KeyChoice *kc) {
    if (kc->range_eq)
        return list_make1(kc->range_eq);
    if (kc->lower && kc->upper && kc->lower->key_op == DKEY_GE && kc->upper->key_op == DKEY_LE)
        return list_make2(kc->lower, kc->upper);
    if (kc->begins)
        return list_make1(kc->begins);
    if (kc->lower)
        return list_make1(kc->lower);
    if (kc->upper)
        return list_make1(kc->upper);
    return NIL;
}

List *KeyClauses(KeyChoice *kc) {
    List *l = list_make1(kc->hash->rinfo);
    ListCell *lc;
    List *range = RangeConjuncts(kc);
    foreach (lc, range)
        l = lappend(l, ((DynamoConjunct *)lfirst(lc))->rinfo);
    return l;
}

// Whether an index holds every attribute the query needs.
bool IndexCovers(DynamoRelInfo *info, DynamoPlanIndex *ix) {
    if (ix->projects_all)
        return true;
    if (info->need_all)
        return false;
    ListCell *lc;
    foreach (lc, info->needed)
        if (!ListHasName(ix->projected, strVal(lfirst(lc))))
            return false;
    return true;
}

// Pathkeys when ORDER BY asks for the sort key, in DynamoDB's order for its type; sets
// *forward. NIL when the query's order is something else.
List *SortKeyPathkeys(PlannerInfo *root, RelOptInfo *baserel, DynamoRelInfo *info,
                      const DynamoKeyAttr *range, bool *forward) {
    if (range->name == NULL || list_length(root->query_pathkeys) != 1)
        return NIL;
    PathKey *pk = (PathKey *)linitial(root->query_pathkeys);
    EquivalenceClass *ec = pk->pk_eclass;
    const DynamoPlanColumn *col = NULL;
    ListCell *lc;
    foreach (lc, ec->ec_members) {
        EquivalenceMember *em = (EquivalenceMember *)lfirst(lc);
        Expr *e = em->em_expr;
        while (IsA(e, RelabelType))
            e = ((RelabelType *)e)->arg;
        if (!IsA(e, Var) || (Index)((Var *)e)->varno != baserel->relid)
            continue;
        for (int i = 0; i < info->ncols; i++)
            if (info->cols[i].attnum == ((Var *)e)->varattno &&
                strcmp(info->cols[i].name, range->name) == 0)
                col = &info->cols[i];
    }
    if (col == NULL)
        return NIL;
    // DynamoDB orders S by bytes, N by value, B by unsigned bytes.
    bool ok = false;
    switch (range->type) {
        case dynamo::AttrType::S:
            ok = (col->typid == TEXTOID || col->typid == VARCHAROID) &&
                 lc_collate_is_c(ec->ec_collation);
            break;
        case dynamo::AttrType::N:
            ok = col->typid == INT2OID || col->typid == INT4OID || col->typid == INT8OID ||
                 col->typid == NUMERICOID;
            break;
        case dynamo::AttrType::B:
            ok = col->typid == BYTEAOID;
            break;
        default:
            break;
    }
    if (!ok)
        return NIL;
    Oid opfamily = get_opclass_family(GetDefaultOpClass(col->typid, BTREE_AM_OID));
    if (pk->pk_opfamily != opfamily)
        return NIL;
    if (pk->pk_strategy == BTLessStrategyNumber)
        *forward = true;
    else if (pk->pk_strategy == BTGreaterStrategyNumber)
        *forward = false;
    else
        return NIL;
    return root->query_pathkeys;
}

List *PathPrivate(DynamoPathKind kind, int index, bool forward, List *key_clauses) {
    return list_make4(makeInteger(kind), makeInteger(index), makeInteger(forward ? 1 : 0),
                      key_clauses);
}

ForeignPath *MakePath(PlannerInfo *root, RelOptInfo *baserel, double rows, Cost startup, Cost total,
                      List *pathkeys, Relids required_outer, List *priv) {
    return create_foreignscan_path(root, baserel, NULL, rows, startup, total, pathkeys,
                                   required_outer, NULL,
#if PG_VERSION_NUM >= 170000
                                   NIL,
#endif
                                   priv);
}

// Whether the chosen key conditions fix the whole primary key (a GetItem or BatchGetItem).
bool WholeKey(const DynamoKeyAttr *range, const KeyChoice *kc) {
    return range->name == NULL || kc->range_eq != NULL;
}

// Partition key values the chosen key conditions name.
int KeyValueCount(const KeyChoice *kc) {
    return kc->hash->key_op == DKEY_IN ? list_length(kc->hash->key_values) : 1;
}

// Rows one Query returns, before conditions Postgres checks.
double QueryRows(DynamoRelInfo *info, const DynamoKeyAttr *range, KeyChoice *kc) {
    if (WholeKey(range, kc))
        return 1.0;
    double rows = Max(1.0, info->item_count * kPartitionFraction);
    if (kc->begins || kc->lower || kc->upper)
        rows = Max(1.0, rows / 3.0);
    return rows;
}

// Adds the key paths the conjuncts allow; returns whether there was one.
bool AddKeyPaths(PlannerInfo *root, RelOptInfo *baserel, DynamoRelInfo *info, List *conjuncts,
                 Relids required_outer, double rows) {
    bool added = false;
    KeyChoice kc;
    const char *forced = info->opts->index;

    // The table's own key.
    if (forced == NULL && ChooseKeys(conjuncts, &info->hash, &info->range, true, &kc)) {
        int nvalues = KeyValueCount(&kc);
        bool whole_key = WholeKey(&info->range, &kc);
        List *keys = KeyClauses(&kc);
        added = true;
        if (whole_key) {
            DynamoPathKind kind =
                nvalues > 1 || kc.hash->key_op == DKEY_IN ? PATH_BATCHGET : PATH_GETITEM;
            Cost total = kRequestCost / 2 * (kind == PATH_BATCHGET ? (nvalues + 99) / 100 : 1) +
                         nvalues * kItemCost;
            add_path(baserel, (Path *)MakePath(root, baserel, required_outer ? nvalues : rows,
                                               kRequestCost / 2, total, NIL, required_outer,
                                               PathPrivate(kind, -1, true, keys)));
        } else {
            double qrows = QueryRows(info, &info->range, &kc) * nvalues;
            // Each part of the key condition makes the read narrower.
            Cost total =
                kRequestCost * nvalues + qrows * kItemCost - kKeyPartBonus * list_length(keys);
            double prows = required_outer ? qrows : rows;
            add_path(baserel,
                     (Path *)MakePath(root, baserel, prows, kRequestCost, total, NIL,
                                      required_outer, PathPrivate(PATH_QUERY, -1, true, keys)));
            bool forward = true;
            List *pathkeys = SortKeyPathkeys(root, baserel, info, &info->range, &forward);
            if (pathkeys != NIL && nvalues == 1)
                add_path(baserel, (Path *)MakePath(root, baserel, prows, kRequestCost, total,
                                                   pathkeys, required_outer,
                                                   PathPrivate(PATH_QUERY, -1, forward, keys)));
        }
    }

    // Secondary indexes whose partition key is fixed and that hold what the query needs.
    for (int i = 0; i < info->nindexes; i++) {
        DynamoPlanIndex *ix = &info->indexes[i];
        if (forced != NULL && strcmp(forced, ix->name) != 0)
            continue;
        if (!ChooseKeys(conjuncts, &ix->hash, &ix->range, false, &kc))
            continue;
        // An index holds only the items that have all its key attributes. The partition key's
        // condition implies the item has it; without a condition on the sort key too, a Query
        // would miss the items that lack it (unless the user chose the index).
        bool range_fixed = kc.range_eq || kc.lower || kc.upper || kc.begins;
        if (forced == NULL && ix->range.name != NULL && !range_fixed)
            continue;
        if (!IndexCovers(info, ix))
            continue;
        List *keys = KeyClauses(&kc);
        double qrows = QueryRows(info, &ix->range, &kc);
        if (ix->range.name == NULL)
            qrows = Max(1.0, info->item_count * kPartitionFraction);
        // A little dearer than the table's own key for the same key condition.
        Cost total =
            kRequestCost + kIndexPenalty + qrows * kItemCost - kKeyPartBonus * list_length(keys);
        double prows = required_outer ? qrows : rows;
        add_path(baserel, (Path *)MakePath(root, baserel, prows, kRequestCost, total, NIL,
                                           required_outer, PathPrivate(PATH_QUERY, i, true, keys)));
        bool forward = true;
        List *pathkeys = SortKeyPathkeys(root, baserel, info, &ix->range, &forward);
        if (pathkeys != NIL)
            add_path(baserel,
                     (Path *)MakePath(root, baserel, prows, kRequestCost, total, pathkeys,
                                      required_outer, PathPrivate(PATH_QUERY, i, forward, keys)));
        added = true;
    }
    return added;
}

// EquivalenceClass members usable as join keys for the partition key column.
bool PartitionKeyMember(PlannerInfo *root, RelOptInfo *rel, EquivalenceClass *ec,
                        EquivalenceMember *em, void *arg) {
    Expr *e = em->em_expr;
    while (IsA(e, RelabelType))
        e = ((RelabelType *)e)->arg;
    const char *name = (const char *)arg;
    if (!IsA(e, Var) || (Index)((Var *)e)->varno != rel->relid)
        return false;
    DynamoRelInfo *info = (DynamoRelInfo *)rel->fdw_private;
    for (int i = 0; i < info->ncols; i++)
        if (info->cols[i].attnum == ((Var *)e)->varattno && strcmp(info->cols[i].name, name) == 0)
            return true;
    return false;
}

// Joins on a partition key: a Query per outer row.
void AddParameterizedPaths(PlannerInfo *root, RelOptInfo *baserel, DynamoRelInfo *info) {
    List *candidates = NIL;
    ListCell *lc;
    foreach (lc, baserel->joininfo) {
        RestrictInfo *ri = (RestrictInfo *)lfirst(lc);
        if (join_clause_is_movable_to(ri, baserel))
            candidates = lappend(candidates, ri);
    }
    const char *keynames[16];
    int nkeys = 0;
    keynames[nkeys++] = info->hash.name;
    for (int i = 0; i < info->nindexes && nkeys < 16; i++)
        keynames[nkeys++] = info->indexes[i].hash.name;
    if (baserel->has_eclass_joins)
        for (int k = 0; k < nkeys; k++)
            candidates =
                list_concat(candidates, generate_implied_equalities_for_column(
                                            root, baserel, PartitionKeyMember, (void *)keynames[k],
                                            baserel->lateral_referencers));

    foreach (lc, candidates) {
        RestrictInfo *ri = (RestrictInfo *)lfirst(lc);
        Relids outer = bms_difference(ri->clause_relids, baserel->relids);
        if (bms_is_empty(outer) || bms_overlap(outer, baserel->lateral_referencers))
            continue;
        DynamoConjunct *cj = DynamoAnalyzeConjunct(info, baserel, ri);
        if (cj->key_op != DKEY_EQ)
            continue;
        // The join clause plus the base conditions (sort key conditions, say).
        List *conjuncts = lappend(list_copy(info->conjuncts), cj);
        Relids required = bms_union(outer, baserel->lateral_relids);
        AddKeyPaths(root, baserel, info, conjuncts, required, 1.0);
    }
}

}  // namespace

void DynamoGetForeignRelSize(PlannerInfo *root, RelOptInfo *baserel, Oid relid) {
    DynamoRelInfo *info = (DynamoRelInfo *)palloc0(sizeof(DynamoRelInfo));
    ForeignTable *ft = GetForeignTable(relid);
    info->relid = relid;
    info->serverid = ft->serverid;
    info->userid = OidIsValid(baserel->userid) ? baserel->userid : GetUserId();
    info->opts = DynamoGetOptions(info->serverid, info->userid, relid);
    info->pushdown = dynamodb_pushdown;

    const dynamo::TableDescription *desc =
        DynamoDescribeTable(relid, info->serverid, info->userid, info->opts->table);
    FillTableInfo(info, desc);
    if (info->opts->index != NULL) {
        bool found = false;
        for (int i = 0; i < info->nindexes; i++)
            found = found || strcmp(info->indexes[i].name, info->opts->index) == 0;
        if (!found)
            ereport(ERROR,
                    (errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
                     errmsg("DynamoDB table \"%s\" has no index \"%s\"", info->opts->table,
                            info->opts->index),
                     errcontext("option \"index\" of foreign table \"%s\"", get_rel_name(relid))));
    }
    baserel->fdw_private = info;
    FillColumns(root, baserel, info);

    if (info->pushdown) {
        ListCell *lc;
        foreach (lc, baserel->baserestrictinfo)
            info->conjuncts = lappend(
                info->conjuncts, DynamoAnalyzeConjunct(info, baserel, (RestrictInfo *)lfirst(lc)));
    }
    Selectivity sel = clauselist_selectivity(root, baserel->baserestrictinfo, 0, JOIN_INNER, NULL);
    baserel->rows = clamp_row_est(info->item_count * sel);
    // Equality on the whole primary key: one item per key value (the values asked for are
    // expected to exist), kept by the other conditions' selectivity.
    KeyChoice kc;
    if (ChooseKeys(info->conjuncts, &info->hash, &info->range, true, &kc) &&
        WholeKey(&info->range, &kc)) {
        List *others = NIL;
        ListCell *lc;
        foreach (lc, info->conjuncts) {
            DynamoConjunct *cj = (DynamoConjunct *)lfirst(lc);
            if (cj != kc.hash && cj != kc.range_eq)
                others = lappend(others, cj->rinfo);
        }
        Selectivity others_sel = clauselist_selectivity(root, others, 0, JOIN_INNER, NULL);
        baserel->rows = clamp_row_est(KeyValueCount(&kc) * others_sel);
    }
}

void DynamoGetForeignPaths(PlannerInfo *root, RelOptInfo *baserel, Oid relid) {
    DynamoRelInfo *info = (DynamoRelInfo *)baserel->fdw_private;
    // A query that names a key never reads the whole table: the Scan is there only when no key
    // path is.
    bool keyed =
        info->pushdown && AddKeyPaths(root, baserel, info, info->conjuncts, NULL, baserel->rows);
    if (!keyed) {
        Cost total = kRequestCost + info->item_count * kItemCost + baserel->rows * cpu_tuple_cost;
        add_path(baserel, (Path *)MakePath(root, baserel, baserel->rows, kRequestCost, total, NIL,
                                           NULL, PathPrivate(PATH_SCAN, -1, true, NIL)));
    }
    if (info->pushdown)
        AddParameterizedPaths(root, baserel, info);
}

namespace {

// Builds the read plan JSON for a chosen path. Values known only at run time go to *params.
char *BuildPlanJson(PlannerInfo *root, RelOptInfo *baserel, DynamoRelInfo *info,
                    DynamoPathKind kind, int index, bool forward, List *key_clauses,
                    bool parameterized, bool count, List **params, List **param_types,
                    List **handled) {
    DynamoPlanIndex *ix = index >= 0 ? &info->indexes[index] : NULL;
    const DynamoKeyAttr *hash = ix ? &ix->hash : &info->hash;
    const DynamoKeyAttr *range = ix ? &ix->range : &info->range;

    // The conjuncts: base conditions, plus join clauses of a parameterized path.
    List *conjuncts = list_copy(info->conjuncts);
    ListCell *lc;
    foreach (lc, key_clauses) {
        RestrictInfo *ri = (RestrictInfo *)lfirst(lc);
        bool known = false;
        ListCell *lc2;
        foreach (lc2, info->conjuncts)
            known = known || ((DynamoConjunct *)lfirst(lc2))->rinfo == ri;
        if (!known)
            conjuncts = lappend(conjuncts, DynamoAnalyzeConjunct(info, baserel, ri));
    }
    // The key conjuncts, in the order the path chose them.
    List *key_conjuncts = NIL;
    foreach (lc, key_clauses) {
        ListCell *lc2;
        foreach (lc2, conjuncts) {
            DynamoConjunct *cj = (DynamoConjunct *)lfirst(lc2);
            if (cj->rinfo == lfirst(lc))
                key_conjuncts = lappend(key_conjuncts, cj);
        }
    }

    StringInfoData js;
    initStringInfo(&js);
    const char *op = kind == PATH_SCAN       ? "Scan"
                     : kind == PATH_GETITEM  ? "GetItem"
                     : kind == PATH_BATCHGET ? "BatchGetItem"
                                             : "Query";
    appendStringInfo(&js, "{\"op\":\"%s\",\"table\":", op);
    DynamoAppendJsonString(&js, info->opts->table);
    if (ix != NULL || (kind == PATH_SCAN && info->opts->index != NULL)) {
        appendStringInfoString(&js, ",\"index\":");
        DynamoAppendJsonString(&js, ix ? ix->name : info->opts->index);
    }

    bool all_exact = true;  // every conjunct is represented exactly by key condition and filter
    if (kind == PATH_QUERY) {
        DynamoConjunct *h = (DynamoConjunct *)linitial(key_conjuncts);
        List *parts = NIL;
        if (h->key_op == DKEY_IN) {
            List *ops = NIL;
            ListCell *vc;
            foreach (vc, h->key_values)
                ops = lappend(ops, DynamoKeyOperand(info, (Expr *)lfirst(vc), h->key_target, true,
                                                    params, param_types));
            parts = lappend(parts, DynamoKeyCondition(hash->name, DKEY_EQ, (char *)linitial(ops)));
            appendStringInfoString(&js, ",\"partition\":[");
            bool first = true;
            ListCell *oc;
            foreach (oc, ops) {
                if (!first)
                    appendStringInfoChar(&js, ',');
                first = false;
                appendStringInfoString(&js, (char *)lfirst(oc));
            }
            appendStringInfoChar(&js, ']');
        } else {
            parts = lappend(
                parts, DynamoKeyCondition(hash->name, DKEY_EQ,
                                          DynamoKeyOperand(info, h->key_value, h->key_target, true,
                                                           params, param_types)));
        }
        all_exact = all_exact && h->key_exact;
        if (h->key_exact)
            *handled = lappend(*handled, h->rinfo);
        if (list_length(key_conjuncts) == 3) {
            DynamoConjunct *lo = (DynamoConjunct *)lsecond(key_conjuncts);
            DynamoConjunct *hi = (DynamoConjunct *)lthird(key_conjuncts);
            parts =
                lappend(parts, DynamoBetween(range->name,
                                             DynamoKeyOperand(info, lo->key_value, lo->key_target,
                                                              false, params, param_types),
                                             DynamoKeyOperand(info, hi->key_value, hi->key_target,
                                                              false, params, param_types)));
            all_exact = all_exact && lo->key_exact && hi->key_exact;
            if (lo->key_exact)
                *handled = lappend(*handled, lo->rinfo);
            if (hi->key_exact)
                *handled = lappend(*handled, hi->rinfo);
        } else if (list_length(key_conjuncts) == 2) {
            DynamoConjunct *r = (DynamoConjunct *)lsecond(key_conjuncts);
            parts = lappend(
                parts,
                DynamoKeyCondition(range->name, r->key_op,
                                   DynamoKeyOperand(info, r->key_value, r->key_target,
                                                    r->key_op == DKEY_EQ, params, param_types)));
            all_exact = all_exact && r->key_exact;
            if (r->key_exact)
                *handled = lappend(*handled, r->rinfo);
        }
        appendStringInfo(&js, ",\"key\":%s", DynamoJsonAnd(parts));
    } else if (kind == PATH_GETITEM || kind == PATH_BATCHGET) {
        DynamoConjunct *h = (DynamoConjunct *)linitial(key_conjuncts);
        DynamoConjunct *r =
            list_length(key_conjuncts) > 1 ? (DynamoConjunct *)lsecond(key_conjuncts) : NULL;
        char *range_op =
            r ? DynamoKeyOperand(info, r->key_value, r->key_target, true, params, param_types)
              : NULL;
        List *values = h->key_op == DKEY_IN ? h->key_values : list_make1(h->key_value);
        appendStringInfoString(&js, ",\"keys\":[");
        bool first = true;
        ListCell *vc;
        foreach (vc, values) {
            if (!first)
                appendStringInfoChar(&js, ',');
            first = false;
            appendStringInfoChar(&js, '{');
            DynamoAppendJsonString(&js, hash->name);
            appendStringInfo(&js, ":%s",
                             DynamoKeyOperand(info, (Expr *)lfirst(vc), h->key_target, true, params,
                                              param_types));
            if (r != NULL) {
                appendStringInfoChar(&js, ',');
                DynamoAppendJsonString(&js, range->name);
                appendStringInfo(&js, ":%s", range_op);
            }
            appendStringInfoChar(&js, '}');
        }
        appendStringInfoChar(&js, ']');
        all_exact = all_exact && h->key_exact && (r == NULL || r->key_exact);
        if (h->key_exact)
            *handled = lappend(*handled, h->rinfo);
        if (r != NULL && r->key_exact)
            *handled = lappend(*handled, r->rinfo);
    }

    // The filter: conjuncts not in the key condition. A Query's filter may not name the keys
    // it queries by (nor the table's keys); GetItem and BatchGetItem take no filter.
    List *filters = NIL;
    foreach (lc, conjuncts) {
        DynamoConjunct *cj = (DynamoConjunct *)lfirst(lc);
        if (list_member_ptr(key_conjuncts, cj))
            continue;
        bool usable = cj->filter != NULL && kind != PATH_GETITEM && kind != PATH_BATCHGET;
        if (usable && kind == PATH_QUERY) {
            ListCell *ac;
            foreach (ac, cj->attrs) {
                const char *a = strVal(lfirst(ac));
                if (strcmp(a, hash->name) == 0 || (range->name && strcmp(a, range->name) == 0) ||
                    strcmp(a, info->hash.name) == 0 ||
                    (info->range.name && strcmp(a, info->range.name) == 0))
                    usable = false;
            }
        }
        if (usable)
            filters = lappend(filters, cj->filter);
        if (usable && cj->filter_exact)
            *handled = lappend(*handled, cj->rinfo);
        all_exact = all_exact && usable && cj->filter_exact;
    }
    char *filter = DynamoJsonAnd(filters);
    if (filter != NULL)
        appendStringInfo(&js, ",\"filter\":%s", filter);

    if (!info->need_all && !count && info->pushdown) {
        appendStringInfoString(&js, ",\"projection\":[");
        bool first = true;
        foreach (lc, info->needed) {
            if (!first)
                appendStringInfoChar(&js, ',');
            first = false;
            DynamoAppendJsonString(&js, strVal(lfirst(lc)));
        }
        if (first) {
            // Nothing but the row count is needed: the partition key keeps items small.
            DynamoAppendJsonString(&js, info->hash.name);
        }
        appendStringInfoChar(&js, ']');
    }
    if (!forward)
        appendStringInfoString(&js, ",\"forward\":false");
    // DynamoDB's Limit counts items read before the filter: send it only when DynamoDB
    // returns exactly the rows the query wants.
    bool limited = !count && !parameterized && root->limit_tuples > 0 && filter == NULL &&
                   all_exact && (kind == PATH_SCAN || kind == PATH_QUERY);
    if (limited)
        appendStringInfo(&js, ",\"limit\":%.0f", root->limit_tuples);
    if (info->opts->page_size > 0)
        appendStringInfo(&js, ",\"page_size\":%d", info->opts->page_size);
    // A parallel Scan (counts too): the segments option, else one segment per 100,000 items
    // DynamoDB reports (at most 8). A limited Scan reads one segment.
    if (kind == PATH_SCAN && !limited) {
        constexpr double kSegmentItems = 100000.0;
        constexpr double kMaxDefaultSegments = 8.0;
        int segments = info->opts->segments;
        if (segments == 0)
            segments = info->item_count < kSegmentItems
                           ? 1
                           : (int)Min(kMaxDefaultSegments, info->item_count / kSegmentItems + 1);
        if (segments > 1)
            appendStringInfo(&js, ",\"segments\":%d", segments);
    }
    bool global_index = (ix != NULL && ix->global);
    if (info->opts->consistent_read && !global_index)
        appendStringInfoString(&js, ",\"consistent\":true");
    if (count)
        appendStringInfoString(&js, ",\"count\":true");
    appendStringInfoChar(&js, '}');
    if (count && !all_exact)
        return NULL;
    return js.data;
}

}  // namespace

namespace {

// A parameterized path's join clause reaches GetForeignPlan as another RestrictInfo than the one
// the path was built from when both come from one equivalence class: it is handled when it is
// the same key equality.
bool JoinKeyHandled(DynamoRelInfo *info, RelOptInfo *baserel, RestrictInfo *ri, List *handled) {
    if (ri->parent_ec == NULL || !bms_nonempty_difference(ri->clause_relids, baserel->relids))
        return false;
    DynamoConjunct *cj = DynamoAnalyzeConjunct(info, baserel, ri);
    if (cj->key_op != DKEY_EQ || !cj->key_exact)
        return false;
    ListCell *lc;
    foreach (lc, handled) {
        RestrictInfo *h = (RestrictInfo *)lfirst(lc);
        if (h->parent_ec == ri->parent_ec &&
            bms_nonempty_difference(h->clause_relids, baserel->relids))
            return true;
    }
    return false;
}

}  // namespace

ForeignScan *DynamoGetForeignPlan(PlannerInfo *root, RelOptInfo *foreignrel, Oid relid,
                                  ForeignPath *best_path, List *tlist, List *scan_clauses,
                                  Plan *outer_plan) {
    List *pp = best_path->fdw_private;
    DynamoPathKind kind = (DynamoPathKind)intVal(list_nth(pp, FdwPathKind));
    bool count = kind == PATH_COUNT;
    RelOptInfo *baserel = foreignrel;
    if (count)
        baserel = root->simple_rel_array[intVal(list_nth(pp, FdwPathBaseRelid))];
    DynamoRelInfo *info = (DynamoRelInfo *)baserel->fdw_private;
    int index = intVal(list_nth(pp, FdwPathIndex));
    bool forward = intVal(list_nth(pp, FdwPathForward)) != 0;
    List *key_clauses = (List *)list_nth(pp, FdwPathKeyClauses);
    if (count)
        kind = key_clauses != NIL ? PATH_QUERY : PATH_SCAN;

    List *params = NIL, *param_types = NIL, *handled = NIL;
    char *json =
        BuildPlanJson(root, baserel, info, kind, index, forward, key_clauses,
                      best_path->path.param_info != NULL, count, &params, &param_types, &handled);
    List *priv = list_make5(makeString(json), param_types, makeInteger((int)info->serverid),
                            makeInteger((int)info->userid), makeInteger((int)info->relid));
    priv = lappend(priv, makeInteger(count ? 1 : 0));

    if (count) {
        // The aggregate comes from the scan itself: scanrelid 0, fdw_scan_tlist describes it.
        List *scan_tlist =
            add_to_flat_tlist(NIL, list_make1(linitial(foreignrel->reltarget->exprs)));
        return make_foreignscan(tlist, NIL, 0, params, priv, scan_tlist, NIL, outer_plan);
    }
    // Postgres checks what DynamoDB does not settle exactly (filters that keep more rows than
    // they must, and conditions DynamoDB cannot evaluate).
    List *local = NIL;
    ListCell *lc;
    foreach (lc, scan_clauses) {
        RestrictInfo *ri = (RestrictInfo *)lfirst(lc);
        if (ri->pseudoconstant || list_member_ptr(handled, ri))
            continue;
        if (JoinKeyHandled(info, baserel, ri, handled))
            continue;
        local = lappend(local, ri->clause);
    }
    return make_foreignscan(tlist, local, baserel->relid, params, priv, NIL, NIL, outer_plan);
}

// --- count(*) ---

void DynamoGetForeignUpperPaths(PlannerInfo *root, UpperRelationKind stage, RelOptInfo *input_rel,
                                RelOptInfo *output_rel, void *extra) {
    if (stage != UPPERREL_GROUP_AGG || input_rel->reloptkind != RELOPT_BASEREL)
        return;
    DynamoRelInfo *info = (DynamoRelInfo *)input_rel->fdw_private;
    if (info == NULL || !info->pushdown || output_rel->fdw_private != NULL)
        return;
    Query *parse = root->parse;
    if (parse->groupClause || parse->groupingSets || parse->havingQual || parse->hasWindowFuncs ||
        parse->hasTargetSRFs || parse->distinctClause)
        return;
    List *exprs = output_rel->reltarget->exprs;
    if (list_length(exprs) != 1 || !IsA(linitial(exprs), Aggref))
        return;
    Aggref *agg = (Aggref *)linitial(exprs);
    if (agg->aggfnoid != F_COUNT_ || agg->args != NIL || agg->aggfilter != NULL ||
        agg->aggdistinct != NIL || agg->aggorder != NIL || agg->aggkind != AGGKIND_NORMAL)
        return;

    // Only when DynamoDB's count is exactly Postgres's: every condition exactly pushed.
    KeyChoice kc;
    List *keys = NIL;
    if (info->opts->index == NULL &&
        ChooseKeys(info->conjuncts, &info->hash, &info->range, true, &kc))
        keys = KeyClauses(&kc);
    List *params = NIL, *types = NIL, *handled = NIL;
    if (BuildPlanJson(root, input_rel, info, keys ? PATH_QUERY : PATH_SCAN, -1, true, keys, false,
                      true, &params, &types, &handled) == NULL)
        return;

    output_rel->fdw_private = info;
    List *priv =
        lappend(PathPrivate(PATH_COUNT, -1, true, keys), makeInteger((int)input_rel->relid));
    Cost total = kRequestCost + info->item_count * kItemCost * 0.01;
    add_path(output_rel, (Path *)create_foreign_upper_path(root, output_rel, output_rel->reltarget,
                                                           1, kRequestCost, total, NIL, NULL,
#if PG_VERSION_NUM >= 170000
                                                           NIL,
#endif
                                                           priv));
}

// --- execution ---

namespace {

// Evaluates the run-time values and builds the requests.
void PrepareRead(ForeignScanState *node, DynamoScanState *ss) {
    ScanRuntime *rt = ss->rt;
    ExprContext *econtext = node->ss.ps.ps_ExprContext;
    int n = list_length(ss->param_states);
    bool no_rows = false;
    RunCpp([&] {
        rt->params.assign(n, dynamo::AttributeValue());
        rt->no_rows = false;
    });
    MemoryContext old = MemoryContextSwitchTo(econtext->ecxt_per_tuple_memory);
    for (int i = 0; i < n; i++) {
        ExprState *es = (ExprState *)list_nth(ss->param_states, i);
        bool isnull;
        Datum d = ExecEvalExpr(es, econtext, &isnull);
        int kind = list_nth_int(ss->param_types, i);
        dynamo::AttrType target = (dynamo::AttrType)(kind & ~DYNAMO_PARAM_EQUALITY);
        Oid type = exprType((Node *)es->expr);
        if (isnull) {
            no_rows = true;  // a key equal to NULL: nothing matches
            continue;
        }
        if ((kind & DYNAMO_PARAM_EQUALITY) &&
            (target == dynamo::AttrType::S || target == dynamo::AttrType::B) &&
            (type == TEXTOID || type == VARCHAROID || type == BYTEAOID) &&
            VARSIZE_ANY_EXHDR(DatumGetPointer(d)) == 0) {
            no_rows = true;  // a key equal to an empty string: no key is empty
            continue;
        }
        if (target == dynamo::AttrType::N && (type == TEXTOID || type == VARCHAROID)) {
            // A number key declared as text: the text must be a number to match anything.
            char *digits = TextDatumGetCString(d);
            bool ok = false;
            RunCpp([&] {
                std::string why;
                ok = dynamo::CheckDynamoNumber(digits, why);
                if (ok)
                    rt->params[i] = dynamo::AttributeValue::Number(digits);
            });
            if (!ok)
                no_rows = true;
            continue;
        }
        DynamoDatumToAttribute(d, type, DYNAMO_ARRAY_AUTO, &rt->params[i], "key", ss->relname);
    }
    MemoryContextSwitchTo(old);
    ResetExprContext(econtext);

    RunCpp([&] {
        rt->no_rows = no_rows;
        rt->page.items.clear();
        rt->pos = 0;
        rt->started = false;
        rt->done = no_rows;
        if (!no_rows) {
            dynamo::ReadPlan plan = dynamo::BuildReadPlan(rt->plan_json, rt->params);
            plan.request.return_consumed = rt->instrumented;
            rt->cursor.reset(new dynamo::ReadCursor(rt->client.get(), std::move(plan)));
        }
    });
}

void FetchPage(DynamoScanState *ss) {
    ScanRuntime *rt = ss->rt;
    bool ok = false;
    RunCpp([&] {
        int64_t before_requests = rt->cursor->requests();
        int64_t before_retries = rt->cursor->retries();
        int64_t before_scanned = rt->cursor->scanned();
        double before_consumed = rt->cursor->consumed();
        bool done = false;
        rt->error = rt->cursor->Next(rt->page, done, DynamoAbortRequested);
        ok = rt->error.ok();
        rt->started = true;
        rt->pos = 0;
        if (ok)
            rt->done = done;
        rt->requests += rt->cursor->requests() - before_requests;
        rt->retries += rt->cursor->retries() - before_retries;
        rt->scanned += rt->cursor->scanned() - before_scanned;
        rt->consumed += rt->cursor->consumed() - before_consumed;
    });
    if (!ok)
        ReportClientError(&rt->error, ss->relname, ss->table);
}

}  // namespace

void DynamoBeginForeignScan(ForeignScanState *node, int eflags) {
    ForeignScan *plan = (ForeignScan *)node->ss.ps.plan;
    EState *estate = node->ss.ps.state;
    List *priv = plan->fdw_private;
    Oid relid = (Oid)intVal(list_nth(priv, FdwScanPrivateRelid));

    DynamoScanState *ss = (DynamoScanState *)palloc0(sizeof(DynamoScanState));
    node->fdw_state = ss;
    ss->relname = get_rel_name(relid);
    ss->count_only = intVal(list_nth(priv, FdwScanPrivateCount)) != 0;
    ss->param_types = (List *)list_nth(priv, FdwScanPrivateParamTypes);
    if (eflags & EXEC_FLAG_EXPLAIN_ONLY)
        return;

    Oid serverid = (Oid)intVal(list_nth(priv, FdwScanPrivateServer));
    Oid userid = (Oid)intVal(list_nth(priv, FdwScanPrivateUser));
    DynamoOptions *opts = DynamoGetOptions(serverid, userid, relid);
    ss->table = opts->table;
    const dynamo::TableDescription *desc = DynamoDescribeTable(relid, serverid, userid, ss->table);

    ss->scan_cxt =
        AllocSetContextCreate(estate->es_query_cxt, "DynamoDB scan", ALLOCSET_DEFAULT_SIZES);
    ss->row_cxt = AllocSetContextCreate(ss->scan_cxt, "DynamoDB row", ALLOCSET_DEFAULT_SIZES);
    const char *json = strVal(list_nth(priv, FdwScanPrivatePlan));
    RunCpp([&] {
        ss->rt = new ScanRuntime();
        ss->rt->desc = *desc;
        ss->rt->plan_json = json;
        ss->rt->instrumented = estate->es_instrument != 0;
    });
    MemoryContextCallback *cb =
        (MemoryContextCallback *)MemoryContextAlloc(ss->scan_cxt, sizeof(MemoryContextCallback));
    cb->func = FreeRuntime;
    cb->arg = ss;
    MemoryContextRegisterResetCallback(ss->scan_cxt, cb);

    DynamoShareClient(serverid, userid, &ss->rt->client);
    ss->param_states = ExecInitExprList(plan->fdw_exprs, (PlanState *)node);

    if (!ss->count_only) {
        ss->cx.relname = ss->relname;
        ss->cx.dynamo_table = ss->table;
        ss->cx.desc = &ss->rt->desc;
        ss->cx.buf = &ss->rt->buf;
        DynamoInitColumns(node->ss.ss_currentRelation, &ss->cx);
    }
}

TupleTableSlot *DynamoIterateForeignScan(ForeignScanState *node) {
    DynamoScanState *ss = (DynamoScanState *)node->fdw_state;
    TupleTableSlot *slot = node->ss.ss_ScanTupleSlot;
    ScanRuntime *rt = ss->rt;

    ExecClearTuple(slot);
    if (!rt->started && rt->cursor == nullptr && !rt->no_rows)
        PrepareRead(node, ss);

    if (ss->count_only) {
        if (ss->count_returned)
            return slot;
        int64 total = 0;
        while (!rt->done) {
            CHECK_FOR_INTERRUPTS();
            FetchPage(ss);
            total += rt->page.count;
        }
        ss->count_returned = true;
        rt->returned = total;
        slot->tts_values[0] = Int64GetDatum(total);
        slot->tts_isnull[0] = false;
        return ExecStoreVirtualTuple(slot);
    }

    for (;;) {
        if (rt->pos < rt->page.items.size()) {
            const dynamo::Item *item = &rt->page.items[rt->pos++];
            MemoryContextReset(ss->row_cxt);
            MemoryContext old = MemoryContextSwitchTo(ss->row_cxt);
            DynamoItemToTuple(&ss->cx, item, slot->tts_values, slot->tts_isnull);
            MemoryContextSwitchTo(old);
            rt->returned++;
            return ExecStoreVirtualTuple(slot);
        }
        if (rt->done)
            return slot;
        CHECK_FOR_INTERRUPTS();
        FetchPage(ss);
    }
}

void DynamoReScanForeignScan(ForeignScanState *node) {
    DynamoScanState *ss = (DynamoScanState *)node->fdw_state;
    ss->count_returned = false;
    // Parameters may have changed (a join's outer row): evaluate them again.
    PrepareRead(node, ss);
}

void DynamoEndForeignScan(ForeignScanState *node) {
    DynamoScanState *ss = (DynamoScanState *)node->fdw_state;
    if (ss != NULL && ss->scan_cxt != NULL) {
        MemoryContextDelete(ss->scan_cxt);  // frees the C++ runtime through its callback
        ss->scan_cxt = NULL;
    }
}

void DynamoExplainForeignScan(ForeignScanState *node, ExplainState *es) {
    DynamoScanState *ss = (DynamoScanState *)node->fdw_state;
    ForeignScan *plan = (ForeignScan *)node->ss.ps.plan;
    const char *json = strVal(list_nth(plan->fdw_private, FdwScanPrivatePlan));

    // Lines first copied out of C++ into palloc'd memory, then handed to EXPLAIN.
    int nlines = 0;
    char **labels = NULL, **values = NULL;
    char *body = NULL;
    bool have_params = plan->fdw_exprs != NIL;
    ScanRuntime *rt = ss != NULL ? ss->rt : NULL;
    RunCpp([&] {
        auto lines = dynamo::DescribeReadPlan(json);
        labels = static_cast<char **>(calloc(lines.size() + 1, sizeof(char *)));
        values = static_cast<char **>(calloc(lines.size() + 1, sizeof(char *)));
        if (labels == nullptr || values == nullptr)
            throw std::bad_alloc();
        for (const auto &l : lines) {
            labels[nlines] = strdup(l.first.c_str());
            values[nlines] = strdup(l.second.c_str());
            if (labels[nlines] == nullptr || values[nlines] == nullptr)
                throw std::bad_alloc();
            nlines++;
        }
        if (es->verbose) {
            std::string text;
            if (rt != nullptr && rt->cursor != nullptr)
                text = dynamo::FirstRequestBody(rt->cursor->plan());
            else if (!have_params)
                text = dynamo::FirstRequestBody(dynamo::BuildReadPlan(json, {}));
            if (!text.empty()) {
                body = strdup(text.c_str());
                if (body == nullptr)
                    throw std::bad_alloc();
            }
        }
    });
    for (int i = 0; i < nlines; i++) {
        char *label = pstrdup(labels[i]), *value = pstrdup(values[i]);
        free(labels[i]);
        free(values[i]);
        labels[i] = values[i] = NULL;
        ExplainPropertyText(label, value, es);
    }
    free(labels);
    free(values);
    if (body != NULL) {
        char *copy = pstrdup(body);
        free(body);
        ExplainPropertyText("DynamoDB Request", copy, es);
    }
    if (es->analyze && rt != NULL) {
        ExplainPropertyInteger("DynamoDB Requests", NULL, rt->requests, es);
        ExplainPropertyInteger("DynamoDB Retries", NULL, rt->retries, es);
        ExplainPropertyInteger("DynamoDB Items Scanned", NULL, rt->scanned, es);
        ExplainPropertyInteger("DynamoDB Items Returned", NULL, rt->returned, es);
        ExplainPropertyFloat("DynamoDB Consumed Read Capacity", NULL, rt->consumed, 1, es);
    }
}
