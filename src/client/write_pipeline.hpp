// Writes kept in flight: a statement's write requests (BatchWriteItem of a batch, or a single
// PutItem, UpdateItem or DeleteItem) go out while the statement goes on producing rows, up to a
// set number at once. Pure C++; the fdw layer decides which writes may go this way
// (src/fdw/batch_writer.cpp) and turns failures into errors.
#pragma once

#ifdef POSTGRES_H
#error "src/client must not see postgres.h"
#endif

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "client/dynamodb_client.hpp"
#include "client/write_batch.hpp"

namespace dynamo {

// A single write whose condition DynamoDB refused (ConditionalCheckFailedException).
struct RefusedWrite {
    uint64_t tag = 0;  // the caller's, given with the write
    Item key;
};

// Keeps up to `max_in_flight` write requests of one statement in flight on the client's I/O
// thread. Each request is retried under the client's RetryPolicy; a BatchWriteItem's
// UnprocessedItems are sent again, in rounds, as DynamoClient::BatchWriteItem does. A write
// waits until no earlier write of the same key is in flight, so that the later write of a key
// wins, as it would one request at a time. A throttle (or unprocessed items) raises the table's
// shared backoff (TablePacer, capacity.hpp), which holds back every request to the table: these
// writes, and the statement's reads. Once a write has finally failed the pipeline sends nothing
// more; what was written and which keys were not stay known. Used from one thread; waits ask
// `abort` as they wake (see HttpClient::WaitForCompletion) and cancel everything in flight when
// it says stop. Destroying the pipeline cancels what is in flight without waiting.
class WritePipeline {
  public:
    WritePipeline(DynamoClient *client, const TableDescription &desc, std::string table,
                  int max_in_flight);
    ~WritePipeline();
    WritePipeline(const WritePipeline &) = delete;
    WritePipeline &operator=(const WritePipeline &) = delete;

    // Sends `writes` (distinct keys, at most kBatchWriteLimit) as one BatchWriteItem, or as a
    // PutItem or DeleteItem when there is one, once there is room. False when the pipeline has
    // failed (before or while waiting for room); the writes are then not sent, and are counted
    // as not written.
    bool SubmitBatch(std::vector<BatchWrite> &&writes, AbortFn abort);
    // Sends one PutItem, UpdateItem or DeleteItem (`operation`) of request.item once there is
    // room. A refused condition is not a failure: it is listed in refused() with `tag`.
    bool SubmitSingle(const std::string &operation, const WriteRequest &request, uint64_t tag,
                      AbortFn abort);
    // Collects the requests that completed, without waiting. False when the pipeline has failed.
    bool Poll();
    // Waits until nothing is in flight. False when the pipeline has failed (or abort said stop:
    // error() is then Aborted and everything in flight is cancelled).
    bool Drain(AbortFn abort);

    bool failed() const { return failed_; }
    // The first failure (an Aborted error replaces it).
    const Error &error() const { return error_; }
    // Single writes refused since the caller last emptied this list, in completion order.
    std::vector<RefusedWrite> &refused() { return refused_; }
    // Items written so far (a refused single write is not).
    int64_t written() const { return written_; }
    // Writes that finally failed, or were given after the failure.
    int64_t unwritten() const { return unwritten_count_; }
    // Their keys (the first ones) as plain JSON objects joined by ", ", with ", ..." after them
    // when there are more.
    std::string UnwrittenKeysText(size_t shown) const;
    // Requests in the pipeline's care now (sent, or waiting out a backoff), and at most at once.
    int in_flight() const { return static_cast<int>(entries_.size()); }
    int most_in_flight() const { return most_in_flight_; }
    int max_in_flight() const { return max_in_flight_; }

  private:
    struct Entry;
    bool WaitForRoom(const std::vector<std::string> &ids, AbortFn abort);
    void Send(Entry &e);
    // Moves the entry on; true once it is finished (and accounted for).
    bool Step(Entry &e);
    void Collect();
    void Fail(const Error &err, const std::vector<BatchWrite> &writes);
    void Abort();
    // Waits (reported as the host wants) for a completion after `seen`, or the next wake-up.
    bool Wait(uint64_t seen, AbortFn abort);
    void Finish(Entry &e);
    std::chrono::steady_clock::time_point NextWake() const;

    DynamoClient *client_;
    std::string table_;
    int max_in_flight_;
    WriteBatch keys_;  // the key identity of an item (KeyId)
    std::string hash_, range_;
    std::vector<std::unique_ptr<Entry>> entries_;
    std::map<std::string, int> keys_in_flight_;
    bool failed_ = false;
    Error error_;
    std::vector<RefusedWrite> refused_;
    int64_t written_ = 0;
    int64_t unwritten_count_ = 0;
    std::vector<Item> unwritten_keys_;  // the first few
    int most_in_flight_ = 0;
};

}  // namespace dynamo
