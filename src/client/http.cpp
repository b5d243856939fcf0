#include "client/http.hpp"

#include <curl/curl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <mutex>
#include <new>
#include <stdexcept>
#include <thread>
#include <vector>

#include "client/host_wait.hpp"

namespace dynamo {

// A submitted request: what libcurl needs while the transfer runs (owned here, so that a
// cancelled request's memory stays valid until the engine has removed the transfer), its state
// and its response.
class HttpJob {
  public:
    enum class State { Queued, Running, Completing, Done };

    ~HttpJob() { curl_slist_free_all(headers); }

    std::string url;
    std::string body;
    curl_slist *headers = nullptr;
    CompletionFn on_complete;               // run and released by the engine thread
    CURL *easy = nullptr;                   // engine thread only, while Running
    char error_text[CURL_ERROR_SIZE] = {};  // libcurl's detailed message of a failed transfer

    // Guarded by the engine's mutex.
    State state = State::Queued;
    bool cancel = false;

    // Written by the engine thread until the job is Done, then read by the submitter.
    HttpResponse response;
};

namespace {

using Clock = std::chrono::steady_clock;

// Blocks every signal in the calling thread for the object's lifetime. A new thread inherits
// the signal mask of its creator, so threads created meanwhile (the engine thread, and through
// it libcurl's resolver threads) never run the host process's signal handlers, which then only
// ever run on the host's own thread.
class BlockSignals {
  public:
    BlockSignals() {
        sigset_t all;
        sigfillset(&all);
        pthread_sigmask(SIG_SETMASK, &all, &saved_);
    }
    ~BlockSignals() { pthread_sigmask(SIG_SETMASK, &saved_, nullptr); }

  private:
    sigset_t saved_;
};

void GlobalInit() {
    static std::once_flag once;
    std::call_once(once, [] {
        BlockSignals block;
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
            throw std::runtime_error("could not initialise libcurl");
    });
}

// Slice of the owner's thread's own waits (without the host's wait hook): the abort hook is
// asked this often.
constexpr int kWaitSliceMs = 100;
// Longest wait of the engine thread on transfers in flight; submissions, cancels and stop wake
// it at once.
constexpr int kIdlePollMs = 1000;
// Idle keep-alive connections the multi handle keeps (libcurl's default depends on the number
// of transfers in progress and would close connections a parallel scan reuses).
constexpr long kMaxCachedConnections = 64;
// Easy handles kept for reuse.
constexpr size_t kMaxIdleHandles = 32;
// Largest body size announced by Content-Length that is reserved up front.
constexpr curl_off_t kMaxReserve = 64 << 20;
// Room reserved after the body, which parsers that read past the end (simdjson) may use.
constexpr size_t kBodySlack = 64;

size_t AppendBody(char *data, size_t size, size_t count, void *user) {
    HttpJob *job = static_cast<HttpJob *>(user);
    std::string &body = job->response.body;
    if (body.empty()) {
        curl_off_t length = -1;
        if (curl_easy_getinfo(job->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length) == CURLE_OK &&
            length > 0 && length <= kMaxReserve) {
            try {
                body.reserve(static_cast<size_t>(length) + kBodySlack);
            } catch (const std::bad_alloc &) {
                return 0;  // ends the transfer with a write error
            }
        }
    }
    try {
        body.append(data, size * count);
    } catch (const std::bad_alloc &) {
        return 0;
    }
    return size * count;
}

void StopEnginesAtExit();

// Engines whose thread has been started, so that process exit can stop the threads before the
// libraries' own exit handlers (OpenSSL's, say) run.
struct Registry {
    std::mutex mutex;
    std::vector<IoEngine *> engines;
    bool exit_handler = false;
};

Registry &Engines() {
    static Registry *registry = new Registry();  // never destroyed: used at exit
    return *registry;
}

}  // namespace

class IoEngine {
  public:
    explicit IoEngine(const HttpOptions &options);
    ~IoEngine();

    void Submit(const HttpTicket &job);
    void Cancel(const HttpTicket &job);
    bool Ready(const HttpTicket &job) const;
    bool Wait(const HttpTicket &job, AbortFn should_abort);
    uint64_t completions() const;
    HttpClient::WaitResult WaitForCompletion(uint64_t seen, Clock::time_point until,
                                             AbortFn should_abort);
    // Stops and joins the engine thread; requests in flight end as aborted. Idempotent.
    void StopThread();

    std::atomic<long> connections{0};

  private:
    void Run();
    void Start(const HttpTicket &job);
    // Sets the options every request of this engine shares, once per handle.
    void Configure(CURL *easy);
    // Ends the transfers libcurl reports finished.
    void CollectFinished();
    // Ends a transfer that was added to the multi handle; aborted when it was cancelled.
    void Finish(const HttpTicket &job, CURLcode result, bool aborted);
    // Marks a job complete, running its completion step first when it has one and was not
    // cancelled.
    void Complete(const HttpTicket &job, bool aborted);
    void ReleaseHandle(CURL *easy);
    // Wakes the owner's thread after a completion: the condition variable, and the descriptor
    // the host waits on.
    void Signal();
    // The owner's wait until done() (asked with mutex_ held) is true (Progress), `until` comes
    // (Timeout) or should_abort says stop (Aborted). With the host's wait hook it sleeps on
    // wake_fd_ and whatever the host adds (its latch); otherwise on changed_ in slices.
    template <typename Done>
    HttpClient::WaitResult WaitFor(Done done, Clock::time_point until, AbortFn should_abort);

    HttpOptions options_;
    CURLM *multi_ = nullptr;
    std::thread thread_;  // started and joined by the owner's thread (or at process exit)

    // Engine thread only (and the destructor, once the thread is gone).
    std::vector<CURL *> idle_;
    std::vector<HttpTicket> running_;

    mutable std::mutex mutex_;
    std::condition_variable changed_;  // a job became Done
    std::condition_variable wake_;     // for the parked engine thread
    // An eventfd written on every completion (-1 when it could not be made): what the owner's
    // thread sleeps on through the host's wait hook.
    int wake_fd_ = -1;
    std::deque<HttpTicket> incoming_;  // guarded
    bool cancels_ = false;             // guarded: a running job was cancelled
    bool stop_ = false;                // guarded
    uint64_t completions_ = 0;         // guarded
};

namespace {

void StopEnginesAtExit() {
    Registry &r = Engines();
    std::vector<IoEngine *> engines;
    {
        std::lock_guard<std::mutex> lock(r.mutex);
        engines = r.engines;
    }
    for (IoEngine *e : engines)
        e->StopThread();
}

}  // namespace

IoEngine::IoEngine(const HttpOptions &options) : options_(options) {
    multi_ = curl_multi_init();
    if (multi_ == nullptr)
        throw std::runtime_error("could not create an HTTP handle");
    curl_multi_setopt(multi_, CURLMOPT_MAXCONNECTS, kMaxCachedConnections);
    wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
}

IoEngine::~IoEngine() {
    StopThread();
    {
        Registry &r = Engines();
        std::lock_guard<std::mutex> lock(r.mutex);
        r.engines.erase(std::remove(r.engines.begin(), r.engines.end(), this), r.engines.end());
    }
    for (CURL *easy : idle_)
        curl_easy_cleanup(easy);
    curl_multi_cleanup(multi_);
    if (wake_fd_ >= 0)
        close(wake_fd_);
}

void IoEngine::StopThread() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stop_ = true;
    }
    wake_.notify_all();
    curl_multi_wakeup(multi_);
    if (thread_.joinable())
        thread_.join();
}

void IoEngine::Submit(const HttpTicket &job) {
    if (!thread_.joinable()) {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            if (stop_)
                throw std::runtime_error("the HTTP client is shutting down");
        }
        Registry &r = Engines();
        {
            std::lock_guard<std::mutex> lock(r.mutex);
            if (!r.exit_handler) {
                if (std::atexit(StopEnginesAtExit) != 0)
                    throw std::runtime_error("could not register the HTTP client's exit handler");
                r.exit_handler = true;
            }
            r.engines.push_back(this);
        }
        try {
            BlockSignals block;
            thread_ = std::thread([this] { Run(); });
        } catch (...) {
            std::lock_guard<std::mutex> lock(r.mutex);
            r.engines.erase(std::remove(r.engines.begin(), r.engines.end(), this), r.engines.end());
            throw;
        }
    }
    {
        std::lock_guard<std::mutex> lock(mutex_);
        incoming_.push_back(job);
    }
    wake_.notify_one();
    curl_multi_wakeup(multi_);
}

void IoEngine::Cancel(const HttpTicket &job) {
    std::unique_lock<std::mutex> lock(mutex_);
    if (job->state == HttpJob::State::Done)
        return;
    job->cancel = true;
    if (job->state == HttpJob::State::Running) {
        cancels_ = true;
        lock.unlock();
        curl_multi_wakeup(multi_);
        lock.lock();
    }
    // A job still queued is dropped when the engine takes it; a running transfer is removed
    // on the engine's next round. Only a completion step already under way is waited for.
    changed_.wait(lock, [&] { return job->state != HttpJob::State::Completing; });
}

bool IoEngine::Ready(const HttpTicket &job) const {
    std::lock_guard<std::mutex> lock(mutex_);
    return job->state == HttpJob::State::Done;
}

void IoEngine::Signal() {
    changed_.notify_all();
    if (wake_fd_ >= 0) {
        uint64_t one = 1;
        // Fails only when the counter would overflow, and it is then readable anyway.
        ssize_t written = write(wake_fd_, &one, sizeof one);
        (void)written;
    }
}

template <typename Done>
HttpClient::WaitResult IoEngine::WaitFor(Done done, Clock::time_point until, AbortFn should_abort) {
    const bool host = wake_fd_ >= 0 && HostWaits();
    for (;;) {
        if (host) {
            // Emptied before the check, so that a completion after it leaves it readable.
            uint64_t count;
            ssize_t got = read(wake_fd_, &count, sizeof count);
            (void)got;
        }
        {
            std::lock_guard<std::mutex> lock(mutex_);
            if (done())
                return HttpClient::WaitResult::Progress;
        }
        if (should_abort != nullptr && should_abort()) {
            std::lock_guard<std::mutex> lock(mutex_);
            return done() ? HttpClient::WaitResult::Progress : HttpClient::WaitResult::Aborted;
        }
        Clock::time_point now = Clock::now();
        if (now >= until)
            return HttpClient::WaitResult::Timeout;
        if (host) {
            long timeout_ms = -1;
            if (until != Clock::time_point::max()) {
                auto left = std::chrono::ceil<std::chrono::milliseconds>(until - now).count();
                timeout_ms = static_cast<long>(std::min<int64_t>(left, 24L * 3600 * 1000));
            }
            if (HostWait(wake_fd_, timeout_ms))
                continue;
        }
        std::unique_lock<std::mutex> lock(mutex_);
        if (done())
            return HttpClient::WaitResult::Progress;
        Clock::time_point slice = now + std::chrono::milliseconds(kWaitSliceMs);
        changed_.wait_until(lock, std::min(until, slice));
    }
}

bool IoEngine::Wait(const HttpTicket &job, AbortFn should_abort) {
    return WaitFor([&] { return job->state == HttpJob::State::Done; }, Clock::time_point::max(),
                   should_abort) == HttpClient::WaitResult::Progress;
}

uint64_t IoEngine::completions() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return completions_;
}

HttpClient::WaitResult IoEngine::WaitForCompletion(uint64_t seen, Clock::time_point until,
                                                   AbortFn should_abort) {
    return WaitFor([&] { return completions_ != seen; }, until, should_abort);
}

void IoEngine::Run() {
    pthread_setname_np(pthread_self(), "dynamodb io");
    std::vector<HttpTicket> batch;
    for (;;) {
        bool check_cancels = false;
        {
            std::unique_lock<std::mutex> lock(mutex_);
            if (running_.empty()) {
                // Nothing in flight: sleep until there is work.
                wake_.wait(lock, [this] { return stop_ || !incoming_.empty() || cancels_; });
            }
            if (stop_)
                break;
            for (HttpTicket &job : incoming_)
                batch.push_back(std::move(job));
            incoming_.clear();
            check_cancels = cancels_;
            cancels_ = false;
        }
        for (const HttpTicket &job : batch)
            Start(job);
        batch.clear();
        if (check_cancels) {
            for (size_t i = 0; i < running_.size();) {
                bool cancel;
                {
                    std::lock_guard<std::mutex> lock(mutex_);
                    cancel = running_[i]->cancel;
                }
                if (!cancel) {
                    ++i;
                    continue;
                }
                HttpTicket job = std::move(running_[i]);
                running_.erase(running_.begin() + static_cast<long>(i));
                Finish(job, CURLE_OK, true);
            }
        }

        int still_running = 0;
        curl_multi_perform(multi_, &still_running);
        CollectFinished();
        if (!running_.empty())
            curl_multi_poll(multi_, nullptr, 0, kIdlePollMs, nullptr);
    }

    for (const HttpTicket &job : running_)
        Finish(job, CURLE_OK, true);
    running_.clear();
    std::deque<HttpTicket> queued;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        queued.swap(incoming_);
    }
    for (const HttpTicket &job : queued)
        Complete(job, true);
}

void IoEngine::Start(const HttpTicket &job) {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (job->cancel) {
            job->response.aborted = true;
            job->state = HttpJob::State::Done;
            ++completions_;
            Signal();
            return;
        }
        job->state = HttpJob::State::Running;
    }
    CURL *easy = nullptr;
    if (!idle_.empty()) {
        easy = idle_.back();
        idle_.pop_back();
    } else {
        easy = curl_easy_init();
        if (easy != nullptr)
            Configure(easy);
    }
    if (easy == nullptr) {
        job->response.transport_error = true;
        job->response.error = "could not create an HTTP handle";
        Complete(job, false);
        return;
    }
    // The request's own options; the rest stay set on the handle from one request to the next.
    curl_easy_setopt(easy, CURLOPT_URL, job->url.c_str());
    curl_easy_setopt(easy, CURLOPT_POSTFIELDS, job->body.data());
    curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(job->body.size()));
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, job->headers);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, job.get());
    curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, job->error_text);
    job->easy = easy;
    CURLMcode mc = curl_multi_add_handle(multi_, easy);
    if (mc != CURLM_OK) {
        job->easy = nullptr;
        ReleaseHandle(easy);
        job->response.transport_error = true;
        job->response.error = curl_multi_strerror(mc);
        Complete(job, false);
        return;
    }
    running_.push_back(job);
}

void IoEngine::Configure(CURL *easy) {
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(easy, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, options_.connect_timeout_ms);
    curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, options_.request_timeout_ms);
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 2L);
    if (!options_.ca_file.empty())
        curl_easy_setopt(easy, CURLOPT_CAINFO, options_.ca_file.c_str());
    curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(easy, CURLOPT_POST, 1L);
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, AppendBody);
}

void IoEngine::CollectFinished() {
    int left = 0;
    while (CURLMsg *msg = curl_multi_info_read(multi_, &left)) {
        if (msg->msg != CURLMSG_DONE)
            continue;
        CURL *easy = msg->easy_handle;
        CURLcode result = msg->data.result;
        auto it = std::find_if(running_.begin(), running_.end(),
                               [easy](const HttpTicket &j) { return j->easy == easy; });
        if (it == running_.end())
            continue;
        HttpTicket job = std::move(*it);
        running_.erase(it);
        Finish(job, result, false);
    }
}

void IoEngine::ReleaseHandle(CURL *easy) {
    if (idle_.size() < kMaxIdleHandles) {
        // Kept configured (see Configure); nothing in it may point into the ended request.
        curl_easy_setopt(easy, CURLOPT_POSTFIELDS, nullptr);
        curl_easy_setopt(easy, CURLOPT_HTTPHEADER, nullptr);
        curl_easy_setopt(easy, CURLOPT_WRITEDATA, nullptr);
        curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, nullptr);
        idle_.push_back(easy);
    } else {
        curl_easy_cleanup(easy);
    }
}

void IoEngine::Finish(const HttpTicket &job, CURLcode result, bool aborted) {
    CURL *easy = job->easy;
    HttpResponse &r = job->response;
    long connects = 0;
    if (curl_easy_getinfo(easy, CURLINFO_NUM_CONNECTS, &connects) == CURLE_OK)
        connections += connects;
    if (!aborted) {
        if (result == CURLE_OK) {
            curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &r.status);
        } else {
            if (result == CURLE_OPERATION_TIMEDOUT)
                r.timed_out = true;
            else
                r.transport_error = true;
            r.error = curl_easy_strerror(result);
            // For TLS failures the generic text names only the kind; libcurl's detailed
            // message names the cause ("SSL certificate problem: self-signed certificate").
            r.tls_refused = result == CURLE_SSL_CERTPROBLEM ||
                            result == CURLE_PEER_FAILED_VERIFICATION ||
                            result == CURLE_SSL_CACERT_BADFILE || result == CURLE_SSL_ISSUER_ERROR;
            bool tls = r.tls_refused || result == CURLE_SSL_CONNECT_ERROR;
            if (tls && job->error_text[0] != '\0') {
                r.error += ": ";
                r.error += job->error_text;
            }
        }
    }
    curl_multi_remove_handle(multi_, easy);
    job->easy = nullptr;
    ReleaseHandle(easy);
    Complete(job, aborted);
}

void IoEngine::Complete(const HttpTicket &job, bool aborted) {
    bool step = false;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (aborted || job->cancel) {
            job->response = HttpResponse();
            job->response.aborted = true;
        } else if (job->on_complete) {
            step = true;
        }
        job->state = step ? HttpJob::State::Completing : HttpJob::State::Done;
        if (!step)
            ++completions_;
    }
    if (step) {
        try {
            job->on_complete(job->response);
        } catch (...) {
            // Completion steps report their failures in their own data; nothing may escape
            // the engine thread.
        }
    }
    job->on_complete = nullptr;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (step) {
            job->state = HttpJob::State::Done;
            ++completions_;
        }
    }
    Signal();
}

HttpClient::HttpClient(const HttpOptions &options) {
    GlobalInit();
    engine_.reset(new IoEngine(options));
}

HttpClient::~HttpClient() = default;

namespace {

HttpTicket MakeJob(const std::string &url, const Headers &headers, std::string body,
                   CompletionFn on_complete) {
    auto job = std::make_shared<HttpJob>();
    job->url = url;
    job->body = std::move(body);
    job->on_complete = std::move(on_complete);
    size_t longest = 0;
    for (const auto &h : headers)
        longest = std::max(longest, h.first.size() + h.second.size() + 2);
    std::string line;
    line.reserve(longest);
    for (const auto &h : headers) {
        line.assign(h.first).append(": ").append(h.second);
        curl_slist *next = curl_slist_append(job->headers, line.c_str());
        if (next == nullptr)
            throw std::bad_alloc();
        job->headers = next;
    }
    // No "Expect: 100-continue" round trip for larger bodies.
    curl_slist *next = curl_slist_append(job->headers, "Expect:");
    if (next == nullptr)
        throw std::bad_alloc();
    job->headers = next;
    return job;
}

}  // namespace

HttpTicket HttpClient::Submit(const std::string &url, const Headers &headers, std::string body,
                              CompletionFn on_complete) {
    HttpTicket job = MakeJob(url, headers, std::move(body), std::move(on_complete));
    engine_->Submit(job);
    return job;
}

bool HttpClient::Ready(const HttpTicket &ticket) const {
    return engine_->Ready(ticket);
}

bool HttpClient::Wait(const HttpTicket &ticket, AbortFn should_abort) {
    return engine_->Wait(ticket, should_abort);
}

HttpResponse &HttpClient::Response(const HttpTicket &ticket) const {
    return ticket->response;
}

void HttpClient::Cancel(const HttpTicket &ticket) {
    engine_->Cancel(ticket);
}

uint64_t HttpClient::completions() const {
    return engine_->completions();
}

HttpClient::WaitResult HttpClient::WaitForCompletion(uint64_t seen, Clock::time_point until,
                                                     AbortFn should_abort) {
    return engine_->WaitForCompletion(seen, until, should_abort);
}

long HttpClient::connections_opened() const {
    return engine_->connections.load();
}

HttpResponse HttpClient::Post(const std::string &url, const Headers &headers,
                              const std::string &body, AbortFn should_abort) {
    HttpTicket ticket = Submit(url, headers, body);
    if (!Wait(ticket, should_abort)) {
        Cancel(ticket);
        HttpResponse response;
        response.aborted = true;
        return response;
    }
    return std::move(ticket->response);
}

bool ParseEndpoint(const std::string &url, std::string &scheme, std::string &host_header,
                   std::string &path, std::string &error) {
    GlobalInit();
    CURLU *u = curl_url();
    if (u == nullptr)
        throw std::bad_alloc();
    bool ok = false;
    CURLUcode rc = curl_url_set(u, CURLUPART_URL, url.c_str(), 0);
    if (rc != CURLUE_OK) {
        error = curl_url_strerror(rc);
    } else {
        char *s = nullptr, *h = nullptr, *p = nullptr, *pa = nullptr;
        curl_url_get(u, CURLUPART_SCHEME, &s, 0);
        curl_url_get(u, CURLUPART_HOST, &h, 0);
        curl_url_get(u, CURLUPART_PORT, &p, 0);
        curl_url_get(u, CURLUPART_PATH, &pa, 0);
        scheme = s ? s : "";
        if (scheme != "http" && scheme != "https") {
            error = "The scheme must be http or https";
        } else if (h == nullptr || *h == '\0') {
            error = "The URL has no host";
        } else {
            host_header = h;
            if (p != nullptr)
                host_header += std::string(":") + p;
            path = (pa != nullptr && *pa != '\0') ? pa : "/";
            ok = true;
        }
        curl_free(s);
        curl_free(h);
        curl_free(p);
        curl_free(pa);
    }
    curl_url_cleanup(u);
    return ok;
}

}  // namespace dynamo
