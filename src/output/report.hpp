// report.html: one self-contained page (inline SVG and CSS, no scripts, no
// external resources) for a reader who never saw the scenario's JSON.
#pragma once

#include <string>

#include "metrics/summary.hpp"
#include "scenario/scenario.hpp"
#include "sim/run_result.hpp"

namespace gpufleet {

// `tenant_rows`: tenant_timeseries() of the run (the tenants' charts; empty without tenants).
std::string report_html(const Scenario& scenario, const RunResult& run, const Summary& summary,
                        const std::vector<TenantSample>& tenant_rows);

// A complete HTML page around `body` with the reports' style sheet.
std::string html_page(const std::string& title, const std::string& body);

}  // namespace gpufleet
