#include "util/json_writer.h"

#include <gtest/gtest.h>

namespace lake {
namespace {

TEST(JsonWriter, NestsAndEscapes) {
  JsonWriter w;
  w.BeginObject().Key("a").Int(1).Key("s").String("q\"\\\n\x01").Key("l").BeginArray();
  w.Bool(true).Null().Double(1.5).BeginObject().EndObject().EndArray().Key("r").Raw("{\"x\":2}");
  w.EndObject();
  EXPECT_EQ(w.str(), R"({"a":1,"s":"q\"\\\n\u0001","l":[true,null,1.5,{}],"r":{"x":2}})");
}

}  // namespace
}  // namespace lake
