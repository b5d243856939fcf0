// The wall between Postgres and C++: reporting exceptions and client errors as ereport.
#include "fdw/dynamodb_fdw.hpp"

extern "C" {
#include "utils/elog.h"
}

void ReportCppFailure(const char *message, bool out_of_memory) {
    if (out_of_memory)
        ereport(ERROR, (errcode(ERRCODE_FDW_OUT_OF_MEMORY), errmsg("out of memory")));
    ereport(ERROR, (errcode(ERRCODE_FDW_ERROR), errmsg("DynamoDB wrapper: %s", message)));
}

bool DynamoAbortRequested() {
    return QueryCancelPending || ProcDiePending;
}

void ReportClientError(const dynamo::Error *err, const char *relname, const char *dynamo_table) {
    const char *op = err->operation.c_str();
    const char *type = err->type.c_str();
    const char *msg = err->message.c_str();

    if (err->kind == dynamo::ErrorKind::Aborted) {
        CHECK_FOR_INTERRUPTS();
        ereport(ERROR,
                (errcode(ERRCODE_QUERY_CANCELED), errmsg("DynamoDB %s request cancelled", op)));
    }
    if (err->kind == dynamo::ErrorKind::Service && err->type == "ResourceNotFoundException") {
        if (dynamo_table != NULL)
            ereport(ERROR,
                    (errcode(ERRCODE_FDW_TABLE_NOT_FOUND),
                     errmsg("DynamoDB table \"%s\" does not exist", dynamo_table),
                     relname ? errcontext("foreign table \"%s\", DynamoDB %s", relname, op) : 0,
                     errdetail("DynamoDB: %s", msg)));
        ereport(ERROR,
                (errcode(ERRCODE_FDW_TABLE_NOT_FOUND),
                 errmsg("DynamoDB %s: resource not found", op), errdetail("DynamoDB: %s", msg)));
    }

    int code = ERRCODE_FDW_ERROR;
    if (err->kind == dynamo::ErrorKind::Transport || err->kind == dynamo::ErrorKind::Timeout)
        code = ERRCODE_FDW_UNABLE_TO_ESTABLISH_CONNECTION;
    if (err->type == "UnrecognizedClientException" || err->type == "InvalidSignatureException" ||
        err->type == "AccessDeniedException" || err->type == "MissingAuthenticationTokenException")
        code = ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION;
    // DynamoDB refused the credentials themselves (an unknown or deactivated key, a wrong secret,
    // an expired session token): the next statement reads them again, so that credentials
    // rotated meanwhile (in Vault, say) take effect without a new session.
    if (err->type == "UnrecognizedClientException" || err->type == "InvalidSignatureException" ||
        err->type == "ExpiredTokenException" || err->type == "IncompleteSignatureException" ||
        err->type == "MissingAuthenticationTokenException")
        DynamoForgetClients();

    const char *what = "failed";
    switch (err->kind) {
        case dynamo::ErrorKind::Timeout:
            what = "timed out";
            break;
        case dynamo::ErrorKind::Transport:
            what = "got no usable response";
            break;
        case dynamo::ErrorKind::Budget:
            what = "failed after exhausting its retries";
            break;
        default:
            break;
    }
    if (err->kind == dynamo::ErrorKind::Service || err->type.size() > 0)
        ereport(ERROR, (errcode(code), errmsg("DynamoDB %s request %s: %s", op, what, type),
                        errdetail("DynamoDB: %s (HTTP status %ld, %d attempt%s).", msg,
                                  err->http_status, err->attempts, err->attempts == 1 ? "" : "s"),
                        relname ? errcontext("foreign table \"%s\" (DynamoDB table \"%s\")",
                                             relname, dynamo_table ? dynamo_table : "")
                                : 0));
    ereport(ERROR,
            (errcode(code), errmsg("DynamoDB %s request %s", op, what),
             errdetail("%s (%d attempt%s).", msg, err->attempts, err->attempts == 1 ? "" : "s"),
             relname ? errcontext("foreign table \"%s\" (DynamoDB table \"%s\")", relname,
                                  dynamo_table ? dynamo_table : "")
                     : 0));
}
