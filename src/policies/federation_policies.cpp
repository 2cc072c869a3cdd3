// Built-in federation policies (docs/scheduling.md, "Federation").
#include <cmath>
#include <limits>
#include <memory>

#include "gpufleet/federation.hpp"
#include "gpufleet/policy_registry.hpp"

namespace gpufleet {

double MemberView::load() const {
  if (online_gpus == 0) return std::numeric_limits<double>::infinity();
  const std::uint64_t busy = online_gpus - free_gpus;
  return (static_cast<double>(busy) + static_cast<double>(queued_gpus)) / static_cast<double>(online_gpus);
}

namespace {

std::size_t home_of(const std::vector<MemberView>& members) {
  for (std::size_t i = 0; i < members.size(); ++i)
    if (members[i].home) return i;
  return 0;  // the engine always marks one; a hand-built list without one gets the first
}

// The least loaded member among those `eligible` accepts (ties: the home, then scenario order);
// members.size() when there is none.
template <class Eligible>
std::size_t least_loaded(const std::vector<MemberView>& members, Eligible eligible) {
  std::size_t best = members.size();
  for (std::size_t i = 0; i < members.size(); ++i) {
    if (!eligible(members[i])) continue;
    if (best == members.size()) {
      best = i;
      continue;
    }
    const double l = members[i].load(), b = members[best].load();
    if (l < b || (l == b && members[i].home && !members[best].home)) best = i;
  }
  return best;
}

class NoFederation final : public FederationPolicy {
 public:
  std::string_view name() const override { return "none"; }
  std::size_t choose(const Job&, const std::vector<MemberView>& members) const override { return home_of(members); }
};

class HomeFirst final : public FederationPolicy {
 public:
  std::string_view name() const override { return "home_first"; }
  std::size_t choose(const Job& job, const std::vector<MemberView>& members) const override {
    const std::size_t home = home_of(members);
    if (members[home].can_start(job.gpus)) return home;
    const std::size_t now = least_loaded(members, [&](const MemberView& m) { return m.can_start(job.gpus); });
    if (now < members.size()) return now;
    if (members[home].admissible) return home;  // it waits; better at home than after a transfer
    const std::size_t any = least_loaded(members, [](const MemberView& m) { return m.admissible; });
    return any < members.size() ? any : home;
  }
};

class MostLendable final : public FederationPolicy {
 public:
  std::string_view name() const override { return "most_lendable"; }
  std::size_t choose(const Job&, const std::vector<MemberView>& members) const override {
    const std::size_t home = home_of(members);
    std::size_t best = members.size();
    for (std::size_t i = 0; i < members.size(); ++i) {
      const MemberView& m = members[i];
      if (!m.admissible) continue;
      if (best == members.size()) {
        best = i;
        continue;
      }
      const MemberView& b = members[best];
      const std::uint64_t l = m.lendable_gpus(), lb = b.lendable_gpus();
      if (l > lb || (l == lb && m.home && !b.home) || (l == lb && m.home == b.home && m.load() < b.load())) best = i;
    }
    return best < members.size() ? best : home;
  }
};

}  // namespace

void register_builtin_federation_policies(PolicyRegistry& reg) {
  reg.add_federation({PolicyKind::kFederation, "none", "every job runs on its home cluster", {}},
                     [](const PolicyParams&) { return std::make_unique<NoFederation>(); });
  reg.add_federation(
      {PolicyKind::kFederation,
       "home_first",
       "home if the job can start there now; else the least loaded member where it can start now ((busy + queued) / "
       "online GPUs); else home (it waits there)",
       {}},
      [](const PolicyParams&) { return std::make_unique<HomeFirst>(); });
  reg.add_federation({PolicyKind::kFederation,
                      "most_lendable",
                      "the member where the job's tenant could take the most GPUs now (free GPUs within its quota "
                      "headroom); ties: home, then least loaded",
                      {}},
                     [](const PolicyParams&) { return std::make_unique<MostLendable>(); });
}

}  // namespace gpufleet
