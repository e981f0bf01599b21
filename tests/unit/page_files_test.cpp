// The web pages' files: which URL path names which file, its type, ETag revalidation, files
// read from a folder and the copy of web/ built into the binary.

#include "web/page_files.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <optional>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

#include "web/embedded_assets.hpp"

namespace voxgate {
namespace {

namespace fs = std::filesystem;

// ---------------------------------------------------------------- page_file_name

struct NameCase {
  std::string path;
  std::optional<std::string> name;  // nullopt: the path names no page file
};

std::ostream& operator<<(std::ostream& out, const NameCase& c) {
  return out << "path \"" << c.path << "\"";
}

NameCase serves(std::string path, std::string name) {
  return {std::move(path), std::move(name)};
}
NameCase refused(std::string path) {
  return {std::move(path), std::nullopt};
}

const std::vector<NameCase> kNameCases = {
    // the two pages and their files
    serves("/", "index.html"),
    serves("/test-call", "test-call.html"),
    serves("/index.html", "index.html"),
    serves("/test-call.html", "test-call.html"),
    serves("/client.js", "client.js"),
    serves("/capture-worklet.js", "capture-worklet.js"),
    serves("/style.css", "style.css"),
    serves("/favicon.svg", "favicon.svg"),
    serves("/logo.png", "logo.png"),
    serves("/data.json", "data.json"),
    serves("/site.webmanifest", "site.webmanifest"),
    serves("/My_File-2.min.js", "My_File-2.min.js"),
    serves("/9.js", "9.js"),
    serves("/" + std::string(96, 'a') + ".js", std::string(96, 'a') + ".js"),  // 100 chars
    // no file name
    refused(""),
    refused("/x"),
    refused("/test-call/"),
    refused("/TEST-CALL"),
    refused("/index"),
    refused("/index.html/"),
    refused("client.js"),  // not a path
    // folders and traversal
    refused("/a/b.js"),
    refused("//x.js"),
    refused("/.."),
    refused("/../x.js"),
    refused("/..%2f"),
    refused("/..%2fx.js"),
    refused("/%2e%2e/x.js"),
    refused("/%2e%2e%2fCMakeLists.txt"),
    refused("/a..b.js"),
    refused("/a\\b.js"),
    refused("/..\\x.js"),
    refused("/x.js/.."),
    // dot files, names that do not start with a letter or digit
    refused("/.env"),
    refused("/.git/config"),
    refused("/.hidden.js"),
    refused("/.js"),
    refused("/-x.js"),
    refused("/_x.js"),
    // unknown or odd extensions (matching is case-sensitive)
    refused("/x.exe"),
    refused("/x.htm"),
    refused("/x.js.map"),
    refused("/x."),
    refused("/X.JS"),
    refused("/x.Html"),
    refused("/CMakeLists.txt"),
    // characters outside [A-Za-z0-9._-]
    refused("/x.js?v=1"),  // the caller strips the query; here it is just a bad character
    refused("/x%2ejs"),
    refused("/x y.js"),
    refused("/x.js "),
    refused(std::string("/x.js\0", 6)),
    refused("/x.js\r\nX: 1"),
    refused("/\xc3\xa9.js"),
    refused("/~x.js"),
    refused("/x:y.js"),
    // too long
    refused("/" + std::string(97, 'a') + ".js"),  // 101 chars
    refused("/" + std::string(5000, 'a') + ".js"),
};

class PageFilesName : public testing::TestWithParam<NameCase> {};

TEST_P(PageFilesName, MapsPathToFlatFileName) {
  EXPECT_EQ(page_file_name(GetParam().path), GetParam().name);
}

INSTANTIATE_TEST_SUITE_P(PageFiles, PageFilesName, testing::ValuesIn(kNameCases));

// Every name page_file_name accepts has a type: nothing is served as an unknown type.
TEST(PageFilesType, EveryAcceptedNameHasAType) {
  for (const auto& c : kNameCases) {
    if (c.name) {
      EXPECT_FALSE(page_content_type(*c.name).empty()) << c;
    }
  }
}

TEST(PageFilesType, ByExtension) {
  EXPECT_EQ(page_content_type("index.html"), "text/html; charset=utf-8");
  EXPECT_EQ(page_content_type("client.js"), "text/javascript; charset=utf-8");
  EXPECT_EQ(page_content_type("style.css"), "text/css; charset=utf-8");
  EXPECT_EQ(page_content_type("favicon.svg"), "image/svg+xml");
  EXPECT_EQ(page_content_type("logo.png"), "image/png");
  EXPECT_EQ(page_content_type("data.json"), "application/json");  // not taken for ".js"
  EXPECT_EQ(page_content_type("site.webmanifest"), "application/manifest+json");
  EXPECT_EQ(page_content_type("x.exe"), "");
  EXPECT_EQ(page_content_type("x.js.map"), "");
}

// ---------------------------------------------------------------- etag_matches

const std::string kTag = "\"0123abcd\"";

TEST(PageFilesEtag, ExactAndWeakMatch) {
  EXPECT_TRUE(etag_matches("\"0123abcd\"", kTag));
  EXPECT_TRUE(etag_matches("W/\"0123abcd\"", kTag));  // weak comparison, as GET revalidation
}

TEST(PageFilesEtag, ListsWithOrWithoutSpaces) {
  EXPECT_TRUE(etag_matches("\"aaaa\",\"0123abcd\"", kTag));
  EXPECT_TRUE(etag_matches("\"aaaa\", \"0123abcd\"", kTag));
  EXPECT_TRUE(etag_matches("  \"aaaa\"  ,   W/\"0123abcd\"  ", kTag));
  EXPECT_TRUE(etag_matches("\"0123abcd\", \"aaaa\"", kTag));
  EXPECT_FALSE(etag_matches("\"aaaa\", \"bbbb\"", kTag));
  EXPECT_FALSE(etag_matches("\"aaaa\",", kTag));
  EXPECT_FALSE(etag_matches(",,", kTag));
}

TEST(PageFilesEtag, StarMatchesAnything) {
  EXPECT_TRUE(etag_matches("*", kTag));
  EXPECT_FALSE(etag_matches("\"*\"", kTag));  // a quoted star is a tag, not the wildcard
}

TEST(PageFilesEtag, EmptyMismatchAndNearMisses) {
  EXPECT_FALSE(etag_matches("", kTag));
  EXPECT_FALSE(etag_matches("\"ffffffff\"", kTag));
  EXPECT_FALSE(etag_matches("\"0123abc\"", kTag));     // a prefix of the tag
  EXPECT_FALSE(etag_matches("\"0123abcd0\"", kTag));   // the tag is a prefix of it
  EXPECT_FALSE(etag_matches("0123abcd", kTag));        // unquoted
  EXPECT_FALSE(etag_matches("w/\"0123abcd\"", kTag));  // the weak marker is case-sensitive
  EXPECT_FALSE(etag_matches("W/\"other\"", kTag));
  EXPECT_FALSE(etag_matches("W/", kTag));
}

// RFC 9110's list separator is OWS "," OWS, and OWS includes horizontal tabs.
TEST(PageFilesEtag, ListSeparatorMayHoldATab) {
  EXPECT_TRUE(etag_matches("\"aaaa\",\t\"0123abcd\"", kTag));
}

// ---------------------------------------------------------------- find_page_file from a folder

class PageFilesDir : public testing::Test {
 protected:
  void SetUp() override {
    static std::atomic<int> counter{0};
    dir_ = fs::temp_directory_path() /
           ("voxgate_page_files_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  void write(const std::string& name, const std::string& body) {
    std::ofstream(dir_ / name, std::ios::binary | std::ios::trunc) << body;
  }
  std::optional<PageFile> find(const std::string& name) {
    return find_page_file(name, dir_.string());
  }

  fs::path dir_;
};

TEST_F(PageFilesDir, FoundWithItsBytesTypeAndATag) {
  const std::string body = std::string("console.log(1);\n\0\xff", 19);
  write("a.js", body);
  auto file = find("a.js");
  ASSERT_TRUE(file);
  EXPECT_EQ(file->body, body);  // byte for byte, binary included
  EXPECT_EQ(file->content_type, "text/javascript; charset=utf-8");
  ASSERT_EQ(file->etag.size(), 34u) << file->etag;  // a quoted 128-bit hex digest
  EXPECT_EQ(file->etag.front(), '"');
  EXPECT_EQ(file->etag.back(), '"');
  EXPECT_EQ(file->etag.find_first_not_of("0123456789abcdef", 1), 33u);
}

TEST_F(PageFilesDir, MissingFileOrFolderIsNotFound) {
  EXPECT_FALSE(find("absent.js"));
  fs::create_directory(dir_ / "sub.js");  // a folder with a file's name
  EXPECT_FALSE(find("sub.js"));
  EXPECT_FALSE(find_page_file("a.js", (dir_ / "no-such-folder").string()));
}

TEST_F(PageFilesDir, EditsShowAtOnceWithANewTag) {
  write("a.css", "body { color: red }");
  auto before = find("a.css");
  write("a.css", "body { color: blue }");
  auto after = find("a.css");
  ASSERT_TRUE(before && after);
  EXPECT_EQ(after->body, "body { color: blue }");
  EXPECT_NE(before->etag, after->etag);
}

TEST_F(PageFilesDir, SameBytesSameTag) {
  write("one.html", "<p>same</p>");
  write("two.html", "<p>same</p>");
  auto one = find("one.html");
  auto again = find("one.html");
  auto two = find("two.html");
  ASSERT_TRUE(one && again && two);
  EXPECT_EQ(one->etag, again->etag);
  EXPECT_EQ(one->etag, two->etag);
}

TEST_F(PageFilesDir, EmptyFileIsServed) {
  write("empty.css", "");
  auto file = find("empty.css");
  ASSERT_TRUE(file);
  EXPECT_EQ(file->body, "");
}

TEST_F(PageFilesDir, FilesOverFourMebibytesAreNotRead) {
  const std::size_t limit = 4 * 1024 * 1024;
  write("at-limit.js", std::string(limit, 'a'));
  write("over-limit.js", std::string(limit + 1, 'a'));
  auto at = find("at-limit.js");
  ASSERT_TRUE(at);
  EXPECT_EQ(at->body.size(), limit);
  EXPECT_FALSE(find("over-limit.js"));
}

// ---------------------------------------------------------------- the embedded copy of web/

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

const fs::path kWebDir = fs::path(VOXGATE_SOURCE_DIR) / "web";

TEST(PageFilesEmbedded, HoldsIndexHtmlAsHtml) {
  auto index = find_page_file("index.html", "");
  ASSERT_TRUE(index);
  EXPECT_EQ(index->content_type, "text/html; charset=utf-8");
  EXPECT_NE(index->body.find("<html"), std::string::npos);
  EXPECT_FALSE(find_page_file("absent.js", ""));
}

// The binary serves exactly web/ as built (rebuild after editing web/), each file by its URL.
TEST(PageFilesEmbedded, IsEveryFileOfWebByteForByte) {
  std::vector<std::string> on_disk;
  for (const auto& entry : fs::directory_iterator(kWebDir))
    if (entry.is_regular_file() && entry.path().filename().string()[0] != '.')
      on_disk.push_back(entry.path().filename().string());
  std::sort(on_disk.begin(), on_disk.end());
  std::vector<std::string> embedded;
  for (const auto& f : embedded_web_files()) embedded.emplace_back(f.name);
  EXPECT_EQ(embedded, on_disk);
  for (const auto& name : on_disk) {
    SCOPED_TRACE(name);
    EXPECT_EQ(page_file_name("/" + name), name);  // reachable by its URL
    auto built_in = find_page_file(name, "");
    auto from_dir = find_page_file(name, kWebDir.string());
    ASSERT_TRUE(built_in && from_dir);
    EXPECT_EQ(built_in->body, read_file(kWebDir / name));
    EXPECT_EQ(built_in->etag, from_dir->etag);  // switching to [web] dir keeps browser caches
    EXPECT_FALSE(built_in->content_type.empty());
  }
}

}  // namespace
}  // namespace voxgate
