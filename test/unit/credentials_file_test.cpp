// The shared credentials file parser (src/client/credentials_file.cpp).
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "client/credentials_file.hpp"

using dynamo::CredentialsFileResult;
using dynamo::FileCredentials;

namespace {

const char *const kFile =
    "# comment\n"
    "; another comment\n"
    "[default]\n"
    "aws_access_key_id = AKIDDEFAULT\n"
    "aws_secret_access_key=S3CR3T-default\n"
    "\n"
    "[ work ]\r\n"
    "  AWS_Access_Key_Id  =  AKIDWORK  \r\n"
    "aws_secret_access_key = S3CR3T-work=with=equals\r\n"
    "aws_session_token = TOKEN-work\r\n"
    "s3 =\n"
    "  aws_access_key_id = NESTED\n"
    "[halfway]\n"
    "aws_access_key_id = AKIDHALF\n"
    "[nosecret]\n"
    "aws_secret_access_key = S3CR3T-only\n";

}  // namespace

TEST(CredentialsFile, DefaultProfile) {
    FileCredentials c;
    std::string why;
    ASSERT_EQ(dynamo::ParseCredentialsFile(kFile, "default", c, why), CredentialsFileResult::Found);
    EXPECT_EQ(c.access_key_id, "AKIDDEFAULT");
    EXPECT_EQ(c.secret_access_key, "S3CR3T-default");
    EXPECT_EQ(c.session_token, "");
}

TEST(CredentialsFile, NamedProfileWithSpacesCaseAndCrLf) {
    FileCredentials c;
    std::string why;
    ASSERT_EQ(dynamo::ParseCredentialsFile(kFile, "work", c, why), CredentialsFileResult::Found);
    EXPECT_EQ(c.access_key_id, "AKIDWORK");  // the nested s3 value does not replace it
    EXPECT_EQ(c.secret_access_key, "S3CR3T-work=with=equals");
    EXPECT_EQ(c.session_token, "TOKEN-work");
}

TEST(CredentialsFile, MissingAndIncompleteProfilesNameNoValue) {
    FileCredentials c;
    std::string why;
    EXPECT_EQ(dynamo::ParseCredentialsFile(kFile, "other", c, why),
              CredentialsFileResult::NoProfile);
    EXPECT_EQ(why, "no profile \"other\"");
    EXPECT_EQ(dynamo::ParseCredentialsFile(kFile, "halfway", c, why),
              CredentialsFileResult::Incomplete);
    EXPECT_EQ(why, "profile \"halfway\" has no aws_secret_access_key");
    EXPECT_TRUE(c.access_key_id.empty());
    EXPECT_EQ(dynamo::ParseCredentialsFile(kFile, "nosecret", c, why),
              CredentialsFileResult::Incomplete);
    EXPECT_EQ(why, "profile \"nosecret\" has no aws_access_key_id");
    EXPECT_EQ(why.find("S3CR3T"), std::string::npos);
    EXPECT_TRUE(c.secret_access_key.empty());
}

TEST(CredentialsFile, LastValueWinsAndOddInput) {
    FileCredentials c;
    std::string why;
    const char *twice =
        "[default]\naws_access_key_id=A\naws_secret_access_key=B\n"
        "[default]\naws_secret_access_key=C";  // no final newline
    ASSERT_EQ(dynamo::ParseCredentialsFile(twice, "default", c, why), CredentialsFileResult::Found);
    EXPECT_EQ(c.secret_access_key, "C");
    EXPECT_EQ(dynamo::ParseCredentialsFile("", "default", c, why),
              CredentialsFileResult::NoProfile);
    EXPECT_EQ(dynamo::ParseCredentialsFile("[default\naws_access_key_id=A\naws_secret_access_key=B",
                                           "default", c, why),
              CredentialsFileResult::NoProfile);
    EXPECT_EQ(dynamo::ParseCredentialsFile(std::string("[default]\n\0=x\n", 13), "default", c, why),
              CredentialsFileResult::Incomplete);
}

TEST(CredentialsFile, PathAndRead) {
    EXPECT_EQ(dynamo::CredentialsFilePath("/etc/creds", "/home/u"), "/etc/creds");
    EXPECT_EQ(dynamo::CredentialsFilePath("", "/home/u"), "/home/u/.aws/credentials");
    EXPECT_EQ(dynamo::CredentialsFilePath(nullptr, "/home/u/"), "/home/u/.aws/credentials");
    EXPECT_EQ(dynamo::CredentialsFilePath(nullptr, nullptr), "");

    FileCredentials c;
    std::string why;
    EXPECT_EQ(dynamo::ReadCredentialsFile("/nonexistent/dir/credentials", "default", c, why),
              CredentialsFileResult::NoFile);
    EXPECT_EQ(dynamo::ReadCredentialsFile("", "default", c, why), CredentialsFileResult::NoFile);
    char path[] = "/tmp/credentials_test.XXXXXX";
    int fd = mkstemp(path);
    ASSERT_GE(fd, 0);
    {
        std::ofstream f(path);
        f << kFile;
    }
    EXPECT_EQ(dynamo::ReadCredentialsFile(path, "work", c, why), CredentialsFileResult::Found);
    EXPECT_EQ(c.session_token, "TOKEN-work");
    std::remove(path);
}
