// GetForeignPlan: the read plan for the chosen path, and the conditions left to Postgres.
//
// The read plan is gathered as palloc'd pieces first (the key condition, partition values or
// full keys, the filter, the projection and the read's options), every Postgres call done; one
// C++ call (WritePlan) then writes it through the client's writer, dynamo::WritePlanJson
// (client/plan_format.hpp). Conditions are the JSON texts deparse.cpp built.
#include "fdw/scan.hpp"

#include <cmath>
#include <string>
#include <utility>
#include <vector>

extern "C" {
#include "nodes/makefuncs.h"
#include "optimizer/planmain.h"
#include "optimizer/tlist.h"
}

namespace {

// A read plan as palloc'd pieces.
struct PlanPieces {
    dynamo::ReadPlan::Kind op;
    const char *table;
    const char *index;  // NULL: the table itself
    char *key;          // Query: key condition JSON
    List *partition;    // Query on several partition values: operand JSON (char *) of each
    List *keys;    // GetItem, BatchGetItem: per key, a List of attribute name, operand JSON, ...
    char *filter;  // condition JSON, NULL: none
    bool has_projection;
    List *projection;        // String attribute names
    List *projection_paths;  // document paths through maps: Lists of String, the name first
    bool forward;
    int64 limit;
    int64 page_size;
    int64 segments;
    bool consistent;
    bool count;
};

// The texts of a List of char * or (`strings`) String nodes, copied out before any C++ runs.
struct Texts {
    int n;
    const char **items;
};

Texts ListTexts(List *l, bool strings) {
    Texts t = {list_length(l), (const char **)palloc0(sizeof(char *) * (list_length(l) + 1))};
    for (int i = 0; i < t.n; i++)
        t.items[i] = strings ? strVal(list_nth(l, i)) : (const char *)list_nth(l, i);
    return t;
}

// The plan's JSON, written by the client in one call.
char *WritePlan(const PlanPieces *pp) {
    Texts partition = ListTexts(pp->partition, false);
    Texts projection = ListTexts(pp->projection, true);
    int npaths = list_length(pp->projection_paths);
    Texts *paths = (Texts *)palloc0(sizeof(Texts) * (npaths + 1));
    for (int i = 0; i < npaths; i++)
        paths[i] = ListTexts((List *)list_nth(pp->projection_paths, i), true);
    int nkeys = list_length(pp->keys);
    Texts *keys = (Texts *)palloc0(sizeof(Texts) * (nkeys + 1));
    for (int i = 0; i < nkeys; i++)
        keys[i] = ListTexts((List *)list_nth(pp->keys, i), false);

    return DynamoCppString([&] {
        dynamo::ReadPlanSpec spec;
        spec.op = pp->op;
        spec.table = pp->table;
        if (pp->index != NULL)
            spec.index = pp->index;
        if (pp->key != NULL)
            spec.key = dynamo::ConditionFromJson(pp->key);
        for (int i = 0; i < partition.n; i++)
            spec.partition.push_back(dynamo::OperandFromJson(partition.items[i]));
        for (int k = 0; k < nkeys; k++) {
            std::vector<std::pair<std::string, dynamo::Operand>> key;
            for (int i = 0; i + 1 < keys[k].n; i += 2)
                key.emplace_back(keys[k].items[i], dynamo::OperandFromJson(keys[k].items[i + 1]));
            spec.keys.push_back(std::move(key));
        }
        if (pp->filter != NULL)
            spec.filter = dynamo::ConditionFromJson(pp->filter);
        spec.has_projection = pp->has_projection;
        spec.projection.assign(projection.items, projection.items + projection.n);
        for (int i = 0; i < npaths; i++) {
            std::vector<dynamo::PathStep> steps;
            for (int j = 1; j < paths[i].n; j++)
                steps.push_back(dynamo::PathStep::Key(paths[i].items[j]));
            spec.projection.emplace_back(paths[i].items[0], std::move(steps));
        }
        spec.forward = pp->forward;
        spec.limit = pp->limit;
        spec.page_size = pp->page_size;
        spec.segments = pp->segments;
        spec.consistent = pp->consistent;
        spec.count = pp->count;
        return dynamo::WritePlanJson(spec);
    });
}

// What building a plan keeps track of.
struct PlanBuild {
    DynamoRelInfo *info;
    List **params;
    List **param_types;
    List **handled;
    bool all_exact;  // every conjunct is represented exactly by key condition and filter
};

char *KeyOperand(PlanBuild *b, Expr *value, dynamo::AttrType target, bool equality) {
    return DynamoKeyOperand(b->info, value, target, equality, b->params, b->param_types);
}

// A key conjunct the read uses: DynamoDB settles it when the key condition is exact.
void UseKey(PlanBuild *b, DynamoConjunct *cj) {
    b->all_exact = b->all_exact && cj->key_exact;
    if (cj->key_exact)
        *b->handled = lappend(*b->handled, cj->rinfo);
}

// The conjuncts (base conditions, plus the join clauses of a parameterized path) and, among
// them, the key conjuncts in the order the path chose them.
void PlanConjuncts(DynamoRelInfo *info, RelOptInfo *baserel, List *key_clauses, List **conjuncts,
                   List **key_conjuncts) {
    *conjuncts = list_copy(info->conjuncts);
    ListCell *lc;
    foreach (lc, key_clauses) {
        RestrictInfo *ri = (RestrictInfo *)lfirst(lc);
        bool known = false;
        ListCell *lc2;
        foreach (lc2, info->conjuncts)
            known = known || ((DynamoConjunct *)lfirst(lc2))->rinfo == ri;
        if (!known)
            *conjuncts = lappend(*conjuncts, DynamoAnalyzeConjunct(info, baserel, ri));
    }
    *key_conjuncts = NIL;
    foreach (lc, key_clauses) {
        ListCell *lc2;
        foreach (lc2, *conjuncts) {
            DynamoConjunct *cj = (DynamoConjunct *)lfirst(lc2);
            if (cj->rinfo == lfirst(lc))
                *key_conjuncts = lappend(*key_conjuncts, cj);
        }
    }
}

// A Query's key condition: the partition key equality (each value of an IN list in turn), and
// the sort key condition, one bound or BETWEEN.
void QueryKey(PlanBuild *b, List *key_conjuncts, const DynamoKeyAttr *hash,
              const DynamoKeyAttr *range, PlanPieces *pp) {
    DynamoConjunct *h = (DynamoConjunct *)linitial(key_conjuncts);
    char *eq;
    if (h->key_op == DKEY_IN) {
        ListCell *vc;
        foreach (vc, h->key_values)
            pp->partition =
                lappend(pp->partition, KeyOperand(b, (Expr *)lfirst(vc), h->key_target, true));
        eq = (char *)linitial(pp->partition);
    } else {
        eq = KeyOperand(b, h->key_value, h->key_target, true);
    }
    List *parts = list_make1(DynamoKeyCondition(hash->name, DKEY_EQ, eq));
    UseKey(b, h);
    if (list_length(key_conjuncts) == 3) {
        DynamoConjunct *lo = (DynamoConjunct *)lsecond(key_conjuncts);
        DynamoConjunct *hi = (DynamoConjunct *)lthird(key_conjuncts);
        char *lo_operand = KeyOperand(b, lo->key_value, lo->key_target, false);
        char *hi_operand = KeyOperand(b, hi->key_value, hi->key_target, false);
        parts = lappend(parts, DynamoBetween(range->name, lo_operand, hi_operand));
        UseKey(b, lo);
        UseKey(b, hi);
    } else if (list_length(key_conjuncts) == 2) {
        DynamoConjunct *r = (DynamoConjunct *)lsecond(key_conjuncts);
        char *operand = KeyOperand(b, r->key_value, r->key_target, r->key_op == DKEY_EQ);
        parts = lappend(parts, DynamoKeyCondition(range->name, r->key_op, operand));
        UseKey(b, r);
    }
    pp->key = DynamoJsonAnd(parts);
}

// GetItem's and BatchGetItem's full keys: each partition key value, with the sort key value.
void ItemKeys(PlanBuild *b, List *key_conjuncts, const DynamoKeyAttr *hash,
              const DynamoKeyAttr *range, PlanPieces *pp) {
    DynamoConjunct *h = (DynamoConjunct *)linitial(key_conjuncts);
    DynamoConjunct *r =
        list_length(key_conjuncts) > 1 ? (DynamoConjunct *)lsecond(key_conjuncts) : NULL;
    char *range_operand = r ? KeyOperand(b, r->key_value, r->key_target, true) : NULL;
    List *values = h->key_op == DKEY_IN ? h->key_values : list_make1(h->key_value);
    ListCell *vc;
    foreach (vc, values) {
        List *key = list_make2(hash->name, KeyOperand(b, (Expr *)lfirst(vc), h->key_target, true));
        if (r != NULL)
            key = lappend(lappend(key, range->name), range_operand);
        pp->keys = lappend(pp->keys, key);
    }
    UseKey(b, h);
    if (r != NULL)
        UseKey(b, r);
}

// The filter: the conjuncts not in the key condition. A Query's filter may not name the keys it
// queries by (nor the table's keys); GetItem and BatchGetItem take no filter.
char *Filter(PlanBuild *b, List *conjuncts, List *key_conjuncts, DynamoPathKind kind,
             const DynamoKeyAttr *hash, const DynamoKeyAttr *range) {
    DynamoRelInfo *info = b->info;
    List *filters = NIL;
    ListCell *lc;
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
            *b->handled = lappend(*b->handled, cj->rinfo);
        b->all_exact = b->all_exact && usable && cj->filter_exact;
    }
    return DynamoJsonAnd(filters);
}

// A parallel Scan (counts too): the segments option, else one segment per 100,000 items
// DynamoDB reports (at most 8). 0 for one segment.
int Segments(DynamoRelInfo *info) {
    constexpr double kSegmentItems = 100000.0;
    constexpr double kMaxDefaultSegments = 8.0;
    int segments = info->opts->segments;
    if (segments == 0)
        segments = info->item_count < kSegmentItems
                       ? 1
                       : (int)Min(kMaxDefaultSegments, info->item_count / kSegmentItems + 1);
    return segments > 1 ? segments : 0;
}

dynamo::ReadPlan::Kind Operation(DynamoPathKind kind) {
    switch (kind) {
        case PATH_GETITEM:
            return dynamo::ReadPlan::Kind::GetItem;
        case PATH_BATCHGET:
            return dynamo::ReadPlan::Kind::BatchGetItem;
        case PATH_QUERY:
            return dynamo::ReadPlan::Kind::Query;
        default:
            return dynamo::ReadPlan::Kind::Scan;
    }
}

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

char *DynamoBuildReadPlan(PlannerInfo *root, RelOptInfo *baserel, DynamoRelInfo *info,
                          const DynamoReadChoice *choice, List **params, List **param_types,
                          List **handled) {
    DynamoPathKind kind = choice->kind;
    DynamoPlanIndex *ix = choice->index >= 0 ? &info->indexes[choice->index] : NULL;
    const DynamoKeyAttr *hash = ix ? &ix->hash : &info->hash;
    const DynamoKeyAttr *range = ix ? &ix->range : &info->range;
    List *conjuncts, *key_conjuncts;
    PlanConjuncts(info, baserel, choice->key_clauses, &conjuncts, &key_conjuncts);

    PlanBuild b = {info, params, param_types, handled, true};
    PlanPieces pp;
    memset(&pp, 0, sizeof(pp));
    pp.op = Operation(kind);
    pp.table = info->opts->table;
    pp.index = ix != NULL ? ix->name : kind == PATH_SCAN ? info->opts->index : NULL;
    if (kind == PATH_QUERY)
        QueryKey(&b, key_conjuncts, hash, range, &pp);
    else if (kind == PATH_GETITEM || kind == PATH_BATCHGET)
        ItemKeys(&b, key_conjuncts, hash, range, &pp);
    pp.filter = Filter(&b, conjuncts, key_conjuncts, kind, hash, range);
    if (choice->count && !b.all_exact)
        return NULL;  // DynamoDB's count would not be Postgres's

    pp.has_projection = !info->need_all && !choice->count && info->pushdown;
    // Nothing but the row count needed: the partition key keeps items small.
    if (pp.has_projection) {
        pp.projection = info->needed != NIL || info->needed_paths != NIL
                            ? info->needed
                            : list_make1(makeString(info->hash.name));
        pp.projection_paths = info->needed_paths;
    }
    pp.forward = choice->forward;
    // DynamoDB's Limit counts items read before the filter: sent only when DynamoDB returns
    // exactly the rows the query wants. A limited Scan reads one segment.
    bool limited = !choice->count && !choice->parameterized && root->limit_tuples > 0 &&
                   pp.filter == NULL && b.all_exact && (kind == PATH_SCAN || kind == PATH_QUERY);
    if (limited && root->limit_tuples < (double)PG_INT64_MAX)
        pp.limit = (int64)rint(root->limit_tuples);
    pp.page_size = info->opts->page_size > 0 ? info->opts->page_size : 0;
    pp.segments = kind == PATH_SCAN && !limited ? Segments(info) : 0;
    pp.consistent = info->opts->consistent_read && !(ix != NULL && ix->global);
    pp.count = choice->count;
    return WritePlan(&pp);
}

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
    List *key_clauses = (List *)list_nth(pp, FdwPathKeyClauses);
    if (count)
        kind = key_clauses != NIL ? PATH_QUERY : PATH_SCAN;
    if (kind == PATH_SCAN && !DynamoFullScanAllowed(info))
        DynamoRefuseFullScan(info);
    DynamoReadChoice choice = {
        kind,        intVal(list_nth(pp, FdwPathIndex)), intVal(list_nth(pp, FdwPathForward)) != 0,
        key_clauses, best_path->path.param_info != NULL, count};

    List *params = NIL, *param_types = NIL, *handled = NIL;
    char *json = DynamoBuildReadPlan(root, baserel, info, &choice, &params, &param_types, &handled);
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
    // What DynamoDB settles is checked again only when a write evaluates the statement again on
    // an item that changed under it (EvalPlanQual; see modify_exec.cpp).
    List *local = NIL, *recheck = NIL;
    ListCell *lc;
    foreach (lc, scan_clauses) {
        RestrictInfo *ri = (RestrictInfo *)lfirst(lc);
        if (ri->pseudoconstant)
            continue;
        if (list_member_ptr(handled, ri) || JoinKeyHandled(info, baserel, ri, handled))
            recheck = lappend(recheck, ri->clause);
        else
            local = lappend(local, ri->clause);
    }
    return make_foreignscan(tlist, local, baserel->relid, params, priv, NIL, recheck, outer_plan);
}
