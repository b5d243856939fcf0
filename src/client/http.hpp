// HTTP transport for the DynamoDB client: an I/O engine per client. One background thread owns a
// libcurl multi handle (whose connection cache keeps connections alive across requests and
// statements) and a pool of easy handles; requests are submitted from the owner's thread and
// completed on the engine thread, so several requests can be in flight at once and every wait
// can be interrupted. The engine thread starts with the first request and sleeps while nothing is
// in flight.
#pragma once

#ifdef POSTGRES_H
#error "src/client must not see postgres.h"
#endif

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace dynamo {

// Asked while a request is in flight or a retry is waiting: whenever the host's wait hook
// (host_wait.hpp) returns, or every 100 ms without one; returning true abandons the request.
// Must not throw.
using AbortFn = bool (*)();

using Headers = std::vector<std::pair<std::string, std::string>>;

struct HttpOptions {
    long connect_timeout_ms = 10000;
    long request_timeout_ms = 30000;
    std::string ca_file;  // empty: the system's CA bundle
};

struct HttpResponse {
    long status = 0;  // HTTP status, 0 when no response arrived
    std::string body;
    bool transport_error = false;  // connection refused/reset, TLS failure, truncated transfer
    bool timed_out = false;
    bool aborted = false;
    bool tls_refused = false;  // the peer's certificate (or the CA file) failed verification
    std::string error;         // libcurl's description when transport_error or timed_out
};

// One submitted request. Shared by the submitter and the engine; its state is read through the
// HttpClient that made it.
class HttpJob;
using HttpTicket = std::shared_ptr<HttpJob>;
// The engine thread with its multi handle (internal to http.cpp).
class IoEngine;

// Runs on the engine thread once a request's transfer has ended (with any status, or a
// transport error), before the request counts as complete. It may change the response (release
// the body once parsed, say) and must only touch data that nobody else uses until the request
// is complete. It must not throw; it must not call into the host process.
using CompletionFn = std::function<void(HttpResponse &)>;

// Used from one thread, its owner; the engine thread is internal. The engine thread starts on
// the first request that is not run on the owner's thread, with every signal blocked (so neither
// it nor the resolver threads libcurl may start ever run the host process's signal handlers;
// the owner's thread blocks them too while libcurl may start threads), and is joined by the
// destructor.
class HttpClient {
  public:
    explicit HttpClient(const HttpOptions &options);
    // Abandons requests still in flight, stops and joins the engine thread.
    ~HttpClient();
    HttpClient(const HttpClient &) = delete;
    HttpClient &operator=(const HttpClient &) = delete;

    // POSTs body to url with the given headers and waits for the answer, asking should_abort
    // as it waits; when it says stop, the request is cancelled and the response is `aborted`.
    // Never throws for network problems: they are reported in the response.
    HttpResponse Post(const std::string &url, const Headers &headers, const std::string &body,
                      AbortFn should_abort);

    // Starts a POST and returns at once. on_complete (optional) runs on the engine thread when
    // the transfer ends.
    HttpTicket Submit(const std::string &url, const Headers &headers, std::string body,
                      CompletionFn on_complete = nullptr);
    // Whether the request is complete (answered, failed, or cancelled).
    bool Ready(const HttpTicket &ticket) const;
    // Waits until the request is complete (true) or should_abort says stop (false; the request
    // is still in flight).
    bool Wait(const HttpTicket &ticket, AbortFn should_abort);
    // The response of a complete request.
    HttpResponse &Response(const HttpTicket &ticket) const;
    // Abandons the request: its transfer is stopped on the engine thread, and its on_complete
    // has either run already or never runs. Waits only while on_complete is running.
    void Cancel(const HttpTicket &ticket);

    // Number of requests completed so far; it changes whenever a request completes.
    uint64_t completions() const;
    enum class WaitResult { Progress, Timeout, Aborted };
    // Waits until completions() differs from `seen` (Progress), `until` comes (Timeout), or
    // should_abort says stop (Aborted). With the host's wait hook (host_wait.hpp) the thread
    // sleeps in the host's wait, which a completion and the host's own news both end at once;
    // without, on a condition variable in 100 ms slices that ask should_abort.
    WaitResult WaitForCompletion(uint64_t seen, std::chrono::steady_clock::time_point until,
                                 AbortFn should_abort);

    // TCP/TLS connections opened so far (a reused keep-alive connection counts once).
    long connections_opened() const;

  private:
    std::unique_ptr<IoEngine> engine_;
};

// Splits an http(s) URL into scheme, host (with :port when one is given) and path; false when
// the URL does not parse or is not http/https. Uses libcurl's URL parser.
bool ParseEndpoint(const std::string &url, std::string &scheme, std::string &host_header,
                   std::string &path, std::string &error);

}  // namespace dynamo
