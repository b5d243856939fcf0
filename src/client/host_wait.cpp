#include "client/host_wait.hpp"

namespace dynamo {
namespace {

WaitReporter g_reporter;

}  // namespace

void SetWaitReporter(const WaitReporter &reporter) {
    g_reporter = reporter;
}

ReportedWait::ReportedWait(WaitKind kind) {
    if (g_reporter.start != nullptr)
        g_reporter.start(kind);
}

ReportedWait::~ReportedWait() {
    if (g_reporter.end != nullptr)
        g_reporter.end();
}

bool HostWaits() {
    return g_reporter.wait != nullptr;
}

bool HostWait(int fd, long timeout_ms) {
    return g_reporter.wait != nullptr && g_reporter.wait(fd, timeout_ms);
}

}  // namespace dynamo
