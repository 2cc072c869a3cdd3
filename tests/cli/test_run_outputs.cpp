// End-to-end: the gpufleet binary on shipped and small scenarios; output files,
// determinism across processes, accounting of every job.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <set>

#include <nlohmann/json.hpp>

#include "../helpers.hpp"

using namespace gpufleet::test;
using Json = nlohmann::json;

namespace {

int run_binary(const std::string& args, const std::string& log) {
  const std::string cmd = std::string(GPUFLEET_BINARY) + " " + args + " > " + log + " 2>&1";
  const int status = std::system(cmd.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

TEST_CASE("same scenario and seed give byte-identical outputs across processes", "[cli][determinism]") {
  TempDir a("det-a"), b("det-b"), c("det-c");
  const std::string sc = scenario_path("small-synthetic.json");
  REQUIRE(run_binary("run " + sc + " --out " + a.str() + "/r", a.str() + "/log") == 0);
  REQUIRE(run_binary("run " + sc + " --out " + b.str() + "/r", b.str() + "/log") == 0);
  REQUIRE(run_binary("run " + sc + " --out " + c.str() + "/r" + " --seed 99", c.str() + "/log") == 0);
  for (const char* f : {"summary.json", "jobs.csv", "timeseries.csv"}) {
    INFO(f);
    const std::string first = read_text(a.path() / "r" / f);
    CHECK(first.size() > 100);
    CHECK(first == read_text(b.path() / "r" / f));
  }
  // A different seed must change the outcome, or the check above proves nothing.
  CHECK(read_text(a.path() / "r" / "jobs.csv") != read_text(c.path() / "r" / "jobs.csv"));
  // The rollout outputs too.
  TempDir r1("det-r1"), r2("det-r2");
  const std::string hand = source_dir() + "/tests/data/rollout-hand.json";
  REQUIRE(run_binary("run " + hand + " --out " + r1.str() + "/r", r1.str() + "/log") == 0);
  REQUIRE(run_binary("run " + hand + " --out " + r2.str() + "/r", r2.str() + "/log") == 0);
  for (const char* f : {"summary.json", "rollout.csv", "orders.csv", "timeseries.csv"}) {
    INFO(f);
    CHECK(read_text(r1.path() / "r" / f).size() > 100);
    CHECK(read_text(r1.path() / "r" / f) == read_text(r2.path() / "r" / f));
  }
  // Tenants with quotas, a federated workload whose demand follows its home and stages its data,
  // nodes that fail, spares, technicians and checkpoints.
  Json doc = Json::parse(read_text(sc));
  for (Json& m : doc["gpu_models"]) m["failures"] = {{"rate_per_gpu_hour", 0.001}, {"weibull_shape", 0.8}};
  for (Json& w : doc["workloads"])
    w["checkpoint"] = {{"interval_s", "young_daly"}, {"write_s", 30}, {"max_retries", 3}};
  doc["tenants"] = Json::array({{{"id", "academia"}}, {{"id", "industry"}}});
  Json members = Json::array();
  for (Json& op : doc["operators"])
    for (Json& site : op["sites"])
      for (Json& cl : site["clusters"]) {
        members.push_back(cl["id"]);
        const int gpus = cl["nodes"].get<int>() * cl["gpus_per_node"].get<int>();
        cl["repair"] = {{"technicians", 1}, {"spare_nodes", 1}, {"swap_s", 600}};
        cl["quotas"] = {
            {"tenants", Json::array({{{"tenant", "academia"}, {"nominal_gpus", gpus / 4}, {"cohort", "c"}},
                                     {{"tenant", "industry"}, {"nominal_gpus", gpus - gpus / 4}, {"cohort", "c"}}})}};
      }
  for (std::size_t i = 0; i < doc["workloads"].size(); ++i)
    doc["workloads"][i]["tenant"] = i == 0 ? "academia" : "industry";
  doc["workloads"][0].update({{"federated", true}, {"input_gb", {{"dist", "exponential"}, {"mean", 100}}}});
  doc["workloads"][0]["arrival"]["follow_online"] = true;
  doc["federation"] = {{"policy", {{"policy", "most_lendable"}}},
                       {"members", members},
                       {"network", {{"backbone_gbps", 10}, {"uplink_gbps", 1}}}};
  TempDir t1("det-t1"), t2("det-t2");
  const std::string fed = t1.str() + "/fed.json";
  write_text(fed, doc.dump());
  REQUIRE(run_binary("run " + fed + " --out " + t1.str() + "/r", t1.str() + "/log") == 0);
  REQUIRE(run_binary("run " + fed + " --out " + t2.str() + "/r", t2.str() + "/log") == 0);
  for (const char* f : {"summary.json", "jobs.csv", "tenants.csv", "timeseries.csv", "report.html"}) {
    INFO(f);
    CHECK(read_text(t1.path() / "r" / f).size() > 100);
    CHECK(read_text(t1.path() / "r" / f) == read_text(t2.path() / "r" / f));
  }
  const Json fs = Json::parse(read_text(t1.path() / "r" / "summary.json"));
  CHECK(fs["federation"]["staging"]["transfers"].get<int>() > 0);
  CHECK(fs["failures"]["job_interruptions"].get<int>() > 0);
  CHECK(fs["failures"]["spares_used"].get<int>() > 0);
  // Jobs that ran out of retries leave the queue: at the last sample each tenant's queued GPUs on a
  // cluster are those of its jobs still queued there.
  CHECK(fs["failures"]["jobs_failed"].get<int>() > 0);
  std::map<std::pair<std::string, std::string>, long> queued;  // (cluster, tenant) -> GPUs
  const auto jobs = parse_csv(read_text(t1.path() / "r" / "jobs.csv"));
  for (std::size_t i = 1; i < jobs.size(); ++i)
    if (jobs[i][7] == "queued") queued[{jobs[i][2], jobs[i][13]}] += std::stol(jobs[i][6]);
  const auto tenants = parse_csv(read_text(t1.path() / "r" / "tenants.csv"));
  const std::string last_t = tenants.back()[0];
  int rows_at_end = 0;
  for (const auto& row : tenants) {
    if (row[0] != last_t) continue;
    ++rows_at_end;
    CHECK(std::stol(row[6]) == queued[{row[2], row[3]}]);
  }
  CHECK(rows_at_end >= 2);
}

TEST_CASE("every submitted job is accounted for in summary.json and jobs.csv", "[cli][accounting]") {
  TempDir out("acct");
  REQUIRE(run_binary("run " + scenario_path("small-synthetic.json") + " --out " + out.str() + "/r",
                     out.str() + "/log") == 0);
  const Json s = Json::parse(read_text(out.path() / "r" / "summary.json"));
  const auto rows = parse_csv(read_text(out.path() / "r" / "jobs.csv"));
  REQUIRE(rows.size() > 1000);
  REQUIRE(rows[0] == std::vector<std::string>{"job_id",        "workload",   "cluster",      "submit_s",
                                              "start_s",       "end_s",      "gpus",         "state",
                                              "wait_s",        "runtime_s",  "requested_s",  "start_reason",
                                              "reject_reason", "tenant",     "wait_reason",  "preemptions",
                                              "interruptions", "lost_gpu_s", "home_cluster", "staging_s"});
  std::map<std::string, std::map<std::string, std::uint64_t>> per_cluster;  // cluster -> state -> count
  for (std::size_t i = 1; i < rows.size(); ++i) {
    const auto& r = rows[i];
    REQUIRE(r.size() == 20);
    per_cluster[r[2]][r[7]]++;
    const bool started = !r[4].empty();
    // wait_reason: set for every job that waited (still queued, or started after its submit), never for rejected.
    static const std::set<std::string> reasons{
        "",      "behind_queue_head", "not_online", "no_free_gpus", "fragmentation", "reservation",
        "quota", "cohort_exhausted",  "preempted",  "staging",      "interrupted"};
    CHECK(reasons.count(r[14]) == 1);
    if (r[7] == "queued" || (started && std::stod(r[8]) > 0.001)) CHECK(!r[14].empty());
    if (r[7] == "rejected") CHECK(r[14].empty());
    // A job preempted and queued again has started; it lost GPU-time only if it was preempted.
    const bool preempted = std::stoul(r[15]) > 0;
    CHECK(started == (r[7] == "running" || r[7] == "completed" || (r[7] == "queued" && preempted)));
    CHECK(r[16] == "0");  // no failures in this scenario
    if (!preempted) CHECK(r[17] == "0.000");
    CHECK(r[5].empty() == (r[7] != "completed"));
    // No federation here: every job runs at home and moves no data.
    CHECK(r[18] == r[2]);
    CHECK(r[19] == "0.000");
  }
  std::uint64_t total = 0;
  for (const auto& c : s["clusters"]) {
    const auto& jobs = c["jobs"];
    const auto id = c["id"].get<std::string>();
    INFO(id);
    CHECK(jobs["submitted"] == jobs["completed"].get<std::uint64_t>() + jobs["running"].get<std::uint64_t>() +
                                   jobs["queued"].get<std::uint64_t>() + jobs["rejected"].get<std::uint64_t>());
    for (const char* st : {"completed", "running", "queued", "rejected"}) CHECK(jobs[st] == per_cluster[id][st]);
    total += jobs["submitted"].get<std::uint64_t>();
  }
  CHECK(total == rows.size() - 1);
  CHECK(s["total"]["jobs"]["submitted"] == total);
  CHECK(s["run"]["complete"] == true);
  // run.json holds what varies between runs.
  const Json run = Json::parse(read_text(out.path() / "r" / "run.json"));
  CHECK(run["wall_time_s"].get<double>() > 0);
  CHECK(run["peak_memory_mib"].get<double>() > 1);
  // No temporary file is left behind.
  for (const auto& e : std::filesystem::directory_iterator(out.path() / "r"))
    CHECK(e.path().filename().string().find(".tmp.") == std::string::npos);
}

TEST_CASE("a job larger than its cluster is rejected with a reason and never queued", "[cli][accounting]") {
  TempDir dir("reject");
  Json doc = Json::parse(read_text(scenario_path("small-synthetic.json")));
  doc["workloads"][0]["gpus"] = {{"dist", "discrete"}, {"values", {64, 4096}}, {"weights", {1, 1}}};
  doc["horizon_days"] = 3;
  write_text(dir.path() / "s.json", doc.dump());
  REQUIRE(run_binary("run " + (dir.path() / "s.json").string() + " --out " + dir.str() + "/out -q",
                     dir.str() + "/log") == 0);
  const auto rows = parse_csv(read_text(dir.path() / "out" / "jobs.csv"));
  std::size_t rejected = 0;
  for (std::size_t i = 1; i < rows.size(); ++i) {
    if (rows[i][6] == "4096") {
      CHECK(rows[i][7] == "rejected");
      CHECK(rows[i][12] == "larger_than_cluster");
      CHECK(rows[i][4].empty());
      ++rejected;
    } else {
      CHECK(rows[i][7] != "rejected");
    }
  }
  CHECK(rejected > 0);
}

TEST_CASE("an output folder that cannot be written is a usage error (exit 2)", "[cli]") {
  TempDir dir("unwritable");
  write_text(dir.path() / "file", "x");  // a file where the output folder should be
  CHECK(run_binary("run " + scenario_path("small-synthetic.json") + " --out " + (dir.path() / "file").string(),
                   dir.str() + "/log") == 2);
  CHECK_THAT(read_text(dir.path() / "log"), Catch::Contains("cannot"));
}

TEST_CASE("gpufleet policies lists every policy with its parameters", "[cli]") {
  TempDir dir("policies");
  REQUIRE(run_binary("policies", dir.str() + "/log") == 0);
  const std::string text = read_text(dir.path() / "log");
  for (const char* name : {"fcfs", "sjf", "priority", "none", "easy", "conservative", "first_fit", "best_fit", "pack",
                           "params.max_reservations"})
    CHECK_THAT(text, Catch::Contains(name));
}
