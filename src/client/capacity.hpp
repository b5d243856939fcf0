// Pacing of the requests to one DynamoDB table: a capacity budget (read and write units per
// second) driven by the capacity DynamoDB reports as consumed, and one backoff shared by every
// request to the table when DynamoDB throttles (the only statement-wide backoff: reads of every
// segment, writes in flight, single writes and batch rounds all go through it). Pure logic with
// an injected clock; the client (PendingCall) asks it before each request and tells it each
// outcome.
#pragma once

#ifdef POSTGRES_H
#error "src/client must not see postgres.h"
#endif

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

namespace dynamo {

using PaceClock = std::chrono::steady_clock;

// A token bucket whose tokens are capacity units. A request may start while the bucket holds
// more than nothing; it reserves the units a request of its kind has been consuming, and its
// reservation is exchanged for what DynamoDB reports once it completes, so the balance may go
// below zero (a debt paid off by waiting). Over any one-second window the units consumed stay
// within rate + burst() + the overshoot of the requests in flight (one request's consumption
// beyond its estimate each).
class CapacityBucket {
  public:
    // The share of a second's budget the bucket may hold when nothing has been spent.
    static constexpr double kBurstSeconds = 0.1;

    // units per second; 0 (or less) means no limit.
    void SetRate(double units_per_second, PaceClock::time_point now);
    double rate() const { return rate_; }
    bool limited() const { return rate_ > 0; }
    double burst() const;

    // Whether a request may start at `now`. If so, `reserved` units are taken (0 when there is
    // no limit) and true is returned; if not, `when` is when to ask again. `factor` (0, 1]
    // scales the rate down (the statement's backoff).
    bool TryAcquire(PaceClock::time_point now, double factor, double &reserved,
                    PaceClock::time_point &when);
    // A request that reserved `reserved` completed having consumed `actual` units (or, when
    // `known` is false, an unknown amount, taken to be what it reserved).
    void Settle(double reserved, double actual, bool known);
    // The units a request is expected to consume: the running average of what they consumed
    // (before any completed: a whole burst, so that the first request is sent alone).
    double estimate() const;
    double tokens() const { return tokens_; }

  private:
    void Refill(PaceClock::time_point now, double factor);
    double rate_ = 0;
    double tokens_ = 0;
    bool started_ = false;
    PaceClock::time_point last_{};
    double average_ = -1;  // < 0: no request completed yet
};

// What the statement-wide backoff is set to, from the client's RetryPolicy.
struct BackoffPolicy {
    long base_delay_ms = 25;
    long max_delay_ms = 2000;
};

// One backoff for every request to a table. A throttle raises the level (each level halves the
// budget's rate and the requests allowed in flight, and delays every request by a jittered,
// exponentially growing pause); successes lower it again one level per kSuccessesPerLevel.
// Plain data, so that it can live in shared memory.
class SharedBackoff {
  public:
    static constexpr int kMaxLevel = 8;
    static constexpr int kSuccessesPerLevel = 4;
    // Requests in flight at level 0 (no limit beyond the caller's own).
    static constexpr int kUnlimited = std::numeric_limits<int>::max();

    // `jitter` in [0, 1): the random part of the pause.
    void OnThrottle(PaceClock::time_point now, const BackoffPolicy &policy, double jitter);
    void OnSuccess();
    int level() const { return level_; }
    PaceClock::time_point not_before() const { return not_before_; }
    // Requests that may be in flight together at this level.
    int max_in_flight() const;
    // The factor applied to a budget's rate at this level.
    double rate_factor() const;

  private:
    int level_ = 0;
    int successes_ = 0;
    PaceClock::time_point not_before_{};
};

// The part of a table's pacing that several processes may share: plain data (steady_clock is
// the system's monotonic clock, the same in every process) behind a spin lock that is held only
// for a few arithmetic steps.
struct PacerState {
    std::atomic<int> lock{0};
    CapacityBucket read, write;
    SharedBackoff backoff;
};

enum class CapacityKind { Read, Write };

// Figures of a table's pacing (totals since the pacer was made).
struct PacerStats {
    double read_units = 0;   // reported consumed by paced reads
    double write_units = 0;  // reported consumed by paced writes
    int64_t throttled = 0;   // requests DynamoDB throttled
    int64_t waits = 0;       // requests held back before they were sent
};

// The pacing of one DynamoDB table as seen by one client: its read and write budgets and the
// shared backoff, kept in a PacerState of its own or in one that other processes share (see
// PacerRegistry); the requests in flight and the figures are this pacer's. Used from one thread.
class TablePacer {
  public:
    // `shared`: the table's state shared with other processes, or nullptr for a state of its
    // own. `jitter` returns a number uniform in [0, 1) for the backoff's pauses (tests inject a
    // fixed one).
    explicit TablePacer(PacerState *shared = nullptr, std::function<double()> jitter = nullptr);

    void SetBudget(double read_units_per_second, double write_units_per_second,
                   PaceClock::time_point now);
    // Whether statement-wide backoff applies (otherwise each request backs off alone).
    void SetSharedBackoff(bool on) { shared_backoff_ = on; }
    bool shared_backoff() const { return shared_backoff_; }
    // Whether a request of this kind must ask DynamoDB for the capacity it consumed.
    bool limited(CapacityKind kind) const { return rate(kind) > 0; }
    double rate(CapacityKind kind) const;
    bool shared() const { return own_ == nullptr; }

    // Asks to send a request: true (with `reserved` units taken and the request counted in
    // flight) or false with `when` to ask again (the budget, the backoff's pause, or the
    // in-flight limit; the caller also wakes up when another request completes).
    bool TryStart(CapacityKind kind, PaceClock::time_point now, double &reserved,
                  PaceClock::time_point &when);
    // A started request ended: completed with `actual` units consumed (`known` when DynamoDB
    // reported them), throttled, or abandoned (any other failure, or a cancel).
    enum class Outcome { Done, Throttled, Failed };
    void Finish(CapacityKind kind, double reserved, Outcome outcome, double actual, bool known,
                PaceClock::time_point now, const BackoffPolicy &policy);
    // A batch request came back with entries DynamoDB left unprocessed (it ran short of
    // capacity): raises the backoff as a throttle does and returns true, so that the caller
    // sends them again with no pause of its own (TryStart holds the request back); false when
    // the table's requests back off alone (the caller then waits out a pause of its own).
    bool OnUnprocessed(PaceClock::time_point now, const BackoffPolicy &policy);

    const PacerStats &stats() const { return stats_; }
    void CountWait() { stats_.waits++; }
    // A copy of the backoff's state.
    SharedBackoff backoff() const;
    int in_flight() const { return in_flight_; }

  private:
    class Guard;
    static CapacityBucket &bucket(PacerState &s, CapacityKind k) {
        return k == CapacityKind::Read ? s.read : s.write;
    }
    std::unique_ptr<PacerState> own_;
    PacerState *state_;
    std::function<double()> jitter_;
    bool shared_backoff_ = true;
    int in_flight_ = 0;
    PacerStats stats_;
};

// A fixed table of PacerStates keyed by text (the endpoint and the table), laid out in memory
// that several processes map (Postgres's shared memory): a key's slot is claimed on first use
// and kept. Holds no pointers, so each process may map it at its own address.
class PacerRegistry {
  public:
    static constexpr size_t kKeyBytes = 320;
    // Bytes of memory a registry of `slots` slots takes.
    static size_t Bytes(size_t slots);
    // Lays out an empty registry in `memory` (Bytes(slots) bytes, suitably aligned).
    static PacerRegistry *Create(void *memory, size_t slots);
    // The state of `key`, claimed if new; nullptr when every slot is taken or the key is longer
    // than kKeyBytes.
    PacerState *Find(std::string_view key);
    size_t slots() const { return slots_; }

  private:
    struct Slot {
        char key[kKeyBytes];
        size_t key_len;
        bool used;
        PacerState state;
    };
    PacerRegistry() = default;
    Slot *slot(size_t i);
    std::atomic<int> lock_{0};
    size_t slots_ = 0;
};

// The request limit of a paced Scan or Query page: about a fifth of a second's budget, from
// the units a scanned item has been consuming (`units_per_item` <= 0: unknown yet, a cautious
// first page). At least 1.
int64_t PacedPageLimit(double units_per_second, double units_per_item);

// Whether a DynamoDB error type is a throttle (the table's or the account's capacity).
bool IsThrottle(const std::string &type);

// The table a request body names first ({"TableName":"t",... or {"RequestItems":{"t":...), as
// this client writes them; empty when it names none (ListTables, TransactWriteItems).
std::string_view TableOfBody(std::string_view body);
// Whether an operation reads or writes capacity; false for operations that are never paced.
bool CapacityKindOf(std::string_view operation, CapacityKind &kind);
// The capacity units a response body reports as consumed (ConsumedCapacity, an object or a
// list of them): false when it reports none.
bool ConsumedUnitsOfBody(std::string_view body, double &units);

}  // namespace dynamo
