// The AWS shared credentials file (~/.aws/credentials): an INI file of profiles holding
// aws_access_key_id, aws_secret_access_key and aws_session_token. Part of the client layer:
// plain C++, never includes postgres.h. Error texts never contain a value read from the file.
#pragma once

#ifdef POSTGRES_H
#error "src/client must not see postgres.h"
#endif

#include <string>
#include <string_view>

namespace dynamo {

struct FileCredentials {
    std::string access_key_id;
    std::string secret_access_key;
    std::string session_token;  // empty when the profile has none
};

enum class CredentialsFileResult {
    Found,       // the profile has a key id and a secret
    NoFile,      // the file does not exist or cannot be read
    NoProfile,   // the file has no such profile
    Incomplete,  // the profile lacks aws_access_key_id or aws_secret_access_key
};

// Parses the file's text. Section headers are "[name]"; keys are case-insensitive, with
// whitespace around keys, values and names ignored; lines starting with '#' or ';' are
// comments; indented lines after a key with an empty value (a nested value) are skipped. A
// section or key given twice: the last one wins. `why` says what is missing for NoProfile and
// Incomplete.
CredentialsFileResult ParseCredentialsFile(std::string_view text, std::string_view profile,
                                           FileCredentials &out, std::string &why);

// The file to read: `env_file` (AWS_SHARED_CREDENTIALS_FILE) when set and not empty, otherwise
// <home>/.aws/credentials; empty when neither is known.
std::string CredentialsFilePath(const char *env_file, const char *home);

// Reads the file at `path` and parses it as ParseCredentialsFile does.
CredentialsFileResult ReadCredentialsFile(const std::string &path, std::string_view profile,
                                          FileCredentials &out, std::string &why);

}  // namespace dynamo
