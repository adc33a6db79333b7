#include <catch2/catch.hpp>
#include <cmath>
#include <limits>

#include "sim/json.hpp"

using namespace qvsim;

TEST_CASE("json writer nests, escapes and formats numbers", "[json]") {
  JsonWriter w(0);
  w.begin_object();
  w.key("a").value(1);
  w.key("b\"q").value("x\ny\x01");
  w.key("c")
      .begin_array()
      .value(0.1)
      .value(std::numeric_limits<double>::quiet_NaN())
      .null()
      .end_array();
  w.key("d").begin_object().end_object();
  w.key("e").value(true);
  w.key("f").raw("{\"x\": 1}\n");
  w.end_object();
  CHECK(w.str() ==
        "{\"a\":1,\"b\\\"q\":\"x\\ny\\u0001\",\"c\":[0.1,null,null],\"d\":{},\"e\":true,"
        "\"f\":{\"x\": 1}}\n");
}

TEST_CASE("json writer indents", "[json]") {
  JsonWriter w;
  w.begin_object().key("k").begin_array().value(1).value(2).end_array().end_object();
  CHECK(w.str() == "{\n  \"k\": [\n    1,\n    2\n  ]\n}\n");
}

TEST_CASE("format_double round-trips in shortest form", "[json]") {
  CHECK(format_double(0.1) == "0.1");
  CHECK(format_double(1.0) == "1");
  CHECK(format_double(-2.5e-300) == "-2.5e-300");
  CHECK(format_double(std::numeric_limits<double>::infinity()) == "inf");
  CHECK(format_double(std::nan("")) == "nan");
  const double x = 0.1 + 0.2;
  CHECK(std::stod(format_double(x)) == x);
}
