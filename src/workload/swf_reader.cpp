#include "gpufleet/swf_reader.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <memory>

#include <fmt/format.h>
#include <zlib.h>

namespace gpufleet {
namespace {

constexpr int kFields = 18;
constexpr std::size_t kMaxErrors = 20;

struct GzCloser {
  void operator()(gzFile f) const { gzclose(f); }
};

}  // namespace

std::vector<TraceRecord> read_swf(const std::string& path, bool perfect_estimates, Diagnostics& diags) {
  std::vector<TraceRecord> out;
  std::unique_ptr<gzFile_s, GzCloser> f(gzopen(path.c_str(), "rb"));
  if (!f) {
    diags.add(path, "", fmt::format("cannot open trace: {}", errno ? std::strerror(errno) : "unknown error"));
    return out;
  }
  gzbuffer(f.get(), 1 << 17);
  std::size_t errors = 0;
  std::size_t line_no = 0;
  std::string line;
  char buf[4096];
  auto error = [&](const std::string& msg) {
    if (errors < kMaxErrors) diags.add(path, fmt::format("line {}", line_no), msg);
    ++errors;
  };
  bool eof = false;
  while (!eof) {
    line.clear();
    // Read one whole line, however long.
    while (true) {
      if (!gzgets(f.get(), buf, sizeof buf)) {
        int zerr = 0;
        const char* msg = gzerror(f.get(), &zerr);
        if (zerr != Z_OK && zerr != Z_STREAM_END) {
          ++line_no;
          error(fmt::format("cannot read trace: {}", msg));
          return {};
        }
        eof = true;
        break;
      }
      line += buf;
      if (!line.empty() && line.back() == '\n') break;
    }
    if (eof && line.empty()) break;
    ++line_no;
    if (line.find('\0') != std::string::npos) {
      error("expected text, found a NUL byte (is this a binary file?)");
      continue;
    }
    std::size_t p = line.find_first_not_of(" \t\r\n");
    if (p == std::string::npos || line[p] == ';') continue;
    double v[kFields];
    int n = 0;
    const char* s = line.c_str() + p;
    bool bad = false;
    while (*s) {
      while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n') ++s;
      if (!*s) break;
      const char* start = s;
      while (*s && *s != ' ' && *s != '\t' && *s != '\r' && *s != '\n') ++s;
      if (n >= kFields) {
        ++n;
        continue;
      }
      std::string tok(start, s);
      char* end = nullptr;
      errno = 0;
      const double d = std::strtod(tok.c_str(), &end);
      if (end != tok.c_str() + tok.size() || errno == ERANGE || !std::isfinite(d)) {
        error(fmt::format("field {}: expected a number, found \"{}\"", n + 1, tok.substr(0, 40)));
        bad = true;
        break;
      }
      v[n++] = d;
    }
    if (bad) continue;
    if (n != kFields) {
      error(fmt::format("expected {} fields, found {}", kFields, n));
      continue;
    }
    if (v[0] != std::floor(v[0]) || std::fabs(v[0]) > 9.0e15) {
      error(fmt::format("field 1 (job id): expected an integer, found {}", v[0]));
      continue;
    }
    if (v[1] < 0) {
      error(fmt::format("field 2 (submit time): expected a time >= 0 s, found {}", v[1]));
      continue;
    }
    TraceRecord r;
    r.id = static_cast<std::int64_t>(v[0]);
    r.submit = v[1];
    r.runtime = v[3] >= 0 ? v[3] : -1;
    const double procs = v[4] > 0 ? v[4] : v[7];
    r.gpus = procs > 0 && procs == std::floor(procs) && procs < 2.0e9 ? static_cast<std::int64_t>(procs) : -1;
    r.requested = (!perfect_estimates && v[8] > 0) ? v[8] : r.runtime;
    out.push_back(r);
  }
  if (errors > kMaxErrors)
    diags.add(path, "", fmt::format("{} more errors not shown", errors - kMaxErrors));
  if (errors == 0 && out.empty()) diags.add(path, "", "expected at least one job line, found none (empty trace)");
  std::stable_sort(out.begin(), out.end(), [](const TraceRecord& a, const TraceRecord& b) { return a.submit < b.submit; });
  return out;
}

}  // namespace gpufleet
