// HTTP transport for the DynamoDB client: one libcurl easy handle driven through a multi handle,
// so that the connection stays alive across requests and every wait can be interrupted.
#pragma once

#ifdef POSTGRES_H
#error "src/client must not see postgres.h"
#endif

#include <string>
#include <utility>
#include <vector>

namespace dynamo {

// Asked every few hundred milliseconds while a request is in flight or a retry is waiting;
// returning true abandons the request. Must not throw.
using AbortFn = bool (*)();

using Headers = std::vector<std::pair<std::string, std::string>>;

struct HttpOptions {
    long connect_timeout_ms = 10000;
    long request_timeout_ms = 30000;
    std::string ca_file;  // empty: the system's CA bundle
};

struct HttpResponse {
    long status = 0;          // HTTP status, 0 when no response arrived
    std::string body;
    bool transport_error = false;  // connection refused/reset, TLS failure, truncated transfer
    bool timed_out = false;
    bool aborted = false;
    std::string error;        // libcurl's description when transport_error or timed_out
};

class HttpClient {
public:
    explicit HttpClient(const HttpOptions &options);
    ~HttpClient();
    HttpClient(const HttpClient &) = delete;
    HttpClient &operator=(const HttpClient &) = delete;

    // POSTs body to url with the given headers. Never throws for network problems: they are
    // reported in the response.
    HttpResponse Post(const std::string &url, const Headers &headers, const std::string &body,
                      AbortFn should_abort);

    // TCP/TLS connections opened so far (a reused keep-alive connection counts once).
    long connections_opened() const { return connections_opened_; }

private:
    void *multi_ = nullptr;  // CURLM*
    void *easy_ = nullptr;   // CURL*
    HttpOptions options_;
    long connections_opened_ = 0;
};

// Splits an http(s) URL into scheme, host (with :port when one is given) and path; false when
// the URL does not parse or is not http/https. Uses libcurl's URL parser.
bool ParseEndpoint(const std::string &url, std::string &scheme, std::string &host_header,
                   std::string &path, std::string &error);

}  // namespace dynamo
