// The pieces that stand between gpufleet and a hostile input: the file opener, the JSON reader's
// depth and duplicate-key rules, messages that stay one short line, the result folder's
// replace-as-a-whole rule (strict dates: test_time_format.cpp; trace limits: tests/workload/).
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "../helpers.hpp"
#include "core/input_file.hpp"
#include "core/json_input.hpp"
#include "core/result_folder.hpp"
#include "gpufleet/diagnostics.hpp"

using namespace gpufleet;
using gpufleet::test::TempDir;
using gpufleet::test::write_text;
namespace fs = std::filesystem;

namespace {

std::string nested(std::size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); }

}  // namespace

TEST_CASE("input files: only regular files, and no larger than the cap", "[inputs]") {
  TempDir dir("inputs");
  write_text(dir.path() / "ok.json", "{\"a\": 1}");
  Diagnostics d;
  auto text = read_input_file((dir.path() / "ok.json").string(), "scenario file", 1024, "max_input_mib", d);
  REQUIRE(text);
  CHECK(*text == "{\"a\": 1}");
  CHECK(d.empty());

  struct Case {
    const char* name;
    std::string path;
    std::uint64_t cap;
    const char* expect;
  };
  REQUIRE(::mkfifo((dir.path() / "fifo").c_str(), 0600) == 0);
  const std::vector<Case> cases = {
      {"a FIFO (would block forever)", (dir.path() / "fifo").string(), 1024,
       "expected a regular file (scenario file), found a pipe (FIFO)"},
      {"a character device", "/dev/zero", 1024, "found a character device"},
      {"a directory", dir.str(), 1024, "found a directory"},
      {"a file over the cap", (dir.path() / "ok.json").string(), 4,
       "the scenario file is 8 bytes, larger than the limit of 4 bytes (max_input_mib)"},
      {"a missing file", (dir.path() / "nope.json").string(), 1024, "does it exist?"},
      {"an empty path", "", 1024, "expected the path of the scenario file, found an empty string"},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    Diagnostics e;
    CHECK_FALSE(read_input_file(c.path, "scenario file", c.cap, "max_input_mib", e));
    REQUIRE(e.size() == 1);
    CHECK_THAT(test::first_message(e), Catch::Contains(c.expect));
  }
}

TEST_CASE("JSON reader: nesting is bounded, keys are unique, command-line values follow the same rules", "[inputs]") {
  struct Case {
    const char* name;
    std::string text;
    bool ok;
    const char* expect;
  };
  const std::vector<Case> cases = {
      {"64 levels are fine", nested(64), true, ""},
      {"65 levels are refused", nested(65), false, "byte 64: expected JSON nested at most 64 levels"},
      {"100,000 levels, unterminated, are refused before the end", std::string(100000, '['), false,
       "nested at most 64"},
      {"a brace inside a string does not count", "[\"" + std::string(100, '[') + "\"]", true, ""},
      {"a repeated key, with its pointer", R"({"a": {"b": 1, "b": 2}})", false, "/a/b: expected each key once"},
      {"repeated keys in an array element", R"({"x": [0, {"k": 1, "k": 1}]})", false, "/x/1/k"},
      {"the same key in two objects is fine", R"([{"k": 1}, {"k": 2}])", true, ""},
      {"a syntax error says where", "{\"a\": ", false, "byte"},
      {"a number beyond double", "1e999", false, "within the range of a double"},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    Diagnostics d;
    const auto doc = parse_json_text(c.text, "f.json", d);
    CHECK(doc.has_value() == c.ok);
    if (!c.ok) CHECK_THAT(test::first_message(d), Catch::Contains(c.expect));
  }
  Diagnostics d;
  CHECK(*parse_cli_value("easy", "--set", "/p", d) == "easy");  // not JSON: a string
  CHECK(*parse_cli_value("[1,2]", "--set", "/p", d) == nlohmann::ordered_json::array({1, 2}));
  CHECK(*parse_cli_value("", "--set", "/p", d) == "");
  CHECK(d.empty());
  CHECK_FALSE(parse_cli_value(nested(1000), "--set", "/seed", d));  // deep JSON is not taken as a string
  CHECK_FALSE(parse_cli_value(R"({"a":1,"a":2})", "--vary", "/x", d));
  CHECK(d.size() == 2);
  CHECK_THAT(test::first_message(d), Catch::Contains("--set: /seed: at byte 64"));
}

TEST_CASE("diagnostics are one printable line, however long or strange the input", "[inputs]") {
  Diagnostics d;
  d.add("f.json", "/operators/0/id", "expected an id, found \"" + std::string(10'000'000, 'x') + "\"");
  d.add("f.json", "/a\nb", std::string("found \"a\0b\x1b[2J\"", 15));
  d.add("f.json", "", "expected something short");
  const auto& items = d.items();
  CHECK(items[0].message.size() <= Diagnostics::kMaxShown + 64);
  CHECK_THAT(items[0].message, Catch::StartsWith("expected an id, found \"xxx"));
  CHECK_THAT(items[0].message, Catch::Contains("bytes not shown") && Catch::EndsWith("xxx\""));
  CHECK(items[1].location == "/a\\nb");
  CHECK(items[1].message == "found \"a\\x00b\\x1b[2J\"");
  CHECK(items[2].message == "expected something short");
  const std::string all = d.to_string();
  CHECK(std::count(all.begin(), all.end(), '\n') == 3);
  // A cut never splits a UTF-8 character.
  Diagnostics u;
  u.add("f", "", std::string(3000, 'a') + std::string("\xc3\xa9", 2) + std::string(3000, 'b'));
  std::string multi;
  for (int i = 0; i < 1000; ++i) multi += "\xc3\xa9";
  u.add("f", "", multi);
  for (const auto& item : u.items()) {
    const std::string& m = item.message;
    for (std::size_t i = 0; i < m.size(); ++i) {
      const auto c = static_cast<unsigned char>(m[i]);
      if (c == 0xc3) CHECK((i + 1 < m.size() && (static_cast<unsigned char>(m[i + 1]) & 0xC0) == 0x80));
    }
  }
}

TEST_CASE("a result folder is replaced as a whole, never mixed, never a folder of the user's own",
          "[inputs][folders]") {
  TempDir dir("folder");
  const std::string out = (dir.path() / "res").string();
  {
    ResultFolder f(out);
    write_text(fs::path(f.staging()) / "summary.json", "one");
    write_text(fs::path(f.staging()) / "rollout.csv", "one");
    CHECK_FALSE(fs::exists(out));  // nothing at --out until the commit
    f.commit();
  }
  CHECK(gpufleet::test::read_text(fs::path(out) / "summary.json") == "one");
  {
    ResultFolder f(out);  // a second run: writes summary.json only
    write_text(fs::path(f.staging()) / "summary.json", "two");
    CHECK(gpufleet::test::read_text(fs::path(out) / "summary.json") == "one");  // the old one until the commit
    f.commit();
  }
  CHECK(gpufleet::test::read_text(fs::path(out) / "summary.json") == "two");
  CHECK_FALSE(fs::exists(fs::path(out) / "rollout.csv"));  // nothing of the first run is left
  {
    ResultFolder f(out);  // a failed run: never committed, the old folder stays, the staging goes
    write_text(fs::path(f.staging()) / "summary.json", "three");
  }
  CHECK(gpufleet::test::read_text(fs::path(out) / "summary.json") == "two");
  std::size_t entries = 0;
  for (const auto& e : fs::directory_iterator(dir.path())) entries += e.path().filename() != "res";
  CHECK(entries == 0);  // no staging folder left beside it
  // A stale staging folder of a process that is gone is removed by the next writer beside it.
  fs::create_directories(dir.path() / ".res.gpufleet-staging-999999999");
  { ResultFolder f(out); }
  CHECK_FALSE(fs::exists(dir.path() / ".res.gpufleet-staging-999999999"));
  // Refused: a folder with a file gpufleet did not write (left as it was), a file, the current folder.
  fs::create_directories(dir.path() / "mine");
  write_text(dir.path() / "mine" / "notes.txt", "mine");
  CHECK_THROWS_WITH(ResultFolder((dir.path() / "mine").string()),
                    Catch::Contains("\"notes.txt\", which gpufleet did not write"));
  CHECK(fs::exists(dir.path() / "mine" / "notes.txt"));
  CHECK_THROWS_WITH(ResultFolder((dir.path() / "mine" / "notes.txt").string()), Catch::Contains("not a folder"));
  fs::create_directory_symlink(out, dir.path() / "link");
  CHECK_THROWS_WITH(ResultFolder((dir.path() / "link").string()), Catch::Contains("symbolic link"));
  CHECK_THROWS_WITH(ResultFolder("."), Catch::Contains("current folder"));
  CHECK_THROWS_WITH(ResultFolder("/"), Catch::Contains("current folder, one of its parents or /"));
  CHECK_THROWS_WITH(ResultFolder(""), Catch::Contains("empty path"));
  // What counts as gpufleet's own.
  CHECK(is_result_entry("jobs.csv", false));
  CHECK(is_result_entry("jobs.csv.tmp.1234", false));
  CHECK(is_result_entry("runs", true));
  CHECK(is_result_entry("r0007-v2-s3", true));
  CHECK(is_result_entry("r0007-v2-s3.log", false));
  CHECK_FALSE(is_result_entry("r0007-v2-s3", false));
  CHECK_FALSE(is_result_entry("r0007-v2-s3.log", true));
  CHECK_FALSE(is_result_entry("jobs.csv", true));
  CHECK_FALSE(is_result_entry("notes.txt", false));
  CHECK_FALSE(is_result_entry("jobs.csv.tmp.x", false));
}
