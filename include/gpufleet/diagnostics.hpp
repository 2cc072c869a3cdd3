// Input problems, collected rather than thrown one at a time.
//
// Every loader appends to a Diagnostics object and keeps going, so that a user
// sees all that is wrong with a scenario in one run. A Diagnostic names the
// file, a location inside it (a JSON Pointer such as /operators/2/sites/0, or
// "line N" for a trace) and what was expected and found.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace gpufleet {

struct Diagnostic {
  std::string file;      // path as given by the user (or derived from the scenario)
  std::string location;  // JSON Pointer ("/a/0/b"), "line N", or empty for the whole file
  std::string message;   // "expected X, found Y"

  // "FILE: LOCATION: MESSAGE" (LOCATION omitted when empty).
  std::string to_string() const;
};

class Diagnostics {
 public:
  // Control characters (newlines, NULs, escapes) in any of the three are shown escaped ("\n",
  // "\x00"), and each is cut to at most kMaxShown bytes (the middle elided, with its length),
  // so a message can always be printed on one line, whatever the input held.
  static constexpr std::size_t kMaxShown = 600;
  void add(std::string file, std::string location, std::string message);
  bool empty() const { return items_.empty(); }
  std::size_t size() const { return items_.size(); }
  const std::vector<Diagnostic>& items() const { return items_; }
  // All diagnostics, one per line.
  std::string to_string() const;

 private:
  std::vector<Diagnostic> items_;
};

// Thrown by loaders once they have collected everything they could; carries all
// diagnostics. The CLI maps it to exit code 2 and prints `outcome` after them: what did (not)
// happen ("nothing was run" by default; "the results were not written" after a run).
class InputError : public std::runtime_error {
 public:
  explicit InputError(Diagnostics diags, std::string outcome = "nothing was run");
  const Diagnostics& diagnostics() const { return diags_; }
  const std::string& outcome() const { return outcome_; }

 private:
  Diagnostics diags_;
  std::string outcome_;
};

// A violated internal invariant: a bug in gpufleet, never a user error (exit 3).
class InternalError : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

// Checks an invariant in every build type; throws InternalError naming it.
#define GPUFLEET_CHECK(cond, what)                                                     \
  do {                                                                                 \
    if (!(cond)) ::gpufleet::internal_check_failed(#cond, (what), __FILE__, __LINE__); \
  } while (false)

[[noreturn]] void internal_check_failed(const char* cond, const std::string& what, const char* file, int line);

}  // namespace gpufleet
