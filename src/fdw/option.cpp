// Options: one table (kOptions) describes every option: its name, where it may be given, its
// kind and bounds, its default and the field it fills. The validator (checks every option when
// the object is created or altered), the resolution of server, user mapping and table options
// into one DynamoOptions (and of a column's into ColumnOptions), and the cache of resolved
// options all read that table. Credentials and Vault secrets are in credentials.cpp.
#include "fdw/dynamodb_fdw.hpp"
#include "fdw/type_mapping.hpp"

#include <climits>
#include <cmath>
#include <cstddef>

extern "C" {
#include "access/genam.h"
#include "access/reloptions.h"
#include "access/table.h"
#include "catalog/objectaccess.h"
#include "catalog/pg_class.h"
#include "catalog/pg_foreign_server.h"
#include "catalog/pg_foreign_table.h"
#include "catalog/pg_user_mapping.h"
#include "catalog/pg_attribute.h"
#include "commands/defrem.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/fmgroids.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
#include "utils/varlena.h"

PGDLLEXPORT Datum dynamo_db_fdw_validator(PG_FUNCTION_ARGS);
PG_FUNCTION_INFO_V1(dynamo_db_fdw_validator);
}

namespace {

// Where an option may be given (a bit set).
enum OptionScope : unsigned {
    IN_SERVER = 1u << 0,
    IN_USER_MAPPING = 1u << 1,
    IN_TABLE = 1u << 2,
    IN_COLUMN = 1u << 3,  // never with another scope: the field is one of ColumnOptions
};

enum OptionKind {
    OPT_TEXT,       // non-empty text (char *)
    OPT_URL,        // an http:// or https:// URL (char *)
    OPT_SECRET,     // a credential, non-empty text (char *)
    OPT_VAULT_REF,  // a Vault secret's id or name (char *: the field receives the secret)
    OPT_INT,        // an integer from min to max (int)
    OPT_BOOL,       // true or false, as Postgres spells booleans (bool)
    OPT_ENUM,       // one of `words` (int: the word's index)
    OPT_RATE,       // a number above 0, at most max when max > 0 (double)
};

// Credentials (OPT_SECRET, OPT_VAULT_REF) are resolved as a group, not one by one: the key pair
// and token all come from the narrowest object that has a key id (DynamoGetCredentials).
bool IsCredential(OptionKind kind) {
    return kind == OPT_SECRET || kind == OPT_VAULT_REF;
}

bool IsText(OptionKind kind) {
    return kind == OPT_TEXT || kind == OPT_URL || IsCredential(kind);
}

// Options of one column of a foreign table.
struct ColumnOptions {
    bool catch_all;
    int array_type;  // DynamoArrayType
};

// A field of DynamoOptions or ColumnOptions, as an offset that remembers the field's type, so
// that a row of the table cannot name a field of another type than its kind fills.
template <typename T>
struct FieldRef {
    size_t offset;
};

template <typename T, typename S>
constexpr FieldRef<T> MakeField(size_t offset, T S::*) {
    return {offset};
}

#define OPTIONS_FIELD(m) MakeField(offsetof(DynamoOptions, m), &DynamoOptions::m)
#define COLUMN_FIELD(m) MakeField(offsetof(ColumnOptions, m), &ColumnOptions::m)

struct OptionDef {
    const char *name;
    unsigned scopes;  // OptionScope bits
    OptionKind kind;
    size_t field;              // offset in DynamoOptions (in ColumnOptions for column options)
    long min, max;             // OPT_INT: the bounds
    long def;                  // OPT_INT, OPT_BOOL, OPT_ENUM: the value when no object sets it
    const char *const *words;  // OPT_ENUM: the values, NULL-terminated
    const char *note;          // OPT_INT: what the bounds are, for the hint; else NULL
    const char *required;      // when set, the option is required, and this is the hint
};

constexpr OptionDef Text(const char *name, unsigned scopes, FieldRef<char *> f,
                         const char *required = NULL) {
    return {name, scopes, OPT_TEXT, f.offset, 0, 0, 0, NULL, NULL, required};
}
constexpr OptionDef Url(const char *name, unsigned scopes, FieldRef<char *> f) {
    return {name, scopes, OPT_URL, f.offset, 0, 0, 0, NULL, NULL, NULL};
}
constexpr OptionDef Secret(const char *name, unsigned scopes, FieldRef<char *> f) {
    return {name, scopes, OPT_SECRET, f.offset, 0, 0, 0, NULL, NULL, NULL};
}
constexpr OptionDef VaultRef(const char *name, unsigned scopes, FieldRef<char *> f) {
    return {name, scopes, OPT_VAULT_REF, f.offset, 0, 0, 0, NULL, NULL, NULL};
}
constexpr OptionDef Int(const char *name, unsigned scopes, long min, long max, long def,
                        FieldRef<int> f, const char *note = NULL) {
    return {name, scopes, OPT_INT, f.offset, min, max, def, NULL, note, NULL};
}
constexpr OptionDef Bool(const char *name, unsigned scopes, bool def, FieldRef<bool> f) {
    return {name, scopes, OPT_BOOL, f.offset, 0, 0, def, NULL, NULL, NULL};
}
// A number above 0 (at most `max` when it is not 0); unset, the field is 0.
constexpr OptionDef Rate(const char *name, unsigned scopes, long max, FieldRef<double> f,
                         const char *note) {
    return {name, scopes, OPT_RATE, f.offset, 0, max, 0, NULL, note, NULL};
}
constexpr OptionDef Enum(const char *name, unsigned scopes, const char *const *words, int def,
                         FieldRef<int> f) {
    return {name, scopes, OPT_ENUM, f.offset, 0, 0, def, words, NULL, NULL};
}

constexpr unsigned kCredentials = IN_SERVER | IN_USER_MAPPING;
constexpr unsigned kTableDefaults = IN_SERVER | IN_TABLE;  // a server's default for its tables

// The client's own defaults are the options' defaults (HttpOptions is read from a temporary, so
// that no object with a destructor outlives the table's initialization).
constexpr dynamo::RetryPolicy kRetryDefaults{};

// In the order of DynamoArrayType.
const char *const kArrayTypes[] = {"auto", "list", "set", NULL};
static_assert(DYNAMO_ARRAY_AUTO == 0 && DYNAMO_ARRAY_LIST == 1 && DYNAMO_ARRAY_SET == 2,
              "kArrayTypes follows DynamoArrayType");

// Every option. The order is the order of the "Valid options" hint of each scope. Adding an
// option is a row here (and a line in docs/dynamodb.md, and a test); the code that reads it
// reads the field.
const OptionDef kOptions[] = {
    Text("region", IN_SERVER, OPTIONS_FIELD(region),
         "Add OPTIONS (region 'us-east-1'), naming the AWS region of the tables."),
    Url("endpoint_url", IN_SERVER, OPTIONS_FIELD(endpoint_url)),
    Secret("aws_access_key_id", kCredentials, OPTIONS_FIELD(access_key_id)),
    Secret("aws_secret_access_key", kCredentials, OPTIONS_FIELD(secret_access_key)),
    Secret("aws_session_token", kCredentials, OPTIONS_FIELD(session_token)),
    VaultRef("vault_access_key_id", kCredentials, OPTIONS_FIELD(access_key_id)),
    VaultRef("vault_secret_access_key", kCredentials, OPTIONS_FIELD(secret_access_key)),
    VaultRef("vault_session_token", kCredentials, OPTIONS_FIELD(session_token)),
    Text("ca_file", IN_SERVER, OPTIONS_FIELD(ca_file)),
    Int("connect_timeout_ms", IN_SERVER, 1, INT_MAX, dynamo::HttpOptions().connect_timeout_ms,
        OPTIONS_FIELD(connect_timeout_ms)),
    Int("request_timeout_ms", IN_SERVER, 1, INT_MAX, dynamo::HttpOptions().request_timeout_ms,
        OPTIONS_FIELD(request_timeout_ms)),
    Int("max_attempts", IN_SERVER, 1, INT_MAX, kRetryDefaults.max_attempts,
        OPTIONS_FIELD(max_attempts)),
    Int("max_retry_time_ms", IN_SERVER, 1, INT_MAX, kRetryDefaults.max_total_ms,
        OPTIONS_FIELD(max_retry_time_ms)),
    Int("retry_base_delay_ms", IN_SERVER, 1, INT_MAX, kRetryDefaults.base_delay_ms,
        OPTIONS_FIELD(retry_base_delay_ms)),
    Int("retry_max_delay_ms", IN_SERVER, 1, INT_MAX, kRetryDefaults.max_delay_ms,
        OPTIONS_FIELD(retry_max_delay_ms)),
    Text("table", IN_TABLE, OPTIONS_FIELD(table), "Add OPTIONS (table '<DynamoDB table name>')."),
    Text("rowid_column", IN_TABLE, OPTIONS_FIELD(rowid_column)),
    Int("page_size", kTableDefaults, 0, INT_MAX, 0, OPTIONS_FIELD(page_size)),
    Bool("consistent_read", kTableDefaults, false, OPTIONS_FIELD(consistent_read)),
    Int("batch_size", kTableDefaults, 1, (long)dynamo::kBatchWriteLimit,
        (long)dynamo::kBatchWriteLimit, OPTIONS_FIELD(batch_size),
        "the most writes one BatchWriteItem request takes"),
    Int("write_concurrency", kTableDefaults, 1, 64, 16, OPTIONS_FIELD(write_concurrency),
        "the most write requests one statement keeps in flight"),
    // Unset (0), the number of segments is chosen from the table's size.
    Int("segments", kTableDefaults, 1, 1000000, 0, OPTIONS_FIELD(segments),
        "the range of DynamoDB's TotalSegments"),
    Text("index", IN_TABLE, OPTIONS_FIELD(index)),
    Bool("allow_full_scan", kTableDefaults, true, OPTIONS_FIELD(allow_full_scan)),
    // Unset (0), reads and writes are not paced.
    Rate("max_read_units_per_second", kTableDefaults, 0, OPTIONS_FIELD(max_read_units_per_second),
         "read capacity units a second"),
    Rate("max_write_units_per_second", kTableDefaults, 0, OPTIONS_FIELD(max_write_units_per_second),
         "write capacity units a second"),
    Rate("read_capacity_share", kTableDefaults, 1, OPTIONS_FIELD(read_capacity_share),
         "the share of the table's provisioned read capacity"),
    Rate("write_capacity_share", kTableDefaults, 1, OPTIONS_FIELD(write_capacity_share),
         "the share of the table's provisioned write capacity"),
    Bool("catch_all", IN_COLUMN, true, COLUMN_FIELD(catch_all)),
    // The column's type is checked by CheckColumnOptions, which knows the column.
    Enum("array_type", IN_COLUMN, kArrayTypes, DYNAMO_ARRAY_AUTO, COLUMN_FIELD(array_type)),
};

template <typename T>
T &FieldOf(void *options, const OptionDef &opt) {
    return *reinterpret_cast<T *>(static_cast<char *>(options) + opt.field);
}

unsigned ScopeOf(Oid context) {
    switch (context) {
        case ForeignServerRelationId:
            return IN_SERVER;
        case UserMappingRelationId:
            return IN_USER_MAPPING;
        case ForeignTableRelationId:
            return IN_TABLE;
        case AttributeRelationId:
            return IN_COLUMN;
        default:
            return 0;  // the foreign-data wrapper takes no options
    }
}

const char *ContextName(Oid context) {
    switch (context) {
        case ForeignServerRelationId:
            return "server";
        case UserMappingRelationId:
            return "user mapping";
        case ForeignTableRelationId:
            return "foreign table";
        case AttributeRelationId:
            return "column";
        default:
            return "foreign-data wrapper";
    }
}

const OptionDef *FindOption(const char *name, unsigned scope) {
    for (const OptionDef &opt : kOptions)
        if ((opt.scopes & scope) != 0 && strcmp(opt.name, name) == 0)
            return &opt;
    return NULL;
}

// The valid option closest to `name` in this scope, or NULL when nothing is close.
const char *ClosestOption(const char *name, unsigned scope) {
    const char *best = NULL;
    int best_distance = 4;  // more edits than this is not a typo
    for (const OptionDef &opt : kOptions) {
        if ((opt.scopes & scope) == 0)
            continue;
        int dist = varstr_levenshtein_less_equal(name, strlen(name), opt.name, strlen(opt.name), 1,
                                                 1, 1, best_distance, true);
        if (dist < best_distance) {
            best_distance = dist;
            best = opt.name;
        }
    }
    return best;
}

void ValidValuesHint(StringInfo buf, unsigned scope) {
    for (const OptionDef &opt : kOptions) {
        if ((opt.scopes & scope) == 0)
            continue;
        if (buf->len > 0)
            appendStringInfoString(buf, ", ");
        appendStringInfoString(buf, opt.name);
    }
}

void ReportUnknownOption(const char *name, Oid context) pg_attribute_noreturn();

void ReportUnknownOption(const char *name, Oid context) {
    unsigned scope = ScopeOf(context);
    const char *closest = ClosestOption(name, scope);
    StringInfoData valid;
    initStringInfo(&valid);
    ValidValuesHint(&valid, scope);
    ereport(ERROR, (errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
                    errmsg("invalid option \"%s\" for a DynamoDB %s", name, ContextName(context)),
                    closest         ? errhint("Perhaps you meant the option \"%s\".", closest)
                    : valid.len > 0 ? errhint("Valid options in this context are: %s.", valid.data)
                                    : errhint("There are no valid options in this context.")));
    pg_unreachable();
}

// The hint of an integer option's error: what values it takes.
char *IntegerHint(const OptionDef &opt) {
    if (opt.max == INT_MAX && (opt.min == 0 || opt.min == 1))
        return psprintf("The value must be %s integer.",
                        opt.min == 0 ? "a non-negative" : "a positive");
    return psprintf("The value must be an integer from %ld to %ld%s%s.", opt.min, opt.max,
                    opt.note != NULL ? ", " : "", opt.note != NULL ? opt.note : "");
}

long ParseInteger(const OptionDef &opt, const char *value) {
    char *end = NULL;
    errno = 0;
    long v = strtol(value, &end, 10);
    if (errno != 0 || end == value || *end != '\0' || v < opt.min || v > opt.max)
        ereport(ERROR, (errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
                        errmsg("invalid value for option \"%s\": \"%s\"", opt.name, value),
                        errhint("%s", IntegerHint(opt))));
    return v;
}

double ParseRate(const OptionDef &opt, const char *value) {
    char *end = NULL;
    errno = 0;
    double v = strtod(value, &end);
    if (errno != 0 || end == value || *end != '\0' || !std::isfinite(v) || v <= 0 ||
        (opt.max > 0 && v > (double)opt.max))
        ereport(ERROR,
                (errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
                 errmsg("invalid value for option \"%s\": \"%s\"", opt.name, value),
                 opt.max > 0 ? errhint("The value must be a number above 0 and at most %ld, "
                                       "%s.",
                                       opt.max, opt.note)
                             : errhint("The value must be a number above 0, %s.", opt.note)));
    return v;
}

bool ParseBoolean(const OptionDef &opt, const char *value) {
    bool result;
    if (!parse_bool(value, &result))
        ereport(ERROR, (errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
                        errmsg("invalid value for option \"%s\": \"%s\"", opt.name, value),
                        errhint("The value must be a boolean (true or false).")));
    return result;
}

// The index of value in opt.words; the error's hint lists them ("a, b or c").
int ParseWord(const OptionDef &opt, const char *value) {
    for (int i = 0; opt.words[i] != NULL; i++)
        if (strcmp(value, opt.words[i]) == 0)
            return i;
    StringInfoData words;
    initStringInfo(&words);
    for (int i = 0; opt.words[i] != NULL; i++) {
        if (i > 0)
            appendStringInfoString(&words, opt.words[i + 1] != NULL ? ", " : " or ");
        appendStringInfoString(&words, opt.words[i]);
    }
    ereport(ERROR, (errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
                    errmsg("invalid value for option \"%s\": \"%s\"", opt.name, value),
                    errhint("The value must be %s.", words.data)));
    return 0;
}

void CheckText(const OptionDef &opt, const char *value) {
    if (value[0] == '\0')
        ereport(ERROR, (errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
                        errmsg("option \"%s\" must not be empty", opt.name)));
}

void CheckUrl(const OptionDef &opt, const char *value) {
    char errbuf[256] = "";
    bool ok = false;
    RunCpp([&] {
        std::string scheme, host, path, error;
        ok = dynamo::ParseEndpoint(value, scheme, host, path, error);
        if (!ok)
            std::strncpy(errbuf, error.c_str(), sizeof(errbuf) - 1);
    });
    if (!ok)
        ereport(ERROR, (errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
                        errmsg("invalid value for option \"%s\": \"%s\"", opt.name, value),
                        errdetail("%s.", errbuf),
                        errhint("Give an http:// or https:// URL such as http://localhost:8000.")));
}

// Checks value as a value of opt, raising the option's error when it is not one. When `into` is
// not NULL, also stores it in the field opt fills (a Vault reference: the secret it names).
void ParseOption(const OptionDef &opt, char *value, void *into) {
    switch (opt.kind) {
        case OPT_TEXT:
        case OPT_SECRET:
        case OPT_VAULT_REF:
            CheckText(opt, value);
            break;
        case OPT_URL:
            CheckUrl(opt, value);
            break;
        case OPT_INT: {
            long v = ParseInteger(opt, value);
            if (into != NULL)
                FieldOf<int>(into, opt) = (int)v;
            return;
        }
        case OPT_BOOL: {
            bool v = ParseBoolean(opt, value);
            if (into != NULL)
                FieldOf<bool>(into, opt) = v;
            return;
        }
        case OPT_ENUM: {
            int v = ParseWord(opt, value);
            if (into != NULL)
                FieldOf<int>(into, opt) = v;
            return;
        }
        case OPT_RATE: {
            double v = ParseRate(opt, value);
            if (into != NULL)
                FieldOf<double>(into, opt) = v;
            return;
        }
    }
    if (into != NULL)
        FieldOf<char *>(into, opt) =
            opt.kind == OPT_VAULT_REF ? DynamoVaultSecret(opt.name, value) : value;
}

// Both halves of a key pair, or neither, in one object.
void CheckKeyPair(List *options, Oid context) {
    bool has_id = false, has_secret = false;
    ListCell *lc;
    foreach (lc, options) {
        const OptionDef *opt = FindOption(((DefElem *)lfirst(lc))->defname, ScopeOf(context));
        if (opt == NULL || !IsCredential(opt->kind))
            continue;
        if (opt->field == offsetof(DynamoOptions, access_key_id))
            has_id = true;
        if (opt->field == offsetof(DynamoOptions, secret_access_key))
            has_secret = true;
    }
    if (has_id != has_secret)
        ereport(ERROR, (errcode(ERRCODE_FDW_OPTION_NAME_NOT_FOUND),
                        errmsg("%s has %s but not %s", ContextName(context),
                               has_id ? "an access key id" : "a secret access key",
                               has_id ? "a secret access key" : "an access key id"),
                        errhint("Set both aws_access_key_id and aws_secret_access_key (or both "
                                "vault_access_key_id and vault_secret_access_key), or neither.")));
}

}  // namespace

Datum dynamo_db_fdw_validator(PG_FUNCTION_ARGS) {
    List *options = untransformRelOptions(PG_GETARG_DATUM(0));
    Oid context = PG_GETARG_OID(1);
    unsigned scope = ScopeOf(context);
    bool given[lengthof(kOptions)] = {false};
    ListCell *lc;

    foreach (lc, options) {
        DefElem *def = (DefElem *)lfirst(lc);
        const OptionDef *opt = FindOption(def->defname, scope);
        if (opt == NULL)
            ReportUnknownOption(def->defname, context);
        ParseOption(*opt, defGetString(def), NULL);
        given[opt - kOptions] = true;
    }
    for (const OptionDef &opt : kOptions)
        if (opt.required != NULL && (opt.scopes & scope) != 0 && !given[&opt - kOptions])
            ereport(ERROR, (errcode(ERRCODE_FDW_OPTION_NAME_NOT_FOUND),
                            errmsg("option \"%s\" is required for a DynamoDB %s", opt.name,
                                   ContextName(context)),
                            errhint("%s", opt.required)));
    if ((scope & kCredentials) != 0)
        CheckKeyPair(options, context);

    PG_RETURN_VOID();
}

namespace {

// Sets every field that the options of `scopes` fill to its default.
void SetDefaults(unsigned scopes, void *into) {
    for (const OptionDef &opt : kOptions) {
        if ((opt.scopes & scopes) == 0)
            continue;
        if (IsText(opt.kind))
            FieldOf<char *>(into, opt) = NULL;
        else if (opt.kind == OPT_BOOL)
            FieldOf<bool>(into, opt) = opt.def != 0;
        else if (opt.kind == OPT_RATE)
            FieldOf<double>(into, opt) = 0;
        else
            FieldOf<int>(into, opt) = (int)opt.def;
    }
}

// Applies one object's options (given in `scope`) to *into: its settings, or with
// `credentials` its credentials only. Strings point into `options`.
void ApplyOptions(List *options, unsigned scope, bool credentials, void *into) {
    ListCell *lc;
    foreach (lc, options) {
        DefElem *def = (DefElem *)lfirst(lc);
        const OptionDef *opt = FindOption(def->defname, scope);
        if (opt != NULL && IsCredential(opt->kind) == credentials)
            ParseOption(*opt, defGetString(def), into);
    }
}

// The settings of the server, narrowed by the user mapping's and, when relid is valid, by the
// foreign table's, into a new DynamoOptions in the current memory context.
DynamoOptions *ResolveOptions(Oid serverid, Oid userid, Oid relid) {
    DynamoOptions *o = (DynamoOptions *)palloc0(sizeof(DynamoOptions));
    SetDefaults(IN_SERVER | IN_USER_MAPPING | IN_TABLE, o);
    ApplyOptions(GetForeignServer(serverid)->options, IN_SERVER, false, o);
    ApplyOptions(DynamoUserMappingOptions(serverid, userid), IN_USER_MAPPING, false, o);
    if (OidIsValid(relid))
        ApplyOptions(GetForeignTable(relid)->options, IN_TABLE, false, o);
    return o;
}

// Resolved options per (server, user, foreign table), kept for the backend's life: resolving
// reads three catalog entries and parses every value, which would otherwise happen at every
// execution of every statement. A change to any foreign server, user mapping or foreign table
// marks the whole cache stale, and it is emptied at the next lookup, never inside the
// invalidation callback. Callers get copies, so nothing outside refers into the cache.
struct CachedOptions {
    Oid serverid;
    Oid userid;
    Oid relid;
    DynamoOptions opts;
};

constexpr int kMaxCachedOptions = 128;
MemoryContext g_options_cxt = NULL;
CachedOptions *g_cached_options[kMaxCachedOptions];
int g_ncached_options = 0;
bool g_options_stale = false;

void OptionsChanged(Datum, int, uint32) {
    g_options_stale = true;
}

// Copies o's strings (every text field an option fills) into the current memory context; o
// itself is copied by the caller.
void CopyOptionStrings(DynamoOptions *o) {
    for (size_t i = 0; i < lengthof(kOptions); i++) {
        const OptionDef &opt = kOptions[i];
        if (!IsText(opt.kind) || opt.scopes == IN_COLUMN)
            continue;
        bool copied = false;  // by an earlier option filling the same field (aws_ and vault_)
        for (size_t j = 0; j < i && !copied; j++)
            copied = IsText(kOptions[j].kind) && kOptions[j].scopes != IN_COLUMN &&
                     kOptions[j].field == opt.field;
        char *&s = FieldOf<char *>(o, opt);
        if (!copied && s != NULL)
            s = pstrdup(s);
    }
}

DynamoOptions *CopyOptions(const DynamoOptions *from) {
    DynamoOptions *o = (DynamoOptions *)palloc(sizeof(DynamoOptions));
    *o = *from;
    CopyOptionStrings(o);
    return o;
}

}  // namespace

DynamoOptions *DynamoGetOptions(Oid serverid, Oid userid, Oid relid) {
    // DynamoDB's names and strings are UTF-8, and they pass between DynamoDB and Postgres
    // unconverted: refuse a database whose text means something else rather than store or send
    // wrongly encoded text.
    if (GetDatabaseEncoding() != PG_UTF8)
        ereport(
            ERROR,
            (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
             errmsg("DynamoDB foreign tables are not supported in a database with encoding %s",
                    GetDatabaseEncodingName()),
             errdetail("DynamoDB stores names and strings as UTF-8, and they are not converted."),
             errhint("Use the foreign server from a database created with ENCODING 'UTF8'.")));
    if (g_options_cxt == NULL) {
        g_options_cxt =
            AllocSetContextCreate(CacheMemoryContext, "DynamoDB options", ALLOCSET_SMALL_SIZES);
        CacheRegisterSyscacheCallback(FOREIGNSERVEROID, OptionsChanged, (Datum)0);
        CacheRegisterSyscacheCallback(USERMAPPINGOID, OptionsChanged, (Datum)0);
        CacheRegisterSyscacheCallback(FOREIGNTABLEREL, OptionsChanged, (Datum)0);
    }
    if (g_options_stale || g_ncached_options == kMaxCachedOptions) {
        MemoryContextReset(g_options_cxt);
        g_ncached_options = 0;
        g_options_stale = false;
    }
    for (int i = 0; i < g_ncached_options; i++) {
        CachedOptions *c = g_cached_options[i];
        if (c->serverid == serverid && c->userid == userid && c->relid == relid)
            return CopyOptions(&c->opts);
    }
    // Resolving reads the catalogs, which may process invalidations: the result is kept only
    // when none arrived meanwhile.
    DynamoOptions *o = ResolveOptions(serverid, userid, relid);
    if (!g_options_stale) {
        MemoryContext old = MemoryContextSwitchTo(g_options_cxt);
        CachedOptions *c = (CachedOptions *)palloc(sizeof(CachedOptions));
        c->serverid = serverid;
        c->userid = userid;
        c->relid = relid;
        c->opts = *o;
        CopyOptionStrings(&c->opts);
        MemoryContextSwitchTo(old);
        g_cached_options[g_ncached_options++] = c;
    }
    return o;
}

void DynamoCredentialOptions(List *options, bool user_mapping, DynamoOptions *into) {
    ApplyOptions(options, user_mapping ? IN_USER_MAPPING : IN_SERVER, true, into);
}

static ColumnOptions ResolveColumnOptions(Oid relid, AttrNumber attnum) {
    ColumnOptions c;
    SetDefaults(IN_COLUMN, &c);
    ApplyOptions(GetForeignColumnOptions(relid, attnum), IN_COLUMN, false, &c);
    return c;
}

bool DynamoColumnCatchAll(Oid relid, AttrNumber attnum) {
    return ResolveColumnOptions(relid, attnum).catch_all;
}

DynamoArrayType DynamoColumnArrayType(Oid relid, AttrNumber attnum) {
    return (DynamoArrayType)ResolveColumnOptions(relid, attnum).array_type;
}

// The validator sees a column's options but not the column. This hook runs after CREATE and
// ALTER FOREIGN TABLE change a column (its options or its type), in the same command, and
// refuses array_type on a column of a type that cannot take it. (The library is loaded by then
// whenever options were given: the validator ran first. A type changed in a session that has
// not loaded it is caught when the column is written.)
static object_access_hook_type prev_object_access_hook = NULL;

static void CheckColumnOptions(ObjectAccessType access, Oid classId, Oid objectId, int subId,
                               void *arg) {
    if (prev_object_access_hook != NULL)
        prev_object_access_hook(access, classId, objectId, subId, arg);
    if (access != OAT_POST_ALTER || classId != RelationRelationId || subId <= 0 ||
        get_rel_relkind(objectId) != RELKIND_FOREIGN_TABLE)
        return;

    // The column as this command left it: the catalog caches do not see it yet, a scan with
    // SnapshotSelf does.
    Relation attrel = table_open(AttributeRelationId, AccessShareLock);
    ScanKeyData key[2];
    ScanKeyInit(&key[0], Anum_pg_attribute_attrelid, BTEqualStrategyNumber, F_OIDEQ,
                ObjectIdGetDatum(objectId));
    ScanKeyInit(&key[1], Anum_pg_attribute_attnum, BTEqualStrategyNumber, F_INT2EQ,
                Int16GetDatum((int16)subId));
    SysScanDesc scan =
        systable_beginscan(attrel, AttributeRelidNumIndexId, true, SnapshotSelf, 2, key);
    HeapTuple tuple = systable_getnext(scan);
    bool has_option = false;
    Oid typid = InvalidOid;
    char *column = NULL;
    if (HeapTupleIsValid(tuple)) {
        Form_pg_attribute att = (Form_pg_attribute)GETSTRUCT(tuple);
        bool isnull;
        Datum d =
            heap_getattr(tuple, Anum_pg_attribute_attfdwoptions, RelationGetDescr(attrel), &isnull);
        if (!att->attisdropped && !isnull) {
            List *options = untransformRelOptions(d);
            ListCell *lc;
            foreach (lc, options) {
                if (strcmp(((DefElem *)lfirst(lc))->defname, "array_type") == 0)
                    has_option = true;
            }
        }
        typid = att->atttypid;
        column = pstrdup(NameStr(att->attname));
    }
    systable_endscan(scan);
    table_close(attrel, AccessShareLock);
    if (!has_option)
        return;

    // Only foreign tables of this wrapper: another wrapper may have an option of that name.
    ForeignTable *ft = GetForeignTable(objectId);
    ForeignDataWrapper *fdw = GetForeignDataWrapper(GetForeignServer(ft->serverid)->fdwid);
    if (!OidIsValid(fdw->fdwvalidator))
        return;
    FmgrInfo validator;
    fmgr_info(fdw->fdwvalidator, &validator);
    if (validator.fn_addr != dynamo_db_fdw_validator)
        return;
    DynamoCheckArrayTypeColumn(typid, column, get_rel_name(objectId));
}

void DynamoInstallColumnOptionCheck() {
    prev_object_access_hook = object_access_hook;
    object_access_hook = CheckColumnOptions;
}
