// The only translation unit that includes SimGrid.
#include "engine/engine.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include <chrono>
#include <exception>
#include <memory>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <simgrid/s4u.hpp>

#include "core/process_info.hpp"
#include "gpufleet/diagnostics.hpp"
#include "sim/rollout_model.hpp"
#include "sim/rollout_result.hpp"

namespace sg4 = simgrid::s4u;

namespace gpufleet {
namespace {

bool g_engine_used = false;

// Builds zones operator > site > cluster, one host per node and a controller
// host per cluster, and a host for the national supply chain; returns the
// controller of each cluster.
std::vector<sg4::Host*> build_platform(const Scenario& sc, sg4::Host*& supply_host) {
  auto* root = sg4::create_star_zone("gpufleet");
  supply_host = root->create_host("supply-chain", 1.0)->seal();
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

std::vector<std::string> engine_args(const std::vector<std::string>& config, bool logs) {
  std::vector<std::string> args{"gpufleet"};
  if (!logs) {
    args.emplace_back("--log=root.thres:critical");
    args.emplace_back("--log=root.fmt:%m%n");
  }
#if defined(__SANITIZE_ADDRESS__)
  // SimGrid's default (raw) contexts switch stacks behind AddressSanitizer's back, which then warns
  // of false positives; system threads as contexts are slower but visible to it.
  args.emplace_back("--cfg=contexts/factory:thread");
#endif
  for (const auto& c : config) args.push_back("--cfg=" + c);
  return args;
}

}  // namespace

void check_engine_config(const std::vector<std::string>& config) {
  if (config.empty()) return;
  Diagnostics diags;
  for (const auto& c : config) {
    const auto colon = c.find(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == c.size())
      diags.add("--cfg", c, "expected NAME:VALUE (a SimGrid configuration item, e.g. contexts/factory:thread)");
  }
  if (!diags.empty()) throw InputError(std::move(diags));
  // SimGrid checks many values deep inside (and aborts the process on a bad one): try the whole
  // configuration in a child process on a one-host platform, and turn its failure into an error.
  int fds[2];
  if (::pipe(fds) != 0) throw InternalError("pipe() failed while checking --cfg");
  const pid_t pid = ::fork();
  if (pid < 0) throw InternalError("fork() failed while checking --cfg");
  if (pid == 0) {
    ::close(fds[0]);
    ::dup2(fds[1], STDERR_FILENO);
    ::dup2(fds[1], STDOUT_FILENO);
    int code = 0;
    try {
      std::vector<std::string> args = engine_args(config, /*logs=*/true);
      args.emplace_back("--log=root.thres:error");
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      int argc = static_cast<int>(argv.size());
      sg4::Engine engine(&argc, argv.data());
      auto* zone = sg4::create_star_zone("check");
      sg4::Host* host = zone->create_host("h", 1.0)->seal();
      zone->seal();
      sg4::Actor::create("a", host, [] { sg4::this_actor::sleep_for(1); });
      engine.run();
    } catch (const std::exception& e) {
      const std::string msg = std::string(e.what()) + "\n";
      ssize_t w = ::write(STDERR_FILENO, msg.data(), msg.size());
      (void)w;
      code = 2;
    }
    ::_exit(code);
  }
  ::close(fds[1]);
  std::string said;
  char buf[4096];
  for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) != 0;) {
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (said.size() < 65536) said.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return;
  std::string first = said.substr(0, said.find('\n'));
  if (first.empty())
    first = WIFSIGNALED(status) ? fmt::format("it stopped with signal {}", WTERMSIG(status)) : "no reason given";
  std::string all;
  for (const auto& c : config) all += (all.empty() ? "" : " ") + c;
  diags.add("--cfg", all, fmt::format("expected a configuration SimGrid 3.32 accepts; it refused it: {}", first));
  throw InputError(std::move(diags));
}

RunResult run_scenario(const Scenario& sc, const EngineOptions& options) {
  if (g_engine_used) throw InternalError("SimGrid allows one engine per process; run_scenario() was called twice");
  g_engine_used = true;
  const auto wall_start = std::chrono::steady_clock::now();

  std::vector<std::string> args = engine_args(options.simgrid_config, options.simgrid_logs);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  int argc = static_cast<int>(argv.size());
  // SimGrid's engine installs its own SIGINT handler (it prints the actors and exits with 1);
  // the caller's handlers for SIGINT and SIGTERM are put back, so that a stop request reaches
  // the watcher below and the run ends with partial results instead.
  struct sigaction old_int {
  }, old_term{};
  sigaction(SIGINT, nullptr, &old_int);
  sigaction(SIGTERM, nullptr, &old_term);
  sg4::Engine engine(&argc, argv.data());
  sigaction(SIGINT, &old_int, nullptr);
  sigaction(SIGTERM, &old_term, nullptr);

  sg4::Host* supply_host = nullptr;
  const std::vector<sg4::Host*> controllers = build_platform(sc, supply_host);

  std::vector<std::unique_ptr<ClusterSim>> sims;
  for (std::uint32_t c = 0; c < sc.clusters.size(); ++c) sims.push_back(std::make_unique<ClusterSim>(sc, c));
  std::unique_ptr<RolloutModel> rollout;
  if (sc.rollout.enabled) rollout = std::make_unique<RolloutModel>(sc);

  std::exception_ptr failure;
  bool stopping = false;  // set by the watcher on a stop request (see below)
  Seconds stopped_at = 0;
  bool deadlock = false;
  sg4::Engine::on_deadlock_cb([&deadlock] { deadlock = true; });
  // An exception must not escape an actor (SimGrid would abort the process):
  // it is kept and rethrown after run().
  auto guarded = [&failure](auto body) {
    return [body, &failure]() mutable {
      try {
        body();
      } catch (...) {
        if (!failure) failure = std::current_exception();
      }
    };
  };

  // Clusters that receive nodes during the run wait on a condition variable
  // (a site actor wakes them when nodes come online); the others just sleep.
  std::vector<bool> dynamic(sc.clusters.size(), false);
  for (const Order& o : sc.rollout.orders) dynamic[o.cluster] = true;
  std::vector<sg4::ConditionVariablePtr> wake(sc.clusters.size());
  const Seconds horizon = sc.horizon_s.value_or(ClusterSim::kNever);

  // One scheduler actor per cluster: waits until its cluster's next event, then
  // lets the ClusterSim process that instant.
  for (std::uint32_t c = 0; c < sc.clusters.size(); ++c) {
    ClusterSim* sim = sims[c].get();
    if (!dynamic[c]) {
      sg4::Actor::create("sched:" + sc.clusters[c].id, controllers[c], guarded([sim, &failure, &stopping] {
                           for (Seconds t = sim->next_event_time(); t != ClusterSim::kNever;
                                t = sim->next_event_time()) {
                             if (failure || stopping) return;
                             if (t > sg4::Engine::get_clock()) sg4::this_actor::sleep_until(t);
                             if (stopping) return;
                             sim->advance_to(t);
                           }
                         }));
      continue;
    }
    wake[c] = sg4::ConditionVariable::create();
    sg4::Actor::create("sched:" + sc.clusters[c].id, controllers[c],
                       guarded([sim, cv = wake[c], mutex = sg4::Mutex::create(), horizon, &failure, &stopping] {
                         std::unique_lock<sg4::Mutex> lock(*mutex);
                         while (!failure && !stopping) {
                           const Seconds next = std::min(sim->next_event_time(), horizon);
                           if (next > sg4::Engine::get_clock()) cv->wait_until(lock, next);
                           if (stopping) return;
                           const Seconds now = sg4::Engine::get_clock();
                           const Seconds t = sim->next_event_time();
                           if (t <= now) sim->advance_to(t);
                           else if (now >= horizon) return;
                         }
                       }));
  }

  if (rollout) {
    RolloutModel* model = rollout.get();
    const Seconds step = sc.rollout.supply_step_s;
    sg4::Actor::create("supply", supply_host, guarded([model, step, horizon, &failure, &stopping] {
                         for (std::uint64_t k = 0; static_cast<double>(k) * step <= horizon && !failure && !stopping;
                              ++k) {
                           const Seconds t = static_cast<double>(k) * step;  // no drift from repeated addition
                           if (t > sg4::Engine::get_clock()) sg4::this_actor::sleep_until(t);
                           if (stopping) return;
                           model->supply_step(t);
                         }
                       }));
    for (std::uint32_t s = 0; s < sc.rollout.sites.size(); ++s) {
      const SiteBuild& sb = sc.rollout.sites[s];
      const auto& site_clusters = sc.operators[sb.op].sites[sb.site].clusters;
      sg4::Actor::create(
          "site:" + sc.operators[sb.op].id + "/" + sc.operators[sb.op].sites[sb.site].id, controllers[site_clusters[0]],
          guarded([model, s, site_clusters, &sims, &wake, horizon, &failure, &stopping] {
            std::vector<double> busy_prev(site_clusters.size(), 0), online_prev(site_clusters.size(), 0);
            for (std::uint64_t day = 0; static_cast<double>(day) * 86400.0 <= horizon && !failure && !stopping; ++day) {
              const Seconds t = static_cast<double>(day) * 86400.0;
              if (t > sg4::Engine::get_clock()) sg4::this_actor::sleep_until(t);
              if (stopping) return;
              std::vector<ClusterUse> use(site_clusters.size());
              for (std::size_t i = 0; i < site_clusters.size(); ++i) {
                const ClusterSim& cs = *sims[site_clusters[i]];
                const double busy = cs.busy_gpu_seconds_until(t), online = cs.online_gpu_seconds_until(t);
                use[i] = ClusterUse{busy - busy_prev[i], online - online_prev[i]};
                busy_prev[i] = busy;
                online_prev[i] = online;
              }
              for (const NodesOnline& n : model->site_step(s, t, use)) {
                sims[n.cluster]->add_nodes(t, n.nodes);
                wake[n.cluster]->notify_all();
              }
            }
          }));
    }
  }
  // The watcher reports progress, notices a stop request and enforces the run-time limits; it ends
  // when it is the only actor left. A stop is cooperative: every actor checks `stopping` after each
  // wait and returns before touching its model, so nothing moves past the stop time.
  // (Actor::kill_all() would be shorter, but with SimGrid's thread contexts, which the sanitizer
  // build uses, it deadlocks joining a killed actor.)
  StopReason stop_reason = StopReason::kNone;
  {
    const Seconds step = sc.horizon_s ? std::max(1.0, *sc.horizon_s / 500) : 3600.0;
    const Seconds time_limit = sc.horizon_s ? ClusterSim::kNever : options.time_limit_s;
    sg4::Actor::create("watcher", supply_host, guarded([&, step, time_limit] {
                         for (std::uint64_t k = 1;; ++k) {
                           const Seconds now = sg4::Engine::get_clock();
                           double samples = 0;
                           for (const auto& sim : sims) samples += static_cast<double>(sim->timeseries().size());
                           if (options.stop_flag && *options.stop_flag) stop_reason = StopReason::kSignal;
                           else if (now >= time_limit) stop_reason = StopReason::kMaxHorizonDays;
                           else if (samples > options.max_samples) stop_reason = StopReason::kMaxTimeseriesRows;
                           if (stop_reason != StopReason::kNone) {
                             stopping = true;
                             stopped_at = now;
                             for (const auto& cv : wake)
                               if (cv) cv->notify_all();
                             return;
                           }
                           if (sg4::Engine::get_instance()->get_actor_count() <= 1) return;
                           if (options.progress) {
                             std::uint64_t events = 0;
                             for (const auto& sim : sims) events += sim->events_processed();
                             options.progress(now, events);
                           }
                           const Seconds next = std::min(static_cast<double>(k) * step, time_limit);
                           if (next > horizon) return;
                           sg4::this_actor::sleep_until(next);
                         }
                       }));
  }

  engine.run();
  if (failure) std::rethrow_exception(failure);
  if (deadlock) throw InternalError("SimGrid reported a deadlock");

  RunResult result;
  Seconds end = 0;
  if (stopping) end = stopped_at;
  else if (sc.horizon_s) end = *sc.horizon_s;
  else  // drained: the last instant any cluster processed (the watcher may have slept past it)
    for (const auto& sim : sims) end = std::max(end, sim->last_time());
  result.end_time = end;
  result.complete = !stopping;
  result.stop_reason = stop_reason;
  for (auto& sim : sims) {
    result.clusters.push_back(sim->take_result(end));
    result.events += result.clusters.back().events;
  }
  if (rollout) result.rollout = build_rollout_result(sc, *rollout, end);
  result.wall_time_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  result.peak_memory_mib = peak_memory_mib();
  if (auto log = spdlog::get("engine")) log->debug("[t={:.0f}s] run finished: {} events", end, result.events);
  return result;
}

}  // namespace gpufleet
