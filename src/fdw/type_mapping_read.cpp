// Reading: DynamoDB attribute values -> Postgres datums, following the declared column types
// (the write direction is in type_mapping_write.cpp; both are declared in type_mapping.hpp).
#include "fdw/type_mapping.hpp"

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

// Errors unless v is of DynamoDB type `type`, the one the column reads.
void Expect(const DynamoColumn *col, const dynamo::AttributeValue *v, dynamo::AttrType type) {
    if (v->type != type)
        Mismatch(col, v, NULL);
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
    Expect(col, v, dynamo::AttrType::N);
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

// A number read as real or double precision: the nearest value (correctly rounded); a number
// beyond the type's range is an error.
Datum FloatDatum(const DynamoColumn *col, const dynamo::AttributeValue *v) {
    Expect(col, v, dynamo::AttrType::N);
    bool single = col->typid == FLOAT4OID;
    float f = 0;
    double d = 0;
    bool ok = false;
    RunCpp([&] { ok = single ? dynamo::ParseFloat(v->str, f) : dynamo::ParseDouble(v->str, d); });
    if (!ok)
        ereport(ERROR, (errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
                        errmsg("DynamoDB number in attribute \"%s\" is out of range for type %s",
                               col->name, single ? "real" : "double precision"),
                        errdetail("The number is %s.", v->str.c_str())));
    return single ? Float4GetDatum(f) : Float8GetDatum(d);
}

// A string read as a date or timestamp: ISO 8601 text only (not "now" or "tomorrow"), through
// the type's input function.
Datum DateTimeDatum(const DynamoColumn *col, const dynamo::AttributeValue *v) {
    Expect(col, v, dynamo::AttrType::S);
    bool ok = false;
    RunCpp([&] {
        ok = col->typid == DATEOID ? dynamo::LooksLikeIsoDate(v->str, false)
                                   : dynamo::LooksLikeIsoTimestamp(v->str);
    });
    if (!ok)
        ereport(ERROR,
                (errcode(ERRCODE_INVALID_DATETIME_FORMAT),
                 errmsg("DynamoDB string \"%s\" in attribute \"%s\" is not an ISO 8601 %s",
                        v->str.c_str(), col->name, col->typid == DATEOID ? "date" : "timestamp")));
    return ColumnInputCall(col, v->str);
}

// Any value read as text: strings and numbers as they are, binary in base64, the rest in plain
// JSON.
Datum TextDatumOf(DynamoConvertContext *cx, const dynamo::AttributeValue *v) {
    switch (v->type) {
        case dynamo::AttrType::S:
        case dynamo::AttrType::N:
            return TextDatum(v->str);
        case dynamo::AttrType::B: {
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
}

Datum ConvertValue(DynamoConvertContext *cx, const DynamoColumn *col,
                   const dynamo::AttributeValue *v) {
    using dynamo::AttrType;
    if (v->type == AttrType::S && col->typid != JSONBOID && col->typid != JSONOID &&
        col->typid != BYTEAOID)
        RejectNul(col, v);
    switch (col->typid) {
        case BOOLOID:
            Expect(col, v, AttrType::BOOL);
            return BoolGetDatum(v->boolean);
        case INT2OID:
            return IntegerDatum(col, v, PG_INT16_MIN, PG_INT16_MAX);
        case INT4OID:
            return IntegerDatum(col, v, PG_INT32_MIN, PG_INT32_MAX);
        case INT8OID:
            return IntegerDatum(col, v, PG_INT64_MIN, PG_INT64_MAX);
        case FLOAT4OID:
        case FLOAT8OID:
            return FloatDatum(col, v);
        case NUMERICOID:
            Expect(col, v, AttrType::N);
            return NumericFromText(v->str, col->typmod);
        case DATEOID:
        case TIMESTAMPOID:
        case TIMESTAMPTZOID:
            return DateTimeDatum(col, v);
        case BYTEAOID:
            Expect(col, v, AttrType::B);
            return ByteaDatum(v->str);
        case JSONBOID:
            return JsonbFromAttribute(cx, v);
        case JSONOID:
            return DirectFunctionCall1(json_in, CStringGetDatum(PlainJson(cx, v)));
        case TEXTOID:
            return TextDatumOf(cx, v);
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

bool DynamoTextReadAs(const char *text, DynamoScalar alts[4], int *nalts) {
    using dynamo::AttrType;
    size_t len = strlen(text);
    *nalts = 0;
    if (len == 0 || text[0] == '[' || text[0] == '{')
        return false;
    bool canonical = false, number_like = false, base64 = false;
    std::string *bytes = NULL;
    RunCpp([&] {
        canonical = dynamo::IsCanonicalNumberText(std::string_view(text, len));
        number_like = dynamo::LooksLikeNumberText(std::string_view(text, len));
        std::string why, decoded;
        if (canonical && !dynamo::CheckDynamoNumber(std::string_view(text, len), why))
            canonical = false;  // no stored number has this text
        if (dynamo::Base64Decode(std::string_view(text, len), decoded) && !decoded.empty() &&
            dynamo::Base64Encode(decoded) == std::string_view(text, len)) {
            base64 = true;
            bytes = new std::string(std::move(decoded));
        }
    });
    if (number_like && !canonical) {
        delete bytes;
        return false;
    }
    alts[(*nalts)++] = DynamoScalar{AttrType::S, text, (int)len, false};
    if (canonical)
        alts[(*nalts)++] = DynamoScalar{AttrType::N, text, (int)len, false};
    if (strcmp(text, "true") == 0 || strcmp(text, "false") == 0)
        alts[(*nalts)++] = DynamoScalar{AttrType::BOOL, NULL, 0, text[0] == 't'};
    if (base64) {
        char *copy = (char *)palloc(bytes->size() + 1);
        memcpy(copy, bytes->data(), bytes->size());
        alts[(*nalts)++] = DynamoScalar{AttrType::B, copy, (int)bytes->size(), false};
        delete bytes;
    }
    return true;
}

void DynamoItemKeyText(DynamoConvertContext *cx, const dynamo::Item *item, char *buf, size_t size) {
    DescribeKey(cx, item, buf, size);
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
