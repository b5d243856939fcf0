// AWS Signature Version 4 request signing (header-based, HMAC-SHA256). This header is part of
// the client layer and never includes postgres.h.
#pragma once

#ifdef POSTGRES_H
#error "src/client must not see postgres.h"
#endif

#include <string>
#include <utility>
#include <vector>

namespace dynamo {

struct Credentials {
    std::string access_key_id;
    std::string secret_access_key;
    std::string session_token;  // empty when none
};

// An HTTP request in the form the signer needs.
struct SignableRequest {
    std::string method;  // "POST"
    // Request path as sent, e.g. "/". Each byte outside the RFC 3986 unreserved set (other than
    // '/') is percent-encoded once when canonicalizing, so an already-encoded path such as
    // "/a%20b" is encoded again ("/a%2520b"), as SigV4 requires for non-S3 services.
    std::string path;
    // Raw query string without '?', may be empty. Names and values are percent-decoded and then
    // re-encoded when canonicalizing; '+' is taken literally.
    std::string query;
    std::vector<std::pair<std::string, std::string>> headers;  // as sent; must include Host
    std::string payload;                                       // request body
};

// Lowercase hex of the SHA-256 digest of `data`.
std::string Sha256Hex(const std::string &data);

// Lowercase hex of HMAC-SHA256(key, data).
std::string HmacSha256Hex(const std::string &key, const std::string &data);

// "YYYYMMDDTHHMMSSZ" for the current UTC time.
std::string AmzDateNow();

// Percent-encodes every byte outside the RFC 3986 unreserved set (A-Z a-z 0-9 - . _ ~) as
// "%XX" with uppercase hex. '/' is left as is when `keep_slash` is true.
std::string UriEncode(const std::string &in, bool keep_slash);

// The canonical URI for `path`. With `normalize`, empty and "." segments are dropped and ".."
// removes the preceding segment; a trailing '/' (or a trailing "." / ".." segment) keeps a
// trailing '/' unless the result is the root. An empty path becomes "/".
std::string CanonicalPath(const std::string &path, bool normalize);

// The canonical query string: parameters split on '&', decoded, re-encoded, sorted by name and
// then value, and joined as "name=value" with '&'. A parameter without '=' gets an empty value.
std::string CanonicalQuery(const std::string &query);

// The SignedHeaders list for `headers`: lowercase names, sorted, unique, joined with ';'.
std::string SignedHeaders(const std::vector<std::pair<std::string, std::string>> &headers);

// "YYYYMMDD/region/service/aws4_request", the date taken from the first 8 chars of amz_date.
std::string CredentialScope(const std::string &amz_date, const std::string &region,
                            const std::string &service);

// The SigV4 canonical request for `req`, signing every header in req.headers. The last line is
// Sha256Hex(req.payload).
std::string CanonicalRequest(const SignableRequest &req, bool normalize_path);

// "AWS4-HMAC-SHA256\n<amz_date>\n<scope>\n<hex sha256 of canonical_request>".
// Throws std::invalid_argument when amz_date is not of the form "YYYYMMDDTHHMMSSZ".
std::string StringToSign(const std::string &canonical_request, const std::string &amz_date,
                         const std::string &region, const std::string &service);

// Hex signature of string_to_sign under the key derived from the secret, date, region and
// service.
std::string Signature(const std::string &secret_access_key, const std::string &amz_date,
                      const std::string &region, const std::string &service,
                      const std::string &string_to_sign);

// Adds "X-Amz-Date" (if no x-amz-date header is present), "X-Amz-Security-Token" (when
// creds.session_token is non-empty and no x-amz-security-token header is present) and
// "Authorization" to req.headers, signing every header in req.headers. Any Authorization header
// already present is removed first, so a request can be signed again. An existing x-amz-date
// header is kept and signed as is, so it must carry the same value as amz_date. Paths are not
// normalized here when normalize_path is false. Throws std::invalid_argument when req has no
// Host header or amz_date is malformed; req is unchanged in that case.
void SignRequest(SignableRequest &req, const Credentials &creds, const std::string &region,
                 const std::string &service, const std::string &amz_date,
                 bool normalize_path = true);

}  // namespace dynamo
