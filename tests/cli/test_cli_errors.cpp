// The command line on bad input: every error as FILE: POINTER: message, exit 2; usage errors exit
// 2; --help and --version exit 0.
#include <catch2/catch.hpp>

#include <sstream>

#include <nlohmann/json.hpp>

#include "../helpers.hpp"
#include "gpufleet/cli.hpp"

using namespace gpufleet;
using gpufleet::test::TempDir;
using gpufleet::test::write_text;
using Json = nlohmann::json;

TEST_CASE("the CLI prints every error as FILE: POINTER: message and exits 2", "[scenario][cli]") {
  TempDir dir("cli");
  Json doc = Json::parse(R"({
    "format_version": 1, "name": "t", "seed": 7, "start": "2025-01-01", "horizon_days": 1,
    "gpu_models": [{"id": "g"}],
    "operators": [{"id": "op", "sites": [{"id": "s", "clusters": [{"id": "c", "gpu_model": "g", "nodes": 4, "gpus_per_node": 8}]}]}],
    "workloads": [{"id": "w", "cluster": "c", "kind": "synthetic", "arrival": {"process": "poisson", "rate_per_hour": 1},
                   "gpus": {"dist": "fixed", "value": 1}, "duration_s": {"dist": "exponential", "mean": 60}}]
  })");
  doc["seed"] = -1;
  doc["workloads"][0]["gpus"]["value"] = 0;
  const auto path = (dir.path() / "scenario.json").string();
  write_text(path, doc.dump());
  std::ostringstream out, err;
  const char* argv[] = {"gpufleet", "validate", path.c_str()};
  CHECK(run_cli(3, argv, out, err) == kExitBadInput);
  CHECK_THAT(err.str(), Catch::Contains(path + ": /seed: expected an integer"));
  CHECK_THAT(err.str(),
             Catch::Contains(path + ": /workloads/0/gpus/value: expected a number in [1, 1000000000], found number 0"));
  CHECK_THAT(err.str(), Catch::Contains("2 errors found"));

  SECTION("not JSON at all") {
    write_text(path, "{ \"name\": ");
    std::ostringstream o2, e2;
    CHECK(run_cli(3, argv, o2, e2) == kExitBadInput);
    CHECK_THAT(e2.str(), Catch::Contains("expected valid JSON"));
  }
  SECTION("missing scenario file") {
    const char* argv2[] = {"gpufleet", "validate", "/nonexistent/scenario.json"};
    std::ostringstream o2, e2;
    CHECK(run_cli(3, argv2, o2, e2) == kExitBadInput);
    CHECK_THAT(e2.str(), Catch::Contains("/nonexistent/scenario.json: cannot open"));
  }
  SECTION("usage errors") {
    const char* argv3[] = {"gpufleet", "frobnicate"};
    std::ostringstream o2, e2;
    CHECK(run_cli(2, argv3, o2, e2) == kExitBadInput);
    const char* argv4[] = {"gpufleet", "run"};
    CHECK(run_cli(2, argv4, o2, e2) == kExitBadInput);
    const char* argv5[] = {"gpufleet", "run", path.c_str(), "--seed", "abc"};
    CHECK(run_cli(5, argv5, o2, e2) == kExitBadInput);
  }
  SECTION("help and version exit 0") {
    const char* argv6[] = {"gpufleet", "--help"};
    std::ostringstream o2, e2;
    CHECK(run_cli(2, argv6, o2, e2) == kExitOk);
    CHECK_THAT(o2.str(), Catch::Contains("validate"));
    const char* argv7[] = {"gpufleet", "--version"};
    std::ostringstream o3, e3;
    CHECK(run_cli(2, argv7, o3, e3) == kExitOk);
    CHECK_THAT(o3.str(), Catch::Contains("gpufleet 0."));
  }
}
