// The embedding API (gpufleet/simulation.hpp) over the same pieces as `gpufleet run`.
#include "gpufleet/simulation.hpp"

#include "core/result_folder.hpp"
#include "engine/engine.hpp"
#include "metrics/summary.hpp"
#include "output/writers.hpp"
#include "scenario/scenario_loader.hpp"
#include "scenario/scenario_resolve.hpp"

namespace gpufleet {

struct Simulation::State {
  ResolvedScenario resolved;
  Scenario scenario;
  Provenance inputs;
  std::optional<RunResult> run;
  Summary summary;
};

Simulation::Simulation(std::unique_ptr<State> state) : state_(std::move(state)) {}
Simulation::Simulation(Simulation&&) noexcept = default;
Simulation& Simulation::operator=(Simulation&&) noexcept = default;
Simulation::~Simulation() = default;

Simulation Simulation::load(const std::string& scenario_path, const SimulationOptions& options) {
  auto state = std::make_unique<State>();
  ScenarioOverrides overrides;
  overrides.patches = options.patches;
  overrides.sets = options.sets;
  overrides.seed = options.seed;
  state->resolved = resolve_scenario(scenario_path, overrides);
  LoadOptions lo;
  lo.registry = options.registry;
  state->scenario = load_scenario_json(state->resolved.doc, scenario_path, state->resolved.base_dir, lo);
  state->inputs = describe_inputs(state->resolved, overrides, state->scenario);
  return Simulation(std::move(state));
}

const std::string& Simulation::name() const { return state_->scenario.name; }

const Summary& Simulation::run() {
  if (!state_->run) {
    state_->run = run_scenario(state_->scenario);
    state_->summary = build_summary(state_->scenario, *state_->run);
    state_->summary.inputs = state_->inputs;
  }
  return state_->summary;
}

void Simulation::write(const std::string& dir, bool report) const {
  if (!state_->run) throw InternalError("Simulation::write() before run()");
  ResultFolder folder(dir);
  WriteOptions wo;
  wo.resolved_scenario = state_->resolved.doc;
  wo.inputs = state_->inputs;
  wo.report = report;
  try {
    write_results(folder.staging(), state_->scenario, *state_->run, wo);
  } catch (const std::runtime_error& e) {
    if (dynamic_cast<const InputError*>(&e)) throw;
    Diagnostics d;
    d.add(dir, "", std::string("cannot write results: ") + e.what());
    throw InputError(std::move(d), "the results were not written");
  }
  folder.commit();
}

}  // namespace gpufleet
