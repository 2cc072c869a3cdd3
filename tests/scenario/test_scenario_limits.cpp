// Resource limits the loader enforces before any work.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "../helpers.hpp"
#include "core/sha256.hpp"
#include "scenario/scenario_loader.hpp"

using namespace gpufleet;
using Json = nlohmann::json;

TEST_CASE("absurd scenarios are refused up front, naming the limit", "[limits]") {
  auto load = [](Json doc, const ResourceLimits& lim = {}) {
    LoadOptions o;
    o.limits = lim;
    return load_scenario_json(doc, "absurd.json", ".", o);
  };
  Json doc = Json::parse(test::kSmallScenario);
  CHECK_NOTHROW(load(doc));
  doc["operators"][0]["sites"][0]["clusters"][0]["nodes"] = 1'000'000'000;
  CHECK_THROWS_WITH(load(doc), Catch::Contains("1e+09 nodes") && Catch::Contains("--limit max_nodes=N"));
  ResourceLimits big;
  big.max_nodes = 2e9;
  big.max_gpus = 1e10;
  CHECK_NOTHROW(load(doc, big));
  doc = Json::parse(test::kSmallScenario);
  doc["horizon_days"] = 365.25e6;
  try {
    load(doc);
    FAIL("expected InputError");
  } catch (const InputError& e) {
    CHECK_THAT(test::messages(e), Catch::Contains("/horizon_days: horizon of 3.6525e+08 days (1e+06 years)"));
    CHECK_THAT(test::messages(e), Catch::Contains("max_timeseries_rows"));
  }
  doc = Json::parse(test::kSmallScenario);
  doc["workloads"][0]["arrival"]["rate_per_hour"] = 1e9;
  doc["horizon_days"] = 50;
  CHECK_THROWS_WITH(load(doc), Catch::Contains("about 1.2e+12 jobs") && Catch::Contains("max_jobs"));
  CHECK(parse_limit_overrides({"max_jobs=5e7"}).max_jobs == 5e7);
  try {
    parse_limit_overrides({"max_jobs=-1", "nope=3"});
    FAIL("expected InputError");
  } catch (const InputError& e) {
    CHECK(e.diagnostics().size() == 2);
    CHECK_THAT(test::messages(e),
               Catch::Contains("max_jobs=-1: expected a positive number") && Catch::Contains("NAME one of max_jobs"));
  }
}
