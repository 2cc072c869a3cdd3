// The pure parts of the workflows: provenance hashes, scenario overrides and
// "extends", result comparison, confidence intervals, sweep slicing, limits.
#include <catch2/catch.hpp>

#include <cmath>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "../helpers.hpp"
#include "output/result_diff.hpp"
#include "scenario/scenario_loader.hpp"
#include "scenario/scenario_resolve.hpp"
#include "core/sha256.hpp"
#include "metrics/stats.hpp"
#include "study/sweep.hpp"

using namespace gpufleet;
using gpufleet::test::TempDir;
using gpufleet::test::write_text;
using OJson = nlohmann::ordered_json;
using Json = nlohmann::json;

namespace {

std::string messages(const InputError& e) { return e.diagnostics().to_string(); }

const char* kScenario = R"({
  "format_version": 1, "name": "t", "seed": 7, "start": "2025-01-01", "horizon_days": 1,
  "gpu_models": [{"id": "g"}],
  "operators": [{"id": "op", "sites": [{"id": "s", "clusters": [{"id": "c", "gpu_model": "g", "nodes": 4, "gpus_per_node": 8}]}]}],
  "workloads": [{"id": "w", "cluster": "c", "kind": "synthetic", "arrival": {"process": "poisson", "rate_per_hour": 10},
                 "gpus": {"dist": "fixed", "value": 1}, "duration_s": {"dist": "fixed", "value": 60}}],
  "scheduling": {"backfill": {"policy": "easy"}}
})";

}  // namespace

TEST_CASE("SHA-256 matches the FIPS 180-4 test vectors", "[provenance]") {
  CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  const std::string million(1'000'000, 'a');
  CHECK(sha256_hex(million) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  // Fed in uneven pieces (across the 64-byte block boundary) it is the same.
  Sha256 h;
  for (std::size_t i = 0; i < million.size(); i += 997) h.update(std::string_view(million).substr(i, 997));
  CHECK(h.hex_digest() == sha256_hex(million));
}

TEST_CASE("set overrides follow RFC 6901 and refuse what they cannot place", "[overrides]") {
  OJson doc = OJson::parse(R"({"a": {"b": 1, "x/y": 2}, "list": [10, 20]})");
  Diagnostics d;
  apply_set(doc, "/a/b=3.5", d);
  apply_set(doc, "/a/new=fcfs", d);            // not JSON: a string
  apply_set(doc, "/a/quoted=\"7\"", d);        // JSON string
  apply_set(doc, "/a/x~1y=[1,2]", d);          // escaped '/'
  apply_set(doc, "/list/1=21", d);
  apply_set(doc, "/list/-=30", d);             // append
  apply_set(doc, "/list/3=40", d);             // index == size: append
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
  OJson base = OJson::parse(kScenario);
  base["workloads"].push_back({{"id", "log"}, {"cluster", "c"}, {"kind", "swf"}, {"path", "traces/a.swf"}});
  write_text(dir.path() / "base" / "base.json", base.dump());
  write_text(dir.path() / "child.json",
             R"({"extends": "base/base.json", "name": "child", "scheduling": {"backfill": {"policy": "none"}}, "seed": 9})");
  write_text(dir.path() / "p1.json", R"({"seed": 11, "description": "patched", "horizon_days": null})");
  ScenarioOverrides o;
  o.patches = {(dir.path() / "p1.json").string()};
  o.sets = {"/seed=12", "/name=set"};
  ResolvedScenario r = resolve_scenario((dir.path() / "child.json").string(), o);
  CHECK(r.doc["name"] == "set");
  CHECK(r.doc["seed"] == 12);                      // set after patch after extends
  CHECK(r.doc["description"] == "patched");
  CHECK_FALSE(r.doc.contains("horizon_days"));      // null in a merge patch removes
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
    CHECK_THAT(messages(e), Catch::Contains("without a cycle"));
    CHECK_THAT(messages(e), Catch::Contains("nope.json: cannot open patch file"));
  }
  write_text(dir.path() / "num.json", R"({"extends": 3})");
  CHECK_THROWS_WITH(resolve_scenario((dir.path() / "num.json").string()), Catch::Contains("/extends: expected the path"));
}

TEST_CASE("diff compares within tolerance and matches arrays by id", "[diff]") {
  const Json a = OJson::parse(R"({"gpufleet_version": "1", "total": {"x": 100.0, "n": 5, "s": "a"},
                                 "clusters": [{"id": "p", "w": 1.0}, {"id": "q", "w": 2.0}]})");
  OJson b = a;
  b["gpufleet_version"] = "2";  // ignored by default
  CHECK(diff_summaries(a, b).same());
  b["total"]["x"] = 100.5;
  DiffOptions o;
  o.rtol = 0;
  o.atol = 0.5;
  CHECK(diff_summaries(a, b, o).same());  // |d| = atol exactly: within
  o.atol = 0.49;
  CHECK_FALSE(diff_summaries(a, b, o).same());
  o.atol = 0;
  o.rtol = 0.005 / 1.005 + 1e-12;  // |d| <= rtol * max(|a|, |b|)
  CHECK(diff_summaries(a, b, o).same());
  // Reordered clusters are the same clusters; a removed one is reported as absent.
  OJson c = a;
  std::swap(c["clusters"][0], c["clusters"][1]);
  CHECK(diff_summaries(a, c).same());
  c["clusters"].erase(1);
  const DiffResult r = diff_summaries(a, c);
  REQUIRE(r.differing == 1);
  const auto it = std::find_if(r.entries.begin(), r.entries.end(), [](const DiffEntry& e) { return !e.within; });
  CHECK(it->path == "/clusters/p/w");
  CHECK(it->b == "(absent)");
  OJson s = a;
  s["total"]["s"] = "b";
  DiffOptions loose;
  loose.rtol = 1e9;
  CHECK(diff_summaries(a, s, loose).differing == 1);  // strings never pass by tolerance
  loose.ignore.push_back("/total/s");
  CHECK(diff_summaries(a, s, loose).same());
  CHECK_THAT(diff_junit(r, "suite", {}), Catch::Contains("<failure message=\"A=1.0 B=(absent)\""));
}

TEST_CASE("Student's t quantiles and confidence intervals", "[stats]") {
  CHECK(student_t_975(1) == Approx(12.7062).epsilon(1e-5));
  CHECK(student_t_975(4) == Approx(2.7764).epsilon(1e-5));
  CHECK(student_t_975(30) == Approx(2.0423).epsilon(1e-5));
  // Beyond the table, against exact values (R: qt(0.975, df)).
  CHECK(student_t_975(40) == Approx(2.021075).margin(1e-4));
  CHECK(student_t_975(120) == Approx(1.979930).margin(1e-4));
  CHECK(student_t_975(1000) == Approx(1.962339).margin(1e-4));
  const MeanCI c = mean_ci({1, 2, 3, 4, 5, NAN});
  CHECK(c.n == 5);
  CHECK(c.mean == 3);
  CHECK(c.sd == Approx(std::sqrt(2.5)));
  CHECK(c.half_width == Approx(2.7764 * std::sqrt(2.5) / std::sqrt(5.0)).epsilon(1e-5));
  CHECK(std::isnan(mean_ci({4}).half_width));
}

TEST_CASE("sweep runs: every variant on the same seeds; shards are disjoint and cover the grid", "[sweep]") {
  SweepSpec spec;
  Diagnostics d;
  spec.vary.push_back(*parse_vary("/scheduling/backfill/policy=none,easy,conservative", d));
  spec.vary.push_back(*parse_vary("/seed_like=1,2.5", d));
  spec.seeds = {4, 5, 6, 7};
  REQUIRE(d.empty());
  CHECK(spec.vary[1].values[1] == 2.5);
  CHECK(spec.vary[0].values[2] == "conservative");
  const auto all = enumerate_runs(spec);
  REQUIRE(all.size() == 24);
  CHECK(all[5].variant == 1);
  CHECK(all[5].seed == 5);
  CHECK(all[5].sets == std::vector<std::string>{"/scheduling/backfill/policy=\"none\"", "/seed_like=2.5"});
  CHECK(variant_labels(spec, 5) == std::vector<std::string>{"conservative", "2.5"});
  for (std::size_t n : {1u, 3u, 5u, 24u, 30u}) {
    std::set<std::size_t> seen;
    for (std::size_t i = 1; i <= n; ++i)
      for (const auto& r : enumerate_runs(spec, Shard{i, n})) CHECK(seen.insert(r.index).second);
    CHECK(seen.size() == 24);
  }
  for (const char* bad : {"0/3", "4/3", "3", "1/0", "a/b", "1/3x", ""}) {
    Diagnostics e;
    CHECK_FALSE(parse_shard(bad, e));
    CHECK(e.size() == 1);
  }
  CHECK(parse_shard("2/3", d)->index == 2);
  Diagnostics e;
  CHECK_FALSE(parse_vary("policy=a,b", e));
}

TEST_CASE("compare.csv round-trips exactly and the summary tables pair by seed", "[sweep]") {
  SweepSpec spec;
  Diagnostics d;
  spec.vary.push_back(*parse_vary("/p=a,b", d));
  spec.seeds = {1, 2, 3};
  spec.metrics = {"/m"};
  std::vector<RunRow> rows;
  const double a[3] = {10.1, 12.3, 11.7}, b[3] = {9.0, 11.0, 10.9};
  for (std::size_t k = 0; k < 6; ++k) {
    RunRow r;
    r.index = k;
    r.variant = k / 3;
    r.seed = spec.seeds[k % 3];
    r.complete = true;
    r.metrics = {r.variant == 0 ? a[k % 3] : b[k % 3] + 1e-13};
    r.wall_time_s = 0.5;
    r.peak_memory_mib = 40;
    rows.push_back(r);
  }
  rows[4].metrics[0] = NAN;
  const std::string csv = compare_csv(spec, rows);
  const auto back = parse_compare_csv(csv, "x.csv", spec);
  REQUIRE(back.size() == 6);
  for (std::size_t k = 0; k < 6; ++k)
    CHECK((back[k].metrics[0] == rows[k].metrics[0] || (std::isnan(back[k].metrics[0]) && std::isnan(rows[k].metrics[0]))));
  CHECK(compare_csv(spec, back) == csv);
  const std::string md = compare_markdown(spec, rows, "t");
  // Variant 1 has seeds 1 and 3 only: paired differences (9.0-10.1, 10.9-11.7) have mean -0.95.
  CHECK_THAT(md, Catch::Contains("| 1 | b | 2 | 9.95 |"));
  CHECK_THAT(md, Catch::Contains("| -0.95 |"));
  CHECK_THROWS_WITH(parse_compare_csv("wrong header\n", "x.csv", spec), Catch::Contains("x.csv: line 1"));
  CHECK_THROWS_WITH(parse_compare_csv(csv + "1,2\n", "x.csv", spec), Catch::Contains("line 8: expected 9 fields, found 2"));
}

TEST_CASE("metric values: numbers as they are, dates as days after the start", "[sweep]") {
  const Json s = Json::parse(R"({"scenario": {"start": "2025-01-01T00:00:00Z"},
                                 "rollout": {"national": {"date": "2025-02-01", "none": null}}, "n": 4})");
  CHECK(metric_value(s, "/n") == 4);
  CHECK(metric_value(s, "/rollout/national/date") == 31);
  CHECK(std::isnan(metric_value(s, "/rollout/national/none")));
  CHECK(std::isnan(metric_value(s, "/absent")));
  CHECK(std::isnan(metric_value(s, "not a pointer")));
}

TEST_CASE("absurd scenarios are refused up front, naming the limit", "[limits]") {
  auto load = [](Json doc, const ResourceLimits& lim = {}) {
    LoadOptions o;
    o.limits = lim;
    return load_scenario_json(doc, "absurd.json", ".", o);
  };
  Json doc = Json::parse(kScenario);
  CHECK_NOTHROW(load(doc));
  doc["operators"][0]["sites"][0]["clusters"][0]["nodes"] = 1'000'000'000;
  CHECK_THROWS_WITH(load(doc), Catch::Contains("1e+09 nodes") && Catch::Contains("--limit max_nodes=N"));
  ResourceLimits big;
  big.max_nodes = 2e9;
  big.max_gpus = 1e10;
  CHECK_NOTHROW(load(doc, big));
  doc = Json::parse(kScenario);
  doc["horizon_days"] = 365.25e6;
  try {
    load(doc);
    FAIL("expected InputError");
  } catch (const InputError& e) {
    CHECK_THAT(messages(e), Catch::Contains("/horizon_days: horizon of 3.6525e+08 days (1e+06 years)"));
    CHECK_THAT(messages(e), Catch::Contains("max_timeseries_rows"));
  }
  doc = Json::parse(kScenario);
  doc["workloads"][0]["arrival"]["rate_per_hour"] = 1e9;
  doc["horizon_days"] = 50;
  CHECK_THROWS_WITH(load(doc), Catch::Contains("about 1.2e+12 jobs") && Catch::Contains("max_jobs"));
  CHECK(parse_limit_overrides({"max_jobs=5e7"}).max_jobs == 5e7);
  try {
    parse_limit_overrides({"max_jobs=-1", "nope=3"});
    FAIL("expected InputError");
  } catch (const InputError& e) {
    CHECK(e.diagnostics().size() == 2);
    CHECK_THAT(messages(e), Catch::Contains("max_jobs=-1: expected a positive number") && Catch::Contains("NAME one of max_jobs"));
  }
}
