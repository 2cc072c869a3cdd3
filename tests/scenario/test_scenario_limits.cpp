// Resource limits the loader enforces before any work.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "core/sha256.hpp"
#include "scenario/scenario_loader.hpp"

using namespace gpufleet;
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
    CHECK_THAT(messages(e),
               Catch::Contains("max_jobs=-1: expected a positive number") && Catch::Contains("NAME one of max_jobs"));
  }
}
