// The engine against independent re-computations on a real trace: the NASA
// iPSC/860 log (128 single-GPU nodes). The reference schedulers below share no
// code with gpufleet: they read the log themselves and simulate with plain
// vectors. Each TEST_CASE runs one SimGrid engine (one per process).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <map>
#include <queue>

#include <zlib.h>
#include <nlohmann/json.hpp>

#include "../helpers.hpp"
#include "engine/engine.hpp"
#include "metrics/summary.hpp"
#include "scenario/scenario_loader.hpp"

using namespace gpufleet;

namespace {

constexpr int kProcs = 128;

struct RefJob {
  long id;
  double submit, runtime;
  int procs;
  double start = -1;
  int group = -1;  // SWF field 13
  bool rejected = false;
};

std::vector<RefJob> read_nasa_log(double submit_scale = 1.0) {
  std::vector<RefJob> jobs;
  gzFile f = gzopen(test::nasa_log().c_str(), "rb");
  REQUIRE(f);
  char line[1024];
  while (gzgets(f, line, sizeof line)) {
    if (line[0] == ';' || line[0] == '\n') continue;
    long id;
    double submit, wait, run, alloc, cpu, mem, req_procs, req_time, req_mem, status, user, group;
    REQUIRE(std::sscanf(line, "%ld %lf %lf %lf %lf %lf %lf %lf %lf %lf %lf %lf %lf", &id, &submit, &wait, &run, &alloc,
                        &cpu, &mem, &req_procs, &req_time, &req_mem, &status, &user, &group) == 13);
    jobs.push_back(RefJob{id, submit * submit_scale, run, static_cast<int>(alloc > 0 ? alloc : req_procs), -1,
                          static_cast<int>(group)});
  }
  gzclose(f);
  std::stable_sort(jobs.begin(), jobs.end(), [](const RefJob& a, const RefJob& b) { return a.submit < b.submit; });
  return jobs;
}

// Strict FCFS: a job starts at the earliest time >= its submit and >= the previous
// job's start at which enough processors are free.
void reference_fcfs(std::vector<RefJob>& jobs) {
  std::priority_queue<std::pair<double, int>, std::vector<std::pair<double, int>>, std::greater<>> ends;
  int free = kProcs;
  double prev_start = 0;
  for (auto& j : jobs) {
    double t = std::max(j.submit, prev_start);
    while (!ends.empty() && ends.top().first <= t) {
      free += ends.top().second;
      ends.pop();
    }
    while (free < j.procs) {
      t = std::max(t, ends.top().first);
      while (!ends.empty() && ends.top().first <= t) {
        free += ends.top().second;
        ends.pop();
      }
    }
    j.start = t;
    free -= j.procs;
    ends.push({t + j.runtime, j.procs});
    prev_start = t;
  }
}

// EASY with perfect estimates (Mu'alem & Feitelson 2001), as a plain time-stepped loop.
void reference_easy(std::vector<RefJob>& jobs) {
  struct Run {
    double end;
    int procs;
  };
  std::vector<Run> running;
  std::vector<std::size_t> queue;  // indices into jobs, FCFS
  std::size_t next = 0;
  int free = kProcs;
  while (next < jobs.size() || !queue.empty()) {
    double t = next < jobs.size() ? jobs[next].submit : 1e300;
    for (const auto& r : running) t = std::min(t, r.end);
    while (next < jobs.size() && jobs[next].submit <= t) queue.push_back(next++);
    bool again = true;
    while (again) {
      again = false;
      for (std::size_t k = 0; k < running.size();) {
        if (running[k].end <= t) {
          free += running[k].procs;
          running.erase(running.begin() + static_cast<long>(k));
          again = true;
        } else {
          ++k;
        }
      }
      auto start = [&](std::size_t q) {
        RefJob& j = jobs[queue[q]];
        j.start = t;
        free -= j.procs;
        running.push_back({t + j.runtime, j.procs});
        if (j.runtime == 0) again = true;  // ends at once: release and schedule again at t
        queue.erase(queue.begin() + static_cast<long>(q));
      };
      while (!queue.empty() && jobs[queue[0]].procs <= free) start(0);
      if (queue.empty()) continue;
      // Shadow time: when enough processors will have been released for the head.
      std::vector<Run> by_end = running;
      std::sort(by_end.begin(), by_end.end(), [](const Run& a, const Run& b) { return a.end < b.end; });
      const int need = jobs[queue[0]].procs;
      int avail = free;
      double shadow = t;
      std::size_t k = 0;
      while (avail < need) {
        shadow = by_end[k].end;
        while (k < by_end.size() && by_end[k].end <= shadow) avail += by_end[k++].procs;
      }
      int extra = avail - need;
      for (std::size_t q = 1; q < queue.size();) {
        const RefJob& j = jobs[queue[q]];
        if (j.procs <= free && t + j.runtime <= shadow) {
          start(q);
        } else if (j.procs <= free && j.procs <= extra) {
          extra -= j.procs;
          start(q);
        } else {
          ++q;
        }
      }
    }
  }
}

// Quota admission (docs/scheduling.md) for the NASA quota scenarios, written from the rule's text:
// tenants g1 (group 1, nominal 96) and g2 (group 2, nominal 32) in one cohort of 128, strict FIFO
// per tenant, one-GPU nodes (so placement = enough free processors). `borrow_limit` < 0: unlimited.
void reference_quota(std::vector<RefJob>& jobs, long borrow_limit) {
  const long nominal[2] = {96, 32};
  const long cohort_capacity = 128;
  auto limit = [&](int t) { return borrow_limit < 0 ? cohort_capacity * 2 : nominal[t] + borrow_limit; };
  std::vector<std::size_t> queue[2];  // FIFO per tenant, indices into jobs
  std::size_t head[2] = {0, 0};
  long usage[2] = {0, 0};
  struct Run {
    double end;
    int procs, tenant;
  };
  std::vector<Run> running;
  std::size_t next = 0;
  long free = kProcs;
  auto release = [&](double t) {
    for (std::size_t k = 0; k < running.size();) {
      if (running[k].end <= t) {
        free += running[k].procs;
        usage[running[k].tenant] -= running[k].procs;
        running[k] = running.back();
        running.pop_back();
      } else {
        ++k;
      }
    }
  };
  while (true) {
    double t = next < jobs.size() ? jobs[next].submit : 1e300;
    for (const auto& r : running) t = std::min(t, r.end);
    if (t == 1e300) break;
    release(t);
    for (; next < jobs.size() && jobs[next].submit <= t; ++next) {
      RefJob& j = jobs[next];
      const int tenant = j.group == 1 ? 0 : 1;
      // Never admissible: above nominal + borrowing limit, or above the cohort.
      if (j.procs > limit(tenant) || j.procs > cohort_capacity) j.rejected = true;
      else queue[tenant].push_back(next);
    }
    while (true) {  // passes until one starts nothing
      release(t);
      struct Head {
        bool borrows;
        double submit;
        long id;
        int tenant;
      };
      std::vector<Head> heads;
      for (int k = 0; k < 2; ++k) {
        if (head[k] == queue[k].size()) continue;
        const RefJob& j = jobs[queue[k][head[k]]];
        heads.push_back({usage[k] + j.procs > nominal[k], j.submit, j.id, k});
      }
      std::sort(heads.begin(), heads.end(), [](const Head& a, const Head& b) {
        if (a.borrows != b.borrows) return !a.borrows;
        if (a.submit != b.submit) return a.submit < b.submit;
        return a.id < b.id;
      });
      bool started = false;
      for (const Head& h : heads) {
        RefJob& j = jobs[queue[h.tenant][head[h.tenant]]];
        if (usage[h.tenant] + j.procs > limit(h.tenant)) continue;
        if (usage[0] + usage[1] + j.procs > cohort_capacity) continue;
        if (j.procs > free) continue;
        j.start = t;
        free -= j.procs;
        usage[h.tenant] += j.procs;
        running.push_back({t + j.runtime, j.procs, h.tenant});
        ++head[h.tenant];
        started = true;
      }
      if (!started) break;
    }
  }
}

bool shared_data_missing() {
  if (std::filesystem::exists(test::nasa_log())) return false;
  WARN("SKIPPED: " << test::nasa_log() << " is not present (../shared/data beside the project)");
  return true;
}

// Runs the shipped scenario, with its trace's submit times scaled by `submit_scale`
// (0.5 doubles the load), and compares every job's start time with `ref`.
void compare_with_engine(const std::string& scenario, const std::vector<RefJob>& ref, double submit_scale,
                         std::size_t min_waited,
                         const std::function<void(const Scenario&, const RunResult&)>& also = {}) {
  auto doc = nlohmann::json::parse(test::read_text(test::scenario_path(scenario)));
  doc["workloads"][0]["submit_scale"] = submit_scale;
  const Scenario sc = load_scenario_json(doc, scenario, test::source_dir() + "/scenarios");
  const RunResult run = run_scenario(sc);
  REQUIRE(run.clusters.size() == 1);
  const auto& jobs = run.clusters[0].jobs;
  REQUIRE(jobs.size() == ref.size());
  std::map<long, double> ref_start;
  std::map<long, bool> ref_rejected;
  for (const auto& j : ref) {
    ref_start[j.id] = j.start;
    ref_rejected[j.id] = j.rejected;
  }
  std::size_t mismatches = 0, waited = 0;
  for (const Job& j : jobs) {
    if (ref_rejected.at(j.id)) {
      CHECK(j.state == JobState::kRejected);
      CHECK(j.reject_reason == RejectReason::kOverQuota);
      continue;
    }
    REQUIRE(j.state == JobState::kCompleted);
    if (j.start != ref_start.at(j.id)) {
      if (mismatches++ < 5)
        UNSCOPED_INFO("job " << j.id << ": engine " << j.start << ", reference " << ref_start.at(j.id));
    }
    if (j.start > j.submit) ++waited;
  }
  INFO(waited << " of " << jobs.size() << " jobs waited");
  CHECK(mismatches == 0);
  CHECK(waited >= min_waited);  // the comparison means something only if jobs had to wait
  if (also) also(sc, run);
}

// Conservation in the tenants section: the tenants' jobs are the cluster's jobs, state by state;
// their GPU-hours are the cluster's; the waiting time by reason
// adds up to the whole.
void check_tenant_conservation(const Scenario& sc, const RunResult& run) {
  const Summary s = build_summary(sc, run);
  REQUIRE(s.tenants.size() == 2);
  const JobStats& all = s.clusters[0].stats;
  std::uint64_t submitted = 0, completed = 0, rejected = 0, queued = 0, running = 0;
  double gpu_hours = 0;
  for (const TenantSummary& t : s.tenants) {
    submitted += t.stats.submitted, completed += t.stats.completed, rejected += t.stats.rejected;
    queued += t.stats.queued, running += t.stats.running;
    gpu_hours += t.stats.gpu_hours;
    double reasons = 0;
    for (double r : t.wait_share) reasons += r;
    if (t.waited_s > 0) CHECK(reasons == Approx(1).margin(1e-5));
  }
  CHECK(submitted == all.submitted);
  CHECK(completed == all.completed);
  CHECK(rejected == all.rejected);
  CHECK(queued == all.queued);
  CHECK(running == all.running);
  CHECK(gpu_hours == Approx(all.gpu_hours).margin(1e-4));
  // (Lent equals borrowed by construction, docs/outputs.md; the summary checks borrowing against
  // what the cohort could lend at every instant, an internal error otherwise.)
  REQUIRE(s.fairness);
  CHECK(s.fairness->tenants_with_demand == 2);
}

}  // namespace

TEST_CASE("NASA iPSC/860 under FCFS: start times equal an independent FCFS job by job", "[engine][trace]") {
  if (shared_data_missing()) return;
  auto ref = read_nasa_log();
  REQUIRE(ref.size() == 18'239);
  reference_fcfs(ref);
  // The log's submit times are its real start times, so few jobs wait at the original load.
  compare_with_engine("nasa-ipsc-fcfs.json", ref, 1.0, 5);
}

TEST_CASE("NASA iPSC/860 at double load under FCFS: start times equal an independent FCFS", "[engine][trace]") {
  if (shared_data_missing()) return;
  auto ref = read_nasa_log(0.5);
  reference_fcfs(ref);
  compare_with_engine("nasa-ipsc-fcfs.json", ref, 0.5, 5000);
}

TEST_CASE("NASA iPSC/860 under EASY: start times equal an independent EASY job by job", "[engine][trace]") {
  if (shared_data_missing()) return;
  auto ref = read_nasa_log();
  reference_easy(ref);
  compare_with_engine("nasa-ipsc-easy.json", ref, 1.0, 5);
}

TEST_CASE("NASA iPSC/860 at double load under EASY: start times equal an independent EASY", "[engine][trace]") {
  if (shared_data_missing()) return;
  auto ref = read_nasa_log(0.5);
  reference_easy(ref);
  // EASY must differ from FCFS on many jobs here, or this test would not tell them apart.
  auto fcfs = read_nasa_log(0.5);
  reference_fcfs(fcfs);
  std::size_t differ = 0;
  for (std::size_t i = 0; i < ref.size(); ++i) differ += ref[i].start != fcfs[i].start;
  INFO(differ << " jobs start differently under EASY than under FCFS");
  CHECK(differ > 1000);
  compare_with_engine("nasa-ipsc-easy.json", ref, 0.5, 5000);
}

// Each case runs one engine (one per process).
void check_quota_case(const std::string& scenario, long borrow_limit, double scale, std::size_t min_waited,
                      std::size_t expect_rejected) {
  auto ref = read_nasa_log(scale);
  reference_quota(ref, borrow_limit);
  std::size_t rejected = 0;
  for (const auto& j : ref) rejected += j.rejected;
  CHECK(rejected == expect_rejected);
  compare_with_engine(scenario, ref, scale, min_waited, check_tenant_conservation);
}

TEST_CASE("NASA iPSC/860 under tenant quotas: start times equal an independent admission job by job",
          "[engine][trace]") {
  if (shared_data_missing()) return;
  check_quota_case("nasa-ipsc-quota.json", -1, 1.0, 5, 0);
}

TEST_CASE("NASA iPSC/860 at double load under tenant quotas: start times equal an independent admission",
          "[engine][trace]") {
  if (shared_data_missing()) return;
  check_quota_case("nasa-ipsc-quota.json", -1, 0.5, 5000, 0);
}

// Without borrowing the quotas bind: 344 group-1 jobs above 96 processors and 196 group-2 jobs
// above 32 can never be admitted, and many more jobs wait than with borrowing.
TEST_CASE("NASA iPSC/860 under strict quotas: start times and rejections equal an independent admission",
          "[engine][trace]") {
  if (shared_data_missing()) return;
  check_quota_case("nasa-ipsc-quota-strict.json", 0, 1.0, 1000, 540);
}

TEST_CASE(
    "NASA iPSC/860 at double load under strict quotas: start times and rejections equal an independent "
    "admission",
    "[engine][trace]") {
  if (shared_data_missing()) return;
  check_quota_case("nasa-ipsc-quota-strict.json", 0, 0.5, 5000, 540);
}
