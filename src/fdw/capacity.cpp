// The capacity budget of a foreign table: its options (max_read_units_per_second,
// max_write_units_per_second, read_capacity_share, write_capacity_share) resolved into units a
// second and handed to the backend's client, whose pacer (client/capacity.hpp) paces every
// request to the DynamoDB table; and the home of the pacers' state. With `wrappers` in
// shared_preload_libraries that is a registry in shared memory (dynamo::PacerRegistry, one slot
// per endpoint and DynamoDB table), so that every backend draws from one budget; otherwise each
// backend's client keeps its own.
// Client headers come before Postgres's.
#include "client/host_wait.hpp"
#include "fdw/dynamodb_fdw.hpp"

extern "C" {
#include "miscadmin.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "utils/lsyscache.h"
#include "utils/wait_event.h"
}

bool dynamodb_statement_backoff = true;

namespace {

// DynamoDB tables (per endpoint) whose budgets the shared registry can hold; more are paced
// per backend.
constexpr size_t kSharedTables = 256;

dynamo::PacerRegistry *g_registry = nullptr;
shmem_startup_hook_type g_prev_startup = nullptr;
#if PG_VERSION_NUM >= 150000
shmem_request_hook_type g_prev_request = nullptr;
#endif

// The wait events of pg_stat_activity: on PostgreSQL 17 and later named ones (registered by the
// first statement that uses a foreign table), otherwise (and until then) Extension.
uint32 g_event_request = 0;
uint32 g_event_capacity = 0;

// The event of the wait under way (0: none), which HostWait reports again after the latch wait
// (WaitLatchOrSocket reports its own event and clears it when it returns).
uint32 g_current_event = 0;
// Set when a latch wait failed with an error: the backend's client then waits on its own.
bool g_latch_wait_failed = false;

void WaitStart(dynamo::WaitKind kind) {
    uint32 event = kind == dynamo::WaitKind::Capacity ? g_event_capacity : g_event_request;
    g_current_event = event != 0 ? event : PG_WAIT_EXTENSION;
    pgstat_report_wait_start(g_current_event);
}

void WaitEnd() {
    g_current_event = 0;
    pgstat_report_wait_end();
}

// The client's wait (host_wait.hpp): on the backend's latch and the client's descriptor, so
// that a cancel, a termination or a completed request wakes the backend at once, and the
// postmaster's death ends it. Called from inside the client's C++ frames, so nothing may
// escape as a longjmp: an error of the wait itself (out of memory, a failed epoll) is caught
// and dropped, and the backend's clients go back to waiting on their own. The latch is reset
// here; the caller then asks DynamoAbortRequested, which sees what the latch was set for.
bool HostWait(int fd, long timeout_ms) {
    if (g_latch_wait_failed)
        return false;
    const uint32 event = g_current_event != 0 ? g_current_event : PG_WAIT_EXTENSION;
    int events = WL_LATCH_SET | WL_SOCKET_READABLE | WL_EXIT_ON_PM_DEATH;
    if (timeout_ms >= 0)
        events |= WL_TIMEOUT;
    MemoryContext context = CurrentMemoryContext;
    volatile bool ok = true;
    PG_TRY();
    {
        int rc = WaitLatchOrSocket(MyLatch, events, fd, timeout_ms, event);
        if (rc & WL_LATCH_SET)
            ResetLatch(MyLatch);
    }
    PG_CATCH();
    {
        MemoryContextSwitchTo(context);
        FlushErrorState();
        g_latch_wait_failed = true;
        ok = false;
    }
    PG_END_TRY();
    if (g_current_event != 0)
        pgstat_report_wait_start(g_current_event);
    return ok;
}

size_t RegistryBytes() {
    return dynamo::PacerRegistry::Bytes(kSharedTables);
}

#if PG_VERSION_NUM >= 150000
void RequestShmem() {
    if (g_prev_request != nullptr)
        g_prev_request();
    RequestAddinShmemSpace(RegistryBytes());
}
#endif

void StartupShmem() {
    if (g_prev_startup != nullptr)
        g_prev_startup();
    LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
    bool found = false;
    void *memory = ShmemInitStruct("wrappers DynamoDB capacity budgets", RegistryBytes(), &found);
    if (!found)
        dynamo::PacerRegistry::Create(memory, kSharedTables);
    g_registry = static_cast<dynamo::PacerRegistry *>(memory);
    LWLockRelease(AddinShmemInitLock);
}

// Units a second from an absolute option or a share of the provisioned throughput (0: none).
double Budget(double absolute, double share, double provisioned, bool on_demand, const char *what,
              const char *share_option, const char *absolute_option, Oid relid, const char *table) {
    if (absolute > 0)
        return absolute;
    if (share <= 0)
        return 0;
    if (on_demand || provisioned <= 0)
        ereport(ERROR,
                (errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
                 errmsg("option \"%s\" of foreign table \"%s\" needs provisioned %s capacity",
                        share_option, get_rel_name(relid), what),
                 errdetail("DynamoDB table \"%s\" is on demand (PAY_PER_REQUEST): it has no "
                           "provisioned throughput to take a share of.",
                           table),
                 errhint("Use the option \"%s\" to set a budget in capacity units a second.",
                         absolute_option)));
    double units = share * provisioned;
    return units > 0 ? units : 0;
}

}  // namespace

void DynamoApplyCapacity(Oid relid, Oid serverid, Oid userid, const char *table,
                         const dynamo::TableDescription *desc) {
#if PG_VERSION_NUM >= 170000
    if (g_event_request == 0) {
        g_event_request = WaitEventExtensionNew("DynamoDBRequest");
        g_event_capacity = WaitEventExtensionNew("DynamoDBCapacity");
    }
#endif
    DynamoOptions *opts = DynamoGetOptions(serverid, userid, relid);
    double read = Budget(opts->max_read_units_per_second, opts->read_capacity_share,
                         desc->provisioned_read, desc->on_demand, "read", "read_capacity_share",
                         "max_read_units_per_second", relid, table);
    double write = Budget(opts->max_write_units_per_second, opts->write_capacity_share,
                          desc->provisioned_write, desc->on_demand, "write", "write_capacity_share",
                          "max_write_units_per_second", relid, table);
    dynamo::DynamoClient *client = DynamoGetClient(serverid, userid);
    bool shared = dynamodb_statement_backoff;
    RunCpp([&] { client->ConfigureTable(table, read, write, shared); });
}

void DynamoCapacityInit() {
    dynamo::WaitReporter reporter;
    reporter.start = WaitStart;
    reporter.end = WaitEnd;
    reporter.wait = HostWait;
    RunCpp([&] { dynamo::SetWaitReporter(reporter); });
    if (!process_shared_preload_libraries_in_progress)
        return;
#if PG_VERSION_NUM >= 150000
    g_prev_request = shmem_request_hook;
    shmem_request_hook = RequestShmem;
#else
    RequestAddinShmemSpace(RegistryBytes());
#endif
    g_prev_startup = shmem_startup_hook;
    shmem_startup_hook = StartupShmem;
}

dynamo::PacerRegistry *DynamoSharedPacers() {
    return g_registry;
}
