// AWS Signature Version 4 signing: canonical request, string to sign, key derivation and the
// Authorization header. Hashing and HMAC come from OpenSSL's libcrypto.
#include "client/sigv4.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
#include <openssl/params.h>
#endif

#include <algorithm>
#include <climits>
#include <ctime>
#include <memory>
#include <stdexcept>
#include <string_view>

namespace dynamo {

namespace {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

constexpr char kAlgorithm[] = "AWS4-HMAC-SHA256";

// Appends the lowercase hex of `len` bytes to `out`.
void AppendHex(const unsigned char *data, size_t len, std::string &out) {
    static const char kDigits[] = "0123456789abcdef";
    const size_t at = out.size();
    out.resize(at + len * 2);
    char *p = &out[at];
    for (size_t i = 0; i < len; ++i) {
        *p++ = kDigits[data[i] >> 4];
        *p++ = kDigits[data[i] & 0x0f];
    }
}

std::string HexEncode(const unsigned char *data, size_t len) {
    std::string out;
    AppendHex(data, len, out);
    return out;
}

std::string HexEncode(const std::string &bytes) {
    return HexEncode(reinterpret_cast<const unsigned char *>(bytes.data()), bytes.size());
}

// SHA-256, looked up once: with OpenSSL 3, EVP_sha256() makes every digest fetch it anew.
const EVP_MD *Sha256() {
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
    static EVP_MD *const fetched = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    if (fetched != nullptr) {
        return fetched;
    }
#endif
    return EVP_sha256();
}

// Raw 32-byte HMAC-SHA256(key, data).
std::string HmacSha256Raw(const std::string &key, const std::string &data) {
    if (key.size() > static_cast<size_t>(INT_MAX)) {
        throw std::invalid_argument("HMAC key too long");
    }
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    if (HMAC(Sha256(), key.data(), static_cast<int>(key.size()),
             reinterpret_cast<const unsigned char *>(data.data()), data.size(), md,
             &md_len) == nullptr) {
        throw std::runtime_error("HMAC-SHA256 failed");
    }
    return std::string(reinterpret_cast<const char *>(md), md_len);
}

// HMAC-SHA256 under one key, keyed once and then used for any number of messages: each message
// restarts the context, which copies the keyed state back (the key's blocks are not hashed
// again, and nothing is allocated).
class KeyedHmac {
  public:
    KeyedHmac() = default;
    KeyedHmac(const KeyedHmac &) = delete;
    KeyedHmac &operator=(const KeyedHmac &) = delete;
    ~KeyedHmac() { Reset(); }

    void SetKey(const std::string &key) {
        Reset();
        key_ = key;
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
        static EVP_MAC *const mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
        if (mac == nullptr || (ctx_ = EVP_MAC_CTX_new(mac)) == nullptr) {
            return;  // Hex() falls back to one-shot HMACs
        }
        char digest[] = "SHA256";
        const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string("digest", digest, 0),
                                     OSSL_PARAM_construct_end()};
        if (EVP_MAC_init(ctx_, reinterpret_cast<const unsigned char *>(key.data()), key.size(),
                         params) != 1) {
            EVP_MAC_CTX_free(ctx_);
            ctx_ = nullptr;
        }
#endif
    }

    bool empty() const {
        return key_.empty();
    }

    // Appends the lowercase hex of HMAC-SHA256(key, data) to `out`. The context is started
    // again under the key it holds (no key given), so one context serves every message.
    void AppendHex(const std::string &data, std::string &out) {
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
        if (ctx_ != nullptr) {
            unsigned char md[EVP_MAX_MD_SIZE];
            size_t md_len = 0;
            if (EVP_MAC_init(ctx_, nullptr, 0, nullptr) != 1 ||
                EVP_MAC_update(ctx_, reinterpret_cast<const unsigned char *>(data.data()),
                               data.size()) != 1 ||
                EVP_MAC_final(ctx_, md, &md_len, sizeof(md)) != 1) {
                throw std::runtime_error("HMAC-SHA256 failed");
            }
            dynamo::AppendHex(md, md_len, out);
            return;
        }
#endif
        const std::string raw = HmacSha256Raw(key_, data);
        dynamo::AppendHex(reinterpret_cast<const unsigned char *>(raw.data()), raw.size(), out);
    }

    void Reset() {
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
        EVP_MAC_CTX_free(ctx_);
        ctx_ = nullptr;
#endif
        std::fill(key_.begin(), key_.end(), '\0');
        key_.clear();
    }

  private:
    std::string key_;
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
    EVP_MAC_CTX *ctx_ = nullptr;
#endif
};

bool IsUnreserved(unsigned char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~';
}

// Whitespace for header value folding and trimming: SP, HTAB, CR, LF, VT, FF.
bool IsSpace(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

std::string AsciiLower(std::string s) {
    for (char &c : s) {
        if (c >= 'A' && c <= 'Z') {
            c = static_cast<char>(c - 'A' + 'a');
        }
    }
    return s;
}

// True when CollapseWhitespace would change `in`: whitespace at either end, whitespace other
// than a space, or two whitespace characters in a row.
bool NeedsCollapse(const std::string &in) {
    if (in.empty()) {
        return false;
    }
    if (IsSpace(in.front()) || IsSpace(in.back())) {
        return true;
    }
    // The last character is not whitespace, so in[i + 1] exists for every whitespace in[i].
    for (size_t i = 0; i < in.size(); ++i) {
        if (IsSpace(in[i]) && (in[i] != ' ' || IsSpace(in[i + 1]))) {
            return true;
        }
    }
    return false;
}

// Trims leading and trailing whitespace and replaces each inner run of whitespace (including
// line breaks of folded multi-line values) with one space.
std::string CollapseWhitespace(const std::string &in) {
    if (!NeedsCollapse(in)) {
        return in;
    }
    std::string out;
    out.reserve(in.size());
    bool pending_space = false;
    for (char c : in) {
        if (IsSpace(c)) {
            pending_space = !out.empty();
            continue;
        }
        if (pending_space) {
            out.push_back(' ');
            pending_space = false;
        }
        out.push_back(c);
    }
    return out;
}

// Whether a header name, canonicalized (whitespace collapsed, lowercased), is `lower_name`.
// Names need no copy unless they carry whitespace.
bool HeaderNameIs(const std::string &name, std::string_view lower_name) {
    if (NeedsCollapse(name)) {
        return AsciiLower(CollapseWhitespace(name)) == lower_name;
    }
    if (name.size() != lower_name.size()) {
        return false;
    }
    for (size_t i = 0; i < name.size(); ++i) {
        char c = name[i];
        if (c >= 'A' && c <= 'Z') {
            c = static_cast<char>(c - 'A' + 'a');
        }
        if (c != lower_name[i]) {
            return false;
        }
    }
    return true;
}

int HexValue(char c) {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

// Decodes "%XX" escapes; a '%' not followed by two hex digits is kept literally.
std::string PercentDecode(const std::string &in) {
    std::string out;
    out.reserve(in.size());
    for (size_t i = 0; i < in.size(); ++i) {
        if (in[i] == '%' && i + 2 < in.size()) {
            int hi = HexValue(in[i + 1]);
            int lo = HexValue(in[i + 2]);
            if (hi >= 0 && lo >= 0) {
                out.push_back(static_cast<char>((hi << 4) | lo));
                i += 2;
                continue;
            }
        }
        out.push_back(in[i]);
    }
    return out;
}

bool ValidAmzDate(const std::string &d) {
    if (d.size() != 16 || d[8] != 'T' || d[15] != 'Z') {
        return false;
    }
    for (size_t i = 0; i < 15; ++i) {
        if (i != 8 && (d[i] < '0' || d[i] > '9')) {
            return false;
        }
    }
    return true;
}

bool HasHeader(const HeaderList &headers, std::string_view lower_name) {
    for (const auto &h : headers) {
        if (HeaderNameIs(h.first, lower_name)) {
            return true;
        }
    }
    return false;
}

// One canonical header: the lowercase name, and the value, which is the header's own unless
// canonicalizing changed it.
struct HeaderEntry {
    std::string name;
    const std::string *raw = nullptr;  // the header's value as sent (in the request)
    std::string collapsed;             // used when the value needed collapsing
    bool use_collapsed = false;

    const std::string &value() const { return use_collapsed ? collapsed : *raw; }
};
using HeaderEntries = std::vector<HeaderEntry>;

// Canonical header entries, stably sorted by name so that repeated names keep their order of
// appearance. They point into `headers`, which must outlive them.
HeaderEntries SortedHeaderEntries(const HeaderList &headers) {
    HeaderEntries entries(headers.size());
    for (size_t i = 0; i < headers.size(); ++i) {
        const auto &h = headers[i];
        HeaderEntry &e = entries[i];
        e.name = AsciiLower(CollapseWhitespace(h.first));
        e.raw = &h.second;
        if (NeedsCollapse(h.second)) {
            e.collapsed = CollapseWhitespace(h.second);
            e.use_collapsed = true;
        }
    }
    std::stable_sort(entries.begin(), entries.end(),
                     [](const HeaderEntry &a, const HeaderEntry &b) { return a.name < b.name; });
    return entries;
}

// Appends the canonical headers block of sorted canonical entries: one "name:value1,value2\n"
// line per distinct name.
void AppendCanonicalHeaders(const HeaderEntries &entries, std::string &out) {
    for (size_t i = 0; i < entries.size(); ++i) {
        if (i > 0 && entries[i].name == entries[i - 1].name) {
            out.push_back(',');
        } else {
            if (i > 0) {
                out.push_back('\n');
            }
            out += entries[i].name;
            out.push_back(':');
        }
        out += entries[i].value();
    }
    if (!entries.empty()) {
        out.push_back('\n');
    }
}

// The SignedHeaders list of sorted canonical entries: each name once, joined with ';'.
std::string SignedHeaderList(const HeaderEntries &entries) {
    size_t size = 0;
    for (const HeaderEntry &e : entries)
        size += e.name.size() + 1;
    std::string out;
    out.reserve(size);
    for (size_t i = 0; i < entries.size(); ++i) {
        if (i > 0 && entries[i].name == entries[i - 1].name) {
            continue;
        }
        if (!out.empty()) {
            out.push_back(';');
        }
        out += entries[i].name;
    }
    return out;
}

// Appends "YYYYMMDD/region/service/aws4_request" (the date from amz_date) to `out`.
void AppendCredentialScope(const std::string &amz_date, const std::string &region,
                           const std::string &service, std::string &out) {
    out.append(amz_date, 0, 8);
    out.push_back('/');
    out += region;
    out.push_back('/');
    out += service;
    out += "/aws4_request";
}

// Appends the lowercase hex of SHA-256(data) to `out`.
void AppendSha256Hex(const std::string &data, std::string &out) {
    // One digest context per thread, reused: OpenSSL 3 would otherwise look up the SHA-256
    // implementation and allocate a context for every digest.
    struct ContextFree {
        void operator()(EVP_MD_CTX *ctx) const { EVP_MD_CTX_free(ctx); }
    };
    static thread_local std::unique_ptr<EVP_MD_CTX, ContextFree> ctx(EVP_MD_CTX_new());
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    if (!ctx || EVP_DigestInit_ex(ctx.get(), Sha256(), nullptr) != 1 ||
        EVP_DigestUpdate(ctx.get(), data.data(), data.size()) != 1 ||
        EVP_DigestFinal_ex(ctx.get(), md, &md_len) != 1) {
        throw std::runtime_error("SHA-256 failed");
    }
    AppendHex(md, md_len, out);
}

}  // namespace

std::string Sha256Hex(const std::string &data) {
    std::string out;
    AppendSha256Hex(data, out);
    return out;
}

std::string HmacSha256Hex(const std::string &key, const std::string &data) {
    return HexEncode(HmacSha256Raw(key, data));
}

std::string AmzDateNow() {
    const std::time_t now = std::time(nullptr);
    std::tm tm_utc{};
    if (gmtime_r(&now, &tm_utc) == nullptr) {
        throw std::runtime_error("gmtime_r failed");
    }
    char buf[32];
    const size_t n = std::strftime(buf, sizeof(buf), "%Y%m%dT%H%M%SZ", &tm_utc);
    return std::string(buf, n);
}

std::string UriEncode(const std::string &in, bool keep_slash) {
    static const char kDigits[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(in.size());
    for (char ch : in) {
        const auto c = static_cast<unsigned char>(ch);
        if (IsUnreserved(c) || (keep_slash && c == '/')) {
            out.push_back(ch);
        } else {
            out.push_back('%');
            out.push_back(kDigits[c >> 4]);
            out.push_back(kDigits[c & 0x0f]);
        }
    }
    return out;
}

std::string CanonicalPath(const std::string &path, bool normalize) {
    if (!normalize) {
        if (path.empty() || path[0] != '/') {
            return "/" + UriEncode(path, true);
        }
        return UriEncode(path, true);
    }

    std::vector<std::string> segments;
    std::string last_raw;
    size_t start = 0;
    while (true) {
        const size_t slash = path.find('/', start);
        const size_t end = slash == std::string::npos ? path.size() : slash;
        last_raw = path.substr(start, end - start);
        if (last_raw == "..") {
            if (!segments.empty()) {
                segments.pop_back();
            }
        } else if (!last_raw.empty() && last_raw != ".") {
            segments.push_back(last_raw);
        }
        if (slash == std::string::npos) {
            break;
        }
        start = slash + 1;
    }

    std::string out = "/";
    for (size_t i = 0; i < segments.size(); ++i) {
        if (i > 0) {
            out.push_back('/');
        }
        out += UriEncode(segments[i], false);
    }
    const bool trailing_slash = last_raw.empty() || last_raw == "." || last_raw == "..";
    if (trailing_slash && !segments.empty()) {
        out.push_back('/');
    }
    return out;
}

std::string CanonicalQuery(const std::string &query) {
    std::vector<std::pair<std::string, std::string>> params;
    size_t start = 0;
    while (start <= query.size()) {
        size_t amp = query.find('&', start);
        if (amp == std::string::npos) {
            amp = query.size();
        }
        const std::string piece = query.substr(start, amp - start);
        if (!piece.empty()) {
            const size_t eq = piece.find('=');
            const std::string name = piece.substr(0, eq);
            const std::string value = eq == std::string::npos ? "" : piece.substr(eq + 1);
            params.emplace_back(UriEncode(PercentDecode(name), false),
                                UriEncode(PercentDecode(value), false));
        }
        start = amp + 1;
    }
    std::sort(params.begin(), params.end());

    std::string out;
    for (size_t i = 0; i < params.size(); ++i) {
        if (i > 0) {
            out.push_back('&');
        }
        out += params[i].first;
        out.push_back('=');
        out += params[i].second;
    }
    return out;
}

std::string SignedHeaders(const HeaderList &headers) {
    return SignedHeaderList(SortedHeaderEntries(headers));
}

std::string CredentialScope(const std::string &amz_date, const std::string &region,
                            const std::string &service) {
    std::string out;
    out.reserve(8 + region.size() + service.size() + 15);
    AppendCredentialScope(amz_date, region, service, out);
    return out;
}

namespace {

// The canonical request, with its SignedHeaders list also stored in *signed_headers: the headers
// are canonicalized and sorted once for both.
std::string BuildCanonicalRequest(const SignableRequest &req, bool normalize_path,
                                  std::string *signed_headers) {
    const HeaderEntries entries = SortedHeaderEntries(req.headers);
    *signed_headers = SignedHeaderList(entries);
    const std::string path = CanonicalPath(req.path, normalize_path);
    const std::string query = CanonicalQuery(req.query);
    // Five line breaks and the payload's 64 hex digits besides the parts.
    size_t size = req.method.size() + path.size() + query.size() + signed_headers->size() + 69;
    for (const HeaderEntry &e : entries)
        size += e.name.size() + e.value().size() + 2;
    std::string out;
    out.reserve(size);
    out += req.method;
    out.push_back('\n');
    out += path;
    out.push_back('\n');
    out += query;
    out.push_back('\n');
    AppendCanonicalHeaders(entries, out);
    out.push_back('\n');
    out += *signed_headers;
    out.push_back('\n');
    AppendSha256Hex(req.payload, out);
    return out;
}

}  // namespace

std::string CanonicalRequest(const SignableRequest &req, bool normalize_path) {
    std::string signed_headers;
    return BuildCanonicalRequest(req, normalize_path, &signed_headers);
}

std::string StringToSign(const std::string &canonical_request, const std::string &amz_date,
                         const std::string &region, const std::string &service) {
    if (!ValidAmzDate(amz_date)) {
        throw std::invalid_argument("amz_date must look like YYYYMMDDTHHMMSSZ: " + amz_date);
    }
    std::string out;
    out.reserve(sizeof(kAlgorithm) + amz_date.size() + region.size() + service.size() + 90);
    out += kAlgorithm;
    out.push_back('\n');
    out += amz_date;
    out.push_back('\n');
    AppendCredentialScope(amz_date, region, service, out);
    out.push_back('\n');
    AppendSha256Hex(canonical_request, out);
    return out;
}

std::string Signature(const std::string &secret_access_key, const std::string &amz_date,
                      const std::string &region, const std::string &service,
                      const std::string &string_to_sign) {
    // The signing key depends only on the secret, the day, the region and the service: derive
    // it once a day per thread rather than with four HMACs per request.
    struct DerivedKey {
        std::string secret, day, region, service;
        KeyedHmac key;
        ~DerivedKey() { Wipe(); }
        void Wipe() {
            std::fill(secret.begin(), secret.end(), '\0');
            secret.clear();
            key.Reset();
        }
    };
    static thread_local DerivedKey cache;
    const std::string day = amz_date.substr(0, 8);
    if (cache.key.empty() || cache.secret != secret_access_key || cache.day != day ||
        cache.region != region || cache.service != service) {
        const std::string k_date = HmacSha256Raw("AWS4" + secret_access_key, day);
        const std::string k_region = HmacSha256Raw(k_date, region);
        const std::string k_service = HmacSha256Raw(k_region, service);
        cache.Wipe();
        cache.key.SetKey(HmacSha256Raw(k_service, "aws4_request"));
        cache.secret = secret_access_key;
        cache.day = day;
        cache.region = region;
        cache.service = service;
    }
    std::string out;
    out.reserve(64);
    cache.key.AppendHex(string_to_sign, out);
    return out;
}

void SignRequest(SignableRequest &req, const Credentials &creds, const std::string &region,
                 const std::string &service, const std::string &amz_date, bool normalize_path) {
    if (!ValidAmzDate(amz_date)) {
        throw std::invalid_argument("amz_date must look like YYYYMMDDTHHMMSSZ: " + amz_date);
    }
    if (!HasHeader(req.headers, "host")) {
        throw std::invalid_argument("request to sign has no Host header");
    }

    req.headers.erase(
        std::remove_if(req.headers.begin(), req.headers.end(),
                       [](const auto &h) { return HeaderNameIs(h.first, "authorization"); }),
        req.headers.end());
    if (!creds.session_token.empty() && !HasHeader(req.headers, "x-amz-security-token")) {
        req.headers.emplace_back("X-Amz-Security-Token", creds.session_token);
    }
    if (!HasHeader(req.headers, "x-amz-date")) {
        req.headers.emplace_back("X-Amz-Date", amz_date);
    }

    std::string signed_headers;
    const std::string canonical = BuildCanonicalRequest(req, normalize_path, &signed_headers);
    const std::string to_sign = StringToSign(canonical, amz_date, region, service);
    const std::string signature =
        Signature(creds.secret_access_key, amz_date, region, service, to_sign);

    std::string auth;
    auth.reserve(sizeof(kAlgorithm) + creds.access_key_id.size() + region.size() + service.size() +
                 signed_headers.size() + signature.size() + 64);
    auth += kAlgorithm;
    auth += " Credential=";
    auth += creds.access_key_id;
    auth.push_back('/');
    AppendCredentialScope(amz_date, region, service, auth);
    auth += ", SignedHeaders=";
    auth += signed_headers;
    auth += ", Signature=";
    auth += signature;
    req.headers.emplace_back("Authorization", std::move(auth));
}

}  // namespace dynamo
