// Writing: Postgres datums -> DynamoDB attribute values, the inverse of the read mapping in
// type_mapping_read.cpp (both are declared in type_mapping.hpp): scalars, arrays as sets or Lists,
// json and jsonb as DynamoDB documents; values written to keys made the key's type; constants of
// pushed-down comparisons as the typed values DynamoDB compares.
#include "client/key_coercion.hpp"
#include "fdw/type_mapping.hpp"

#include <algorithm>
#include <cmath>

extern "C" {
#include "common/shortest_dec.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/numeric.h"
#include "utils/timestamp.h"
}

namespace {

// Room for the text of an integer or the shortest text of a float.
constexpr size_t kNumberTextSize = 64;

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

// Scratch value for one array element, reused.
dynamo::AttributeValue *ScratchElement() {
    static dynamo::AttributeValue *element;
    if (element == nullptr)
        RunCpp([] { element = new dynamo::AttributeValue(); });
    return element;
}

// The position (from 0) of a member that repeats an earlier one in `members` of a set of
// set_type (numbers compare by value), or -1. Any order will do for a set, but not a member twice.
int RepeatedMember(dynamo::AttrType set_type, const std::vector<std::string> &members) {
    std::vector<int> order(members.size());
    for (size_t i = 0; i < order.size(); i++)
        order[i] = (int)i;
    auto cmp = [&](int a, int b) {
        return dynamo::CompareSetMembers(set_type, members[a], members[b]);
    };
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return cmp(a, b) < 0; });
    for (size_t i = 1; i < order.size(); i++)
        if (cmp(order[i - 1], order[i]) == 0)
            return std::max(order[i - 1], order[i]);
    return -1;
}

// Turns *out, a set of set_type, into a List of its members in their order.
void SetToList(dynamo::AttrType set_type, dynamo::AttributeValue *out) {
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
}

// The n (> 0, none NULL) elements of an array whose element type has set type set_type, as a
// set (array_type set, or auto when they are in the order the set reads back in) or, for auto,
// as a List of the members as converted, in the array's order.
void ElementsToSet(Datum *elems, int n, Oid elemtype, dynamo::AttrType set_type,
                   DynamoArrayType array_type, dynamo::AttributeValue *out, const char *column,
                   const char *relname) {
    dynamo::AttributeValue *element = ScratchElement();
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
    if (array_type != DYNAMO_ARRAY_SET) {
        RunCpp([&] { SetToList(set_type, out); });
        return;
    }
    int repeated = -1;
    RunCpp([&] { repeated = RepeatedMember(set_type, out->set); });
    if (repeated >= 0)
        NotASet(column, relname,
                psprintf("a DynamoDB set cannot hold the same member twice (element %d "
                         "repeats an earlier one)",
                         repeated + 1));
    // Sent (and shown by EXPLAIN) in the order it reads back in.
    RunCpp([&] { dynamo::SortSet(set_type, out->set); });
}

// The n elements of an array as a List whose elements convert as values of the element type
// would, NULL elements as the NULL type.
void ElementsToList(Datum *elems, bool *nulls, int n, Oid elemtype, dynamo::AttributeValue *out,
                    const char *column, const char *relname) {
    dynamo::AttributeValue *element = ScratchElement();
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
    if (has_set && n > 0 && !any_null && array_type != DYNAMO_ARRAY_LIST)
        ElementsToSet(elems, n, elemtype, set_type, array_type, out, column, relname);
    else
        ElementsToList(elems, nulls, n, elemtype, out, column, relname);
}

// A json or jsonb value as the DynamoDB value of its plain JSON form (objects as Maps, arrays as
// Lists, numbers as N); a number DynamoDB cannot store is an error.
void JsonToAttribute(Datum value, Oid typid, dynamo::AttributeValue *out, const char *column,
                     const char *relname) {
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
                snprintf(why, sizeof(why), "the number %s is %s", text.c_str(), reason.c_str());
            }
        } catch (const dynamo::JsonError &e) {
            std::strncpy(why, e.what(), sizeof(why) - 1);
        }
    });
    if (!ok)
        BadValue(column, relname, why);
}

// The DynamoDB scalar of a datum of a type the mapping knows (boolean, the number types, dates
// and timestamps, bytea, text types), in *out: its data points into the datum, into numbuf
// (kNumberTextSize bytes) or into palloc'd memory. False for other types. Values DynamoDB cannot
// store (NaN, a number beyond its limits, an infinite date) are errors.
bool BuiltinScalar(Datum value, Oid typid, char *numbuf, DynamoScalar *out, const char *column,
                   const char *relname) {
    using dynamo::AttrType;
    AttrType type = AttrType::S;
    const char *data = NULL;
    size_t len = 0;
    bool boolean = false;
    bool have_len = false;  // len is set (data need not be NUL-terminated)

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
            snprintf(numbuf, kNumberTextSize, INT64_FORMAT, v);
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
        default:
            return false;
    }
    if (data != NULL && !have_len)
        len = strlen(data);
    out->type = type;
    out->data = data;
    out->len = (int)len;
    out->boolean = boolean;
    return true;
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
    if (typid == JSONBOID || typid == JSONOID) {
        JsonToAttribute(value, typid, out, column, relname);
        return;
    }
    DynamoScalar v = {dynamo::AttrType::S, NULL, 0, false};
    char numbuf[kNumberTextSize];
    if (!BuiltinScalar(value, typid, numbuf, &v, column, relname)) {
        Oid elemtype = get_element_type(typid);
        if (OidIsValid(elemtype)) {
            ArrayToAttribute(value, typid, elemtype, array_type, out, column, relname);
            return;
        }
        // Other types (uuid, inet, ...) write their text.
        Oid outfunc;
        bool varlena;
        getTypeOutputInfo(typid, &outfunc, &varlena);
        v.data = OidOutputFunctionCall(outfunc, value);
        v.len = (int)strlen(v.data);
    }
    RunCpp([&] {
        *out = dynamo::AttributeValue();
        out->type = v.type;
        out->boolean = v.boolean;
        if (v.data != NULL)
            out->str.assign(v.data, v.len);
    });
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

void DynamoCoerceKeyValue(dynamo::AttributeValue *v, dynamo::AttrType key_type, const char *column,
                          const char *role, const char *relname, const char *table,
                          Oid column_type) {
    using dynamo::KeyCoercion;
    KeyCoercion result = KeyCoercion::Ok;
    RunCpp([&] { result = dynamo::CoerceToKeyType(*v, key_type); });
    switch (result) {
        case KeyCoercion::Ok:
            return;
        case KeyCoercion::Empty:
            ereport(
                ERROR,
                (errcode(ERRCODE_NOT_NULL_VIOLATION),
                 errmsg("empty value in column \"%s\" of foreign table \"%s\"", column, relname),
                 errdetail("\"%s\" is a %s of DynamoDB table \"%s\", and DynamoDB does not "
                           "allow empty strings or binaries in keys.",
                           column, role, table)));
            break;
        case KeyCoercion::NotNumber:
            ereport(ERROR, (errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
                            errmsg("value of column \"%s\" of foreign table \"%s\" is not a number",
                                   column, relname),
                            errdetail("\"%s\" is a %s of type N in DynamoDB table \"%s\".", column,
                                      role, table)));
            break;
        case KeyCoercion::NotBase64:
            ereport(ERROR,
                    (errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
                     errmsg("value of column \"%s\" of foreign table \"%s\" is not base64", column,
                            relname),
                     errdetail("\"%s\" is a %s of type B in DynamoDB table \"%s\"; a text column "
                               "holds it in base64.",
                               column, role, table)));
            break;
        case KeyCoercion::WrongType:
            ereport(ERROR,
                    (errcode(ERRCODE_DATATYPE_MISMATCH),
                     errmsg("column \"%s\" of foreign table \"%s\" cannot hold a DynamoDB %s "
                            "value",
                            column, relname, dynamo::AttrTypeName(key_type)),
                     errdetail("\"%s\" is a %s of type %s in DynamoDB table \"%s\", and the "
                               "column's type %s converts to %s.",
                               column, role, dynamo::AttrTypeName(key_type), table,
                               format_type_be(column_type), dynamo::AttrTypeName(v->type))));
            break;
    }
}

dynamo::AttrType DynamoComparedAs(Oid type) {
    switch (type) {
        case INT2OID:
        case INT4OID:
        case INT8OID:
        case NUMERICOID:
            return dynamo::AttrType::N;
        case TEXTOID:
        case VARCHAROID:
            return dynamo::AttrType::S;
        case BYTEAOID:
            return dynamo::AttrType::B;
        case BOOLOID:
            return dynamo::AttrType::BOOL;
        default:
            return dynamo::AttrType::NUL;
    }
}

bool DynamoTypeComparable(Oid type, dynamo::AttrType target, bool text_number_key) {
    dynamo::AttrType as = DynamoComparedAs(type);
    if (as == dynamo::AttrType::NUL)
        return false;
    return as == target ||
           (text_number_key && target == dynamo::AttrType::N && as == dynamo::AttrType::S);
}

bool DynamoConstAs(const Const *c, dynamo::AttrType target, DynamoScalar *out) {
    using dynamo::AttrType;
    if (c->constisnull)
        return false;
    AttrType as = DynamoComparedAs(c->consttype);
    // A text may be compared with a number; every other constant only with its own type.
    if (as == AttrType::NUL || (as != target && !(target == AttrType::N && as == AttrType::S)))
        return false;
    Datum d = c->constvalue;
    out->type = target;
    out->boolean = false;
    switch (as) {
        case AttrType::BOOL:
            out->data = NULL;
            out->len = 0;
            out->boolean = DatumGetBool(d);
            return true;
        case AttrType::B: {
            bytea *b = DatumGetByteaPP(d);
            out->data = VARDATA_ANY(b);
            out->len = (int)VARSIZE_ANY_EXHDR(b);
            return true;
        }
        case AttrType::S:
            out->data = TextDatumGetCString(d);
            break;
        default: {  // N: the type's own text (integer and numeric output are plain decimals)
            Oid outfunc;
            bool varlena;
            getTypeOutputInfo(c->consttype, &outfunc, &varlena);
            out->data = OidOutputFunctionCall(outfunc, d);
            break;
        }
    }
    out->len = (int)strlen(out->data);
    if (target != AttrType::N)
        return true;
    bool ok = false;
    RunCpp([&] {
        std::string why;
        ok = dynamo::CheckDynamoNumber(out->data, why);
    });
    return ok;
}
