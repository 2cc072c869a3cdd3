#include "workload/swf_reader.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>

#include <fmt/format.h>
#include <zlib.h>

#include "core/input_file.hpp"

namespace gpufleet {
namespace {

constexpr int kFields = 18;
constexpr std::size_t kMaxErrors = 20;
constexpr std::size_t kMaxLineBytes = 1 << 20;  // an SWF line is ~100 bytes

struct GzCloser {
  void operator()(gzFile f) const { gzclose(f); }
};

// One SWF line at a time: the file reader and the in-memory reader share it.
class SwfParser {
 public:
  SwfParser(const std::string& name, bool perfect_estimates, Diagnostics& diags)
      : name_(name), perfect_(perfect_estimates), diags_(diags) {}

  void error(const std::string& msg) {
    if (errors_ < kMaxErrors) diags_.add(name_, fmt::format("line {}", line_no_), msg);
    ++errors_;
  }
  void next_line_number() { ++line_no_; }
  void skip_blank_lines(std::size_t n) { line_no_ += n; }

  std::size_t records() const { return out_.size(); }
  std::size_t errors() const { return errors_; }
  std::size_t line_number() const { return line_no_; }

  void line(const std::string& line) {
    ++line_no_;
    if (line.find('\0') != std::string::npos) {
      error("expected text, found a NUL byte (is this a binary file?)");
      return;
    }
    std::size_t p = line.find_first_not_of(" \t\r\n");
    if (p == std::string::npos || line[p] == ';') return;
    double v[kFields];
    int n = 0;
    const char* s = line.c_str() + p;
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
        return;
      }
      v[n++] = d;
    }
    if (n != kFields) {
      error(fmt::format("expected {} fields, found {}", kFields, n));
      return;
    }
    if (v[0] != std::floor(v[0]) || std::fabs(v[0]) > 9.0e15) {
      error(fmt::format("field 1 (job id): expected an integer, found {}", v[0]));
      return;
    }
    if (v[1] < 0) {
      error(fmt::format("field 2 (submit time): expected a time >= 0 s, found {}", v[1]));
      return;
    }
    TraceRecord r;
    r.id = static_cast<std::int64_t>(v[0]);
    r.submit = v[1];
    r.runtime = v[3] >= 0 ? v[3] : -1;
    const double procs = v[4] > 0 ? v[4] : v[7];
    r.gpus = procs > 0 && procs == std::floor(procs) && procs < 2.0e9 ? static_cast<std::int64_t>(procs) : -1;
    r.requested = (!perfect_ && v[8] > 0) ? v[8] : r.runtime;
    const auto id_field = [](double x) {
      return x >= 0 && x == std::floor(x) && x < 2147483647.0 ? static_cast<std::int32_t>(x) : std::int32_t{-1};
    };
    r.user = id_field(v[11]);
    r.group = id_field(v[12]);
    out_.push_back(r);
  }

  std::vector<TraceRecord> finish(bool stopped = false) {
    if (stopped) diags_.add(name_, "", fmt::format("reading stopped after {} errors", errors_));
    else if (errors_ > kMaxErrors) diags_.add(name_, "", fmt::format("{} more errors not shown", errors_ - kMaxErrors));
    if (errors_ == 0 && out_.empty()) diags_.add(name_, "", "expected at least one job line, found none (empty trace)");
    std::stable_sort(out_.begin(), out_.end(),
                     [](const TraceRecord& a, const TraceRecord& b) { return a.submit < b.submit; });
    return std::move(out_);
  }

 private:
  const std::string& name_;
  bool perfect_;
  Diagnostics& diags_;
  std::size_t errors_ = 0;
  std::size_t line_no_ = 0;
  std::vector<TraceRecord> out_;
};

}  // namespace

std::vector<TraceRecord> read_swf(const std::string& path, bool perfect_estimates, Diagnostics& diags,
                                  const SwfLimits& limits) {
  // A device or a pipe (/dev/zero, /dev/stdin) would never end: only regular files are traces.
  auto file = open_input_file(path, "trace", limits.max_bytes, "max_trace_mib", diags);
  if (!file) return {};
  std::unique_ptr<gzFile_s, GzCloser> f(gzdopen(file->release(), "rb"));
  if (!f) {
    diags.add(path, "", fmt::format("cannot open trace: {}", errno ? std::strerror(errno) : "out of memory"));
    return {};
  }
  gzbuffer(f.get(), 1 << 17);
  SwfParser parser(path, perfect_estimates, diags);
  std::vector<char> buf(1 << 20);
  std::string line;          // a line that spans two reads
  std::uint64_t offset = 0;  // bytes read so far (after decompression)
  auto stop = [&](const std::string& message) {
    parser.next_line_number();
    parser.error(message);
    return parser.finish();
  };
  while (true) {
    const int n = gzread(f.get(), buf.data(), static_cast<unsigned>(buf.size()));
    if (n < 0) {
      int zerr = 0;
      const char* msg = gzerror(f.get(), &zerr);
      return stop(fmt::format("cannot read trace: {}", msg));
    }
    if (n == 0) break;
    if (offset + static_cast<std::uint64_t>(n) > limits.max_bytes)
      return stop(
          fmt::format("the trace is larger than {} once decompressed, the limit (max_trace_mib). If this is "
                      "intended, raise it with --limit max_trace_mib=N (N in MiB)",
                      format_bytes(static_cast<double>(limits.max_bytes))));
    const char* p = buf.data();
    // A NUL byte ends the reading at once (a binary file); the lines before it are read as usual,
    // so the error names the line it is on.
    const char* nul = static_cast<const char*>(std::memchr(p, '\0', static_cast<std::size_t>(n)));
    const char* end = nul ? nul : p + n;
    while (p < end) {
      if (line.empty() && *p == '\n') {  // blank lines: counted, not parsed one call at a time
        const char* q = p;
        while (q < end && *q == '\n') ++q;
        parser.skip_blank_lines(static_cast<std::size_t>(q - p));
        p = q;
        continue;
      }
      const char* nl = static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)));
      line.append(p, nl ? nl : end);
      if (line.size() > kMaxLineBytes)
        return stop(fmt::format("expected lines of at most {} bytes (is this an SWF file?)", kMaxLineBytes));
      if (!nl) break;
      parser.line(line);
      line.clear();
      p = nl + 1;
      // Counted while reading, so a trace with more jobs than the limit never sits in memory whole.
      if (parser.records() > limits.max_records) {
        parser.error(
            fmt::format("job line {} of the trace, more than the limit allows ({:.0f} jobs in all workloads "
                        "together: max_jobs). If this is intended, raise it with --limit max_jobs=N",
                        parser.records(), limits.max_jobs_in_all));
        return parser.finish();
      }
      if (parser.errors() > kMaxErrors) return parser.finish(/*stopped=*/true);
    }
    if (nul)
      return stop(fmt::format("expected text, found a NUL byte at byte {} (is this a binary file?)",
                              offset + static_cast<std::uint64_t>(nul - buf.data())));
    offset += static_cast<std::uint64_t>(n);
  }
  if (!line.empty()) parser.line(line);
  return parser.finish();
}

std::vector<TraceRecord> parse_swf_text(std::string_view text, const std::string& name, bool perfect_estimates,
                                        Diagnostics& diags) {
  SwfParser parser(name, perfect_estimates, diags);
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    parser.line(std::string(text.substr(pos, end - pos)));
    pos = end + 1;
  }
  return parser.finish();
}

}  // namespace gpufleet
