// Malformed scenarios and traces: every problem is reported with its file and
// JSON pointer (or line), all at once (the CLI's exit code: tests/cli/test_cli_errors.cpp).
#include <catch2/catch.hpp>

#include <zlib.h>
#include <nlohmann/json.hpp>

#include "../helpers.hpp"
#include "scenario/scenario_loader.hpp"

using namespace gpufleet;
using gpufleet::test::TempDir;
using gpufleet::test::write_text;
using Json = nlohmann::json;

namespace {

const char* kSwfLine = "1 0 -1 100 4 -1 -1 4 200 -1 1 1 1 -1 0 -1 -1 -1\n";

Json base_scenario() {
  return Json::parse(R"({
    "format_version": 1, "name": "t", "seed": 7, "start": "2025-01-01", "horizon_days": 1,
    "gpu_models": [{"id": "g", "relative_speed": 1}],
    "operators": [{"id": "op", "sites": [{"id": "s", "clusters": [
      {"id": "c", "gpu_model": "g", "nodes": 4, "gpus_per_node": 8}]}]}],
    "workloads": [
      {"id": "w", "cluster": "c", "kind": "synthetic", "arrival": {"process": "poisson", "rate_per_hour": 1},
       "gpus": {"dist": "fixed", "value": 1}, "duration_s": {"dist": "exponential", "mean": 60}},
      {"id": "t", "cluster": "c", "kind": "swf", "path": "trace.swf"}
    ]
  })");
}

// Writes `doc` (and a valid trace.swf) into a temp folder and loads it; returns the diagnostics (empty if valid).
std::vector<Diagnostic> load_errors(const Json& doc, const TempDir& dir, const std::string& trace = kSwfLine) {
  write_text(dir.path() / "trace.swf", trace);
  const auto path = (dir.path() / "scenario.json").string();
  write_text(path, doc.dump(2));
  try {
    load_scenario(path);
  } catch (const InputError& e) {
    return e.diagnostics().items();
  }
  return {};
}

bool has_error(const std::vector<Diagnostic>& d, const std::string& location, const std::string& fragment) {
  for (const auto& x : d)
    if (x.location == location && x.message.find(fragment) != std::string::npos) return true;
  return false;
}

std::string dump(const std::vector<Diagnostic>& d) {
  std::string s;
  for (const auto& x : d) s += x.to_string() + "\n";
  return s;
}

}  // namespace

TEST_CASE("the base test scenario is valid", "[scenario]") {
  TempDir dir("valid");
  const auto errors = load_errors(base_scenario(), dir);
  INFO(dump(errors));
  CHECK(errors.empty());
}

TEST_CASE("malformed scenario values are reported with their JSON pointer", "[scenario]") {
  struct Case {
    const char* name;
    std::string pointer;  // value to replace (JSON Pointer)
    Json value;
    std::string where;     // expected error location
    std::string fragment;  // expected in the message
  };
  const std::vector<Case> cases = {
      {"wrong type", "/seed", "seven", "/seed", "expected an integer"},
      {"negative node count", "/operators/0/sites/0/clusters/0/nodes", -4, "/operators/0/sites/0/clusters/0/nodes",
       "found number -4"},
      {"zero GPUs per node", "/operators/0/sites/0/clusters/0/gpus_per_node", 0,
       "/operators/0/sites/0/clusters/0/gpus_per_node", "expected an integer in [1, 1024]"},
      {"fractional node count", "/operators/0/sites/0/clusters/0/nodes", 2.5, "/operators/0/sites/0/clusters/0/nodes",
       "found number 2.5"},
      {"unknown policy", "/scheduling", Json{{"backfill", {{"policy", "aggressive"}}}}, "/scheduling/backfill/policy",
       "found \"aggressive\""},
      {"unknown key", "/operators/0/sites/0/clusters/0/gpus", 8, "/operators/0/sites/0/clusters/0/gpus",
       "unknown key \"gpus\""},
      {"unknown GPU model", "/operators/0/sites/0/clusters/0/gpu_model", "H999",
       "/operators/0/sites/0/clusters/0/gpu_model", "found \"H999\""},
      {"unknown cluster", "/workloads/0/cluster", "nowhere", "/workloads/0/cluster", "found \"nowhere\""},
      {"bad date", "/start", "2025-02-30", "/start", "expected a UTC date"},
      {"negative horizon", "/horizon_days", -1, "/horizon_days", "found number -1"},
      {"negative rate", "/workloads/0/arrival/rate_per_hour", -2, "/workloads/0/arrival/rate_per_hour",
       "found number -2"},
      {"continuous GPU distribution", "/workloads/0/gpus", Json{{"dist", "exponential"}, {"mean", 2}},
       "/workloads/0/gpus/dist", "expected one of"},
      {"absurd GPU count", "/workloads/0/gpus", Json{{"dist", "uniform"}, {"min", 1}, {"max", 1e300}},
       "/workloads/0/gpus/max", "expected a number in [1, 1000000000]"},
      {"fractional GPU count", "/workloads/0/gpus", Json{{"dist", "fixed"}, {"value", 1.5}}, "/workloads/0/gpus/value",
       "whole number"},
      {"weights mismatch", "/workloads/0/gpus", Json{{"dist", "discrete"}, {"values", {1, 2}}, {"weights", {1}}},
       "/workloads/0/gpus/weights", "expected 2 weights"},
      {"walltime factor below 1", "/workloads/0/walltime_factor", 0.5, "/workloads/0/walltime_factor",
       "found number 0.5"},
      {"unknown workload kind", "/workloads/0/kind", "csv", "/workloads/0/kind", "expected one of"},
      {"duplicate cluster id", "/operators/0/sites/0/clusters/1",
       Json{{"id", "c"}, {"gpu_model", "g"}, {"nodes", 1}, {"gpus_per_node", 1}}, "/operators/0/sites/0/clusters/1/id",
       "unique cluster id"},
      {"empty operators", "/operators", Json::array(), "/operators", "at least one operator"},
      {"wrong format version", "/format_version", 2, "/format_version", "expected an integer in [1, 1]"},
      {"bad id characters", "/operators/0/id", "a b", "/operators/0/id", "expected an id"},
      {"policy params not an object", "/scheduling", Json{{"backfill", {{"policy", "easy"}, {"params", 3}}}},
       "/scheduling/backfill/params", "expected an object"},
      {"empty trace path", "/workloads/1/path", "", "/workloads/1/path", "empty string"},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    TempDir dir("bad");
    Json doc = base_scenario();
    doc[Json::json_pointer(c.pointer)] = c.value;
    const auto errors = load_errors(doc, dir);
    INFO(dump(errors));
    CHECK(has_error(errors, c.where, c.fragment));
    for (const auto& e : errors) CHECK(e.file.find("scenario.json") != std::string::npos);
  }
}

TEST_CASE("a missing required key and a workload that never ends are reported", "[scenario]") {
  TempDir dir("missing");
  Json doc = base_scenario();
  doc.erase("name");
  doc.erase("horizon_days");
  const auto errors = load_errors(doc, dir);
  INFO(dump(errors));
  CHECK(has_error(errors, "/name", "required key is missing"));
  CHECK(has_error(errors, "/workloads/0", "never ends"));
}

TEST_CASE("all errors are collected - not just the first", "[scenario]") {
  TempDir dir("many");
  Json doc = base_scenario();
  doc["seed"] = "x";
  doc["operators"][0]["sites"][0]["clusters"][0]["nodes"] = 0;
  doc["workloads"][0]["duration_s"]["mean"] = -5;
  doc["surprise"] = true;
  const auto errors = load_errors(doc, dir);
  INFO(dump(errors));
  CHECK(errors.size() == 4);
  CHECK(has_error(errors, "/seed", "expected"));
  CHECK(has_error(errors, "/operators/0/sites/0/clusters/0/nodes", "expected"));
  CHECK(has_error(errors, "/workloads/0/duration_s/mean", "expected a number > 0"));
  CHECK(has_error(errors, "/surprise", "unknown key"));
}

TEST_CASE("broken traces: missing - empty - malformed lines", "[scenario][swf]") {
  struct Case {
    const char* name;
    std::string trace;
    std::string where;
    std::string fragment;
  };
  const std::vector<Case> cases = {
      {"empty trace", "; only a header\n\n", "", "empty trace"},
      {"too few fields", "1 0 -1 100 4\n", "line 1", "expected 18 fields, found 5"},
      {"too many fields", std::string(kSwfLine).substr(0, std::string(kSwfLine).size() - 1) + " 7\n", "line 1",
       "expected 18 fields, found 19"},
      {"not a number", "1 0 -1 abc 4 -1 -1 4 200 -1 1 1 1 -1 0 -1 -1 -1\n", "line 1", "field 4: expected a number"},
      {"negative submit", "1 -5 -1 100 4 -1 -1 4 200 -1 1 1 1 -1 0 -1 -1 -1\n", "line 1", "submit time"},
      {"fractional job id", "1.5 0 -1 100 4 -1 -1 4 200 -1 1 1 1 -1 0 -1 -1 -1\n", "line 1", "job id"},
      {"error on a later line", std::string("; h\n") + kSwfLine + "2 0 x\n", "line 3", "expected a number"},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    TempDir dir("swf");
    const auto errors = load_errors(base_scenario(), dir, c.trace);
    INFO(dump(errors));
    bool found = false;
    for (const auto& e : errors)
      if (e.message.find(c.fragment) != std::string::npos &&
          (c.where.empty() ? e.location == "/workloads/1/path" : e.location == c.where))
        found = true;
    CHECK(found);
  }
  SECTION("missing trace file") {
    TempDir dir("swf-missing");
    Json doc = base_scenario();
    doc["workloads"][1]["path"] = "no-such-file.swf";
    const auto errors = load_errors(doc, dir);
    INFO(dump(errors));
    CHECK(has_error(errors, "/workloads/1/path", "cannot open trace"));
  }
}

TEST_CASE("gzip traces are read like plain ones", "[scenario][swf]") {
  TempDir dir("gz");
  const auto gz = dir.path() / "trace.swf.gz";
  gzFile f = gzopen(gz.c_str(), "wb");
  REQUIRE(f);
  const std::string body = std::string("; header\n") + kSwfLine + "2 30 -1 0 2 -1 -1 2 -1 -1 1 1 1 -1 0 -1 -1 -1\n";
  gzwrite(f, body.data(), static_cast<unsigned>(body.size()));
  gzclose(f);
  Json doc = base_scenario();
  doc["workloads"][1]["path"] = "trace.swf.gz";
  write_text(dir.path() / "scenario.json", doc.dump());
  const Scenario sc = load_scenario((dir.path() / "scenario.json").string());
  const auto& recs = sc.workloads[1].records;
  REQUIRE(recs.size() == 2);
  CHECK(recs[0].id == 1);
  CHECK(recs[0].requested == 200);  // field 9
  CHECK(recs[1].runtime == 0);      // zero-length stays zero-length
  CHECK(recs[1].requested == 0);    // field 9 unknown: run time
}

TEST_CASE("every shipped scenario validates", "[scenario]") {
  for (const auto& entry : std::filesystem::directory_iterator(gpufleet::test::source_dir() + "/scenarios")) {
    if (entry.path().extension() != ".json") continue;
    INFO(entry.path());
    const bool needs_shared = gpufleet::test::read_text(entry.path()).find("shared/data") != std::string::npos;
    if (needs_shared && !std::filesystem::exists(gpufleet::test::shared_dir())) {
      WARN("skipping " << entry.path() << ": ../shared is not present");
      continue;
    }
    CHECK_NOTHROW(load_scenario(entry.path().string()));
  }
}

TEST_CASE("malformed rollout sections are reported with their JSON pointer", "[scenario][rollout]") {
  const Json hand =
      Json::parse(gpufleet::test::read_text(gpufleet::test::source_dir() + "/tests/data/rollout-hand.json"));
  struct Case {
    const char* name;
    std::string pointer;
    Json value;
    std::string where;
    std::string fragment;
  };
  const std::vector<Case> cases = {
      {"unknown supply policy", "/supply/allocation/policy", "lottery", "/supply/allocation/policy",
       "found \"lottery\""},
      {"negative site power", "/operators/0/sites/0/power_mw/0/value", -1, "/operators/0/sites/0/power_mw/0/value",
       "found number -1"},
      {"power steps out of order", "/operators/0/sites/0/power_mw/1/from", "2024-12-01",
       "/operators/0/sites/0/power_mw/1/from", "increasing order"},
      {"PUE below 1", "/operators/0/sites/0/pue", 0.9, "/operators/0/sites/0/pue", "found number 0.9"},
      {"yield above 1", "/supply/hbm_suppliers/0/yield/0/value", 1.5, "/supply/hbm_suppliers/0/yield/0/value",
       "found number 1.5"},
      {"order for an unknown cluster", "/orders/0/cluster", "nowhere", "/orders/0/cluster", "found \"nowhere\""},
      {"order larger than the cluster", "/orders/0/tranches/0/gpus", 5000, "/orders", "found 5504 GPUs ordered"},
      {"bad order date", "/orders/0/ordered", "soon", "/orders/0/ordered", "expected a UTC date"},
      {"no supplier for the generation", "/gpu_models/0/hbm_generation", "HBM9", "/orders/0/cluster",
       "expected an HBM supplier making \"HBM9\""},
      {"event for an unknown supplier", "/events",
       Json::array({{{"kind", "supplier_capacity"},
                     {"date", "2025-01-01"},
                     {"supplier", "acme"},
                     {"factor", 0.5},
                     {"until", "2025-06-01"}}}),
       "/events/0/supplier", "found \"acme\""},
      {"idle power above TDP", "/gpu_models/0/idle_w", 2000, "/gpu_models/0/idle_w", "expected idle_w <= tdp_w"},
      {"more nodes online than the cluster has", "/operators/0/sites/0/clusters/0/online_nodes_at_start", 300,
       "/operators/0/sites/0/clusters/0/online_nodes_at_start", "at most the cluster's 250 nodes"},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    TempDir dir("rollout-bad");
    Json doc = hand;
    doc[Json::json_pointer(c.pointer)] = c.value;
    const auto errors = load_errors(doc, dir);
    INFO(dump(errors));
    CHECK(has_error(errors, c.where, c.fragment));
  }
  SECTION("orders need a horizon and a supply section") {
    TempDir dir("rollout-missing");
    Json doc = hand;
    doc.erase("horizon_days");
    doc.erase("supply");
    const auto errors = load_errors(doc, dir);
    INFO(dump(errors));
    CHECK(has_error(errors, "/horizon_days", "required when the scenario has orders"));
    CHECK(has_error(errors, "/supply", "required when the scenario has orders"));
  }
}

namespace {

// The base scenario with tenants a and b, quotas on cluster c (32 GPUs) and every job given a tenant.
Json tenant_scenario() {
  Json doc = base_scenario();
  doc["tenants"] = Json::parse(R"([{"id": "a", "weight": 2}, {"id": "b"}])");
  doc["operators"][0]["sites"][0]["clusters"][0]["quotas"] = Json::parse(R"({"tenants": [
      {"tenant": "a", "nominal_gpus": 24, "cohort": "k"},
      {"tenant": "b", "nominal_gpus": 8, "cohort": "k", "borrowing_limit_gpus": 4, "lending_limit_gpus": 2}]})");
  doc["workloads"][0]["tenant"] = "a";
  doc["workloads"][1]["tenant_map"] = Json::parse(R"({"field": "group", "values": {"1": "b"}})");
  return doc;
}

}  // namespace

TEST_CASE("tenants, quotas and tenant maps load into the scenario", "[scenario][tenants]") {
  TempDir dir("tenants-ok");
  const Json doc = tenant_scenario();
  write_text(dir.path() / "trace.swf", kSwfLine);
  write_text(dir.path() / "scenario.json", doc.dump(2));
  const Scenario sc = load_scenario((dir.path() / "scenario.json").string());
  REQUIRE(sc.tenants.size() == 2);
  CHECK(sc.tenants[0].weight == 2);
  const ClusterQuotas& q = sc.clusters[0].quotas;
  REQUIRE(q.tenants.size() == 2);
  CHECK(q.cohort_ids == std::vector<std::string>{"k"});
  CHECK(q.tenants[0].borrowing_limit_gpus == kUnlimitedGpus);
  CHECK(q.tenants[1].borrowing_limit_gpus == 4);
  CHECK(q.tenants[1].lending_limit_gpus == 2);
  CHECK(sc.workloads[0].tenant == 0);
  REQUIRE(sc.workloads[1].records.size() == 1);
  CHECK(sc.workloads[1].records[0].group == 1);
  CHECK(sc.workloads[1].records[0].tenant == 1);
}

TEST_CASE("malformed tenant input is reported at its JSON pointer, all at once", "[scenario][tenants]") {
  TempDir dir("tenants-bad");
  Json doc = tenant_scenario();
  doc["tenants"].push_back(Json{{"id", "a"}});  // duplicate
  auto& quotas = doc["operators"][0]["sites"][0]["clusters"][0]["quotas"]["tenants"];
  quotas[0]["nominal_gpus"] = 33;          // above the cluster's 32 GPUs
  quotas[1]["borrowing_limit_gpus"] = -1;  // negative
  quotas[1]["lending_limit_gpus"] = 9;     // above the nominal 8
  quotas.push_back(Json{{"tenant", "nobody"}, {"nominal_gpus", 1}});
  quotas.push_back(Json{{"tenant", "b"}, {"nominal_gpus", 1}, {"borrowing_limit_gpus", 1}});  // again, no cohort
  doc["workloads"][0]["tenant"] = "zed";
  const auto d = load_errors(doc, dir);
  INFO(dump(d));
  CHECK(has_error(d, "/tenants/2/id", "unique tenant id"));
  const std::string q = "/operators/0/sites/0/clusters/0/quotas/tenants/";
  CHECK(has_error(d, q + "0/nominal_gpus", "at most the cluster's 32 GPUs"));
  CHECK(has_error(d, q + "1/borrowing_limit_gpus", "found number -1"));
  CHECK(has_error(d, q + "1/lending_limit_gpus", "at most the tenant's nominal quota (8 GPUs)"));
  CHECK(has_error(d, q + "2/tenant", "expected the id of a tenant in /tenants"));
  CHECK(has_error(d, q + "3/tenant", "each tenant once"));
  CHECK(has_error(d, q + "3/borrowing_limit_gpus", "needs a \"cohort\""));
  CHECK(has_error(d, "/workloads/0/tenant", "found \"zed\""));
  CHECK(!has_error(d, "/workloads/0", "admits jobs by tenant quota"));  // no second error from the first
}

TEST_CASE("preemption settings and checkpoints load, and bad ones are reported at their pointers",
          "[scenario][tenants][preemption]") {
  TempDir dir("preempt-input");
  Json doc = tenant_scenario();
  auto& quotas = doc["operators"][0]["sites"][0]["clusters"][0]["quotas"];
  quotas["preemption"] = {{"reclaim_within_cohort", "lower_priority"}, {"within_tenant", "lower_priority"}};
  doc["workloads"][0]["checkpoint"] = {{"interval_s", 1800}, {"restart_overhead_s", 120}};
  write_text(dir.path() / "trace.swf", kSwfLine);
  write_text(dir.path() / "scenario.json", doc.dump(2));
  const Scenario sc = load_scenario((dir.path() / "scenario.json").string());
  CHECK(sc.clusters[0].quotas.preemption.reclaim_within_cohort == PreemptionSpec::Reclaim::kLowerPriority);
  CHECK(sc.clusters[0].quotas.preemption.within_tenant);
  CHECK(sc.workloads[0].checkpoint_interval_s == 1800);
  CHECK(sc.workloads[0].restart_overhead_s == 120);
  CHECK(sc.workloads[1].checkpoint_interval_s == 0);  // none: from scratch
  CHECK(sc.workloads[1].restart_overhead_s == 0);

  quotas["preemption"] = {{"reclaim_within_cohort", "always"}, {"within_tenant", "any"}, {"extra", 1}};
  doc["workloads"][0]["checkpoint"] = {{"interval_s", 0}, {"restart_overhead_s", -5}};
  auto d = load_errors(doc, dir);
  INFO(dump(d));
  const std::string p = "/operators/0/sites/0/clusters/0/quotas/preemption/";
  CHECK(has_error(d, p + "reclaim_within_cohort",
                  "one of \"never\", \"lower_priority\", \"any\", found string \"always\""));
  CHECK(has_error(d, p + "within_tenant", "one of \"never\", \"lower_priority\", found string \"any\""));
  CHECK(has_error(d, p + "extra", "unknown key \"extra\""));
  CHECK(has_error(d, "/workloads/0/checkpoint/interval_s", "found number 0"));
  CHECK(has_error(d, "/workloads/0/checkpoint/restart_overhead_s", "found number -5"));

  // Reclaim needs a cohort to reclaim from.
  doc["workloads"][0].erase("checkpoint");
  quotas["preemption"] = {{"reclaim_within_cohort", "any"}};
  for (auto& t : quotas["tenants"]) {
    t.erase("cohort");
    t.erase("borrowing_limit_gpus");
    t.erase("lending_limit_gpus");
  }
  d = load_errors(doc, dir);
  INFO(dump(d));
  CHECK(has_error(d, p + "reclaim_within_cohort", "no tenant here is in one"));
}

TEST_CASE("a job without a tenant on a cluster with quotas, and trace groups without one, are refused",
          "[scenario][tenants]") {
  TempDir dir("tenants-missing");
  Json doc = tenant_scenario();
  doc["workloads"][0].erase("tenant");
  doc["workloads"][1]["tenant_map"]["values"] = Json::parse(R"({"7": "a"})");
  auto d = load_errors(doc, dir);
  INFO(dump(d));
  CHECK(has_error(d, "/workloads/0", "admits jobs by tenant quota"));
  CHECK(has_error(d, "/workloads/1/tenant_map", "groups is not in \"values\" and there is no \"default\": 1 (1 jobs)"));
  // A default maps them; a tenant without a quota on the cluster is refused.
  doc["workloads"][0]["tenant"] = "a";
  doc["tenants"].push_back(Json{{"id", "c3"}});
  doc["workloads"][1]["tenant_map"]["default"] = "c3";
  d = load_errors(doc, dir);
  INFO(dump(d));
  REQUIRE(d.size() == 1);
  CHECK(has_error(d, "/workloads/1", "tenant \"c3\" has none there"));
}

TEST_CASE("fair_share needs a tenant for every job of its cluster, and tenant weights above 0", "[scenario][tenants]") {
  TempDir dir("tenants-fair");
  Json doc = tenant_scenario();
  doc["operators"][0]["sites"][0]["clusters"][0].erase("quotas");
  doc["scheduling"] = Json::parse(R"({"queue": {"policy": "fair_share"}})");
  doc["workloads"][0].erase("tenant");
  doc["tenants"][1]["weight"] = 0;
  auto d = load_errors(doc, dir);
  INFO(dump(d));
  CHECK(has_error(d, "/workloads/0", "orders its queue by tenant (queue policy \"fair_share\")"));
  CHECK(has_error(d, "/tenants/1/weight", "expected a number in (0, 1000000000], found number 0"));
  // With a tenant and a positive weight it loads; without fair_share a workload needs no tenant.
  doc["workloads"][0]["tenant"] = "a";
  doc["tenants"][1]["weight"] = 0.5;
  CHECK(load_errors(doc, dir).empty());
  doc["workloads"][0].erase("tenant");
  doc["scheduling"] = Json::parse(R"({"queue": {"policy": "fcfs"}})");
  CHECK(load_errors(doc, dir).empty());
}

TEST_CASE("tenant ids follow the id rule: no commas, newlines, empty ids or \"all\"", "[scenario][tenants]") {
  TempDir dir("tenants-ids");
  Json doc = tenant_scenario();
  doc["tenants"].push_back(Json{{"id", "a,b\nx"}});
  doc["tenants"].push_back(Json{{"id", ""}});
  doc["tenants"].push_back(Json{{"id", "all"}});
  auto d = load_errors(doc, dir);
  INFO(dump(d));
  CHECK(has_error(d, "/tenants/2/id", "expected an id of 1-64 letters, digits"));
  CHECK(has_error(d, "/tenants/3/id", "expected an id of 1-64 letters, digits"));
  CHECK(has_error(d, "/tenants/4/id", "other than \"all\""));
}

namespace {

// Two clusters at two sites, federated; workload 0 federated at home "c0" with input data.
Json federation_doc() {
  return Json::parse(R"({
    "format_version": 1, "name": "fed", "seed": 1, "start": "2026-01-01", "horizon_days": 1,
    "gpu_models": [{"id": "g"}],
    "operators": [
      {"id": "a", "sites": [{"id": "s", "clusters": [{"id": "c0", "gpu_model": "g", "nodes": 1, "gpus_per_node": 8}]}]},
      {"id": "b", "sites": [{"id": "s", "clusters": [{"id": "c1", "gpu_model": "g", "nodes": 1, "gpus_per_node": 8}]}]}
    ],
    "federation": {"policy": {"policy": "most_lendable"}, "members": ["c0", "c1"],
                   "network": {"backbone_gbps": 400, "latency_ms": 4, "uplink_gbps": 100,
                               "sites": [{"operator": "b", "site": "s", "uplink_gbps": 10}]}},
    "workloads": [{"id": "w", "cluster": "c0", "kind": "synthetic", "federated": true,
                   "arrival": {"process": "poisson", "rate_per_hour": 1}, "gpus": {"dist": "fixed", "value": 1},
                   "duration_s": {"dist": "fixed", "value": 60}, "input_gb": {"dist": "lognormal", "median": 5, "sigma": 1}}]
  })");
}

}  // namespace

TEST_CASE("a federation loads: policy, members, the staging network in bytes per second", "[scenario][federation]") {
  TempDir dir("fed-ok");
  const Scenario sc = load_scenario_json(federation_doc(), "fed.json", dir.str());
  REQUIRE(sc.federation.enabled());
  CHECK(sc.federation.policy->name() == "most_lendable");
  CHECK(sc.federation.members == std::vector<std::uint32_t>{0, 1});
  CHECK(sc.federation.backbone_bytes_per_s == 400e9 / 8);
  CHECK(sc.federation.latency_s == 0.004);
  CHECK(sc.federation.uplink_bytes_per_s[0][0] == 100e9 / 8);
  CHECK(sc.federation.uplink_bytes_per_s[1][0] == 10e9 / 8);
  CHECK(sc.workloads[0].federated);
  REQUIRE(sc.workloads[0].input_gb);
  CHECK(sc.workloads[0].input_gb->median == 5);
  Json no_policy = federation_doc();
  no_policy["federation"].erase("policy");
  CHECK(load_scenario_json(no_policy, "fed.json", dir.str()).federation.policy->name() == "home_first");
}

TEST_CASE("malformed federation input is reported at its JSON pointers, all at once", "[scenario][federation]") {
  TempDir dir("fed-bad");
  Json doc = federation_doc();
  doc["federation"]["policy"] = {{"policy", "nearest"}};
  doc["federation"]["members"] = {"c0", "c9", "c0"};
  doc["federation"]["network"]["backbone_gbps"] = 0;
  doc["federation"]["network"]["latency_ms"] = -1;
  doc["federation"]["network"]["sites"][0]["site"] = "nowhere";
  doc["workloads"].push_back(doc["workloads"][0]);
  doc["workloads"][1]["id"] = "w2";
  doc["workloads"][1]["federated"] = false;  // input data without federation
  doc["workloads"][1]["cluster"] = "c1";
  auto d = load_errors(doc, dir);
  INFO(dump(d));
  CHECK(has_error(d, "/federation/policy/policy", "found \"nearest\""));
  CHECK(has_error(d, "/federation/members/1", "expected the id of a cluster, found \"c9\""));
  CHECK(has_error(d, "/federation/members/2", "each member once"));
  CHECK(has_error(d, "/federation/network/backbone_gbps", "found number 0"));
  CHECK(has_error(d, "/federation/network/latency_ms", "found number -1"));
  CHECK(has_error(d, "/federation/network/sites/0", "\"b\" / \"nowhere\""));
  CHECK(has_error(d, "/workloads/1/input_gb", "\"federated\": true"));

  // A federated workload needs the federation, with its home among the members, and a horizon.
  Json lone = federation_doc();
  lone.erase("federation");
  CHECK(has_error(load_errors(lone, dir), "/workloads/0/federated", "expected a \"federation\" section"));
  Json outside = federation_doc();
  outside["federation"]["members"] = {"c1"};
  CHECK(has_error(load_errors(outside, dir), "/workloads/0/cluster", "a member of /federation/members"));
  Json endless = federation_doc();
  endless.erase("horizon_days");
  endless["workloads"][0]["count"] = 3;
  CHECK(has_error(load_errors(endless, dir), "/federation", "horizon_days"));
}

TEST_CASE("malformed failure, repair and checkpoint input gets located errors, all at once", "[scenario][failures]") {
  TempDir dir("failures-bad");
  Json doc = base_scenario();
  doc["gpu_models"][0]["failures"] = Json::parse(R"({
    "rate_per_gpu_hour": -1, "node_mtbf_h": 100, "weibull_shape": 50, "colour": 1, "domain_share": 2,
    "systematic": {"node_share": 0.1, "factor": 0.5},
    "classes": [
      {"id": "gpu", "share": 0.7, "auto_share": 0.5, "auto_s": {"dist": "fixed", "value": 60}},
      {"id": "gpu", "share": 0.2, "auto_share": 2, "manual_s": {"dist": "fixed", "value": 60}}
    ]})");
  auto& c = doc["operators"][0]["sites"][0]["clusters"][0];
  c["repair"] = Json::parse(R"({"technicians": 0, "spare_nodes": -1, "swap_s": -5})");
  c["failure_trace"] = Json::parse(R"([
    {"node": 9, "at_s": 100, "class": "nope", "recovery": "manual", "duration_s": 10},
    {"node": 0, "at_s": 50, "class": "gpu", "recovery": "sometimes", "duration_s": -1}])");
  doc["workloads"][0]["checkpoint"] = Json::parse(R"({"interval_s": "often", "max_retries": -1, "requeue": "back"})");
  doc["workloads"][1]["checkpoint"] = Json::parse(R"({"interval_s": "young_daly"})");
  const auto errors = load_errors(doc, dir);
  INFO(dump(errors));
  const std::string f = "/gpu_models/0/failures";
  CHECK(has_error(errors, f + "/rate_per_gpu_hour", "expected a number in (0, 1]"));
  CHECK(has_error(errors, f + "/node_mtbf_h", "mtbf_node_gpus"));
  CHECK(has_error(errors, f + "/weibull_shape", "[0.1, 10]"));
  CHECK(has_error(errors, f + "/colour", ""));
  CHECK(has_error(errors, f + "/domain_share", "[0, 1]"));
  CHECK(has_error(errors, f + "/systematic/factor", ""));
  CHECK(has_error(errors, f + "/systematic/found_after", "missing"));
  CHECK(has_error(errors, f + "/classes/1/id", "unique failure class id"));
  CHECK(has_error(errors, f + "/classes/1/auto_share", "[0, 1]"));
  CHECK(has_error(errors, f + "/classes/0/manual_s", ""));  // auto_share < 1: manual repairs need a time
  CHECK(has_error(errors, f + "/classes", "sum to 1"));
  const std::string cl = "/operators/0/sites/0/clusters/0";
  CHECK(has_error(errors, cl + "/repair/technicians", ""));
  CHECK(has_error(errors, cl + "/repair/spare_nodes", ""));
  CHECK(has_error(errors, cl + "/repair/swap_s", ""));
  CHECK(has_error(errors, cl + "/failure_trace/0/node", ""));
  CHECK(has_error(errors, cl + "/failure_trace/0/class", "expected a failure class"));
  CHECK(has_error(errors, cl + "/failure_trace/1/at_s", "time order"));
  CHECK(has_error(errors, cl + "/failure_trace/1/recovery", ""));
  CHECK(has_error(errors, cl + "/failure_trace/1/duration_s", ""));
  CHECK(has_error(errors, "/workloads/0/checkpoint/interval_s", "young_daly"));
  CHECK(has_error(errors, "/workloads/0/checkpoint/max_retries", ""));
  CHECK(has_error(errors, "/workloads/0/checkpoint/requeue", ""));
  CHECK(has_error(errors, "/workloads/1/checkpoint/write_s", "above 0"));
}

TEST_CASE("failures need a horizon; a valid failure section loads with its defaults", "[scenario][failures]") {
  TempDir dir("failures-ok");
  Json doc = base_scenario();
  doc["gpu_models"][0]["failures"] = {{"node_mtbf_h", 1000}, {"mtbf_node_gpus", 8}};
  doc["workloads"][1]["checkpoint"] = {{"interval_s", "young_daly"}, {"write_s", 30}, {"max_retries", 5}};
  CHECK(load_errors(doc, dir).empty());
  write_text(dir.path() / "trace.swf", kSwfLine);
  const Scenario sc = load_scenario_json(doc, "ok.json", dir.str());
  CHECK(sc.gpu_models[0].failures.rate_per_gpu_hour == Approx(1.0 / 8000));
  CHECK(sc.gpu_models[0].failures.classes.size() == 6);  // Llama 3's
  CHECK(sc.workloads[1].checkpoint_young_daly);
  CHECK(sc.workloads[1].max_retries == 5u);
  CHECK(sc.workloads[1].requeue_front);
  doc.erase("horizon_days");
  doc["workloads"].erase(0);  // a Poisson workload needs a horizon too; keep only the trace
  const auto errors = load_errors(doc, dir);
  INFO(dump(errors));
  CHECK(has_error(errors, "/gpu_models/0/failures", "horizon_days"));
}
