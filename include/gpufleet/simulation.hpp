// Embedding gpufleet: load a scenario, run it, read its results as values, write its files.
//
//   gpufleet::Simulation sim = gpufleet::Simulation::load("scenarios/small-synthetic.json");
//   const gpufleet::Summary& s = sim.run();
//   std::cout << s.total.wait_s.mean << " s mean wait\n";
//   sim.write("out/small");  // the same files as `gpufleet run --out out/small`
//
// Errors in the scenario (or a patch, a trace, a --set) throw InputError with every problem and
// its location; a violated invariant throws InternalError. SimGrid allows one engine per process:
// run() may be called once per process (a second Simulation in the same process cannot run).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "gpufleet/results.hpp"

namespace gpufleet {

class PolicyRegistry;

struct SimulationOptions {
  const PolicyRegistry* registry = nullptr;  // the policies scenarios may name (null: the built-ins)
  std::vector<std::string> patches;          // RFC 7396 merge patches, applied in order (--patch)
  std::vector<std::string> sets;             // "POINTER=VALUE" assignments, after the patches (--set)
  std::optional<std::uint64_t> seed;         // replaces the scenario's seed (--seed)
};

class Simulation {
 public:
  // Resolves (extends, patches, sets), checks and loads `scenario_path`, with the traces it names;
  // records the provenance (hashes) of every input. Throws InputError.
  static Simulation load(const std::string& scenario_path, const SimulationOptions& options = {});
  Simulation(Simulation&&) noexcept;
  Simulation& operator=(Simulation&&) noexcept;
  ~Simulation();

  const std::string& name() const;
  // Runs the scenario to its horizon (or until it drains) and returns its summary; later calls
  // return the same summary. The first call in a process runs SimGrid's engine.
  const Summary& run();
  // Writes the result files of the run (run() first) into `dir`, which is replaced as a whole
  // (the rules of `gpufleet run --out`); `report` writes report.html too. Throws InputError when
  // `dir` cannot be written.
  void write(const std::string& dir, bool report = true) const;

 private:
  struct State;
  explicit Simulation(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace gpufleet
