// Options: the validator (checks every option when the object is created or altered) and the
// resolution of server, user mapping and table options into one DynamoOptions, with Vault.
#include "client/credentials_file.hpp"
#include "fdw/dynamodb_fdw.hpp"

#include <pwd.h>
#include <unistd.h>

extern "C" {
#include "access/genam.h"
#include "access/reloptions.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/objectaccess.h"
#include "catalog/pg_class.h"
#include "catalog/pg_foreign_server.h"
#include "catalog/pg_foreign_table.h"
#include "catalog/pg_user_mapping.h"
#include "catalog/pg_attribute.h"
#include "catalog/namespace.h"
#include "commands/defrem.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/fmgroids.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
#include "utils/varlena.h"

PGDLLEXPORT Datum dynamo_db_fdw_validator(PG_FUNCTION_ARGS);
PG_FUNCTION_INFO_V1(dynamo_db_fdw_validator);
}

namespace {

enum OptionKind {
    OPT_STRING,
    OPT_SECRET,
    OPT_URL,
    OPT_POSITIVE_INT,
    OPT_NONNEG_INT,
    OPT_BOOL,
    OPT_BATCH_SIZE,  // 1 to 25, the most writes one BatchWriteItem takes
    OPT_SEGMENTS,    // 1 to 1000000, DynamoDB's range of TotalSegments
    OPT_ARRAY_TYPE,  // auto, list or set (DynamoArrayType); only on some array columns
};

struct OptionDef {
    const char *name;
    Oid context;  // catalog the option belongs to
    OptionKind kind;
};

const OptionDef kOptions[] = {
    /* server */
    {"region", ForeignServerRelationId, OPT_STRING},
    {"endpoint_url", ForeignServerRelationId, OPT_URL},
    {"aws_access_key_id", ForeignServerRelationId, OPT_SECRET},
    {"aws_secret_access_key", ForeignServerRelationId, OPT_SECRET},
    {"aws_session_token", ForeignServerRelationId, OPT_SECRET},
    {"vault_access_key_id", ForeignServerRelationId, OPT_STRING},
    {"vault_secret_access_key", ForeignServerRelationId, OPT_STRING},
    {"vault_session_token", ForeignServerRelationId, OPT_STRING},
    {"ca_file", ForeignServerRelationId, OPT_STRING},
    {"connect_timeout_ms", ForeignServerRelationId, OPT_POSITIVE_INT},
    {"request_timeout_ms", ForeignServerRelationId, OPT_POSITIVE_INT},
    {"max_attempts", ForeignServerRelationId, OPT_POSITIVE_INT},
    {"max_retry_time_ms", ForeignServerRelationId, OPT_POSITIVE_INT},
    {"retry_base_delay_ms", ForeignServerRelationId, OPT_POSITIVE_INT},
    {"retry_max_delay_ms", ForeignServerRelationId, OPT_POSITIVE_INT},
    {"page_size", ForeignServerRelationId, OPT_NONNEG_INT},
    {"consistent_read", ForeignServerRelationId, OPT_BOOL},
    {"batch_size", ForeignServerRelationId, OPT_BATCH_SIZE},
    {"segments", ForeignServerRelationId, OPT_SEGMENTS},
    /* user mapping */
    {"aws_access_key_id", UserMappingRelationId, OPT_SECRET},
    {"aws_secret_access_key", UserMappingRelationId, OPT_SECRET},
    {"aws_session_token", UserMappingRelationId, OPT_SECRET},
    {"vault_access_key_id", UserMappingRelationId, OPT_STRING},
    {"vault_secret_access_key", UserMappingRelationId, OPT_STRING},
    {"vault_session_token", UserMappingRelationId, OPT_STRING},
    /* foreign table */
    {"table", ForeignTableRelationId, OPT_STRING},
    {"rowid_column", ForeignTableRelationId, OPT_STRING},
    {"page_size", ForeignTableRelationId, OPT_NONNEG_INT},
    {"consistent_read", ForeignTableRelationId, OPT_BOOL},
    {"batch_size", ForeignTableRelationId, OPT_BATCH_SIZE},
    {"segments", ForeignTableRelationId, OPT_SEGMENTS},
    {"index", ForeignTableRelationId, OPT_STRING},
    /* column */
    {"catch_all", AttributeRelationId, OPT_BOOL},
    {"array_type", AttributeRelationId, OPT_ARRAY_TYPE},
};

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

const OptionDef *FindOption(const char *name, Oid context) {
    for (const OptionDef &d : kOptions)
        if (d.context == context && strcmp(d.name, name) == 0)
            return &d;
    return NULL;
}

// The valid option closest to `name` for this context, or NULL when nothing is close.
const char *ClosestOption(const char *name, Oid context) {
    const char *best = NULL;
    int best_distance = 4;  // more edits than this is not a typo
    for (const OptionDef &d : kOptions) {
        if (d.context != context)
            continue;
        int dist = varstr_levenshtein_less_equal(name, strlen(name), d.name, strlen(d.name), 1, 1,
                                                 1, best_distance, true);
        if (dist < best_distance) {
            best_distance = dist;
            best = d.name;
        }
    }
    return best;
}

void ValidValuesHint(StringInfo buf, Oid context) {
    for (const OptionDef &d : kOptions) {
        if (d.context != context)
            continue;
        if (buf->len > 0)
            appendStringInfoString(buf, ", ");
        appendStringInfoString(buf, d.name);
    }
}

int ParseIntOption(const char *name, const char *value, bool allow_zero) {
    char *end = NULL;
    errno = 0;
    long v = strtol(value, &end, 10);
    if (errno != 0 || end == value || *end != '\0' || v < (allow_zero ? 0 : 1) || v > INT_MAX)
        ereport(ERROR, (errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
                        errmsg("invalid value for option \"%s\": \"%s\"", name, value),
                        errhint("The value must be %s integer.",
                                allow_zero ? "a non-negative" : "a positive")));
    return (int)v;
}

int ParseBatchSize(const char *name, const char *value) {
    char *end = NULL;
    errno = 0;
    long v = strtol(value, &end, 10);
    if (errno != 0 || end == value || *end != '\0' || v < 1 || v > (long)dynamo::kBatchWriteLimit)
        ereport(ERROR, (errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
                        errmsg("invalid value for option \"%s\": \"%s\"", name, value),
                        errhint("The value must be an integer from 1 to %d, the most writes one "
                                "BatchWriteItem request takes.",
                                (int)dynamo::kBatchWriteLimit)));
    return (int)v;
}

int ParseSegments(const char *name, const char *value) {
    char *end = NULL;
    errno = 0;
    long v = strtol(value, &end, 10);
    if (errno != 0 || end == value || *end != '\0' || v < 1 || v > 1000000)
        ereport(ERROR, (errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
                        errmsg("invalid value for option \"%s\": \"%s\"", name, value),
                        errhint("The value must be an integer from 1 to 1000000, the range of "
                                "DynamoDB's TotalSegments.")));
    return (int)v;
}

bool ParseBoolOption(const char *name, const char *value) {
    bool result;
    if (!parse_bool(value, &result))
        ereport(ERROR, (errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
                        errmsg("invalid value for option \"%s\": \"%s\"", name, value),
                        errhint("The value must be a boolean (true or false).")));
    return result;
}

DynamoArrayType ParseArrayType(const char *name, const char *value) {
    if (strcmp(value, "auto") == 0)
        return DYNAMO_ARRAY_AUTO;
    if (strcmp(value, "list") == 0)
        return DYNAMO_ARRAY_LIST;
    if (strcmp(value, "set") == 0)
        return DYNAMO_ARRAY_SET;
    ereport(ERROR, (errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
                    errmsg("invalid value for option \"%s\": \"%s\"", name, value),
                    errhint("The value must be auto, list or set.")));
    return DYNAMO_ARRAY_AUTO;
}

void CheckUrl(const char *name, const char *value) {
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
                        errmsg("invalid value for option \"%s\": \"%s\"", name, value),
                        errdetail("%s.", errbuf),
                        errhint("Give an http:// or https:// URL such as http://localhost:8000.")));
}

// Both halves of a key pair, or neither, in one object.
void CheckKeyPair(List *options, Oid context) {
    bool has_id = false, has_secret = false;
    ListCell *lc;
    foreach (lc, options) {
        DefElem *def = (DefElem *)lfirst(lc);
        if (strcmp(def->defname, "aws_access_key_id") == 0 ||
            strcmp(def->defname, "vault_access_key_id") == 0)
            has_id = true;
        if (strcmp(def->defname, "aws_secret_access_key") == 0 ||
            strcmp(def->defname, "vault_secret_access_key") == 0)
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
    bool has_region = false, has_table = false;
    ListCell *lc;

    foreach (lc, options) {
        DefElem *def = (DefElem *)lfirst(lc);
        const OptionDef *opt = FindOption(def->defname, context);
        if (opt == NULL) {
            const char *closest = ClosestOption(def->defname, context);
            StringInfoData valid;
            initStringInfo(&valid);
            ValidValuesHint(&valid, context);
            ereport(ERROR,
                    (errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
                     errmsg("invalid option \"%s\" for a DynamoDB %s", def->defname,
                            ContextName(context)),
                     closest         ? errhint("Perhaps you meant the option \"%s\".", closest)
                     : valid.len > 0 ? errhint("Valid options in this context are: %s.", valid.data)
                                     : errhint("There are no valid options in this context.")));
        }
        const char *value = defGetString(def);
        switch (opt->kind) {
            case OPT_STRING:
            case OPT_SECRET:
                if (value[0] == '\0')
                    ereport(ERROR, (errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
                                    errmsg("option \"%s\" must not be empty", def->defname)));
                break;
            case OPT_URL:
                CheckUrl(def->defname, value);
                break;
            case OPT_POSITIVE_INT:
                ParseIntOption(def->defname, value, false);
                break;
            case OPT_NONNEG_INT:
                ParseIntOption(def->defname, value, true);
                break;
            case OPT_BOOL:
                ParseBoolOption(def->defname, value);
                break;
            case OPT_BATCH_SIZE:
                ParseBatchSize(def->defname, value);
                break;
            case OPT_SEGMENTS:
                ParseSegments(def->defname, value);
                break;
            case OPT_ARRAY_TYPE:
                // The column's type is checked by CheckColumnOptions, which knows the column.
                ParseArrayType(def->defname, value);
                break;
        }
        if (strcmp(def->defname, "region") == 0)
            has_region = true;
        if (strcmp(def->defname, "table") == 0)
            has_table = true;
    }

    if (context == ForeignServerRelationId && !has_region)
        ereport(ERROR, (errcode(ERRCODE_FDW_OPTION_NAME_NOT_FOUND),
                        errmsg("option \"region\" is required for a DynamoDB server"),
                        errhint("Add OPTIONS (region 'us-east-1'), naming the AWS region of the "
                                "tables.")));
    if (context == ForeignTableRelationId && !has_table)
        ereport(ERROR, (errcode(ERRCODE_FDW_OPTION_NAME_NOT_FOUND),
                        errmsg("option \"table\" is required for a DynamoDB foreign table"),
                        errhint("Add OPTIONS (table '<DynamoDB table name>').")));
    if (context == ForeignServerRelationId || context == UserMappingRelationId)
        CheckKeyPair(options, context);

    PG_RETURN_VOID();
}

namespace {

// Vault secrets. A reference (vault_access_key_id and the like) is a secret's id or its name in
// vault.decrypted_secrets, the view of Supabase Vault that decrypts them; it is read with the
// privileges of the role running the query. Errors name the option and the reference, never
// the secret's text.

const char *const kVaultQuery =
    "select decrypted_secret from vault.decrypted_secrets "
    "where id::text = $1 or name = $1 order by (id::text = $1) desc limit 1";

// The secret referred to by ref, copied into memory context into; NULL when there is none.
char *VaultQuery(const char *ref, MemoryContext into) {
    char *result = NULL;
    if (SPI_connect() != SPI_OK_CONNECT)
        elog(ERROR, "SPI_connect failed");
    Oid argtypes[1] = {TEXTOID};
    Datum args[1] = {CStringGetTextDatum(ref)};
    int rc = SPI_execute_with_args(kVaultQuery, 1, argtypes, args, NULL, true, 1);
    if (rc != SPI_OK_SELECT)
        elog(ERROR, "SPI_execute_with_args returned %d", rc);
    if (SPI_processed == 1) {
        bool isnull;
        Datum d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
        if (!isnull) {
            MemoryContext spi = MemoryContextSwitchTo(into);
            result = TextDatumGetCString(d);
            MemoryContextSwitchTo(spi);
        }
    }
    SPI_finish();
    return result;
}

void VaultErrorContext(void *arg) {
    errcontext("reading the Vault secret named by option \"%s\"", (const char *)arg);
}

// Reports an error raised while reading vault.decrypted_secrets as an error of the option. The
// message of a data exception (class 22) is left out, since such messages may quote the values
// they were given; the others (privileges, missing objects, decryption) name objects only.
void ReportVaultFailure(const char *option, const char *ref, ErrorData *edata) {
    bool denied = edata->sqlerrcode == ERRCODE_INSUFFICIENT_PRIVILEGE;
    bool showable = ERRCODE_TO_CATEGORY(edata->sqlerrcode) != ERRCODE_DATA_EXCEPTION;
    const char *role = GetUserNameFromId(GetUserId(), true);
    ereport(
        ERROR,
        (errcode(denied ? ERRCODE_INSUFFICIENT_PRIVILEGE : ERRCODE_FDW_ERROR),
         denied ? errmsg("permission denied to read Vault secret \"%s\" named by option \"%s\"",
                         ref, option)
                : errmsg("could not read Vault secret \"%s\" named by option \"%s\"", ref, option),
         showable ? errdetail("Vault: %s", edata->message)
                  : errdetail("Vault reported an error with SQLSTATE %s; its message is not "
                              "shown, since it may quote a secret.",
                              unpack_sql_state(edata->sqlerrcode)),
         denied ? errhint("The role running the query, %s, needs USAGE on schema vault, SELECT "
                          "on vault.decrypted_secrets and EXECUTE on the function that view "
                          "decrypts with (vault._crypto_aead_det_decrypt in Vault 0.3).",
                          role ? role : "?")
                : 0));
}

// Looks a Vault secret up by id or by name in vault.decrypted_secrets.
char *VaultSecret(const char *option, const char *ref) {
    Oid vault = get_namespace_oid("vault", true);
    if (!OidIsValid(vault) || !OidIsValid(get_relname_relid("decrypted_secrets", vault)))
        ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                        errmsg("option \"%s\" refers to a Vault secret, but Supabase Vault is not "
                               "installed in this database",
                               option),
                        errdetail("There is no view vault.decrypted_secrets."),
                        errhint("Install Supabase Vault (create extension supabase_vault), or use "
                                "aws_access_key_id and aws_secret_access_key.")));
    MemoryContext caller = CurrentMemoryContext;
    char *volatile result = NULL;
    if (IsInParallelMode()) {
        // No subtransaction can start here: an error keeps its own message, with a context
        // naming the option.
        ErrorContextCallback context;
        context.callback = VaultErrorContext;
        context.arg = (void *)option;
        context.previous = error_context_stack;
        error_context_stack = &context;
        result = VaultQuery(ref, caller);
        error_context_stack = context.previous;
    } else {
        // In a subtransaction, so that an error (a role without the privileges, a Vault whose
        // objects differ) can be reported as an error of the option.
        ResourceOwner owner = CurrentResourceOwner;
        BeginInternalSubTransaction(NULL);
        MemoryContextSwitchTo(caller);
        PG_TRY();
        {
            result = VaultQuery(ref, caller);
            ReleaseCurrentSubTransaction();
            MemoryContextSwitchTo(caller);
            CurrentResourceOwner = owner;
        }
        PG_CATCH();
        {
            MemoryContextSwitchTo(caller);
            ErrorData *edata = CopyErrorData();
            FlushErrorState();
            RollbackAndReleaseCurrentSubTransaction();
            MemoryContextSwitchTo(caller);
            CurrentResourceOwner = owner;
            ReportVaultFailure(option, ref, edata);
        }
        PG_END_TRY();
    }
    if (result == NULL)
        ereport(ERROR,
                (errcode(ERRCODE_FDW_OPTION_NAME_NOT_FOUND),
                 errmsg("Vault secret \"%s\" named by option \"%s\" was not found", ref, option),
                 errhint("Give the id or the name of a secret in vault.decrypted_secrets.")));
    return result;
}

// Options of the user mapping for (user, server), or of the PUBLIC mapping; NIL when none.
List *UserMappingOptions(Oid serverid, Oid userid) {
    HeapTuple tp = SearchSysCache2(USERMAPPINGUSERSERVER, ObjectIdGetDatum(userid),
                                   ObjectIdGetDatum(serverid));
    if (!HeapTupleIsValid(tp))
        tp = SearchSysCache2(USERMAPPINGUSERSERVER, ObjectIdGetDatum(InvalidOid),
                             ObjectIdGetDatum(serverid));
    if (!HeapTupleIsValid(tp))
        return NIL;
    bool isnull;
    Datum d = SysCacheGetAttr(USERMAPPINGUSERSERVER, tp, Anum_pg_user_mapping_umoptions, &isnull);
    List *options = isnull ? NIL : untransformRelOptions(d);
    ReleaseSysCache(tp);
    return options;
}

struct Credentials {
    char *key_id;
    char *secret;
    char *token;
};

// Credentials from one object's options: plain keys, or Vault references.
void CollectCredentials(List *options, Credentials *c) {
    ListCell *lc;
    foreach (lc, options) {
        DefElem *def = (DefElem *)lfirst(lc);
        const char *n = def->defname;
        if (strcmp(n, "aws_access_key_id") == 0)
            c->key_id = defGetString(def);
        if (strcmp(n, "aws_secret_access_key") == 0)
            c->secret = defGetString(def);
        if (strcmp(n, "aws_session_token") == 0)
            c->token = defGetString(def);
        if (strcmp(n, "vault_access_key_id") == 0)
            c->key_id = VaultSecret(n, defGetString(def));
        if (strcmp(n, "vault_secret_access_key") == 0)
            c->secret = VaultSecret(n, defGetString(def));
        if (strcmp(n, "vault_session_token") == 0)
            c->token = VaultSecret(n, defGetString(def));
    }
}

void ApplyCommon(DynamoOptions *o, DefElem *def) {
    const char *n = def->defname;
    if (strcmp(n, "page_size") == 0)
        o->page_size = ParseIntOption(n, defGetString(def), true);
    if (strcmp(n, "consistent_read") == 0)
        o->consistent_read = ParseBoolOption(n, defGetString(def));
    if (strcmp(n, "batch_size") == 0)
        o->batch_size = ParseBatchSize(n, defGetString(def));
    if (strcmp(n, "segments") == 0)
        o->segments = ParseSegments(n, defGetString(def));
}

// The server's options, narrowed by the foreign table's when relid is valid, into a new
// DynamoOptions in the current memory context.
DynamoOptions *ResolveOptions(Oid serverid, Oid relid) {
    DynamoOptions *o = (DynamoOptions *)palloc0(sizeof(DynamoOptions));
    o->connect_timeout_ms = 10000;
    o->request_timeout_ms = 30000;
    o->max_attempts = 10;
    o->max_retry_time_ms = 60000;
    o->retry_base_delay_ms = 25;
    o->retry_max_delay_ms = 2000;

    ForeignServer *server = GetForeignServer(serverid);
    ListCell *lc;
    foreach (lc, server->options) {
        DefElem *def = (DefElem *)lfirst(lc);
        const char *n = def->defname;
        if (strcmp(n, "region") == 0)
            o->region = defGetString(def);
        if (strcmp(n, "endpoint_url") == 0)
            o->endpoint_url = defGetString(def);
        if (strcmp(n, "ca_file") == 0)
            o->ca_file = defGetString(def);
        if (strcmp(n, "connect_timeout_ms") == 0)
            o->connect_timeout_ms = ParseIntOption(n, defGetString(def), false);
        if (strcmp(n, "request_timeout_ms") == 0)
            o->request_timeout_ms = ParseIntOption(n, defGetString(def), false);
        if (strcmp(n, "max_attempts") == 0)
            o->max_attempts = ParseIntOption(n, defGetString(def), false);
        if (strcmp(n, "max_retry_time_ms") == 0)
            o->max_retry_time_ms = ParseIntOption(n, defGetString(def), false);
        if (strcmp(n, "retry_base_delay_ms") == 0)
            o->retry_base_delay_ms = ParseIntOption(n, defGetString(def), false);
        if (strcmp(n, "retry_max_delay_ms") == 0)
            o->retry_max_delay_ms = ParseIntOption(n, defGetString(def), false);
        ApplyCommon(o, def);
    }

    if (OidIsValid(relid)) {
        ForeignTable *ft = GetForeignTable(relid);
        foreach (lc, ft->options) {
            DefElem *def = (DefElem *)lfirst(lc);
            if (strcmp(def->defname, "table") == 0)
                o->table = defGetString(def);
            if (strcmp(def->defname, "rowid_column") == 0)
                o->rowid_column = defGetString(def);
            if (strcmp(def->defname, "index") == 0)
                o->index = defGetString(def);
            ApplyCommon(o, def);
        }
    }
    return o;
}

// Resolved options per (server, foreign table), kept for the backend's life: resolving reads
// two catalog entries and parses every value, which would otherwise happen at every execution
// of every statement. A change to any foreign server or foreign table marks the whole cache
// stale, and it is emptied at the next lookup, never inside the invalidation callback. Callers
// get copies, so nothing outside refers into the cache.
struct CachedOptions {
    Oid serverid;
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

// Copies o's strings into the current memory context (o itself is copied by the caller).
void CopyOptionStrings(DynamoOptions *o) {
    for (char **s : {&o->region, &o->endpoint_url, &o->access_key_id, &o->secret_access_key,
                     &o->session_token, &o->ca_file, &o->table, &o->rowid_column, &o->index})
        if (*s != NULL)
            *s = pstrdup(*s);
}

DynamoOptions *CopyOptions(const DynamoOptions *from) {
    DynamoOptions *o = (DynamoOptions *)palloc(sizeof(DynamoOptions));
    *o = *from;
    CopyOptionStrings(o);
    return o;
}

}  // namespace

DynamoOptions *DynamoGetOptions(Oid serverid, Oid userid, Oid relid) {
    (void)userid;  // user mappings hold credentials only (DynamoGetCredentials)
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
        CacheRegisterSyscacheCallback(FOREIGNTABLEREL, OptionsChanged, (Datum)0);
    }
    if (g_options_stale || g_ncached_options == kMaxCachedOptions) {
        MemoryContextReset(g_options_cxt);
        g_ncached_options = 0;
        g_options_stale = false;
    }
    for (int i = 0; i < g_ncached_options; i++) {
        CachedOptions *c = g_cached_options[i];
        if (c->serverid == serverid && c->relid == relid)
            return CopyOptions(&c->opts);
    }
    // Resolving reads the catalogs, which may process invalidations: the result is kept only
    // when none arrived meanwhile.
    DynamoOptions *o = ResolveOptions(serverid, relid);
    if (!g_options_stale) {
        MemoryContext old = MemoryContextSwitchTo(g_options_cxt);
        CachedOptions *c = (CachedOptions *)palloc(sizeof(CachedOptions));
        c->serverid = serverid;
        c->relid = relid;
        c->opts = *o;
        CopyOptionStrings(&c->opts);
        MemoryContextSwitchTo(old);
        g_cached_options[g_ncached_options++] = c;
    }
    return o;
}

// Overwrites and frees a malloc'd copy of a credential.
static void FreeSecret(char *s) {
    if (s == NULL)
        return;
    explicit_bzero(s, strlen(s));
    free(s);
}

// Credentials from the shared credentials file: AWS_SHARED_CREDENTIALS_FILE, or
// ~/.aws/credentials of the server process's OS user; profile AWS_PROFILE, or "default". Returns
// true when they were found. Otherwise, when a file exists but has no usable profile, *why
// (palloc'd) says so, naming the file and profile and never a value.
static bool SharedFileCredentials(DynamoOptions *o, char **why) {
    const char *env_file = getenv("AWS_SHARED_CREDENTIALS_FILE");
    const char *home = getenv("HOME");
    if (home == NULL || home[0] == '\0') {
        struct passwd *pw = getpwuid(geteuid());
        home = pw != NULL ? pw->pw_dir : NULL;
    }
    const char *profile = getenv("AWS_PROFILE");
    if (profile == NULL || profile[0] == '\0')
        profile = "default";

    // malloc'd copies: nothing with a destructor outlives the C++ call.
    char *key = NULL, *secret = NULL, *token = NULL, *path = NULL, *reason = NULL;
    bool found = false;
    RunCpp([&] {
        dynamo::FileCredentials c;
        std::string reason_text;
        std::string file = dynamo::CredentialsFilePath(env_file, home);
        dynamo::CredentialsFileResult r =
            dynamo::ReadCredentialsFile(file, profile, c, reason_text);
        if (r == dynamo::CredentialsFileResult::Found) {
            key = strdup(c.access_key_id.c_str());
            secret = strdup(c.secret_access_key.c_str());
            if (!c.session_token.empty())
                token = strdup(c.session_token.c_str());
            found = key != NULL && secret != NULL && (token != NULL || c.session_token.empty());
        } else if (r != dynamo::CredentialsFileResult::NoFile) {
            path = strdup(file.c_str());
            reason = strdup(reason_text.c_str());
        }
        for (std::string *s : {&c.secret_access_key, &c.session_token})
            for (char &ch : *s)
                ch = '\0';
    });
    if (found) {
        o->access_key_id = pstrdup(key);
        o->secret_access_key = pstrdup(secret);
        if (token != NULL)
            o->session_token = pstrdup(token);
    } else if (path != NULL && reason != NULL) {
        *why = psprintf("The shared credentials file \"%s\": %s.", path, reason);
    }
    FreeSecret(key);
    FreeSecret(secret);
    FreeSecret(token);
    free(path);
    free(reason);
    return found;
}

void DynamoGetCredentials(Oid serverid, Oid userid, DynamoOptions *o) {
    ForeignServer *server = GetForeignServer(serverid);
    // Credentials, narrowest first: the user mapping, then the server, then the environment.
    Credentials mapping = {NULL, NULL, NULL}, srv = {NULL, NULL, NULL};
    CollectCredentials(UserMappingOptions(serverid, userid), &mapping);
    if (mapping.key_id != NULL) {
        o->access_key_id = mapping.key_id;
        o->secret_access_key = mapping.secret;
        o->session_token = mapping.token;
    } else {
        CollectCredentials(server->options, &srv);
        if (srv.key_id != NULL) {
            o->access_key_id = srv.key_id;
            o->secret_access_key = srv.secret;
            o->session_token = srv.token;
        } else if (!superuser_arg(server->owner)) {
            // The server process's own credentials are the administrator's: a role that may
            // create a server (pointing anywhere) must not borrow them.
            ereport(ERROR,
                    (errcode(ERRCODE_FDW_OPTION_NAME_NOT_FOUND),
                     errmsg("no AWS credentials for server \"%s\"", server->servername),
                     errdetail("The PostgreSQL server process's environment and shared credentials "
                               "file are used only for servers owned by a superuser."),
                     errhint("Set aws_access_key_id and aws_secret_access_key (or their vault_ "
                             "forms) in a user mapping or on the server.")));
        } else if (getenv("AWS_ACCESS_KEY_ID") && getenv("AWS_SECRET_ACCESS_KEY")) {
            o->access_key_id = pstrdup(getenv("AWS_ACCESS_KEY_ID"));
            o->secret_access_key = pstrdup(getenv("AWS_SECRET_ACCESS_KEY"));
            if (getenv("AWS_SESSION_TOKEN"))
                o->session_token = pstrdup(getenv("AWS_SESSION_TOKEN"));
        } else {
            char *why = NULL;
            if (!SharedFileCredentials(o, &why))
                ereport(
                    ERROR,
                    (errcode(ERRCODE_FDW_OPTION_NAME_NOT_FOUND),
                     errmsg("no AWS credentials for server \"%s\"", server->servername),
                     why != NULL ? errdetail_internal("%s", why) : 0,
                     errhint("Set aws_access_key_id and aws_secret_access_key (or their vault_ "
                             "forms) in a user mapping or on the server, or give the PostgreSQL "
                             "server process AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in its "
                             "environment or a shared credentials file.")));
        }
    }
}

bool DynamoColumnCatchAll(Oid relid, AttrNumber attnum) {
    List *options = GetForeignColumnOptions(relid, attnum);
    ListCell *lc;
    foreach (lc, options) {
        DefElem *def = (DefElem *)lfirst(lc);
        if (strcmp(def->defname, "catch_all") == 0)
            return ParseBoolOption(def->defname, defGetString(def));
    }
    return true;
}

DynamoArrayType DynamoColumnArrayType(Oid relid, AttrNumber attnum) {
    List *options = GetForeignColumnOptions(relid, attnum);
    ListCell *lc;
    foreach (lc, options) {
        DefElem *def = (DefElem *)lfirst(lc);
        if (strcmp(def->defname, "array_type") == 0)
            return ParseArrayType(def->defname, defGetString(def));
    }
    return DYNAMO_ARRAY_AUTO;
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
