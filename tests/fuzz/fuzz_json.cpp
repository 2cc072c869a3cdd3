// libFuzzer target; the body is in harness.hpp (shared with the regression replay test).
#include "harness.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  gpufleet::fuzz::json(text);
  return 0;
}
