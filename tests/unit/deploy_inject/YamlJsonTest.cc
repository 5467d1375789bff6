#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "wasmesh/deploy/YamlJson.h"

namespace wasmesh::deploy {
namespace {

namespace json = boost::json;
using ::testing::HasSubstr;

json::value one(std::string_view yaml) {
  auto documents = YamlJson::readYaml(yaml);
  EXPECT_TRUE(documents) << (documents ? "" : documents.error());
  if (!documents || documents->size() != 1)
    return nullptr;
  return documents->front();
}

json::value valueOf(std::string_view scalar) {
  return one("v: " + std::string(scalar)).get_object().at("v");
}

TEST(YamlJsonTest, PlainScalarsAreTypedAsKubernetesTypesThem) {
  EXPECT_EQ(valueOf("true"), json::value(true));
  EXPECT_EQ(valueOf("yes"), json::value(true));
  EXPECT_EQ(valueOf("On"), json::value(true));
  EXPECT_EQ(valueOf("n"), json::value(false));
  EXPECT_EQ(valueOf("OFF"), json::value(false));
  EXPECT_EQ(valueOf("~"), json::value(nullptr));
  EXPECT_EQ(valueOf("null"), json::value(nullptr));
  EXPECT_EQ(valueOf(""), json::value(nullptr));
  EXPECT_EQ(valueOf("80"), json::value(80));
  EXPECT_EQ(valueOf("-5"), json::value(-5));
  EXPECT_EQ(valueOf("+5"), json::value(5));
  EXPECT_EQ(valueOf("0x1F"), json::value(31));
  EXPECT_EQ(valueOf("010"), json::value(8));
  EXPECT_EQ(valueOf("0b101"), json::value(5));
  EXPECT_EQ(valueOf("1_000"), json::value(1000));
  EXPECT_EQ(valueOf("1.5"), json::value(1.5));
  EXPECT_EQ(valueOf("1e3"), json::value(1000.0));
  EXPECT_EQ(valueOf("18446744073709551615"), json::value(std::uint64_t{18446744073709551615U}));
  for (const auto* text : {"enabled", "1.2.3", "0.5.1", "v1", "1e", "08x", "'yes'", "\"80\"",
                           "!!str 80", "1 ms", ".5s"}) {
    EXPECT_TRUE(valueOf(text).is_string()) << text;
  }
  EXPECT_EQ(valueOf("'true'"), json::value("true"));
  EXPECT_EQ(valueOf("!!int \"42\""), json::value(42));
}

TEST(YamlJsonTest, ReadsEveryDocumentAndDropsEmptyOnes) {
  auto documents = YamlJson::readYaml("---\na: 1\n---\n# only a comment\n---\nb: [1, two]\n---\n");
  ASSERT_TRUE(documents) << documents.error();
  ASSERT_EQ(documents->size(), 2U);
  EXPECT_EQ(documents->at(1), json::parse(R"({"b": [1, "two"]})"));
}

TEST(YamlJsonTest, RefusalsNameWhereAndWhat) {
  const auto duplicate = YamlJson::readYaml("a: 1\nb: 2\na: 3\n");
  ASSERT_FALSE(duplicate);
  EXPECT_THAT(duplicate.error(), HasSubstr("line 3, column 1"));
  EXPECT_THAT(duplicate.error(), HasSubstr("\"a\" appears twice"));

  const auto broken = YamlJson::readYaml("a: [1, 2\nb: 3\n");
  ASSERT_FALSE(broken);
  EXPECT_THAT(broken.error(), HasSubstr("not YAML: line"));

  const auto tagged = YamlJson::readYaml("a: !!int seven\n");
  ASSERT_FALSE(tagged);
  EXPECT_THAT(tagged.error(), HasSubstr("\"seven\" is not a int"));

  const auto keyed = YamlJson::readYaml("? [a, b]\n: 1\n");
  ASSERT_FALSE(keyed);
  EXPECT_THAT(keyed.error(), HasSubstr("a mapping key must be a plain value"));
}

TEST(YamlJsonTest, AliasesThatExpandWithoutBoundAreRefused) {
  std::string bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  char previous = 'a';
  for (char name = 'b'; name <= 'h'; ++name) {
    bomb += std::string(1, name) + ": &" + std::string(1, name) + " [";
    for (int i = 0; i < 10; ++i)
      bomb += std::string(i ? ", *" : "*") + previous;
    bomb += "]\n";
    previous = name;
  }
  const auto documents = YamlJson::readYaml(bomb);
  ASSERT_FALSE(documents);
  EXPECT_THAT(documents.error(), HasSubstr("aliases expanding without bound"));
}

TEST(YamlJsonTest, DeepNestingIsRefused) {
  const auto documents = YamlJson::readYaml(std::string(150, '[') + std::string(150, ']'));
  ASSERT_FALSE(documents);
  EXPECT_THAT(documents.error(), HasSubstr("nested deeper than 100"));
  const auto deepJson = YamlJson::readJson(std::string(150, '[') + std::string(150, ']'));
  ASSERT_FALSE(deepJson);
}

TEST(YamlJsonTest, WrittenYamlReadsBackTheSameValues) {
  const auto original = json::parse(R"({
    "strings": ["true", "no", "", "123", "0x10", "1.5", "null", "~", "a: b", "#x", "- item",
                "pem\nlines\n", "no newline\nat end", "two newlines\n\n", " leading", "tab\there",
                "quote\"s", "'single'", "{flow}", "[seq]", "*alias", "&anchor", "!tag", "%dir",
                "@at", "`tick", "trailing ", "é ünïcode", "line\r\nwindows\n"],
    "numbers": [0, -7, 1.5, 1e300, 18446744073709551615, 2.0],
    "flags": [true, false, null],
    "empty": {"map": {}, "list": []},
    "80": "key that looks like a number", "yes": "key that looks like a boolean"
  })");
  const auto yaml = YamlJson::writeYaml({original, json::parse(R"({"second": 2})")});
  auto back = YamlJson::readYaml(yaml);
  ASSERT_TRUE(back) << back.error() << "\n" << yaml;
  ASSERT_EQ(back->size(), 2U) << yaml;
  EXPECT_EQ(back->front(), original) << yaml;
  EXPECT_THAT(yaml, HasSubstr("|\n")) << "PEM-like text is a literal block";
}

TEST(YamlJsonTest, JsonIsReadAsOneValueAndErrorsSayWhere) {
  YamlJson::Format format{};
  auto documents = YamlJson::read("  {\"kind\": \"List\", \"items\": []}\n", format);
  ASSERT_TRUE(documents) << documents.error();
  EXPECT_EQ(format, YamlJson::Format::json);
  const auto truncated = YamlJson::read("{\"kind\": \"Li", format);
  ASSERT_FALSE(truncated);
  EXPECT_THAT(truncated.error(), HasSubstr("not JSON: line 1"));
  const auto trailing = YamlJson::read("{} {}", format);
  ASSERT_FALSE(trailing);
  EXPECT_THAT(trailing.error(), HasSubstr("unexpected text after the value"));
  documents = YamlJson::read("kind: Pod\n", format);
  ASSERT_TRUE(documents);
  EXPECT_EQ(format, YamlJson::Format::yaml);
}

TEST(YamlJsonTest, JsonIsWrittenIndentedAndSeveralDocumentsAsAList) {
  const auto single = YamlJson::writeJson({json::parse(R"({"a": [1, {}], "b": "x"})")});
  EXPECT_EQ(single, "{\n  \"a\": [\n    1,\n    {}\n  ],\n  \"b\": \"x\"\n}\n");
  const auto several = YamlJson::writeJson({json::value(1), json::value(2)});
  EXPECT_EQ(json::parse(several),
            json::parse(R"({"apiVersion":"v1","kind":"List","items":[1,2]})"));
}

TEST(YamlJsonTest, OversizedInputIsRefusedUnread) {
  const std::string big(YamlJson::kMaxInputBytes + 1, ' ');
  const auto documents = YamlJson::readYaml(big);
  ASSERT_FALSE(documents);
  EXPECT_THAT(documents.error(), HasSubstr("larger than 32 MiB"));
}

}  // namespace
}  // namespace wasmesh::deploy
