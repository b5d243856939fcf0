// Choosing how to read a foreign table: GetForeignRelSize, GetForeignPaths and the count(*)
// upper path.
//
// Paths: a Scan always; with a partition key equality a Query (GetItem when the whole key is
// fixed); with a partition key IN list one Query per value (BatchGetItem when the whole key is
// fixed); a Query on each secondary index whose partition key is fixed and that projects what
// the query needs; sorted variants when ORDER BY names the sort key; parameterized Queries for
// joins on the partition key. Conditions DynamoDB cannot evaluate stay with Postgres, and
// Postgres checks every condition again on the rows that come back. The chosen path becomes a
// read plan in scan_plan.cpp.
#include "fdw/scan.hpp"

#include <string>

extern "C" {
#include "access/stratnum.h"
#include "access/table.h"
#include "catalog/pg_aggregate.h"
#include "catalog/pg_am.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "nodes/makefuncs.h"
#include "optimizer/cost.h"
#include "optimizer/optimizer.h"
#include "optimizer/pathnode.h"
#include "optimizer/paths.h"
#include "optimizer/restrictinfo.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/pg_locale.h"
}

bool dynamodb_pushdown = true;
bool dynamodb_project_document_paths = true;

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
    info->needed_paths = NIL;
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
            List *members, *paths;
            if (info->cols[i].catch_all) {
                // Read through paths only: just those members and document paths (and the
                // column's own name).
                if (info->need_all ||
                    !DynamoCatchAllMembers(root, baserel, info, &info->cols[i], &members, &paths)) {
                    info->need_all = true;
                    continue;
                }
                ListCell *mc;
                if (!dynamodb_project_document_paths) {
                    // The attributes below which the paths lie, whole.
                    foreach (mc, paths)
                        members = lappend(members, linitial((List *)lfirst(mc)));
                    paths = NIL;
                }
                foreach (mc, members)
                    if (!ListHasName(info->needed, strVal(lfirst(mc))))
                        info->needed = lappend(info->needed, lfirst(mc));
                info->needed_paths = list_concat(info->needed_paths, paths);
                continue;
            }
            if (!ListHasName(info->needed, info->cols[i].name))
                info->needed = lappend(info->needed, makeString(info->cols[i].name));
        }
    }
    // A path below an attribute read whole is not asked for again (DynamoDB refuses overlaps).
    List *paths = NIL;
    foreach (lc, info->needed_paths)
        if (!ListHasName(info->needed, strVal(linitial((List *)lfirst(lc)))))
            paths = lappend(paths, lfirst(lc));
    info->needed_paths = paths;
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
    foreach (lc, info->needed_paths)
        if (!ListHasName(ix->projected, strVal(linitial((List *)lfirst(lc)))))
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

bool DynamoFullScanAllowed(const DynamoRelInfo *info) {
    return dynamodb_allow_full_scan && info->opts->allow_full_scan;
}

void DynamoRefuseFullScan(const DynamoRelInfo *info) {
    const char *index = info->opts->index;
    char *what = index != NULL
                     ? psprintf("index \"%s\" of DynamoDB table \"%s\"", index, info->opts->table)
                     : psprintf("DynamoDB table \"%s\"", info->opts->table);
    const char *key = info->hash.name;
    if (index != NULL)
        for (int i = 0; i < info->nindexes; i++)
            if (strcmp(info->indexes[i].name, index) == 0)
                key = info->indexes[i].hash.name;
    bool by_option = !info->opts->allow_full_scan;
    ereport(ERROR,
            (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
             errmsg("full Scan of %s is not allowed", what),
             errdetail("The query reads foreign table \"%s\" without a condition on the partition "
                       "key \"%s\", so it would read every item; %s.",
                       get_rel_name(info->relid), key,
                       by_option ? "the option allow_full_scan of the foreign table (or of its "
                                   "server) is false"
                                 : "dynamodb.allow_full_scan is off"),
             by_option ? errhint("Add a condition on \"%s\" (= or IN), or set the option "
                                 "allow_full_scan to 'true'.",
                                 key)
                       : errhint("Add a condition on \"%s\" (= or IN), or allow full scans for the "
                                 "session: SET dynamodb.allow_full_scan = on.",
                                 key)));
}

void DynamoGetForeignPaths(PlannerInfo *root, RelOptInfo *baserel, Oid relid) {
    DynamoRelInfo *info = (DynamoRelInfo *)baserel->fdw_private;
    // A query that names a key never reads the whole table: the Scan is there only when no key
    // path is. Where a full Scan is not allowed, it costs so much that any other plan wins (a
    // join's parameterized Queries); GetForeignPlan refuses it when it is still chosen.
    bool keyed =
        info->pushdown && AddKeyPaths(root, baserel, info, info->conjuncts, NULL, baserel->rows);
    if (!keyed) {
        Cost total = kRequestCost + info->item_count * kItemCost + baserel->rows * cpu_tuple_cost;
        Cost startup = kRequestCost;
        if (!DynamoFullScanAllowed(info)) {
            startup += disable_cost;
            total += disable_cost;
        }
        add_path(baserel, (Path *)MakePath(root, baserel, baserel->rows, startup, total, NIL, NULL,
                                           PathPrivate(PATH_SCAN, -1, true, NIL)));
    }
    if (info->pushdown)
        AddParameterizedPaths(root, baserel, info);
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

    // DynamoDB's count does not include writes this transaction keeps until COMMIT, and gives
    // no items for COMMIT to check (REPEATABLE READ, SERIALIZABLE).
    if (DynamoXactTouchesTable(info->opts->table) || DynamoXactChecksReads())
        return;
    // Only when DynamoDB's count is exactly Postgres's: every condition exactly pushed.
    KeyChoice kc;
    List *keys = NIL;
    if (info->opts->index == NULL &&
        ChooseKeys(info->conjuncts, &info->hash, &info->range, true, &kc))
        keys = KeyClauses(&kc);
    if (keys == NIL && !DynamoFullScanAllowed(info))
        return;
    DynamoReadChoice choice = {keys ? PATH_QUERY : PATH_SCAN, -1, true, keys, false, true};
    List *params = NIL, *types = NIL, *handled = NIL;
    if (DynamoBuildReadPlan(root, input_rel, info, &choice, &params, &types, &handled) == NULL)
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
