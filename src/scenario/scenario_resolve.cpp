#include "scenario/scenario_resolve.hpp"

#include <filesystem>

#include <fmt/format.h>

#include "core/json_input.hpp"
#include "core/sha256.hpp"
#include "scenario/scenario.hpp"

namespace gpufleet {
namespace {

namespace fs = std::filesystem;
using OJson = nlohmann::ordered_json;

std::string folder_of(const std::string& path) {
  std::string base = fs::path(path).parent_path().string();
  return base.empty() ? "." : base;
}

// Trace paths of a base scenario are relative to its own folder; once merged
// into a scenario in another folder they are made relative to that one.
void rebase_trace_paths(OJson& doc, const std::string& from_dir, const std::string& to_dir) {
  if (!doc.is_object() || !doc.contains("workloads") || !doc["workloads"].is_array()) return;
  for (auto& w : doc["workloads"]) {
    if (!w.is_object() || !w.contains("path") || !w["path"].is_string()) continue;
    const fs::path p(w["path"].get<std::string>());
    if (p.is_absolute()) continue;
    const fs::path target = (fs::path(from_dir) / p).lexically_normal();
    fs::path rel = target.lexically_relative(fs::path(to_dir).lexically_normal());
    if (rel.empty()) rel = fs::absolute(target).lexically_normal();
    w["path"] = rel.generic_string();
  }
}

std::optional<OJson> load_with_extends(const std::string& path, std::uint64_t max_bytes, Diagnostics& diags,
                                       std::vector<std::string>& chain) {
  for (const std::string& seen : chain) {
    std::error_code ec;
    if (fs::equivalent(seen, path, ec) && !ec) {
      diags.add(chain.back(), "/extends",
                fmt::format("expected a chain of base scenarios without a cycle, found \"{}\" twice", path));
      return std::nullopt;
    }
  }
  if (static_cast<int>(chain.size()) >= kMaxExtendsDepth) {
    diags.add(chain.back(), "/extends", fmt::format("expected at most {} levels of \"extends\"", kMaxExtendsDepth));
    return std::nullopt;
  }
  chain.push_back(path);
  auto doc = read_json_file(path, chain.size() == 1 ? "scenario file" : "base scenario named by \"extends\"", max_bytes,
                            diags);
  if (!doc) return std::nullopt;
  if (!doc->is_object() || !doc->contains("extends")) return doc;
  const OJson ext = (*doc)["extends"];
  doc->erase("extends");
  if (!ext.is_string() || ext.get<std::string>().empty()) {
    diags.add(path, "/extends", fmt::format("expected the path of a base scenario (a string), found {}", ext.dump()));
    return std::nullopt;
  }
  const std::string dir = folder_of(path);
  fs::path base_path(ext.get<std::string>());
  if (base_path.is_relative()) base_path = fs::path(dir) / base_path;
  auto base = load_with_extends(base_path.lexically_normal().string(), max_bytes, diags, chain);
  if (!base) return std::nullopt;
  rebase_trace_paths(*base, folder_of(base_path.string()), dir);
  base->merge_patch(*doc);
  return base;
}

}  // namespace

void apply_set(OJson& doc, const std::string& assignment, Diagnostics& diags) {
  try {
    (void)OJson(assignment).dump();  // every string in a scenario is UTF-8 (JSON)
  } catch (const nlohmann::json::type_error&) {
    diags.add("--set", "", "expected POINTER=VALUE in UTF-8, found bytes that are not UTF-8");
    return;
  }
  const std::size_t eq = assignment.find('=');
  if (eq == std::string::npos) {
    diags.add("--set", assignment, "expected POINTER=VALUE (e.g. /scheduling/backfill/policy=easy)");
    return;
  }
  const std::string ptr_text = assignment.substr(0, eq);
  const std::string value_text = assignment.substr(eq + 1);
  if (ptr_text.empty() || ptr_text[0] != '/') {
    diags.add("--set", ptr_text, "expected a JSON Pointer starting with '/' (RFC 6901), e.g. /seed");
    return;
  }
  OJson::json_pointer ptr;
  try {
    ptr = OJson::json_pointer(ptr_text);
  } catch (const nlohmann::json::exception& e) {
    diags.add("--set", ptr_text, fmt::format("expected a valid JSON Pointer (RFC 6901): {}", e.what()));
    return;
  }
  auto parsed = parse_cli_value(value_text, "--set", ptr_text, diags);
  if (!parsed) return;
  OJson value = std::move(*parsed);

  const OJson::json_pointer parent = ptr.parent_pointer();
  const std::string last = ptr.back();
  bool parent_exists = false;
  try {
    parent_exists = doc.contains(parent);
  } catch (const nlohmann::json::exception&) {  // e.g. an array index beyond 64 bits
  }
  if (!parent_exists) {
    diags.add("--set", ptr_text,
              fmt::format("expected an existing parent {}, found none in the scenario",
                          parent.empty() ? std::string("(document)") : parent.to_string()));
    return;
  }
  OJson& container = doc[parent];
  if (container.is_object()) {
    container[last] = std::move(value);
  } else if (container.is_array()) {
    if (last == "-") {
      container.push_back(std::move(value));
      return;
    }
    const bool digits = !last.empty() && last.find_first_not_of("0123456789") == std::string::npos &&
                        (last.size() == 1 || last[0] != '0');
    if (!digits || last.size() > 9 || std::stoul(last) > container.size()) {
      diags.add("--set", ptr_text,
                fmt::format("expected an array index 0..{} or \"-\" (append), found \"{}\"", container.size(), last));
      return;
    }
    const std::size_t i = std::stoul(last);
    if (i == container.size()) container.push_back(std::move(value));
    else container[i] = std::move(value);
  } else {
    diags.add(
        "--set", ptr_text,
        fmt::format("expected {} to be an object or an array, found {}", parent.to_string(), container.type_name()));
  }
}

ResolvedScenario resolve_scenario(const std::string& path, const ScenarioOverrides& overrides,
                                  const ResourceLimits& limits) {
  Diagnostics diags;
  ResolvedScenario out;
  out.file = path;
  out.base_dir = folder_of(path);
  auto doc = load_with_extends(path, limits.max_input_bytes(), diags, out.chain);
  for (const std::string& patch_file : overrides.patches) {
    const auto patch = read_json_file(patch_file, "patch file", limits.max_input_bytes(), diags);
    if (patch && doc) {
      if (!patch->is_object())
        diags.add(patch_file, "",
                  fmt::format("expected a JSON Merge Patch object (RFC 7396), found {}", patch->type_name()));
      else doc->merge_patch(*patch);
    }
  }
  if (doc && !doc->is_object()) {
    diags.add(path, "", fmt::format("expected a scenario object, found {}", doc->type_name()));
    doc.reset();
  }
  if (doc)
    for (const std::string& s : overrides.sets) apply_set(*doc, s, diags);
  if (!diags.empty()) throw InputError(std::move(diags));
  if (overrides.seed) (*doc)["seed"] = *overrides.seed;
  out.doc = std::move(*doc);
  return out;
}

Provenance describe_inputs(const ResolvedScenario& r, const ScenarioOverrides& o, const Scenario& sc) {
  Provenance in;
  in.scenario_sha256 = sha256_hex(r.doc.dump(2) + "\n");
  in.scenario_files = r.chain;
  Diagnostics diags;
  for (const std::string& p : o.patches) {
    try {
      in.patches.push_back({p, sha256_file(p), 0});
    } catch (const std::runtime_error& e) {
      diags.add(p, "", e.what());
    }
  }
  in.sets = o.sets;
  for (std::size_t w = 0; w < sc.workloads.size(); ++w) {
    const WorkloadSpec& ws = sc.workloads[w];
    if (ws.kind != WorkloadSpec::Kind::kSwf) continue;
    std::uint64_t bytes = 0;
    try {
      const std::string digest = sha256_file(ws.path, &bytes);
      // The path as the scenario writes it (the loader checked it is a string).
      const std::string written = r.doc.at("workloads").at(w).at("path").get<std::string>();
      in.traces.push_back({ws.id, {written, digest, bytes}});
    } catch (const std::runtime_error& e) {
      diags.add(ws.path, "", e.what());
    }
  }
  if (!diags.empty()) throw InputError(std::move(diags));
  return in;
}

}  // namespace gpufleet
