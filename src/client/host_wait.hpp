// How the thread that owns a client waits for DynamoDB, as the host process wants it seen: a
// hook the host installs once (Postgres reports a wait event in pg_stat_activity), called on
// the owner's thread when it starts and stops waiting for an answer or for a table's capacity
// budget. Without a hook nothing is reported.
#pragma once

#ifdef POSTGRES_H
#error "src/client must not see postgres.h"
#endif

namespace dynamo {

enum class WaitKind {
    Request,   // an answer of DynamoDB (or a retry's backoff)
    Capacity,  // a table's capacity budget or its statement-wide backoff
};

// start(kind) before a wait, end() after it. Must not throw; must not call into anything that
// can unwind the stack (a Postgres ereport).
struct WaitReporter {
    void (*start)(WaitKind kind) = nullptr;
    void (*end)() = nullptr;
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

}  // namespace dynamo
