// Every input a fuzzer found (tests/fuzz/regressions/<target>/), replayed through
// the same code as its fuzz target, in every build (the sanitizer build too).
#include <catch2/catch.hpp>

#include <filesystem>

#include "../helpers.hpp"
#include "harness.hpp"

TEST_CASE("inputs the fuzzers found stay handled", "[fuzz]") {
  namespace fs = std::filesystem;
  const fs::path root = fs::path(gpufleet::test::source_dir()) / "tests" / "fuzz" / "regressions";
  std::size_t replayed = 0;
  for (const char* target : {"scenario", "overrides", "swf", "results", "json"}) {
    if (!fs::exists(root / target)) continue;
    for (const auto& e : fs::directory_iterator(root / target)) {
      const std::string text = gpufleet::test::read_text(e.path());
      INFO(e.path().string());
      const std::string t = target;
      if (t == "scenario") CHECK_NOTHROW(gpufleet::fuzz::scenario(text));
      if (t == "overrides") CHECK_NOTHROW(gpufleet::fuzz::overrides(text, gpufleet::test::source_dir()));
      if (t == "swf") CHECK_NOTHROW(gpufleet::fuzz::swf(text));
      if (t == "results") CHECK_NOTHROW(gpufleet::fuzz::results(text));
      if (t == "json") CHECK_NOTHROW(gpufleet::fuzz::json(text));
      ++replayed;
    }
  }
  CHECK(replayed >= 2);
}
