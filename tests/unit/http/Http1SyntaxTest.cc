#include <gtest/gtest.h>

#include <string>

#include "wasmesh/proxy/http/Http1Syntax.h"

namespace wasmesh::proxy::http {
namespace {

std::span<const std::uint8_t> bytes(const std::string& text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

std::optional<CodecEvent> check(const std::string& section) {
  return Http1Syntax::checkHeaderSection(section, CodecEvent::malformedRequest);
}

TEST(Http1SyntaxTest, FindsTheEndOfTheSectionAndTheStartLine) {
  const std::string head = "GET / HTTP/1.1\r\nHost: x\r\n\r\nbody";
  EXPECT_EQ(Http1Syntax::headerEnd(bytes(head)), head.size() - 4);
  EXPECT_EQ(Http1Syntax::startLineLength(bytes(head)), 14U);
  EXPECT_FALSE(Http1Syntax::headerEnd(bytes("GET / HTTP/1.1\r\nHost: x\r\n")));
  EXPECT_FALSE(Http1Syntax::startLineLength(bytes("GET / HTT")));
}

TEST(Http1SyntaxTest, AcceptsAPlainSection) {
  EXPECT_FALSE(check("GET / HTTP/1.1\r\nHost: x\r\nX-A: b c\r\n\r\n"));
}

TEST(Http1SyntaxTest, RefusesWhatParsersReadDifferently) {
  for (const std::string& bad : {
           std::string("GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n"),   // obs-fold
           std::string("GET / HTTP/1.1\r\nHost: x\r\n\tfolded\r\n\r\n"),  // obs-fold, tab
           std::string("GET / HTTP/1.1\r\n Host: x\r\n\r\n"),             // space before a field
           std::string("GET / HTTP/1.1\r\nHost : x\r\n\r\n"),             // space before colon
           std::string("GET / HTTP/1.1\r\nHost\t: x\r\n\r\n"),            // tab before colon
           std::string("GET / HTTP/1.1\r\nHost x\r\n\r\n"),               // no colon
           std::string("GET / HTTP/1.1\r\n: x\r\n\r\n"),                  // empty name
           std::string("GET / HTTP/1.1\nHost: x\r\n\r\n"),                // bare LF
           std::string("GET / HTTP/1.1\r\nHost: x\ry\r\n\r\n"),           // bare CR
           std::string("GET / HTTP/1.1\r\nHost: \0x\r\n\r\n", 29),        // NUL
       })
    EXPECT_EQ(check(bad), CodecEvent::malformedRequest) << bad;
}

TEST(Http1SyntaxTest, LineEndingsAreJudgedWhileTheSectionArrives) {
  const auto endings = [](const std::string& text) {
    return Http1Syntax::checkLineEndings(bytes(text), CodecEvent::malformedRequest);
  };
  EXPECT_FALSE(endings("GET / HTTP/1.1\r"));  // the LF may still come
  EXPECT_FALSE(endings("GET / HTTP/1.1\r\nHost"));
  EXPECT_TRUE(endings("GET / HTTP/1.1\n"));
  EXPECT_TRUE(endings("GET / HTTP/1.1\r\r"));
}

TEST(Http1SyntaxTest, LongestLine) {
  EXPECT_EQ(Http1Syntax::longestLine("ab\r\ncdef\r\n\r\n"), 4U);
  EXPECT_EQ(Http1Syntax::longestLine(""), 0U);
}

}  // namespace
}  // namespace wasmesh::proxy::http
