// The policy registry: parameters declared once (ParamSpec), checked before the factory runs,
// and declarations that contradict themselves refused when a policy is added.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "gpufleet/policy_registry.hpp"
#include "policies/builtin.hpp"

using namespace gpufleet;

namespace {

// A placement whose factory records the values it was given.
struct Seen {
  std::int64_t depth = -1;
  double share = -1;
  bool strict = false;
  std::string mode;
};

PolicyRegistry registry_with_params(Seen& seen) {
  PolicyRegistry reg;
  reg.add_placement({PolicyKind::kPlacement,
                     "params_probe",
                     "test only",
                     {
                         integer_param("depth", 3, 1, 10, "an integer"),
                         number_param("share", 0.5, 0, 1, "a number"),
                         boolean_param("strict", false, "a flag"),
                         string_param("mode", "a", {"a", "b"}, "a choice"),
                     }},
                    [&seen](const PolicyParams& p) -> std::unique_ptr<PlacementPolicy> {
                      seen = {p.integer("depth"), p.number("share"), p.boolean("strict"), p.string("mode")};
                      if (p.boolean("strict") && p.string("mode") == "b")
                        throw std::invalid_argument("strict needs mode \"a\"");
                      return std::make_unique<policies::FirstFit>();
                    });
  return reg;
}

}  // namespace

TEST_CASE("declared parameters reach the factory checked, with defaults filled in", "[policies][registry]") {
  Seen seen;
  const PolicyRegistry reg = registry_with_params(seen);
  Diagnostics diags;
  REQUIRE(reg.make_placement({{"policy", "params_probe"}}, "s.json", "/p", diags));
  CHECK(diags.empty());
  CHECK(seen.depth == 3);
  CHECK(seen.share == 0.5);
  CHECK_FALSE(seen.strict);
  CHECK(seen.mode == "a");
  REQUIRE(reg.make_placement({{"policy", "params_probe"}, {"params", {{"depth", 10}, {"share", 1}, {"mode", "b"}}}},
                             "s.json", "/p", diags));
  CHECK(diags.empty());
  CHECK(seen.depth == 10);
  CHECK(seen.share == 1.0);
  CHECK(seen.mode == "b");
}

TEST_CASE("every parameter problem is reported with its pointer, and the factory never sees it",
          "[policies][registry]") {
  Seen seen;
  const PolicyRegistry reg = registry_with_params(seen);
  Diagnostics diags;
  const nlohmann::json spec = {
      {"policy", "params_probe"},
      {"params", {{"depth", 11}, {"share", "half"}, {"strict", 1}, {"mode", "c"}, {"colour", 1}}}};
  CHECK_FALSE(reg.make_placement(spec, "s.json", "/p", diags));
  CHECK(seen.depth == -1);  // the factory was not called
  std::vector<std::string> where;
  for (const auto& d : diags.items()) where.push_back(d.location);
  std::sort(where.begin(), where.end());
  CHECK(where == std::vector<std::string>{"/p/params/colour", "/p/params/depth", "/p/params/mode", "/p/params/share",
                                          "/p/params/strict"});
  for (const auto& d : diags.items()) CHECK(d.file == "s.json");
}

TEST_CASE("a factory's own refusal is reported at the policy's params", "[policies][registry]") {
  Seen seen;
  const PolicyRegistry reg = registry_with_params(seen);
  Diagnostics diags;
  CHECK_FALSE(reg.make_placement({{"policy", "params_probe"}, {"params", {{"strict", true}, {"mode", "b"}}}}, "s.json",
                                 "/p", diags));
  REQUIRE(diags.size() == 1);
  CHECK(diags.items()[0].location == "/p/params");
  CHECK_THAT(diags.items()[0].message, Catch::Contains("strict needs mode"));
}

TEST_CASE("declarations that contradict themselves are refused when added", "[policies][registry]") {
  auto add = [](ParamSpec p) {
    PolicyRegistry reg;
    reg.add_queue_order({PolicyKind::kQueueOrder, "q", "test", {std::move(p)}},
                        [](const PolicyParams&) { return std::make_unique<policies::FcfsOrder>(); });
  };
  CHECK_THROWS_WITH(add(integer_param("n", 11, 0, 10, "")), Catch::Contains("the default is out of range"));
  CHECK_THROWS_WITH(add(number_param("x", 0.5, 1, 0, "")), Catch::Contains("min is above max"));
  CHECK_THROWS_WITH(add(string_param("m", "z", {"a", "b"}, "")), Catch::Contains("not one of the choices"));
  ParamSpec mistyped = integer_param("n", 1, 0, 10, "");
  mistyped.default_value = 1.5;
  CHECK_THROWS_WITH(add(mistyped), Catch::Contains("the default is not an integer"));
  CHECK_THROWS_WITH(add(boolean_param("", true, "")), Catch::Contains("needs a name"));
  PolicyRegistry reg;
  CHECK_THROWS_WITH(
      reg.add_queue_order(
          {PolicyKind::kQueueOrder, "q", "test", {boolean_param("b", true, ""), boolean_param("b", false, "")}},
          [](const PolicyParams&) { return std::make_unique<policies::FcfsOrder>(); }),
      Catch::Contains("declares parameter \"b\" twice"));
  CHECK_THROWS_AS(reg.add_queue_order({PolicyKind::kQueueOrder, "q2", "test", {}}, nullptr), std::logic_error);
}

TEST_CASE("a policy asking for a parameter it did not declare is a programming error", "[policies][registry]") {
  const PolicyParams p({{"n", ParamValue{std::int64_t{2}}}});
  CHECK(p.integer("n") == 2);
  CHECK_THROWS_WITH(p.integer("m"), Catch::Contains("was not declared"));
  CHECK_THROWS_WITH(p.number("n"), Catch::Contains("is not declared as a number"));
}

TEST_CASE("declarations describe themselves for listings", "[policies][registry]") {
  CHECK(integer_param("n", 0, 0, 1'000'000'000, "").describe_type() == "integer in [0, 1000000000]");
  CHECK(number_param("x", 4, 0, 1e6, "").default_text() == "4.0");
  CHECK(number_param("x", 1, 0, std::numeric_limits<double>::infinity(), "").describe_type() == "number >= 0");
  CHECK(string_param("m", "a", {"a", "b"}, "").describe_type() == "one of a, b");
  CHECK(string_param("m", "a", {"a", "b"}, "").default_text() == "\"a\"");
  CHECK(boolean_param("b", true, "").default_text() == "true");
  const PolicyInfo* info = builtin_policy_registry().find(PolicyKind::kBackfill, "conservative");
  REQUIRE(info);
  REQUIRE(info->params.size() == 1);
  CHECK(info->params[0].name == "max_reservations");
  CHECK(builtin_policy_registry().find(PolicyKind::kPlacement, "conservative") == nullptr);
}
