// Runs a planned read (Scan, Query, several Queries, GetItem, BatchGetItem) page by page.
#pragma once

#ifdef POSTGRES_H
#error "src/client must not see postgres.h"
#endif

#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "client/dynamodb_client.hpp"

namespace dynamo {

struct ReadPlan {
    enum class Kind { Scan, Query, GetItem, BatchGetItem };
    Kind kind = Kind::Scan;
    // Everything a Scan or Query sends; GetItem and BatchGetItem use its table, projection,
    // names and consistent_read. A Scan with request.total_segments > 1 is a parallel scan:
    // each segment is read as a sequence of its own.
    ReadRequest request;
    // Query: when more than one partition key value is given, one Query runs per value (each
    // to its last page), with the value placeholder `partition_placeholder` of request.values
    // set to each value in turn. Values must be distinct.
    std::string partition_placeholder;
    std::vector<AttributeValue> partition_values;
    // GetItem: one full key; BatchGetItem: distinct full keys, any number (sent 100 at a time).
    std::vector<Item> keys;
    // Scan and Query: request the next page while the current one is being consumed. Off for
    // reads with a limit, which may need no further page.
    bool prefetch = true;
    // The key condition matches nothing (a BETWEEN whose lower bound is above its upper one):
    // nothing is requested.
    bool empty = false;
};

// Most requests a cursor keeps in flight; a parallel scan with more segments reads them in
// turn, a new segment starting when one ends.
constexpr int kMaxSegmentsInFlight = 16;
// Most items one call of ReadCursor::Next hands out for a Scan or Query.
constexpr size_t kItemsPerChunk = 512;

// Scan and Query pages are requested on the client's I/O thread and parsed and checked there
// into a simdjson document; Next() turns its items into the caller's page a chunk at a time,
// reusing the storage of the items it held. With prefetch, a sequence's next page is requested
// as soon as its current one starts being handed out, and each segment of a parallel scan keeps
// one request in flight with at most one completed page waiting, so memory is bounded by the
// pages in flight. Used from one thread; destroying a cursor cancels its requests, frees its
// parsed pages and returns promptly.
class ReadCursor {
  public:
    ReadCursor(DynamoClient *client, ReadPlan plan);
    ~ReadCursor();
    ReadCursor(const ReadCursor &) = delete;
    ReadCursor &operator=(const ReadCursor &) = delete;

    // Fetches the next items into `page`, replacing its contents (the storage of the items it
    // held is reused): a GetItem's or BatchGetItem's answer, or up to kItemsPerChunk items of a
    // Scan or Query page (a count-only page carries its count). `done` becomes true when
    // nothing is left to hand out or request; the page of that call may still hold items.
    // Pages of a parallel scan come from any segment, in the order they complete; every item
    // comes out once. The figures of a DynamoDB page (scanned count, consumed capacity) come
    // with its first chunk. An error of any request (after its retries) is returned, and again
    // by every later call.
    Error Next(Page &page, bool &done, AbortFn abort);
    // Starts over from the first request.
    void Rewind();

    const ReadPlan &plan() const { return plan_; }
    // DynamoDB pages received (a page whose items are still being handed out included).
    int64_t requests() const { return requests_; }
    int64_t scanned() const { return scanned_; }
    double consumed() const { return consumed_; }
    // Requests sent again under the retry policy (throttling, server errors, broken or
    // invalid responses), for the pages received so far.
    int64_t retries() const { return retries_; }
    // Time the requests were held back by the table's budget or backoff, in milliseconds.
    double waited_ms() const { return waited_ms_; }

  private:
    // One Scan or Query response, parsed into a document on the I/O thread.
    struct Buffer;
    // One sequence of pages: a segment of a parallel scan, or the whole Scan or Query (with
    // its partition values in turn).
    struct Stream {
        ReadRequest request;
        size_t value = 0;  // index of the partition value in progress
        Item start_key;    // ExclusiveStartKey of the next page
        std::unique_ptr<PendingCall> call;
        Buffer *buffer = nullptr;  // written by `call`; a completed page while `ready`
        bool ready = false;
        bool finished = false;  // no request left
    };

    // The I/O thread's parse step of a Scan or Query response: the whole body into the
    // buffer's document, every item checked as Next() will read it, the page's figures.
    static void ParseResponse(std::string_view text, Buffer &b);
    Error NextStreamed(Page &page, bool &done, AbortFn abort);
    void StartStreams();
    void Request(Stream &s);
    // Moves the stream past the page just taken; false when it has no page left.
    bool Advance(Stream &s, const Item &last_evaluated_key);
    // Hands out the next chunk of current_, releasing it once it is used up.
    void FillChunk(Page &page);
    bool StreamsDone() const;
    void CancelAll();
    void Release(Buffer *&buffer);

    DynamoClient *client_;
    ReadPlan plan_;
    bool multi_ = false;     // Query on several partition values
    size_t next_key_ = 0;    // GetItem/BatchGetItem: first key not yet requested
    bool finished_ = false;  // GetItem/BatchGetItem
    std::vector<std::unique_ptr<Stream>> streams_;
    size_t next_segment_ = 0;     // parallel scan: first segment not yet started
    std::deque<Stream *> ready_;  // streams with a completed page, in completion order
    std::vector<std::unique_ptr<Buffer>> buffers_;  // every buffer made
    std::vector<Buffer *> spare_;                   // buffers not in use
    Buffer *current_ = nullptr;                     // the page whose items are handed out
    bool started_ = false;
    Error failed_;
    int64_t requests_ = 0;
    int64_t retries_ = 0;
    int64_t scanned_ = 0;
    double consumed_ = 0;
    double waited_ms_ = 0;
    // Capacity units a scanned item has consumed (the last page's), for paced page limits.
    double units_per_item_ = 0;
};

}  // namespace dynamo
