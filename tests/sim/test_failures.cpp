// Failures, repairs, spares and checkpoints (docs/failures.md), ClusterSim driven by hand: the
// failure process against its definition, the wall time of a checkpointed job against Daly's
// formula, a hand-computed repair-and-spares case, and conservation at every instant.
#include <catch2/catch.hpp>

#include <cmath>
#include <map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "../helpers.hpp"
#include "metrics/summary.hpp"
#include "scenario/scenario_loader.hpp"
#include "sim/cluster_sim.hpp"
#include "sim/run_result.hpp"

using namespace gpufleet;
using Json = nlohmann::ordered_json;

namespace {

// The k range [lo, hi] holding at least `level` of a Poisson(mu) law, with at most (1 - level) / 2
// outside on each side (computed from the exact pmf, summed in log space).
std::pair<long, long> poisson_interval(double mu, double level) {
  const double tail = (1 - level) / 2;
  const long top = static_cast<long>(mu + 20 * std::sqrt(mu) + 20);
  std::vector<double> cdf;
  double sum = 0;
  for (long k = 0; k <= top; ++k) {
    sum += std::exp(static_cast<double>(k) * std::log(mu) - mu - std::lgamma(static_cast<double>(k) + 1));
    cdf.push_back(sum);
  }
  long lo = 0, hi = top;
  while (lo + 1 < top && cdf[static_cast<std::size_t>(lo)] <= tail) ++lo;    // P(X < lo) <= tail
  while (hi > 0 && 1 - cdf[static_cast<std::size_t>(hi - 1)] <= tail) --hi;  // P(X > hi) <= tail
  return {lo, hi};
}

// Drives a cluster to its horizon, checking conservation after every `check_every`-th instant (the
// check is O(jobs + nodes): large runs check a sample of instants) and at the end; hands its result over.
ClusterResult run_cluster(const Scenario& sc, std::uint32_t cluster = 0, std::uint64_t check_every = 1) {
  ClusterSim sim(sc, cluster);
  std::uint64_t instants = 0;
  for (Seconds t = sim.next_event_time(); t != ClusterSim::kNever; t = sim.next_event_time()) {
    sim.advance_to(t);
    if (++instants % check_every == 0) sim.check_invariants();
  }
  return sim.take_result(*sc.horizon_s);
}

// One cluster of `nodes` one-GPU nodes whose model fails at `rate` per GPU-hour, recovering
// automatically in `recovery_s`; one job of `gpus` GPUs and `work_s` of work at t = 0.
Json single_job(int nodes, double rate, double recovery_s, int gpus, double work_s, const Json& checkpoint) {
  Json doc = test::one_cluster_scenario("single", nodes);
  doc["horizon_days"] = 10 * work_s / 86400;
  doc["gpu_models"][0]["failures"] = {
      {"rate_per_gpu_hour", rate},
      {"classes",
       {{{"id", "any"}, {"share", 1}, {"auto_share", 1}, {"auto_s", {{"dist", "fixed"}, {"value", recovery_s}}}}}}};
  doc["workloads"] = {{{"id", "w"},
                       {"cluster", "c"},
                       {"kind", "synthetic"},
                       {"arrival", {{"process", "interval"}, {"interval_s", 1}}},
                       {"start_s", 0},
                       {"count", 1},
                       {"gpus", {{"dist", "fixed"}, {"value", gpus}}},
                       {"duration_s", {{"dist", "fixed"}, {"value", work_s}}},
                       {"checkpoint", checkpoint}}};
  doc["scheduling"] = {{"backfill", {{"policy", "none"}}}};
  doc["outputs"] = {{"timeseries_interval_s", 86400}};
  return doc;
}

// Daly (2006), eq. (20): expected wall time of T_s of work with checkpoints every tau of work,
// each written in delta, restarts costing R, exponential failures of mean M.
double daly_wall_time(double ts, double tau, double delta, double r, double m) {
  return m * std::exp(r / m) * (std::exp((tau + delta) / m) - 1) * ts / tau;
}

}  // namespace

TEST_CASE("llama3-405b: interruptions and node failures lie in the 99 % Poisson interval of the rate given",
          "[failures][cluster_sim]") {
  Scenario sc = load_scenario(test::scenario_path("llama3-405b.json"));
  const FailureSpec& f = sc.gpu_models[0].failures;
  const std::uint32_t gpus_per_node = sc.clusters[0].gpus_per_node;
  std::map<std::string, std::uint64_t> pooled;
  std::uint64_t pooled_total = 0;
  for (std::uint64_t seed : {405u, 1u, 2u, 3u, 4u}) {
    sc.seed = seed;
    const ClusterResult r = run_cluster(sc);
    REQUIRE(r.failures);
    REQUIRE(r.jobs.size() == 1);
    const Job& j = r.jobs[0];
    // The job's exposure: the GPU-hours it ran, within the 54 days.
    const double ran_s = j.held_s + (j.state == JobState::kRunning ? *sc.horizon_s - j.start : j.end - j.start);
    const double mu_interruptions = f.rate_per_gpu_hour * j.gpus * ran_s / 3600;
    const auto [ilo, ihi] = poisson_interval(mu_interruptions, 0.99);
    INFO(fmt::format("seed {}: {} interruptions, expected {:.1f} [{}, {}]", seed, j.interruptions, mu_interruptions,
                     ilo, ihi));
    CHECK(static_cast<long>(j.interruptions) >= ilo);
    CHECK(static_cast<long>(j.interruptions) <= ihi);
    CHECK(j.interruptions == r.failures->interruptions);
    // Every node failure over the up node-hours (the job's and the idle spares' places alike).
    std::uint64_t failures = 0;
    for (std::size_t c = 0; c < f.classes.size(); ++c) {
      failures += r.failures->by_class[c];
      pooled[f.classes[c].id] += r.failures->by_class[c];
    }
    pooled_total += failures;
    const double mu_failures = f.rate_per_gpu_hour * gpus_per_node * r.failures->up_node_s / 3600;
    const auto [flo, fhi] = poisson_interval(mu_failures, 0.99);
    INFO(fmt::format("seed {}: {} node failures, expected {:.1f} [{}, {}]", seed, failures, mu_failures, flo, fhi));
    CHECK(static_cast<long>(failures) >= flo);
    CHECK(static_cast<long>(failures) <= fhi);
    // The rate given is Llama 3's: 419 in 54 days on 2,048 nodes always up (down time is ~0.01 %).
    CHECK(mu_failures == Approx(419).epsilon(0.01));
  }
  // The shares by class, pooled over the seeds, within 3.29 binomial standard deviations (99.9 %).
  for (const FailureClassSpec& c : f.classes) {
    const double n = static_cast<double>(pooled_total), expect = n * c.share;
    const double sd = std::sqrt(n * c.share * (1 - c.share));
    INFO(fmt::format("class {}: {} of {}, expected {:.1f} +- {:.1f}", c.id, pooled[c.id], pooled_total, expect, sd));
    CHECK(std::abs(static_cast<double>(pooled[c.id]) - expect) <= 3.29 * sd);
  }
}

TEST_CASE("Weibull times to failure have the mean the rate gives (renewal count)", "[failures][cluster_sim]") {
  // 1,000 idle one-GPU nodes, each back up at once after a failure: by the renewal theorem the
  // expected count over T is nodes * (T / mean + (CV^2 - 1) / 2) + o(1), CV the coefficient of
  // variation of the time to failure (Cox, "Renewal Theory", 1962, section 4.5).
  for (double shape : {0.7, 1.0, 2.5}) {
    Json doc = test::one_cluster_scenario("weibull", 1000);
    doc["horizon_days"] = 500;
    doc["gpu_models"][0]["failures"] = {
        {"rate_per_gpu_hour", 1.0 / 240},  // mean 10 days
        {"weibull_shape", shape},
        {"classes", {{{"id", "any"}, {"share", 1}, {"auto_share", 1}, {"auto_s", {{"dist", "fixed"}, {"value", 0}}}}}}};
    doc["workloads"] = Json::array();
    const Scenario sc = load_scenario_json(doc, "weibull.json", ".");
    const ClusterResult r = run_cluster(sc, 0, 997);
    const double g1 = std::tgamma(1 + 1 / shape), g2 = std::tgamma(1 + 2 / shape);
    const double cv2 = g2 / (g1 * g1) - 1;
    const double expect = 1000.0 * (500.0 / 10 + (cv2 - 1) / 2);
    INFO(fmt::format("shape {}: {} failures, expected about {}", shape, r.failures->by_class[0], expect));
    CHECK(static_cast<double>(r.failures->by_class[0]) == Approx(expect).epsilon(0.01));
  }
}

TEST_CASE("a checkpointed job's mean wall time matches Daly's formula at two failure rates",
          "[failures][cluster_sim]") {
  // 8 of 64 one-GPU nodes; a failed node is back after 1 s and the job restarts at once on free
  // nodes, so its wall time is Daly's: work T_s = 100 h, tau = 1 h, delta = R = 0.1 h.
  const double ts = 100 * 3600.0, tau = 3600, delta = 360, restart = 360;
  for (double job_mtbf_h : {10.0, 3.0}) {
    const double rate = 1.0 / (job_mtbf_h * 8);  // per GPU-hour: 8 one-GPU nodes give the job's M
    const Json cp = {{"interval_s", tau}, {"write_s", delta}, {"restart_overhead_s", restart}};
    Scenario sc = load_scenario_json(single_job(64, rate, 1, 8, ts, cp), "daly.json", ".");
    double sum = 0;
    const int seeds = 200;
    for (int seed = 1; seed <= seeds; ++seed) {
      sc.seed = static_cast<std::uint64_t>(seed);
      const ClusterResult r = run_cluster(sc);
      REQUIRE(r.jobs[0].state == JobState::kCompleted);
      REQUIRE(r.jobs[0].first_start == 1);  // the interval arrival comes at 1 s
      sum += r.jobs[0].end - r.jobs[0].first_start;
    }
    const double mean = sum / seeds;
    const double daly = daly_wall_time(ts, tau, delta, restart, job_mtbf_h * 3600);
    INFO(fmt::format("M = {} h: mean wall time {:.2f} h over {} seeds, Daly {:.2f} h", job_mtbf_h, mean / 3600, seeds,
                     daly / 3600));
    CHECK(mean == Approx(daly).epsilon(0.03));
  }
}

TEST_CASE("goodput over a sweep of checkpoint intervals peaks within 25 % of the Young/Daly optimum",
          "[failures][cluster_sim]") {
  // M = 10 h, delta = 0.1 h: Daly's optimum sqrt(2 delta M)(1 + sqrt(delta / 2M) / 3 + delta / 9M) - delta.
  const double m = 10 * 3600.0, delta = 360, ts = 100 * 3600.0;
  const double opt = std::sqrt(2 * delta * m) * (1 + std::sqrt(delta / (2 * m)) / 3 + delta / (9 * m)) - delta;
  std::vector<double> factors{0.4, 0.5, 0.625, 0.8, 1.0, 1.25, 1.6, 2.0, 2.5};
  std::vector<double> goodput;
  for (double k : factors) {
    const Json cp = {{"interval_s", k * opt}, {"write_s", delta}, {"restart_overhead_s", 360}};
    Scenario sc = load_scenario_json(single_job(64, 1.0 / (10 * 8), 1, 8, ts, cp), "sweep.json", ".");
    double useful = 0, used = 0;
    for (int seed = 1; seed <= 120; ++seed) {  // the same failure times for every interval
      sc.seed = static_cast<std::uint64_t>(seed);
      const ClusterResult r = run_cluster(sc);
      const Job& j = r.jobs[0];
      REQUIRE(j.state == JobState::kCompleted);
      used += j.held_s + (j.end - j.start);
      useful += j.runtime;
    }
    goodput.push_back(useful / used);
  }
  const auto best = static_cast<std::size_t>(std::max_element(goodput.begin(), goodput.end()) - goodput.begin());
  std::string curve;
  for (std::size_t i = 0; i < factors.size(); ++i) curve += fmt::format(" {}x: {:.4f}", factors[i], goodput[i]);
  INFO("optimum " << opt << " s; goodput by interval / optimum:" << curve);
  CHECK(factors[best] >= 0.75);
  CHECK(factors[best] <= 1.25);
  // And the curve is not flat: the ends lose.
  CHECK(goodput.front() < goodput[best] - 0.005);
  CHECK(goodput.back() < goodput[best] - 0.005);
}

TEST_CASE("two failures, one spare, one technician: the hand-computed case", "[failures][cluster_sim]") {
  // 2 one-GPU nodes and 1 spare, 1 technician, swaps of 100 s. Job A (2 GPUs, 10,000 s of work,
  // checkpoint every 1,000 s, writes free, restarts 50 s) starts at 1.
  //   2,501 node 0 fails (manual, 3,000 s): A loses 500 s (2,000 checkpointed); the spare replaces
  //         node 0 by 2,601; the technician repairs node 0 from 2,501 to 5,501.
  //   2,601 A restarts (50 s restart + 8,000 s left).
  //   3,001 node 1 fails (manual, 2,000 s): A loses its 400 s run (no checkpoint in 350 s of work);
  //         no spare left, node 1 waits; its repair waits for the technician.
  //   5,501 node 0's repair is done: it refills the pool and goes at once to node 1's place (up at
  //         5,601); the technician starts on node 1 (waited 2,500 s), done 7,501: a spare again.
  //   5,601 A restarts, ends 5,601 + 50 + 8,000 = 13,651. Lost 500 + 400 + 50 = 950 s per GPU.
  Json doc = single_job(2, 0, 0, 2, 10000, {{"interval_s", 1000}, {"restart_overhead_s", 50}});
  doc["gpu_models"][0].erase("failures");
  doc["horizon_days"] = 1;
  auto& cluster = doc["operators"][0]["sites"][0]["clusters"][0];
  cluster["repair"] = {{"technicians", 1}, {"spare_nodes", 1}, {"swap_s", 100}};
  cluster["failure_trace"] = {
      {{"node", 0}, {"at_s", 2501}, {"class", "gpu"}, {"recovery", "manual"}, {"duration_s", 3000}},
      {{"node", 1}, {"at_s", 3001}, {"class", "hbm"}, {"recovery", "manual"}, {"duration_s", 2000}}};
  doc["outputs"] = {{"timeseries_interval_s", 100}};
  const Scenario sc = load_scenario_json(doc, "hand.json", ".");
  const ClusterResult r = run_cluster(sc);
  REQUIRE(r.jobs.size() == 1);
  const Job& a = r.jobs[0];
  CHECK(a.state == JobState::kCompleted);
  CHECK(a.first_start == 1);
  CHECK(a.start == 5601);
  CHECK(a.end == 13651);
  CHECK(a.interruptions == 2);
  CHECK(a.lost_s == 950);
  CHECK(a.held_s == 2500 + 400);
  const FailureCounts& f = *r.failures;
  CHECK(f.by_class[0] == 1);  // gpu
  CHECK(f.by_class[1] == 1);  // hbm
  CHECK(f.manual == 2);
  CHECK(f.automatic == 0);
  CHECK(f.spares_used == 2);
  CHECK(f.repair_waits_s == std::vector<double>{0, 2500});
  CHECK(f.interruptions == 2);
  CHECK(f.down_gpu_s == 100 + 2600);         // node 0 down 2,501-2,601, node 1 3,001-5,601
  CHECK(f.redone_gpu_s == 2 * (500 + 350));  // work since the last checkpoint
  CHECK(f.restart_gpu_s == 2 * (50 + 50));   // the two restarts
  CHECK(f.checkpoint_gpu_s == 0);
  // The time series: at 3,100 one node down, two in repair, no spare; at 8,000 all back, a spare.
  const auto at = [&](Seconds t) {
    for (const TimeseriesRow& row : r.timeseries)
      if (row.t == t) return row;
    FAIL("no sample at " << t);
    return TimeseriesRow{};
  };
  CHECK(at(3100).down_nodes == 1);
  CHECK(at(3100).repairing_nodes == 2);
  CHECK(at(3100).spare_nodes == 0);
  CHECK(at(3100).busy_gpus == 0);
  CHECK(at(8000).down_nodes == 0);
  CHECK(at(8000).repairing_nodes == 0);
  CHECK(at(8000).spare_nodes == 1);
  CHECK(at(8000).busy_gpus == 2);
}

TEST_CASE("checkpoint writes cost run time even without failures, and Young/Daly sets the interval",
          "[failures][cluster_sim]") {
  // 10,000 s of work, interval 1,000 s, write 30 s: 9 writes (none after the last interval).
  Json doc = single_job(4, 0, 0, 2, 10000, {{"interval_s", 1000}, {"write_s", 30}});
  doc["gpu_models"][0].erase("failures");
  const ClusterResult r = run_cluster(load_scenario_json(doc, "writes.json", "."));
  CHECK(r.jobs[0].end == 1 + 10000 + 9 * 30);  // submitted and started at 1 s
  CHECK(r.jobs[0].lost_s == 270);
  // young_daly on a model that fails: tau = sqrt(2 delta M), M = 1 / (rate x nodes) = 1 / (0.001 x 2) h.
  Json yd = single_job(4, 0.001, 1, 2, 10000, {{"interval_s", "young_daly"}, {"write_s", 30}});
  const Scenario sc = load_scenario_json(yd, "yd.json", ".");
  ClusterSim sim(sc, 0);
  Job j;
  j.gpus = 2;
  j.workload = 0;
  CHECK(sim.state().checkpoint_interval(j) == Approx(std::sqrt(2 * 30 * 3600 / (0.001 * 2))));
}

TEST_CASE("a job that runs out of retries fails, and all its GPU-time is lost", "[failures][cluster_sim]") {
  // A node fails every ~hour on average; the 100-hour job without checkpoints cannot finish.
  Json doc = single_job(8, 1.0, 1, 4, 100 * 3600.0, {{"max_retries", 3}});
  const Scenario sc = load_scenario_json(doc, "retries.json", ".");
  const ClusterResult r = run_cluster(sc);
  const Job& j = r.jobs[0];
  CHECK(j.state == JobState::kFailed);
  CHECK(j.interruptions == 4);
  CHECK(j.lost_s == j.held_s);
  CHECK(r.failures->jobs_failed == 1);
  CHECK(r.failures->failed_job_gpu_s == Approx(0).margin(1e-9));  // nothing was checkpointed
}

TEST_CASE("failures keep every job and GPU accounted for, and never move the job arrivals", "[failures][cluster_sim]") {
  Json doc = nlohmann::ordered_json::parse(test::read_text(test::scenario_path("small-synthetic.json")));
  for (auto& m : doc["gpu_models"]) m["failures"] = {{"rate_per_gpu_hour", 0.002}};  // ~1 failure / node / 2.6 days
  for (auto& w : doc["workloads"])
    w["checkpoint"] = {{"interval_s", 1800}, {"write_s", 20}, {"restart_overhead_s", 120}};
  doc["operators"][0]["sites"][0]["clusters"][0]["repair"] = {{"technicians", 1}, {"spare_nodes", 2}, {"swap_s", 300}};
  const Scenario with = load_scenario_json(doc, "fail.json", test::source_dir() + "/scenarios");
  Json other = doc;  // another class split: the same arrivals
  for (auto& m : other["gpu_models"])
    m["failures"]["classes"] = {
        {{"id", "a"},
         {"share", 0.5},
         {"auto_share", 0.5},
         {"auto_s", {{"dist", "fixed"}, {"value", 60}}},
         {"manual_s", {{"dist", "exponential"}, {"mean", 86400}}}},
        {{"id", "b"}, {"share", 0.5}, {"auto_share", 0}, {"manual_s", {{"dist", "fixed"}, {"value", 3600}}}}};
  const Scenario split = load_scenario_json(other, "fail2.json", test::source_dir() + "/scenarios");
  Json none = doc;
  for (auto& m : none["gpu_models"]) m.erase("failures");
  const Scenario plain = load_scenario_json(none, "plain.json", test::source_dir() + "/scenarios");
  for (std::uint32_t c = 0; c < with.clusters.size(); ++c) {
    const ClusterResult a = run_cluster(with, c, 101), b = run_cluster(split, c, 1009), p = run_cluster(plain, c, 1009);
    REQUIRE(a.failures);
    CHECK(a.failures->interruptions > 0);
    std::vector<std::pair<Seconds, std::int64_t>> sa, sb, sp;
    double lost = 0, held = 0;
    for (const Job& j : a.jobs) {
      sa.emplace_back(j.submit, j.id);
      lost += j.gpus * j.lost_s;
      held += j.gpus * (j.held_s + (j.state == JobState::kRunning     ? *with.horizon_s - j.start
                                    : j.state == JobState::kCompleted ? j.end - j.start
                                                                      : 0.0));
    }
    for (const Job& j : b.jobs) sb.emplace_back(j.submit, j.id);
    for (const Job& j : p.jobs) sp.emplace_back(j.submit, j.id);
    std::sort(sa.begin(), sa.end());
    std::sort(sb.begin(), sb.end());
    std::sort(sp.begin(), sp.end());
    CHECK(sa == sb);
    CHECK(sa == sp);
    // GPU-hours used = useful + lost, and lost = the sum of its causes.
    const FailureCounts& f = *a.failures;
    CHECK(f.redone_gpu_s + f.restart_gpu_s + f.checkpoint_gpu_s + f.failed_job_gpu_s == Approx(lost).epsilon(1e-9));
    CHECK(held == Approx(a.busy_gpu_s).epsilon(1e-9));
  }
}

TEST_CASE("domain failures take a whole rack down; the share of them is the one given", "[failures][cluster_sim]") {
  // 64 idle one-GPU nodes in racks of 4, each node failing at 1 / 240 h, back after 60 s.
  for (double share : {1.0, 0.5}) {
    Json doc = test::one_cluster_scenario("domain", 64);
    doc["horizon_days"] = 100;
    doc["operators"][0]["sites"][0]["clusters"][0]["rack_nodes"] = 4;
    doc["gpu_models"][0]["failures"] = {
        {"rate_per_gpu_hour", 1.0 / 240},
        {"domain_share", share},
        {"classes",
         {{{"id", "any"}, {"share", 1}, {"auto_share", 1}, {"auto_s", {{"dist", "fixed"}, {"value", 60}}}}}}};
    doc["workloads"] = Json::array();
    const Scenario sc = load_scenario_json(doc, "domain.json", ".");
    const ClusterResult r = run_cluster(sc);
    const FailureCounts& f = *r.failures;
    // Triggers (one per drawn failure) come at 64 nodes / 240 h over 2,400 h: 640 expected.
    const std::uint64_t nodes = f.by_class[0], domains = f.domain_failures, singles = nodes - 4 * domains;
    const auto [lo, hi] = poisson_interval(640, 0.99);
    INFO(fmt::format("share {}: {} node failures, {} domain failures", share, nodes, domains));
    // All four nodes of a rack are up at a trigger but for the rare trigger within 60 s of another.
    CHECK(static_cast<long>(singles + domains) >= lo - 10);
    CHECK(static_cast<long>(singles + domains) <= hi);
    if (share == 1.0) {
      CHECK(nodes >= 4 * domains - 4);  // at most one rack missed a node that was down
      CHECK(nodes <= 4 * domains);
    } else {
      const double n = static_cast<double>(singles + domains);
      CHECK(std::abs(static_cast<double>(domains) - n / 2) <= 3.29 * std::sqrt(n / 4));
    }
  }
}

TEST_CASE("systematic failures: bad nodes fail factor times as often until found", "[failures][cluster_sim]") {
  // 1,000 idle one-GPU nodes failing every 100 days on average, back at once; 10 % are bad, failing
  // 20 times as often (every 5 days) until they have failed twice. Over 50 days a good node fails
  // 0.5 times on average; a bad one twice within ~10 days, then as a good one.
  Json doc = test::one_cluster_scenario("systematic", 1000);
  doc["horizon_days"] = 50;
  Json failures = {
      {"rate_per_gpu_hour", 1.0 / 2400},
      {"classes", {{{"id", "any"}, {"share", 1}, {"auto_share", 1}, {"auto_s", {{"dist", "fixed"}, {"value", 0}}}}}}};
  doc["workloads"] = Json::array();
  doc["gpu_models"][0]["failures"] = failures;
  const ClusterResult plain = run_cluster(load_scenario_json(doc, "plain.json", "."), 0, 97);
  failures["systematic"] = {{"node_share", 0.1}, {"factor", 20}, {"found_after", 2}};
  doc["gpu_models"][0]["failures"] = failures;
  const ClusterResult bad = run_cluster(load_scenario_json(doc, "systematic.json", "."), 0, 97);
  const FailureCounts &p = *plain.failures, &b = *bad.failures;
  INFO(fmt::format("{} bad nodes, {} found; failures {} without, {} with", b.systematic_nodes, b.systematic_found,
                   p.by_class[0], b.by_class[0]));
  CHECK(std::abs(static_cast<double>(b.systematic_nodes) - 100) <= 3.29 * std::sqrt(1000 * 0.1 * 0.9));
  CHECK(static_cast<double>(b.systematic_found) >= 0.98 * static_cast<double>(b.systematic_nodes));
  CHECK(p.systematic_nodes == 0);
  // Expected: 0.5 per good node; per bad node 2 plus 0.5 x (50 - about 10) / 50 after it is found.
  const double bad_n = static_cast<double>(b.systematic_nodes);
  const double expect = (1000 - bad_n) * 0.5 + bad_n * (2 + 0.4);
  CHECK(static_cast<double>(b.by_class[0]) == Approx(expect).epsilon(0.1));
  CHECK(static_cast<double>(p.by_class[0]) == Approx(500).epsilon(0.15));
}

// Regressions found in review (scenarios in tests/data/failures/).
namespace {
Scenario data_scenario(const std::string& name) {
  return load_scenario(fmt::format("{}/tests/data/failures/{}", test::source_dir(), name));
}
const Job& job_of(const ClusterResult& r, const std::string& workload, const Scenario& sc) {
  for (const Job& j : r.jobs)
    if (sc.workloads[j.workload].id == workload) return j;
  FAIL("no job of " << workload);
  return r.jobs.front();
}
}  // namespace

TEST_CASE("EASY plans a backfill candidate with its checkpoint writes", "[failures][cluster_sim]") {
  // One node of 8 GPUs: r (4 GPUs) runs 100-1,100 s; the head h (8 GPUs) arrives at 101 s; b (4 GPUs,
  // 900 s of work, a 100 s write after every 100 s) would run 1,700 s, past h's shadow time (1,100 s),
  // so it must not backfill: h starts at 1,100 s.
  const Scenario sc = data_scenario("easy-checkpoint-writes.json");
  const ClusterResult r = run_cluster(sc);
  CHECK(job_of(r, "h", sc).start == 1100);
  CHECK(job_of(r, "b", sc).start >= 1200);
  CHECK(job_of(r, "b", sc).end - job_of(r, "b", sc).start == 900 + 8 * 100);
}

TEST_CASE("a job larger than the GPUs up waits for free GPUs, not for GPUs online, under every backfill",
          "[failures][cluster_sim]") {
  for (const char* backfill : {"conservative", "easy", "none"}) {
    Json doc = Json::parse(test::read_text(test::source_dir() + "/tests/data/failures/conservative-down-nodes.json"));
    doc["scheduling"]["backfill"] = {{"policy", backfill}};
    const Scenario sc = load_scenario_json(doc, "down.json", ".");
    const ClusterResult r = run_cluster(sc);
    INFO(backfill);
    REQUIRE(r.jobs.size() == 1);
    CHECK(r.jobs[0].state == JobState::kQueued);
    CHECK(r.jobs[0].wait_reason == WaitReason::kNoFreeGpus);
  }
}

TEST_CASE("short checkpointed jobs late in a long run complete without tripping the accounting check",
          "[failures][cluster_sim]") {
  // 20,000 jobs of 1-4 s at t = 3e7 s, checkpointing every 0.5 s: end - start carries rounding of
  // the size of the doubles' spacing there (which a tolerance relative to the run length alone missed).
  const Scenario sc = data_scenario("late-short-checkpointed-jobs.json");
  const ClusterResult r = run_cluster(sc, 0, 1009);
  std::size_t completed = 0;
  for (const Job& j : r.jobs) completed += j.state == JobState::kCompleted;
  CHECK(completed == r.jobs.size());
}

TEST_CASE("the failure totals of the nation cover every cluster, failing or not", "[failures][cluster_sim]") {
  // Only the H100 model fails; the B200 cluster still uses GPU-hours and checkpoint writes.
  const Scenario sc = data_scenario("partial-failures.json");
  RunResult run;
  for (std::uint32_t c = 0; c < sc.clusters.size(); ++c) run.clusters.push_back(run_cluster(sc, c, 997));
  run.end_time = *sc.horizon_s;
  const Summary s = build_summary(sc, run);
  REQUIRE(s.failures);
  CHECK(s.failures->national.used_gpu_hours == Approx(s.total.gpu_hours).epsilon(1e-9));
  CHECK(s.failures->national.lost_gpu_hours == Approx(s.total.lost_gpu_hours).epsilon(1e-9));
  for (std::size_t o = 0; o < s.operators.size(); ++o) {
    INFO(s.operators[o].id);
    CHECK(s.failures->operators[o].used_gpu_hours == Approx(s.operators[o].stats.gpu_hours).epsilon(1e-9));
  }
  CHECK(s.failures->clusters.size() == 1);  // only the one that fails is listed
}
