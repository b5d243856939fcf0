// The DynamoDB operations the wrapper uses, over HttpClient, with SigV4 signing and one retry
// policy. Pure C++; errors are returned as values.
#pragma once

#ifdef POSTGRES_H
#error "src/client must not see postgres.h"
#endif

#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "client/attribute_value.hpp"
#include "client/capacity.hpp"
#include "client/errors.hpp"
#include "client/expression.hpp"
#include "client/http.hpp"
#include "client/sigv4.hpp"

namespace dynamo {

struct RetryPolicy {
    int max_attempts = 10;      // requests per operation, first one included
    long base_delay_ms = 25;    // backoff before retry n is uniform in [0, min(cap, base*2^n)]
    long max_delay_ms = 2000;   // the cap
    long max_total_ms = 60000;  // no retry starts after this much time on one operation
};

// The backoff before retry `attempt` (1-based), in milliseconds: full jitter, uniform in
// [0, min(max_delay_ms, base_delay_ms * 2^attempt)].
long FullJitterDelay(const RetryPolicy &policy, int attempt);

struct ClientConfig {
    std::string region;
    std::string endpoint_url;  // empty: https://dynamodb.<region>.amazonaws.com
    Credentials credentials;
    HttpOptions http;
    RetryPolicy retry;
};

struct KeyAttribute {
    std::string name;
    AttrType type = AttrType::S;  // S, N or B
};

struct IndexDescription {
    std::string name;
    bool global = false;
    KeyAttribute hash;
    bool has_range = false;
    KeyAttribute range;
    std::string projection_type;  // ALL, KEYS_ONLY, INCLUDE
    std::vector<std::string> non_key_attributes;
};

struct TableDescription {
    std::string name;
    std::string status;
    KeyAttribute hash;
    bool has_range = false;
    KeyAttribute range;
    std::vector<IndexDescription> indexes;
    int64_t item_count = 0;
    int64_t size_bytes = 0;
    // ProvisionedThroughput of the table (0 when on demand); on_demand: BillingMode
    // PAY_PER_REQUEST.
    double provisioned_read = 0;
    double provisioned_write = 0;
    bool on_demand = false;
};

// A Scan or Query request. Expression strings use #n / :v placeholders whose values are in
// names / values.
struct ReadRequest {
    bool query = false;  // Query when true, Scan otherwise
    std::string table;
    std::string index;  // empty: the table itself
    std::string key_condition;
    std::string filter;
    std::string projection;
    std::vector<std::pair<std::string, std::string>> names;      // "#n0" -> attribute name
    std::vector<std::pair<std::string, AttributeValue>> values;  // ":v0" -> value
    int64_t limit = 0;                                           // 0: no Limit
    bool consistent_read = false;
    bool scan_forward = true;
    bool count_only = false;
    int segment = -1;  // >= 0 with total_segments > 1 for a parallel scan segment
    int total_segments = 0;
    // ReturnConsumedCapacity TOTAL, for callers that show the capacity read (EXPLAIN ANALYZE):
    // without it DynamoDB does not report it, and pages read as consuming 0.
    bool return_consumed = false;
};

struct Page {
    std::vector<Item> items;
    Item last_evaluated_key;  // empty when this was the last page
    int64_t count = 0;
    int64_t scanned_count = 0;
    double consumed_capacity = 0;
};

// Counters per backend client, for EXPLAIN ANALYZE and tests.
struct ClientStats {
    std::map<std::string, int64_t> requests;  // operation -> HTTP requests sent (retries included)
    std::map<std::string, int64_t> retried;   // operation -> retries among them
    int64_t retries = 0;                      // all operations
    int64_t throttled = 0;                    // requests DynamoDB throttled
    double read_units = 0;  // capacity reported consumed (paced requests, or on request)
    double write_units = 0;
    double capacity_wait_ms = 0;  // time requests were held back by a budget or the backoff
};

// A single-item write (PutItem, UpdateItem, DeleteItem). Expression strings use #n / :v
// placeholders; names and values declare exactly the placeholders they use.
struct WriteRequest {
    std::string table;
    Item item;              // PutItem: the whole item; UpdateItem, DeleteItem: the key
    std::string update;     // UpdateItem: UpdateExpression
    std::string condition;  // ConditionExpression, empty for none
    std::vector<std::pair<std::string, std::string>> names;
    std::vector<std::pair<std::string, AttributeValue>> values;
    bool return_values = false;  // UpdateItem: ALL_NEW; DeleteItem: ALL_OLD
};

// One request of a BatchWriteItem: a PutRequest of `item`, or a DeleteRequest of the key `item`.
struct BatchWrite {
    bool is_delete = false;
    Item item;
};

// Most requests one BatchWriteItem may carry.
constexpr size_t kBatchWriteLimit = 25;
// DynamoDB's limit on the size of one item.
constexpr size_t kItemSizeLimit = 400 * 1024;

class DynamoClient;
struct TransactAction;

// A function that reads a 200 response body; it may throw JsonError (or simdjson's errors) for
// a body that does not parse, which counts as a retryable transport failure.
using ParseFn = std::function<void(std::string_view)>;
// Bytes of allocated memory that follow a body handed to a parse step on the I/O thread, so
// that a parser that reads past the end (simdjson's padding) can read it in place.
constexpr size_t kParsePadding = 64;

// One DynamoDB operation in flight on the client's I/O thread, retried under the client's
// RetryPolicy as its attempts complete. Made by DynamoClient::Start and driven by Poll from the
// thread that made it; nothing here blocks except Cancel, which waits only for a parse step
// already running. Destroying it cancels it.
class PendingCall {
  public:
    ~PendingCall();
    PendingCall(const PendingCall &) = delete;
    PendingCall &operator=(const PendingCall &) = delete;

    // Collects a completed attempt, applies the retry policy and sends the next attempt once
    // its backoff is over. True once the operation is finished; error() is then its outcome
    // (ok, or the error as Call would return it). Rethrows what a parse step threw other than
    // a JSON error (std::bad_alloc, say).
    bool Poll();
    bool finished() const { return finished_; }
    const Error &error() const { return err_; }
    // The end of the backoff the call is waiting out; time_point::max() while a request is in
    // flight (or once finished).
    std::chrono::steady_clock::time_point wake_at() const;
    // Abandons the operation: the request in flight is cancelled, no parse step runs after this
    // returns, and the call is finished with an Aborted error.
    void Cancel();
    int attempts() const { return attempt_; }
    // Time this call was held back by its table's budget or backoff, in milliseconds.
    double waited_ms() const { return waited_ms_; }
    // Whether the call is waiting for its table's budget or backoff (not for an answer).
    bool held() const { return held_; }

  private:
    friend class DynamoClient;
    PendingCall(DynamoClient *client, const std::string &operation, std::string body, ParseFn parse,
                bool parse_on_io_thread);
    // Sends the next attempt, or, when the table's pacer holds it back, waits (wake_at).
    void Send();
    // The completion step on the I/O thread: parses a 200 response.
    void ParseOnIoThread(HttpResponse &response);
    // Tells the pacer how the attempt in flight ended.
    void FinishPaced(TablePacer::Outcome outcome);

    DynamoClient *client_;
    std::string operation_;
    std::string body_;
    ParseFn parse_;
    bool parse_on_io_;
    HttpTicket ticket_;
    int attempt_ = 0;
    std::chrono::steady_clock::time_point started_;
    std::chrono::steady_clock::time_point retry_at_;
    bool waiting_ = false;  // for retry_at_
    bool finished_ = false;
    Error err_;
    // Outcome of the parse step on the I/O thread, read once the request is complete.
    std::string parse_error_;
    std::exception_ptr parse_exception_;
    // Pacing (capacity.hpp): the table's pacer, when the operation reads or writes a table.
    std::shared_ptr<TablePacer> pacer_;
    CapacityKind kind_ = CapacityKind::Read;
    bool paced_in_flight_ = false;  // the attempt in flight holds a reservation
    double reserved_ = 0;
    bool held_ = false;  // waiting for the pacer since held_since_
    std::chrono::steady_clock::time_point held_since_;
    double waited_ms_ = 0;
    // Written by the completion step on the I/O thread, read once the request is complete.
    double consumed_ = 0;
    bool consumed_known_ = false;
};

class DynamoClient {
  public:
    explicit DynamoClient(const ClientConfig &config);

    Error ListTables(std::vector<std::string> &tables, AbortFn abort);
    Error DescribeTable(const std::string &table, TableDescription &out, AbortFn abort);
    // One page of a Scan or Query, starting after exclusive_start_key when it is not empty.
    Error Read(const ReadRequest &request, const Item &exclusive_start_key, Page &out,
               AbortFn abort);

    // GetItem of one full key. `found` is false when there is no such item.
    Error GetItem(const ReadRequest &request, const Item &key, bool &found, Item &out,
                  AbortFn abort);
    // BatchGetItem of up to 100 distinct full keys; UnprocessedKeys are requested again (with
    // the retry policy's backoff) until every key is answered. Items come in no particular order.
    Error BatchGetItem(const ReadRequest &request, const std::vector<Item> &keys, Page &out,
                       AbortFn abort);

    // Body of a Scan/Query request as sent (for EXPLAIN VERBOSE). Never contains credentials.
    static std::string ReadRequestBody(const ReadRequest &request, const Item &exclusive_start_key);
    // Bodies of GetItem / BatchGetItem requests as sent.
    static std::string GetItemBody(const ReadRequest &request, const Item &key);
    static std::string BatchGetItemBody(const ReadRequest &request, const std::vector<Item> &keys);

    // Writes (write_ops.cpp). A ConditionalCheckFailedException answer is not an error: it sets
    // condition_failed. `returned` receives the item's attributes when return_values is set
    // (empty when there was no such item).
    Error PutItem(const WriteRequest &request, bool &condition_failed, AbortFn abort);
    Error UpdateItem(const WriteRequest &request, bool &condition_failed, Item &returned,
                     AbortFn abort);
    Error DeleteItem(const WriteRequest &request, bool &condition_failed, Item &returned,
                     AbortFn abort);
    // Up to kBatchWriteLimit writes to one table, with distinct keys. UnprocessedItems are sent
    // again with the retry policy's backoff until all are written; on return `writes` holds
    // the writes that were not (empty on success; an Error of kind Budget when the retries ran
    // out, with type "UnprocessedItems").
    Error BatchWriteItem(const std::string &table, std::vector<BatchWrite> &writes, AbortFn abort);
    // Bodies of the write requests as sent.
    static std::string PutItemBody(const WriteRequest &request);
    static std::string UpdateItemBody(const WriteRequest &request);
    static std::string DeleteItemBody(const WriteRequest &request);
    static std::string BatchWriteItemBody(const std::string &table,
                                          const std::vector<BatchWrite> &writes);
    // One TransactWriteItems (transact.cpp) of up to kTransactActionLimit actions with the
    // ClientRequestToken `token`, retried (with the same token) as any request. A cancelled
    // transaction is an Error of type "TransactionCanceledException" whose message lists the
    // reasons (CancellationReasons).
    Error TransactWriteItems(const std::vector<TransactAction> &actions, const std::string &token,
                             AbortFn abort);

    const ClientStats &stats() const { return stats_; }
    long connections_opened() const { return http_.connections_opened(); }
    const ClientConfig &config() const { return config_; }
    // Read capacity consumed by the last GetItem.
    double last_consumed() const { return last_consumed_; }

    // Sends one operation with retries. parse() is called on a 200 response body and may throw
    // JsonError, which counts as a retryable transport failure (a truncated or mangled body).
    Error Call(const std::string &operation, const std::string &body,
               const std::function<void(std::string_view)> &parse, AbortFn abort);

    // Starts one operation as Call does, without waiting for it. parse() runs on a 200 response
    // body: on the I/O thread when parse_on_io_thread (it must then only touch data that no
    // other thread uses until the call is finished or cancelled, and kParsePadding bytes of
    // allocated memory follow the body), otherwise inside Poll.
    std::unique_ptr<PendingCall> Start(const std::string &operation, std::string body,
                                       ParseFn parse, bool parse_on_io_thread);
    // Changes whenever a request of this client completes (for WaitForProgress).
    uint64_t progress() const { return http_.completions(); }
    // Waits until a request completes after progress() returned `seen`, the time `until` comes,
    // or abort (asked whenever the wait wakes up, see HttpClient::WaitForCompletion) says stop:
    // false then.
    bool WaitForProgress(uint64_t seen, std::chrono::steady_clock::time_point until, AbortFn abort);

    // The budget of a DynamoDB table for this client's requests (units per second, 0 for no
    // limit), and whether a throttle slows every request to it (true) or only the throttled
    // one. Tables never configured have no budget and a shared backoff.
    void ConfigureTable(const std::string &table, double read_units_per_second,
                        double write_units_per_second, bool shared_backoff);
    // The table's pacer (made on first use).
    std::shared_ptr<TablePacer> PacerFor(std::string_view table);
    // From now on, tables' pacing states are taken from `registry` (shared with other
    // processes), keyed by the endpoint and the table; a table the registry has no room for
    // keeps a state of its own.
    void UsePacerRegistry(PacerRegistry *registry) { registry_ = registry; }
    // The read and write budgets of a table (0: none).
    double ReadBudget(const std::string &table) const;
    double WriteBudget(const std::string &table) const;

  private:
    friend class PendingCall;
    friend class WritePipeline;
    void CountRetry(const std::string &operation) {
        stats_.retried[operation]++;
        stats_.retries++;
    }
    // A batch operation on `table` in rounds: `round` sends what is still pending and sets
    // `left` to the number of entries DynamoDB left unprocessed. Between rounds: checks the
    // retry budget (rounds, and time since the first), counts a retry, and either raises the
    // table's shared backoff (TablePacer::OnUnprocessed; the next round's request waits for the
    // pacer) or, when the table's requests back off alone, waits out a full-jitter backoff.
    // Returns the first request error, or an error of kind Budget (of type `field`, the response
    // field that listed them, naming the entries of kind `what` still unprocessed), or Aborted.
    Error InRounds(const std::string &operation, const std::string &table, const char *field,
                   const char *what, const std::function<Error(size_t &left)> &round,
                   AbortFn abort);
    // Waits `ms` milliseconds (reported as a wait for DynamoDB); false when abort said stop.
    bool Sleep(long ms, AbortFn abort);
    ClientConfig config_;
    HttpClient http_;
    std::string url_;
    std::string host_header_;
    std::string path_;
    ClientStats stats_;
    double last_consumed_ = 0;
    std::map<std::string, std::shared_ptr<TablePacer>, std::less<>> pacers_;
    PacerRegistry *registry_ = nullptr;
};

// Fills request.update, request.condition and their placeholders: SET for each attribute of
// `set`, REMOVE for each name in `remove`, on the condition that the attribute `must_exist` (the
// partition key) exists, so that an update never creates an item.
void BuildUpdate(const Item &set, const std::vector<std::string> &remove,
                 const std::string &must_exist, WriteRequest &request);

// An assignment DynamoDB computes from the item: attr = attr + delta (or - delta), or, with a
// start, attr = if_not_exists(attr, start) + delta.
struct Arithmetic {
    std::string attr;
    AttributeValue delta;
    bool subtract = false;
    bool has_start = false;
    AttributeValue start;
};

// A list DynamoDB extends: attr = list_append(attr, list), or list_append(list, attr) when
// `prepend`.
struct ListAppend {
    std::string attr;
    AttributeValue list;  // an L
    bool prepend = false;
};

// What an UpdateItem sets, computes and removes, and what it expects of the item.
struct UpdateSpec {
    Item set;
    std::vector<Arithmetic> arith;
    std::vector<ListAppend> appends;
    std::vector<std::string> remove;
    // The item must hold each attribute with exactly this value; a NULL-typed value stands for
    // "absent or the NULL type".
    std::vector<std::pair<std::string, AttributeValue>> expect;
    // And this condition (from the statement's WHERE clause); True for none.
    Condition also;
};

// As BuildUpdate, for a whole UpdateSpec. The condition also requires each arithmetic
// attribute to hold a number (or, with a start, to be absent or a number) and each appended
// attribute to hold a list, so that DynamoDB computes exactly what SQL would; when that fails, the
// caller reads the item and writes the values it computes, expecting what it read.
void BuildUpdateSpec(const UpdateSpec &spec, const std::string &must_exist, WriteRequest &request);
// " AND (...)" for each expected attribute: it holds exactly that value (a NULL-typed value:
// it is absent or the NULL type). Maps, lists and sets are compared member by member.
std::string ExpectText(const std::vector<std::pair<std::string, AttributeValue>> &expect,
                       Placeholders &ph);
// A DeleteItem's condition: the item exists (must_exist, its partition key) and holds `expect`.
void BuildExpectCondition(const std::string &must_exist,
                          const std::vector<std::pair<std::string, AttributeValue>> &expect,
                          WriteRequest &request);
// A DeleteItem's condition: `c` (True: none), with its placeholders.
void BuildDeleteCondition(const Condition &c, WriteRequest &request);
// Sets request.condition to attribute_not_exists(key_name): a PutItem that writes only a new
// item.
void BuildPutIfAbsent(const std::string &key_name, WriteRequest &request);
// A text that is the same for equal numbers ("1", "1.0", "10E-1"): a hashable form of a key
// value, for finding a key twice in a batch (CompareDecimal orders numbers).
std::string NumberKey(const std::string &text);
// DynamoDB's size of an item (attribute names plus values), as it counts against the 400 KB
// item limit.
size_t ItemSize(const Item &item);

// Parses a DynamoDB error body ({"__type":"com.amazonaws...#Type","message":"..."}) into type and
// message; tolerant of bodies that are not JSON.
void ParseErrorBody(std::string_view body, std::string &type, std::string &message);

}  // namespace dynamo
