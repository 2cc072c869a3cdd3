// Calendar dates: strict parsing, and formatting that round-trips.
#include <catch2/catch.hpp>

#include "core/time_format.hpp"

using namespace gpufleet;

TEST_CASE("dates: exactly YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ", "[inputs]") {
  CHECK(parse_utc("2025-01-01") == 1735689600);
  CHECK(parse_utc("2025-01-01T00:00:01Z") == 1735689601);
  CHECK(parse_utc("2024-02-29"));
  for (const char* bad : {"2025-+1-01", " 2025-01-1", "2025-01- 1", "+025-01-01", "2025-1-01", "2025-01-01T00:00:0Z",
                          "2025-01-01T00:00:00+", "2025/01/01", "2025-02-29", "2025-13-01", "1969-12-31", ""}) {
    INFO(bad);
    CHECK_FALSE(parse_utc(bad));
  }
}

TEST_CASE("dates format as UTC and round-trip through the parser", "[time]") {
  CHECK(format_utc(0) == "1970-01-01T00:00:00Z");
  CHECK(format_utc(1735689600) == "2025-01-01T00:00:00Z");
  CHECK(format_utc(1735689600.999) == "2025-01-01T00:00:00Z");  // fractions truncated
  CHECK(format_utc(1709164800 + 86399) == "2024-02-29T23:59:59Z");
  CHECK(format_date(1709164800 + 86399) == "2024-02-29");
  CHECK(format_date(951782400) == "2000-02-29");  // a century divisible by 400 is a leap year
  CHECK_FALSE(parse_utc("1900-02-29"));           // one that is not, is not
  CHECK(parse_utc("2000-02-29") == 951782400);
  for (std::int64_t t : {0LL, 86399LL, 951782400LL, 1735689601LL, 1893455999LL, 4102444800LL}) {
    INFO(t);
    CHECK(parse_utc(format_utc(static_cast<double>(t))) == t);
  }
}
