// The only translation unit that includes SimGrid.
#include "gpufleet/engine.hpp"

#include <chrono>
#include <exception>
#include <memory>

#include <fmt/format.h>
#include <simgrid/s4u.hpp>
#include <spdlog/spdlog.h>

#include "gpufleet/diagnostics.hpp"

namespace sg4 = simgrid::s4u;

namespace gpufleet {
namespace {

bool g_engine_used = false;

// Builds zones operator > site > cluster, one host per node and a controller
// host per cluster; returns the controller of each cluster.
std::vector<sg4::Host*> build_platform(const Scenario& sc) {
  auto* root = sg4::create_star_zone("gpufleet");
  std::vector<sg4::Host*> controllers(sc.clusters.size(), nullptr);
  for (const OperatorSpec& op : sc.operators) {
    auto* op_zone = sg4::create_star_zone("op:" + op.id);
    op_zone->set_parent(root);
    for (const SiteSpec& site : op.sites) {
      auto* site_zone = sg4::create_star_zone("site:" + op.id + "/" + site.id);
      site_zone->set_parent(op_zone);
      for (std::uint32_t c : site.clusters) {
        const ClusterSpec& cl = sc.clusters[c];
        auto* zone = sg4::create_star_zone("cluster:" + cl.id);
        zone->set_parent(site_zone);
        // Host speed: the GPU model's relative speed per GPU, in flop/s units of one reference GPU.
        const double speed = sc.gpu_models[cl.gpu_model].relative_speed * cl.gpus_per_node;
        for (std::uint32_t n = 0; n < cl.nodes; ++n) zone->create_host(fmt::format("{}/n{}", cl.id, n), speed)->seal();
        controllers[c] = zone->create_host(cl.id + "/controller", 1.0)->seal();
        zone->seal();
      }
      site_zone->seal();
    }
    op_zone->seal();
  }
  root->seal();
  return controllers;
}

}  // namespace

RunResult run_scenario(const Scenario& sc, const EngineOptions& options) {
  if (g_engine_used) throw InternalError("SimGrid allows one engine per process; run_scenario() was called twice");
  g_engine_used = true;
  const auto wall_start = std::chrono::steady_clock::now();

  std::vector<std::string> args{"gpufleet"};
  if (!options.simgrid_logs) {
    args.emplace_back("--log=root.thres:critical");
    args.emplace_back("--log=root.fmt:%m%n");
  }
#if defined(__SANITIZE_ADDRESS__)
  // SimGrid's default (raw) contexts switch stacks behind AddressSanitizer's back, which then warns
  // of false positives; system threads as contexts are slower but visible to it.
  args.emplace_back("--cfg=contexts/factory:thread");
#endif
  for (const auto& c : options.simgrid_config) args.push_back("--cfg=" + c);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  int argc = static_cast<int>(argv.size());
  sg4::Engine engine(&argc, argv.data());

  const std::vector<sg4::Host*> controllers = build_platform(sc);

  std::vector<std::unique_ptr<ClusterSim>> sims;
  for (std::uint32_t c = 0; c < sc.clusters.size(); ++c) sims.push_back(std::make_unique<ClusterSim>(sc, c));

  std::exception_ptr failure;
  bool deadlock = false;
  sg4::Engine::on_deadlock_cb([&deadlock] { deadlock = true; });

  // One scheduler actor per cluster: sleeps until its cluster's next event, then
  // lets the ClusterSim process that instant. An exception must not escape an
  // actor (SimGrid would abort the process): it is kept and rethrown after run().
  for (std::uint32_t c = 0; c < sc.clusters.size(); ++c) {
    ClusterSim* sim = sims[c].get();
    sg4::Actor::create("sched:" + sc.clusters[c].id, controllers[c], [sim, &failure] {
      try {
        for (Seconds t = sim->next_event_time(); t != ClusterSim::kNever; t = sim->next_event_time()) {
          if (failure) return;
          if (t > sg4::Engine::get_clock()) sg4::this_actor::sleep_until(t);
          sim->advance_to(t);
        }
      } catch (...) {
        if (!failure) failure = std::current_exception();
      }
    });
  }
  engine.run();
  if (failure) std::rethrow_exception(failure);
  if (deadlock) throw InternalError("SimGrid reported a deadlock");

  RunResult result;
  Seconds end = sg4::Engine::get_clock();
  if (sc.horizon_s) end = *sc.horizon_s;
  result.end_time = end;
  for (auto& sim : sims) {
    sim->finish(end);
    ClusterResult cr;
    cr.events = sim->events_processed();
    cr.scheduling_passes = sim->scheduling_passes();
    cr.trace_records_after_horizon = sim->trace_records_after_horizon();
    cr.timeseries = sim->timeseries();
    cr.jobs = std::move(sim->state().jobs());
    result.events += cr.events;
    result.clusters.push_back(std::move(cr));
  }
  result.wall_time_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  result.peak_memory_mib = peak_memory_mib();
  if (auto log = spdlog::get("engine")) log->debug("[t={:.0f}s] run finished: {} events", end, result.events);
  return result;
}

}  // namespace gpufleet
