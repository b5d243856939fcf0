// The benchmark's floor: a minimal DynamoDB client over raw HTTP, to measure what the endpoint
// itself costs. One libcurl easy handle per connection (keep-alive), requests signed with the
// project's SigV4 code, and no per-item work: a Scan reads only Count and LastEvaluatedKey from
// each page (simdjson On Demand), a GetItem checks only that Item is present.
//
//   floor scan  --endpoint URL --table T [--page-size N] [--segments S] [--reps R]
//   floor get   --endpoint URL --table T --keys N (--seconds S | --requests R)
//   floor put   --endpoint URL --table T --rows N      (one PutItem per row)
//   floor batch --endpoint URL --table T --rows N [--concurrency C]
//                                                      (BatchWriteItem, 25 rows a request)
//   floor update --endpoint URL --table T --above LO --upto HI [--concurrency C]
//   floor delete --endpoint URL --table T --above LO --upto HI [--concurrency C]
//                 (a Scan for the keys of the items with LO < n_dec <= HI, then one UpdateItem
//                 setting s = 'updated', or one DeleteItem, per item, on the condition that the
//                 item exists and still has LO < n_dec <= HI: what an UPDATE or DELETE with that
//                 WHERE clause sends)
//
// --concurrency C keeps C write requests in flight: C threads, each with its own keep-alive
// connection, taking the next request from a shared counter (default 1: one at a time).
//
// Prints one JSON object per run on stdout: op, items, requests, seconds (wall), cpu_seconds
// (user + system of this process), and for get the mean latency in milliseconds. The items
// written by put and batch are the benchmark's item(i) for i = 1..rows (see bench/load.mjs).
#include "client/sigv4.hpp"

#include <curl/curl.h>
#include <openssl/evp.h>
#include <simdjson.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
    std::string op;
    std::string endpoint;
    std::string table;
    long page_size = 0;
    int segments = 1;
    int reps = 1;
    long keys = 0;
    double seconds = 0;
    long requests = 0;  // get: stop after this many GetItems (instead of, or before, --seconds)
    long rows = 0;
    int concurrency = 1;
    std::string above, upto;  // update, delete: the n_dec range
};

[[noreturn]] void Fail(const std::string &message) {
    std::fprintf(stderr, "floor: %s\n", message.c_str());
    std::exit(1);
}

double CpuSeconds() {
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
           (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

size_t AppendBody(char *data, size_t size, size_t count, void *user) {
    static_cast<std::string *>(user)->append(data, size * count);
    return size * count;
}

// One keep-alive HTTP connection to the endpoint, signing every request.
class Connection {
  public:
    explicit Connection(const std::string &endpoint) : url_(endpoint) {
        // http://host[:port][/path]: the Host header is what sits between "//" and the path.
        size_t start = url_.find("//");
        if (start == std::string::npos)
            Fail("endpoint must look like http://host:port");
        start += 2;
        size_t end = url_.find('/', start);
        host_ = url_.substr(start, end == std::string::npos ? std::string::npos : end - start);
        easy_ = curl_easy_init();
        if (easy_ == nullptr)
            Fail("curl_easy_init failed");
        curl_easy_setopt(easy_, CURLOPT_URL, url_.c_str());
        curl_easy_setopt(easy_, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(easy_, CURLOPT_TCP_NODELAY, 1L);
        curl_easy_setopt(easy_, CURLOPT_WRITEFUNCTION, AppendBody);
        curl_easy_setopt(easy_, CURLOPT_WRITEDATA, &response_);
        curl_easy_setopt(easy_, CURLOPT_TIMEOUT_MS, 120000L);
    }
    ~Connection() { curl_easy_cleanup(easy_); }
    Connection(const Connection &) = delete;
    Connection &operator=(const Connection &) = delete;

    // POSTs the request and returns the response body, padded for simdjson. Exits on any
    // failure: the floor measures the happy path only.
    simdjson::padded_string_view Post(const char *target, const std::string &payload) {
        dynamo::SignableRequest req;
        req.method = "POST";
        req.path = "/";
        req.headers = {{"Host", host_},
                       {"Content-Type", "application/x-amz-json-1.0"},
                       {"X-Amz-Target", target}};
        req.payload = payload;
        dynamo::SignRequest(req, creds_, "us-east-1", "dynamodb", dynamo::AmzDateNow(), false);

        curl_slist *headers = curl_slist_append(nullptr, "Expect:");
        for (const auto &h : req.headers)
            headers = curl_slist_append(headers, (h.first + ": " + h.second).c_str());
        curl_easy_setopt(easy_, CURLOPT_HTTPHEADER, headers);
        curl_easy_setopt(easy_, CURLOPT_POSTFIELDS, req.payload.data());
        curl_easy_setopt(easy_, CURLOPT_POSTFIELDSIZE_LARGE,
                         static_cast<curl_off_t>(req.payload.size()));
        response_.clear();
        CURLcode rc = curl_easy_perform(easy_);
        curl_slist_free_all(headers);
        if (rc != CURLE_OK)
            Fail(std::string(target) + ": " + curl_easy_strerror(rc));
        long status = 0;
        curl_easy_getinfo(easy_, CURLINFO_RESPONSE_CODE, &status);
        if (status != 200)
            Fail(std::string(target) + ": HTTP " + std::to_string(status) + ": " + response_);
        ++requests_;
        response_.reserve(response_.size() + simdjson::SIMDJSON_PADDING);
        return simdjson::padded_string_view(response_.data(), response_.size(),
                                            response_.capacity());
    }

    long requests() const { return requests_; }
    simdjson::ondemand::parser &parser() { return parser_; }

  private:
    std::string url_;
    std::string host_;
    CURL *easy_ = nullptr;
    std::string response_;
    long requests_ = 0;
    dynamo::Credentials creds_{"test", "test", ""};
    simdjson::ondemand::parser parser_;
};

// The table name as a JSON string (benchmark table names need no escaping; check that).
std::string Quoted(const std::string &name) {
    for (char c : name) {
        if (c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20)
            Fail("unexpected table name");
    }
    return "\"" + name + "\"";
}

// Item i in DynamoDB JSON, as bench/load.mjs writes it.
void AppendItem(std::string &out, long i) {
    long cents = i % 100000;
    unsigned char bytes[16];
    for (int k = 0; k < 8; ++k)
        bytes[k] = bytes[k + 8] = static_cast<unsigned char>(i >> (56 - 8 * k));
    unsigned char b64[32];
    EVP_EncodeBlock(b64, bytes, 16);
    char buf[512];
    std::snprintf(
        buf, sizeof buf,
        "{\"pk\":{\"N\":\"%ld\"},\"s\":{\"S\":\"name-%08ld\"},\"n_int\":{\"N\":\"%ld\"},"
        "\"n_dec\":{\"N\":\"%ld.%02ld\"},\"flag\":{\"BOOL\":%s},"
        "\"m\":{\"M\":{\"k\":{\"S\":\"v%ld\"},\"n\":{\"N\":\"%ld\"}}},\"b\":{\"B\":\"%s\"}}",
        i, i, (i * 7919) % 1000003, cents / 100, cents % 100, i % 2 == 0 ? "true" : "false", i % 10,
        i % 100, reinterpret_cast<const char *>(b64));
    out += buf;
}

struct ScanResult {
    long items = 0;
    long requests = 0;
};

// Pages through one segment of a Scan, following LastEvaluatedKey.
ScanResult ScanSegment(const Options &o, int segment) {
    Connection conn(o.endpoint);
    ScanResult result;
    std::string start_key;
    std::string head = "{\"TableName\":" + Quoted(o.table);
    if (o.page_size > 0)
        head += ",\"Limit\":" + std::to_string(o.page_size);
    if (o.segments > 1)
        head += ",\"Segment\":" + std::to_string(segment) +
                ",\"TotalSegments\":" + std::to_string(o.segments);
    for (;;) {
        std::string body = head;
        if (!start_key.empty())
            body += ",\"ExclusiveStartKey\":" + start_key;
        body += "}";
        auto json = conn.Post("DynamoDB_20120810.Scan", body);
        start_key.clear();
        auto doc = conn.parser().iterate(json);
        simdjson::ondemand::object obj;
        if (doc.get_object().get(obj) != simdjson::SUCCESS)
            Fail("Scan: response is not an object");
        for (auto field : obj) {
            std::string_view key;
            if (field.unescaped_key().get(key) != simdjson::SUCCESS)
                Fail("Scan: bad key");
            if (key == "Count") {
                uint64_t count = 0;
                if (field.value().get_uint64().get(count) != simdjson::SUCCESS)
                    Fail("Scan: bad Count");
                result.items += static_cast<long>(count);
            } else if (key == "LastEvaluatedKey") {
                std::string_view raw;
                if (simdjson::to_json_string(field.value()).get(raw) != simdjson::SUCCESS)
                    Fail("Scan: bad LastEvaluatedKey");
                start_key.assign(raw);
            }
        }
        if (start_key.empty())
            break;
    }
    result.requests = conn.requests();
    return result;
}

void Print(const char *op, long items, long requests, double seconds, double cpu,
           const char *extra = "") {
    std::printf(
        "{\"op\":\"%s\",\"items\":%ld,\"requests\":%ld,\"seconds\":%.6f,\"cpu_seconds\":%.6f%s}\n",
        op, items, requests, seconds, cpu, extra);
    std::fflush(stdout);
}

void RunScan(const Options &o) {
    for (int rep = 0; rep < o.reps; ++rep) {
        double cpu0 = CpuSeconds();
        auto t0 = Clock::now();
        std::vector<ScanResult> results(o.segments);
        if (o.segments == 1) {
            results[0] = ScanSegment(o, 0);
        } else {
            std::vector<std::thread> threads;
            for (int s = 0; s < o.segments; ++s)
                threads.emplace_back([&, s] { results[s] = ScanSegment(o, s); });
            for (auto &t : threads)
                t.join();
        }
        double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
        ScanResult total;
        for (const auto &r : results) {
            total.items += r.items;
            total.requests += r.requests;
        }
        Print("scan", total.items, total.requests, seconds, CpuSeconds() - cpu0);
    }
}

void RunGet(const Options &o) {
    Connection conn(o.endpoint);
    std::mt19937_64 rng(42);
    std::uniform_int_distribution<long> pick(1, o.keys);
    std::string head = "{\"TableName\":" + Quoted(o.table) + ",\"Key\":{\"pk\":{\"N\":\"";
    long found = 0;
    double cpu0 = CpuSeconds();
    auto t0 = Clock::now();
    auto deadline = t0 + std::chrono::duration<double>(o.seconds);
    long count = 0;
    do {
        auto json =
            conn.Post("DynamoDB_20120810.GetItem", head + std::to_string(pick(rng)) + "\"}}}");
        auto doc = conn.parser().iterate(json);
        simdjson::ondemand::value item;
        if (doc.find_field_unordered("Item").get(item) == simdjson::SUCCESS)
            ++found;
        ++count;
    } while ((o.requests <= 0 || count < o.requests) &&
             (o.seconds <= 0 || Clock::now() < deadline));
    double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    if (found != count)
        Fail("GetItem: " + std::to_string(count - found) + " keys not found");
    char extra[64];
    std::snprintf(extra, sizeof extra, ",\"mean_ms\":%.4f", seconds * 1000.0 / count);
    Print("get", found, conn.requests(), seconds, CpuSeconds() - cpu0, extra);
}

void RunPut(const Options &o) {
    Connection conn(o.endpoint);
    std::string head = "{\"TableName\":" + Quoted(o.table) + ",\"Item\":";
    double cpu0 = CpuSeconds();
    auto t0 = Clock::now();
    std::string body;
    for (long i = 1; i <= o.rows; ++i) {
        body = head;
        AppendItem(body, i);
        body += "}";
        conn.Post("DynamoDB_20120810.PutItem", body);
    }
    double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    Print("put", o.rows, conn.requests(), seconds, CpuSeconds() - cpu0);
}

// Runs jobs 0..count-1 on o.concurrency threads, each with its own connection, each thread taking
// the next job from a shared counter; the requests sent.
template <typename Job>
long RunJobs(const Options &o, long count, Job job) {
    std::atomic<long> next{0};
    std::atomic<long> requests{0};
    auto worker = [&] {
        Connection conn(o.endpoint);
        for (long k = next++; k < count; k = next++)
            job(conn, k);
        requests += conn.requests();
    };
    if (o.concurrency <= 1) {
        worker();
    } else {
        std::vector<std::thread> threads;
        for (int t = 0; t < o.concurrency; ++t)
            threads.emplace_back(worker);
        for (auto &t : threads)
            t.join();
    }
    return requests;
}

void RunBatch(const Options &o) {
    double cpu0 = CpuSeconds();
    auto t0 = Clock::now();
    long batches = (o.rows + 24) / 25;
    long requests = RunJobs(o, batches, [&](Connection &conn, long k) {
        long first = 1 + k * 25;
        long last = std::min(o.rows, first + 24);
        std::string body = "{\"RequestItems\":{" + Quoted(o.table) + ":[";
        for (long i = first; i <= last; ++i) {
            if (i != first)
                body += ",";
            body += "{\"PutRequest\":{\"Item\":";
            AppendItem(body, i);
            body += "}}";
        }
        body += "]}}";
        // Resend whatever comes back unprocessed, with a growing pause.
        for (int attempt = 0;; ++attempt) {
            auto json = conn.Post("DynamoDB_20120810.BatchWriteItem", body);
            auto doc = conn.parser().iterate(json);
            simdjson::ondemand::object left;
            std::string_view raw;
            if (doc.find_field_unordered("UnprocessedItems").get_object().get(left) !=
                    simdjson::SUCCESS ||
                left.raw_json().get(raw) != simdjson::SUCCESS ||
                raw.find('[') == std::string_view::npos)
                break;
            if (attempt == 20)
                Fail("BatchWriteItem: items still unprocessed after 20 attempts");
            body = "{\"RequestItems\":" + std::string(raw) + "}";
            std::this_thread::sleep_for(std::chrono::milliseconds(std::min(1000, 25 << attempt)));
        }
    });
    double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    Print("batch", o.rows, requests, seconds, CpuSeconds() - cpu0);
}

// update, delete: a Scan for the keys of the items with above < n_dec <= upto, then one
// conditional UpdateItem or DeleteItem per key.
void RunChange(const Options &o, bool update) {
    double cpu0 = CpuSeconds();
    auto t0 = Clock::now();
    const std::string names = "\"ExpressionAttributeNames\":{\"#p\":\"pk\",\"#d\":\"n_dec\"" +
                              std::string(update ? ",\"#s\":\"s\"" : "") + "}";
    const std::string values = "\"ExpressionAttributeValues\":{\":lo\":{\"N\":\"" + o.above +
                               "\"},\":hi\":{\"N\":\"" + o.upto + "\"}" +
                               std::string(update ? ",\":s\":{\"S\":\"updated\"}" : "") + "}";
    std::vector<std::string> keys;
    long scan_requests = 0;
    {
        Connection conn(o.endpoint);
        std::string start_key;
        for (;;) {
            std::string body = "{\"TableName\":" + Quoted(o.table) +
                               ",\"FilterExpression\":\"#d > :lo AND #d <= :hi\","
                               "\"ProjectionExpression\":\"#p\","
                               "\"ExpressionAttributeNames\":{\"#p\":\"pk\",\"#d\":\"n_dec\"},"
                               "\"ExpressionAttributeValues\":{\":lo\":{\"N\":\"" +
                               o.above + "\"},\":hi\":{\"N\":\"" + o.upto + "\"}}";
            if (!start_key.empty())
                body += ",\"ExclusiveStartKey\":" + start_key;
            body += "}";
            auto json = conn.Post("DynamoDB_20120810.Scan", body);
            start_key.clear();
            auto doc = conn.parser().iterate(json);
            simdjson::ondemand::object obj;
            if (doc.get_object().get(obj) != simdjson::SUCCESS)
                Fail("Scan: response is not an object");
            for (auto field : obj) {
                std::string_view key;
                if (field.unescaped_key().get(key) != simdjson::SUCCESS)
                    Fail("Scan: bad key");
                if (key == "Items") {
                    simdjson::ondemand::array items;
                    if (field.value().get_array().get(items) != simdjson::SUCCESS)
                        Fail("Scan: bad Items");
                    for (auto item : items) {
                        std::string_view pk;
                        if (item.find_field_unordered("pk")
                                .find_field_unordered("N")
                                .get_string()
                                .get(pk) != simdjson::SUCCESS)
                            Fail("Scan: an item without a number pk");
                        keys.emplace_back(pk);
                    }
                } else if (key == "LastEvaluatedKey") {
                    std::string_view raw;
                    if (simdjson::to_json_string(field.value()).get(raw) != simdjson::SUCCESS)
                        Fail("Scan: bad LastEvaluatedKey");
                    start_key.assign(raw);
                }
            }
            if (start_key.empty())
                break;
        }
        scan_requests = conn.requests();
    }
    long requests = RunJobs(o, static_cast<long>(keys.size()), [&](Connection &conn, long k) {
        std::string body =
            "{\"TableName\":" + Quoted(o.table) + ",\"Key\":{\"pk\":{\"N\":\"" + keys[k] + "\"}},";
        if (update)
            body += "\"UpdateExpression\":\"SET #s = :s\",";
        body += "\"ConditionExpression\":\"attribute_exists(#p) AND #d > :lo AND #d <= :hi\"," +
                names + "," + values + "}";
        conn.Post(update ? "DynamoDB_20120810.UpdateItem" : "DynamoDB_20120810.DeleteItem", body);
    });
    double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    Print(update ? "update" : "delete", static_cast<long>(keys.size()), scan_requests + requests,
          seconds, CpuSeconds() - cpu0);
}

Options ParseArgs(int argc, char **argv) {
    if (argc < 2)
        Fail("usage: floor scan|get|put|batch|update|delete --endpoint URL --table T [options]");
    Options o;
    o.op = argv[1];
    for (int i = 2; i < argc; i += 2) {
        std::string flag = argv[i];
        if (i + 1 >= argc)
            Fail(flag + " needs a value");
        std::string value = argv[i + 1];
        if (flag == "--endpoint")
            o.endpoint = value;
        else if (flag == "--table")
            o.table = value;
        else if (flag == "--page-size")
            o.page_size = std::stol(value);
        else if (flag == "--segments")
            o.segments = std::stoi(value);
        else if (flag == "--reps")
            o.reps = std::stoi(value);
        else if (flag == "--keys")
            o.keys = std::stol(value);
        else if (flag == "--seconds")
            o.seconds = std::stod(value);
        else if (flag == "--requests")
            o.requests = std::stol(value);
        else if (flag == "--rows")
            o.rows = std::stol(value);
        else if (flag == "--concurrency")
            o.concurrency = std::stoi(value);
        else if (flag == "--above")
            o.above = value;
        else if (flag == "--upto")
            o.upto = value;
        else
            Fail("unknown option " + flag);
    }
    if (o.endpoint.empty() || o.table.empty())
        Fail("--endpoint and --table are required");
    if (o.segments < 1 || o.reps < 1 || o.concurrency < 1)
        Fail("--segments, --reps and --concurrency must be positive");
    return o;
}

}  // namespace

int main(int argc, char **argv) {
    Options o = ParseArgs(argc, argv);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    if (o.op == "scan")
        RunScan(o);
    else if (o.op == "get" && o.keys > 0 && (o.seconds > 0 || o.requests > 0))
        RunGet(o);
    else if (o.op == "put" && o.rows > 0)
        RunPut(o);
    else if (o.op == "batch" && o.rows > 0)
        RunBatch(o);
    else if ((o.op == "update" || o.op == "delete") && !o.above.empty() && !o.upto.empty())
        RunChange(o, o.op == "update");
    else
        Fail("unknown operation or missing --keys/--seconds/--requests/--rows: " + o.op);
    curl_global_cleanup();
    return 0;
}
