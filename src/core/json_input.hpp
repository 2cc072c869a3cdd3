// Every JSON document gpufleet reads from a user (scenario, extends target, --patch, --set and
// --vary values, sweep files, summaries, manifests) is parsed here, with two rules the JSON
// grammar leaves open:
//  - nesting is at most kMaxJsonDepth levels (a scenario needs about 8): deeper documents are
//    refused before any recursive code (copy, merge patch, dump, comparison) can overflow the stack;
//  - an object must not repeat a key (RFC 8259 says names SHOULD be unique; which one would win
//    is the parser's accident, so a repeated key is an error naming its JSON Pointer).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "gpufleet/diagnostics.hpp"

namespace gpufleet {

inline constexpr int kMaxJsonDepth = 64;

// Parses `text` (any JSON value); problems go to `diags` naming `file`.
std::optional<nlohmann::ordered_json> parse_json_text(const std::string& text, const std::string& file,
                                                      Diagnostics& diags);

// Reads (through open_input_file: a regular file of at most `max_bytes`, raised with --limit
// max_input_mib) and parses the JSON file at `path`; `what` names it in messages.
std::optional<nlohmann::ordered_json> read_json_file(const std::string& path, const std::string& what,
                                                     std::uint64_t max_bytes, Diagnostics& diags);

// A command-line value (--set VALUE, a --vary value): JSON when it parses as JSON, else the text
// itself as a string. JSON that breaks the rules above is not silently taken as a string: the
// problem goes to `diags` (file `source`, location `where`) and the result is empty.
std::optional<nlohmann::ordered_json> parse_cli_value(const std::string& text, const std::string& source,
                                                      const std::string& where, Diagnostics& diags);

}  // namespace gpufleet
