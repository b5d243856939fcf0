#include "client/http.hpp"

#include <curl/curl.h>
#include <pthread.h>
#include <signal.h>

#include <mutex>
#include <stdexcept>

namespace dynamo {
namespace {

// libcurl may start a resolver thread inside curl_multi_perform. A new thread inherits the
// signal mask of its creator, so every call that can start threads runs with all signals
// blocked: the host process's signal handlers then only ever run on its own main thread.
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

size_t AppendBody(char *data, size_t size, size_t count, void *user) {
    static_cast<std::string *>(user)->append(data, size * count);
    return size * count;
}

constexpr int kPollSliceMs = 100;

}  // namespace

HttpClient::HttpClient(const HttpOptions &options) : options_(options) {
    GlobalInit();
    multi_ = curl_multi_init();
    easy_ = curl_easy_init();
    if (multi_ == nullptr || easy_ == nullptr) {
        if (easy_) curl_easy_cleanup(static_cast<CURL *>(easy_));
        if (multi_) curl_multi_cleanup(static_cast<CURLM *>(multi_));
        throw std::runtime_error("could not create an HTTP handle");
    }
}

HttpClient::~HttpClient() {
    curl_easy_cleanup(static_cast<CURL *>(easy_));
    curl_multi_cleanup(static_cast<CURLM *>(multi_));
}

HttpResponse HttpClient::Post(const std::string &url, const Headers &headers,
                              const std::string &body, AbortFn should_abort) {
    HttpResponse response;
    CURL *easy = static_cast<CURL *>(easy_);
    CURLM *multi = static_cast<CURLM *>(multi_);

    curl_slist *header_list = nullptr;
    for (const auto &h : headers) {
        std::string line = h.first + ": " + h.second;
        curl_slist *next = curl_slist_append(header_list, line.c_str());
        if (next == nullptr) {
            curl_slist_free_all(header_list);
            throw std::bad_alloc();
        }
        header_list = next;
    }
    // No "Expect: 100-continue" round trip for larger bodies.
    header_list = curl_slist_append(header_list, "Expect:");

    curl_easy_reset(easy);
    curl_easy_setopt(easy, CURLOPT_URL, url.c_str());
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(easy, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, options_.connect_timeout_ms);
    curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, options_.request_timeout_ms);
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 2L);
    if (!options_.ca_file.empty()) curl_easy_setopt(easy, CURLOPT_CAINFO, options_.ca_file.c_str());
    curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(easy, CURLOPT_POST, 1L);
    curl_easy_setopt(easy, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, header_list);
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, AppendBody);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, &response.body);

    int running = 0;
    CURLMcode mc;
    {
        BlockSignals block;
        mc = curl_multi_add_handle(multi, easy);
        if (mc == CURLM_OK) mc = curl_multi_perform(multi, &running);
    }
    while (mc == CURLM_OK && running > 0) {
        if (should_abort != nullptr && should_abort()) {
            response.aborted = true;
            break;
        }
        // Waiting happens with the caller's signal mask, so interrupts arrive promptly.
        mc = curl_multi_poll(multi, nullptr, 0, kPollSliceMs, nullptr);
        if (mc != CURLM_OK) break;
        BlockSignals block;
        mc = curl_multi_perform(multi, &running);
    }

    CURLcode result = CURLE_OK;
    bool done = false;
    if (!response.aborted && mc == CURLM_OK) {
        int left = 0;
        while (CURLMsg *msg = curl_multi_info_read(multi, &left)) {
            if (msg->msg == CURLMSG_DONE && msg->easy_handle == easy) {
                result = msg->data.result;
                done = true;
            }
        }
    }
    long connects = 0;
    if (curl_easy_getinfo(easy, CURLINFO_NUM_CONNECTS, &connects) == CURLE_OK)
        connections_opened_ += connects;
    {
        BlockSignals block;
        curl_multi_remove_handle(multi, easy);
    }
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, nullptr);
    curl_slist_free_all(header_list);

    if (response.aborted) return response;
    if (mc != CURLM_OK) {
        response.transport_error = true;
        response.error = curl_multi_strerror(mc);
        return response;
    }
    if (!done) {
        response.transport_error = true;
        response.error = "transfer did not complete";
        return response;
    }
    if (result != CURLE_OK) {
        if (result == CURLE_OPERATION_TIMEDOUT)
            response.timed_out = true;
        else
            response.transport_error = true;
        response.error = curl_easy_strerror(result);
        return response;
    }
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &response.status);
    return response;
}

bool ParseEndpoint(const std::string &url, std::string &scheme, std::string &host_header,
                   std::string &path, std::string &error) {
    GlobalInit();
    CURLU *u = curl_url();
    if (u == nullptr) throw std::bad_alloc();
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
            if (p != nullptr) host_header += std::string(":") + p;
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
