// Tests for src/client/sigv4: every case of the AWS SigV4 test suite (read in place from
// SIGV4_SUITE_DIR) plus a few direct checks.
#include "client/sigv4.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <cctype>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#ifndef SIGV4_SUITE_DIR
#error "SIGV4_SUITE_DIR must name the aws-sigv4-test-suite directory"
#endif

namespace {

namespace fs = std::filesystem;
using dynamo::Credentials;
using dynamo::SignableRequest;
using HeaderList = std::vector<std::pair<std::string, std::string>>;

std::string Lower(std::string s) {
    for (char &c : s) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return s;
}

// Reads a whole file as bytes; throws std::runtime_error when it cannot be opened.
std::string ReadFile(const fs::path &p) {
    std::ifstream in(p, std::ios::binary);
    if (!in) {
        throw std::runtime_error("cannot open " + p.string());
    }
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// Parses a raw HTTP request: request line, header lines (a line starting with SP or HTAB
// continues the previous header's value, joined with '\n'), a blank line, then the body.
// Header values are kept exactly as written after the ':'. Throws std::runtime_error on
// malformed input.
SignableRequest ParseHttpRequest(const std::string &raw) {
    SignableRequest req;
    std::string head;
    const size_t blank = raw.find("\n\n");
    if (blank == std::string::npos) {
        head = raw;
    } else {
        head = raw.substr(0, blank);
        req.payload = raw.substr(blank + 2);
    }

    std::vector<std::string> lines;
    size_t start = 0;
    while (start <= head.size()) {
        size_t nl = head.find('\n', start);
        if (nl == std::string::npos) {
            nl = head.size();
        }
        std::string line = head.substr(start, nl - start);
        if (!line.empty() && line.back() == '\r') {
            line.pop_back();
        }
        lines.push_back(line);
        start = nl + 1;
    }
    while (!lines.empty() && lines.back().empty()) {
        lines.pop_back();
    }
    if (lines.empty()) {
        throw std::runtime_error("empty request");
    }

    const std::string &request_line = lines[0];
    const size_t sp = request_line.find(' ');
    const size_t version = request_line.rfind(" HTTP/");
    if (sp == std::string::npos || version == std::string::npos || version < sp) {
        throw std::runtime_error("bad request line: " + request_line);
    }
    req.method = request_line.substr(0, sp);
    const std::string target = request_line.substr(sp + 1, version - sp - 1);
    const size_t qmark = target.find('?');
    req.path = target.substr(0, qmark);
    if (qmark != std::string::npos) {
        req.query = target.substr(qmark + 1);
    }

    for (size_t i = 1; i < lines.size(); ++i) {
        const std::string &line = lines[i];
        if (line.empty()) {
            throw std::runtime_error("unexpected blank line in headers");
        }
        if (line[0] == ' ' || line[0] == '\t') {
            if (req.headers.empty()) {
                throw std::runtime_error("continuation line before any header: " + line);
            }
            req.headers.back().second += "\n" + line;
            continue;
        }
        const size_t colon = line.find(':');
        if (colon == std::string::npos || colon == 0) {
            throw std::runtime_error("bad header line: " + line);
        }
        req.headers.emplace_back(line.substr(0, colon), line.substr(colon + 1));
    }
    return req;
}

// Values of every header named `name` (case-insensitive), in order.
std::vector<std::string> HeaderValues(const HeaderList &headers, const std::string &name) {
    std::vector<std::string> out;
    for (const auto &h : headers) {
        if (Lower(h.first) == Lower(name)) {
            out.push_back(h.second);
        }
    }
    return out;
}

// Headers with lowercase names, sorted, for order-insensitive comparison.
HeaderList NormalizedHeaders(const HeaderList &headers) {
    HeaderList out;
    for (const auto &h : headers) {
        out.emplace_back(Lower(h.first), h.second);
    }
    std::sort(out.begin(), out.end());
    return out;
}

struct SuiteContext {
    Credentials creds;
    std::string region;
    std::string service;
    std::string amz_date;  // "YYYYMMDDTHHMMSSZ"
    bool normalize = true;
    bool sign_body = false;
    bool omit_session_token = false;
};

std::string GetString(simdjson::dom::element obj, const char *key) {
    std::string_view sv;
    if (auto err = obj[key].get_string().get(sv)) {
        throw std::runtime_error(std::string("context.json: ") + key + ": " +
                                 simdjson::error_message(err));
    }
    return std::string(sv);
}

bool GetBool(simdjson::dom::element obj, const char *key, bool fallback) {
    auto field = obj[key];
    if (field.error() == simdjson::NO_SUCH_FIELD) {
        return fallback;
    }
    bool value = false;
    if (auto err = field.get_bool().get(value)) {
        throw std::runtime_error(std::string("context.json: ") + key + ": " +
                                 simdjson::error_message(err));
    }
    return value;
}

// "2015-08-30T12:36:00Z" -> "20150830T123600Z".
std::string IsoToAmzDate(const std::string &iso) {
    std::string out;
    for (char c : iso) {
        if (c != '-' && c != ':') {
            out.push_back(c);
        }
    }
    if (out.size() != 16) {
        throw std::runtime_error("unexpected timestamp: " + iso);
    }
    return out;
}

SuiteContext ParseContext(const fs::path &file) {
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    if (auto err = parser.load(file.string()).get(doc)) {
        throw std::runtime_error(file.string() + ": " + simdjson::error_message(err));
    }
    simdjson::dom::element creds;
    if (auto err = doc["credentials"].get(creds)) {
        throw std::runtime_error(std::string("context.json: credentials: ") +
                                 simdjson::error_message(err));
    }
    SuiteContext ctx;
    ctx.creds.access_key_id = GetString(creds, "access_key_id");
    ctx.creds.secret_access_key = GetString(creds, "secret_access_key");
    if (creds["token"].error() != simdjson::NO_SUCH_FIELD) {
        ctx.creds.session_token = GetString(creds, "token");
    }
    ctx.region = GetString(doc, "region");
    ctx.service = GetString(doc, "service");
    ctx.amz_date = IsoToAmzDate(GetString(doc, "timestamp"));
    ctx.normalize = GetBool(doc, "normalize", true);
    ctx.sign_body = GetBool(doc, "sign_body", false);
    ctx.omit_session_token = GetBool(doc, "omit_session_token", false);
    return ctx;
}

std::vector<fs::path> SuiteCaseDirs() {
    std::vector<fs::path> dirs;
    std::error_code ec;
    for (fs::directory_iterator it(SIGV4_SUITE_DIR, ec), end; !ec && it != end; it.increment(ec)) {
        if (it->is_directory()) {
            dirs.push_back(it->path());
        }
    }
    std::sort(dirs.begin(), dirs.end());
    return dirs;
}

std::string CaseName(const testing::TestParamInfo<fs::path> &info) {
    std::string name = info.param.filename().string();
    for (char &c : name) {
        if (!std::isalnum(static_cast<unsigned char>(c))) {
            c = '_';
        }
    }
    return name;
}

class SigV4SuiteTest : public testing::TestWithParam<fs::path> {};

TEST_P(SigV4SuiteTest, MatchesHeaderSigningVectors) {
    const fs::path dir = GetParam();
    const SuiteContext ctx = ParseContext(dir / "context.json");
    const SignableRequest original = ParseHttpRequest(ReadFile(dir / "request.txt"));
    const SignableRequest expected_signed =
        ParseHttpRequest(ReadFile(dir / "header-signed-request.txt"));
    const std::string expected_canonical = ReadFile(dir / "header-canonical-request.txt");
    const std::string expected_sts = ReadFile(dir / "header-string-to-sign.txt");
    const std::string expected_signature = ReadFile(dir / "header-signature.txt");

    // With sign_body the suite signs an x-amz-content-sha256 header; the caller adds it.
    SignableRequest to_sign = original;
    if (ctx.sign_body) {
        to_sign.headers.emplace_back("x-amz-content-sha256", dynamo::Sha256Hex(to_sign.payload));
    }

    // Step by step: the request with the headers signing adds.
    SignableRequest with_added = to_sign;
    with_added.headers.emplace_back("X-Amz-Date", ctx.amz_date);
    if (!ctx.creds.session_token.empty() && !ctx.omit_session_token) {
        with_added.headers.emplace_back("X-Amz-Security-Token", ctx.creds.session_token);
    }
    const std::string canonical = dynamo::CanonicalRequest(with_added, ctx.normalize);
    EXPECT_EQ(canonical, expected_canonical);
    const std::string sts = dynamo::StringToSign(canonical, ctx.amz_date, ctx.region, ctx.service);
    EXPECT_EQ(sts, expected_sts);
    const std::string signature =
        dynamo::Signature(ctx.creds.secret_access_key, ctx.amz_date, ctx.region, ctx.service, sts);
    EXPECT_EQ(signature, expected_signature);

    // End to end. With omit_session_token the token header is added after signing, unsigned.
    Credentials creds = ctx.creds;
    if (ctx.omit_session_token) {
        creds.session_token.clear();
    }
    SignableRequest signed_req = to_sign;
    dynamo::SignRequest(signed_req, creds, ctx.region, ctx.service, ctx.amz_date, ctx.normalize);
    if (ctx.omit_session_token && !ctx.creds.session_token.empty()) {
        signed_req.headers.emplace_back("X-Amz-Security-Token", ctx.creds.session_token);
    }

    const auto auth = HeaderValues(signed_req.headers, "Authorization");
    const auto expected_auth = HeaderValues(expected_signed.headers, "Authorization");
    ASSERT_EQ(expected_auth.size(), 1u);
    ASSERT_EQ(auth.size(), 1u);
    EXPECT_EQ(auth[0], expected_auth[0]);
    EXPECT_NE(auth[0].find("Signature=" + expected_signature), std::string::npos);

    const auto token = HeaderValues(signed_req.headers, "X-Amz-Security-Token");
    const auto expected_token = HeaderValues(expected_signed.headers, "X-Amz-Security-Token");
    EXPECT_EQ(token, expected_token);
    if (!ctx.creds.session_token.empty()) {
        ASSERT_EQ(token.size(), 1u);
        EXPECT_EQ(token[0], ctx.creds.session_token);
    }

    // The whole signed request matches, header order aside.
    EXPECT_EQ(NormalizedHeaders(signed_req.headers), NormalizedHeaders(expected_signed.headers));
    EXPECT_EQ(signed_req.method, expected_signed.method);
    EXPECT_EQ(signed_req.path, expected_signed.path);
    EXPECT_EQ(signed_req.query, expected_signed.query);
    EXPECT_EQ(signed_req.payload, expected_signed.payload);
}

INSTANTIATE_TEST_SUITE_P(AwsSuite, SigV4SuiteTest, testing::ValuesIn(SuiteCaseDirs()), CaseName);

TEST(SigV4SuiteLayout, SuiteDirectoryHasCases) {
    const auto dirs = SuiteCaseDirs();
    EXPECT_GE(dirs.size(), 30u) << "suite directory: " << SIGV4_SUITE_DIR;
    bool has_session_token_case = false;
    for (const auto &d : dirs) {
        if (d.filename() == "get-vanilla-with-session-token") {
            has_session_token_case = true;
        }
    }
    EXPECT_TRUE(has_session_token_case);
}

TEST(SigV4Test, Sha256HexKnownDigests) {
    EXPECT_EQ(dynamo::Sha256Hex(""),
              "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    EXPECT_EQ(dynamo::Sha256Hex("abc"),
              "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(SigV4Test, HmacSha256HexRfc4231Case2) {
    EXPECT_EQ(dynamo::HmacSha256Hex("Jefe", "what do ya want for nothing?"),
              "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(SigV4Test, SigningKeyFollowsSecretDayRegionAndService) {
    // The derived signing key is kept between requests: each input that enters it must still
    // change the signature, and going back to earlier inputs gives the earlier signature.
    const std::string sts = "AWS4-HMAC-SHA256\n20150830T123600Z\n...";
    const std::string a =
        dynamo::Signature("secret-a", "20150830T123600Z", "us-east-1", "dynamodb", sts);
    const std::string b =
        dynamo::Signature("secret-b", "20150830T123600Z", "us-east-1", "dynamodb", sts);
    const std::string day =
        dynamo::Signature("secret-a", "20150831T000000Z", "us-east-1", "dynamodb", sts);
    const std::string region =
        dynamo::Signature("secret-a", "20150830T123600Z", "eu-west-1", "dynamodb", sts);
    const std::string service =
        dynamo::Signature("secret-a", "20150830T123600Z", "us-east-1", "iam", sts);
    EXPECT_NE(a, b);
    EXPECT_NE(a, day);
    EXPECT_NE(a, region);
    EXPECT_NE(a, service);
    EXPECT_EQ(dynamo::Signature("secret-a", "20150830T235959Z", "us-east-1", "dynamodb", sts), a);
    EXPECT_EQ(dynamo::Signature("secret-b", "20150830T123600Z", "us-east-1", "dynamodb", sts), b);
}

std::string FormatUtc(std::time_t t) {
    std::tm tm_utc{};
    gmtime_r(&t, &tm_utc);
    char buf[32];
    const size_t n = std::strftime(buf, sizeof(buf), "%Y%m%dT%H%M%SZ", &tm_utc);
    return std::string(buf, n);
}

TEST(SigV4Test, AmzDateNowFormat) {
    const std::string before = FormatUtc(std::time(nullptr));
    const std::string now = dynamo::AmzDateNow();
    const std::string after = FormatUtc(std::time(nullptr));
    ASSERT_EQ(now.size(), 16u) << now;
    for (size_t i = 0; i < now.size(); ++i) {
        if (i == 8) {
            EXPECT_EQ(now[i], 'T') << now;
        } else if (i == 15) {
            EXPECT_EQ(now[i], 'Z') << now;
        } else {
            EXPECT_TRUE(std::isdigit(static_cast<unsigned char>(now[i]))) << now;
        }
    }
    EXPECT_LE(before, now);
    EXPECT_LE(now, after);
}

SignableRequest DynamoRequest() {
    SignableRequest req;
    req.method = "POST";
    req.path = "/";
    req.headers = {{"Host", "dynamodb.us-east-1.amazonaws.com"},
                   {"Content-Type", "application/x-amz-json-1.0"},
                   {"X-Amz-Target", "DynamoDB_20120810.GetItem"}};
    req.payload = R"({"TableName":"t","Key":{"pk":{"S":"a"}}})";
    return req;
}

TEST(SigV4Test, NoTokenHeaderWithoutSessionToken) {
    SignableRequest req = DynamoRequest();
    const Credentials creds{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""};
    dynamo::SignRequest(req, creds, "us-east-1", "dynamodb", "20150830T123600Z");
    EXPECT_TRUE(HeaderValues(req.headers, "X-Amz-Security-Token").empty());
    EXPECT_EQ(HeaderValues(req.headers, "X-Amz-Date"),
              std::vector<std::string>{"20150830T123600Z"});
    const auto auth = HeaderValues(req.headers, "Authorization");
    ASSERT_EQ(auth.size(), 1u);
    EXPECT_EQ(
        auth[0].rfind("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/dynamodb/"
                      "aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, "
                      "Signature=",
                      0),
        0u)
        << auth[0];
    EXPECT_EQ(req.headers.size(), 5u);
}

TEST(SigV4Test, SessionTokenIsSigned) {
    SignableRequest req = DynamoRequest();
    const Credentials creds{"AKIDEXAMPLE", "secret", "token-value"};
    dynamo::SignRequest(req, creds, "eu-west-1", "dynamodb", "20240102T030405Z");
    EXPECT_EQ(HeaderValues(req.headers, "X-Amz-Security-Token"),
              std::vector<std::string>{"token-value"});
    const auto auth = HeaderValues(req.headers, "Authorization");
    ASSERT_EQ(auth.size(), 1u);
    EXPECT_NE(auth[0].find("SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;"
                           "x-amz-target,"),
              std::string::npos)
        << auth[0];
}

TEST(SigV4Test, ResigningReplacesAuthorizationAndKeepsDate) {
    SignableRequest req = DynamoRequest();
    const Credentials creds{"AKIDEXAMPLE", "secret", ""};
    dynamo::SignRequest(req, creds, "us-east-1", "dynamodb", "20150830T123600Z");
    const HeaderList first = req.headers;
    dynamo::SignRequest(req, creds, "us-east-1", "dynamodb", "20150830T123600Z");
    EXPECT_EQ(NormalizedHeaders(req.headers), NormalizedHeaders(first));
    EXPECT_EQ(HeaderValues(req.headers, "Authorization").size(), 1u);
    EXPECT_EQ(HeaderValues(req.headers, "X-Amz-Date").size(), 1u);
}

TEST(SigV4Test, HeaderNamesAreMatchedWhateverTheirCaseAndSpacing) {
    // Host, an old Authorization and X-Amz-Date are found under any case and with surrounding
    // whitespace; a name that only resembles one of them is not.
    SignableRequest req;
    req.method = "POST";
    req.path = "/";
    req.headers = {{" HOST\t", "dynamodb.us-east-1.amazonaws.com"},
                   {"authorization ", "stale"},
                   {"AUTHORIZATIONS", "kept"},
                   {"x-AMZ-date", "20150830T123600Z"}};
    const Credentials creds{"AKIDEXAMPLE", "secret", ""};
    dynamo::SignRequest(req, creds, "us-east-1", "dynamodb", "20150830T123600Z");
    const auto auth = HeaderValues(req.headers, "Authorization");
    ASSERT_EQ(auth.size(), 1u);
    EXPECT_NE(auth[0].find("SignedHeaders=authorizations;host;x-amz-date,"), std::string::npos)
        << auth[0];
    EXPECT_EQ(HeaderValues(req.headers, "AUTHORIZATIONS"), std::vector<std::string>{"kept"});
    EXPECT_EQ(HeaderValues(req.headers, "X-Amz-Date"),
              std::vector<std::string>{"20150830T123600Z"});
    EXPECT_EQ(req.headers.size(), 4u);
}

TEST(SigV4Test, DigestsAndSignaturesAgreeAcrossThreads) {
    // Each thread keeps its own digest context and keyed HMAC: results must not depend on the
    // thread, nor on what the thread signed before.
    const std::string sts = "AWS4-HMAC-SHA256\n20150830T123600Z\n...";
    const std::string expected_sig =
        dynamo::Signature("secret-a", "20150830T123600Z", "us-east-1", "dynamodb", sts);
    const std::string expected_hash = dynamo::Sha256Hex(sts);
    std::vector<std::string> sigs(4), hashes(4);
    std::vector<std::thread> threads;
    for (size_t t = 0; t < sigs.size(); ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 50; ++i) {
                dynamo::Signature(i % 2 ? "secret-b" : "secret-a", "20150830T123600Z", "us-east-1",
                                  "dynamodb", sts + std::to_string(i));
                dynamo::Sha256Hex(sts + std::to_string(i));
            }
            sigs[t] =
                dynamo::Signature("secret-a", "20150830T123600Z", "us-east-1", "dynamodb", sts);
            hashes[t] = dynamo::Sha256Hex(sts);
        });
    }
    for (auto &th : threads) {
        th.join();
    }
    for (size_t t = 0; t < sigs.size(); ++t) {
        EXPECT_EQ(sigs[t], expected_sig) << "thread " << t;
        EXPECT_EQ(hashes[t], expected_hash) << "thread " << t;
    }
}

TEST(SigV4Test, RejectsMissingHostAndBadDate) {
    const Credentials creds{"AKIDEXAMPLE", "secret", ""};
    SignableRequest no_host = DynamoRequest();
    no_host.headers.erase(no_host.headers.begin());
    const HeaderList before = no_host.headers;
    EXPECT_THROW(dynamo::SignRequest(no_host, creds, "us-east-1", "dynamodb", "20150830T123600Z"),
                 std::invalid_argument);
    EXPECT_EQ(no_host.headers, before);

    SignableRequest req = DynamoRequest();
    EXPECT_THROW(dynamo::SignRequest(req, creds, "us-east-1", "dynamodb", "2015-08-30"),
                 std::invalid_argument);
}

TEST(SigV4Test, CanonicalPathAndQuery) {
    EXPECT_EQ(dynamo::CanonicalPath("", true), "/");
    EXPECT_EQ(dynamo::CanonicalPath("", false), "/");
    EXPECT_EQ(dynamo::CanonicalPath("/a/b/../c/./d/", true), "/a/c/d/");
    EXPECT_EQ(dynamo::CanonicalPath("/a/b/..", true), "/a/");
    EXPECT_EQ(dynamo::CanonicalPath("/../..", true), "/");
    EXPECT_EQ(dynamo::CanonicalPath("/a%20b", false), "/a%2520b");
    EXPECT_EQ(dynamo::CanonicalQuery(""), "");
    EXPECT_EQ(dynamo::CanonicalQuery("b=2&a=1&a=0&c"), "a=0&a=1&b=2&c=");
    EXPECT_EQ(dynamo::CanonicalQuery("k=a+b%2Fc&&x=%zz"), "k=a%2Bb%2Fc&x=%25zz");
}

}  // namespace
