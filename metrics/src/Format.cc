#include "wasmesh/metrics/Format.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstddef>
#include <system_error>

namespace wasmesh::metrics {
namespace {

constexpr std::string_view kWhitespace = " \t";

std::string_view trim(std::string_view text) {
  const std::size_t first = text.find_first_not_of(kWhitespace);
  if (first == std::string_view::npos) {
    return {};
  }
  return text.substr(first, text.find_last_not_of(kWhitespace) - first + 1);
}

bool iequals(std::string_view a, std::string_view b) {
  return std::ranges::equal(a, b, [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) ==
           std::tolower(static_cast<unsigned char>(y));
  });
}

// Splits at `separator`, ignoring separators inside quoted strings (RFC 9110 parameters).
template <typename Fn>
void splitOutsideQuotes(std::string_view text, char separator, Fn&& fn) {
  bool quoted = false;
  std::size_t start = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '"') {
      quoted = !quoted;
    } else if (text[i] == '\\' && quoted) {
      ++i;
    } else if (text[i] == separator && !quoted) {
      fn(trim(text.substr(start, i - start)));
      start = i + 1;
    }
  }
  fn(trim(text.substr(std::min(start, text.size()))));
}

// One element of an Accept or Accept-Encoding list: the value and its q and version params.
struct ListElement {
  std::string_view value;
  std::string_view version;
  double q = 1;
};

// RFC 9110 qvalue: 0..1 with at most three decimals. Anything else makes the element
// count as refused (q = 0): guessing a preference the client did not state is worse.
double parseQ(std::string_view text) {
  double q = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), q);
  if (ec != std::errc{} || end != text.data() + text.size() || !(q >= 0 && q <= 1)) {
    return 0;
  }
  return q;
}

std::string_view unquote(std::string_view text) {
  if (text.size() >= 2 && text.front() == '"' && text.back() == '"') {
    return text.substr(1, text.size() - 2);
  }
  return text;
}

template <typename Fn>
void forEachElement(std::string_view header, Fn&& fn) {
  splitOutsideQuotes(header, ',', [&](std::string_view element) {
    if (element.empty()) {
      return;
    }
    ListElement parsed;
    bool first = true;
    splitOutsideQuotes(element, ';', [&](std::string_view part) {
      if (first) {
        parsed.value = part;
        first = false;
        return;
      }
      const std::size_t eq = part.find('=');
      if (eq == std::string_view::npos) {
        return;
      }
      const std::string_view name = trim(part.substr(0, eq));
      const std::string_view value = unquote(trim(part.substr(eq + 1)));
      if (iequals(name, "q")) {
        parsed.q = parseQ(value);
      } else if (iequals(name, "version")) {
        parsed.version = value;
      }
    });
    fn(parsed);
  });
}

}  // namespace

Format negotiateFormat(std::string_view acceptHeader) {
  // Highest q wins; on equal q the more specific range wins (RFC 9110), then the first listed.
  double bestQ = 0;
  int bestSpecificity = -1;
  Format best = Format::PrometheusText004;
  forEachElement(acceptHeader, [&](const ListElement& element) {
    Format format{};
    int specificity = 0;
    if (iequals(element.value, "application/openmetrics-text") &&
        (element.version.empty() || element.version == "1.0.0" || element.version == "0.0.1")) {
      format = Format::OpenMetrics100;
      specificity = 2;
    } else if (iequals(element.value, "text/plain") &&
               (element.version.empty() || element.version == "0.0.4")) {
      format = Format::PrometheusText004;
      specificity = 2;
    } else if (iequals(element.value, "text/*")) {
      format = Format::PrometheusText004;
      specificity = 1;
    } else if (element.value == "*/*") {
      // Deliberately not application/*: OpenMetrics only when the client names it.
      format = Format::PrometheusText004;
      specificity = 0;
    } else {
      return;
    }
    if (element.q <= 0) {
      return;
    }
    if (element.q > bestQ || (element.q == bestQ && specificity > bestSpecificity)) {
      bestQ = element.q;
      bestSpecificity = specificity;
      best = format;
    }
  });
  return best;
}

std::string_view contentType(Format format) {
  switch (format) {
    case Format::OpenMetrics100:
      return "application/openmetrics-text; version=1.0.0; charset=utf-8";
    case Format::PrometheusText004:
      break;
  }
  return "text/plain; version=0.0.4; charset=utf-8";
}

bool acceptsGzip(std::string_view acceptEncodingHeader) {
  bool accepted = false;
  forEachElement(acceptEncodingHeader, [&](const ListElement& element) {
    if ((iequals(element.value, "gzip") || iequals(element.value, "x-gzip")) && element.q > 0) {
      accepted = true;
    }
  });
  return accepted;
}

}  // namespace wasmesh::metrics
