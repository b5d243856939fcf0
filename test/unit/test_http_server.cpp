// The scripted HTTP/1.1 test server declared in test_http_server.hpp.
#include "test_http_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <strings.h>

namespace testserver {
namespace {

using Clock = std::chrono::steady_clock;

// How long one poll() waits at most, which bounds how late Stop() and delayed answers are.
constexpr int kPollMs = 5;

std::string Trim(const std::string &s) {
    size_t b = s.find_first_not_of(" \t");
    if (b == std::string::npos)
        return "";
    size_t e = s.find_last_not_of(" \t");
    return s.substr(b, e - b + 1);
}

bool SameName(const std::string &a, const std::string &b) {
    return a.size() == b.size() && strncasecmp(a.c_str(), b.c_str(), a.size()) == 0;
}

const char *Reason(int status) {
    switch (status) {
        case 200:
            return "OK";
        case 400:
            return "Bad Request";
        case 404:
            return "Not Found";
        case 418:
            return "I'm a teapot";
        case 500:
            return "Internal Server Error";
        case 502:
            return "Bad Gateway";
        case 503:
            return "Service Unavailable";
        default:
            return "Status";
    }
}

// Parses the request line and header block (without the blank line) into r.
void ParseHead(const std::string &head, RecordedRequest &r) {
    size_t pos = 0;
    bool first = true;
    while (pos <= head.size()) {
        size_t eol = head.find("\r\n", pos);
        if (eol == std::string::npos)
            eol = head.size();
        std::string line = head.substr(pos, eol - pos);
        pos = eol + 2;
        if (first) {
            first = false;
            size_t sp1 = line.find(' ');
            size_t sp2 = line.find(' ', sp1 == std::string::npos ? line.size() : sp1 + 1);
            if (sp1 != std::string::npos) {
                r.method = line.substr(0, sp1);
                r.target = line.substr(
                    sp1 + 1, sp2 == std::string::npos ? std::string::npos : sp2 - sp1 - 1);
            }
            continue;
        }
        size_t colon = line.find(':');
        if (colon == std::string::npos)
            continue;
        r.headers.emplace_back(Trim(line.substr(0, colon)), Trim(line.substr(colon + 1)));
    }
}

}  // namespace

ScriptedResponse ScriptedResponse::Reply(int status, std::string body, HeaderList headers) {
    ScriptedResponse r;
    r.action = Action::Respond;
    r.status = status;
    r.body = std::move(body);
    r.headers = std::move(headers);
    return r;
}

ScriptedResponse ScriptedResponse::CloseConnection() {
    ScriptedResponse r;
    r.action = Action::Close;
    return r;
}

ScriptedResponse ScriptedResponse::Truncated(int status, std::string body, size_t sent_bytes) {
    ScriptedResponse r;
    r.action = Action::Truncate;
    r.status = status;
    r.body = std::move(body);
    r.sent_bytes = std::min(sent_bytes, r.body.size());
    return r;
}

ScriptedResponse ScriptedResponse::Stalled() {
    ScriptedResponse r;
    r.action = Action::Stall;
    return r;
}

ScriptedResponse ScriptedResponse::Delayed(int delay_ms, int status, std::string body) {
    ScriptedResponse r;
    r.action = Action::Delay;
    r.delay_ms = delay_ms;
    r.status = status;
    r.body = std::move(body);
    return r;
}

std::string RecordedRequest::Header(const std::string &name) const {
    for (const auto &h : headers)
        if (SameName(h.first, name))
            return h.second;
    return "";
}

bool RecordedRequest::HasHeader(const std::string &name) const {
    for (const auto &h : headers)
        if (SameName(h.first, name))
            return true;
    return false;
}

std::string FormatResponse(int status, const HeaderList &headers, const std::string &body,
                           size_t content_length, size_t body_bytes) {
    std::string out = "HTTP/1.1 " + std::to_string(status) + " " + Reason(status) + "\r\n";
    out += "Content-Type: application/x-amz-json-1.0\r\n";
    out += "Content-Length: " + std::to_string(content_length) + "\r\n";
    for (const auto &h : headers)
        out += h.first + ": " + h.second + "\r\n";
    out += "\r\n";
    out.append(body, 0, std::min(body_bytes, body.size()));
    return out;
}

struct TestHttpServer::Connection {
    int fd = -1;
    int id = 0;
    std::string in;
    std::string out;
    bool close_after_write = false;  // close once `out` has been sent
    bool stalled = false;            // read and discard everything, never answer
    bool delayed = false;            // `delayed_out` goes to `out` at `due`
    Clock::time_point due;
    std::string delayed_out;
};

TestHttpServer::TestHttpServer() {
    listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (listen_fd_ < 0)
        throw std::runtime_error(std::string("socket: ") + strerror(errno));
    int one = 1;
    setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof(addr);
    if (bind(listen_fd_, reinterpret_cast<sockaddr *>(&addr), sizeof(addr)) != 0 ||
        listen(listen_fd_, 64) != 0 ||
        getsockname(listen_fd_, reinterpret_cast<sockaddr *>(&addr), &len) != 0) {
        std::string error = strerror(errno);
        close(listen_fd_);
        listen_fd_ = -1;
        throw std::runtime_error("test server setup: " + error);
    }
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Run(); });
}

TestHttpServer::~TestHttpServer() {
    Stop();
}

void TestHttpServer::Stop() {
    stop_ = true;
    if (thread_.joinable())
        thread_.join();
    if (listen_fd_ >= 0) {
        close(listen_fd_);
        listen_fd_ = -1;
    }
}

std::string TestHttpServer::url() const {
    return "http://127.0.0.1:" + std::to_string(port_);
}

void TestHttpServer::Enqueue(ScriptedResponse response) {
    std::lock_guard<std::mutex> lock(mutex_);
    queue_.push_back(std::move(response));
}

void TestHttpServer::SetHandler(Handler handler) {
    std::lock_guard<std::mutex> lock(mutex_);
    handler_ = std::move(handler);
}

void TestHttpServer::SetFallback(ScriptedResponse response) {
    std::lock_guard<std::mutex> lock(mutex_);
    fallback_ = std::move(response);
    has_fallback_ = true;
}

int TestHttpServer::connections() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return connections_;
}

int TestHttpServer::requests() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return static_cast<int>(recorded_.size());
}

std::vector<RecordedRequest> TestHttpServer::recorded() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return recorded_;
}

size_t TestHttpServer::pending() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return queue_.size();
}

// Called with mutex_ held.
ScriptedResponse TestHttpServer::NextResponse(const RecordedRequest &request) {
    if (!queue_.empty()) {
        ScriptedResponse r = std::move(queue_.front());
        queue_.pop_front();
        return r;
    }
    if (handler_)
        return handler_(request);
    if (has_fallback_)
        return fallback_;
    return ScriptedResponse::Reply(
        418, "{\"__type\":\"test#NoScriptedResponse\",\"message\":\"no scripted response left\"}");
}

bool TestHttpServer::ServeBufferedRequests(Connection &c) {
    while (!c.stalled && !c.delayed && !c.close_after_write) {
        size_t head_end = c.in.find("\r\n\r\n");
        if (head_end == std::string::npos)
            return true;
        RecordedRequest r;
        ParseHead(c.in.substr(0, head_end), r);
        size_t length = 0;
        std::string declared = r.Header("Content-Length");
        if (!declared.empty())
            length = std::stoul(declared);
        size_t total = head_end + 4 + length;
        if (c.in.size() < total)
            return true;
        r.body = c.in.substr(head_end + 4, length);
        r.connection = c.id;
        c.in.erase(0, total);

        ScriptedResponse resp;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            resp = NextResponse(r);
            recorded_.push_back(std::move(r));
        }
        switch (resp.action) {
            case ScriptedResponse::Action::Respond:
                c.out += FormatResponse(resp.status, resp.headers, resp.body, resp.body.size(),
                                        resp.body.size());
                break;
            case ScriptedResponse::Action::Close:
                return false;
            case ScriptedResponse::Action::Truncate:
                c.out += FormatResponse(resp.status, resp.headers, resp.body, resp.body.size(),
                                        resp.sent_bytes);
                c.close_after_write = true;
                break;
            case ScriptedResponse::Action::Stall:
                c.stalled = true;
                c.in.clear();
                break;
            case ScriptedResponse::Action::Delay:
                c.delayed = true;
                c.due = Clock::now() + std::chrono::milliseconds(resp.delay_ms);
                c.delayed_out = FormatResponse(resp.status, resp.headers, resp.body,
                                               resp.body.size(), resp.body.size());
                break;
        }
    }
    return true;
}

void TestHttpServer::Run() {
    std::vector<std::unique_ptr<Connection>> conns;
    std::vector<pollfd> fds;
    char buf[16384];

    while (!stop_) {
        fds.clear();
        fds.push_back(pollfd{listen_fd_, POLLIN, 0});
        for (const auto &c : conns) {
            short events = POLLIN;
            if (!c->out.empty())
                events |= POLLOUT;
            fds.push_back(pollfd{c->fd, events, 0});
        }
        int n = poll(fds.data(), fds.size(), kPollMs);
        if (n < 0 && errno != EINTR)
            break;

        // Connections accepted below are first polled in the next round.
        const size_t polled = conns.size();
        if (fds[0].revents & POLLIN) {
            for (;;) {
                int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
                if (fd < 0)
                    break;
                int one = 1;
                setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
                auto c = std::make_unique<Connection>();
                c->fd = fd;
                {
                    std::lock_guard<std::mutex> lock(mutex_);
                    c->id = ++connections_;
                }
                conns.push_back(std::move(c));
            }
        }

        const auto now = Clock::now();
        for (size_t i = 0; i < polled; ++i) {
            Connection &c = *conns[i];
            bool keep = true;
            if (fds[i + 1].revents & (POLLIN | POLLHUP | POLLERR)) {
                for (;;) {
                    ssize_t got = recv(c.fd, buf, sizeof(buf), 0);
                    if (got > 0) {
                        if (!c.stalled)
                            c.in.append(buf, static_cast<size_t>(got));
                        continue;
                    }
                    if (got < 0 && errno == EINTR)
                        continue;
                    // 0 is the peer's end of stream; EAGAIN means everything has been read.
                    if (got == 0 || (errno != EAGAIN && errno != EWOULDBLOCK))
                        keep = false;
                    break;
                }
            }
            if (keep && c.delayed && now >= c.due) {
                c.out += c.delayed_out;
                c.delayed_out.clear();
                c.delayed = false;
            }
            if (keep)
                keep = ServeBufferedRequests(c);
            while (keep && !c.out.empty()) {
                ssize_t sent = send(c.fd, c.out.data(), c.out.size(), MSG_NOSIGNAL);
                if (sent > 0) {
                    c.out.erase(0, static_cast<size_t>(sent));
                } else if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
                    break;
                } else if (!(sent < 0 && errno == EINTR)) {
                    keep = false;
                }
            }
            if (keep && c.out.empty() && c.close_after_write)
                keep = false;
            if (!keep) {
                close(c.fd);
                c.fd = -1;
            }
        }
        conns.erase(std::remove_if(conns.begin(), conns.end(),
                                   [](const std::unique_ptr<Connection> &c) { return c->fd < 0; }),
                    conns.end());
    }

    for (const auto &c : conns) {
        shutdown(c->fd, SHUT_RDWR);
        close(c->fd);
    }
}

}  // namespace testserver
