// ClusterState on literal states: usage per workload, re-keying the queue, start labels.
#include <catch2/catch.hpp>

#include <cmath>

#include "../helpers.hpp"
#include "gpufleet/cluster_state.hpp"
#include "gpufleet/diagnostics.hpp"
#include "gpufleet/plan.hpp"
#include "policies/builtin.hpp"

using namespace gpufleet;

TEST_CASE("usage per workload counts completed and running GPU-seconds up to the time asked", "[sched][state]") {
  ClusterState state(NodePool(4, 8, 0));
  auto add = [&](std::uint32_t workload, std::uint32_t gpus, Seconds start) {
    Job j;
    j.workload = workload;
    j.gpus = gpus;
    j.start = start;
    j.state = JobState::kRunning;
    const auto idx = state.add_job(j);
    state.add_running(idx);
    return idx;
  };
  const auto a = add(0, 8, 0);
  add(0, 2, 50);
  add(3, 4, 10);
  CHECK(state.usage(0, 100).running_gpus == 10);
  CHECK(state.usage(0, 100).gpu_seconds == Approx(8 * 100 + 2 * 50));
  CHECK(state.usage(3, 100).gpu_seconds == Approx(4 * 90));
  CHECK(state.usage(1, 100).gpu_seconds == 0);   // no job of that workload
  CHECK(state.usage(7, 100).running_gpus == 0);  // beyond every workload seen
  state.job(a).end = 60;
  state.remove_running(a, 60);
  CHECK(state.usage(0, 100).running_gpus == 2);
  CHECK(state.usage(0, 100).gpu_seconds == Approx(8 * 60 + 2 * 50));
  // A job that stops before it started is a bug in the driver, caught where it happens.
  const auto b = add(5, 1, 70);
  CHECK_THROWS_AS(state.remove_running(b, 69), InternalError);
}

TEST_CASE("re-keying reorders the queue and its buckets, arrival order breaking ties", "[sched][state]") {
  test::StateBuilder b(2, 8);
  const auto j0 = b.queued(8, 100);
  const auto j1 = b.queued(8, 100);
  const auto j2 = b.queued(1, 5000);
  auto order = [&] {
    std::vector<std::uint32_t> out;
    for (const auto& e : b.state.queue()) out.push_back(e.job);
    return out;
  };
  CHECK(order() == std::vector<std::uint32_t>{j0, j1, j2});
  // Small jobs first now; the two 8-GPU jobs tie and keep their arrival order.
  b.state.rekey([](const Job& j) { return QueueKey{static_cast<double>(j.gpus), 0}; });
  CHECK(order() == std::vector<std::uint32_t>{j2, j0, j1});
  // The buckets hold the same entries (new keys), so a dequeue through either stays consistent.
  std::size_t in_buckets = 0;
  for (const auto& [key, entries] : b.state.queue_buckets()) {
    for (const auto& e : entries) {
      CHECK(b.state.queue().count(e) == 1);
      ++in_buckets;
    }
  }
  CHECK(in_buckets == 3);
  b.state.dequeue(*b.state.queue().begin());
  CHECK(order() == std::vector<std::uint32_t>{j0, j1});
  CHECK(b.state.queue_buckets().size() == 1);
  // A key that is not a number would leave the queue unsortable: refused where it enters.
  CHECK_THROWS_WITH(b.state.rekey([](const Job&) {
    return QueueKey{std::nan(""), 0};
  }),
                    Catch::Contains("a queue order's key is a number, never NaN"));
  CHECK_THROWS_AS(b.state.enqueue(b.queued(1, 1), QueueKey{0, std::nan("")}), InternalError);
}

TEST_CASE("start labels are interned per cluster and checked where they enter", "[sched][state]") {
  test::StateBuilder b(4, 8);
  const auto j0 = b.queued(8, 100);
  const auto j1 = b.queued(8, 100);
  const auto j2 = b.queued(8, 100);
  const policies::FirstFit first_fit;
  Plan plan(b.state, first_fit, 0);
  auto entry = [&](std::uint32_t job) {
    for (const auto& e : b.state.queue())
      if (e.job == job) return e;
    FAIL("not queued");
    return *b.state.queue().begin();
  };
  REQUIRE(plan.try_start(entry(j0), kStartInOrder) == PlaceOutcome::kFits);
  REQUIRE(plan.try_start(entry(j1), StartReason{StartKind::kBackfill, "my_rule_2"}) == PlaceOutcome::kFits);
  REQUIRE(plan.try_start(entry(j2), kStartInOrder) == PlaceOutcome::kFits);
  CHECK(b.state.start_labels() == std::vector<std::string>{"in_order", "my_rule_2"});
  CHECK(b.state.job(j0).start_label == 0);
  CHECK(b.state.job(j1).start_label == 1);
  CHECK(b.state.job(j1).start_kind == StartKind::kBackfill);
  CHECK(b.state.job(j2).start_label == 0);
  // A label that would break jobs.csv, or a reason without a kind, is a bug in the policy.
  test::StateBuilder c(4, 8);
  const auto k0 = c.queued(8, 100);
  Plan bad(c.state, first_fit, 0);
  const QueueEntry e = *c.state.queue().begin();
  CHECK_THROWS_WITH(bad.try_start(e, StartReason{StartKind::kBackfill, "Has,Comma"}),
                    Catch::Contains("a label of lower-case letters, digits and '_'"));
  CHECK_THROWS_WITH(bad.try_start(e, StartReason{StartKind::kNone, "ok"}),
                    Catch::Contains("a start reason has a kind"));
  CHECK(c.state.job(k0).state == JobState::kQueued);
}
