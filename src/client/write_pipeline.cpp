// Writes kept in flight (see write_pipeline.hpp). Pure C++.
#include "client/write_pipeline.hpp"

#include <simdjson.h>

#include <algorithm>
#include <utility>

#include "client/host_wait.hpp"
#include "client/json_codec.hpp"

namespace dynamo {

using Clock = std::chrono::steady_clock;

// One request in the pipeline's care: a batch (its writes not yet written, sent again in rounds
// while DynamoDB leaves some unprocessed) or a single write.
struct WritePipeline::Entry {
    std::string operation;
    bool batch = false;
    std::vector<BatchWrite> writes;  // batch: the writes of this round
    std::vector<BatchWrite> left;    // batch: what the last answer left unprocessed
    WriteRequest request;            // single
    uint64_t tag = 0;
    std::vector<std::string> key_ids;
    std::unique_ptr<PendingCall> call;
    int round = 1;
    Clock::time_point started = Clock::now();
    bool resend_wait = false;  // batch: waiting out its own backoff before the next round
    Clock::time_point resend_at;
};

namespace {

simdjson::dom::parser &Parser() {
    static thread_local simdjson::dom::parser parser;
    return parser;
}

// The answer of a single write needs no more than to be JSON (a truncated body is retried).
void CheckJson(std::string_view text) {
    simdjson::dom::element doc;
    if (Parser().parse(text.data(), text.size()).get(doc) != simdjson::SUCCESS)
        throw JsonError("response is not JSON");
}

}  // namespace

WritePipeline::WritePipeline(DynamoClient *client, const TableDescription &desc, std::string table,
                             int max_in_flight)
    : client_(client), table_(std::move(table)), max_in_flight_(std::max(1, max_in_flight)) {
    keys_.SetKey(desc);
    hash_ = desc.hash.name;
    if (desc.has_range)
        range_ = desc.range.name;
}

WritePipeline::~WritePipeline() {
    for (auto &e : entries_)
        if (e->call)
            e->call->Cancel();
}

void WritePipeline::Send(Entry &e) {
    std::string body;
    ParseFn parse;
    if (e.batch) {
        body = DynamoClient::BatchWriteItemBody(table_, e.writes);
        Entry *entry = &e;
        const std::string *table = &table_;
        parse = [entry, table](std::string_view text) {
            entry->left.clear();
            simdjson::dom::element doc;
            if (Parser().parse(text.data(), text.size()).get(doc) != simdjson::SUCCESS)
                throw JsonError("BatchWriteItem response is not JSON");
            simdjson::dom::array pending;
            if (doc["UnprocessedItems"][*table].get_array().get(pending) != simdjson::SUCCESS)
                return;
            for (simdjson::dom::element u : pending) {
                BatchWrite bw;
                simdjson::dom::object o;
                if (u["PutRequest"]["Item"].get_object().get(o) == simdjson::SUCCESS) {
                    bw.item = ParseItem(o);
                } else if (u["DeleteRequest"]["Key"].get_object().get(o) == simdjson::SUCCESS) {
                    bw.is_delete = true;
                    bw.item = ParseItem(o);
                } else {
                    throw JsonError("an unprocessed item is neither a put nor a delete");
                }
                entry->left.push_back(std::move(bw));
            }
        };
    } else {
        if (e.operation == "PutItem")
            body = DynamoClient::PutItemBody(e.request);
        else if (e.operation == "UpdateItem")
            body = DynamoClient::UpdateItemBody(e.request);
        else
            body = DynamoClient::DeleteItemBody(e.request);
        parse = CheckJson;
    }
    e.call = client_->Start(e.operation, std::move(body), std::move(parse), false);
}

void WritePipeline::Fail(const Error &err, const std::vector<BatchWrite> &writes) {
    if (!failed_) {
        failed_ = true;
        error_ = err;
    }
    unwritten_count_ += static_cast<int64_t>(writes.size());
    for (const BatchWrite &w : writes) {
        if (unwritten_keys_.size() > 10)
            break;
        Item key;
        for (const auto &attr : w.item)
            if (attr.first == hash_ || (!range_.empty() && attr.first == range_))
                key.push_back(attr);
        unwritten_keys_.push_back(std::move(key));
    }
}

void WritePipeline::Finish(Entry &e) {
    for (const std::string &id : e.key_ids) {
        auto it = keys_in_flight_.find(id);
        if (it != keys_in_flight_.end() && --it->second == 0)
            keys_in_flight_.erase(it);
    }
}

bool WritePipeline::Step(Entry &e) {
    if (e.resend_wait) {
        if (Clock::now() < e.resend_at)
            return false;
        e.resend_wait = false;
        Send(e);
        return false;
    }
    if (!e.call->Poll())
        return false;
    Error err = e.call->error();
    e.call.reset();
    if (!e.batch) {
        if (err.kind == ErrorKind::Service && err.type == "ConditionalCheckFailedException") {
            RefusedWrite r;
            r.tag = e.tag;
            r.key = std::move(e.request.item);
            refused_.push_back(std::move(r));
        } else if (!err.ok()) {
            BatchWrite w;
            w.item = std::move(e.request.item);
            Fail(err, {w});
        } else {
            written_++;
        }
        return true;
    }
    if (!err.ok()) {
        Fail(err, e.writes);
        return true;
    }
    written_ += static_cast<int64_t>(e.writes.size() - std::min(e.writes.size(), e.left.size()));
    if (e.left.empty())
        return true;
    // Items left unprocessed go again after a backoff, as DynamoClient::BatchWriteItem's rounds.
    const RetryPolicy &p = client_->config().retry;
    long elapsed =
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - e.started).count();
    if (e.round >= p.max_attempts || elapsed >= p.max_total_ms) {
        Error budget;
        budget.operation = "BatchWriteItem";
        budget.kind = ErrorKind::Budget;
        budget.type = "UnprocessedItems";
        budget.attempts = e.round;
        budget.message = std::to_string(e.left.size()) + " items were still unprocessed";
        Fail(budget, e.left);
        return true;
    }
    client_->CountRetry("BatchWriteItem");
    e.round++;
    e.writes.swap(e.left);
    e.left.clear();
    // Unprocessed items are DynamoDB's throttle of a batch: the table's backoff holds this
    // round back with every other request to the table, unless each request backs off alone.
    if (client_->PacerFor(table_)->OnUnprocessed(Clock::now(),
                                                 BackoffPolicy{p.base_delay_ms, p.max_delay_ms})) {
        Send(e);
        return false;
    }
    long delay = std::min(FullJitterDelay(p, e.round - 1), std::max(0L, p.max_total_ms - elapsed));
    e.resend_at = Clock::now() + std::chrono::milliseconds(delay);
    e.resend_wait = true;
    return false;
}

void WritePipeline::Collect() {
    for (size_t i = 0; i < entries_.size();) {
        if (Step(*entries_[i])) {
            Finish(*entries_[i]);
            entries_.erase(entries_.begin() + static_cast<long>(i));
        } else {
            ++i;
        }
    }
}

Clock::time_point WritePipeline::NextWake() const {
    Clock::time_point wake = Clock::time_point::max();
    for (const auto &e : entries_) {
        if (e->resend_wait)
            wake = std::min(wake, e->resend_at);
        else if (e->call)
            wake = std::min(wake, e->call->wake_at());
    }
    return wake;
}

bool WritePipeline::Wait(uint64_t seen, AbortFn abort) {
    // Waiting for capacity when every request is held back by the table's pacer.
    bool held = false, answer = false;
    for (const auto &e : entries_) {
        if (e->call && e->call->held())
            held = true;
        else
            answer = true;
    }
    ReportedWait reported(held && !answer ? WaitKind::Capacity : WaitKind::Request);
    return client_->WaitForProgress(seen, NextWake(), abort);
}

void WritePipeline::Abort() {
    for (auto &e : entries_) {
        if (e->call)
            e->call->Cancel();
        unwritten_count_ += e->batch ? static_cast<int64_t>(e->writes.size()) : 1;
    }
    entries_.clear();
    keys_in_flight_.clear();
    failed_ = true;
    error_ = Error{};
    error_.kind = ErrorKind::Aborted;
    error_.operation = "write";
    error_.message = "request cancelled";
}

bool WritePipeline::WaitForRoom(const std::vector<std::string> &ids, AbortFn abort) {
    for (;;) {
        uint64_t seen = client_->progress();
        Collect();
        if (failed_)
            return false;
        bool busy = static_cast<int>(entries_.size()) >= max_in_flight_;
        for (size_t i = 0; !busy && i < ids.size(); i++)
            busy = keys_in_flight_.count(ids[i]) > 0;
        if (!busy)
            return true;
        if (!Wait(seen, abort)) {
            Abort();
            return false;
        }
    }
}

bool WritePipeline::SubmitBatch(std::vector<BatchWrite> &&writes, AbortFn abort) {
    if (writes.empty())
        return !failed_;
    std::unique_ptr<Entry> e(new Entry());
    for (const BatchWrite &w : writes)
        e->key_ids.push_back(keys_.KeyId(w.item));
    if (!WaitForRoom(e->key_ids, abort)) {
        unwritten_count_ += static_cast<int64_t>(writes.size());
        return false;
    }
    if (writes.size() == 1) {
        e->operation = writes[0].is_delete ? "DeleteItem" : "PutItem";
        e->request.table = table_;
        e->request.item = std::move(writes[0].item);
    } else {
        e->operation = "BatchWriteItem";
        e->batch = true;
        e->writes = std::move(writes);
    }
    for (const std::string &id : e->key_ids)
        keys_in_flight_[id]++;
    Send(*e);
    entries_.push_back(std::move(e));
    most_in_flight_ = std::max(most_in_flight_, static_cast<int>(entries_.size()));
    return true;
}

bool WritePipeline::SubmitSingle(const std::string &operation, const WriteRequest &request,
                                 uint64_t tag, AbortFn abort) {
    std::unique_ptr<Entry> e(new Entry());
    e->key_ids.push_back(keys_.KeyId(request.item));
    if (!WaitForRoom(e->key_ids, abort)) {
        unwritten_count_++;
        return false;
    }
    e->operation = operation;
    e->request = request;
    e->tag = tag;
    keys_in_flight_[e->key_ids[0]]++;
    Send(*e);
    entries_.push_back(std::move(e));
    most_in_flight_ = std::max(most_in_flight_, static_cast<int>(entries_.size()));
    return true;
}

bool WritePipeline::Poll() {
    Collect();
    return !failed_;
}

bool WritePipeline::Drain(AbortFn abort) {
    for (;;) {
        uint64_t seen = client_->progress();
        Collect();
        if (entries_.empty())
            return !failed_;
        if (!Wait(seen, abort)) {
            Abort();
            return false;
        }
    }
}

std::string WritePipeline::UnwrittenKeysText(size_t shown) const {
    std::string out;
    for (size_t i = 0; i < unwritten_keys_.size() && i < shown; i++) {
        if (i > 0)
            out += ", ";
        AppendItemPlainJson(out, unwritten_keys_[i], {});
    }
    if (unwritten_count_ > static_cast<int64_t>(std::min(shown, unwritten_keys_.size())))
        out += out.empty() ? "..." : ", ...";
    return out;
}

}  // namespace dynamo
