#include "gpufleet/policy.hpp"

namespace gpufleet {

std::string_view to_string(PlaceOutcome o) {
  switch (o) {
    case PlaceOutcome::kFits: return "fits";
    case PlaceOutcome::kNotNow: return "not_now";
    case PlaceOutcome::kNever: return "never";
  }
  return "?";
}

}  // namespace gpufleet
