// Shared test utilities: paths, temporary folders, literal cluster states.
#pragma once

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

#include <nlohmann/json.hpp>

#include "gpufleet/cluster_state.hpp"
#include "gpufleet/diagnostics.hpp"
#include "gpufleet/job.hpp"

namespace gpufleet::test {

inline std::string source_dir() { return GPUFLEET_SOURCE_DIR; }
inline std::string scenario_path(const std::string& name) {
  return (std::filesystem::path(source_dir()) / "scenarios" / name).string();
}
// ../shared beside the project root (read in place, never copied).
inline std::filesystem::path shared_dir() { return std::filesystem::path(source_dir()).parent_path() / "shared"; }
inline std::filesystem::path nasa_log() { return shared_dir() / "data" / "NASA-iPSC-1993-3.1-cln.swf.gz"; }

inline std::string read_text(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void write_text(const std::filesystem::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary);
  out << text;
}

// A fresh empty folder under the system temp dir, removed on destruction.
class TempDir {
 public:
  explicit TempDir(const std::string& tag) {
    static int counter = 0;
    path_ = std::filesystem::temp_directory_path() /
            ("gpufleet-test-" + tag + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }
  std::string str() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

// Splits CSV text into rows of fields (no quoting: gpufleet's CSVs never quote).
inline std::vector<std::vector<std::string>> parse_csv(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::stringstream ss(text);
  std::string line;
  while (std::getline(ss, line)) {
    std::vector<std::string> fields;
    std::string f;
    std::stringstream ls(line);
    while (std::getline(ls, f, ',')) fields.push_back(f);
    if (!line.empty() && line.back() == ',') fields.emplace_back();
    rows.push_back(fields);
  }
  return rows;
}

// Builder for literal cluster states: running jobs on given nodes, queued jobs in order.
// Sample mean, variance (of the sample, divided by n), min and max of n draws.
struct Moments {
  double mean = 0, var = 0, min = std::numeric_limits<double>::infinity(),
         max = -std::numeric_limits<double>::infinity();
};

template <class F>
Moments moments(std::size_t n, F draw) {
  Moments m;
  double sum = 0, sq = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double x = draw();
    sum += x;
    sq += x * x;
    m.min = std::min(m.min, x);
    m.max = std::max(m.max, x);
  }
  m.mean = sum / static_cast<double>(n);
  m.var = sq / static_cast<double>(n) - m.mean * m.mean;
  return m;
}

// A one-cluster, one-workload scenario (4 nodes of 8 GPUs, 10 one-GPU jobs an hour, a day, EASY).
inline constexpr const char* kSmallScenario = R"({
  "format_version": 1, "name": "t", "seed": 7, "start": "2025-01-01", "horizon_days": 1,
  "gpu_models": [{"id": "g"}],
  "operators": [{"id": "op", "sites": [{"id": "s", "clusters": [{"id": "c", "gpu_model": "g", "nodes": 4, "gpus_per_node": 8}]}]}],
  "workloads": [{"id": "w", "cluster": "c", "kind": "synthetic", "arrival": {"process": "poisson", "rate_per_hour": 10},
                 "gpus": {"dist": "fixed", "value": 1}, "duration_s": {"dist": "fixed", "value": 60}}],
  "scheduling": {"backfill": {"policy": "easy"}}
})";

// A scenario of one cluster "c" (operator "o", site "s") of `nodes` one-GPU nodes of model "g", seed 1,
// starting 2025-01-01; the caller adds workloads, tenants and scheduling.
inline nlohmann::json one_cluster_scenario(const std::string& name, int nodes) {
  return {{"format_version", 1},
          {"name", name},
          {"seed", 1},
          {"start", "2025-01-01"},
          {"gpu_models", {{{"id", "g"}}}},
          {"operators",
           {{{"id", "o"},
             {"sites",
              {{{"id", "s"},
                {"clusters", {{{"id", "c"}, {"gpu_model", "g"}, {"nodes", nodes}, {"gpus_per_node", 1}}}}}}}}}}};
}

// Every diagnostic of an input error, one per line; the first one alone.
inline std::string messages(const InputError& e) { return e.diagnostics().to_string(); }
inline std::string first_message(const Diagnostics& d) {
  return d.empty() ? std::string() : d.items().front().to_string();
}

// A job asking for `gpus` GPUs (what a placement reads), other fields zero.
inline Job job_with_gpus(std::uint32_t gpus) {
  Job j;
  j.gpus = gpus;
  return j;
}

struct StateBuilder {
  ClusterState state;
  StateBuilder(std::uint32_t nodes, std::uint32_t gpus_per_node, std::uint32_t rack_nodes = 0)
      : state(NodePool(nodes, gpus_per_node, rack_nodes)) {}

  // A job already running since `start` with planned end start + requested.
  std::uint32_t running(std::vector<NodeSlice> slices, Seconds start, Seconds requested) {
    Job j;
    j.id = static_cast<std::int64_t>(state.jobs().size() + 1);
    for (auto& s : slices) j.gpus += s.gpus;
    j.start = j.first_start = start;
    j.runtime = requested;
    j.requested = requested;
    j.state = JobState::kRunning;
    j.alloc = slices;
    state.pool().allocate(slices);
    const auto idx = state.add_job(j);
    state.add_running(idx);
    return idx;
  }
  // A queued job, appended to the queue in FCFS order.
  std::uint32_t queued(std::uint32_t gpus, Seconds requested, Seconds submit = 0) {
    Job j;
    j.id = static_cast<std::int64_t>(state.jobs().size() + 1);
    j.gpus = gpus;
    j.submit = submit;
    j.runtime = requested;
    j.requested = requested;
    const auto idx = state.add_job(j);
    state.enqueue(idx, QueueKey{static_cast<double>(idx), 0});
    return idx;
  }
};

}  // namespace gpufleet::test
