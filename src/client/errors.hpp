// Errors as values: what went wrong in a DynamoDB request, in words the fdw layer can report.
#pragma once

#ifdef POSTGRES_H
#error "src/client must not see postgres.h"
#endif

#include <string>

namespace dynamo {

enum class ErrorKind {
    None,
    Service,    // DynamoDB answered with an error (type and message from the response)
    Transport,  // no usable answer: refused, reset, truncated, TLS, invalid JSON
    Timeout,    // the request took longer than request_timeout_ms
    Aborted,    // the abort hook asked to stop (statement cancel or timeout)
    Budget,     // the retry budget (attempts or total time) ran out
};

struct Error {
    ErrorKind kind = ErrorKind::None;
    std::string operation;  // DynamoDB operation, e.g. "Scan"
    std::string type;  // DynamoDB's __type without the namespace, e.g. "ResourceNotFoundException"
    std::string message;  // DynamoDB's own message, or the transport's description
    long http_status = 0;
    int attempts = 0;  // requests made, including retries
    bool retryable = false;

    bool ok() const { return kind == ErrorKind::None; }
};

// Whether a DynamoDB error type or HTTP status is worth retrying (throttling, 5xx).
bool IsRetryableService(const std::string &type, long http_status);

}  // namespace dynamo
