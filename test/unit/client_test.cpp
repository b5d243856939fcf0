// Unit tests for src/client/http (HttpClient, ParseEndpoint) and src/client/dynamodb_client
// (DynamoClient), run against the scripted in-process server from test_http_server.hpp.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <simdjson.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <initializer_list>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "client/dynamodb_client.hpp"
#include "client/host_wait.hpp"
#include "client/http.hpp"
#include "client/sigv4.hpp"
#include "test_http_server.hpp"
#include "test_support.hpp"

namespace {

using dynamo::AttributeValue;
using dynamo::AttrType;
using dynamo::ClientConfig;
using dynamo::DynamoClient;
using dynamo::Error;
using dynamo::ErrorKind;
using dynamo::HttpClient;
using dynamo::HttpOptions;
using dynamo::HttpResponse;
using dynamo::Item;
using dynamo::Page;
using dynamo::ReadRequest;
using dynamo::TableDescription;
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

// A recorded JSON body parsed into an object, which stays valid while `parser` lives.
struct ParsedBody {
    simdjson::dom::parser parser;
    simdjson::dom::object object;
};

// Fails the test when body is not a JSON object; call through ASSERT_NO_FATAL_FAILURE.
void ParseObject(const std::string &body, ParsedBody &out) {
    simdjson::dom::element doc;
    ASSERT_EQ(out.parser.parse(body).get(doc), simdjson::SUCCESS) << body;
    ASSERT_EQ(doc.get_object().get(out.object), simdjson::SUCCESS) << body;
}

std::set<std::string> Keys(simdjson::dom::object o) {
    std::set<std::string> keys;
    for (auto field : o)
        keys.emplace(field.key);
    return keys;
}

std::string StringField(simdjson::dom::object o, const char *key) {
    std::string_view s;
    if (o[key].get_string().get(s) != simdjson::SUCCESS)
        return "<missing>";
    return std::string(s);
}

// Whether item has an attribute `name` equal to `expected`.
::testing::AssertionResult HasAttribute(const Item &item, const std::string &name,
                                        const AttributeValue &expected) {
    const AttributeValue *v = dynamo::FindAttribute(item, name);
    if (v == nullptr)
        return ::testing::AssertionFailure() << "no attribute " << name;
    if (!(*v == expected))
        return ::testing::AssertionFailure() << "attribute " << name << " differs";
    return ::testing::AssertionSuccess();
}

// ------------------------------------------------------------------------------------------
// HttpClient

HttpOptions FastHttp(long request_timeout_ms = 5000) {
    HttpOptions o;
    o.connect_timeout_ms = 2000;
    o.request_timeout_ms = request_timeout_ms;
    return o;
}

TEST(HttpClientTest, PostReturnsStatusAndBody) {
    TestHttpServer server;
    server.Enqueue(ScriptedResponse::Reply(200, "{\"ok\":true}"));
    server.Enqueue(ScriptedResponse::Reply(404, "nothing here"));
    HttpClient client(FastHttp());

    HttpResponse r = client.Post(server.url() + "/", {{"X-Test", "one"}}, "hello", nullptr);
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "{\"ok\":true}");
    EXPECT_FALSE(r.transport_error);
    EXPECT_FALSE(r.timed_out);
    EXPECT_FALSE(r.aborted);

    // A non-2xx status is an answer, not a transport failure.
    r = client.Post(server.url() + "/", {}, "", nullptr);
    EXPECT_EQ(r.status, 404);
    EXPECT_EQ(r.body, "nothing here");
    EXPECT_FALSE(r.transport_error);

    std::vector<RecordedRequest> seen = server.recorded();
    ASSERT_EQ(seen.size(), 2u);
    EXPECT_EQ(seen[0].method, "POST");
    EXPECT_EQ(seen[0].target, "/");
    EXPECT_EQ(seen[0].body, "hello");
    EXPECT_EQ(seen[0].Header("X-Test"), "one");
    EXPECT_EQ(seen[0].Header("Content-Length"), "5");
    EXPECT_FALSE(seen[0].HasHeader("Expect"));
    EXPECT_EQ(seen[1].body, "");
}

TEST(HttpClientTest, SequentialRequestsReuseOneConnection) {
    TestHttpServer server;
    for (int i = 0; i < 3; ++i)
        server.Enqueue(ScriptedResponse::Reply(200, "r" + std::to_string(i)));
    HttpClient client(FastHttp());

    for (int i = 0; i < 3; ++i) {
        HttpResponse r = client.Post(server.url() + "/", {}, "q" + std::to_string(i), nullptr);
        EXPECT_EQ(r.status, 200);
        EXPECT_EQ(r.body, "r" + std::to_string(i));
    }
    EXPECT_EQ(server.requests(), 3);
    EXPECT_EQ(server.connections(), 1);
    EXPECT_EQ(client.connections_opened(), 1);
    for (const RecordedRequest &req : server.recorded())
        EXPECT_EQ(req.connection, 1);
}

TEST(HttpClientTest, LargeBodiesTravelIntact) {
    TestHttpServer server;
    std::string big(300000, 'x');
    for (size_t i = 0; i < big.size(); i += 97)
        big[i] = static_cast<char>('a' + i % 26);
    server.Enqueue(ScriptedResponse::Reply(200, big));
    HttpClient client(FastHttp());

    HttpResponse r = client.Post(server.url() + "/", {}, big, nullptr);
    EXPECT_EQ(r.status, 200);
    EXPECT_TRUE(r.body == big);
    ASSERT_EQ(server.requests(), 1);
    EXPECT_TRUE(server.recorded()[0].body == big);
}

TEST(HttpClientTest, DelayedAnswerIsAwaited) {
    TestHttpServer server;
    server.Enqueue(ScriptedResponse::Delayed(300, 200, "late"));
    HttpClient client(FastHttp());

    auto start = Clock::now();
    HttpResponse r = client.Post(server.url() + "/", {}, "x", nullptr);
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "late");
    EXPECT_GE(ElapsedMs(start), 250);
}

// Times the calling thread went to sleep (voluntary context switches) so far.
long ThreadSleeps() {
    rusage usage{};
    getrusage(RUSAGE_THREAD, &usage);
    return usage.ru_nvcsw;
}

// One synchronous POST answered after `delay_ms`; returns the times the calling thread slept.
long PostAnsweredAfter(TestHttpServer &server, HttpClient &client, int delay_ms) {
    server.Enqueue(ScriptedResponse::Delayed(delay_ms, 200, "ok"));
    long before = ThreadSleeps();
    HttpResponse r = client.Post(server.url() + "/", {}, "x", nullptr);
    EXPECT_EQ(r.status, 200);
    return ThreadSleeps() - before;
}

// The calling thread sleeps in the kernel while its request is in flight, rather than polling.
TEST(HttpClientTest, WaitingThreadSleepsUntilTheAnswer) {
    TestHttpServer server;
    HttpClient client(FastHttp());
    EXPECT_GE(PostAnsweredAfter(server, client, 40), 1);
}

TEST(HttpClientTest, RequestTimeoutBoundsAStalledRequest) {
    TestHttpServer server;
    server.Enqueue(ScriptedResponse::Stalled());
    server.Enqueue(ScriptedResponse::Reply(200, "after"));
    HttpClient client(FastHttp(500));

    auto start = Clock::now();
    HttpResponse r = client.Post(server.url() + "/", {}, "x", nullptr);
    long elapsed = ElapsedMs(start);
    EXPECT_TRUE(r.timed_out);
    EXPECT_FALSE(r.transport_error);
    EXPECT_FALSE(r.aborted);
    EXPECT_EQ(r.status, 0);
    EXPECT_FALSE(r.error.empty());
    EXPECT_GE(elapsed, 450);
    EXPECT_LT(elapsed, 1500);

    // The client is usable afterwards, on a new connection.
    r = client.Post(server.url() + "/", {}, "y", nullptr);
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "after");
    EXPECT_EQ(client.connections_opened(), 2);
}

TEST(HttpClientTest, DelayLongerThanTimeoutTimesOut) {
    TestHttpServer server;
    server.Enqueue(ScriptedResponse::Delayed(2000, 200, "too late"));
    HttpClient client(FastHttp(300));

    auto start = Clock::now();
    HttpResponse r = client.Post(server.url() + "/", {}, "x", nullptr);
    EXPECT_TRUE(r.timed_out);
    EXPECT_LT(ElapsedMs(start), 1500);
}

TEST(HttpClientTest, AbortHookStopsAStalledRequest) {
    TestHttpServer server;
    server.Enqueue(ScriptedResponse::Stalled());
    server.Enqueue(ScriptedResponse::Reply(200, "after"));
    HttpClient client(FastHttp(10000));

    auto start = Clock::now();
    HttpResponse r;
    {
        AbortAfter abort(200);
        r = client.Post(server.url() + "/", {}, "x", AbortRequested);
    }
    long elapsed = ElapsedMs(start);
    EXPECT_TRUE(r.aborted);
    EXPECT_FALSE(r.timed_out);
    EXPECT_FALSE(r.transport_error);
    EXPECT_EQ(r.status, 0);
    EXPECT_GE(elapsed, 150);
    EXPECT_LT(elapsed, 1000);

    r = client.Post(server.url() + "/", {}, "y", AbortRequested);
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "after");
}

TEST(HttpClientTest, ConnectionRefusedIsATransportError) {
    // A socket bound to a port but not listening: connecting to it is refused, and the port
    // stays reserved for the duration of the test.
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    ASSERT_GE(fd, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr *>(&addr), sizeof(addr)), 0);
    ASSERT_EQ(getsockname(fd, reinterpret_cast<sockaddr *>(&addr), &len), 0);
    const std::string url = "http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port)) + "/";

    HttpClient client(FastHttp());
    auto start = Clock::now();
    HttpResponse r = client.Post(url, {}, "x", nullptr);
    close(fd);
    EXPECT_TRUE(r.transport_error);
    EXPECT_FALSE(r.timed_out);
    EXPECT_FALSE(r.aborted);
    EXPECT_EQ(r.status, 0);
    EXPECT_FALSE(r.error.empty());
    EXPECT_LT(ElapsedMs(start), 1000);
}

TEST(HttpClientTest, DroppedConnectionIsATransportError) {
    TestHttpServer server;
    server.Enqueue(ScriptedResponse::CloseConnection());
    HttpClient client(FastHttp());

    HttpResponse r = client.Post(server.url() + "/", {}, "x", nullptr);
    EXPECT_TRUE(r.transport_error);
    EXPECT_EQ(r.status, 0);
    EXPECT_FALSE(r.error.empty());
}

TEST(HttpClientTest, TruncatedBodyIsATransportError) {
    TestHttpServer server;
    server.Enqueue(ScriptedResponse::Truncated(200, "{\"TableNames\":[\"a\",\"b\"]}", 10));
    HttpClient client(FastHttp());

    HttpResponse r = client.Post(server.url() + "/", {}, "x", nullptr);
    EXPECT_TRUE(r.transport_error);
    EXPECT_FALSE(r.timed_out);
    EXPECT_FALSE(r.error.empty());
}

TEST(ParseEndpointTest, AcceptsHttpAndHttpsUrls) {
    struct Case {
        const char *url, *scheme, *host, *path;
    };
    const Case cases[] = {
        {"http://127.0.0.1:8000", "http", "127.0.0.1:8000", "/"},
        {"http://localhost:4566/", "http", "localhost:4566", "/"},
        {"https://dynamodb.us-east-1.amazonaws.com", "https", "dynamodb.us-east-1.amazonaws.com",
         "/"},
        {"https://dynamodb.eu-west-1.amazonaws.com/", "https", "dynamodb.eu-west-1.amazonaws.com",
         "/"},
        {"https://proxy.example.com:8443/dynamo/v1", "https", "proxy.example.com:8443",
         "/dynamo/v1"},
        {"http://10.0.0.7:80/a/b/", "http", "10.0.0.7:80", "/a/b/"},
    };
    for (const Case &c : cases) {
        std::string scheme, host, path, error;
        EXPECT_TRUE(dynamo::ParseEndpoint(c.url, scheme, host, path, error)) << c.url << error;
        EXPECT_EQ(scheme, c.scheme) << c.url;
        EXPECT_EQ(host, c.host) << c.url;
        EXPECT_EQ(path, c.path) << c.url;
    }
}

TEST(ParseEndpointTest, RejectsOtherSchemesAndGarbage) {
    for (const char *url : {"ftp://example.com/", "file:///etc/passwd", "garbage", "", "http://",
                            "://no-scheme", "http://exa mple.com/"}) {
        std::string scheme, host, path, error;
        EXPECT_FALSE(dynamo::ParseEndpoint(url, scheme, host, path, error)) << url;
        EXPECT_FALSE(error.empty()) << url;
    }
}

// ------------------------------------------------------------------------------------------
// DynamoClient

const char *const kTablesBody = "{\"TableNames\":[\"t1\"]}";

class DynamoClientTest : public ::testing::Test {
  protected:
    ClientConfig Config() const { return testsupport::TestConfig(server_.url(), 5); }

    // Sends `operation` through Call, keeping the 200 response body in *received.
    Error CallOp(DynamoClient &client, const std::string &operation, const std::string &body,
                 std::string *received, dynamo::AbortFn abort = nullptr) {
        return client.Call(
            operation, body, [&](std::string_view text) { *received = std::string(text); }, abort);
    }

    TestHttpServer server_;
};

TEST_F(DynamoClientTest, RequestsCarryDynamoHeadersAndSignature) {
    server_.Enqueue(ScriptedResponse::Reply(200, "{\"Table\":{}}"));
    DynamoClient client(Config());
    std::string received;
    Error err = CallOp(client, "DescribeTable", "{\"TableName\":\"t\"}", &received);
    ASSERT_TRUE(err.ok()) << err.message;
    EXPECT_EQ(received, "{\"Table\":{}}");

    std::vector<RecordedRequest> seen = server_.recorded();
    ASSERT_EQ(seen.size(), 1u);
    const RecordedRequest &req = seen[0];
    EXPECT_EQ(req.method, "POST");
    EXPECT_EQ(req.target, "/");
    EXPECT_EQ(req.body, "{\"TableName\":\"t\"}");
    EXPECT_EQ(req.Header("Host"), "127.0.0.1:" + std::to_string(server_.port()));
    EXPECT_EQ(req.Header("X-Amz-Target"), "DynamoDB_20120810.DescribeTable");
    EXPECT_EQ(req.Header("Content-Type"), "application/x-amz-json-1.0");
    const std::string auth = req.Header("Authorization");
    EXPECT_EQ(auth.rfind("AWS4-HMAC-SHA256 Credential=test/", 0), 0u) << auth;
    EXPECT_NE(auth.find("/us-east-1/dynamodb/aws4_request"), std::string::npos) << auth;
    EXPECT_EQ(req.Header("X-Amz-Date").size(), 16u);
    EXPECT_FALSE(req.HasHeader("X-Amz-Security-Token"));

    EXPECT_EQ(client.stats().requests.at("DescribeTable"), 1);
    EXPECT_EQ(client.stats().retries, 0);
    EXPECT_EQ(client.connections_opened(), 1);
}

// Sets environment variables for a scope and restores them after: the proxy variables that
// libcurl reads for each transfer.
class ScopedEnv {
  public:
    ScopedEnv(std::initializer_list<std::pair<const char *, const char *>> vars) {
        for (const auto &v : vars) {
            const char *old = std::getenv(v.first);
            saved_.emplace_back(v.first, old != nullptr, old != nullptr ? old : "");
            if (v.second != nullptr)
                setenv(v.first, v.second, 1);
            else
                unsetenv(v.first);
        }
    }
    ~ScopedEnv() {
        for (const auto &[name, had, value] : saved_) {
            if (had)
                setenv(name.c_str(), value.c_str(), 1);
            else
                unsetenv(name.c_str());
        }
    }

  private:
    std::vector<std::tuple<std::string, bool, std::string>> saved_;
};

// The proxy named by the server process's environment carries the requests (http_proxy for an
// http endpoint), signed for the endpoint; no_proxy exempts the hosts it lists.
TEST_F(DynamoClientTest, RequestsGoThroughTheProxyTheEnvironmentNames) {
    const std::string endpoint = "http://dynamodb.proxy-test.invalid:8000";
    {
        ScopedEnv env({{"http_proxy", server_.url().c_str()},
                       {"all_proxy", nullptr},
                       {"ALL_PROXY", nullptr},
                       {"no_proxy", nullptr},
                       {"NO_PROXY", nullptr}});
        server_.Enqueue(ScriptedResponse::Reply(200, kTablesBody));
        DynamoClient client(testsupport::TestConfig(endpoint, 1));
        std::vector<std::string> tables;
        Error err = client.ListTables(tables, nullptr);
        ASSERT_TRUE(err.ok()) << err.message;
        EXPECT_EQ(tables, std::vector<std::string>{"t1"});
    }
    std::vector<RecordedRequest> seen = server_.recorded();
    ASSERT_EQ(seen.size(), 1u);
    EXPECT_EQ(seen[0].target, endpoint + "/");
    EXPECT_EQ(seen[0].Header("Host"), "dynamodb.proxy-test.invalid:8000");
    EXPECT_EQ(seen[0].Header("X-Amz-Target"), "DynamoDB_20120810.ListTables");

    // Exempted: the request goes straight to the endpoint, past a proxy that would refuse it.
    TestHttpServer direct;
    direct.Enqueue(ScriptedResponse::Reply(200, kTablesBody));
    {
        ScopedEnv env({{"http_proxy", "http://127.0.0.1:1"},
                       {"all_proxy", nullptr},
                       {"ALL_PROXY", nullptr},
                       {"no_proxy", "127.0.0.1"},
                       {"NO_PROXY", nullptr}});
        DynamoClient client(testsupport::TestConfig(direct.url(), 1));
        std::vector<std::string> tables;
        Error err = client.ListTables(tables, nullptr);
        ASSERT_TRUE(err.ok()) << err.message;
    }
    ASSERT_EQ(direct.recorded().size(), 1u);
    EXPECT_EQ(direct.recorded()[0].target, "/");
    EXPECT_EQ(server_.recorded().size(), 1u);
}

// Recomputes the SigV4 signature from the request exactly as the server received it.
TEST_F(DynamoClientTest, SignatureMatchesTheReceivedRequest) {
    server_.Enqueue(ScriptedResponse::Reply(200, kTablesBody));
    ClientConfig config = Config();
    config.credentials.secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    config.credentials.session_token = "session-token-value";
    DynamoClient client(config);
    std::vector<std::string> tables;
    ASSERT_TRUE(client.ListTables(tables, nullptr).ok());
    ASSERT_EQ(server_.requests(), 1);
    const RecordedRequest req = server_.recorded()[0];

    const std::string auth = req.Header("Authorization");
    const std::string signed_marker = "SignedHeaders=", sig_marker = "Signature=";
    size_t sh = auth.find(signed_marker), sg = auth.find(sig_marker);
    ASSERT_NE(sh, std::string::npos) << auth;
    ASSERT_NE(sg, std::string::npos) << auth;
    std::string signed_headers = auth.substr(sh + signed_marker.size());
    signed_headers = signed_headers.substr(0, signed_headers.find(','));
    const std::string signature = auth.substr(sg + sig_marker.size());
    EXPECT_EQ(signed_headers, "content-type;host;x-amz-date;x-amz-security-token;x-amz-target");

    dynamo::SignableRequest sreq;
    sreq.method = req.method;
    sreq.path = req.target;
    sreq.payload = req.body;
    size_t pos = 0;
    while (pos <= signed_headers.size()) {
        size_t semi = signed_headers.find(';', pos);
        if (semi == std::string::npos)
            semi = signed_headers.size();
        std::string name = signed_headers.substr(pos, semi - pos);
        ASSERT_TRUE(req.HasHeader(name)) << name;
        sreq.headers.emplace_back(name, req.Header(name));
        pos = semi + 1;
    }
    const std::string date = req.Header("X-Amz-Date");
    std::string sts =
        dynamo::StringToSign(dynamo::CanonicalRequest(sreq, false), date, "us-east-1", "dynamodb");
    EXPECT_EQ(signature, dynamo::Signature(config.credentials.secret_access_key, date, "us-east-1",
                                           "dynamodb", sts));
    EXPECT_EQ(req.Header("X-Amz-Security-Token"), "session-token-value");
}

TEST_F(DynamoClientTest, SessionTokenIsSentWhenSet) {
    server_.Enqueue(ScriptedResponse::Reply(200, kTablesBody));
    ClientConfig config = Config();
    config.credentials.session_token = "FQoGZXIvYXdzEXAMPLE";
    DynamoClient client(config);
    std::vector<std::string> tables;
    ASSERT_TRUE(client.ListTables(tables, nullptr).ok());
    ASSERT_EQ(server_.requests(), 1);
    const RecordedRequest req = server_.recorded()[0];
    EXPECT_EQ(req.Header("X-Amz-Security-Token"), "FQoGZXIvYXdzEXAMPLE");
    EXPECT_NE(req.Header("Authorization").find("x-amz-security-token"), std::string::npos);
}

// A failed first attempt followed by a successful one.
struct RetryCase {
    const char *name;
    ScriptedResponse failure;
    bool new_connection;  // whether the failure costs the keep-alive connection
};

class DynamoRetryTest : public DynamoClientTest, public ::testing::WithParamInterface<RetryCase> {};

TEST_P(DynamoRetryTest, RetriesThenSucceeds) {
    const RetryCase &rc = GetParam();
    server_.Enqueue(rc.failure);
    server_.Enqueue(ScriptedResponse::Reply(200, kTablesBody));
    DynamoClient client(Config());

    std::vector<std::string> tables;
    Error err = client.ListTables(tables, nullptr);
    ASSERT_TRUE(err.ok()) << err.message;
    EXPECT_EQ(tables, std::vector<std::string>{"t1"});
    EXPECT_EQ(server_.requests(), 2);
    EXPECT_EQ(client.stats().requests.at("ListTables"), 2);
    EXPECT_EQ(client.stats().retries, 1);
    EXPECT_EQ(server_.connections(), rc.new_connection ? 2 : 1);
    EXPECT_EQ(client.connections_opened(), server_.connections());
    // The retry repeats the same request.
    std::vector<RecordedRequest> seen = server_.recorded();
    EXPECT_EQ(seen[0].body, seen[1].body);
    EXPECT_EQ(seen[1].Header("X-Amz-Target"), "DynamoDB_20120810.ListTables");
}

INSTANTIATE_TEST_SUITE_P(
    Failures, DynamoRetryTest,
    ::testing::Values(
        RetryCase{"Status500",
                  ScriptedResponse::Reply(
                      500, ErrorBody("com.amazonaws.dynamodb.v20120810#InternalServerError",
                                     "Internal server error")),
                  false},
        RetryCase{"Status503", ScriptedResponse::Reply(503, "Service Unavailable"), false},
        RetryCase{
            "ProvisionedThroughputExceeded",
            ScriptedResponse::Reply(
                400,
                ErrorBody("com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
                          "The level of configured provisioned throughput for the table was "
                          "exceeded")),
            false},
        RetryCase{
            "Throttling",
            ScriptedResponse::Reply(400,
                                    ErrorBody("com.amazon.coral.availability#ThrottlingException",
                                              "Rate of requests exceeds the allowed throughput.")),
            false},
        RetryCase{"DroppedConnection", ScriptedResponse::CloseConnection(), true},
        RetryCase{"TruncatedBody",
                  ScriptedResponse::Truncated(200, "{\"TableNames\":[\"t1\",\"t2\"]}", 12), true},
        RetryCase{"InvalidJsonIn200", ScriptedResponse::Reply(200, "{\"TableNames\":[\"t1\""),
                  false},
        RetryCase{"WrongShapeIn200", ScriptedResponse::Reply(200, "{\"Tables\":[]}"), false}),
    [](const ::testing::TestParamInfo<RetryCase> &info) { return std::string(info.param.name); });

// The dropped connection comes first: on a reused keep-alive connection that closes before
// any answer byte, libcurl itself resends the request once on a new connection, which would
// make the server see one request more than the client attempted.
TEST_F(DynamoClientTest, SeveralRetryableFailuresInARow) {
    server_.Enqueue(ScriptedResponse::CloseConnection());
    server_.Enqueue(ScriptedResponse::Reply(500, ""));
    server_.Enqueue(ScriptedResponse::Reply(
        400, ErrorBody("com.amazon.coral.availability#ThrottlingException", "slow down")));
    server_.Enqueue(ScriptedResponse::Truncated(200, kTablesBody, 3));
    server_.Enqueue(ScriptedResponse::Reply(200, kTablesBody));
    DynamoClient client(Config());

    std::vector<std::string> tables;
    Error err = client.ListTables(tables, nullptr);
    ASSERT_TRUE(err.ok()) << err.message;
    EXPECT_EQ(tables, std::vector<std::string>{"t1"});
    EXPECT_EQ(server_.requests(), 5);
    EXPECT_EQ(client.stats().requests.at("ListTables"), 5);
    EXPECT_EQ(client.stats().retries, 4);
    EXPECT_EQ(server_.connections(), 3);
    EXPECT_EQ(client.connections_opened(), 3);
}

TEST_F(DynamoClientTest, ValidationExceptionIsNotRetried) {
    server_.Enqueue(ScriptedResponse::Reply(
        400, ErrorBody("com.amazon.coral.validate#ValidationException",
                       "1 validation error detected: Value '0' at 'limit' failed")));
    server_.Enqueue(ScriptedResponse::Reply(200, "{\"Items\":[],\"Count\":0,\"ScannedCount\":0}"));
    DynamoClient client(Config());

    ReadRequest req;
    req.table = "t";
    Page page;
    Error err = client.Read(req, {}, page, nullptr);
    EXPECT_EQ(err.kind, ErrorKind::Service);
    EXPECT_EQ(err.operation, "Scan");
    EXPECT_EQ(err.type, "ValidationException");
    EXPECT_EQ(err.message, "1 validation error detected: Value '0' at 'limit' failed");
    EXPECT_EQ(err.http_status, 400);
    EXPECT_EQ(err.attempts, 1);
    EXPECT_FALSE(err.retryable);
    EXPECT_EQ(server_.requests(), 1);
    EXPECT_EQ(server_.pending(), 1u);
    EXPECT_EQ(client.stats().retries, 0);
}

TEST_F(DynamoClientTest, ResourceNotFoundIsNotRetried) {
    server_.Enqueue(ScriptedResponse::Reply(
        400, ErrorBody("com.amazonaws.dynamodb.v20120810#ResourceNotFoundException",
                       "Requested resource not found: Table: missing not found")));
    DynamoClient client(Config());

    TableDescription desc;
    Error err = client.DescribeTable("missing", desc, nullptr);
    EXPECT_EQ(err.kind, ErrorKind::Service);
    EXPECT_EQ(err.operation, "DescribeTable");
    EXPECT_EQ(err.type, "ResourceNotFoundException");
    EXPECT_EQ(err.message, "Requested resource not found: Table: missing not found");
    EXPECT_EQ(err.http_status, 400);
    EXPECT_EQ(err.attempts, 1);
    EXPECT_FALSE(err.retryable);
    EXPECT_EQ(server_.requests(), 1);
    EXPECT_EQ(client.stats().requests.at("DescribeTable"), 1);
}

TEST_F(DynamoClientTest, ErrorBodyThatIsNotJsonIsKeptAsTheMessage) {
    server_.Enqueue(ScriptedResponse::Reply(403, "<html>Forbidden</html>"));
    DynamoClient client(Config());

    std::string received;
    Error err = CallOp(client, "ListTables", "{}", &received);
    EXPECT_EQ(err.kind, ErrorKind::Service);
    EXPECT_EQ(err.type, "");
    EXPECT_EQ(err.message, "<html>Forbidden</html>");
    EXPECT_EQ(err.http_status, 403);
    EXPECT_EQ(err.attempts, 1);
}

TEST_F(DynamoClientTest, GivesUpAfterMaxAttempts) {
    ClientConfig config = Config();
    config.retry.max_attempts = 3;
    for (int i = 0; i < 3; ++i)
        server_.Enqueue(ScriptedResponse::Reply(
            500, ErrorBody("com.amazonaws.dynamodb.v20120810#InternalServerError",
                           "Internal server error")));
    server_.Enqueue(ScriptedResponse::Reply(200, kTablesBody));
    DynamoClient client(config);

    std::vector<std::string> tables;
    Error err = client.ListTables(tables, nullptr);
    EXPECT_EQ(err.kind, ErrorKind::Budget);
    EXPECT_EQ(err.operation, "ListTables");
    EXPECT_EQ(err.attempts, 3);
    EXPECT_EQ(err.http_status, 500);
    EXPECT_EQ(err.type, "InternalServerError");
    EXPECT_EQ(err.message, "Internal server error");
    EXPECT_EQ(server_.requests(), 3);
    EXPECT_EQ(server_.pending(), 1u);
    EXPECT_EQ(client.stats().requests.at("ListTables"), 3);
    EXPECT_EQ(client.stats().retries, 2);
}

TEST_F(DynamoClientTest, GivesUpAfterMaxTotalMs) {
    ClientConfig config = Config();
    config.retry.max_attempts = 100000;
    config.retry.base_delay_ms = 10;
    config.retry.max_delay_ms = 30;
    config.retry.max_total_ms = 300;
    server_.SetFallback(ScriptedResponse::Reply(503, ""));
    DynamoClient client(config);

    auto start = Clock::now();
    std::string received;
    Error err = CallOp(client, "Scan", "{}", &received);
    long elapsed = ElapsedMs(start);
    EXPECT_EQ(err.kind, ErrorKind::Budget);
    EXPECT_EQ(err.http_status, 503);
    EXPECT_GT(err.attempts, 1);
    EXPECT_LT(err.attempts, 100000);
    EXPECT_EQ(server_.requests(), err.attempts);
    EXPECT_EQ(client.stats().retries, err.attempts - 1);
    EXPECT_GE(elapsed, 290);
    EXPECT_LT(elapsed, 1500);
}

TEST_F(DynamoClientTest, TimeoutsAreRetriedWithinTheBudget) {
    ClientConfig config = Config();
    config.http.request_timeout_ms = 200;
    config.retry.max_attempts = 2;
    server_.SetFallback(ScriptedResponse::Stalled());
    DynamoClient client(config);

    auto start = Clock::now();
    std::string received;
    Error err = CallOp(client, "Query", "{}", &received);
    EXPECT_EQ(err.kind, ErrorKind::Budget);
    EXPECT_EQ(err.attempts, 2);
    EXPECT_EQ(err.http_status, 0);
    EXPECT_FALSE(err.message.empty());
    EXPECT_EQ(server_.requests(), 2);
    EXPECT_EQ(server_.connections(), 2);
    EXPECT_LT(ElapsedMs(start), 1500);
}

TEST_F(DynamoClientTest, AbortDuringBackoffReturnsPromptly) {
    ClientConfig config = Config();
    config.retry.max_attempts = 1000;
    config.retry.base_delay_ms = 10000;
    config.retry.max_delay_ms = 10000;
    config.retry.max_total_ms = 60000;
    server_.SetFallback(ScriptedResponse::Reply(500, ""));
    DynamoClient client(config);

    auto start = Clock::now();
    Error err;
    {
        AbortAfter abort(200);
        std::string received;
        err = CallOp(client, "Scan", "{}", &received, AbortRequested);
    }
    long elapsed = ElapsedMs(start);
    EXPECT_EQ(err.kind, ErrorKind::Aborted);
    EXPECT_FALSE(err.retryable);
    EXPECT_EQ(err.operation, "Scan");
    EXPECT_GE(err.attempts, 1);
    EXPECT_EQ(server_.requests(), err.attempts);
    EXPECT_GE(elapsed, 150);
    EXPECT_LT(elapsed, 1000);
}

TEST_F(DynamoClientTest, AbortDuringARequestReturnsPromptly) {
    ClientConfig config = Config();
    config.http.request_timeout_ms = 10000;
    server_.Enqueue(ScriptedResponse::Stalled());
    DynamoClient client(config);

    auto start = Clock::now();
    Error err;
    {
        AbortAfter abort(200);
        TableDescription desc;
        err = client.DescribeTable("t", desc, AbortRequested);
    }
    EXPECT_EQ(err.kind, ErrorKind::Aborted);
    EXPECT_EQ(err.attempts, 1);
    EXPECT_EQ(server_.requests(), 1);
    EXPECT_LT(ElapsedMs(start), 1000);
}

// ------------------------------------------------------------------------------------------
// The host's wait (host_wait.hpp): a hook standing for Postgres's latch wait, which poll()s the
// client's descriptor and a "latch" (a pipe) that a canceller writes to after setting the abort
// flag, as a signal handler sets QueryCancelPending and then the latch.

struct FakeHost {
    static int latch[2];
    static std::atomic<int> waits, untimed, latch_wakes;
    static std::atomic<bool> refuse;

    static bool Wait(int fd, long timeout_ms) {
        if (refuse)
            return false;
        waits++;
        if (timeout_ms < 0)
            untimed++;
        pollfd fds[2] = {{fd, POLLIN, 0}, {latch[0], POLLIN, 0}};
        int n = poll(fds, 2, timeout_ms < 0 ? -1 : static_cast<int>(timeout_ms));
        if (n > 0 && (fds[1].revents & POLLIN) != 0) {
            char c;
            if (read(latch[0], &c, 1) == 1)  // the latch is reset
                latch_wakes++;
        }
        return true;
    }
};
int FakeHost::latch[2] = {-1, -1};
std::atomic<int> FakeHost::waits{0}, FakeHost::untimed{0}, FakeHost::latch_wakes{0};
std::atomic<bool> FakeHost::refuse{false};

class HostWaitTest : public DynamoClientTest {
  protected:
    void SetUp() override {
        ASSERT_EQ(pipe(FakeHost::latch), 0);
        FakeHost::waits = FakeHost::untimed = FakeHost::latch_wakes = 0;
        FakeHost::refuse = false;
        dynamo::WaitReporter hooks;
        hooks.wait = FakeHost::Wait;
        dynamo::SetWaitReporter(hooks);
    }
    void TearDown() override {
        dynamo::SetWaitReporter(dynamo::WaitReporter());
        close(FakeHost::latch[0]);
        close(FakeHost::latch[1]);
    }
};

TEST_F(HostWaitTest, AnAnswerWakesTheHostsWait) {
    server_.Enqueue(ScriptedResponse::Delayed(100, 200, "{\"TableNames\":[]}"));
    DynamoClient client(Config());
    std::vector<std::string> tables;
    ASSERT_TRUE(client.ListTables(tables, AbortRequested).ok());
    // No deadline while the answer is awaited: the client's descriptor is what ends the wait.
    EXPECT_GE(FakeHost::waits.load(), 1);
    EXPECT_EQ(FakeHost::untimed.load(), FakeHost::waits.load());
    EXPECT_EQ(FakeHost::latch_wakes.load(), 0);
}

TEST_F(HostWaitTest, ACancelArrivesThroughTheHostsWait) {
    ClientConfig config = Config();
    config.http.request_timeout_ms = 60000;
    server_.Enqueue(ScriptedResponse::Stalled());
    DynamoClient client(config);
    std::thread canceller([] {
        SleepMs(100);
        testsupport::g_abort = true;
        char c = 1;
        EXPECT_EQ(write(FakeHost::latch[1], &c, 1), 1);
    });
    TableDescription desc;
    Error err = client.DescribeTable("t", desc, AbortRequested);
    canceller.join();
    testsupport::g_abort = false;
    EXPECT_EQ(err.kind, ErrorKind::Aborted);
    // Only the latch ended the wait: every wait had no deadline, so no slice of the client's
    // own could have seen the abort.
    EXPECT_EQ(FakeHost::latch_wakes.load(), 1);
    EXPECT_EQ(FakeHost::untimed.load(), FakeHost::waits.load());
}

TEST_F(HostWaitTest, ABackoffIsAHostWaitWithADeadline) {
    server_.Enqueue(ScriptedResponse::Reply(400, ErrorBody("ThrottlingException", "slow down")));
    server_.SetFallback(ScriptedResponse::Reply(200, "{}"));
    ClientConfig config = Config();
    config.retry.base_delay_ms = 100;
    config.retry.max_delay_ms = 100;
    DynamoClient client(config);
    std::string received;
    // The table's backoff holds the retry back 50 to 100 ms: a wait with a deadline.
    ASSERT_TRUE(CallOp(client, "GetItem", "{\"TableName\":\"t\"}", &received, AbortRequested).ok());
    EXPECT_EQ(server_.requests(), 2);
    EXPECT_GT(FakeHost::waits.load(), FakeHost::untimed.load());
    EXPECT_EQ(FakeHost::latch_wakes.load(), 0);
}

TEST_F(HostWaitTest, AHostThatCannotWaitLeavesTheClientItsOwnWait) {
    FakeHost::refuse = true;
    server_.Enqueue(ScriptedResponse::Delayed(100, 200, "{\"TableNames\":[]}"));
    DynamoClient client(Config());
    std::vector<std::string> tables;
    ASSERT_TRUE(client.ListTables(tables, AbortRequested).ok());
    EXPECT_EQ(FakeHost::waits.load(), 0);
}

// ------------------------------------------------------------------------------------------
// Typed operations

TEST_F(DynamoClientTest, ListTablesFollowsLastEvaluatedTableName) {
    server_.Enqueue(ScriptedResponse::Reply(
        200, "{\"TableNames\":[\"alpha\",\"beta\"],\"LastEvaluatedTableName\":\"beta\"}"));
    server_.Enqueue(ScriptedResponse::Reply(200, "{\"TableNames\":[\"gamma\"]}"));
    DynamoClient client(Config());

    std::vector<std::string> tables{"stale"};
    Error err = client.ListTables(tables, nullptr);
    ASSERT_TRUE(err.ok()) << err.message;
    EXPECT_EQ(tables, (std::vector<std::string>{"alpha", "beta", "gamma"}));

    std::vector<RecordedRequest> seen = server_.recorded();
    ASSERT_EQ(seen.size(), 2u);
    ParsedBody first, second;
    ASSERT_NO_FATAL_FAILURE(ParseObject(seen[0].body, first));
    ASSERT_NO_FATAL_FAILURE(ParseObject(seen[1].body, second));
    EXPECT_EQ(Keys(first.object), std::set<std::string>{"Limit"});
    EXPECT_EQ(StringField(second.object, "ExclusiveStartTableName"), "beta");
    EXPECT_EQ(client.stats().requests.at("ListTables"), 2);
    EXPECT_EQ(client.stats().retries, 0);
    EXPECT_EQ(server_.connections(), 1);
}

const char *const kDescribeOrders = R"({"Table":{
  "TableName":"orders","TableStatus":"ACTIVE",
  "AttributeDefinitions":[
    {"AttributeName":"pk","AttributeType":"S"},{"AttributeName":"sk","AttributeType":"N"},
    {"AttributeName":"gpk","AttributeType":"B"},{"AttributeName":"gsk","AttributeType":"S"},
    {"AttributeName":"lsk","AttributeType":"N"}],
  "KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},{"AttributeName":"sk","KeyType":"RANGE"}],
  "GlobalSecondaryIndexes":[
    {"IndexName":"by_gpk","IndexStatus":"ACTIVE",
     "KeySchema":[{"AttributeName":"gpk","KeyType":"HASH"},{"AttributeName":"gsk","KeyType":"RANGE"}],
     "Projection":{"ProjectionType":"INCLUDE","NonKeyAttributes":["total","status"]}},
    {"IndexName":"by_gpk_keys","KeySchema":[{"AttributeName":"gpk","KeyType":"HASH"}],
     "Projection":{"ProjectionType":"KEYS_ONLY"}}],
  "LocalSecondaryIndexes":[
    {"IndexName":"by_lsk",
     "KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},{"AttributeName":"lsk","KeyType":"RANGE"}],
     "Projection":{"ProjectionType":"ALL"}}],
  "ItemCount":5000000123,"TableSizeBytes":987654}})";

TEST_F(DynamoClientTest, DescribeTableParsesKeysAndIndexes) {
    server_.Enqueue(ScriptedResponse::Reply(200, kDescribeOrders));
    DynamoClient client(Config());

    TableDescription d;
    Error err = client.DescribeTable("orders", d, nullptr);
    ASSERT_TRUE(err.ok()) << err.message;

    ASSERT_EQ(server_.requests(), 1);
    const RecordedRequest req = server_.recorded()[0];
    EXPECT_EQ(req.Header("X-Amz-Target"), "DynamoDB_20120810.DescribeTable");
    ParsedBody body;
    ASSERT_NO_FATAL_FAILURE(ParseObject(req.body, body));
    EXPECT_EQ(Keys(body.object), std::set<std::string>{"TableName"});
    EXPECT_EQ(StringField(body.object, "TableName"), "orders");

    EXPECT_EQ(d.name, "orders");
    EXPECT_EQ(d.status, "ACTIVE");
    EXPECT_EQ(d.hash.name, "pk");
    EXPECT_EQ(d.hash.type, AttrType::S);
    EXPECT_TRUE(d.has_range);
    EXPECT_EQ(d.range.name, "sk");
    EXPECT_EQ(d.range.type, AttrType::N);
    EXPECT_EQ(d.item_count, 5000000123LL);
    EXPECT_EQ(d.size_bytes, 987654);

    ASSERT_EQ(d.indexes.size(), 3u);
    const auto &g = d.indexes[0];
    EXPECT_EQ(g.name, "by_gpk");
    EXPECT_TRUE(g.global);
    EXPECT_EQ(g.hash.name, "gpk");
    EXPECT_EQ(g.hash.type, AttrType::B);
    EXPECT_TRUE(g.has_range);
    EXPECT_EQ(g.range.name, "gsk");
    EXPECT_EQ(g.range.type, AttrType::S);
    EXPECT_EQ(g.projection_type, "INCLUDE");
    EXPECT_EQ(g.non_key_attributes, (std::vector<std::string>{"total", "status"}));

    const auto &k = d.indexes[1];
    EXPECT_EQ(k.name, "by_gpk_keys");
    EXPECT_TRUE(k.global);
    EXPECT_EQ(k.hash.name, "gpk");
    EXPECT_FALSE(k.has_range);
    EXPECT_EQ(k.projection_type, "KEYS_ONLY");
    EXPECT_TRUE(k.non_key_attributes.empty());

    const auto &l = d.indexes[2];
    EXPECT_EQ(l.name, "by_lsk");
    EXPECT_FALSE(l.global);
    EXPECT_EQ(l.hash.name, "pk");
    EXPECT_EQ(l.hash.type, AttrType::S);
    EXPECT_TRUE(l.has_range);
    EXPECT_EQ(l.range.name, "lsk");
    EXPECT_EQ(l.range.type, AttrType::N);
    EXPECT_EQ(l.projection_type, "ALL");
}

TEST_F(DynamoClientTest, DescribeTableHashOnlyTableReplacesEarlierContents) {
    server_.Enqueue(ScriptedResponse::Reply(200, kDescribeOrders));
    server_.Enqueue(ScriptedResponse::Reply(200, R"({"Table":{"TableName":"simple",
        "AttributeDefinitions":[{"AttributeName":"id","AttributeType":"N"}],
        "KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],"ItemCount":0}})"));
    DynamoClient client(Config());

    TableDescription d;
    ASSERT_TRUE(client.DescribeTable("orders", d, nullptr).ok());
    ASSERT_TRUE(client.DescribeTable("simple", d, nullptr).ok());
    EXPECT_EQ(d.name, "simple");
    EXPECT_EQ(d.hash.name, "id");
    EXPECT_EQ(d.hash.type, AttrType::N);
    EXPECT_FALSE(d.has_range);
    EXPECT_TRUE(d.indexes.empty());
    EXPECT_EQ(d.item_count, 0);
}

// A 200 answer that is JSON but not a table description is reported as an error value (retried
// like a mangled body), never thrown.
TEST_F(DynamoClientTest, DescribeTableMalformedAnswerIsAnErrorValue) {
    ClientConfig config = Config();
    config.retry.max_attempts = 2;
    for (const char *body :
         {R"({"Table":{"TableStatus":"ACTIVE"}})", R"({"Table":{"TableName":"t","KeySchema":[]}})",
          R"({"Table":{"TableName":"t","AttributeDefinitions":[],
                                 "KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],
                                 "GlobalSecondaryIndexes":[{"IndexName":"g"}]}})",
          R"({"Table":{"TableName":"t","AttributeDefinitions":[
                                 {"AttributeName":"id","AttributeType":"BOOL"}],
                                 "KeySchema":[{"AttributeName":"id","KeyType":"HASH"}]}})"}) {
        TestHttpServer server;
        server.SetFallback(ScriptedResponse::Reply(200, body));
        config.endpoint_url = server.url();
        DynamoClient client(config);
        TableDescription d;
        Error err;
        EXPECT_NO_THROW(err = client.DescribeTable("t", d, nullptr)) << body;
        EXPECT_EQ(err.kind, ErrorKind::Budget) << body;
        EXPECT_EQ(err.attempts, 2) << body;
        EXPECT_NE(err.message.find("invalid response"), std::string::npos) << err.message;
    }
}

const char *const kScanPage = R"({
  "Items":[
    {"pk":{"S":"a"},"price":{"N":"1.50"},"tags":{"SS":["x","y"]}},
    {"pk":{"S":"b"},"flag":{"BOOL":true},"m":{"M":{"k":{"NULL":true}}},"bin":{"B":"AAEC"}}],
  "Count":2,"ScannedCount":5,
  "LastEvaluatedKey":{"pk":{"S":"b"},"sk":{"N":"7"}},
  "ConsumedCapacity":{"TableName":"t","CapacityUnits":2.5}})";

TEST_F(DynamoClientTest, ReadParsesAPage) {
    server_.Enqueue(ScriptedResponse::Reply(200, kScanPage));
    server_.Enqueue(ScriptedResponse::Reply(
        200, R"({"Items":[],"Count":0,"ScannedCount":3,"ConsumedCapacity":{"CapacityUnits":1}})"));
    DynamoClient client(Config());

    ReadRequest req;
    req.table = "t";
    Page page;
    Error err = client.Read(req, {}, page, nullptr);
    ASSERT_TRUE(err.ok()) << err.message;
    EXPECT_EQ(server_.recorded()[0].Header("X-Amz-Target"), "DynamoDB_20120810.Scan");

    ASSERT_EQ(page.items.size(), 2u);
    const Item &a = page.items[0];
    ASSERT_EQ(a.size(), 3u);
    EXPECT_EQ(a[0].first, "pk");
    EXPECT_TRUE(a[0].second == AttributeValue::String("a"));
    EXPECT_TRUE(HasAttribute(a, "price", AttributeValue::Number("1.50")));
    const AttributeValue *tags = dynamo::FindAttribute(a, "tags");
    ASSERT_NE(tags, nullptr);
    EXPECT_EQ(tags->type, AttrType::SS);
    EXPECT_EQ(tags->set, (std::vector<std::string>{"x", "y"}));

    const Item &b = page.items[1];
    EXPECT_TRUE(HasAttribute(b, "flag", AttributeValue::Bool(true)));
    const AttributeValue *m = dynamo::FindAttribute(b, "m");
    ASSERT_NE(m, nullptr);
    ASSERT_EQ(m->type, AttrType::M);
    ASSERT_EQ(m->map.size(), 1u);
    EXPECT_EQ(m->map[0].second.type, AttrType::NUL);
    EXPECT_TRUE(HasAttribute(b, "bin", AttributeValue::Binary(std::string("\x00\x01\x02", 3))));

    Item expected_key{{"pk", AttributeValue::String("b")}, {"sk", AttributeValue::Number("7")}};
    EXPECT_TRUE(page.last_evaluated_key == expected_key);
    EXPECT_EQ(page.count, 2);
    EXPECT_EQ(page.scanned_count, 5);
    EXPECT_DOUBLE_EQ(page.consumed_capacity, 2.5);

    // The last page, read into the same Page: nothing of the previous page is left over.
    err = client.Read(req, page.last_evaluated_key, page, nullptr);
    ASSERT_TRUE(err.ok()) << err.message;
    EXPECT_TRUE(page.items.empty());
    EXPECT_TRUE(page.last_evaluated_key.empty());
    EXPECT_EQ(page.count, 0);
    EXPECT_EQ(page.scanned_count, 3);
    EXPECT_DOUBLE_EQ(page.consumed_capacity, 1.0);

    // The second request started after the first page's LastEvaluatedKey.
    std::vector<RecordedRequest> seen = server_.recorded();
    ASSERT_EQ(seen.size(), 2u);
    ParsedBody first, second;
    ASSERT_NO_FATAL_FAILURE(ParseObject(seen[0].body, first));
    ASSERT_NO_FATAL_FAILURE(ParseObject(seen[1].body, second));
    EXPECT_EQ(Keys(first.object).count("ExclusiveStartKey"), 0u);
    simdjson::dom::object key;
    ASSERT_EQ(second.object["ExclusiveStartKey"].get_object().get(key), simdjson::SUCCESS);
    EXPECT_EQ(Keys(key), (std::set<std::string>{"pk", "sk"}));
    EXPECT_EQ(StringField(key["pk"], "S"), "b");
    EXPECT_EQ(StringField(key["sk"], "N"), "7");
}

TEST_F(DynamoClientTest, CountOnlyQueryNeedsNoItems) {
    server_.Enqueue(ScriptedResponse::Reply(200, R"({"Count":7,"ScannedCount":9})"));
    DynamoClient client(Config());

    ReadRequest req;
    req.query = true;
    req.table = "t";
    req.key_condition = "#n0 = :v0";
    req.names = {{"#n0", "pk"}};
    req.values = {{":v0", AttributeValue::String("a")}};
    req.count_only = true;
    Page page;
    Error err = client.Read(req, {}, page, nullptr);
    ASSERT_TRUE(err.ok()) << err.message;
    EXPECT_TRUE(page.items.empty());
    EXPECT_EQ(page.count, 7);
    EXPECT_EQ(page.scanned_count, 9);
    EXPECT_EQ(server_.recorded()[0].Header("X-Amz-Target"), "DynamoDB_20120810.Query");
    EXPECT_EQ(client.stats().requests.at("Query"), 1);
}

TEST_F(DynamoClientTest, MinimalScanSendsOnlyTheTable) {
    server_.Enqueue(ScriptedResponse::Reply(200, R"({"Items":[],"Count":0,"ScannedCount":0})"));
    DynamoClient client(Config());

    ReadRequest req;
    req.table = "plain";
    req.segment = 0;  // ignored without total_segments > 1
    req.total_segments = 1;
    Page page;
    ASSERT_TRUE(client.Read(req, {}, page, nullptr).ok());
    ASSERT_EQ(server_.requests(), 1);
    ParsedBody body;
    ASSERT_NO_FATAL_FAILURE(ParseObject(server_.recorded()[0].body, body));
    // ReturnConsumedCapacity only when asked for: it makes DynamoDB do work nobody reads.
    EXPECT_EQ(Keys(body.object), (std::set<std::string>{"TableName"}));
    EXPECT_EQ(StringField(body.object, "TableName"), "plain");
}

TEST_F(DynamoClientTest, KeyReadsAskForConsumedCapacityOnlyWhenTold) {
    server_.Enqueue(ScriptedResponse::Reply(200, R"({"Item":{"pk":{"S":"a"}}})"));
    server_.Enqueue(ScriptedResponse::Reply(
        200, R"({"Item":{"pk":{"S":"a"}},"ConsumedCapacity":{"CapacityUnits":0.5}})"));
    server_.Enqueue(ScriptedResponse::Reply(200, R"({"Responses":{"t":[]},"UnprocessedKeys":{}})"));
    server_.Enqueue(ScriptedResponse::Reply(200, R"({"Responses":{"t":[]},"UnprocessedKeys":{}})"));
    DynamoClient client(Config());

    ReadRequest req;
    req.table = "t";
    Item key{{"pk", AttributeValue::String("a")}};
    bool found = false;
    Item out;
    ASSERT_TRUE(client.GetItem(req, key, found, out, nullptr).ok());
    EXPECT_TRUE(found);
    req.return_consumed = true;
    ASSERT_TRUE(client.GetItem(req, key, found, out, nullptr).ok());
    EXPECT_DOUBLE_EQ(client.last_consumed(), 0.5);
    Page page;
    req.return_consumed = false;
    ASSERT_TRUE(client.BatchGetItem(req, {key}, page, nullptr).ok());
    req.return_consumed = true;
    ASSERT_TRUE(client.BatchGetItem(req, {key}, page, nullptr).ok());

    std::vector<RecordedRequest> seen = server_.recorded();
    ASSERT_EQ(seen.size(), 4u);
    ParsedBody body[4];
    for (int i = 0; i < 4; i++)
        ASSERT_NO_FATAL_FAILURE(ParseObject(seen[i].body, body[i]));
    EXPECT_EQ(Keys(body[0].object), (std::set<std::string>{"TableName", "Key"}));
    EXPECT_EQ(Keys(body[1].object),
              (std::set<std::string>{"TableName", "Key", "ReturnConsumedCapacity"}));
    EXPECT_EQ(StringField(body[1].object, "ReturnConsumedCapacity"), "TOTAL");
    EXPECT_EQ(Keys(body[2].object), (std::set<std::string>{"RequestItems"}));
    EXPECT_EQ(Keys(body[3].object),
              (std::set<std::string>{"RequestItems", "ReturnConsumedCapacity"}));
    EXPECT_EQ(StringField(body[3].object, "ReturnConsumedCapacity"), "TOTAL");
}

TEST_F(DynamoClientTest, ScanSendsEveryOptionThatIsSet) {
    server_.Enqueue(ScriptedResponse::Reply(200, R"({"Items":[],"Count":0,"ScannedCount":0})"));
    DynamoClient client(Config());

    ReadRequest req;
    req.table = "orders";
    req.index = "by_gpk";
    req.filter = "#n0 > :v0";
    req.projection = "#n0, #n1";
    req.names = {{"#n0", "price"}, {"#n1", "name with \"quotes\""}};
    req.values = {{":v0", AttributeValue::Number("10")}, {":v1", AttributeValue::String("x")}};
    req.limit = 25;
    req.consistent_read = true;
    req.segment = 2;
    req.total_segments = 4;
    req.return_consumed = true;
    Item start{{"pk", AttributeValue::String("a")}, {"sk", AttributeValue::Number("5")}};
    Page page;
    ASSERT_TRUE(client.Read(req, start, page, nullptr).ok());
    ASSERT_EQ(server_.requests(), 1);
    const std::string sent = server_.recorded()[0].body;
    EXPECT_EQ(sent, DynamoClient::ReadRequestBody(req, start));

    ParsedBody body;
    ASSERT_NO_FATAL_FAILURE(ParseObject(sent, body));
    simdjson::dom::object o = body.object;
    EXPECT_EQ(Keys(o), (std::set<std::string>{"TableName", "IndexName", "FilterExpression",
                                              "ProjectionExpression", "ExpressionAttributeNames",
                                              "ExpressionAttributeValues", "Limit",
                                              "ConsistentRead", "Segment", "TotalSegments",
                                              "ExclusiveStartKey", "ReturnConsumedCapacity"}));
    EXPECT_EQ(StringField(o, "TableName"), "orders");
    EXPECT_EQ(StringField(o, "IndexName"), "by_gpk");
    EXPECT_EQ(StringField(o, "FilterExpression"), "#n0 > :v0");
    EXPECT_EQ(StringField(o, "ProjectionExpression"), "#n0, #n1");
    EXPECT_EQ(StringField(o, "ReturnConsumedCapacity"), "TOTAL");
    EXPECT_EQ(int64_t(o["Limit"]), 25);
    EXPECT_EQ(bool(o["ConsistentRead"]), true);
    EXPECT_EQ(int64_t(o["Segment"]), 2);
    EXPECT_EQ(int64_t(o["TotalSegments"]), 4);

    simdjson::dom::object names = o["ExpressionAttributeNames"];
    EXPECT_EQ(Keys(names), (std::set<std::string>{"#n0", "#n1"}));
    EXPECT_EQ(StringField(names, "#n0"), "price");
    EXPECT_EQ(StringField(names, "#n1"), "name with \"quotes\"");

    simdjson::dom::object values = o["ExpressionAttributeValues"];
    EXPECT_EQ(Keys(values), (std::set<std::string>{":v0", ":v1"}));
    EXPECT_EQ(StringField(values[":v0"], "N"), "10");
    EXPECT_EQ(StringField(values[":v1"], "S"), "x");

    simdjson::dom::object key = o["ExclusiveStartKey"];
    EXPECT_EQ(Keys(key), (std::set<std::string>{"pk", "sk"}));
    EXPECT_EQ(StringField(key["pk"], "S"), "a");
    EXPECT_EQ(StringField(key["sk"], "N"), "5");
}

TEST_F(DynamoClientTest, QuerySendsKeyConditionAndDirection) {
    server_.Enqueue(ScriptedResponse::Reply(200, R"({"Count":0,"ScannedCount":0})"));
    server_.Enqueue(ScriptedResponse::Reply(200, R"({"Items":[],"Count":0,"ScannedCount":0})"));
    DynamoClient client(Config());

    ReadRequest req;
    req.query = true;
    req.table = "orders";
    req.key_condition = "#n0 = :v0";
    req.names = {{"#n0", "pk"}};
    req.values = {{":v0", AttributeValue::String("a")}};
    req.scan_forward = false;
    req.count_only = true;
    req.projection = "#n0";  // not sent with Select COUNT
    req.segment = 0;
    req.total_segments = 2;
    Page page;
    ASSERT_TRUE(client.Read(req, {}, page, nullptr).ok());

    req.count_only = false;
    req.scan_forward = true;
    req.segment = -1;
    req.total_segments = 0;
    ASSERT_TRUE(client.Read(req, {}, page, nullptr).ok());

    std::vector<RecordedRequest> seen = server_.recorded();
    ASSERT_EQ(seen.size(), 2u);
    ParsedBody first, second;
    ASSERT_NO_FATAL_FAILURE(ParseObject(seen[0].body, first));
    ASSERT_NO_FATAL_FAILURE(ParseObject(seen[1].body, second));
    EXPECT_EQ(Keys(first.object),
              (std::set<std::string>{"TableName", "KeyConditionExpression", "ScanIndexForward",
                                     "Select", "ExpressionAttributeNames",
                                     "ExpressionAttributeValues", "Segment", "TotalSegments"}));
    EXPECT_EQ(StringField(first.object, "KeyConditionExpression"), "#n0 = :v0");
    EXPECT_EQ(bool(first.object["ScanIndexForward"]), false);
    EXPECT_EQ(StringField(first.object, "Select"), "COUNT");
    EXPECT_EQ(int64_t(first.object["Segment"]), 0);
    EXPECT_EQ(int64_t(first.object["TotalSegments"]), 2);

    EXPECT_EQ(Keys(second.object),
              (std::set<std::string>{"TableName", "KeyConditionExpression", "ProjectionExpression",
                                     "ExpressionAttributeNames", "ExpressionAttributeValues"}));
    EXPECT_EQ(StringField(second.object, "ProjectionExpression"), "#n0");
}

TEST_F(DynamoClientTest, ReadRequestBodyNeverContainsCredentials) {
    const std::string secret = "SECRET-wJalrXUtnFEMI-K7MDENG";
    const std::string token = "TOKEN-FQoGZXIvYXdzEXAMPLE";
    ClientConfig config = Config();
    config.credentials.access_key_id = "AKIDEXAMPLE";
    config.credentials.secret_access_key = secret;
    config.credentials.session_token = token;
    server_.Enqueue(ScriptedResponse::Reply(200, R"({"Items":[],"Count":0,"ScannedCount":0})"));
    DynamoClient client(config);

    ReadRequest req;
    req.query = true;
    req.table = "t";
    req.key_condition = "#n0 = :v0";
    req.filter = "#n1 <> :v1";
    req.projection = "#n0, #n1";
    req.names = {{"#n0", "pk"}, {"#n1", "owner"}};
    req.values = {{":v0", AttributeValue::String("a")}, {":v1", AttributeValue::String("b")}};
    req.limit = 10;
    Item start{{"pk", AttributeValue::String("a")}};
    const std::string explain = DynamoClient::ReadRequestBody(req, start);
    EXPECT_EQ(explain.find(secret), std::string::npos);
    EXPECT_EQ(explain.find(token), std::string::npos);

    Page page;
    ASSERT_TRUE(client.Read(req, start, page, nullptr).ok());
    const RecordedRequest sent = server_.recorded()[0];
    EXPECT_EQ(sent.body, explain);
    // The secret key never goes over the wire at all; the token only in its own header.
    for (const auto &h : sent.headers) {
        EXPECT_EQ(h.second.find(secret), std::string::npos) << h.first;
        if (h.first != "X-Amz-Security-Token") {
            EXPECT_EQ(h.second.find(token), std::string::npos) << h.first;
        }
    }
}

}  // namespace
