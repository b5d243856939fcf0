#include "client/read_cursor.hpp"

#include <simdjson.h>

#include <algorithm>
#include <cstring>
#include <mutex>
#include <new>
#include <string>
#include <utility>

#include "client/host_wait.hpp"
#include "client/http.hpp"
#include "client/json_codec.hpp"

namespace dynamo {

struct ReadCursor::Buffer {
    simdjson::dom::document doc;
    bool count_only = false;
    simdjson::dom::array::iterator next;  // first item not handed out
    size_t left = 0;                      // items not handed out
    bool first = true;                    // no chunk handed out yet
    Item last_evaluated_key;
    int64_t count = 0;
    int64_t scanned = 0;
    double consumed = 0;
};

namespace {

constexpr size_t kBatchGetKeys = 100;  // DynamoDB's limit per BatchGetItem request

static_assert(kParsePadding >= simdjson::SIMDJSON_PADDING,
              "response bodies must leave room for simdjson's padding");

void ClearPage(Page &page) {
    page.items.clear();
    page.last_evaluated_key.clear();
    page.count = page.scanned_count = 0;
    page.consumed_capacity = 0;
}

int64_t GetCount(simdjson::dom::object o, const char *field) {
    int64_t v = 0;
    if (o[field].get_int64().get(v) != simdjson::SUCCESS)
        v = 0;
    return v;
}

}  // namespace

void ReadCursor::ParseResponse(std::string_view text, Buffer &b) {
    thread_local simdjson::dom::parser parser;
    b.left = 0;
    b.first = true;
    b.last_evaluated_key.clear();
    b.count = b.scanned = 0;
    b.consumed = 0;
    // Grown with room to spare, so that pages of about the same size are parsed into the same
    // memory page after page instead of reallocating it (only the memory a page uses is
    // touched).
    const size_t capacity = text.size() + text.size() / 2;
    if (parser.capacity() < text.size() && parser.allocate(capacity) != simdjson::SUCCESS)
        throw std::bad_alloc();
    if (b.doc.capacity() < text.size() && b.doc.allocate(capacity) != simdjson::SUCCESS)
        throw std::bad_alloc();
    simdjson::dom::element root;
    if (parser.parse_into_document(b.doc, text.data(), text.size(), false).get(root) !=
        simdjson::SUCCESS)
        throw JsonError("response is not JSON");
    simdjson::dom::object o;
    if (root.get_object().get(o) != simdjson::SUCCESS)
        throw JsonError("response is not a JSON object");
    simdjson::dom::array items;
    if (o["Items"].get_array().get(items) == simdjson::SUCCESS) {
        // The page's structure is checked here, where a bad page can still be requested
        // again; each item is read (and its attributes checked) once, when it is handed out.
        size_t n = 0;
        for (simdjson::dom::element it : items) {
            if (!it.is_object())
                throw JsonError("an item is not a JSON object");
            n++;
        }
        b.next = items.begin();
        b.left = n;
    } else if (!b.count_only) {
        throw JsonError("response has no Items");
    }
    simdjson::dom::object lek;
    if (o["LastEvaluatedKey"].get_object().get(lek) == simdjson::SUCCESS)
        ParseItemInto(lek, b.last_evaluated_key);
    b.count = GetCount(o, "Count");
    b.scanned = GetCount(o, "ScannedCount");
    simdjson::dom::object cc;
    if (o["ConsumedCapacity"].get_object().get(cc) == simdjson::SUCCESS) {
        double units = 0;
        if (cc["CapacityUnits"].get_double().get(units) == simdjson::SUCCESS)
            b.consumed = units;
    }
}

ReadCursor::ReadCursor(DynamoClient *client, ReadPlan plan)
    : client_(client), plan_(std::move(plan)) {
    multi_ = plan_.kind == ReadPlan::Kind::Query && !plan_.partition_values.empty();
}

ReadCursor::~ReadCursor() {
    CancelAll();
}

void ReadCursor::Release(Buffer *&buffer) {
    if (buffer != nullptr)
        spare_.push_back(buffer);
    buffer = nullptr;
}

void ReadCursor::CancelAll() {
    for (auto &s : streams_) {
        if (s->call) {
            s->call->Cancel();
            s->call.reset();
        }
        Release(s->buffer);
        s->ready = false;
    }
    ready_.clear();
    Release(current_);
}

void ReadCursor::Rewind() {
    CancelAll();
    streams_.clear();
    next_segment_ = 0;
    started_ = false;
    failed_ = Error{};
    next_key_ = 0;
    finished_ = false;
}

void ReadCursor::Request(Stream &s) {
    if (spare_.empty()) {
        buffers_.push_back(std::make_unique<Buffer>());
        spare_.push_back(buffers_.back().get());
    }
    Buffer *b = spare_.back();
    spare_.pop_back();
    b->count_only = s.request.count_only;
    s.buffer = b;
    std::string body;
    const double budget = client_->ReadBudget(s.request.table);
    if (budget > 0) {
        // Under a read budget, pages are kept to about a fifth of a second's budget, so that
        // no page alone overdraws it (DynamoDB goes on where a page with a Limit stopped).
        ReadRequest paced = s.request;
        int64_t limit = PacedPageLimit(budget, units_per_item_);
        paced.limit = paced.limit > 0 ? std::min(paced.limit, limit) : limit;
        body = DynamoClient::ReadRequestBody(paced, s.start_key);
    } else {
        body = DynamoClient::ReadRequestBody(s.request, s.start_key);
    }
    s.call = client_->Start(
        s.request.query ? "Query" : "Scan", std::move(body),
        [b](std::string_view text) { ParseResponse(text, *b); }, true);
}

void ReadCursor::StartStreams() {
    started_ = true;
    const int total = plan_.request.total_segments;
    if (plan_.kind == ReadPlan::Kind::Scan && total > 1) {
        int n = std::min(total, kMaxSegmentsInFlight);
        for (int i = 0; i < n; i++) {
            streams_.push_back(std::make_unique<Stream>());
            streams_.back()->request = plan_.request;
            streams_.back()->request.segment = i;
        }
        next_segment_ = static_cast<size_t>(n);
    } else {
        streams_.push_back(std::make_unique<Stream>());
        Stream &s = *streams_.back();
        s.request = plan_.request;
        if (multi_)
            for (auto &v : s.request.values)
                if (v.first == plan_.partition_placeholder)
                    v.second = plan_.partition_values[0];
    }
    for (auto &s : streams_)
        Request(*s);
}

bool ReadCursor::Advance(Stream &s, const Item &last_evaluated_key) {
    if (!last_evaluated_key.empty()) {
        s.start_key = last_evaluated_key;
        return true;
    }
    s.start_key.clear();
    if (multi_ && s.value + 1 < plan_.partition_values.size()) {
        s.value++;
        for (auto &v : s.request.values)
            if (v.first == plan_.partition_placeholder)
                v.second = plan_.partition_values[s.value];
        return true;
    }
    // A segment that ends hands its place to the first segment not yet started.
    if (plan_.kind == ReadPlan::Kind::Scan &&
        next_segment_ < static_cast<size_t>(std::max(plan_.request.total_segments, 0))) {
        s.request.segment = static_cast<int>(next_segment_++);
        return true;
    }
    s.finished = true;
    return false;
}

bool ReadCursor::StreamsDone() const {
    return std::all_of(streams_.begin(), streams_.end(),
                       [](const std::unique_ptr<Stream> &s) { return s->finished; });
}

void ReadCursor::FillChunk(Page &page) {
    Buffer &b = *current_;
    page.last_evaluated_key.clear();
    page.scanned_count = b.first ? b.scanned : 0;
    page.consumed_capacity = b.first ? b.consumed : 0;
    b.first = false;
    if (b.count_only) {
        page.items.clear();
        page.count = b.count;
        b.left = 0;
    } else {
        size_t n = std::min(kItemsPerChunk, b.left);
        for (size_t i = 0; i < n; i++, ++b.next) {
            if (i == page.items.size())
                page.items.emplace_back();
            simdjson::dom::object o;
            if ((*b.next).get_object().get(o) != simdjson::SUCCESS)
                throw JsonError("an item is not a JSON object");
            ParseItemInto(o, page.items[i]);
        }
        page.items.resize(n);
        page.count = static_cast<int64_t>(n);
        b.left -= n;
    }
    if (b.left == 0)
        Release(current_);
}

Error ReadCursor::NextStreamed(Page &page, bool &done, AbortFn abort) {
    if (!started_) {
        StartStreams();
    } else if (!plan_.prefetch) {
        for (auto &s : streams_)
            if (!s->finished && !s->ready && !s->call)
                Request(*s);
    }
    for (;;) {
        if (current_ != nullptr) {
            try {
                FillChunk(page);
            } catch (const JsonError &e) {
                // An item DynamoDB's JSON grammar allows but its attribute format does not:
                // the page cannot be taken back, so the read fails.
                CancelAll();
                failed_.kind = ErrorKind::Transport;
                failed_.operation = plan_.kind == ReadPlan::Kind::Query ? "Query" : "Scan";
                failed_.message = std::string("invalid item in the response: ") + e.what();
                failed_.attempts = 1;
                ClearPage(page);
                return failed_;
            }
            done = current_ == nullptr && StreamsDone();
            return Error{};
        }
        if (!ready_.empty()) {
            // The next completed page: its items are handed out from here on, and its
            // sequence's next page is requested at once.
            Stream &s = *ready_.front();
            ready_.pop_front();
            s.ready = false;
            current_ = s.buffer;
            s.buffer = nullptr;
            requests_++;
            scanned_ += current_->scanned;
            consumed_ += current_->consumed;
            if (current_->scanned > 0 && current_->consumed > 0)
                units_per_item_ = current_->consumed / static_cast<double>(current_->scanned);
            if (Advance(s, current_->last_evaluated_key) && plan_.prefetch)
                Request(s);
            continue;
        }
        if (StreamsDone()) {
            ClearPage(page);
            done = true;
            return Error{};
        }
        // Collect what has completed; otherwise wait for a response or a backoff's end.
        const uint64_t seen = client_->progress();
        bool progressed = false;
        auto wake = std::chrono::steady_clock::time_point::max();
        for (auto &sp : streams_) {
            Stream &s = *sp;
            if (!s.call)
                continue;
            if (s.call->Poll()) {
                Error err = s.call->error();
                retries_ += s.call->attempts() - 1;
                waited_ms_ += s.call->waited_ms();
                s.call.reset();
                if (!err.ok()) {
                    CancelAll();
                    failed_ = err;
                    return err;
                }
                s.ready = true;
                ready_.push_back(&s);
                progressed = true;
            } else {
                wake = std::min(wake, s.call->wake_at());
            }
        }
        if (progressed)
            continue;
        // Waiting for the budget only when no request of the cursor is in flight.
        bool held = true;
        for (auto &sp : streams_)
            if (sp->call && !sp->call->held())
                held = false;
        bool waited;
        {
            ReportedWait reported(held ? WaitKind::Capacity : WaitKind::Request);
            waited = client_->WaitForProgress(seen, wake, abort);
        }
        if (!waited) {
            CancelAll();
            Error err;
            err.kind = ErrorKind::Aborted;
            err.operation = plan_.kind == ReadPlan::Kind::Query ? "Query" : "Scan";
            err.message = "request cancelled";
            failed_ = err;
            return err;
        }
    }
}

Error ReadCursor::Next(Page &page, bool &done, AbortFn abort) {
    if (!failed_.ok())
        return failed_;
    if (plan_.empty) {
        ClearPage(page);
        done = true;
        return Error{};
    }
    if (plan_.kind == ReadPlan::Kind::Scan || plan_.kind == ReadPlan::Kind::Query)
        return NextStreamed(page, done, abort);

    ClearPage(page);
    if (finished_) {
        done = true;
        return Error{};
    }
    Error err;
    // GetItem and BatchGetItem run to completion here: the client's retry count grows only
    // by theirs meanwhile.
    const int64_t retries_before = client_->stats().retries;
    const double waited_before = client_->stats().capacity_wait_ms;
    if (plan_.kind == ReadPlan::Kind::GetItem) {
        bool found = false;
        Item item;
        err = client_->GetItem(plan_.request, plan_.keys.at(0), found, item, abort);
        if (!err.ok())
            return err;
        requests_++;
        page.consumed_capacity = client_->last_consumed();
        if (found)
            page.items.push_back(std::move(item));
        page.count = page.scanned_count = static_cast<int64_t>(page.items.size());
        finished_ = true;
    } else {
        size_t end = std::min(plan_.keys.size(), next_key_ + kBatchGetKeys);
        std::vector<Item> chunk(plan_.keys.begin() + static_cast<long>(next_key_),
                                plan_.keys.begin() + static_cast<long>(end));
        if (!chunk.empty()) {
            err = client_->BatchGetItem(plan_.request, chunk, page, abort);
            if (!err.ok())
                return err;
            requests_++;
        }
        next_key_ = end;
        finished_ = next_key_ >= plan_.keys.size();
    }
    retries_ += client_->stats().retries - retries_before;
    waited_ms_ += client_->stats().capacity_wait_ms - waited_before;
    scanned_ += page.scanned_count;
    consumed_ += page.consumed_capacity;
    done = finished_;
    return Error{};
}

}  // namespace dynamo
