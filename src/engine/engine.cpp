// The only translation unit that includes SimGrid.
#include "engine/engine.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include <array>
#include <chrono>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <string_view>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <simgrid/s4u.hpp>

#include "core/process_info.hpp"
#include "core/time_format.hpp"
#include "gpufleet/diagnostics.hpp"
#include "sim/national_queue.hpp"
#include "sim/rollout_model.hpp"
#include "sim/rollout_result.hpp"

namespace sg4 = simgrid::s4u;

// Built with AddressSanitizer? GCC says so with a macro, clang (14) only through __has_feature.
#if defined(__SANITIZE_ADDRESS__)
#define GPUFLEET_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define GPUFLEET_ASAN 1
#endif
#endif
#ifndef GPUFLEET_ASAN
#define GPUFLEET_ASAN 0
#endif

namespace gpufleet {
namespace {

bool g_engine_used = false;

// Builds zones operator > site > cluster, one host per node and a controller
// host per cluster, and a host for the national supply chain; returns the
// controller of each cluster.
// The staging network of a federation (docs/scheduling.md, "Federation"): one gateway host per
// site with a member cluster, each with a split-duplex uplink to a shared backbone, in a star
// zone (a route from one gateway to another: its uplink up, the backbone once, the other's
// uplink down). Returns each member cluster's site gateway (null for other clusters).
std::vector<sg4::Host*> build_staging_network(const Scenario& sc, sg4::NetZone* root) {
  std::vector<sg4::Host*> gateway(sc.clusters.size(), nullptr);
  const FederationSpec& fed = sc.federation;
  if (!fed.enabled()) return gateway;
  auto* zone = sg4::create_star_zone("federation");
  zone->set_parent(root);
  sg4::Link* backbone = zone->create_link("backbone", fed.backbone_bytes_per_s)->set_latency(fed.latency_s)->seal();
  std::map<std::pair<std::uint32_t, std::uint32_t>, sg4::Host*> by_site;
  for (std::uint32_t c : fed.members) {
    const ClusterSpec& cl = sc.clusters[c];
    auto [it, fresh] = by_site.try_emplace({cl.op, cl.site}, nullptr);
    if (fresh) {
      const std::string site = sc.operators[cl.op].id + "/" + sc.operators[cl.op].sites[cl.site].id;
      it->second = zone->create_host("gateway:" + site, 1.0)->seal();
      sg4::SplitDuplexLink* uplink =
          zone->create_split_duplex_link("uplink:" + site, fed.uplink_bytes_per_s[cl.op][cl.site]);
      uplink->seal();
      zone->add_route(it->second->get_netpoint(), nullptr, nullptr, nullptr,
                      {sg4::LinkInRoute(uplink, sg4::LinkInRoute::Direction::UP), sg4::LinkInRoute(backbone)}, true);
    }
    gateway[c] = it->second;
  }
  zone->seal();
  return gateway;
}

std::vector<sg4::Host*> build_platform(const Scenario& sc, sg4::Host*& supply_host, std::vector<sg4::Host*>& gateways) {
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
  gateways = build_staging_network(sc, root);
  root->seal();
  return controllers;
}

std::vector<std::string> engine_args(const std::vector<std::string>& config, bool logs) {
  std::vector<std::string> args{"gpufleet"};
  if (!logs) {
    args.emplace_back("--log=root.thres:critical");
    args.emplace_back("--log=root.fmt:%m%n");
  }
#if GPUFLEET_ASAN
  // SimGrid's default (raw) contexts switch stacks behind AddressSanitizer's back, which then warns
  // of false positives; system threads as contexts are slower but visible to it.
  args.emplace_back("--cfg=contexts/factory:thread");
#endif
  // Staging transfers (the only network use) follow SimGrid's CM02 fluid model: each link's
  // bandwidth shared max-min fairly among the transfers crossing it, the route's latency paid once,
  // no TCP window bound (TCP-gamma 0) and no reverse traffic. A user's --cfg comes after, so it wins.
  args.emplace_back("--cfg=network/model:CM02");
  args.emplace_back("--cfg=network/TCP-gamma:0");
  args.emplace_back("--cfg=network/crosstraffic:0");
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

namespace {

// What the actors of one run share: the first failure, and the stop.
struct RunControl {
  std::exception_ptr failure;
  bool stopping = false;  // set by the watcher on a stop request or a run-time limit
  Seconds stopped_at = 0;
  StopReason stop_reason = StopReason::kNone;
  bool done() const { return failure || stopping; }
};

// An actor's behaviour, run so that no exception escapes it (SimGrid would abort the process):
// the first one is kept and rethrown after Engine::run().
template <class Behaviour>
std::function<void()> guarded(RunControl& control, Behaviour behaviour) {
  return [behaviour = std::move(behaviour), &control]() mutable {
    try {
      behaviour();
    } catch (...) {
      if (!control.failure) control.failure = std::current_exception();
    }
  };
}

// Calls step(t) at t = 0, period, 2 period, ... (computed as k * period: no drift from repeated
// addition) while t <= horizon, sleeping until each on SimGrid's clock, until the run stops. The
// stop is checked after every wait, so nothing moves past the stop time.
template <class Step>
void every(Seconds period, Seconds horizon, const RunControl& control, Step&& step) {
  for (std::uint64_t k = 0; static_cast<double>(k) * period <= horizon && !control.done(); ++k) {
    const Seconds t = static_cast<double>(k) * period;
    if (t > sg4::Engine::get_clock()) sg4::this_actor::sleep_until(t);
    if (control.stopping) return;
    step(t);
  }
}

// Simulated time as the calendar date and time it is in the scenario.
std::string sim_time(const Scenario& sc, Seconds t) { return format_utc(static_cast<double>(sc.start_epoch_s) + t); }

// A cluster whose nodes are all there from the start: sleeps until its next event.
class FixedClusterActor {
 public:
  FixedClusterActor(ClusterSim& sim, const RunControl& control) : sim_(sim), control_(control) {}
  void operator()() const {
    for (Seconds t = sim_.next_event_time(); t != ClusterSim::kNever; t = sim_.next_event_time()) {
      if (control_.done()) return;
      if (t > sg4::Engine::get_clock()) sg4::this_actor::sleep_until(t);
      if (control_.stopping) return;
      sim_.advance_to(t);
    }
  }

 private:
  ClusterSim& sim_;
  const RunControl& control_;
};

// A cluster that receives nodes during the run: waits for its next event on a condition variable,
// which a site actor notifies when nodes come online (so it wakes at once for them).
class GrowingClusterActor {
 public:
  GrowingClusterActor(ClusterSim& sim, sg4::ConditionVariablePtr wake, Seconds horizon, const RunControl& control)
      : sim_(sim), wake_(std::move(wake)), mutex_(sg4::Mutex::create()), horizon_(horizon), control_(control) {}
  void operator()() const {
    std::unique_lock<sg4::Mutex> lock(*mutex_);
    while (!control_.done()) {
      const Seconds next = std::min(sim_.next_event_time(), horizon_);
      if (next > sg4::Engine::get_clock()) wake_->wait_until(lock, next);
      if (control_.stopping) return;
      const Seconds now = sg4::Engine::get_clock();
      const Seconds t = sim_.next_event_time();
      if (t <= now) sim_.advance_to(t);
      else if (now >= horizon_) return;
    }
  }

 private:
  ClusterSim& sim_;
  sg4::ConditionVariablePtr wake_;
  sg4::MutexPtr mutex_;
  Seconds horizon_;
  const RunControl& control_;
};

// Logs a cluster's decisions (logger "sched"): the first rejection of each kind at info (-v),
// every start and rejection at debug (-vv). Reads; never changes the simulation.
class SchedLog final : public ClusterObserver {
 public:
  SchedLog(const Scenario& sc, std::uint32_t cluster, std::shared_ptr<spdlog::logger> log)
      : sc_(sc), cluster_(cluster), log_(std::move(log)) {}
  void on_start(Seconds t, const Job& job, std::string_view label) override {
    if (!log_->should_log(spdlog::level::debug)) return;
    log_->debug("{} cluster {}: job {} of {} ({} GPUs) starts on {} node(s), {}, after {:.0f} s queued",
                sim_time(sc_, t), sc_.clusters[cluster_].id, job.id, sc_.workloads[job.workload].id, job.gpus,
                job.alloc.size(), label, t - job.submit);
  }
  void on_node_failure(Seconds t, std::uint32_t node, std::string_view cls) override {
    if (!log_->should_log(spdlog::level::debug)) return;
    log_->debug("{} cluster {}: node {} failed ({})", sim_time(sc_, t), sc_.clusters[cluster_].id, node, cls);
  }
  void on_interrupt(Seconds t, const Job& job) override {
    if (!log_->should_log(spdlog::level::debug)) return;
    log_->debug("{} cluster {}: job {} of {} ({} GPUs) interrupted by a node failure ({} so far){}", sim_time(sc_, t),
                sc_.clusters[cluster_].id, job.id, sc_.workloads[job.workload].id, job.gpus, job.interruptions,
                job.state == JobState::kFailed ? ": out of retries, it fails" : "");
  }
  void on_preempt(Seconds t, const Job& job, const Job& by) override {
    if (!log_->should_log(spdlog::level::debug)) return;
    log_->debug("{} cluster {}: job {} of {} ({} GPUs) preempted for job {} of {}, {:.0f} s of its runs lost so far",
                sim_time(sc_, t), sc_.clusters[cluster_].id, job.id, sc_.workloads[job.workload].id, job.gpus, by.id,
                sc_.workloads[by.workload].id, job.lost_s);
  }
  void on_reject(Seconds t, const Job& job) override {
    const auto kind = static_cast<std::size_t>(job.reject_reason);
    const bool first = kind < seen_.size() && !seen_[kind];
    if (kind < seen_.size()) seen_[kind] = true;
    const auto level = first ? spdlog::level::info : spdlog::level::debug;
    if (!log_->should_log(level)) return;
    log_->log(level, "{} cluster {}: {}job {} of {} ({} GPUs) rejected: {}", sim_time(sc_, t),
              sc_.clusters[cluster_].id, first ? "first " : "", job.id, sc_.workloads[job.workload].id, job.gpus,
              to_string(job.reject_reason));
  }

 private:
  const Scenario& sc_;
  std::uint32_t cluster_;
  std::shared_ptr<spdlog::logger> log_;
  std::array<bool, 8> seen_{};  // by RejectReason
};

// Mirrors node failures in the platform: a failed node's SimGrid host is turned off until its
// place is up again, so the platform shows what is down (docs/failures.md). The scheduler actors
// live on each cluster's controller host, which never fails, and no actor or activity runs on a
// node host, so turning one off kills nothing (the 3.32 pitfalls: docs/architecture.md). Forwards
// every call to `inner` (the cluster's log, or none).
class HostMirror final : public ClusterObserver {
 public:
  HostMirror(const Scenario& sc, std::uint32_t cluster, ClusterObserver* inner)
      : sc_(sc), cluster_(cluster), inner_(inner), hosts_(sc.clusters[cluster].nodes, nullptr) {}
  void on_start(Seconds t, const Job& job, std::string_view label) override {
    if (inner_) inner_->on_start(t, job, label);
  }
  void on_reject(Seconds t, const Job& job) override {
    if (inner_) inner_->on_reject(t, job);
  }
  void on_preempt(Seconds t, const Job& job, const Job& by) override {
    if (inner_) inner_->on_preempt(t, job, by);
  }
  void on_interrupt(Seconds t, const Job& job) override {
    if (inner_) inner_->on_interrupt(t, job);
  }
  void on_node_failure(Seconds t, std::uint32_t node, std::string_view cls) override {
    host(node)->turn_off();
    if (inner_) inner_->on_node_failure(t, node, cls);
  }
  void on_node_up(Seconds t, std::uint32_t node) override {
    host(node)->turn_on();
    if (inner_) inner_->on_node_up(t, node);
  }

 private:
  sg4::Host* host(std::uint32_t node) {
    if (!hosts_[node]) hosts_[node] = sg4::Host::by_name(fmt::format("{}/n{}", sc_.clusters[cluster_].id, node));
    return hosts_[node];
  }
  const Scenario& sc_;
  std::uint32_t cluster_;
  ClusterObserver* inner_;
  std::vector<sg4::Host*> hosts_;  // by node, looked up at its first failure
};

// The supply chain (logger "supply"): one supply step every `supply_step_s`. Logs each order's
// first allocated GPUs and the step that completes it (info), every allocation (debug).
class SupplyActor {
 public:
  SupplyActor(const Scenario& sc, RolloutModel& model, Seconds horizon, const RunControl& control)
      : sc_(sc), model_(model), horizon_(horizon), control_(control), log_(spdlog::get("supply")) {}
  void operator()() {
    allocated_.assign(sc_.rollout.orders.size(), 0);
    ordered_.assign(sc_.rollout.orders.size(), 0);
    every(sc_.rollout.supply_step_s, horizon_, control_, [this](Seconds t) {
      model_.supply_step(t);
      if (log_) report(t);
    });
  }

 private:
  // What the model logged since the last report (orders placed or changed, GPUs allocated).
  void report(Seconds t) {
    std::vector<std::int64_t> now(allocated_.size(), 0);
    for (; scanned_ < model_.log().size(); ++scanned_) {
      const std::size_t i = scanned_;
      const RolloutLogEntry& e = model_.log()[i];
      now[e.order] += e.allocated;
      ordered_[e.order] += e.ordered;
    }
    for (std::size_t o = 0; o < now.size(); ++o) {
      if (now[o] == 0) continue;
      const bool first = allocated_[o] == 0;
      allocated_[o] += now[o];
      const bool complete = ordered_[o] > 0 && allocated_[o] >= ordered_[o];
      const auto level = first || complete ? spdlog::level::info : spdlog::level::debug;
      if (!log_->should_log(level)) continue;
      log_->log(level, "{} order {}: {} GPUs allocated ({} of {}){}", sim_time(sc_, t), sc_.rollout.orders[o].id,
                now[o], allocated_[o], ordered_[o],
                complete ? ", the whole order"
                : first  ? ", its first"
                         : "");
    }
  }

  const Scenario& sc_;
  RolloutModel& model_;
  Seconds horizon_;
  const RunControl& control_;
  std::shared_ptr<spdlog::logger> log_;
  std::vector<std::int64_t> allocated_, ordered_;
  std::size_t scanned_ = 0;
};

// One site's build-out (logger "site"): a step every day at 00:00 with the day's use of its
// clusters; nodes that come online join their clusters at once. Logs nodes coming online and
// the days the site starts and stops waiting for power (info).
class SiteActor {
 public:
  SiteActor(const Scenario& sc, RolloutModel& model, std::uint32_t site, std::vector<std::unique_ptr<ClusterSim>>& sims,
            std::vector<sg4::ConditionVariablePtr>& wake, Seconds horizon, const RunControl& control)
      : sc_(sc),
        model_(model),
        site_(site),
        clusters_(sc.operators[sc.rollout.sites[site].op].sites[sc.rollout.sites[site].site].clusters),
        sims_(sims),
        wake_(wake),
        horizon_(horizon),
        control_(control),
        log_(spdlog::get("site")) {}

  void operator()() {
    std::vector<double> busy_prev(clusters_.size(), 0), online_prev(clusters_.size(), 0);
    every(86400.0, horizon_, control_, [&](Seconds t) {
      std::vector<ClusterUse> use(clusters_.size());
      for (std::size_t i = 0; i < clusters_.size(); ++i) {
        const ClusterSim& cs = *sims_[clusters_[i]];
        const double busy = cs.busy_gpu_seconds_until(t), online = cs.online_gpu_seconds_until(t);
        use[i] = ClusterUse{busy - busy_prev[i], online - online_prev[i]};
        busy_prev[i] = busy;
        online_prev[i] = online;
      }
      for (const NodesOnline& n : model_.site_step(site_, t, use)) {
        sims_[n.cluster]->add_nodes(t, n.nodes);
        wake_[n.cluster]->notify_all();
        if (!log_) continue;
        auto [it, fresh] = online_.try_emplace(n.cluster, sc_.clusters[n.cluster].online_nodes_at_start);
        it->second += n.nodes;
        log_->info("{} cluster {}: {} node(s) online ({} of {})", sim_time(sc_, t), sc_.clusters[n.cluster].id, n.nodes,
                   it->second, sc_.clusters[n.cluster].nodes);
      }
      if (log_) report_power(t);
    });
  }

 private:
  void report_power(Seconds t) {
    const std::uint64_t waiting = model_.waiting_for_power(site_);
    const std::string& name = sc_.operators[sc_.rollout.sites[site_].op].sites[sc_.rollout.sites[site_].site].id;
    if (waiting > 0 && !blocked_)
      log_->info("{} site {}: blocked on power: {} delivered GPUs wait ({:.1f} MW available)", sim_time(sc_, t), name,
                 waiting, model_.power_mw_at(site_, t));
    else if (waiting == 0 && blocked_) log_->info("{} site {}: no longer blocked on power", sim_time(sc_, t), name);
    blocked_ = waiting > 0;
  }

  const Scenario& sc_;
  RolloutModel& model_;
  std::uint32_t site_;
  std::vector<std::uint32_t> clusters_;
  std::vector<std::unique_ptr<ClusterSim>>& sims_;
  std::vector<sg4::ConditionVariablePtr>& wake_;
  Seconds horizon_;
  const RunControl& control_;
  std::shared_ptr<spdlog::logger> log_;
  std::map<std::uint32_t, std::uint64_t> online_;  // nodes online per cluster, for the log
  bool blocked_ = false;
};

// The national queue's network side (docs/scheduling.md, "Federation"): NationalQueue decides where
// each federated job runs; this actor delivers it there at once, or first stages its input data
// from the home site's gateway to the member's as a SimGrid Comm (concurrent transfers share the
// links as SimGrid's network model says). It stops at the horizon or on a stop request, cancelling
// what is still in transit; take_in_transit() then hands those jobs to their members' results as
// queued (wait reason "staging").
class Dispatcher {
 public:
  Dispatcher(NationalQueue& queue, std::vector<std::unique_ptr<ClusterSim>>& sims,
             std::vector<sg4::ConditionVariablePtr>& wake, std::vector<sg4::Host*> gateways, Seconds horizon,
             Seconds poll, const RunControl& control)
      : queue_(queue),
        sims_(sims),
        wake_(wake),
        gateways_(std::move(gateways)),
        horizon_(horizon),
        poll_(poll),
        control_(control) {}

  void operator()() {
    while (!control_.done()) {
      const Seconds now = sg4::Engine::get_clock();
      if (now > horizon_) break;
      while (auto d = queue_.next_due(now)) send(std::move(*d), now);
      const Seconds next = queue_.next_submit();
      if (transfers_.empty() && next == ClusterSim::kNever) return;  // nothing more to send
      if (now >= horizon_) break;
      // Wake for the next submission, a transfer's end, or (to notice a stop) the watcher's step.
      const Seconds until = std::min({next, horizon_, now + poll_});
      if (transfers_.empty()) {
        sg4::this_actor::sleep_until(until);
        continue;
      }
      const ssize_t done = sg4::Comm::wait_any_for(comms_, until - now);
      if (control_.stopping) break;
      if (done >= 0) arrived(static_cast<std::size_t>(done), sg4::Engine::get_clock());
    }
    for (const sg4::CommPtr& c : comms_) c->cancel();  // in transit at the end: take_in_transit()
    comms_.clear();
  }

  // After the run: the jobs still in transit join their members' results, queued, with the
  // staging time up to `end`.
  void take_in_transit(Seconds end, std::vector<ClusterResult>& clusters) {
    queue_.in_transit_at_end(transfers_.size());
    for (NationalQueue::Dispatch& d : transfers_) {
      d.job.staging_s = std::max(0.0, end - d.job.submit);
      d.job.wait_reason = WaitReason::kStaging;
      clusters[d.job.cluster].jobs.push_back(std::move(d.job));
    }
    transfers_.clear();
  }

 private:
  void send(NationalQueue::Dispatch d, Seconds now) {
    if (!d.stage) {
      deliver(now, std::move(d.job));
      return;
    }
    const auto bytes = static_cast<std::uint64_t>(std::floor(d.input_gb * 1e9));
    comms_.push_back(sg4::Comm::sendto_async(gateways_[d.home], gateways_[d.job.cluster], bytes));
    transfers_.push_back(std::move(d));
  }

  void arrived(std::size_t i, Seconds now) {
    NationalQueue::Dispatch d = std::move(transfers_[i]);
    transfers_.erase(transfers_.begin() + static_cast<std::ptrdiff_t>(i));
    comms_.erase(comms_.begin() + static_cast<std::ptrdiff_t>(i));
    d.job.staging_s = now - d.job.submit;
    queue_.transfer_done(d, d.job.staging_s);
    deliver(now, std::move(d.job));
  }

  void deliver(Seconds now, Job job) {
    const std::uint32_t c = job.cluster;
    sims_[c]->deliver(now, std::move(job));
    wake_[c]->notify_all();
  }

  NationalQueue& queue_;
  std::vector<std::unique_ptr<ClusterSim>>& sims_;
  std::vector<sg4::ConditionVariablePtr>& wake_;
  std::vector<sg4::Host*> gateways_;
  Seconds horizon_, poll_;
  const RunControl& control_;
  std::vector<NationalQueue::Dispatch> transfers_;  // in transit, parallel to comms_
  std::vector<sg4::CommPtr> comms_;
};

// Reports progress, notices a stop request and enforces the run-time limits; ends when it is the
// only actor left. A stop is cooperative: it sets `stopping` and wakes the clusters waiting on
// condition variables; every actor then returns before touching its model.
// (Actor::kill_all() would be shorter, but with SimGrid's thread contexts, which the sanitizer
// build uses, it deadlocks joining a killed actor.)
class Watcher {
 public:
  Watcher(const Scenario& sc, const EngineOptions& options, const std::vector<std::unique_ptr<ClusterSim>>& sims,
          const std::vector<sg4::ConditionVariablePtr>& wake, RunControl& control)
      : sc_(sc),
        options_(options),
        sims_(sims),
        wake_(wake),
        control_(control),
        step_(sc.horizon_s ? std::max(1.0, *sc.horizon_s / 500) : 3600.0),
        time_limit_(sc.horizon_s ? ClusterSim::kNever : options.time_limit_s),
        horizon_(sc.horizon_s.value_or(ClusterSim::kNever)) {}

  void operator()() const {
    for (std::uint64_t k = 1;; ++k) {
      const Seconds now = sg4::Engine::get_clock();
      if (const StopReason why = limit_reached(now); why != StopReason::kNone) {
        stop(now, why);
        return;
      }
      if (sg4::Engine::get_instance()->get_actor_count() <= 1) return;
      if (options_.progress) {
        std::uint64_t events = 0;
        for (const auto& sim : sims_) events += sim->events_processed();
        options_.progress(now, events);
      }
      const Seconds next = std::min(static_cast<double>(k) * step_, time_limit_);
      if (next > horizon_) return;
      sg4::this_actor::sleep_until(next);
    }
  }

 private:
  StopReason limit_reached(Seconds now) const {
    if (options_.stop_flag && *options_.stop_flag) return StopReason::kSignal;
    if (now >= time_limit_) return StopReason::kMaxHorizonDays;
    double samples = 0;
    for (const auto& sim : sims_) samples += static_cast<double>(sim->timeseries().size());
    if (samples > options_.max_samples) return StopReason::kMaxTimeseriesRows;
    return StopReason::kNone;
  }
  void stop(Seconds now, StopReason why) const {
    control_.stop_reason = why;
    control_.stopping = true;
    control_.stopped_at = now;
    for (const auto& cv : wake_)
      if (cv) cv->notify_all();
    if (auto log = spdlog::get("engine")) log->info("{} stopping the run: {}", sim_time(sc_, now), to_string(why));
  }

  const Scenario& sc_;
  const EngineOptions& options_;
  const std::vector<std::unique_ptr<ClusterSim>>& sims_;
  const std::vector<sg4::ConditionVariablePtr>& wake_;
  RunControl& control_;
  Seconds step_, time_limit_, horizon_;
};

// SimGrid's command line for the engine; it must outlive the engine (SimGrid keeps argv).
struct EngineArgs {
  std::vector<std::string> args;
  std::vector<char*> argv;
  int argc = 0;
};

// The engine, with the caller's SIGINT/SIGTERM handlers kept: SimGrid's engine installs its own
// SIGINT handler (it prints the actors and exits with 1); putting the caller's back lets a stop
// request reach the watcher, so the run ends with partial results.
std::unique_ptr<sg4::Engine> create_engine(const EngineOptions& options, EngineArgs& a) {
  a.args = engine_args(options.simgrid_config, options.simgrid_logs);
  for (auto& arg : a.args) a.argv.push_back(arg.data());
  a.argc = static_cast<int>(a.argv.size());
  struct sigaction old_int {
  }, old_term{};
  sigaction(SIGINT, nullptr, &old_int);
  sigaction(SIGTERM, nullptr, &old_term);
  auto engine = std::make_unique<sg4::Engine>(&a.argc, a.argv.data());
  sigaction(SIGINT, &old_int, nullptr);
  sigaction(SIGTERM, &old_term, nullptr);
  return engine;
}

// The end of the run and its results, built by the same code for a complete and a stopped run.
RunResult collect(const Scenario& sc, const RunControl& control, std::vector<std::unique_ptr<ClusterSim>>& sims,
                  const RolloutModel* rollout, Dispatcher* dispatcher, const NationalQueue* national) {
  RunResult result;
  Seconds end = 0;
  if (control.stopping) end = control.stopped_at;
  else if (sc.horizon_s) end = *sc.horizon_s;
  else  // drained: the last instant any cluster processed (the watcher may have slept past it)
    for (const auto& sim : sims) end = std::max(end, sim->last_time());
  result.end_time = end;
  result.complete = !control.stopping;
  result.stop_reason = control.stop_reason;
  for (auto& sim : sims) {
    result.clusters.push_back(sim->take_result(end));
    result.events += result.clusters.back().events;
  }
  if (dispatcher) {
    dispatcher->take_in_transit(end, result.clusters);
    result.federation = national->outcome();
  }
  if (rollout) result.rollout = build_rollout_result(sc, *rollout, end);
  return result;
}

}  // namespace

RunResult run_scenario(const Scenario& sc, const EngineOptions& options) {
  if (g_engine_used) throw InternalError("SimGrid allows one engine per process; run_scenario() was called twice");
  g_engine_used = true;
  const auto wall_start = std::chrono::steady_clock::now();
  EngineArgs engine_args_kept;
  const std::unique_ptr<sg4::Engine> engine = create_engine(options, engine_args_kept);
  sg4::Host* supply_host = nullptr;
  std::vector<sg4::Host*> gateways;
  const std::vector<sg4::Host*> controllers = build_platform(sc, supply_host, gateways);
  const auto engine_log = spdlog::get("engine");
  if (engine_log)
    engine_log->info("{} platform: {} hosts in {} clusters; simulating {}", sim_time(sc, 0), engine->get_host_count(),
                     sc.clusters.size(),
                     sc.horizon_s ? fmt::format("{:.0f} days", *sc.horizon_s / 86400) : "until drained");

  RunControl control;
  bool deadlock = false;
  sg4::Engine::on_deadlock_cb([&deadlock] { deadlock = true; });
  const Seconds horizon = sc.horizon_s.value_or(ClusterSim::kNever);
  std::vector<std::unique_ptr<ClusterSim>> sims;
  for (std::uint32_t c = 0; c < sc.clusters.size(); ++c) sims.push_back(std::make_unique<ClusterSim>(sc, c));
  std::vector<std::unique_ptr<SchedLog>> sched_logs;
  if (auto log = spdlog::get("sched"); log && log->should_log(spdlog::level::info)) {
    for (std::uint32_t c = 0; c < sc.clusters.size(); ++c) {
      sched_logs.push_back(std::make_unique<SchedLog>(sc, c, log));
      sims[c]->set_observer(sched_logs.back().get());
    }
  }
  std::vector<std::unique_ptr<HostMirror>> mirrors;
  for (std::uint32_t c = 0; c < sc.clusters.size(); ++c) {
    if (!sc.gpu_models[sc.clusters[c].gpu_model].failures.enabled() && sc.clusters[c].failure_trace.empty()) continue;
    mirrors.push_back(std::make_unique<HostMirror>(sc, c, sched_logs.empty() ? nullptr : sched_logs[c].get()));
    sims[c]->set_observer(mirrors.back().get());
  }
  std::unique_ptr<RolloutModel> rollout;
  if (sc.rollout.enabled) rollout = std::make_unique<RolloutModel>(sc);

  // One scheduler actor per cluster; those that receive nodes wait on a condition variable.
  std::vector<bool> growing(sc.clusters.size(), false);
  for (const Order& o : sc.rollout.orders) growing[o.cluster] = true;
  for (std::uint32_t c : sc.federation.members) growing[c] = true;  // the national queue delivers jobs
  std::vector<sg4::ConditionVariablePtr> wake(sc.clusters.size());
  for (std::uint32_t c = 0; c < sc.clusters.size(); ++c) {
    const std::string name = "sched:" + sc.clusters[c].id;
    if (!growing[c]) {
      sg4::Actor::create(name, controllers[c], guarded(control, FixedClusterActor(*sims[c], control)));
      continue;
    }
    wake[c] = sg4::ConditionVariable::create();
    sg4::Actor::create(name, controllers[c],
                       guarded(control, GrowingClusterActor(*sims[c], wake[c], horizon, control)));
  }
  if (rollout) {
    sg4::Actor::create("supply", supply_host, guarded(control, SupplyActor(sc, *rollout, horizon, control)));
    for (std::uint32_t s = 0; s < sc.rollout.sites.size(); ++s) {
      const SiteBuild& sb = sc.rollout.sites[s];
      const auto& site = sc.operators[sb.op].sites[sb.site];
      sg4::Actor::create("site:" + sc.operators[sb.op].id + "/" + site.id, controllers[site.clusters[0]],
                         guarded(control, SiteActor(sc, *rollout, s, sims, wake, horizon, control)));
    }
  }
  std::unique_ptr<NationalQueue> national;
  std::unique_ptr<Dispatcher> dispatcher;
  if (sc.federation.enabled()) {
    const Seconds poll = sc.horizon_s ? std::max(1.0, *sc.horizon_s / 500) : 3600.0;  // the watcher's step
    national = std::make_unique<NationalQueue>(sc, sims);
    dispatcher = std::make_unique<Dispatcher>(*national, sims, wake, gateways, horizon, poll, control);
    sg4::Actor::create("federation", supply_host, guarded(control, [d = dispatcher.get()] { (*d)(); }));
  }
  sg4::Actor::create("watcher", supply_host, guarded(control, Watcher(sc, options, sims, wake, control)));

  engine->run();
  if (control.failure) std::rethrow_exception(control.failure);
  if (deadlock) throw InternalError("SimGrid reported a deadlock");
  RunResult result = collect(sc, control, sims, rollout.get(), dispatcher.get(), national.get());
  result.wall_time_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  result.peak_memory_mib = peak_memory_mib();
  if (engine_log)
    engine_log->info("{} run finished: {} events in {:.2f} s of wall time", sim_time(sc, result.end_time),
                     result.events, result.wall_time_s);
  return result;
}

}  // namespace gpufleet
