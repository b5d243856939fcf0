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

std::string HexEncode(const unsigned char *data, size_t len) {
    static const char kDigits[] = "0123456789abcdef";
    std::string out;
    out.reserve(len * 2);
    for (size_t i = 0; i < len; ++i) {
        out.push_back(kDigits[data[i] >> 4]);
        out.push_back(kDigits[data[i] & 0x0f]);
    }
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
// starts from a copy of the keyed state, so the key's two blocks are not hashed again.
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

    // Lowercase hex of HMAC-SHA256(key, data).
    std::string Hex(const std::string &data) const {
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
        if (ctx_ != nullptr) {
            EVP_MAC_CTX *ctx = EVP_MAC_CTX_dup(ctx_);
            unsigned char md[EVP_MAX_MD_SIZE];
            size_t md_len = 0;
            bool ok = ctx != nullptr &&
                      EVP_MAC_update(ctx, reinterpret_cast<const unsigned char *>(data.data()),
                                     data.size()) == 1 &&
                      EVP_MAC_final(ctx, md, &md_len, sizeof(md)) == 1;
            EVP_MAC_CTX_free(ctx);
            if (!ok) {
                throw std::runtime_error("HMAC-SHA256 failed");
            }
            return HexEncode(md, md_len);
        }
#endif
        return HexEncode(HmacSha256Raw(key_, data));
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

// Canonical header entries: (lowercase name, canonical value), stably sorted by name so that
// repeated names keep their order of appearance.
std::vector<std::pair<std::string, std::string>> SortedHeaderEntries(const HeaderList &headers) {
    std::vector<std::pair<std::string, std::string>> entries;
    entries.reserve(headers.size());
    for (const auto &h : headers) {
        entries.emplace_back(AsciiLower(CollapseWhitespace(h.first)), CollapseWhitespace(h.second));
    }
    std::stable_sort(entries.begin(), entries.end(),
                     [](const auto &a, const auto &b) { return a.first < b.first; });
    return entries;
}

// The canonical headers block of sorted canonical entries: one "name:value1,value2\n" line per
// distinct name.
std::string CanonicalHeaders(const HeaderList &entries) {
    std::string out;
    for (size_t i = 0; i < entries.size(); ++i) {
        if (i > 0 && entries[i].first == entries[i - 1].first) {
            out.push_back(',');
        } else {
            if (i > 0) {
                out.push_back('\n');
            }
            out += entries[i].first;
            out.push_back(':');
        }
        out += entries[i].second;
    }
    if (!entries.empty()) {
        out.push_back('\n');
    }
    return out;
}

// The SignedHeaders list of sorted canonical entries: each name once, joined with ';'.
std::string SignedHeaderList(const HeaderList &entries) {
    std::string out;
    for (size_t i = 0; i < entries.size(); ++i) {
        if (i > 0 && entries[i].first == entries[i - 1].first) {
            continue;
        }
        if (!out.empty()) {
            out.push_back(';');
        }
        out += entries[i].first;
    }
    return out;
}

}  // namespace

std::string Sha256Hex(const std::string &data) {
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
    return HexEncode(md, md_len);
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
    return amz_date.substr(0, 8) + "/" + region + "/" + service + "/aws4_request";
}

namespace {

// The canonical request, with its SignedHeaders list also stored in *signed_headers: the headers
// are canonicalized and sorted once for both.
std::string BuildCanonicalRequest(const SignableRequest &req, bool normalize_path,
                                  std::string *signed_headers) {
    const HeaderList entries = SortedHeaderEntries(req.headers);
    *signed_headers = SignedHeaderList(entries);
    std::string out;
    out += req.method;
    out.push_back('\n');
    out += CanonicalPath(req.path, normalize_path);
    out.push_back('\n');
    out += CanonicalQuery(req.query);
    out.push_back('\n');
    out += CanonicalHeaders(entries);
    out.push_back('\n');
    out += *signed_headers;
    out.push_back('\n');
    out += Sha256Hex(req.payload);
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
    std::string out = kAlgorithm;
    out.push_back('\n');
    out += amz_date;
    out.push_back('\n');
    out += CredentialScope(amz_date, region, service);
    out.push_back('\n');
    out += Sha256Hex(canonical_request);
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
    return cache.key.Hex(string_to_sign);
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

    std::string auth = kAlgorithm;
    auth += " Credential=";
    auth += creds.access_key_id;
    auth.push_back('/');
    auth += CredentialScope(amz_date, region, service);
    auth += ", SignedHeaders=";
    auth += signed_headers;
    auth += ", Signature=";
    auth += signature;
    req.headers.emplace_back("Authorization", std::move(auth));
}

}  // namespace dynamo
