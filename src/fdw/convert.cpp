// DynamoDB attribute values -> Postgres datums, following the declared column types.
#include "fdw/dynamodb_fdw.hpp"

#include <algorithm>

extern "C" {
#include "catalog/pg_attribute.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/numeric.h"
#include "utils/timestamp.h"
#include "utils/array.h"
}

namespace {

bool IsKeyName(const dynamo::TableDescription *desc, const std::string &name) {
    return desc != nullptr &&
           (name == desc->hash.name || (desc->has_range && name == desc->range.name));
}

// Writes the item's key as a JSON object into buf ("{\"id\":\"user123\"}"), no exceptions out.
void DescribeKey(DynamoConvertContext *cx, const dynamo::Item *item, char *buf, size_t size) {
    buf[0] = '\0';
    try {
        std::string key = dynamo::ItemToPlainJson(
            *item, [cx](const std::string &n) { return IsKeyName(cx->desc, n); });
        std::strncpy(buf, key.c_str(), size - 1);
        buf[size - 1] = '\0';
    } catch (...) {
        std::strncpy(buf, "(unknown)", size - 1);
    }
}

struct ConvertErrorState {
    DynamoConvertContext *cx;
    const DynamoColumn *col;
    const dynamo::Item *item;
};

void ConvertErrorCallback(void *arg) {
    ConvertErrorState *st = static_cast<ConvertErrorState *>(arg);
    char key[256];
    DescribeKey(st->cx, st->item, key, sizeof(key));
    errcontext("column \"%s\" of foreign table \"%s\", DynamoDB table \"%s\", item key %s",
               st->col->name, st->cx->relname, st->cx->dynamo_table, key);
}

const char *TypeName(Oid typid) {
    return format_type_be(typid);
}

void Mismatch(const DynamoColumn *col, const dynamo::AttributeValue *v, const char *why) {
    ereport(ERROR, (errcode(ERRCODE_FDW_INVALID_DATA_TYPE),
                    errmsg("DynamoDB attribute \"%s\" of type %s cannot be read as %s%s%s",
                           col->name, dynamo::AttrTypeName(v->type), TypeName(col->typid),
                           why ? ": " : "", why ? why : "")));
}

Datum TextDatum(const std::string &s) {
    return PointerGetDatum(cstring_to_text_with_len(s.data(), (int)s.size()));
}

Datum ByteaDatum(const std::string &s) {
    bytea *b = (bytea *)palloc(VARHDRSZ + s.size());
    SET_VARSIZE(b, VARHDRSZ + s.size());
    memcpy(VARDATA(b), s.data(), s.size());
    return PointerGetDatum(b);
}

Datum IntegerDatum(const DynamoColumn *col, const dynamo::AttributeValue *v, int64 min, int64 max) {
    if (v->type != dynamo::AttrType::N)
        Mismatch(col, v, NULL);
    int64_t out = 0;
    dynamo::IntParse r = dynamo::IntParse::Invalid;
    RunCpp([&] { r = dynamo::ParseInteger(v->str, min, max, out); });
    switch (r) {
        case dynamo::IntParse::Ok:
            break;
        case dynamo::IntParse::NotInteger:
            ereport(ERROR, (errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
                            errmsg("DynamoDB number %s in attribute \"%s\" is not an integer",
                                   v->str.c_str(), col->name),
                            errhint("Declare the column as numeric to read fractional values.")));
            break;
        case dynamo::IntParse::OutOfRange:
            ereport(ERROR, (errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
                            errmsg("DynamoDB number %s in attribute \"%s\" is out of range for "
                                   "type %s",
                                   v->str.c_str(), col->name, TypeName(col->typid))));
            break;
        case dynamo::IntParse::Invalid:
            Mismatch(col, v, "not a valid number");
    }
    switch (col->typid) {
        case INT2OID:
            return Int16GetDatum((int16)out);
        case INT4OID:
            return Int32GetDatum((int32)out);
        default:
            return Int64GetDatum(out);
    }
}

// numeric_in's value for DynamoDB's most common number texts, without its general parser: an
// optional '-', then at most 18 digits with an optional '.' (no exponent, no '+'). False for
// anything else, which goes through numeric_in.
bool FastNumeric(const std::string &text, Datum *out) {
    const char *p = text.c_str();
    bool negative = *p == '-';
    if (negative)
        p++;
    int64 value = 0;
    int digits = 0, scale = 0;
    bool point = false;
    for (; *p != '\0'; p++) {
        if (*p == '.' && !point) {
            point = true;
            continue;
        }
        if (*p < '0' || *p > '9' || ++digits > 18)
            return false;
        value = value * 10 + (*p - '0');
        if (point)
            scale++;
    }
    if (digits == 0)
        return false;
    *out = NumericGetDatum(int64_div_fast_to_numeric(negative ? -value : value, scale));
    return true;
}

Datum NumericFromText(const std::string &text, int32 typmod) {
    Datum d;
    if (typmod == -1 && FastNumeric(text, &d))
        return d;
    return DirectFunctionCall3(numeric_in, CStringGetDatum(text.c_str()),
                               ObjectIdGetDatum(InvalidOid), Int32GetDatum(typmod));
}

// Any value in its plain-JSON form (what a jsonb column shows), written into cx->buf.
const char *PlainJson(DynamoConvertContext *cx, const dynamo::AttributeValue *v) {
    RunCpp([&] {
        cx->buf->clear();
        dynamo::AppendPlainJson(*cx->buf, *v);
    });
    return cx->buf->c_str();
}

Datum ArrayValue(DynamoConvertContext *cx, const DynamoColumn *col, Oid elemtype,
                 const dynamo::AttributeValue *v);

// --- jsonb built from attribute values directly, in their plain JSON form (the same value
// jsonb_in would make of ToPlainJson's text, without writing and parsing that text) ---

void JsonbString(JsonbValue *out, const char *data, size_t len) {
    // jsonb_in refuses \u0000, which is how the JSON text spells a NUL character.
    if (memchr(data, '\0', len) != NULL)
        ereport(ERROR, (errcode(ERRCODE_UNTRANSLATABLE_CHARACTER),
                        errmsg("unsupported Unicode escape sequence"),
                        errdetail("\\u0000 cannot be converted to text.")));
    out->type = jbvString;
    out->val.string.len = (int)len;
    out->val.string.val = const_cast<char *>(data);
}

void JsonbNumber(DynamoConvertContext *cx, JsonbValue *out, const std::string &text) {
    Datum fast;
    if (FastNumeric(text, &fast)) {
        out->type = jbvNumeric;
        out->val.numeric = DatumGetNumeric(fast);
        return;
    }
    const char *json = NULL;
    RunCpp([&] {
        std::string_view spelled = dynamo::PlainJsonNumber(text, *cx->buf);
        if (!spelled.empty())
            json = spelled.data() == text.data() ? text.c_str() : cx->buf->c_str();
    });
    if (json == NULL) {
        JsonbString(out, text.data(), text.size());
        return;
    }
    out->type = jbvNumeric;
    out->val.numeric = DatumGetNumeric(DirectFunctionCall3(
        numeric_in, CStringGetDatum(json), ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1)));
}

// Binary data is a base64 string; its text is copied into the current memory context, as the
// value must outlive the scratch buffer until the jsonb is formed.
void JsonbBase64(DynamoConvertContext *cx, JsonbValue *out, const std::string &bytes) {
    RunCpp([&] {
        cx->buf->clear();
        dynamo::Base64EncodeAppend(bytes, *cx->buf);
    });
    char *copy = pnstrdup(cx->buf->data(), cx->buf->size());
    JsonbString(out, copy, cx->buf->size());
}

bool JsonbScalar(DynamoConvertContext *cx, dynamo::AttrType type, const dynamo::AttributeValue &v,
                 const std::string &text, JsonbValue *out) {
    using dynamo::AttrType;
    switch (type) {
        case AttrType::S:
            JsonbString(out, text.data(), text.size());
            return true;
        case AttrType::N:
            JsonbNumber(cx, out, text);
            return true;
        case AttrType::B:
            JsonbBase64(cx, out, text);
            return true;
        case AttrType::BOOL:
            out->type = jbvBool;
            out->val.boolean = v.boolean;
            return true;
        case AttrType::NUL:
            out->type = jbvNull;
            return true;
        default:
            return false;
    }
}

// An array of n values, in one palloc'd block the caller fills.
JsonbValue *JsonbArrayOf(JsonbValue *out, int n) {
    out->type = jbvArray;
    out->val.array.rawScalar = false;
    out->val.array.nElems = n;
    out->val.array.elems = (JsonbValue *)palloc(sizeof(JsonbValue) * Max(n, 1));
    return out->val.array.elems;
}

// Puts an object's pairs (their `order` numbered in arrival order) into jsonb's key order,
// shorter keys first and then bytewise, as convertToJsonb requires. Of pairs with the same key
// the last one stays, as in jsonb_in.
void JsonbObjectOf(JsonbValue *out, JsonbPair *pairs, int n) {
    auto same_key = [](const JsonbPair &a, const JsonbPair &b) {
        return a.key.val.string.len == b.key.val.string.len &&
               memcmp(a.key.val.string.val, b.key.val.string.val, a.key.val.string.len) == 0;
    };
    std::sort(pairs, pairs + n, [](const JsonbPair &a, const JsonbPair &b) {
        if (a.key.val.string.len != b.key.val.string.len)
            return a.key.val.string.len < b.key.val.string.len;
        int c = memcmp(a.key.val.string.val, b.key.val.string.val, a.key.val.string.len);
        return c != 0 ? c < 0 : a.order < b.order;
    });
    int kept = 0;
    for (int i = 0; i < n; i++) {
        if (kept > 0 && same_key(pairs[kept - 1], pairs[i]))
            pairs[kept - 1] = pairs[i];
        else
            pairs[kept++] = pairs[i];
    }
    out->type = jbvObject;
    out->val.object.nPairs = kept;
    out->val.object.pairs = pairs;
}

// Fills *out with v as an in-memory jsonb value: scalars, or arrays and objects holding their
// members, which is the tree JsonbValueToJsonb turns into a jsonb in one pass (without the
// token-by-token building of pushJsonbValue). Strings point into v until then.
void JsonbTree(DynamoConvertContext *cx, const dynamo::AttributeValue &v, JsonbValue *out) {
    using dynamo::AttrType;
    check_stack_depth();
    if (JsonbScalar(cx, v.type, v, v.str, out))
        return;
    switch (v.type) {
        case AttrType::L: {
            JsonbValue *elems = JsonbArrayOf(out, (int)v.list.size());
            for (size_t i = 0; i < v.list.size(); i++)
                JsonbTree(cx, v.list[i], &elems[i]);
            return;
        }
        case AttrType::M: {
            int n = (int)v.map.size();
            JsonbPair *pairs = (JsonbPair *)palloc(sizeof(JsonbPair) * Max(n, 1));
            for (int i = 0; i < n; i++) {
                const auto &entry = v.map[i];
                JsonbString(&pairs[i].key, entry.first.data(), entry.first.size());
                JsonbTree(cx, entry.second, &pairs[i].value);
                pairs[i].order = (uint32)i;
            }
            JsonbObjectOf(out, pairs, n);
            return;
        }
        default: {
            // SS, NS, BS: arrays of strings, numbers, base64 strings
            AttrType member = v.type == AttrType::SS   ? AttrType::S
                              : v.type == AttrType::NS ? AttrType::N
                                                       : AttrType::B;
            JsonbValue *elems = JsonbArrayOf(out, (int)v.set.size());
            for (size_t i = 0; i < v.set.size(); i++)
                JsonbScalar(cx, member, v, v.set[i], &elems[i]);
            return;
        }
    }
}

Datum JsonbFromAttribute(DynamoConvertContext *cx, const dynamo::AttributeValue *v) {
    // A scalar becomes a one-element "raw scalar" array in JsonbValueToJsonb.
    JsonbValue root;
    JsonbTree(cx, *v, &root);
    return JsonbPGetDatum(JsonbValueToJsonb(&root));
}

// PostgreSQL's text types cannot hold a NUL character, and input functions would stop at it.
void RejectNul(const DynamoColumn *col, const dynamo::AttributeValue *v) {
    if (memchr(v->str.data(), '\0', v->str.size()) != NULL)
        ereport(ERROR, (errcode(ERRCODE_UNTRANSLATABLE_CHARACTER),
                        errmsg("DynamoDB string in attribute \"%s\" contains a NUL character, "
                               "which type %s cannot hold",
                               col->name, TypeName(col->typid))));
}

// Reads text through the column type's input function, looked up at its first use: most
// columns are converted directly and never need it.
Datum ColumnInputCall(const DynamoColumn *col, const std::string &text) {
    DynamoColumn *c = const_cast<DynamoColumn *>(col);  // columns are the scan's own, writable
    if (!c->input_ready) {
        Oid infunc;
        getTypeInputInfo(c->typid, &infunc, &c->ioparam);
        fmgr_info_cxt(infunc, &c->input, c->cxt);
        c->input_ready = true;
    }
    return InputFunctionCall(&c->input, const_cast<char *>(text.c_str()), c->ioparam, c->typmod);
}

Datum ConvertValue(DynamoConvertContext *cx, const DynamoColumn *col,
                   const dynamo::AttributeValue *v) {
    using dynamo::AttrType;
    if (v->type == AttrType::S && col->typid != JSONBOID && col->typid != JSONOID &&
        col->typid != BYTEAOID)
        RejectNul(col, v);
    switch (col->typid) {
        case BOOLOID:
            if (v->type != AttrType::BOOL)
                Mismatch(col, v, NULL);
            return BoolGetDatum(v->boolean);
        case INT2OID:
            return IntegerDatum(col, v, PG_INT16_MIN, PG_INT16_MAX);
        case INT4OID:
            return IntegerDatum(col, v, PG_INT32_MIN, PG_INT32_MAX);
        case INT8OID:
            return IntegerDatum(col, v, PG_INT64_MIN, PG_INT64_MAX);
        case FLOAT4OID: {
            if (v->type != AttrType::N)
                Mismatch(col, v, NULL);
            float f = 0;
            bool ok = false;
            RunCpp([&] { ok = dynamo::ParseFloat(v->str, f); });
            if (!ok)
                ereport(ERROR,
                        (errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
                         errmsg("DynamoDB number in attribute \"%s\" is out of range for type real",
                                col->name),
                         errdetail("The number is %s.", v->str.c_str())));
            return Float4GetDatum(f);
        }
        case FLOAT8OID: {
            if (v->type != AttrType::N)
                Mismatch(col, v, NULL);
            double d = 0;
            bool ok = false;
            RunCpp([&] { ok = dynamo::ParseDouble(v->str, d); });
            if (!ok)
                ereport(ERROR, (errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
                                errmsg("DynamoDB number in attribute \"%s\" is out of range for "
                                       "type double precision",
                                       col->name),
                                errdetail("The number is %s.", v->str.c_str())));
            return Float8GetDatum(d);
        }
        case NUMERICOID:
            if (v->type != AttrType::N)
                Mismatch(col, v, NULL);
            return NumericFromText(v->str, col->typmod);
        case DATEOID:
        case TIMESTAMPOID:
        case TIMESTAMPTZOID: {
            if (v->type != AttrType::S)
                Mismatch(col, v, NULL);
            bool ok = false;
            RunCpp([&] {
                ok = col->typid == DATEOID ? dynamo::LooksLikeIsoDate(v->str, false)
                                           : dynamo::LooksLikeIsoTimestamp(v->str);
            });
            if (!ok)
                ereport(ERROR, (errcode(ERRCODE_INVALID_DATETIME_FORMAT),
                                errmsg("DynamoDB string \"%s\" in attribute \"%s\" is not an ISO "
                                       "8601 %s",
                                       v->str.c_str(), col->name,
                                       col->typid == DATEOID ? "date" : "timestamp")));
            return ColumnInputCall(col, v->str);
        }
        case BYTEAOID:
            if (v->type != AttrType::B)
                Mismatch(col, v, NULL);
            return ByteaDatum(v->str);
        case JSONBOID:
            return JsonbFromAttribute(cx, v);
        case JSONOID:
            return DirectFunctionCall1(json_in, CStringGetDatum(PlainJson(cx, v)));
        case TEXTOID:
            switch (v->type) {
                case AttrType::S:
                case AttrType::N:
                    return TextDatum(v->str);
                case AttrType::B: {
                    std::string *buf = cx->buf;
                    RunCpp([&] {
                        buf->clear();
                        dynamo::Base64EncodeAppend(v->str, *buf);
                    });
                    return TextDatum(*buf);
                }
                default:
                    return CStringGetTextDatum(PlainJson(cx, v));
            }
        default: {
            Oid elemtype = get_element_type(col->typid);
            if (OidIsValid(elemtype))
                return ArrayValue(cx, col, elemtype, v);
        }
            // Other scalar types (varchar, uuid, inet, ...) read strings and numbers through
            // their own input function.
            if (v->type == AttrType::S || v->type == AttrType::N)
                return ColumnInputCall(col, v->str);
            ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                            errmsg("reading a DynamoDB %s attribute into a column of type %s is "
                                   "not supported",
                                   dynamo::AttrTypeName(v->type), TypeName(col->typid)),
                            errhint("Declare the column as jsonb or text.")));
    }
    return (Datum)0;
}

// An array column reads a set (SS, NS, BS) or a list (L) whose elements fit the element type;
// each element converts as a column of the element type would, and NULL list elements become
// NULL array elements.
Datum ArrayValue(DynamoConvertContext *cx, const DynamoColumn *col, Oid elemtype,
                 const dynamo::AttributeValue *v) {
    using dynamo::AttrType;
    // Scratch value for one set member, reused for every member of every set.
    static dynamo::AttributeValue *member;
    bool is_set = v->type == AttrType::SS || v->type == AttrType::NS || v->type == AttrType::BS;
    if (!is_set && v->type != AttrType::L)
        Mismatch(col, v, NULL);
    if (member == nullptr)
        RunCpp([] { member = new dynamo::AttributeValue(); });
    int n = (int)(is_set ? v->set.size() : v->list.size());
    if (n == 0)
        return PointerGetDatum(construct_empty_array(elemtype));

    DynamoColumn elem = *col;
    elem.typid = elemtype;
    elem.catch_all = false;
    elem.input_ready = false;
    elem.cxt = CurrentMemoryContext;
    AttrType member_type = v->type == AttrType::SS   ? AttrType::S
                           : v->type == AttrType::NS ? AttrType::N
                                                     : AttrType::B;

    Datum *values = (Datum *)palloc(sizeof(Datum) * n);
    bool *nulls = (bool *)palloc(sizeof(bool) * n);
    for (int i = 0; i < n; i++) {
        const dynamo::AttributeValue *e = is_set ? member : &v->list[i];
        if (is_set)
            RunCpp([&] {
                member->type = member_type;
                member->str = v->set[i];
            });
        nulls[i] = e->type == AttrType::NUL;
        values[i] = nulls[i] ? (Datum)0 : ConvertValue(cx, &elem, e);
    }
    int16 typlen;
    bool typbyval;
    char typalign;
    get_typlenbyvalalign(elemtype, &typlen, &typbyval, &typalign);
    int dims[1] = {n};
    int lbs[1] = {1};
    return PointerGetDatum(
        construct_md_array(values, nulls, 1, dims, lbs, elemtype, typlen, typbyval, typalign));
}

// The catch-all object: every attribute that no declared column names.
Datum CatchAll(DynamoConvertContext *cx, const dynamo::Item *item) {
    JsonbPair *pairs = (JsonbPair *)palloc(sizeof(JsonbPair) * Max(item->size(), (size_t)1));
    int n = 0;
    for (const auto &entry : *item) {
        bool declared = false;
        for (int i = 0; i < cx->ncolumns && !declared; i++)
            declared = entry.first == cx->columns[i].name;
        if (declared)
            continue;
        JsonbString(&pairs[n].key, entry.first.data(), entry.first.size());
        JsonbTree(cx, entry.second, &pairs[n].value);
        pairs[n].order = (uint32)n;
        n++;
    }
    JsonbValue root;
    JsonbObjectOf(&root, pairs, n);
    return JsonbPGetDatum(JsonbValueToJsonb(&root));
}

}  // namespace

void DynamoItemKeyText(DynamoConvertContext *cx, const dynamo::Item *item, char *buf, size_t size) {
    DescribeKey(cx, item, buf, size);
}

void DynamoArrayElements(ArrayType *a, Datum **elems, bool **nulls, int *n, int16 *elem_len,
                         bool *elem_byval) {
    Oid elemtype = ARR_ELEMTYPE(a);
    int16 typlen;
    bool typbyval;
    char typalign;
    get_typlenbyvalalign(elemtype, &typlen, &typbyval, &typalign);
    deconstruct_array(a, elemtype, typlen, typbyval, typalign, elems, nulls, n);
    if (elem_len != NULL)
        *elem_len = typlen;
    if (elem_byval != NULL)
        *elem_byval = typbyval;
}

void DynamoInitColumns(Relation rel, DynamoConvertContext *cx) {
    TupleDesc tupdesc = RelationGetDescr(rel);
    cx->tupdesc = tupdesc;
    cx->columns = (DynamoColumn *)palloc0(sizeof(DynamoColumn) * tupdesc->natts);
    cx->ncolumns = 0;
    for (int i = 0; i < tupdesc->natts; i++) {
        Form_pg_attribute att = TupleDescAttr(tupdesc, i);
        if (att->attisdropped)
            continue;
        DynamoColumn *col = &cx->columns[cx->ncolumns++];
        col->attnum = att->attnum;
        col->name = pstrdup(NameStr(att->attname));
        col->name_len = strlen(col->name);
        col->typid = att->atttypid;
        col->typmod = att->atttypmod;
        col->catch_all =
            att->atttypid == JSONBOID && DynamoColumnCatchAll(RelationGetRelid(rel), att->attnum);
        col->array_type = DYNAMO_ARRAY_AUTO;  // set by writes, which use it
        col->input_ready = false;
        col->cxt = CurrentMemoryContext;
    }
}

namespace {

// The item's attribute named as the column, or NULL; tries the column's last position first.
const dynamo::AttributeValue *AttributeOfColumn(const dynamo::Item &item, DynamoColumn *col) {
    size_t n = item.size();
    const std::string_view name(col->name, col->name_len);
    if (col->position < n && item[col->position].first == name)
        return &item[col->position].second;
    for (size_t i = 0; i < n; i++) {
        if (item[i].first == name) {
            col->position = i;
            return &item[i].second;
        }
    }
    return NULL;
}

}  // namespace

void DynamoItemToTuple(DynamoConvertContext *cx, const dynamo::Item *item, Datum *values,
                       bool *nulls) {
    ConvertErrorState st = {cx, NULL, item};
    ErrorContextCallback errcb;
    errcb.callback = ConvertErrorCallback;
    errcb.arg = &st;
    errcb.previous = error_context_stack;
    error_context_stack = &errcb;

    for (int i = 0; i < cx->tupdesc->natts; i++)
        nulls[i] = true;
    for (int i = 0; i < cx->ncolumns; i++) {
        DynamoColumn *col = &cx->columns[i];
        int idx = col->attnum - 1;
        st.col = col;
        const dynamo::AttributeValue *v = AttributeOfColumn(*item, col);
        if (v == nullptr) {
            if (col->catch_all) {
                values[idx] = CatchAll(cx, item);
                nulls[idx] = false;
            }
            continue;
        }
        if (v->type == dynamo::AttrType::NUL)
            continue;
        values[idx] = ConvertValue(cx, col, v);
        nulls[idx] = false;
    }
    error_context_stack = errcb.previous;
}

// --- Postgres datums -> DynamoDB attribute values ---

extern "C" {
#include "common/shortest_dec.h"
#include "utils/datetime.h"
}

namespace {

void BadValue(const char *column, const char *relname, const char *why) {
    ereport(ERROR, (errcode(ERRCODE_FDW_INVALID_DATA_TYPE),
                    errmsg("value of column \"%s\" of foreign table \"%s\" cannot be stored in "
                           "DynamoDB: %s",
                           column, relname, why)));
}

// Checks a number text against DynamoDB's limits, erroring with the column's name.
void CheckNumber(const char *text, const char *column, const char *relname) {
    char why[128] = "";
    bool ok = false;
    RunCpp([&] {
        std::string w;
        ok = dynamo::CheckDynamoNumber(text, w);
        if (!ok)
            std::strncpy(why, w.c_str(), sizeof(why) - 1);
    });
    if (!ok) {
        char *msg = psprintf("the number %s is %s", text, why);
        BadValue(column, relname, msg);
    }
}

char *TimestampText(Timestamp ts, bool utc_zone, const char *column, const char *relname) {
    if (TIMESTAMP_NOT_FINITE(ts))
        BadValue(column, relname, "infinite timestamps have no ISO 8601 form");
    struct pg_tm tm;
    fsec_t fsec;
    if (timestamp2tm(ts, NULL, &tm, &fsec, NULL, NULL) != 0)
        BadValue(column, relname, "timestamp out of range");
    char buf[MAXDATELEN + 2];
    EncodeDateTime(&tm, fsec, false, 0, NULL, USE_XSD_DATES, buf);
    if (utc_zone)
        strcat(buf, "Z");
    return pstrdup(buf);
}

// Finds a number DynamoDB cannot store anywhere in `v` (JSON numbers have no such limits).
bool FindBadNumber(const dynamo::AttributeValue &v, std::string &text, std::string &why) {
    switch (v.type) {
        case dynamo::AttrType::N:
            text = v.str;
            return !dynamo::CheckDynamoNumber(v.str, why);
        case dynamo::AttrType::L:
            for (const dynamo::AttributeValue &e : v.list)
                if (FindBadNumber(e, text, why))
                    return true;
            return false;
        case dynamo::AttrType::M:
            for (const auto &e : v.map)
                if (FindBadNumber(e.second, text, why))
                    return true;
            return false;
        default:
            return false;
    }
}

// The set type an array of elemtype writes as: SS for text types, NS for numbers, BS for bytea.
bool SetTypeOf(Oid elemtype, dynamo::AttrType *type) {
    switch (elemtype) {
        case TEXTOID:
        case VARCHAROID:
        case BPCHAROID:
            *type = dynamo::AttrType::SS;
            return true;
        case INT2OID:
        case INT4OID:
        case INT8OID:
        case FLOAT4OID:
        case FLOAT8OID:
        case NUMERICOID:
            *type = dynamo::AttrType::NS;
            return true;
        case BYTEAOID:
            *type = dynamo::AttrType::BS;
            return true;
        default:
            return false;
    }
}

// Refuses a set in a value of column `column`: `why` says what a set cannot hold.
void NotASet(const char *column, const char *relname, const char *why) {
    ereport(ERROR, (errcode(ERRCODE_FDW_INVALID_DATA_TYPE),
                    errmsg("value of column \"%s\" of foreign table \"%s\" cannot be stored in "
                           "DynamoDB: %s",
                           column, relname, why),
                    errhint("The column has array_type 'set'; with array_type 'auto' or 'list' "
                            "such an array is written as a List.")));
}

// An array as a DynamoDB set or List; the one place that decides which (docs/dynamodb.md, "Types
// on the way in"):
// - list: a List (L) whose elements convert as values of the element type would, NULL elements
//   as the NULL type;
// - set: a set (SS, NS or BS, by the element type); an array no set can hold (empty, a NULL
//   element, a member twice) is an error;
// - auto: a set when a read of that set gives back exactly this array (non-empty, no NULL, no
//   member twice, members already in the order sets are read in: dynamo::InSetOrder), a List
//   otherwise.
// Arrays of element types without a set type are always Lists. Arrays of more than one
// dimension are refused whatever the setting.
void ArrayToAttribute(Datum value, Oid typid, Oid elemtype, DynamoArrayType array_type,
                      dynamo::AttributeValue *out, const char *column, const char *relname) {
    // Scratch value for one element, reused.
    static dynamo::AttributeValue *element;
    dynamo::AttrType set_type = dynamo::AttrType::SS;
    bool has_set = SetTypeOf(elemtype, &set_type);
    if (array_type != DYNAMO_ARRAY_AUTO)
        DynamoCheckArrayTypeColumn(typid, column, relname);
    ArrayType *arr = DatumGetArrayTypeP(value);
    if (ARR_NDIM(arr) > 1)
        ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                        errmsg("value of column \"%s\" of foreign table \"%s\" cannot be stored in "
                               "DynamoDB: multi-dimensional arrays are not supported",
                               column, relname),
                        errdetail("The array has %d dimensions; an array column writes a set or "
                                  "a List of one dimension.",
                                  ARR_NDIM(arr)),
                        errhint("Store nested lists in a jsonb column.")));
    Datum *elems;
    bool *nulls;
    int n;
    DynamoArrayElements(arr, &elems, &nulls, &n, NULL, NULL);
    bool any_null = false;
    for (int i = 0; i < n; i++)
        any_null = any_null || nulls[i];
    if (array_type == DYNAMO_ARRAY_SET && n == 0)
        NotASet(column, relname, "a DynamoDB set cannot be empty");
    if (array_type == DYNAMO_ARRAY_SET && any_null)
        NotASet(column, relname, "a DynamoDB set cannot contain NULL");
    if (element == nullptr)
        RunCpp([] { element = new dynamo::AttributeValue(); });

    bool as_set = has_set && n > 0 && !any_null && array_type != DYNAMO_ARRAY_LIST;
    if (as_set) {
        RunCpp([&] {
            *out = dynamo::AttributeValue();
            out->type = set_type;
            out->set.reserve(n);
        });
        for (int i = 0; i < n; i++) {
            DynamoDatumToAttribute(elems[i], elemtype, DYNAMO_ARRAY_AUTO, element, column, relname);
            RunCpp([&] { out->set.push_back(element->str); });
        }
        bool in_order = false;
        RunCpp([&] { in_order = dynamo::InSetOrder(set_type, out->set); });
        if (in_order)
            return;
        if (array_type == DYNAMO_ARRAY_SET) {
            // Any order will do (a set has none), but not a member twice (numbers compare by
            // value).
            int repeated = -1;
            RunCpp([&] {
                std::vector<int> order(out->set.size());
                for (size_t i = 0; i < order.size(); i++)
                    order[i] = (int)i;
                auto cmp = [&](int a, int b) {
                    return dynamo::CompareSetMembers(set_type, out->set[a], out->set[b]);
                };
                std::stable_sort(order.begin(), order.end(),
                                 [&](int a, int b) { return cmp(a, b) < 0; });
                for (size_t i = 1; i < order.size() && repeated < 0; i++)
                    if (cmp(order[i - 1], order[i]) == 0)
                        repeated = std::max(order[i - 1], order[i]);
            });
            if (repeated >= 0)
                NotASet(column, relname,
                        psprintf("a DynamoDB set cannot hold the same member twice (element %d "
                                 "repeats an earlier one)",
                                 repeated + 1));
            // Sent (and shown by EXPLAIN) in the order it reads back in.
            RunCpp([&] { dynamo::SortSet(set_type, out->set); });
            return;
        }
        // auto: the members, as converted, become the List's elements in the array's order.
        RunCpp([&] {
            dynamo::AttrType member_type = set_type == dynamo::AttrType::SS   ? dynamo::AttrType::S
                                           : set_type == dynamo::AttrType::NS ? dynamo::AttrType::N
                                                                              : dynamo::AttrType::B;
            std::vector<std::string> members = std::move(out->set);
            *out = dynamo::AttributeValue();
            out->type = dynamo::AttrType::L;
            out->list.resize(members.size());
            for (size_t i = 0; i < members.size(); i++) {
                out->list[i].type = member_type;
                out->list[i].str = std::move(members[i]);
            }
        });
        return;
    }

    RunCpp([&] {
        *out = dynamo::AttributeValue();
        out->type = dynamo::AttrType::L;
        out->list.reserve(n);
    });
    bool json_element = elemtype == JSONBOID || elemtype == JSONOID;
    for (int i = 0; i < n; i++) {
        if (nulls[i]) {
            RunCpp([&] { out->list.emplace_back(); });
            continue;
        }
        DynamoDatumToAttribute(elems[i], elemtype, DYNAMO_ARRAY_AUTO, element, column, relname);
        // A JSON null would be the NULL type, which reads back as a NULL element.
        if (json_element && element->type == dynamo::AttrType::NUL)
            BadValue(column, relname,
                     psprintf("element %d is a JSON null, which a DynamoDB List cannot tell "
                              "from a NULL element",
                              i + 1));
        RunCpp([&] { out->list.push_back(std::move(*element)); });
    }
}

}  // namespace

void DynamoCheckArrayTypeColumn(Oid typid, const char *column, const char *relname) {
    Oid elemtype = get_element_type(typid);
    dynamo::AttrType set_type;
    if (OidIsValid(elemtype) && SetTypeOf(elemtype, &set_type))
        return;
    ereport(ERROR,
            (errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
             errmsg("option \"array_type\" is not valid for column \"%s\" of foreign table \"%s\"",
                    column, relname),
             errdetail("The column's type is %s; array_type applies to arrays of types that "
                       "DynamoDB sets hold.",
                       format_type_be(typid)),
             errhint("Give array_type only to arrays of text, varchar, char, smallint, integer, "
                     "bigint, real, double precision, numeric or bytea. Arrays of other types "
                     "are always written as a List.")));
}

void DynamoDatumToAttribute(Datum value, Oid typid, DynamoArrayType array_type,
                            dynamo::AttributeValue *out, const char *column, const char *relname) {
    using dynamo::AttrType;
    AttrType type = AttrType::S;
    const char *data = NULL;
    size_t len = 0;
    bool boolean = false;
    bool have_len = false;  // len is set (data need not be NUL-terminated)
    char numbuf[64];

    switch (typid) {
        case BOOLOID:
            type = AttrType::BOOL;
            boolean = DatumGetBool(value);
            break;
        case INT2OID:
        case INT4OID:
        case INT8OID: {
            int64 v = typid == INT2OID   ? DatumGetInt16(value)
                      : typid == INT4OID ? DatumGetInt32(value)
                                         : DatumGetInt64(value);
            snprintf(numbuf, sizeof(numbuf), INT64_FORMAT, v);
            type = AttrType::N;
            data = numbuf;
            break;
        }
        case FLOAT4OID:
        case FLOAT8OID: {
            double d = typid == FLOAT4OID ? DatumGetFloat4(value) : DatumGetFloat8(value);
            if (std::isnan(d) || std::isinf(d))
                BadValue(column, relname, "DynamoDB numbers cannot be NaN or infinite");
            // The shortest text that reads back as the same value.
            if (typid == FLOAT4OID)
                float_to_shortest_decimal_buf(DatumGetFloat4(value), numbuf);
            else
                double_to_shortest_decimal_buf(d, numbuf);
            type = AttrType::N;
            data = numbuf;
            CheckNumber(data, column, relname);
            break;
        }
        case NUMERICOID: {
            char *digits = DatumGetCString(DirectFunctionCall1(numeric_out, value));
            if (strcmp(digits, "NaN") == 0 || strcmp(digits, "Infinity") == 0 ||
                strcmp(digits, "-Infinity") == 0)
                BadValue(column, relname, "DynamoDB numbers cannot be NaN or infinite");
            CheckNumber(digits, column, relname);
            type = AttrType::N;
            data = digits;
            break;
        }
        case DATEOID: {
            DateADT date = DatumGetDateADT(value);
            if (DATE_NOT_FINITE(date))
                BadValue(column, relname, "infinite dates have no ISO 8601 form");
            struct pg_tm tm;
            j2date(date + POSTGRES_EPOCH_JDATE, &tm.tm_year, &tm.tm_mon, &tm.tm_mday);
            char buf[MAXDATELEN + 1];
            EncodeDateOnly(&tm, USE_ISO_DATES, buf);
            data = pstrdup(buf);
            break;
        }
        case TIMESTAMPOID:
            data = TimestampText(DatumGetTimestamp(value), false, column, relname);
            break;
        case TIMESTAMPTZOID:
            data = TimestampText(DatumGetTimestampTz(value), true, column, relname);
            break;
        case BYTEAOID: {
            bytea *b = DatumGetByteaPP(value);
            type = AttrType::B;
            data = VARDATA_ANY(b);
            len = VARSIZE_ANY_EXHDR(b);
            have_len = true;
            break;
        }
        case JSONBOID:
        case JSONOID: {
            char *json = typid == JSONBOID ? DatumGetCString(DirectFunctionCall1(jsonb_out, value))
                                           : TextDatumGetCString(value);
            bool ok = false;
            char why[256] = "";
            RunCpp([&] {
                try {
                    *out = dynamo::FromPlainJson(json);
                    std::string text, reason;
                    ok = !FindBadNumber(*out, text, reason);
                    if (!ok) {
                        if (text.size() > 60)
                            text = text.substr(0, 60) + "...";
                        snprintf(why, sizeof(why), "the number %s is %s", text.c_str(),
                                 reason.c_str());
                    }
                } catch (const dynamo::JsonError &e) {
                    std::strncpy(why, e.what(), sizeof(why) - 1);
                }
            });
            if (!ok)
                BadValue(column, relname, why);
            return;
        }
        case TEXTOID:
        case VARCHAROID:
        case BPCHAROID: {
            struct varlena *t = DatumGetTextPP(value);
            data = VARDATA_ANY(t);
            len = VARSIZE_ANY_EXHDR(t);
            if (typid == BPCHAROID)
                len = bpchartruelen(const_cast<char *>(data), (int)len);
            have_len = true;
            break;
        }
        default: {
            Oid elemtype = get_element_type(typid);
            if (OidIsValid(elemtype)) {
                ArrayToAttribute(value, typid, elemtype, array_type, out, column, relname);
                return;
            }
            Oid outfunc;
            bool varlena;
            getTypeOutputInfo(typid, &outfunc, &varlena);
            data = OidOutputFunctionCall(outfunc, value);
            break;
        }
    }
    if (data != NULL && !have_len)
        len = strlen(data);
    RunCpp([&] {
        *out = dynamo::AttributeValue();
        out->type = type;
        out->boolean = boolean;
        if (data != NULL)
            out->str.assign(data, len);
    });
}
