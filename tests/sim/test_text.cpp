// Text helpers shared by the writers (sim/text.hpp).

#include <catch2/catch.hpp>
#include <charconv>
#include <cmath>
#include <limits>
#include <string>

#include "sim/text.hpp"

namespace {

std::string shortest(double x) {
  char buf[32];
  const auto res = std::to_chars(buf, buf + sizeof buf, x);
  return {buf, res.ptr};
}

}  // namespace

TEST_CASE("append_shortest gives std::to_chars's shortest round-trip text", "[text]") {
  // The integer path covers every integer below 10^5 in magnitude: checked one by one, with -0.
  std::string out;
  int mismatches = 0;
  for (int i = -120000; i <= 120000; ++i) {
    out.clear();
    qvsim::append_shortest(out, static_cast<double>(i));
    if (out != shortest(static_cast<double>(i))) ++mismatches;
  }
  CHECK(mismatches == 0);
  for (const double x :
       {-0.0, 0.5, -0.1, 99999.5, 1e5, -1e5, 123456.0, 1e20, 1e-300, 4.9e-324, 0.1 + 0.2,
        std::numeric_limits<double>::max(), std::numeric_limits<double>::infinity(),
        -std::numeric_limits<double>::infinity(), std::nextafter(1e5, 0.0)}) {
    out = "x";  // appends after what is there
    qvsim::append_shortest(out, x);
    CHECK(out == "x" + shortest(x));
  }
  out.clear();
  qvsim::append_shortest(out, -0.0);
  CHECK(out == "-0");
  out.clear();
  qvsim::append_shortest(out, 100000.0);
  CHECK(out == "1e+05");
}
