// summary.json as a value: to_json names every key, the pointers other code reads back resolve,
// and the published numbers are the rounded ones.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "metrics/summary.hpp"
#include "metrics/summary_fields.hpp"

using namespace gpufleet;

namespace {

Summary example() {
  Summary s;
  s.scenario = {"t", 7, 1735689600, 86400.0};
  s.run.end_time_s = 86400;
  s.run.end_date = "2025-01-02T00:00:00Z";
  s.total.submitted = 3;
  s.total.completed = 2;
  s.total.rejected = 1;
  s.total.wait_s.mean = 1.5;
  s.total_gpus = 64;
  s.clusters.push_back({});
  s.clusters[0].id = "c";
  s.rollout.emplace();
  s.rollout->national.date_90pct_online = 2 * 86400.0;
  s.rollout->operators.push_back({"op", {}});
  s.rollout->sites.push_back({});
  s.rollout->sites[0].power_capacity_mw_then = 12.5;
  s.outputs.push_back({"jobs.csv", 10, "ab"});
  s.inputs.emplace();
  s.inputs->scenario_sha256 = "cd";
  return s;
}

}  // namespace

TEST_CASE("every pointer the comparisons read back resolves in to_json's document", "[summary]") {
  const nlohmann::json doc = nlohmann::json::parse(to_json(example()).dump());
  std::vector<std::string_view> pointers{summary_fields::kRunComplete, summary_fields::kScenarioStart};
  pointers.insert(pointers.end(), summary_fields::kDefaultMetrics.begin(), summary_fields::kDefaultMetrics.end());
  pointers.insert(pointers.end(), summary_fields::kDefaultRolloutMetrics.begin(),
                  summary_fields::kDefaultRolloutMetrics.end());
  pointers.insert(pointers.end(), summary_fields::kNotCompared.begin(), summary_fields::kNotCompared.end());
  for (std::string_view p : pointers) {
    INFO(p);
    CHECK(doc.contains(nlohmann::json::json_pointer(std::string(p))));
  }
}

TEST_CASE("to_json writes the struct's values in summary.json's layout", "[summary]") {
  const nlohmann::json doc = nlohmann::json::parse(to_json(example()).dump());
  CHECK(doc["format"] == "gpufleet-summary/1");
  CHECK(doc["scenario"]["start"] == "2025-01-01T00:00:00Z");
  CHECK(doc["scenario"]["horizon_s"] == 86400.0);
  CHECK(doc["run"]["stop_reason"].is_null());
  CHECK(doc["total"]["jobs"]["submitted"] == 3);
  CHECK(doc["total"]["gpus"] == 64);
  CHECK(doc["total"]["wait_s"]["mean"] == 1.5);
  CHECK(doc["clusters"][0]["id"] == "c");
  CHECK(doc["rollout"]["national"]["date_90pct_online"] == "2025-01-03");  // a date, from the start
  CHECK(doc["rollout"]["national"]["date_50pct_online"].is_null());        // not reached
  CHECK(doc["rollout"]["sites"][0]["power_capacity_mw_then"] == 12.5);
  CHECK(doc["rollout"]["sites"][0]["power_capacity_mw_at_end"].is_null());  // unlimited
  CHECK(doc["outputs"]["jobs.csv"]["sha256"] == "ab");
  CHECK(doc["inputs"]["scenario_sha256"] == "cd");
  Summary no_rollout = example();
  no_rollout.rollout.reset();
  no_rollout.outputs.clear();
  no_rollout.inputs.reset();
  const nlohmann::json plain = nlohmann::json::parse(to_json(no_rollout).dump());
  CHECK_FALSE(plain.contains("rollout"));
  CHECK_FALSE(plain.contains("outputs"));
  CHECK_FALSE(plain.contains("inputs"));
}
