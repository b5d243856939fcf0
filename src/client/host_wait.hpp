// How the thread that owns a client waits for DynamoDB, as the host process wants it: hooks the
// host installs once, called on the owner's thread. Postgres reports a wait event in
// pg_stat_activity while the client waits for an answer or for a table's capacity budget, and
// waits on the backend's latch, so that a cancel or the postmaster's death ends the wait at
// once. Without hooks nothing is reported and the client waits on its own.
#pragma once

#ifdef POSTGRES_H
#error "src/client must not see postgres.h"
#endif

namespace dynamo {

enum class WaitKind {
    Request,   // an answer of DynamoDB (or a retry's backoff)
    Capacity,  // a table's capacity budget or its statement-wide backoff
};

// None of the hooks may throw or call into anything that can unwind the stack (a Postgres
// ereport).
struct WaitReporter {
    // start(kind) before a wait, end() after it.
    void (*start)(WaitKind kind) = nullptr;
    void (*end)() = nullptr;
    // Sleeps until `fd` is readable (the client's I/O engine makes it readable whenever a
    // request completes), the host has news for the waiter (a cancel, a signal: it then clears
    // that news' wake-up, the caller asks its abort hook next), or `timeout_ms` milliseconds
    // pass (< 0: no limit). Returns false when it could not wait; the client then waits its own
    // way (in slices of 100 ms that ask the abort hook).
    bool (*wait)(int fd, long timeout_ms) = nullptr;
};

// Installs the hooks (before any client is used).
void SetWaitReporter(const WaitReporter &reporter);

// Reports a wait for the length of its scope.
class ReportedWait {
  public:
    explicit ReportedWait(WaitKind kind);
    ~ReportedWait();
    ReportedWait(const ReportedWait &) = delete;
    ReportedWait &operator=(const ReportedWait &) = delete;
};

// Whether the host waits for the client (a `wait` hook is installed).
bool HostWaits();
// Calls the host's `wait` hook; false without one, or when it could not wait.
bool HostWait(int fd, long timeout_ms);

}  // namespace dynamo
