// Credentials: where a server's AWS credentials come from (the user mapping, the server, the
// server process's environment or shared credentials file), and Supabase Vault secrets, which
// credential options may name instead of holding the secret.
#include "client/credentials_file.hpp"
#include "fdw/dynamodb_fdw.hpp"

#include <pwd.h>
#include <unistd.h>

extern "C" {
#include "access/reloptions.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_user_mapping.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
#include "utils/syscache.h"
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

}  // namespace

char *DynamoVaultSecret(const char *option, const char *ref) {
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

List *DynamoUserMappingOptions(Oid serverid, Oid userid) {
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
    // The key pair and token all come from one object.
    DynamoOptions mapping, srv;
    memset(&mapping, 0, sizeof(mapping));
    memset(&srv, 0, sizeof(srv));
    DynamoCredentialOptions(DynamoUserMappingOptions(serverid, userid), true, &mapping);
    if (mapping.access_key_id != NULL) {
        o->access_key_id = mapping.access_key_id;
        o->secret_access_key = mapping.secret_access_key;
        o->session_token = mapping.session_token;
    } else {
        DynamoCredentialOptions(server->options, false, &srv);
        if (srv.access_key_id != NULL) {
            o->access_key_id = srv.access_key_id;
            o->secret_access_key = srv.secret_access_key;
            o->session_token = srv.session_token;
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
