// Unit tests for the asynchronous side of the client: HttpClient's engine thread (Submit, Wait,
// Cancel, completion steps, signal mask), PendingCall, and ReadCursor's prefetch and parallel
// scan, run against the scripted in-process server from test_http_server.hpp.
#include <dirent.h>
#include <dlfcn.h>
#include <netdb.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <simdjson.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "client/dynamodb_client.hpp"
#include "client/http.hpp"
#include "client/read_cursor.hpp"
#include "client/read_plan.hpp"
#include "test_http_server.hpp"
#include "test_support.hpp"

// Name resolutions of kResolveProbeHost are answered here (as unknown) instead of by the system,
// and each records the thread it ran on and whether that thread had every signal the host
// process handles blocked. Any other name goes on to the system's resolver. libcurl's references
// to getaddrinfo bind to this definition, which the test program exports.
namespace probe {
constexpr const char *kResolveProbeHost = "resolve-probe.invalid";
std::atomic<int> resolutions{0};
std::atomic<int> with_signals_open{0};
std::atomic<int> on_thread{0};  // resolutions on the thread whose id is `thread_id`
std::atomic<long> thread_id{0};
}  // namespace probe

extern "C" int getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
                           struct addrinfo **res) {
    if (node != nullptr && std::strcmp(node, probe::kResolveProbeHost) == 0) {
        sigset_t mask;
        pthread_sigmask(SIG_SETMASK, nullptr, &mask);
        for (int sig : {SIGINT, SIGALRM, SIGTERM, SIGUSR1, SIGUSR2, SIGQUIT, SIGHUP, SIGURG})
            if (!sigismember(&mask, sig)) {
                probe::with_signals_open++;
                break;
            }
        if (syscall(SYS_gettid) == probe::thread_id.load())
            probe::on_thread++;
        probe::resolutions++;
        return EAI_NONAME;
    }
    using Resolve =
        int (*)(const char *, const char *, const struct addrinfo *, struct addrinfo **);
    static Resolve next = reinterpret_cast<Resolve>(dlsym(RTLD_NEXT, "getaddrinfo"));
    return next(node, service, hints, res);
}

namespace {

using dynamo::AttributeValue;
using dynamo::ClientConfig;
using dynamo::DynamoClient;
using dynamo::Error;
using dynamo::ErrorKind;
using dynamo::HttpClient;
using dynamo::HttpOptions;
using dynamo::HttpResponse;
using dynamo::HttpTicket;
using dynamo::Item;
using dynamo::Page;
using dynamo::ReadCursor;
using dynamo::ReadPlan;
using testserver::RecordedRequest;
using testserver::ScriptedResponse;
using testserver::TestHttpServer;

using testsupport::AbortAfter;
using testsupport::AbortRequested;
using testsupport::Clock;
using testsupport::ElapsedMs;
using testsupport::ErrorBody;
using testsupport::g_abort;
using testsupport::SleepMs;

HttpOptions FastHttp(long request_timeout_ms = 5000) {
    HttpOptions o;
    o.connect_timeout_ms = 2000;
    o.request_timeout_ms = request_timeout_ms;
    return o;
}

// What a Scan or Query request asked for.
struct ReadAsk {
    bool valid = false;
    int segment = -1;
    int total_segments = 0;
    std::string start;      // ExclusiveStartKey's "id" ("" for the first page)
    std::string partition;  // Query: the value of ":v0" when present
    bool count_only = false;
};

ReadAsk ParseAsk(const std::string &body) {
    ReadAsk a;
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    if (parser.parse(body).get(doc) != simdjson::SUCCESS)
        return a;
    a.valid = true;
    int64_t v = 0;
    if (doc["Segment"].get_int64().get(v) == simdjson::SUCCESS)
        a.segment = static_cast<int>(v);
    if (doc["TotalSegments"].get_int64().get(v) == simdjson::SUCCESS)
        a.total_segments = static_cast<int>(v);
    std::string_view s;
    if (doc["ExclusiveStartKey"]["id"]["S"].get_string().get(s) == simdjson::SUCCESS)
        a.start = std::string(s);
    if (doc["ExpressionAttributeValues"][":v0"]["S"].get_string().get(s) == simdjson::SUCCESS)
        a.partition = std::string(s);
    if (doc["Select"].get_string().get(s) == simdjson::SUCCESS)
        a.count_only = s == "COUNT";
    return a;
}

// A table on the scripted server: item ids per segment (or per partition for Queries), served
// `page_size` at a time with LastEvaluatedKey, each answer after `delay_ms`. `override_fn` may
// replace the answer to a request (throttling, errors); it is asked first.
class FakeTable {
  public:
    FakeTable(int segments, int items_per_segment, int page_size) : page_size_(page_size) {
        for (int s = 0; s < segments; s++) {
            std::vector<std::string> ids;
            for (int i = 0; i < items_per_segment; i++)
                ids.push_back("s" + std::to_string(s) + "-" + std::to_string(i));
            parts_[std::to_string(s)] = ids;
        }
    }
    // Query partitions instead of segments: partition name -> item count.
    FakeTable(const std::map<std::string, int> &partitions, int page_size) : page_size_(page_size) {
        for (const auto &p : partitions) {
            std::vector<std::string> ids;
            for (int i = 0; i < p.second; i++)
                ids.push_back(p.first + "-" + std::to_string(i));
            parts_[p.first] = ids;
        }
    }

    int delay_ms = 0;
    std::function<bool(const ReadAsk &, ScriptedResponse &)> override_fn;

    ScriptedResponse Answer(const RecordedRequest &r) {
        ReadAsk a = ParseAsk(r.body);
        ScriptedResponse out;
        if (override_fn && override_fn(a, out))
            return out;
        std::string part =
            a.partition.empty() ? std::to_string(std::max(a.segment, 0)) : a.partition;
        auto it = parts_.find(part);
        if (!a.valid || it == parts_.end())
            return ScriptedResponse::Reply(
                400,
                ErrorBody("com.amazonaws.dynamodb.v20120810#ValidationException", "bad request"));
        const std::vector<std::string> &ids = it->second;
        size_t from = 0;
        if (!a.start.empty()) {
            while (from < ids.size() && ids[from] != a.start)
                from++;
            from++;
        }
        size_t to = std::min(ids.size(), from + static_cast<size_t>(page_size_));
        std::string body = "{";
        if (!a.count_only) {
            body += "\"Items\":[";
            for (size_t i = from; i < to; i++) {
                if (i > from)
                    body += ",";
                body += "{\"id\":{\"S\":\"" + ids[i] + "\"},\"n\":{\"N\":\"" + std::to_string(i) +
                        "\"},\"pad\":{\"S\":\"a value longer than the short string buffer\"}}";
            }
            body += "],";
        }
        body += "\"Count\":" + std::to_string(to - from) +
                ",\"ScannedCount\":" + std::to_string(to - from);
        if (to < ids.size())
            body += ",\"LastEvaluatedKey\":{\"id\":{\"S\":\"" + ids[to - 1] + "\"}}";
        body += ",\"ConsumedCapacity\":{\"TableName\":\"t\",\"CapacityUnits\":0.5}}";
        if (delay_ms > 0)
            return ScriptedResponse::Delayed(delay_ms, 200, body);
        return ScriptedResponse::Reply(200, body);
    }

    size_t total() const {
        size_t n = 0;
        for (const auto &p : parts_)
            n += p.second.size();
        return n;
    }

  private:
    int page_size_;
    std::map<std::string, std::vector<std::string>> parts_;
};

class ReadCursorTest : public ::testing::Test {
  protected:
    ClientConfig Config() const {
        ClientConfig c;
        c.region = "us-east-1";
        c.endpoint_url = server_.url();
        c.credentials.access_key_id = "AKIDEXAMPLE";
        c.credentials.secret_access_key = "secret";
        c.http = FastHttp();
        c.retry.base_delay_ms = 5;
        c.retry.max_delay_ms = 20;
        return c;
    }
    void Serve(FakeTable &table) {
        server_.SetHandler([&table](const RecordedRequest &r) { return table.Answer(r); });
    }
    static ReadPlan ScanPlan(int segments) {
        ReadPlan plan;
        plan.kind = ReadPlan::Kind::Scan;
        plan.request.table = "t";
        if (segments > 1) {
            plan.request.total_segments = segments;
            plan.request.segment = 0;
        }
        return plan;
    }
    // Waits up to two seconds for the server to have read `n` requests.
    bool WaitForRequests(int n) const {
        auto start = Clock::now();
        while (server_.requests() < n && ElapsedMs(start) < 2000)
            SleepMs(5);
        return server_.requests() >= n;
    }
    // Waits up to two seconds for a request of the client to complete after progress() was
    // `seen`.
    static void WaitForCompletion(DynamoClient &client, uint64_t seen) {
        auto start = Clock::now();
        while (client.progress() == seen && ElapsedMs(start) < 2000)
            SleepMs(5);
    }
    std::vector<ReadAsk> Asks() const {
        std::vector<ReadAsk> asks;
        for (const RecordedRequest &r : server_.recorded())
            asks.push_back(ParseAsk(r.body));
        return asks;
    }

    TestHttpServer server_;
};

// Reads the cursor to its end; ids in the order they came out.
std::vector<std::string> ReadAll(ReadCursor &cursor, Error &err, int max_pages = 1000) {
    std::vector<std::string> ids;
    Page page;
    bool done = false;
    for (int i = 0; i < max_pages && !done; i++) {
        err = cursor.Next(page, done, nullptr);
        if (!err.ok())
            break;
        for (const Item &item : page.items) {
            const AttributeValue *id = dynamo::FindAttribute(item, "id");
            ids.push_back(id != nullptr ? id->str : "?");
        }
    }
    return ids;
}

// Reads a count-only cursor to its end: the sum of its pages' counts, or -1 after an error or
// when a page carries items.
int64_t CountAll(ReadCursor &cursor) {
    Page page;
    bool done = false;
    int64_t total = 0;
    while (!done) {
        if (!cursor.Next(page, done, nullptr).ok() || !page.items.empty())
            return -1;
        total += page.count;
    }
    return total;
}

// ------------------------------------------------------------------------------------------
// HttpClient's engine

TEST(HttpEngineTest, RequestsRunConcurrently) {
    TestHttpServer server;
    server.Enqueue(ScriptedResponse::Delayed(300, 200, "one"));
    server.Enqueue(ScriptedResponse::Delayed(300, 200, "two"));
    HttpClient client(FastHttp());

    auto start = Clock::now();
    HttpTicket a = client.Submit(server.url() + "/", {}, "a");
    HttpTicket b = client.Submit(server.url() + "/", {}, "b");
    ASSERT_TRUE(client.Wait(a, nullptr));
    ASSERT_TRUE(client.Wait(b, nullptr));
    EXPECT_LT(ElapsedMs(start), 590);
    std::set<std::string> bodies = {client.Response(a).body, client.Response(b).body};
    EXPECT_EQ(bodies, (std::set<std::string>{"one", "two"}));
    EXPECT_EQ(server.connections(), 2);
    EXPECT_EQ(client.connections_opened(), 2);
}

// Requests one after another on one client: each body holds exactly its own bytes, whatever
// the size of the one before it.
TEST(HttpEngineTest, EachResponseHoldsItsOwnBody) {
    auto pattern = [](size_t n, char first) {
        std::string s(n, '.');
        for (size_t i = 0; i < n; i += 7)
            s[i] = static_cast<char>(first + i % 13);
        return s;
    };
    const std::string big = pattern(300000, 'a'), smaller = pattern(100000, 'k');
    TestHttpServer server;
    server.Enqueue(ScriptedResponse::Reply(200, big));
    server.Enqueue(ScriptedResponse::Reply(200, smaller));
    server.Enqueue(ScriptedResponse::Reply(200, "tiny"));
    HttpClient client(FastHttp());

    HttpTicket a = client.Submit(server.url() + "/", {}, "a");
    ASSERT_TRUE(client.Wait(a, nullptr));
    EXPECT_TRUE(client.Response(a).body == big);
    a.reset();
    HttpTicket b = client.Submit(server.url() + "/", {}, "b");
    ASSERT_TRUE(client.Wait(b, nullptr));
    EXPECT_TRUE(client.Response(b).body == smaller);
    HttpTicket c = client.Submit(server.url() + "/", {}, "c");
    ASSERT_TRUE(client.Wait(c, nullptr));
    EXPECT_EQ(client.Response(c).body, "tiny");
}

TEST(HttpEngineTest, CompletionStepRunsOnTheEngineThread) {
    TestHttpServer server;
    server.Enqueue(ScriptedResponse::Reply(200, "payload"));
    HttpClient client(FastHttp());

    std::thread::id step_thread;
    std::string seen;
    HttpTicket t = client.Submit(server.url() + "/", {}, "x", [&](HttpResponse &r) {
        step_thread = std::this_thread::get_id();
        seen = r.body;
        r.body = "replaced";
    });
    ASSERT_TRUE(client.Wait(t, nullptr));
    EXPECT_NE(step_thread, std::this_thread::get_id());
    EXPECT_EQ(seen, "payload");
    EXPECT_EQ(client.Response(t).body, "replaced");
}

TEST(HttpEngineTest, CancelStopsAStalledRequestAndTheStepNeverRuns) {
    TestHttpServer server;
    server.Enqueue(ScriptedResponse::Stalled());
    server.Enqueue(ScriptedResponse::Reply(200, "after"));
    HttpClient client(FastHttp(10000));

    std::atomic<bool> ran{false};
    HttpTicket t = client.Submit(server.url() + "/", {}, "x", [&](HttpResponse &) { ran = true; });
    SleepMs(100);
    EXPECT_FALSE(client.Ready(t));
    auto start = Clock::now();
    client.Cancel(t);
    EXPECT_LT(ElapsedMs(start), 100);
    // The engine removes the transfer promptly and the request ends as aborted.
    uint64_t seen = client.completions();
    while (!client.Ready(t) && ElapsedMs(start) < 1000)
        client.WaitForCompletion(seen, Clock::now() + std::chrono::milliseconds(50), nullptr);
    ASSERT_TRUE(client.Ready(t));
    EXPECT_TRUE(client.Response(t).aborted);
    EXPECT_FALSE(ran);
    EXPECT_LT(ElapsedMs(start), 500);

    HttpResponse r = client.Post(server.url() + "/", {}, "y", nullptr);
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "after");
}

TEST(HttpEngineTest, WaitForCompletionTimesOutAndAborts) {
    TestHttpServer server;
    server.Enqueue(ScriptedResponse::Stalled());
    HttpClient client(FastHttp(10000));
    HttpTicket t = client.Submit(server.url() + "/", {}, "x");

    uint64_t seen = client.completions();
    auto start = Clock::now();
    EXPECT_EQ(
        client.WaitForCompletion(seen, Clock::now() + std::chrono::milliseconds(150), nullptr),
        HttpClient::WaitResult::Timeout);
    EXPECT_GE(ElapsedMs(start), 140);
    {
        AbortAfter abort(100);
        start = Clock::now();
        EXPECT_EQ(client.WaitForCompletion(seen, Clock::time_point::max(), AbortRequested),
                  HttpClient::WaitResult::Aborted);
        EXPECT_LT(ElapsedMs(start), 400);
    }
    client.Cancel(t);
}

// Whether signal `sig` is set in a /proc/<pid>/task/<tid>/status "SigBlk:" hex mask.
bool MaskHas(const std::string &hex, int sig) {
    unsigned long long mask = std::stoull(hex, nullptr, 16);
    return (mask >> (sig - 1)) & 1ULL;
}

TEST(HttpEngineTest, EngineThreadBlocksSignalsAndTheCallerKeepsItsMask) {
    TestHttpServer server;
    server.Enqueue(ScriptedResponse::Reply(200, "ok"));
    sigset_t before, after;
    pthread_sigmask(SIG_SETMASK, nullptr, &before);
    HttpClient client(FastHttp());
    // Submitted and synchronous requests both run on the engine thread.
    HttpTicket ticket = client.Submit(server.url() + "/", {}, "x");
    ASSERT_TRUE(client.Wait(ticket, nullptr));
    EXPECT_EQ(client.Response(ticket).status, 200);
    server.Enqueue(ScriptedResponse::Reply(200, "ok"));
    EXPECT_EQ(client.Post(server.url() + "/", {}, "x", nullptr).status, 200);
    pthread_sigmask(SIG_SETMASK, nullptr, &after);
    for (int sig : {SIGINT, SIGALRM, SIGTERM, SIGUSR1, SIGUSR2, SIGQUIT, SIGHUP})
        EXPECT_EQ(sigismember(&before, sig), sigismember(&after, sig)) << sig;

    int engines = 0;
    DIR *dir = opendir("/proc/self/task");
    ASSERT_NE(dir, nullptr);
    while (dirent *e = readdir(dir)) {
        if (e->d_name[0] == '.')
            continue;
        std::string base = std::string("/proc/self/task/") + e->d_name;
        std::ifstream comm(base + "/comm");
        std::string name;
        std::getline(comm, name);
        if (name != "dynamodb io")
            continue;
        engines++;
        std::ifstream status(base + "/status");
        std::string line, blocked;
        while (std::getline(status, line))
            if (line.rfind("SigBlk:", 0) == 0)
                blocked = line.substr(7);
        ASSERT_FALSE(blocked.empty());
        for (int sig : {SIGINT, SIGALRM, SIGTERM, SIGUSR1, SIGUSR2, SIGQUIT, SIGHUP, SIGPIPE,
                        SIGCHLD, SIGURG, SIGIO})
            EXPECT_TRUE(MaskHas(blocked, sig)) << "signal " << sig << " in " << blocked;
    }
    closedir(dir);
    EXPECT_GE(engines, 1);
}

// A request to a host name makes libcurl start a resolver thread. That thread must not run the
// host process's signal handlers, whether the request was synchronous or submitted, and the
// caller's own mask stays as it was.
TEST(HttpEngineTest, ResolverThreadsRunWithSignalsBlocked) {
    sigset_t original, open, after;
    sigemptyset(&open);
    for (int sig : {SIGINT, SIGALRM, SIGTERM, SIGUSR1, SIGUSR2, SIGQUIT, SIGHUP, SIGURG})
        sigaddset(&open, sig);
    pthread_sigmask(SIG_UNBLOCK, &open, &original);
    probe::resolutions = 0;
    probe::with_signals_open = 0;
    probe::on_thread = 0;
    probe::thread_id = syscall(SYS_gettid);
    const std::string url = std::string("http://") + probe::kResolveProbeHost + ":9/";
    {
        HttpClient client(FastHttp());
        // Synchronous, twice: a failed resolution is not remembered.
        for (int i = 0; i < 2; i++) {
            HttpResponse r = client.Post(url, {}, "x", nullptr);
            EXPECT_TRUE(r.transport_error);
            EXPECT_NE(r.error.find("resolve"), std::string::npos) << r.error;
        }
        EXPECT_EQ(probe::resolutions.load(), 2);
        // Submitted.
        HttpTicket ticket = client.Submit(url, {}, "x");
        ASSERT_TRUE(client.Wait(ticket, nullptr));
        EXPECT_TRUE(client.Response(ticket).transport_error);
    }
    pthread_sigmask(SIG_SETMASK, nullptr, &after);
    pthread_sigmask(SIG_SETMASK, &original, nullptr);
    EXPECT_EQ(probe::resolutions.load(), 3);
    EXPECT_EQ(probe::on_thread.load(), 0) << "libcurl resolved on the caller's thread";
    EXPECT_EQ(probe::with_signals_open.load(), 0);
    for (int sig : {SIGINT, SIGALRM, SIGTERM, SIGUSR1, SIGUSR2, SIGQUIT, SIGHUP, SIGURG})
        EXPECT_FALSE(sigismember(&after, sig)) << "signal " << sig << " left blocked";
}

TEST(HttpEngineTest, NoThreadUntilTheFirstRequestAndNoneAfterDestruction) {
    auto count_engines = [] {
        int n = 0;
        DIR *dir = opendir("/proc/self/task");
        while (dirent *e = readdir(dir)) {
            if (e->d_name[0] == '.')
                continue;
            std::ifstream comm(std::string("/proc/self/task/") + e->d_name + "/comm");
            std::string name;
            std::getline(comm, name);
            n += name == "dynamodb io";
        }
        closedir(dir);
        return n;
    };
    // Threads an earlier test's engine started (libcurl's resolver threads) carry its name
    // until they end: let them end first.
    for (int i = 0; i < 200 && count_engines() != 0; i++)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    TestHttpServer server;
    server.SetFallback(ScriptedResponse::Reply(200, "ok"));
    int before = count_engines();
    {
        HttpClient client(FastHttp());
        EXPECT_EQ(count_engines(), before);
        // The engine thread starts with the first request.
        EXPECT_EQ(client.Post(server.url() + "/", {}, "x", nullptr).status, 200);
        EXPECT_EQ(count_engines(), before + 1);
        HttpTicket ticket = client.Submit(server.url() + "/", {}, "x");
        ASSERT_TRUE(client.Wait(ticket, nullptr));
        EXPECT_EQ(count_engines(), before + 1);
    }
    EXPECT_EQ(count_engines(), before);
}

TEST(HttpEngineTest, ASynchronousRequestIsAbortedPromptly) {
    TestHttpServer server;
    server.Enqueue(ScriptedResponse::Stalled());
    HttpClient client(FastHttp());
    AbortAfter abort_after(200);
    Clock::time_point start = Clock::now();
    HttpResponse r = client.Post(server.url() + "/", {}, "x", AbortRequested);
    long ms = ElapsedMs(start);
    EXPECT_TRUE(r.aborted);
    EXPECT_GE(ms, 190);
    EXPECT_LT(ms, 600);
    // The client goes on working afterwards.
    server.Enqueue(ScriptedResponse::Reply(200, "ok"));
    EXPECT_EQ(client.Post(server.url() + "/", {}, "y", nullptr).status, 200);
}

// ------------------------------------------------------------------------------------------
// PendingCall

TEST_F(ReadCursorTest, PendingCallRetriesUnderThePolicyWithoutBlocking) {
    server_.Enqueue(ScriptedResponse::Reply(
        400, ErrorBody("com.amazonaws.dynamodb.v20120810#ThrottlingException", "slow down")));
    server_.Enqueue(ScriptedResponse::Reply(500, "oops"));
    server_.Enqueue(ScriptedResponse::Reply(200, "{\"TableNames\":[]}"));
    DynamoClient client(Config());
    std::string seen;
    auto call = client.Start(
        "ListTables", "{}", [&](std::string_view body) { seen = std::string(body); }, false);
    auto start = Clock::now();
    while (!call->Poll() && ElapsedMs(start) < 2000) {
        uint64_t p = client.progress();
        if (call->Poll())
            break;
        client.WaitForProgress(p, call->wake_at(), nullptr);
    }
    ASSERT_TRUE(call->finished());
    EXPECT_TRUE(call->error().ok()) << call->error().message;
    EXPECT_EQ(call->attempts(), 3);
    EXPECT_EQ(seen, "{\"TableNames\":[]}");
    EXPECT_EQ(client.stats().requests.at("ListTables"), 3);
    EXPECT_EQ(client.stats().retries, 2);
}

// ------------------------------------------------------------------------------------------
// ReadCursor

TEST_F(ReadCursorTest, ParallelScanReturnsEveryItemOnce) {
    FakeTable table(4, 15, 5);  // 4 segments of 3 pages
    table.delay_ms = 100;
    Serve(table);
    DynamoClient client(Config());
    ReadCursor cursor(&client, ScanPlan(4));

    auto start = Clock::now();
    Error err;
    std::vector<std::string> ids = ReadAll(cursor, err);
    long elapsed = ElapsedMs(start);
    ASSERT_TRUE(err.ok()) << err.message;
    EXPECT_EQ(ids.size(), table.total());
    EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), table.total());
    // Twelve pages of 100 ms each, four at a time (one after the other would take 1.2 s).
    EXPECT_LT(elapsed, 1150);

    std::vector<ReadAsk> asks = Asks();
    ASSERT_EQ(asks.size(), 12u);
    std::map<int, std::vector<std::string>> starts;
    for (const ReadAsk &a : asks) {
        EXPECT_EQ(a.total_segments, 4);
        starts[a.segment].push_back(a.start);
    }
    ASSERT_EQ(starts.size(), 4u);
    for (const auto &s : starts) {
        std::string seg = "s" + std::to_string(s.first) + "-";
        EXPECT_EQ(s.second, (std::vector<std::string>{"", seg + "4", seg + "9"})) << s.first;
    }
    EXPECT_EQ(cursor.requests(), 12);
    EXPECT_EQ(cursor.scanned(), 60);
    EXPECT_DOUBLE_EQ(cursor.consumed(), 6.0);
    EXPECT_EQ(server_.connections(), 4);
}

TEST_F(ReadCursorTest, MoreSegmentsThanRequestsInFlight) {
    const int segments = dynamo::kMaxSegmentsInFlight + 4;
    FakeTable table(segments, 3, 2);
    Serve(table);
    DynamoClient client(Config());
    ReadCursor cursor(&client, ScanPlan(segments));
    Error err;
    std::vector<std::string> ids = ReadAll(cursor, err);
    ASSERT_TRUE(err.ok()) << err.message;
    EXPECT_EQ(ids.size(), table.total());
    EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), table.total());
    std::set<int> seen;
    for (const ReadAsk &a : Asks())
        seen.insert(a.segment);
    EXPECT_EQ(seen.size(), static_cast<size_t>(segments));
    EXPECT_LE(server_.connections(), dynamo::kMaxSegmentsInFlight);
}

TEST_F(ReadCursorTest, SegmentedCountSumsEverySegment) {
    FakeTable table(3, 7, 3);
    Serve(table);
    DynamoClient client(Config());
    ReadPlan plan = ScanPlan(3);
    plan.request.count_only = true;
    ReadCursor cursor(&client, plan);
    EXPECT_EQ(CountAll(cursor), 21);
    EXPECT_EQ(cursor.requests(), 9);
}

TEST_F(ReadCursorTest, ScanRequestsTheNextPageBeforeTheConsumerAsks) {
    FakeTable table(1, 9, 3);
    table.delay_ms = 100;
    Serve(table);
    DynamoClient client(Config());
    ReadCursor cursor(&client, ScanPlan(1));
    Page page;
    bool done = false;
    ASSERT_TRUE(cursor.Next(page, done, nullptr).ok());
    const uint64_t seen = client.progress();
    EXPECT_EQ(page.items.size(), 3u);
    EXPECT_FALSE(done);
    // The consumer is busy with the first page; the second is on its way meanwhile.
    EXPECT_TRUE(WaitForRequests(2));
    WaitForCompletion(client, seen);
    auto start = Clock::now();
    ASSERT_TRUE(cursor.Next(page, done, nullptr).ok());
    EXPECT_LT(ElapsedMs(start), 50);
    EXPECT_EQ(page.items.size(), 3u);
    std::vector<ReadAsk> asks = Asks();
    ASSERT_GE(asks.size(), 2u);
    EXPECT_EQ(asks[0].start, "");
    EXPECT_EQ(asks[1].start, "s0-2");
    EXPECT_EQ(asks[0].segment, -1);
    EXPECT_EQ(asks[0].total_segments, 0);
    ASSERT_TRUE(cursor.Next(page, done, nullptr).ok());
    EXPECT_TRUE(done);
    EXPECT_EQ(server_.requests(), 3);
}

TEST_F(ReadCursorTest, QueryPrefetchesToo) {
    FakeTable table({{"a", 6}}, 3);
    table.delay_ms = 100;
    Serve(table);
    DynamoClient client(Config());
    ReadPlan plan = dynamo::BuildReadPlan(
        R"({"op":"Query","table":"t","key":{"k":"cmp","a":"id","op":"=","v":[{"c":{"S":"a"}}]}})",
        {});
    ReadCursor cursor(&client, plan);
    Page page;
    bool done = false;
    ASSERT_TRUE(cursor.Next(page, done, nullptr).ok());
    const uint64_t seen = client.progress();
    EXPECT_FALSE(done);
    EXPECT_TRUE(WaitForRequests(2));
    WaitForCompletion(client, seen);
    auto start = Clock::now();
    ASSERT_TRUE(cursor.Next(page, done, nullptr).ok());
    EXPECT_LT(ElapsedMs(start), 50);
    EXPECT_TRUE(done);
    EXPECT_EQ(server_.recorded()[0].Header("X-Amz-Target"), "DynamoDB_20120810.Query");
}

TEST_F(ReadCursorTest, SeveralPartitionsComeInTurnWithPrefetch) {
    FakeTable table({{"a", 4}, {"b", 3}}, 2);
    Serve(table);
    DynamoClient client(Config());
    ReadPlan plan = dynamo::BuildReadPlan(
        R"({"op":"Query","table":"t","key":{"k":"cmp","a":"id","op":"=","v":[{"c":{"S":"a"}}]},)"
        R"("partition":[{"c":{"S":"a"}},{"c":{"S":"b"}}]})",
        {});
    ReadCursor cursor(&client, plan);
    Error err;
    std::vector<std::string> ids = ReadAll(cursor, err);
    ASSERT_TRUE(err.ok()) << err.message;
    EXPECT_EQ(ids, (std::vector<std::string>{"a-0", "a-1", "a-2", "a-3", "b-0", "b-1", "b-2"}));
    std::vector<ReadAsk> asks = Asks();
    ASSERT_EQ(asks.size(), 4u);
    EXPECT_EQ(asks[0].partition, "a");
    EXPECT_EQ(asks[1].partition, "a");
    EXPECT_EQ(asks[1].start, "a-1");
    EXPECT_EQ(asks[2].partition, "b");
    EXPECT_EQ(asks[2].start, "");
    EXPECT_EQ(asks[3].partition, "b");
}

TEST_F(ReadCursorTest, ALimitedReadRequestsNothingAhead) {
    FakeTable table(1, 9, 3);
    Serve(table);
    DynamoClient client(Config());
    ReadPlan plan = dynamo::BuildReadPlan(R"({"op":"Scan","table":"t","limit":3})", {});
    EXPECT_FALSE(plan.prefetch);
    ReadCursor cursor(&client, plan);
    Page page;
    bool done = false;
    ASSERT_TRUE(cursor.Next(page, done, nullptr).ok());
    EXPECT_FALSE(done);
    SleepMs(150);
    EXPECT_EQ(server_.requests(), 1);
    ASSERT_TRUE(cursor.Next(page, done, nullptr).ok());
    EXPECT_EQ(server_.requests(), 2);
}

TEST_F(ReadCursorTest, AThrottledSegmentIsRetriedWhileOthersGoOn) {
    FakeTable table(2, 6, 2);
    std::mutex mutex;
    int throttled = 0;
    table.override_fn = [&](const ReadAsk &a, ScriptedResponse &out) {
        std::lock_guard<std::mutex> lock(mutex);
        if (a.segment == 1 && a.start.empty() && throttled < 4) {
            throttled++;
            out = ScriptedResponse::Reply(
                400,
                ErrorBody("com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
                          "too fast"));
            return true;
        }
        return false;
    };
    Serve(table);
    ClientConfig config = Config();
    config.retry.base_delay_ms = 100;
    config.retry.max_delay_ms = 300;
    DynamoClient client(config);
    ReadCursor cursor(&client, ScanPlan(2));
    Error err;
    std::vector<std::string> ids = ReadAll(cursor, err);
    ASSERT_TRUE(err.ok()) << err.message;
    EXPECT_EQ(ids.size(), 12u);
    EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), 12u);
    // Segment 0 is read to its end while segment 1 waits out its backoffs.
    for (size_t i = 0; i < 6; i++)
        EXPECT_EQ(ids[i].substr(0, 3), "s0-") << i;
    EXPECT_EQ(throttled, 4);
    EXPECT_EQ(client.stats().retries, 4);
    EXPECT_EQ(client.stats().requests.at("Scan"), 6 + 4);
    EXPECT_EQ(cursor.requests(), 6);
}

TEST_F(ReadCursorTest, AnInvalidPageIsRetried) {
    FakeTable table(2, 4, 2);
    std::mutex mutex;
    bool mangled = false;
    table.override_fn = [&](const ReadAsk &a, ScriptedResponse &out) {
        std::lock_guard<std::mutex> lock(mutex);
        if (a.segment == 0 && a.start == "s0-1" && !mangled) {
            mangled = true;
            out = ScriptedResponse::Reply(200, "{\"Items\":[{\"id\":{\"S\":");
            return true;
        }
        return false;
    };
    Serve(table);
    DynamoClient client(Config());
    ReadCursor cursor(&client, ScanPlan(2));
    Error err;
    std::vector<std::string> ids = ReadAll(cursor, err);
    ASSERT_TRUE(err.ok()) << err.message;
    EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), 8u);
    EXPECT_EQ(ids.size(), 8u);
    EXPECT_TRUE(mangled);
    EXPECT_EQ(client.stats().retries, 1);
}

TEST_F(ReadCursorTest, AnItemWithAnInvalidAttributeFailsTheRead) {
    // Valid JSON, but an attribute DynamoDB's format does not allow: the read fails with an
    // error that says so; it neither skips the item nor retries the page.
    FakeTable table(1, 3, 10);
    table.override_fn = [&](const ReadAsk &, ScriptedResponse &out) {
        out = ScriptedResponse::Reply(200,
                                      "{\"Items\":[{\"id\":{\"S\":\"a\"}},{\"id\":{\"Q\":\"b\"}}],"
                                      "\"Count\":2,\"ScannedCount\":2}");
        return true;
    };
    Serve(table);
    DynamoClient client(Config());
    ReadCursor cursor(&client, ScanPlan(1));
    Error err;
    ReadAll(cursor, err);
    EXPECT_FALSE(err.ok());
    EXPECT_NE(err.message.find("unknown type descriptor"), std::string::npos) << err.message;
    EXPECT_EQ(client.stats().retries, 0);
    // and it stays failed
    Page page;
    bool done = false;
    EXPECT_FALSE(cursor.Next(page, done, nullptr).ok());
}

TEST_F(ReadCursorTest, AnErrorInOneSegmentIsReturnedAndOthersAreCancelled) {
    FakeTable table(3, 4, 2);
    table.override_fn = [](const ReadAsk &a, ScriptedResponse &out) {
        if (a.segment == 2) {
            out = ScriptedResponse::Reply(
                400,
                ErrorBody("com.amazonaws.dynamodb.v20120810#ValidationException", "no segment 2"));
        } else {
            out = ScriptedResponse::Stalled();
        }
        return true;
    };
    Serve(table);
    ClientConfig config = Config();
    config.http.request_timeout_ms = 10000;
    DynamoClient client(config);
    auto cursor = std::make_unique<ReadCursor>(&client, ScanPlan(3));
    Page page;
    bool done = false;
    auto start = Clock::now();
    Error err = cursor->Next(page, done, nullptr);
    EXPECT_LT(ElapsedMs(start), 1000);
    EXPECT_EQ(err.kind, ErrorKind::Service);
    EXPECT_EQ(err.type, "ValidationException");
    EXPECT_EQ(err.message, "no segment 2");
    EXPECT_EQ(err.operation, "Scan");
    // The error stays.
    err = cursor->Next(page, done, nullptr);
    EXPECT_EQ(err.type, "ValidationException");
    start = Clock::now();
    cursor.reset();
    EXPECT_LT(ElapsedMs(start), 200);
}

TEST_F(ReadCursorTest, AbortStopsAParallelScanWithinASecond) {
    FakeTable table(4, 4, 2);
    table.override_fn = [](const ReadAsk &, ScriptedResponse &out) {
        out = ScriptedResponse::Stalled();
        return true;
    };
    Serve(table);
    ClientConfig config = Config();
    config.http.request_timeout_ms = 30000;
    DynamoClient client(config);
    auto cursor = std::make_unique<ReadCursor>(&client, ScanPlan(4));
    Page page;
    bool done = false;
    Error err;
    auto start = Clock::now();
    {
        AbortAfter abort(200);
        err = cursor->Next(page, done, AbortRequested);
    }
    long elapsed = ElapsedMs(start);
    EXPECT_EQ(err.kind, ErrorKind::Aborted);
    EXPECT_GE(elapsed, 150);
    EXPECT_LT(elapsed, 1000);
    start = Clock::now();
    cursor.reset();
    EXPECT_LT(ElapsedMs(start), 200);

    // The client goes on working.
    server_.SetHandler(nullptr);
    server_.Enqueue(ScriptedResponse::Reply(200, "{\"TableNames\":[\"t\"]}"));
    std::vector<std::string> tables;
    Error e = client.ListTables(tables, nullptr);
    EXPECT_TRUE(e.ok()) << e.message;
    EXPECT_EQ(tables, std::vector<std::string>{"t"});
}

TEST_F(ReadCursorTest, AbortDuringABackoffStopsPromptly) {
    FakeTable table(2, 4, 2);
    table.override_fn = [](const ReadAsk &, ScriptedResponse &out) {
        out = ScriptedResponse::Reply(500, "");
        return true;
    };
    Serve(table);
    ClientConfig config = Config();
    config.retry.max_attempts = 1000;
    config.retry.base_delay_ms = 10000;
    config.retry.max_delay_ms = 10000;
    DynamoClient client(config);
    ReadCursor cursor(&client, ScanPlan(2));
    Page page;
    bool done = false;
    auto start = Clock::now();
    Error err;
    {
        AbortAfter abort(300);
        err = cursor.Next(page, done, AbortRequested);
    }
    EXPECT_EQ(err.kind, ErrorKind::Aborted);
    EXPECT_LT(ElapsedMs(start), 1000);
}

TEST_F(ReadCursorTest, DestroyingACursorWithAPrefetchInFlightIsPrompt) {
    FakeTable table(1, 9, 3);
    table.override_fn = [](const ReadAsk &a, ScriptedResponse &out) {
        if (a.start.empty())
            return false;
        out = ScriptedResponse::Stalled();
        return true;
    };
    Serve(table);
    DynamoClient client(Config());
    auto cursor = std::make_unique<ReadCursor>(&client, ScanPlan(1));
    Page page;
    bool done = false;
    ASSERT_TRUE(cursor->Next(page, done, nullptr).ok());
    EXPECT_TRUE(WaitForRequests(2));
    auto start = Clock::now();
    cursor.reset();
    EXPECT_LT(ElapsedMs(start), 200);
}

TEST_F(ReadCursorTest, ConsecutiveCursorsReuseTheConnections) {
    FakeTable table(4, 6, 2);
    table.delay_ms = 30;
    Serve(table);
    DynamoClient client(Config());
    Error err;
    {
        ReadCursor cursor(&client, ScanPlan(4));
        EXPECT_EQ(ReadAll(cursor, err).size(), 24u);
        ASSERT_TRUE(err.ok());
    }
    int connections = server_.connections();
    long opened = client.connections_opened();
    EXPECT_EQ(connections, 4);
    EXPECT_EQ(opened, 4);
    for (int round = 0; round < 3; round++) {
        ReadCursor cursor(&client, ScanPlan(4));
        EXPECT_EQ(ReadAll(cursor, err).size(), 24u);
        ASSERT_TRUE(err.ok());
    }
    EXPECT_EQ(server_.connections(), connections);
    EXPECT_EQ(client.connections_opened(), opened);
    // A single-segment read afterwards uses one of them.
    ReadCursor single(&client, ScanPlan(1));
    EXPECT_EQ(ReadAll(single, err).size(), 6u);
    EXPECT_EQ(client.connections_opened(), opened);
}

TEST_F(ReadCursorTest, RewindStartsOver) {
    FakeTable table(2, 4, 2);
    Serve(table);
    DynamoClient client(Config());
    ReadCursor cursor(&client, ScanPlan(2));
    Page page;
    bool done = false;
    ASSERT_TRUE(cursor.Next(page, done, nullptr).ok());
    cursor.Rewind();
    Error err;
    std::vector<std::string> ids = ReadAll(cursor, err);
    ASSERT_TRUE(err.ok());
    EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), 8u);
    EXPECT_EQ(ids.size(), 8u);
}

TEST_F(ReadCursorTest, ALargePageComesInChunks) {
    FakeTable table(1, 1300, 1000);
    Serve(table);
    DynamoClient client(Config());
    ReadCursor cursor(&client, ScanPlan(1));
    Page page;
    bool done = false;
    ASSERT_TRUE(cursor.Next(page, done, nullptr).ok());
    EXPECT_EQ(page.items.size(), dynamo::kItemsPerChunk);
    EXPECT_EQ(page.scanned_count, 1000);
    EXPECT_DOUBLE_EQ(page.consumed_capacity, 0.5);
    EXPECT_FALSE(done);
    EXPECT_EQ(page.items[0][0].second.str, "s0-0");
    // The second page is requested as soon as the first one starts being handed out.
    EXPECT_TRUE(WaitForRequests(2));
    ASSERT_TRUE(cursor.Next(page, done, nullptr).ok());
    EXPECT_EQ(page.items.size(), 1000 - dynamo::kItemsPerChunk);
    EXPECT_EQ(page.items[0][0].second.str, "s0-" + std::to_string(dynamo::kItemsPerChunk));
    EXPECT_EQ(page.scanned_count, 0);
    EXPECT_DOUBLE_EQ(page.consumed_capacity, 0);
    EXPECT_FALSE(done);
    ASSERT_TRUE(cursor.Next(page, done, nullptr).ok());
    EXPECT_EQ(page.items.size(), 300u);
    EXPECT_EQ(page.items[299][0].second.str, "s0-1299");
    EXPECT_EQ(page.scanned_count, 300);
    EXPECT_TRUE(done);
    EXPECT_EQ(cursor.requests(), 2);
    EXPECT_EQ(cursor.scanned(), 1300);
    EXPECT_EQ(server_.requests(), 2);
}

TEST_F(ReadCursorTest, PagesReuseTheirItemStorage) {
    FakeTable table(1, 6, 3);
    Serve(table);
    DynamoClient client(Config());
    ReadCursor cursor(&client, ScanPlan(1));
    Page page;
    bool done = false;
    ASSERT_TRUE(cursor.Next(page, done, nullptr).ok());
    ASSERT_EQ(page.items.size(), 3u);
    EXPECT_EQ(page.items[0][0].second.str, "s0-0");
    ASSERT_TRUE(cursor.Next(page, done, nullptr).ok());
    ASSERT_EQ(page.items.size(), 3u);
    EXPECT_EQ(page.items[0][0].second.str, "s0-3");
    EXPECT_EQ(page.items[2][1].second.str, "5");
    EXPECT_EQ(page.items[2][1].second.type, dynamo::AttrType::N);
    EXPECT_TRUE(done);
}

// The per-item path allocates nothing: once a page's items are being handed out, the items of
// its later chunks are parsed into the storage of the earlier ones (strings longer than the
// short-string buffer included). What a page or the scan needs (the prefetch request made as a
// page starts being handed out, the end of the scan) allocates a few times, however many items
// a page carries.
TEST_F(ReadCursorTest, ItemsAreHandedOutWithoutAllocating) {
    const int kItems = 6000;
    FakeTable table(1, kItems, 2048);
    Serve(table);
    DynamoClient client(Config());
    ReadCursor cursor(&client, ScanPlan(1));
    Page page;
    bool done = false;
    std::vector<long> later_chunks, page_starts;
    long at_end = -1;
    int read = 0, calls = 0;
    while (!done) {
        Error err;
        long allocations =
            testsupport::CountAllocations([&] { err = cursor.Next(page, done, nullptr); });
        ASSERT_TRUE(err.ok()) << err.message;
        for (const Item &item : page.items) {
            const AttributeValue *id = dynamo::FindAttribute(item, "id");
            ASSERT_NE(id, nullptr);
            EXPECT_EQ(id->str, "s0-" + std::to_string(read));
            read++;
        }
        if (calls++ == 0)
            continue;  // the first call sizes the page's storage
        if (done)
            at_end = allocations;
        else
            (page.scanned_count > 0 ? page_starts : later_chunks).push_back(allocations);
    }
    EXPECT_EQ(read, kItems);
    // Pages of 2048, 2048 and 1904 items in chunks of 512: after the first call, two page
    // starts, eight later chunks and the last chunk, which ends the scan.
    ASSERT_EQ(page_starts.size(), 2u);
    ASSERT_EQ(later_chunks.size(), 8u);
    for (size_t i = 0; i < later_chunks.size(); i++)
        EXPECT_EQ(later_chunks[i], 0) << "later chunk " << i;
    for (long a : page_starts)
        EXPECT_LT(a, 100);
    EXPECT_GE(at_end, 0);
    EXPECT_LT(at_end, 100);
}

}  // namespace

// A full Scan whose responses are slow, then a parallel scan on the same client: every item
// comes out once.
TEST_F(ReadCursorTest, SlowFullScanThenParallelScanReadEveryItem) {
    FakeTable table(1, 9, 3);
    server_.SetHandler([&table](const RecordedRequest &r) {
        ScriptedResponse answer = table.Answer(r);
        answer.action = ScriptedResponse::Action::Delay;
        answer.delay_ms = 300;
        return answer;
    });
    DynamoClient client(Config());
    Error err;
    {
        ReadCursor cursor(&client, ScanPlan(1));
        EXPECT_EQ(ReadAll(cursor, err).size(), 9u);
        ASSERT_TRUE(err.ok()) << err.message;
    }

    FakeTable other(4, 5, 2);
    Serve(other);
    ReadCursor cursor(&client, ScanPlan(4));
    std::vector<std::string> read = ReadAll(cursor, err);
    ASSERT_TRUE(err.ok()) << err.message;
    std::multiset<std::string> ids(read.begin(), read.end());
    std::multiset<std::string> expected;
    for (int seg = 0; seg < 4; seg++)
        for (int i = 0; i < 5; i++)
            expected.insert("s" + std::to_string(seg) + "-" + std::to_string(i));
    EXPECT_EQ(ids, expected);
}

// Cursors one after another on one client, of different shapes (a parallel scan, a count-only
// scan, full pages of another table): each reads its own pages and nothing of the one before.
TEST_F(ReadCursorTest, ConsecutiveCursorsReadOnlyTheirOwnPages) {
    FakeTable table(4, 6, 2);
    Serve(table);
    DynamoClient client(Config());
    Error err;
    {
        // Four segments keep at least four pages in use at once.
        ReadCursor cursor(&client, ScanPlan(4));
        EXPECT_EQ(ReadAll(cursor, err).size(), 24u);
        ASSERT_TRUE(err.ok()) << err.message;
    }

    FakeTable other(1, 7, 3);
    Serve(other);
    {
        ReadPlan plan = ScanPlan(1);
        plan.request.count_only = true;
        ReadCursor count(&client, plan);
        EXPECT_EQ(CountAll(count), 7);
    }
    ReadCursor cursor(&client, ScanPlan(1));
    Page page;
    bool done = false;
    std::vector<std::string> ids;
    while (!done) {
        ASSERT_TRUE(cursor.Next(page, done, nullptr).ok());
        EXPECT_TRUE(page.last_evaluated_key.empty());
        for (const Item &item : page.items) {
            ASSERT_EQ(item.size(), 3u);
            ids.push_back(item[0].second.str);
            EXPECT_EQ(item[1].second.str, std::to_string(ids.size() - 1));
        }
    }
    EXPECT_EQ(ids,
              (std::vector<std::string>{"s0-0", "s0-1", "s0-2", "s0-3", "s0-4", "s0-5", "s0-6"}));
    EXPECT_EQ(cursor.scanned(), 7);
}

TEST_F(ReadCursorTest, CursorsInSeveralThreadsReadEveryItem) {
    FakeTable table(3, 20, 4);
    Serve(table);
    std::atomic<int> wrong{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; t++) {
        threads.emplace_back([&] {
            DynamoClient client(Config());
            for (int round = 0; round < 5; round++) {
                ReadCursor cursor(&client, ScanPlan(round % 2 == 0 ? 3 : 1));
                Error err;
                std::vector<std::string> ids = ReadAll(cursor, err);
                size_t expected = round % 2 == 0 ? 60u : 20u;
                if (!err.ok() || ids.size() != expected ||
                    std::set<std::string>(ids.begin(), ids.end()).size() != expected)
                    wrong++;
            }
        });
    }
    for (auto &th : threads)
        th.join();
    EXPECT_EQ(wrong.load(), 0);
}
