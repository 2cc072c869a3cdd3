// The SWF reader's limits, counted while reading (plain and gzip, NUL bytes).
#include <catch2/catch.hpp>

#include <filesystem>

#include <fmt/format.h>
#include <zlib.h>

#include "../helpers.hpp"
#include "gpufleet/diagnostics.hpp"
#include "workload/swf_reader.hpp"

using namespace gpufleet;
using gpufleet::test::TempDir;
using gpufleet::test::write_text;
namespace fs = std::filesystem;

TEST_CASE("trace limits are counted while reading", "[inputs][swf]") {
  TempDir dir("swf-limits");
  const std::string line = "1 0 -1 100 4 -1 -1 4 200 -1 1 1 1 -1 1 -1 -1 -1\n";
  std::string text;
  for (int i = 0; i < 50; ++i) text += line;
  write_text(dir.path() / "t.swf", text);
  {
    Diagnostics d;
    SwfLimits lim;
    lim.max_records = 10;
    lim.max_jobs_in_all = 10;
    CHECK(read_swf((dir.path() / "t.swf").string(), false, d, lim).empty() == false);
    REQUIRE(d.size() == 1);
    CHECK_THAT(test::first_message(d),
               Catch::Contains("line 11: job line 11 of the trace, more than the limit allows (10 jobs"));
  }
  {
    Diagnostics d;
    SwfLimits lim;
    lim.max_bytes = 1000;  // the file is 2,450 bytes
    (void)read_swf((dir.path() / "t.swf").string(), false, d, lim);
    CHECK_THAT(test::first_message(d), Catch::Contains("max_trace_mib"));
  }
  {
    // gzip: the cap is on what comes out of the decompressor, not on the (small) file.
    const std::string gz = (dir.path() / "t.swf.gz").string();
    gzFile f = gzopen(gz.c_str(), "wb9");
    REQUIRE(f);
    for (int i = 0; i < 2000; ++i) gzputs(f, line.c_str());
    gzclose(f);
    REQUIRE(fs::file_size(gz) < 2000);
    Diagnostics d;
    SwfLimits lim;
    lim.max_bytes = 50'000;  // 98,000 bytes once decompressed
    (void)read_swf(gz, false, d, lim);
    CHECK_THAT(test::first_message(d),
               Catch::Contains("larger than 48.8 KiB once decompressed, the limit (max_trace_mib)"));
  }
  {
    const std::string head = "2 0 -1 100 4 -1 -1 4";
    const std::string binary = line + head + std::string(1, '\0') + " 200\n" + line;
    write_text(dir.path() / "b.swf", binary);
    Diagnostics d;
    (void)read_swf((dir.path() / "b.swf").string(), false, d);
    CHECK_THAT(test::first_message(d), Catch::Contains(fmt::format("line 2: expected text, found a NUL byte at byte {}",
                                                                   line.size() + head.size())));
  }
}
