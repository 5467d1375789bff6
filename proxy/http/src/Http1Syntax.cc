#include "wasmesh/proxy/http/Http1Syntax.h"

#include <algorithm>
#include <string_view>

namespace wasmesh::proxy::http {
namespace {

std::string_view asText(std::span<const std::uint8_t> bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

}  // namespace

std::optional<std::size_t> Http1Syntax::headerEnd(std::span<const std::uint8_t> bytes) {
  const auto text = asText(bytes);
  const auto at = text.find("\r\n\r\n");
  if (at == std::string_view::npos)
    return std::nullopt;
  return at + 4;
}

std::optional<std::size_t> Http1Syntax::startLineLength(std::span<const std::uint8_t> bytes) {
  const auto text = asText(bytes);
  const auto at = text.find('\n');
  if (at == std::string_view::npos)
    return std::nullopt;
  return at > 0 && text[at - 1] == '\r' ? at - 1 : at;
}

std::size_t Http1Syntax::longestLine(std::string_view section) {
  std::size_t longest = 0;
  std::size_t start = 0;
  while (start < section.size()) {
    auto end = section.find("\r\n", start);
    if (end == std::string_view::npos)
      end = section.size();
    longest = std::max(longest, end - start);
    start = end + 2;
  }
  return longest;
}

std::optional<CodecEvent> Http1Syntax::checkLineEndings(std::span<const std::uint8_t> bytes,
                                                        CodecEvent malformed) {
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (bytes[i] == '\n' && (i == 0 || bytes[i - 1] != '\r'))
      return malformed;
    if (bytes[i] == '\r' && i + 1 < bytes.size() && bytes[i + 1] != '\n')
      return malformed;
  }
  return std::nullopt;
}

std::optional<CodecEvent> Http1Syntax::checkHeaderSection(std::string_view section,
                                                          CodecEvent malformed) {
  // Every line ends in CRLF; no CR or LF appears alone; no NUL anywhere.
  for (std::size_t i = 0; i < section.size(); ++i) {
    const char c = section[i];
    if (c == '\0')
      return malformed;
    if (c == '\r' && (i + 1 >= section.size() || section[i + 1] != '\n'))
      return malformed;
    if (c == '\n' && (i == 0 || section[i - 1] != '\r'))
      return malformed;
  }
  // Field lines: none starts with whitespace (obs-fold, or a space before the first field,
  // which RFC 9112 section 2.2 says to reject), none has whitespace before its colon.
  std::size_t lineStart = section.find("\r\n");
  while (lineStart != std::string_view::npos) {
    lineStart += 2;
    const auto lineEnd = section.find("\r\n", lineStart);
    if (lineEnd == std::string_view::npos || lineEnd == lineStart)
      break;  // the empty line ends the section
    const auto line = section.substr(lineStart, lineEnd - lineStart);
    if (line.front() == ' ' || line.front() == '\t')
      return malformed;
    const auto colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0)
      return malformed;
    if (line[colon - 1] == ' ' || line[colon - 1] == '\t')
      return malformed;
    lineStart = lineEnd;
  }
  return std::nullopt;
}

}  // namespace wasmesh::proxy::http
