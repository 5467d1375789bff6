#include "TextWriter.h"

#include <limits>
#include <utility>

#include "Names.h"
#include "NumberFormat.h"
#include "Utf8.h"

namespace wasmesh::metrics::detail {
namespace {

std::string_view typeName(MetricType type) {
  switch (type) {
    case MetricType::Counter:
      return "counter";
    case MetricType::Gauge:
      return "gauge";
    case MetricType::Histogram:
      return "histogram";
  }
  return "unknown";
}

void appendEscapedValid(std::string& out, std::string_view text, bool escapeQuote) {
  for (const char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '"' && escapeQuote) {
      out += "\\\"";
    } else {
      out += c;
    }
  }
}

void appendEscaped(std::string& out, std::string_view text, bool escapeQuote) {
  if (isValidUtf8(text)) {
    appendEscapedValid(out, text, escapeQuote);
    return;
  }
  std::string clean;
  appendSanitizedUtf8(clean, text);
  appendEscapedValid(out, clean, escapeQuote);
}

}  // namespace

void TextWriter::family(std::string_view name, std::string_view help, MetricType type) {
  active_ = false;
  headerWritten_ = false;
  if (!isValidMetricName(name) || seen_.contains(name)) {
    return;
  }
  seen_.emplace(name);
  type_ = type;
  help_.assign(help);
  sampleName_.assign(name);
  familyName_.assign(name);
  if (type == MetricType::Counter && openMetrics()) {
    // OpenMetrics names the counter family without `_total`; its sample always carries it.
    if (familyName_.ends_with(kTotalSuffix)) {
      familyName_.resize(familyName_.size() - kTotalSuffix.size());
    }
    sampleName_ = familyName_;
    sampleName_ += kTotalSuffix;
  }
  active_ = true;
}

void TextWriter::sample(const Labels& labels, double value) {
  if (!active_ || type_ == MetricType::Histogram) {
    return;
  }
  writeHeaderOnce();
  writeSampleStart({}, labels);
  appendValue(out_, value);
  out_ += '\n';
}

void TextWriter::histogram(const Labels& labels, std::span<const double> upperBounds,
                           std::span<const std::uint64_t> cumulativeCounts, double sum) {
  if (!active_ || type_ != MetricType::Histogram ||
      cumulativeCounts.size() != upperBounds.size() + 1) {
    return;
  }
  writeHeaderOnce();
  for (std::size_t i = 0; i < upperBounds.size(); ++i) {
    writeSampleStart("_bucket", labels, "le", upperBounds[i]);
    out_ += std::to_string(cumulativeCounts[i]);
    out_ += '\n';
  }
  const std::uint64_t count = cumulativeCounts.back();
  writeSampleStart("_bucket", labels, "le", std::numeric_limits<double>::infinity());
  out_ += std::to_string(count);
  out_ += '\n';
  // Prometheus text (as the Go client writes it) puts _sum before _count; the OpenMetrics
  // spec's examples put _count first. Either order parses; match each format's reference.
  if (openMetrics()) {
    writeSampleStart("_count", labels);
    out_ += std::to_string(count);
    out_ += '\n';
  }
  writeSampleStart("_sum", labels);
  appendValue(out_, sum);
  out_ += '\n';
  if (!openMetrics()) {
    writeSampleStart("_count", labels);
    out_ += std::to_string(count);
    out_ += '\n';
  }
}

std::string TextWriter::finish() && {
  if (openMetrics()) {
    out_ += "# EOF\n";
  }
  return std::move(out_);
}

void TextWriter::writeHeaderOnce() {
  if (headerWritten_) {
    return;
  }
  headerWritten_ = true;
  out_ += "# HELP ";
  out_ += familyName_;
  out_ += ' ';
  writeHelp(help_);
  out_ += "\n# TYPE ";
  out_ += familyName_;
  out_ += ' ';
  out_ += typeName(type_);
  out_ += '\n';
}

void TextWriter::writeSampleStart(std::string_view suffix, const Labels& labels,
                                  std::string_view leName, double le) {
  out_ += sampleName_;
  out_ += suffix;
  if (!labels.empty() || !leName.empty()) {
    out_ += '{';
    bool first = true;
    for (const auto& [name, value] : labels) {
      if (!first) {
        out_ += ',';
      }
      first = false;
      out_ += name;
      out_ += "=\"";
      writeLabelValue(value);
      out_ += '"';
    }
    if (!leName.empty()) {
      if (!first) {
        out_ += ',';
      }
      out_ += leName;
      out_ += "=\"";
      if (openMetrics()) {
        appendBoundOpenMetrics(out_, le);
      } else {
        appendBoundText(out_, le);
      }
      out_ += '"';
    }
    out_ += '}';
  }
  out_ += ' ';
}

void TextWriter::writeHelp(std::string_view help) {
  // OpenMetrics HELP is an escaped-string, in which a bare quote is not allowed; text 0.0.4
  // escapes only backslash and newline there.
  appendEscaped(out_, help, openMetrics());
}

void TextWriter::writeLabelValue(std::string_view value) {
  appendEscaped(out_, value, true);
}

}  // namespace wasmesh::metrics::detail
