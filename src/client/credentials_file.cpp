// The AWS shared credentials file: see credentials_file.hpp.
#include "client/credentials_file.hpp"

#include <cctype>
#include <fstream>
#include <iterator>

namespace dynamo {

namespace {

bool IsSpace(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

std::string_view Trim(std::string_view s) {
    while (!s.empty() && IsSpace(s.front()))
        s.remove_prefix(1);
    while (!s.empty() && IsSpace(s.back()))
        s.remove_suffix(1);
    return s;
}

std::string Lower(std::string_view s) {
    std::string out(s);
    for (char &c : out)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

}  // namespace

CredentialsFileResult ParseCredentialsFile(std::string_view text, std::string_view profile,
                                           FileCredentials &out, std::string &why) {
    out = FileCredentials();
    why.clear();
    const std::string wanted(Trim(profile));
    bool in_profile = false;
    bool seen_profile = false;
    bool nested = false;
    size_t pos = 0;
    while (pos <= text.size()) {
        size_t end = text.find('\n', pos);
        if (end == std::string_view::npos)
            end = text.size();
        std::string_view raw = text.substr(pos, end - pos);
        pos = end + 1;
        // An indented line after a key with an empty value belongs to that nested value (e.g.
        // "s3 =\n  max_concurrent_requests = 2").
        bool indented = !raw.empty() && (raw.front() == ' ' || raw.front() == '\t');
        std::string_view line = Trim(raw);
        if (line.empty() || line.front() == '#' || line.front() == ';')
            continue;
        if (line.front() == '[') {
            size_t close = line.find(']');
            std::string_view name =
                Trim(line.substr(1, close == std::string_view::npos ? line.size() - 1 : close - 1));
            in_profile = close != std::string_view::npos && name == wanted;
            seen_profile = seen_profile || in_profile;
            nested = false;
            continue;
        }
        if (indented && nested)
            continue;
        size_t eq = line.find('=');
        if (eq == std::string_view::npos)
            continue;
        std::string key = Lower(Trim(line.substr(0, eq)));
        std::string_view value = Trim(line.substr(eq + 1));
        nested = value.empty();
        if (!in_profile)
            continue;
        if (key == "aws_access_key_id")
            out.access_key_id.assign(value);
        if (key == "aws_secret_access_key")
            out.secret_access_key.assign(value);
        if (key == "aws_session_token")
            out.session_token.assign(value);
    }
    if (!seen_profile) {
        why = "no profile \"" + wanted + "\"";
        out = FileCredentials();
        return CredentialsFileResult::NoProfile;
    }
    if (out.access_key_id.empty() || out.secret_access_key.empty()) {
        why = "profile \"" + wanted + "\" has no " +
              (out.access_key_id.empty() ? "aws_access_key_id" : "aws_secret_access_key");
        out = FileCredentials();
        return CredentialsFileResult::Incomplete;
    }
    return CredentialsFileResult::Found;
}

std::string CredentialsFilePath(const char *env_file, const char *home) {
    if (env_file != nullptr && env_file[0] != '\0')
        return env_file;
    if (home != nullptr && home[0] != '\0') {
        std::string path(home);
        if (path.back() != '/')
            path += '/';
        return path + ".aws/credentials";
    }
    return std::string();
}

CredentialsFileResult ReadCredentialsFile(const std::string &path, std::string_view profile,
                                          FileCredentials &out, std::string &why) {
    out = FileCredentials();
    why.clear();
    if (path.empty())
        return CredentialsFileResult::NoFile;
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return CredentialsFileResult::NoFile;
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad())
        return CredentialsFileResult::NoFile;
    CredentialsFileResult r = ParseCredentialsFile(text, profile, out, why);
    // The file's text held the secret: clear it before the memory is freed.
    volatile char *p = text.empty() ? nullptr : &text[0];
    for (size_t i = 0; i < text.size(); ++i)
        p[i] = '\0';
    return r;
}

}  // namespace dynamo
