// The rollout through the engine, on a scenario small enough to work out by
// hand (tests/data/rollout-hand.json), and the accounting identities.
//
// Hand computation: one supplier makes 16,000 HBM3E-8H stacks a month at 50 %
// yield, all for this programme, and supply steps are one month long: 8,000
// good stacks = 1,000 GPUs a month. The order (1,000 + 504 GPUs) gets 1,000 GPUs
// at day 0 and 504 at day 30.44 (leaving 3,968 good stacks unused); each ships
// after 10 + 5 days. Site: 1.3 MW until 1 March, then 2.0 MW; PUE 1.3 and
// 1,000 W per GPU give 1,300 W per GPU, so 1,000 GPUs fit before March and
// 1,538 after. Installers do 200 GPUs a day; burn-in takes 2 days.
//  - Day 15 (16 Jan): 1,000 arrive; 200 installed a day on days 15-19; online
//    200 a day on days 17-21 (18-22 Jan). 50 % of 1,504 (752) is passed on day
//    20 (21 Jan, 800 online).
//  - Day 45.44: 504 arrive, but the site's power is full until 1 March (day 59):
//    installed 200, 200, 104 on days 59-61, online on days 61-63 (3-5 March):
//    90 % (1,354) on 4 March (1,400), 100 % on 5 March.
//  - Stranded GPU-days: 1,000 x 2 + 800 + 600 + 400 + 200 = 4,000 for the
//    first shipment; 504 x (61 - 45.436875) + 304 + 104 = 8,251.815 for the
//    second: 12,251.815.
//  - HBM stacks consumed (raw, yield loss included): 2 x (8,000 + 4,032) = 24,064.
#include <catch2/catch.hpp>

#include <cmath>

#include <nlohmann/json.hpp>

#include "../helpers.hpp"
#include "engine/engine.hpp"
#include "output/writers.hpp"
#include "scenario/scenario_loader.hpp"

using namespace gpufleet;
using Json = nlohmann::json;

TEST_CASE("a hand-computable rollout gives the dates worked out by hand", "[rollout][engine]") {
  const Scenario sc = load_scenario(test::source_dir() + "/tests/data/rollout-hand.json");
  const RunResult run = run_scenario(sc);
  test::TempDir dir("rollout-hand");
  write_results(dir.str(), sc, run);
  const Json s = Json::parse(test::read_text(dir.path() / "summary.json"));
  const Json& n = s["rollout"]["national"];
  CHECK(n["ordered_gpus"] == 1504);
  CHECK(n["delivered_gpus"] == 1504);
  CHECK(n["online_gpus"] == 1504);
  CHECK(n["date_50pct_online"] == "2025-01-21");
  CHECK(n["date_90pct_online"] == "2025-03-04");
  CHECK(n["date_100pct_online"] == "2025-03-05");
  CHECK(n["stranded_gpu_days"].get<double>() == Approx(12251.815).epsilon(1e-9));
  CHECK(n["hbm_stacks_consumed"].get<double>() == Approx(24064).epsilon(1e-9));
  // The site never draws more than its grid capacity.
  for (const auto& site : s["rollout"]["sites"])
    CHECK(site["peak_facility_mw"].get<double>() <= site["power_capacity_mw_then"].get<double>());

  const auto orders = test::parse_csv(test::read_text(dir.path() / "orders.csv"));
  REQUIRE(orders.size() == 3);
  CHECK(orders[1] == std::vector<std::string>{"o1", "op", "c", "1", "1000", "2025-02-01", "2025-01-16", "-16.000"});
  CHECK(orders[2] == std::vector<std::string>{"o1", "op", "c", "2", "504", "2025-03-01", "2025-02-15", "-13.563"});

  // Nodes join the cluster's scheduler as they come online.
  const auto ts = test::parse_csv(test::read_text(dir.path() / "timeseries.csv"));
  std::map<std::string, std::string> online_at;
  for (std::size_t i = 1; i < ts.size(); ++i) online_at[ts[i][1]] = ts[i][3];
  CHECK(online_at["2025-01-17T00:00:00Z"] == "0");
  CHECK(online_at["2025-01-18T00:00:00Z"] == "200");
  CHECK(online_at["2025-03-05T00:00:00Z"] == "1504");
}

// The same scenario with two disruptions:
//  - supplier capacity x0.5 until 20 Jan: the first step gets 4,000 good stacks = 500 GPUs; the second
//    (day 30.44) the usual 1,000; allocated 1,500 by then.
//  - the order is cut by 504 GPUs on 20 Feb (applied at the next step, day 60.87): only 4 GPUs are
//    not yet allocated, so the cut is 4 and the order becomes 1,500 (last tranche 500).
// Deliveries: 500 on 16 Jan, 1,000 on 15 Feb, which completes both tranches (delays 14.437 and
// -13.563 days). 1,500 GPUs are 187 whole nodes and 4 GPUs: 4 stay stranded at the end.
TEST_CASE("supplier and order disruptions change a hand-computable rollout as worked out", "[rollout][engine]") {
  Json doc = Json::parse(test::read_text(test::source_dir() + "/tests/data/rollout-hand.json"));
  doc["events"] = Json::array({
      {{"kind", "supplier_capacity"},
       {"date", "2025-01-01"},
       {"supplier", "s1"},
       {"factor", 0.5},
       {"until", "2025-01-20"}},
      {{"kind", "order_change"}, {"date", "2025-02-20"}, {"order", "o1"}, {"gpus", -504}},
  });
  const Scenario sc = load_scenario_json(doc, "rollout-hand-disrupted.json", test::source_dir() + "/tests/data");
  const RunResult run = run_scenario(sc);
  test::TempDir dir("rollout-disrupted");
  write_results(dir.str(), sc, run);
  const Json s = Json::parse(test::read_text(dir.path() / "summary.json"));
  const Json& n = s["rollout"]["national"];
  CHECK(n["ordered_gpus"] == 1500);
  CHECK(n["delivered_gpus"] == 1500);
  CHECK(n["online_gpus"] == 1496);
  CHECK(n["stranded_gpus"] == 4);
  CHECK(n["date_100pct_online"].is_null());
  CHECK(n["hbm_stacks_consumed"].get<double>() == Approx(24000).epsilon(1e-9));
  const auto orders = test::parse_csv(test::read_text(dir.path() / "orders.csv"));
  REQUIRE(orders.size() == 3);
  CHECK(orders[1] == std::vector<std::string>{"o1", "op", "c", "1", "1000", "2025-02-01", "2025-02-15", "14.437"});
  CHECK(orders[2] == std::vector<std::string>{"o1", "op", "c", "2", "500", "2025-03-01", "2025-02-15", "-13.563"});
  // rollout.csv: the cut shows from the step that applied it (day 60.87 = 2 March, 20:58) on.
  const auto rows = test::parse_csv(test::read_text(dir.path() / "rollout.csv"));
  std::map<std::string, std::string> ordered_on;
  for (std::size_t i = 1; i < rows.size(); ++i)
    if (rows[i][1] == "op") ordered_on[rows[i][0].substr(0, 10)] = rows[i][2];
  CHECK(ordered_on["2025-03-02"] == "1504");
  CHECK(ordered_on["2025-03-03"] == "1500");
}
