// A scripted in-process HTTP/1.1 server for the client unit tests. It listens on 127.0.0.1 at a
// port the OS picks, serves every connection from one background thread (poll()-based, plain
// POSIX sockets), keeps connections alive across requests with Content-Length bodies, records
// every request it reads, and answers each one with the next response from a queue.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace testserver {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// What the server does with one request.
struct ScriptedResponse {
    enum class Action {
        Respond,   // send status, headers and body
        Close,     // close the connection without answering
        Truncate,  // announce the whole body in Content-Length, send only part of it, then close
        Stall,     // never answer; the connection stays open until the client or server goes
        Delay,     // wait delay_ms, then send the response
    };

    Action action = Action::Respond;
    int status = 200;
    std::string body;
    HeaderList headers;     // sent in addition to Content-Length / Content-Type / Connection
    size_t sent_bytes = 0;  // Truncate: body bytes actually sent
    int delay_ms = 0;       // Delay: milliseconds before answering

    static ScriptedResponse Reply(int status, std::string body, HeaderList headers = {});
    static ScriptedResponse CloseConnection();
    static ScriptedResponse Truncated(int status, std::string body, size_t sent_bytes);
    static ScriptedResponse Stalled();
    static ScriptedResponse Delayed(int delay_ms, int status, std::string body);
};

// One request as the server read it.
struct RecordedRequest {
    std::string method;
    std::string target;
    HeaderList headers;  // in arrival order, names as sent
    std::string body;
    int connection = 0;  // 1 for the first accepted connection, 2 for the next, ...

    // The value of the first header named `name` (case-insensitive), or "" when absent.
    std::string Header(const std::string &name) const;
    bool HasHeader(const std::string &name) const;
};

class TestHttpServer {
  public:
    // Binds 127.0.0.1:0, listens and starts the server thread. Throws std::runtime_error when
    // the socket cannot be set up.
    TestHttpServer();
    // Stops the server (see Stop).
    ~TestHttpServer();
    TestHttpServer(const TestHttpServer &) = delete;
    TestHttpServer &operator=(const TestHttpServer &) = delete;

    // Closes the listening socket and every connection and joins the thread. Idempotent.
    void Stop();

    int port() const { return port_; }
    // "http://127.0.0.1:<port>"
    std::string url() const;

    // Appends a response to the queue; requests take responses in order.
    void Enqueue(ScriptedResponse response);
    // The response used when the queue is empty. Without one, the server answers 418 with a
    // DynamoDB-style error body of type "NoScriptedResponse", which no client retries.
    void SetFallback(ScriptedResponse response);
    // Computes the response to each request the queue has no response for (before the
    // fallback). Runs on the server thread with the server's lock held: it must not call the
    // server's methods.
    using Handler = std::function<ScriptedResponse(const RecordedRequest &)>;
    void SetHandler(Handler handler);

    int connections() const;  // connections accepted so far
    int requests() const;     // complete requests read so far
    std::vector<RecordedRequest> recorded() const;
    // Responses still queued.
    size_t pending() const;

  private:
    struct Connection;

    void Run();
    // Handles every complete request in c's input buffer; false when c must be closed now.
    bool ServeBufferedRequests(Connection &c);
    ScriptedResponse NextResponse(const RecordedRequest &request);

    int listen_fd_ = -1;
    int port_ = 0;
    std::thread thread_;
    std::atomic<bool> stop_{false};

    mutable std::mutex mutex_;
    std::deque<ScriptedResponse> queue_;
    bool has_fallback_ = false;
    ScriptedResponse fallback_;
    Handler handler_;
    std::vector<RecordedRequest> recorded_;
    int connections_ = 0;
};

// Serializes an HTTP/1.1 response with Content-Length `content_length` and the first
// `body_bytes` bytes of body.
std::string FormatResponse(int status, const HeaderList &headers, const std::string &body,
                           size_t content_length, size_t body_bytes);

}  // namespace testserver
