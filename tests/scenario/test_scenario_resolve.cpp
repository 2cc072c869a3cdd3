// Scenario overrides: --set (RFC 6901), merge patches, "extends".
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "../helpers.hpp"
#include "core/sha256.hpp"
#include "scenario/scenario_loader.hpp"
#include "scenario/scenario_resolve.hpp"

using namespace gpufleet;
using gpufleet::test::TempDir;
using gpufleet::test::write_text;
using OJson = nlohmann::ordered_json;

TEST_CASE("set overrides follow RFC 6901 and refuse what they cannot place", "[overrides]") {
  OJson doc = OJson::parse(R"({"a": {"b": 1, "x/y": 2}, "list": [10, 20]})");
  Diagnostics d;
  apply_set(doc, "/a/b=3.5", d);
  apply_set(doc, "/a/new=fcfs", d);      // not JSON: a string
  apply_set(doc, "/a/quoted=\"7\"", d);  // JSON string
  apply_set(doc, "/a/x~1y=[1,2]", d);    // escaped '/'
  apply_set(doc, "/list/1=21", d);
  apply_set(doc, "/list/-=30", d);  // append
  apply_set(doc, "/list/3=40", d);  // index == size: append
  REQUIRE(d.empty());
  CHECK(doc["a"]["b"] == 3.5);
  CHECK(doc["a"]["new"] == "fcfs");
  CHECK(doc["a"]["quoted"] == "7");
  CHECK(doc["a"]["x/y"] == OJson::parse("[1,2]"));
  CHECK(doc["list"] == OJson::parse("[10,21,30,40]"));
  const OJson before = doc;
  for (const char* bad : {"/missing/key=1", "/list/9=1", "/list/01=1", "/list/x=1", "no-equals", "a/b=1", "/a/b/c=1"})
    apply_set(doc, bad, d);
  CHECK(d.size() == 7);
  CHECK(doc == before);
  CHECK_THAT(d.to_string(), Catch::Contains("--set: /missing/key: expected an existing parent /missing"));
  CHECK_THAT(d.to_string(), Catch::Contains("expected an array index 0..4"));
}

TEST_CASE("extends, patches, sets and seed apply in that order; trace paths follow their file", "[overrides]") {
  TempDir dir("resolve");
  std::filesystem::create_directories(dir.path() / "base" / "traces");
  OJson base = OJson::parse(test::kSmallScenario);
  base["workloads"].push_back({{"id", "log"}, {"cluster", "c"}, {"kind", "swf"}, {"path", "traces/a.swf"}});
  write_text(dir.path() / "base" / "base.json", base.dump());
  write_text(
      dir.path() / "child.json",
      R"({"extends": "base/base.json", "name": "child", "scheduling": {"backfill": {"policy": "none"}}, "seed": 9})");
  write_text(dir.path() / "p1.json", R"({"seed": 11, "description": "patched", "horizon_days": null})");
  ScenarioOverrides o;
  o.patches = {(dir.path() / "p1.json").string()};
  o.sets = {"/seed=12", "/name=set"};
  ResolvedScenario r = resolve_scenario((dir.path() / "child.json").string(), o);
  CHECK(r.doc["name"] == "set");
  CHECK(r.doc["seed"] == 12);  // set after patch after extends
  CHECK(r.doc["description"] == "patched");
  CHECK_FALSE(r.doc.contains("horizon_days"));  // null in a merge patch removes
  CHECK_FALSE(r.doc.contains("extends"));
  CHECK(r.doc["scheduling"]["backfill"]["policy"] == "none");
  CHECK(r.doc["workloads"][1]["path"] == "base/traces/a.swf");  // rebased to the child's folder
  CHECK(r.chain.size() == 2);
  o.seed = 99;
  CHECK(resolve_scenario((dir.path() / "child.json").string(), o).doc["seed"] == 99);
  // The key order of the files is kept (scenario.json reads like the input).
  CHECK(r.doc.begin().key() == "format_version");

  // A cycle, a bad "extends" and an unreadable patch are reported together.
  write_text(dir.path() / "loop1.json", R"({"extends": "loop2.json"})");
  write_text(dir.path() / "loop2.json", R"({"extends": "loop1.json"})");
  try {
    ScenarioOverrides bad;
    bad.patches = {(dir.path() / "nope.json").string()};
    resolve_scenario((dir.path() / "loop1.json").string(), bad);
    FAIL("expected InputError");
  } catch (const InputError& e) {
    CHECK_THAT(test::messages(e), Catch::Contains("without a cycle"));
    CHECK_THAT(test::messages(e), Catch::Contains("nope.json: cannot open patch file"));
  }
  write_text(dir.path() / "num.json", R"({"extends": 3})");
  CHECK_THROWS_WITH(resolve_scenario((dir.path() / "num.json").string()),
                    Catch::Contains("/extends: expected the path"));
}
