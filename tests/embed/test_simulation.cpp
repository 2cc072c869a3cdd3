// The embedding API (gpufleet/simulation.hpp), through the public headers only: the same
// numbers and the same files as `gpufleet run` (tests/golden/ holds both for small-synthetic).
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "../helpers.hpp"
#include "core/sha256.hpp"
#include "gpufleet/diagnostics.hpp"
#include "gpufleet/simulation.hpp"

using namespace gpufleet;

TEST_CASE("an embedded run gives the golden summary and byte-identical files", "[embed]") {
  test::TempDir dir("embed");
  Simulation sim = Simulation::load(test::scenario_path("small-synthetic.json"));
  CHECK(sim.name() == "small-synthetic");
  const Summary& s = sim.run();
  const auto golden =
      nlohmann::json::parse(test::read_text(test::source_dir() + "/tests/golden/small-synthetic.summary.json"));
  CHECK(s.total.submitted == golden["total"]["jobs"]["submitted"].get<std::uint64_t>());
  CHECK(s.total.completed == golden["total"]["jobs"]["completed"].get<std::uint64_t>());
  CHECK(s.total.running + s.total.queued + s.total.rejected + s.total.completed == s.total.submitted);
  CHECK(s.total.wait_s.mean == golden["total"]["wait_s"]["mean"].get<double>());
  REQUIRE(s.clusters.size() == 2);
  CHECK(s.clusters[1].queue == "priority");
  CHECK(s.run.complete);
  REQUIRE(s.inputs);
  CHECK(s.inputs->scenario_sha256.size() == 64);
  CHECK(&sim.run() == &s);  // run once; later calls return the same summary

  const auto out = dir.path() / "out";
  sim.write(out.string());
  // Every file the golden test pins (jobs.csv, timeseries.csv, scenario.json, report.html ...).
  std::istringstream pins(test::read_text(test::source_dir() + "/tests/golden/small-synthetic.sha256"));
  std::string digest, name;
  int checked = 0;
  while (pins >> digest >> name) {
    INFO(name);
    CHECK(sha256_hex(test::read_text(out / name)) == digest);
    ++checked;
  }
  CHECK(checked >= 4);
  const auto written = nlohmann::json::parse(test::read_text(out / "summary.json"));
  CHECK(written["total"] == golden["total"]);
  // The folder rules of gpufleet run: a folder of the user's own is refused, not emptied.
  std::filesystem::create_directories(dir.path() / "mine");
  test::write_text(dir.path() / "mine" / "notes.txt", "keep");
  CHECK_THROWS_AS(sim.write((dir.path() / "mine").string()), InputError);
  CHECK(test::read_text(dir.path() / "mine" / "notes.txt") == "keep");
}

TEST_CASE("an embedded load reports every problem with its place", "[embed]") {
  SimulationOptions o;
  o.sets = {"/seed=-1", "/horizon_days=\"soon\""};
  try {
    Simulation::load(test::scenario_path("small-synthetic.json"), o);
    FAIL("expected InputError");
  } catch (const InputError& e) {
    const std::string all = e.diagnostics().to_string();
    CHECK_THAT(all, Catch::Contains("/seed") && Catch::Contains("/horizon_days"));
  }
}
