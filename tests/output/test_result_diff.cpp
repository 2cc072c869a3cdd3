// Comparing two results within tolerances.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "core/sha256.hpp"
#include "output/result_diff.hpp"

using namespace gpufleet;
using OJson = nlohmann::ordered_json;
using Json = nlohmann::json;

TEST_CASE("diff compares within tolerance and matches arrays by id", "[diff]") {
  const Json a = OJson::parse(R"({"gpufleet_version": "1", "total": {"x": 100.0, "n": 5, "s": "a"},
                                 "clusters": [{"id": "p", "w": 1.0}, {"id": "q", "w": 2.0}]})");
  OJson b = a;
  b["gpufleet_version"] = "2";  // ignored by default
  CHECK(diff_summaries(a, b).same());
  b["total"]["x"] = 100.5;
  DiffOptions o;
  o.rtol = 0;
  o.atol = 0.5;
  CHECK(diff_summaries(a, b, o).same());  // |d| = atol exactly: within
  o.atol = 0.49;
  CHECK_FALSE(diff_summaries(a, b, o).same());
  o.atol = 0;
  o.rtol = 0.005 / 1.005 + 1e-12;  // |d| <= rtol * max(|a|, |b|)
  CHECK(diff_summaries(a, b, o).same());
  // Reordered clusters are the same clusters; a removed one is reported as absent.
  OJson c = a;
  std::swap(c["clusters"][0], c["clusters"][1]);
  CHECK(diff_summaries(a, c).same());
  c["clusters"].erase(1);
  const DiffResult r = diff_summaries(a, c);
  REQUIRE(r.differing == 1);
  const auto it = std::find_if(r.entries.begin(), r.entries.end(), [](const DiffEntry& e) { return !e.within; });
  CHECK(it->path == "/clusters/p/w");
  CHECK(it->b == "(absent)");
  OJson s = a;
  s["total"]["s"] = "b";
  DiffOptions loose;
  loose.rtol = 1e9;
  CHECK(diff_summaries(a, s, loose).differing == 1);  // strings never pass by tolerance
  loose.ignore.push_back("/total/s");
  CHECK(diff_summaries(a, s, loose).same());
  CHECK_THAT(diff_junit(r, "suite", {}), Catch::Contains("<failure message=\"A=1.0 B=(absent)\""));
}
