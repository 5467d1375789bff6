#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "ComponentFixtures.h"
#include "wasmesh/wasm/component/ComponentDecoder.h"

namespace wasmesh::wasm::component {
namespace {

using test::Bytes;
using test::component;
using test::section;

std::string decodeError(const Bytes& bytes) {
  auto decoded = ComponentDecoder::decode(bytes);
  EXPECT_FALSE(decoded) << "decoded a bad binary";
  return decoded ? std::string() : decoded.error().describe();
}

TEST(ComponentDecoderTest, DecodesAnEmptyComponent) {
  auto decoded = ComponentDecoder::decode(component({}));
  ASSERT_TRUE(decoded) << decoded.error().describe();
  EXPECT_TRUE((*decoded)->definitions.empty());
}

TEST(ComponentDecoderTest, TellsComponentsFromCoreModules) {
  const Bytes core{0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};
  EXPECT_TRUE(ComponentDecoder::isComponent(component({})));
  EXPECT_FALSE(ComponentDecoder::isComponent(core));
  EXPECT_EQ(decodeError(core),
            "malformed module: component at offset 0: not a component (layer 0)");
  EXPECT_EQ(decodeError({0x00, 0x61, 0x73}),
            "malformed module: component at offset 0: truncated preamble");
  EXPECT_EQ(decodeError({0x01, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00}),
            "malformed module: component at offset 0: not a WebAssembly binary (bad magic)");
}

TEST(ComponentDecoderTest, NamesAnUnsupportedVersion) {
  EXPECT_EQ(decodeError({0x00, 0x61, 0x73, 0x6d, 0x0a, 0x00, 0x01, 0x00}),
            "unsupported: component at offset 0: component binary version 0x0a (wasmesh reads "
            "version 0x0d)");
}

TEST(ComponentDecoderTest, NamesTheSectionAndOffsetOfATruncatedSection) {
  Bytes bytes = component({section(7, {0x01, 0x73})});
  bytes.pop_back();
  EXPECT_EQ(decodeError(bytes),
            "malformed module: component section 7 (type) at offset 8: section of 2 bytes runs "
            "past the end of the component");
}

TEST(ComponentDecoderTest, RefusesLeftoverBytesAndLyingCounts) {
  // One type (string) and a stray byte.
  EXPECT_EQ(decodeError(component({section(7, {0x01, 0x73, 0x00})})),
            "malformed module: component section 7 (type) at offset 12: section has 1 bytes "
            "left over");
  // 200 types announced in a 2-byte section.
  EXPECT_EQ(decodeError(component({section(7, {0xc8, 0x01})})),
            "malformed module: component section 7 (type) at offset 10: vector length runs past "
            "the end of its section");
}

TEST(ComponentDecoderTest, ChecksEveryIndexAgainstItsIndexSpace) {
  // (alias core export 5 "memory" (core memory)) with no core instance at all.
  EXPECT_EQ(decodeError(component(
                {section(6, {0x01, 0x00, 0x02, 0x01, 0x05, 0x06, 'm', 'e', 'm', 'o', 'r', 'y'})})),
            "malformed module: component section 6 (alias) at offset 11: core instance index 5 "
            "out of range (0 defined)");
  // (type (list 3)) where type 3 does not exist.
  EXPECT_EQ(decodeError(component({section(7, {0x01, 0x70, 0x03})})),
            "malformed module: component section 7 (type) at offset 12: type index 3 out of "
            "range (0 defined)");
  // An outer alias reaching past the outermost component.
  EXPECT_EQ(decodeError(component({section(6, {0x01, 0x03, 0x02, 0x01, 0x00})})),
            "malformed module: component section 6 (alias) at offset 11: outer alias reaches 1 "
            "levels out, past the outermost component");
}

TEST(ComponentDecoderTest, SaysWhichAsyncFeatureIsNotSupported) {
  // (core func (canon task.return (result u32)))
  EXPECT_EQ(decodeError(component({section(8, {0x01, 0x09, 0x00, 0x79, 0x00})})),
            "unsupported: component section 8 (canon) at offset 11: canon task.return (opcode "
            "0x09) is not supported yet: wasmesh runs synchronous components only");
  // (type (stream u8))
  EXPECT_EQ(decodeError(component({section(7, {0x01, 0x66, 0x01, 0x7d})})),
            "unsupported: component section 7 (type) at offset 11: stream types (component model "
            "async) are not supported yet");
  EXPECT_EQ(decodeError(component({section(9, {0x00, 0x00, 0x00})})),
            "unsupported: component section 9 (start) at offset 10: the start section "
            "(component values) is not supported yet");
}

TEST(ComponentDecoderTest, BoundsNesting) {
  // 40 components, each nested in the previous one.
  Bytes inner = component({});
  for (int i = 0; i < 40; ++i)
    inner = component({section(4, inner)});
  EXPECT_NE(decodeError(inner).find("nested more than 32 levels deep"), std::string::npos);
}

TEST(ComponentDecoderTest, RefusesNamesThatAreNotUtf8) {
  // (import "\xff" (func (type 0))) after (type (func)).
  const std::string error =
      decodeError(component({section(7, {0x01, 0x40, 0x00, 0x01, 0x00}),
                             section(10, {0x01, 0x00, 0x01, 0xff, 0x01, 0x00})}));
  EXPECT_NE(error.find("bad name (truncated or not UTF-8)"), std::string::npos) << error;
}

TEST(ComponentDecoderTest, DecodesEverySectionKind) {
  auto decoded = ComponentDecoder::decode(test::fuzzSeed("types"));
  ASSERT_TRUE(decoded) << decoded.error().describe();
  std::map<Definition::Kind, int> kinds;
  for (const auto& def : (*decoded)->definitions)
    ++kinds[def.kind];
  EXPECT_EQ(kinds[Definition::Kind::coreModule], 1);
  EXPECT_EQ(kinds[Definition::Kind::coreInstance], 2);
  EXPECT_EQ(kinds[Definition::Kind::component], 1);
  EXPECT_EQ(kinds[Definition::Kind::instance], 2);
  EXPECT_EQ(kinds[Definition::Kind::canon], 2);
  EXPECT_EQ(kinds[Definition::Kind::importDef], 1);
  EXPECT_EQ(kinds[Definition::Kind::exportDef], 2);
  const auto& imported =
      std::find_if((*decoded)->definitions.begin(), (*decoded)->definitions.end(),
                   [](const Definition& def) { return def.kind == Definition::Kind::importDef; })
          ->importDef;
  EXPECT_EQ(imported.name, "ns:pkg/iface@0.2.0");
  EXPECT_EQ(imported.desc.kind, ExternDesc::Kind::instance);

  auto resources = ComponentDecoder::decode(test::fuzzSeed("resources"));
  ASSERT_TRUE(resources) << resources.error().describe();
  const Definition* lift = nullptr;
  for (const auto& def : (*resources)->definitions) {
    if (def.kind == Definition::Kind::canon && def.canon.kind == CanonDef::Kind::lift)
      lift = &def;
  }
  ASSERT_NE(lift, nullptr);
  EXPECT_EQ(lift->canon.options.encoding, StringEncoding::utf16);
  EXPECT_TRUE(lift->canon.options.memory && lift->canon.options.realloc &&
              lift->canon.options.postReturn);
}

// A cut inside a section fails; a cut between sections leaves a shorter, valid component.
TEST(ComponentDecoderTest, EveryTruncationFailsCleanlyOrEndsBetweenSections) {
  for (const char* seed : {"types", "resources"}) {
    const Bytes whole = test::fuzzSeed(seed);
    auto full = ComponentDecoder::decode(whole);
    ASSERT_TRUE(full) << full.error().describe();
    int decoded = 0;
    for (std::size_t length = 0; length < whole.size(); ++length) {
      const Bytes cut(whole.begin(), whole.begin() + static_cast<std::ptrdiff_t>(length));
      auto partial = ComponentDecoder::decode(cut);
      if (!partial)
        continue;
      ++decoded;
      EXPECT_LE((*partial)->definitions.size(), (*full)->definitions.size()) << length;
    }
    EXPECT_LT(decoded, 20) << seed;
  }
}

TEST(ComponentDecoderTest, DecodesTheJcoCommand) {
  const Bytes bytes = test::componentFixture("cli");
  if (bytes.empty())
    GTEST_SKIP() << "component fixtures not built (scripts/install-npm.sh)";
  auto decoded = ComponentDecoder::decode(bytes);
  ASSERT_TRUE(decoded) << decoded.error().describe();
  int imports = 0;
  int modules = 0;
  int nested = 0;
  std::vector<std::string> exports;
  for (const auto& def : (*decoded)->definitions) {
    imports += def.kind == Definition::Kind::importDef;
    modules += def.kind == Definition::Kind::coreModule;
    nested += def.kind == Definition::Kind::component;
    if (def.kind == Definition::Kind::exportDef)
      exports.push_back(def.exportDef.name);
  }
  EXPECT_EQ(modules, 4);
  EXPECT_EQ(nested, 1);
  EXPECT_GE(imports, 15);
  EXPECT_EQ(exports, std::vector<std::string>{"wasi:cli/run@0.2.12"});
}

}  // namespace
}  // namespace wasmesh::wasm::component
