// Sweeps: variants, seeds, shards, compare.csv, metric values.
#include <catch2/catch.hpp>

#include <cmath>
#include <set>

#include <nlohmann/json.hpp>

#include "study/sweep.hpp"

using namespace gpufleet;
using Json = nlohmann::json;

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
    CHECK((back[k].metrics[0] == rows[k].metrics[0] ||
           (std::isnan(back[k].metrics[0]) && std::isnan(rows[k].metrics[0]))));
  CHECK(compare_csv(spec, back) == csv);
  const std::string md = compare_markdown(spec, rows, "t");
  // Variant 1 has seeds 1 and 3 only: paired differences (9.0-10.1, 10.9-11.7) have mean -0.95.
  CHECK_THAT(md, Catch::Contains("| 1 | b | 2 | 9.95 |"));
  CHECK_THAT(md, Catch::Contains("| -0.95 |"));
  CHECK_THROWS_WITH(parse_compare_csv("wrong header\n", "x.csv", spec), Catch::Contains("x.csv: line 1"));
  CHECK_THROWS_WITH(parse_compare_csv(csv + "1,2\n", "x.csv", spec),
                    Catch::Contains("line 8: expected 9 fields, found 2"));
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

TEST_CASE("sweep sizes saturate instead of wrapping", "[inputs][sweep]") {
  SweepSpec spec;
  spec.seeds = {1, 2};
  for (int i = 0; i < 64; ++i) spec.vary.push_back(VaryAxis{"/x" + std::to_string(i), {0, 1}});
  CHECK(spec.variant_count() == SIZE_MAX);  // 2^64 would wrap to 0
  CHECK(spec.run_count() == SIZE_MAX);
  REQUIRE(sweep_size_problem(spec));
  CHECK_THAT(*sweep_size_problem(spec), Catch::Contains("found 3.68935e+19"));
  spec.vary.resize(3);
  CHECK(spec.run_count() == 16);
  CHECK_FALSE(sweep_size_problem(spec));
}
