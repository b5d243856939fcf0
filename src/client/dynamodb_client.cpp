#include "client/dynamodb_client.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <simdjson.h>

#include <chrono>
#include <random>

#include "client/host_wait.hpp"
#include "client/json_codec.hpp"

namespace dynamo {
namespace {

using Clock = std::chrono::steady_clock;
using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

// One parser per thread: responses are parsed on the client's I/O thread as well as on the
// thread that calls the client.
simdjson::dom::parser &Parser() {
    static thread_local simdjson::dom::parser parser;
    return parser;
}

void WriteString(Writer &w, const std::string &s) {
    w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

std::string_view GetString(simdjson::dom::element e, const char *what) {
    std::string_view s;
    if (e.get_string().get(s) != simdjson::SUCCESS)
        throw JsonError(std::string("expected a string for ") + what);
    return s;
}

AttrType KeyType(std::string_view t) {
    if (t == "S")
        return AttrType::S;
    if (t == "N")
        return AttrType::N;
    if (t == "B")
        return AttrType::B;
    throw JsonError("unknown key attribute type " + std::string(t));
}

// Reads a KeySchema array plus the AttributeDefinitions types into hash/range.
void ParseKeySchema(simdjson::dom::array schema, simdjson::dom::element definitions,
                    KeyAttribute &hash, bool &has_range, KeyAttribute &range) {
    has_range = false;
    for (simdjson::dom::element k : schema) {
        std::string name(GetString(k["AttributeName"], "AttributeName"));
        std::string_view role = GetString(k["KeyType"], "KeyType");
        KeyAttribute attr;
        attr.name = name;
        for (simdjson::dom::element d : definitions.get_array()) {
            if (GetString(d["AttributeName"], "AttributeName") == name)
                attr.type = KeyType(GetString(d["AttributeType"], "AttributeType"));
        }
        if (role == "HASH") {
            hash = attr;
        } else {
            range = attr;
            has_range = true;
        }
    }
}

int64_t GetInt(simdjson::dom::object o, const char *field) {
    int64_t v = 0;
    simdjson::dom::element e;
    if (o[field].get(e) == simdjson::SUCCESS) {
        if (e.get_int64().get(v) != simdjson::SUCCESS) {
            double d = 0;
            if (e.get_double().get(d) == simdjson::SUCCESS)
                v = static_cast<int64_t>(d);
        }
    }
    return v;
}

}  // namespace

bool IsRetryableService(const std::string &type, long http_status) {
    if (http_status >= 500)
        return true;
    return type == "ProvisionedThroughputExceededException" || type == "ThrottlingException" ||
           type == "RequestLimitExceeded" || type == "LimitExceededException" ||
           type == "InternalServerError" || type == "ServiceUnavailable" ||
           type == "TransactionInProgressException";
}

void ParseErrorBody(std::string_view body, std::string &type, std::string &message) {
    type.clear();
    message.clear();
    simdjson::dom::element doc;
    if (Parser().parse(body.data(), body.size()).get(doc) != simdjson::SUCCESS) {
        message = std::string(body.substr(0, 200));
        return;
    }
    std::string_view s;
    if (doc["__type"].get_string().get(s) == simdjson::SUCCESS) {
        auto hash = s.rfind('#');
        type = std::string(hash == std::string_view::npos ? s : s.substr(hash + 1));
    }
    if (doc["message"].get_string().get(s) == simdjson::SUCCESS ||
        doc["Message"].get_string().get(s) == simdjson::SUCCESS)
        message = std::string(s);
}

DynamoClient::DynamoClient(const ClientConfig &config) : config_(config), http_(config.http) {
    url_ = config.endpoint_url.empty() ? "https://dynamodb." + config.region + ".amazonaws.com/"
                                       : config.endpoint_url;
    std::string scheme, error;
    if (!ParseEndpoint(url_, scheme, host_header_, path_, error))
        throw std::invalid_argument("invalid endpoint URL: " + error);
}

PendingCall::PendingCall(DynamoClient *client, const std::string &operation, std::string body,
                         ParseFn parse, bool parse_on_io_thread)
    : client_(client),
      operation_(operation),
      body_(std::move(body)),
      parse_(std::move(parse)),
      parse_on_io_(parse_on_io_thread),
      started_(Clock::now()) {
    err_.operation = operation_;
    if (CapacityKindOf(operation_, kind_)) {
        std::string_view table = TableOfBody(body_);
        if (!table.empty())
            pacer_ = client_->PacerFor(table);
    }
    // A paced request asks DynamoDB what it consumed (the bodies this client writes are JSON
    // objects; one that asks already is left as it is).
    if (pacer_ && pacer_->limited(kind_) && !body_.empty() && body_.back() == '}' &&
        body_.find("\"ReturnConsumedCapacity\"") == std::string::npos)
        body_.insert(body_.size() - 1, ",\"ReturnConsumedCapacity\":\"TOTAL\"");
}

PendingCall::~PendingCall() {
    if (ticket_)
        client_->http_.Cancel(ticket_);
    FinishPaced(TablePacer::Outcome::Failed);
}

void PendingCall::FinishPaced(TablePacer::Outcome outcome) {
    if (!paced_in_flight_)
        return;
    paced_in_flight_ = false;
    const RetryPolicy &p = client_->config_.retry;
    BackoffPolicy backoff{p.base_delay_ms, p.max_delay_ms};
    pacer_->Finish(kind_, reserved_, outcome, consumed_, consumed_known_, Clock::now(), backoff);
    if (outcome == TablePacer::Outcome::Done && consumed_known_)
        (kind_ == CapacityKind::Read ? client_->stats_.read_units : client_->stats_.write_units) +=
            consumed_;
}

Clock::time_point PendingCall::wake_at() const {
    return waiting_ ? retry_at_ : Clock::time_point::max();
}

void PendingCall::Send() {
    if (pacer_) {
        const auto now = Clock::now();
        Clock::time_point when;
        if (!pacer_->TryStart(kind_, now, reserved_, when)) {
            if (!held_) {
                held_ = true;
                held_since_ = now;
                pacer_->CountWait();
            }
            retry_at_ = when;
            waiting_ = true;
            return;
        }
        paced_in_flight_ = true;
        if (held_) {
            held_ = false;
            double ms = std::chrono::duration<double, std::milli>(now - held_since_).count();
            waited_ms_ += ms;
            client_->stats_.capacity_wait_ms += ms;
        }
    }
    consumed_ = 0;
    consumed_known_ = false;
    ++attempt_;
    err_.attempts = attempt_;
    SignableRequest req;
    req.method = "POST";
    req.path = client_->path_;
    req.headers = {{"Host", client_->host_header_},
                   {"Content-Type", "application/x-amz-json-1.0"},
                   {"X-Amz-Target", "DynamoDB_20120810." + operation_}};
    req.payload = body_;
    SignRequest(req, client_->config_.credentials, client_->config_.region, "dynamodb",
                AmzDateNow(), false);
    client_->stats_.requests[operation_]++;
    if (attempt_ > 1)
        client_->CountRetry(operation_);
    parse_error_.clear();
    parse_exception_ = nullptr;
    CompletionFn step;
    if (paced_in_flight_ && pacer_->limited(kind_))
        step = [this](HttpResponse &response) {
            if (!response.transport_error && !response.timed_out && response.status == 200) {
                try {
                    consumed_known_ = ConsumedUnitsOfBody(response.body, consumed_);
                } catch (...) {
                    consumed_known_ = false;
                }
            }
            if (parse_on_io_)
                ParseOnIoThread(response);
        };
    else if (parse_on_io_)
        step = [this](HttpResponse &response) { ParseOnIoThread(response); };
    ticket_ = client_->http_.Submit(client_->url_, req.headers, body_, std::move(step));
}

void PendingCall::ParseOnIoThread(HttpResponse &response) {
    if (response.transport_error || response.timed_out || response.status != 200)
        return;
    try {
        response.body.reserve(response.body.size() + kParsePadding);
        parse_(response.body);
        // The parsed page is all that is needed from here on.
        std::string().swap(response.body);
    } catch (const JsonError &e) {
        parse_error_ = std::string("invalid response: ") + e.what();
    } catch (const simdjson::simdjson_error &e) {
        parse_error_ = std::string("invalid response: ") + e.what();
    } catch (...) {
        parse_exception_ = std::current_exception();
    }
}

void PendingCall::Cancel() {
    if (ticket_) {
        client_->http_.Cancel(ticket_);
        ticket_.reset();
        err_.http_status = 0;
        err_.type.clear();
    }
    FinishPaced(TablePacer::Outcome::Failed);
    held_ = false;
    if (finished_)
        return;
    waiting_ = false;
    finished_ = true;
    err_.kind = ErrorKind::Aborted;
    err_.message = "request cancelled";
    err_.retryable = false;
}

bool PendingCall::Poll() {
    if (finished_)
        return true;
    if (waiting_) {
        // A call the pacer held back asks it again at every poll (another request's answer
        // may have made room); a retry's own backoff is waited out.
        if (!held_ && Clock::now() < wake_at())
            return false;
        waiting_ = false;
        Send();
        return false;
    }
    if (!ticket_ || !client_->http_.Ready(ticket_))
        return false;

    HttpTicket done = std::move(ticket_);
    HttpResponse &resp = client_->http_.Response(done);
    err_.http_status = resp.status;
    err_.type.clear();
    err_.message.clear();
    if (resp.aborted) {
        FinishPaced(TablePacer::Outcome::Failed);
        finished_ = true;
        err_.kind = ErrorKind::Aborted;
        err_.message = "request cancelled";
        err_.retryable = false;
        return true;
    }
    if (resp.timed_out) {
        err_.kind = ErrorKind::Timeout;
        err_.message = resp.error;
        err_.retryable = true;
    } else if (resp.transport_error) {
        err_.kind = ErrorKind::Transport;
        err_.message = resp.error;
        // A certificate that fails verification fails the same way every time.
        err_.retryable = !resp.tls_refused;
    } else if (resp.status == 200) {
        std::string failure;
        if (parse_on_io_) {
            if (parse_exception_) {
                finished_ = true;
                err_.kind = ErrorKind::Transport;
                err_.message = "the response could not be read";
                err_.retryable = false;
                std::rethrow_exception(parse_exception_);
            }
            failure = parse_error_;
        } else {
            try {
                parse_(resp.body);
            } catch (const JsonError &e) {
                failure = std::string("invalid response: ") + e.what();
            } catch (const simdjson::simdjson_error &e) {
                // Thrown by the parsers' simdjson lookups for a missing field or a wrong type.
                failure = std::string("invalid response: ") + e.what();
            }
        }
        if (failure.empty()) {
            FinishPaced(TablePacer::Outcome::Done);
            finished_ = true;
            err_ = Error{};
            return true;
        }
        err_.kind = ErrorKind::Transport;
        err_.message = failure;
        err_.retryable = true;
    } else {
        err_.kind = ErrorKind::Service;
        ParseErrorBody(resp.body, err_.type, err_.message);
        err_.retryable = IsRetryableService(err_.type, resp.status);
    }
    const bool throttled = err_.kind == ErrorKind::Service && IsThrottle(err_.type);
    if (throttled)
        client_->stats_.throttled++;
    FinishPaced(throttled ? TablePacer::Outcome::Throttled : TablePacer::Outcome::Failed);
    done.reset();
    if (!err_.retryable) {
        finished_ = true;
        return true;
    }

    const RetryPolicy &p = client_->config_.retry;
    long elapsed =
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started_).count();
    if (attempt_ >= p.max_attempts || elapsed >= p.max_total_ms) {
        err_.kind = ErrorKind::Budget;
        finished_ = true;
        return true;
    }
    // A throttle's pause is the table's (the pacer holds the retry back with every other
    // request to the table) unless each request backs off alone.
    long delay =
        throttled && pacer_ && pacer_->shared_backoff()
            ? 0
            : std::min(FullJitterDelay(p, attempt_), std::max(0L, p.max_total_ms - elapsed));
    retry_at_ = Clock::now() + std::chrono::milliseconds(delay);
    waiting_ = true;
    if (Clock::now() >= wake_at()) {
        waiting_ = false;
        Send();
    }
    return false;
}

std::unique_ptr<PendingCall> DynamoClient::Start(const std::string &operation, std::string body,
                                                 ParseFn parse, bool parse_on_io_thread) {
    std::unique_ptr<PendingCall> call(
        new PendingCall(this, operation, std::move(body), std::move(parse), parse_on_io_thread));
    call->Send();
    return call;
}

std::shared_ptr<TablePacer> DynamoClient::PacerFor(std::string_view table) {
    auto it = pacers_.find(table);
    if (it == pacers_.end()) {
        PacerState *shared = nullptr;
        if (registry_ != nullptr)
            shared = registry_->Find(url_ + " " + std::string(table));
        it = pacers_.emplace(std::string(table), std::make_shared<TablePacer>(shared)).first;
    }
    return it->second;
}

void DynamoClient::ConfigureTable(const std::string &table, double read_units_per_second,
                                  double write_units_per_second, bool shared_backoff) {
    std::shared_ptr<TablePacer> p = PacerFor(table);
    p->SetBudget(read_units_per_second, write_units_per_second, Clock::now());
    p->SetSharedBackoff(shared_backoff);
}

double DynamoClient::ReadBudget(const std::string &table) const {
    auto it = pacers_.find(table);
    return it == pacers_.end() ? 0 : it->second->rate(CapacityKind::Read);
}

double DynamoClient::WriteBudget(const std::string &table) const {
    auto it = pacers_.find(table);
    return it == pacers_.end() ? 0 : it->second->rate(CapacityKind::Write);
}

bool DynamoClient::WaitForProgress(uint64_t seen, Clock::time_point until, AbortFn abort) {
    return http_.WaitForCompletion(seen, until, abort) != HttpClient::WaitResult::Aborted;
}

Error DynamoClient::Call(const std::string &operation, const std::string &body,
                         const std::function<void(std::string_view)> &parse, AbortFn abort) {
    PendingCall call(this, operation, body, parse, false);
    call.Send();
    for (;;) {
        uint64_t seen = http_.completions();
        if (call.Poll())
            return call.error();
        bool progressed;
        {
            ReportedWait reported(call.held() ? WaitKind::Capacity : WaitKind::Request);
            progressed = WaitForProgress(seen, call.wake_at(), abort);
        }
        if (!progressed) {
            call.Cancel();
            return call.error();
        }
    }
}

Error DynamoClient::ListTables(std::vector<std::string> &tables, AbortFn abort) {
    tables.clear();
    std::string start;
    for (;;) {
        rapidjson::StringBuffer sb;
        Writer w(sb);
        w.StartObject();
        w.Key("Limit");
        w.Int(100);
        if (!start.empty()) {
            w.Key("ExclusiveStartTableName");
            WriteString(w, start);
        }
        w.EndObject();
        std::string next;
        std::vector<std::string> page;
        Error err = Call(
            "ListTables", sb.GetString(),
            [&](std::string_view body) {
                page.clear();
                next.clear();
                simdjson::dom::element doc;
                if (Parser().parse(body.data(), body.size()).get(doc) != simdjson::SUCCESS)
                    throw JsonError("ListTables response is not JSON");
                simdjson::dom::array names;
                if (doc["TableNames"].get_array().get(names) != simdjson::SUCCESS)
                    throw JsonError("ListTables response has no TableNames");
                for (simdjson::dom::element n : names)
                    page.emplace_back(GetString(n, "TableNames"));
                std::string_view last;
                if (doc["LastEvaluatedTableName"].get_string().get(last) == simdjson::SUCCESS)
                    next = std::string(last);
            },
            abort);
        if (!err.ok())
            return err;
        tables.insert(tables.end(), page.begin(), page.end());
        if (next.empty())
            return Error{};
        start = next;
    }
}

Error DynamoClient::DescribeTable(const std::string &table, TableDescription &out, AbortFn abort) {
    rapidjson::StringBuffer sb;
    Writer w(sb);
    w.StartObject();
    w.Key("TableName");
    WriteString(w, table);
    w.EndObject();
    return Call(
        "DescribeTable", sb.GetString(),
        [&](std::string_view body) {
            out = TableDescription{};
            simdjson::dom::element doc;
            if (Parser().parse(body.data(), body.size()).get(doc) != simdjson::SUCCESS)
                throw JsonError("DescribeTable response is not JSON");
            simdjson::dom::object t;
            if (doc["Table"].get_object().get(t) != simdjson::SUCCESS)
                throw JsonError("DescribeTable response has no Table");
            out.name = std::string(GetString(t["TableName"], "TableName"));
            std::string_view status;
            if (t["TableStatus"].get_string().get(status) == simdjson::SUCCESS)
                out.status = std::string(status);
            simdjson::dom::element defs = t["AttributeDefinitions"];
            simdjson::dom::array schema;
            if (t["KeySchema"].get_array().get(schema) != simdjson::SUCCESS)
                throw JsonError("DescribeTable response has no KeySchema");
            ParseKeySchema(schema, defs, out.hash, out.has_range, out.range);
            out.item_count = GetInt(t, "ItemCount");
            out.size_bytes = GetInt(t, "TableSizeBytes");
            simdjson::dom::object pt;
            if (t["ProvisionedThroughput"].get_object().get(pt) == simdjson::SUCCESS) {
                out.provisioned_read = static_cast<double>(GetInt(pt, "ReadCapacityUnits"));
                out.provisioned_write = static_cast<double>(GetInt(pt, "WriteCapacityUnits"));
            }
            std::string_view mode;
            out.on_demand = t["BillingModeSummary"]["BillingMode"].get_string().get(mode) ==
                                simdjson::SUCCESS &&
                            mode == "PAY_PER_REQUEST";
            if (out.provisioned_read <= 0 && out.provisioned_write <= 0)
                out.on_demand = true;
            for (const char *kind : {"GlobalSecondaryIndexes", "LocalSecondaryIndexes"}) {
                simdjson::dom::array indexes;
                if (t[kind].get_array().get(indexes) != simdjson::SUCCESS)
                    continue;
                for (simdjson::dom::element ix : indexes) {
                    IndexDescription d;
                    d.global = kind[0] == 'G';
                    d.name = std::string(GetString(ix["IndexName"], "IndexName"));
                    ParseKeySchema(ix["KeySchema"].get_array(), defs, d.hash, d.has_range, d.range);
                    simdjson::dom::object proj;
                    if (ix["Projection"].get_object().get(proj) == simdjson::SUCCESS) {
                        std::string_view pt;
                        if (proj["ProjectionType"].get_string().get(pt) == simdjson::SUCCESS)
                            d.projection_type = std::string(pt);
                        simdjson::dom::array nka;
                        if (proj["NonKeyAttributes"].get_array().get(nka) == simdjson::SUCCESS)
                            for (simdjson::dom::element a : nka)
                                d.non_key_attributes.emplace_back(GetString(a, "NonKeyAttributes"));
                    }
                    out.indexes.push_back(std::move(d));
                }
            }
        },
        abort);
}

std::string DynamoClient::ReadRequestBody(const ReadRequest &r, const Item &start) {
    rapidjson::StringBuffer sb;
    Writer w(sb);
    w.StartObject();
    w.Key("TableName");
    WriteString(w, r.table);
    if (!r.index.empty()) {
        w.Key("IndexName");
        WriteString(w, r.index);
    }
    if (r.query) {
        w.Key("KeyConditionExpression");
        WriteString(w, r.key_condition);
        if (!r.scan_forward) {
            w.Key("ScanIndexForward");
            w.Bool(false);
        }
    }
    if (!r.filter.empty()) {
        w.Key("FilterExpression");
        WriteString(w, r.filter);
    }
    if (r.count_only) {
        w.Key("Select");
        w.String("COUNT");
    } else if (!r.projection.empty()) {
        w.Key("ProjectionExpression");
        WriteString(w, r.projection);
    }
    WriteExpressionNames(w, r.names);
    WriteExpressionValues(w, r.values);
    if (r.limit > 0) {
        w.Key("Limit");
        w.Int64(r.limit);
    }
    if (r.consistent_read) {
        w.Key("ConsistentRead");
        w.Bool(true);
    }
    if (r.segment >= 0 && r.total_segments > 1) {
        w.Key("Segment");
        w.Int(r.segment);
        w.Key("TotalSegments");
        w.Int(r.total_segments);
    }
    if (!start.empty()) {
        w.Key("ExclusiveStartKey");
        WriteItem(w, start);
    }
    if (r.return_consumed) {
        w.Key("ReturnConsumedCapacity");
        w.String("TOTAL");
    }
    w.EndObject();
    return std::string(sb.GetString(), sb.GetSize());
}

namespace {

// Reads a Scan or Query response into `out`, reusing the storage of the items it held before.
void ParsePage(std::string_view text, bool count_only, Page &out) {
    out.last_evaluated_key.clear();
    out.count = out.scanned_count = 0;
    out.consumed_capacity = 0;
    simdjson::dom::element doc;
    if (Parser().parse(text.data(), text.size()).get(doc) != simdjson::SUCCESS)
        throw JsonError("response is not JSON");
    simdjson::dom::object o;
    if (doc.get_object().get(o) != simdjson::SUCCESS)
        throw JsonError("response is not a JSON object");
    size_t n = 0;
    simdjson::dom::array items;
    if (o["Items"].get_array().get(items) == simdjson::SUCCESS) {
        for (simdjson::dom::element it : items) {
            simdjson::dom::object io;
            if (it.get_object().get(io) != simdjson::SUCCESS)
                throw JsonError("an item is not a JSON object");
            if (n == out.items.size())
                out.items.emplace_back();
            ParseItemInto(io, out.items[n++]);
        }
    } else if (!count_only) {
        throw JsonError("response has no Items");
    }
    out.items.resize(n);
    simdjson::dom::object lek;
    if (o["LastEvaluatedKey"].get_object().get(lek) == simdjson::SUCCESS)
        ParseItemInto(lek, out.last_evaluated_key);
    out.count = GetInt(o, "Count");
    out.scanned_count = GetInt(o, "ScannedCount");
    simdjson::dom::object cc;
    if (o["ConsumedCapacity"].get_object().get(cc) == simdjson::SUCCESS) {
        double units = 0;
        if (cc["CapacityUnits"].get_double().get(units) == simdjson::SUCCESS)
            out.consumed_capacity = units;
    }
}

}  // namespace

Error DynamoClient::Read(const ReadRequest &request, const Item &start, Page &out, AbortFn abort) {
    const bool count_only = request.count_only;
    return Call(
        request.query ? "Query" : "Scan", ReadRequestBody(request, start),
        [&](std::string_view text) { ParsePage(text, count_only, out); }, abort);
}

}  // namespace dynamo

namespace dynamo {
namespace {

// ProjectionExpression, ExpressionAttributeNames and ConsistentRead of a read request, for
// GetItem and BatchGetItem (which take no conditions).
void WriteProjection(Writer &w, const ReadRequest &r) {
    if (!r.projection.empty()) {
        w.Key("ProjectionExpression");
        WriteString(w, r.projection);
        WriteExpressionNames(w, r.names);
    }
    if (r.consistent_read) {
        w.Key("ConsistentRead");
        w.Bool(true);
    }
}

double ConsumedUnits(simdjson::dom::element doc) {
    double total = 0;
    simdjson::dom::element cc;
    if (doc["ConsumedCapacity"].get(cc) != simdjson::SUCCESS)
        return 0;
    auto add = [&](simdjson::dom::element e) {
        double u = 0;
        if (e["CapacityUnits"].get_double().get(u) == simdjson::SUCCESS)
            total += u;
    };
    simdjson::dom::array arr;
    if (cc.get_array().get(arr) == simdjson::SUCCESS) {
        for (simdjson::dom::element e : arr)
            add(e);
    } else {
        add(cc);
    }
    return total;
}

}  // namespace

std::string DynamoClient::GetItemBody(const ReadRequest &r, const Item &key) {
    rapidjson::StringBuffer sb;
    Writer w(sb);
    w.StartObject();
    w.Key("TableName");
    WriteString(w, r.table);
    w.Key("Key");
    WriteItem(w, key);
    WriteProjection(w, r);
    if (r.return_consumed) {
        w.Key("ReturnConsumedCapacity");
        w.String("TOTAL");
    }
    w.EndObject();
    return std::string(sb.GetString(), sb.GetSize());
}

std::string DynamoClient::BatchGetItemBody(const ReadRequest &r, const std::vector<Item> &keys) {
    rapidjson::StringBuffer sb;
    Writer w(sb);
    w.StartObject();
    w.Key("RequestItems");
    w.StartObject();
    WriteString(w, r.table);
    w.StartObject();
    w.Key("Keys");
    w.StartArray();
    for (const Item &k : keys)
        WriteItem(w, k);
    w.EndArray();
    WriteProjection(w, r);
    w.EndObject();
    w.EndObject();
    if (r.return_consumed) {
        w.Key("ReturnConsumedCapacity");
        w.String("TOTAL");
    }
    w.EndObject();
    return std::string(sb.GetString(), sb.GetSize());
}

Error DynamoClient::GetItem(const ReadRequest &request, const Item &key, bool &found, Item &out,
                            AbortFn abort) {
    found = false;
    return Call(
        "GetItem", GetItemBody(request, key),
        [&](std::string_view text) {
            out.clear();
            found = false;
            simdjson::dom::element doc;
            if (Parser().parse(text.data(), text.size()).get(doc) != simdjson::SUCCESS)
                throw JsonError("GetItem response is not JSON");
            simdjson::dom::object item;
            if (doc["Item"].get_object().get(item) == simdjson::SUCCESS) {
                out = ParseItem(item);
                found = true;
            }
            last_consumed_ = ConsumedUnits(doc);
        },
        abort);
}

Error DynamoClient::BatchGetItem(const ReadRequest &request, const std::vector<Item> &keys,
                                 Page &out, AbortFn abort) {
    out.items.clear();
    out.last_evaluated_key.clear();
    out.count = out.scanned_count = 0;
    out.consumed_capacity = 0;
    if (keys.empty())
        return Error{};
    std::vector<Item> pending = keys;
    // Keys DynamoDB did not get to are asked for again.
    auto round = [&](size_t &left) {
        std::vector<Item> unprocessed;
        Error err = Call(
            "BatchGetItem", BatchGetItemBody(request, pending),
            [&](std::string_view text) {
                unprocessed.clear();
                simdjson::dom::element doc;
                if (Parser().parse(text.data(), text.size()).get(doc) != simdjson::SUCCESS)
                    throw JsonError("BatchGetItem response is not JSON");
                simdjson::dom::array items;
                if (doc["Responses"][request.table].get_array().get(items) == simdjson::SUCCESS)
                    for (simdjson::dom::element it : items) {
                        simdjson::dom::object io;
                        if (it.get_object().get(io) != simdjson::SUCCESS)
                            throw JsonError("an item is not a JSON object");
                        out.items.push_back(ParseItem(io));
                    }
                simdjson::dom::array rest;
                if (doc["UnprocessedKeys"][request.table]["Keys"].get_array().get(rest) ==
                    simdjson::SUCCESS)
                    for (simdjson::dom::element k : rest) {
                        simdjson::dom::object ko;
                        if (k.get_object().get(ko) != simdjson::SUCCESS)
                            throw JsonError("an unprocessed key is not a JSON object");
                        unprocessed.push_back(ParseItem(ko));
                    }
                out.consumed_capacity += ConsumedUnits(doc);
            },
            abort);
        pending.swap(unprocessed);
        left = err.ok() ? pending.size() : 0;
        return err;
    };
    Error err = InRounds("BatchGetItem", request.table, "UnprocessedKeys", "keys", round, abort);
    if (!err.ok())
        return err;
    out.count = out.scanned_count = static_cast<int64_t>(out.items.size());
    return Error{};
}

long FullJitterDelay(const RetryPolicy &policy, int attempt) {
    static thread_local std::mt19937_64 rng{std::random_device{}()};
    long ceiling = policy.base_delay_ms << std::min(attempt, 20);
    if (ceiling > policy.max_delay_ms || ceiling <= 0)
        ceiling = policy.max_delay_ms;
    return std::uniform_int_distribution<long>(0, std::max(0L, ceiling))(rng);
}

Error DynamoClient::InRounds(const std::string &operation, const std::string &table,
                             const char *field, const char *what,
                             const std::function<Error(size_t &left)> &round, AbortFn abort) {
    const RetryPolicy &p = config_.retry;
    const auto started = Clock::now();
    for (int n = 1;; ++n) {
        size_t left = 0;
        Error err = round(left);
        if (!err.ok() || left == 0)
            return err;
        long elapsed =
            std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count();
        Error e;
        e.operation = operation;
        e.attempts = n;
        if (n >= p.max_attempts || elapsed >= p.max_total_ms) {
            e.kind = ErrorKind::Budget;
            e.type = field;
            e.message = std::to_string(left) + " " + what + " were still unprocessed";
            return e;
        }
        CountRetry(operation);
        // Entries left unprocessed are DynamoDB running short of capacity: the table's backoff
        // holds the next round back with every other request to the table.
        if (PacerFor(table)->OnUnprocessed(Clock::now(),
                                           BackoffPolicy{p.base_delay_ms, p.max_delay_ms}))
            continue;
        long delay = std::min(FullJitterDelay(p, n), std::max(0L, p.max_total_ms - elapsed));
        if (!Sleep(delay, abort)) {
            e.kind = ErrorKind::Aborted;
            e.message = "request cancelled";
            return e;
        }
    }
}

bool DynamoClient::Sleep(long ms, AbortFn abort) {
    const auto until = Clock::now() + std::chrono::milliseconds(ms);
    ReportedWait reported(WaitKind::Request);
    while (Clock::now() < until)
        if (!WaitForProgress(progress(), until, abort))
            return false;
    return abort == nullptr || !abort();
}

}  // namespace dynamo
