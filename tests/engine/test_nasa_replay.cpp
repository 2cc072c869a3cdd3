// The engine against independent re-computations on a real trace: the NASA
// iPSC/860 log (128 single-GPU nodes). The reference schedulers below share no
// code with gpufleet: they read the log themselves and simulate with plain
// vectors. Each TEST_CASE runs one SimGrid engine (one per process).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdio>
#include <map>
#include <queue>

#include <zlib.h>
#include <nlohmann/json.hpp>

#include "../helpers.hpp"
#include "engine/engine.hpp"
#include "scenario/scenario_loader.hpp"

using namespace gpufleet;

namespace {

constexpr int kProcs = 128;

struct RefJob {
  long id;
  double submit, runtime;
  int procs;
  double start = -1;
};

std::vector<RefJob> read_nasa_log(double submit_scale = 1.0) {
  std::vector<RefJob> jobs;
  gzFile f = gzopen(test::nasa_log().c_str(), "rb");
  REQUIRE(f);
  char line[1024];
  while (gzgets(f, line, sizeof line)) {
    if (line[0] == ';' || line[0] == '\n') continue;
    long id;
    double submit, wait, run, alloc, cpu, mem, req_procs;
    REQUIRE(std::sscanf(line, "%ld %lf %lf %lf %lf %lf %lf %lf", &id, &submit, &wait, &run, &alloc, &cpu, &mem,
                        &req_procs) == 8);
    jobs.push_back(RefJob{id, submit * submit_scale, run, static_cast<int>(alloc > 0 ? alloc : req_procs)});
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

bool shared_data_missing() {
  if (std::filesystem::exists(test::nasa_log())) return false;
  WARN("SKIPPED: " << test::nasa_log() << " is not present (../shared/data beside the project)");
  return true;
}

// Runs the shipped scenario, with its trace's submit times scaled by `submit_scale`
// (0.5 doubles the load), and compares every job's start time with `ref`.
void compare_with_engine(const std::string& scenario, const std::vector<RefJob>& ref, double submit_scale,
                         std::size_t min_waited) {
  auto doc = nlohmann::json::parse(test::read_text(test::scenario_path(scenario)));
  doc["workloads"][0]["submit_scale"] = submit_scale;
  const Scenario sc = load_scenario_json(doc, scenario, test::source_dir() + "/scenarios");
  const RunResult run = run_scenario(sc);
  REQUIRE(run.clusters.size() == 1);
  const auto& jobs = run.clusters[0].jobs;
  REQUIRE(jobs.size() == ref.size());
  std::map<long, double> ref_start;
  for (const auto& j : ref) ref_start[j.id] = j.start;
  std::size_t mismatches = 0, waited = 0;
  for (const Job& j : jobs) {
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
