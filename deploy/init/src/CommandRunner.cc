#include "wasmesh/deploy/CommandRunner.h"

#include <algorithm>

namespace wasmesh::deploy {
namespace {

bool isShellSafe(const std::string& word) {
  return !word.empty() && std::all_of(word.begin(), word.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           std::string_view("@%+=:,./_-").find(c) != std::string_view::npos;
  });
}

}  // namespace

CommandRunner::~CommandRunner() = default;

std::string formatCommandLine(const std::vector<std::string>& argv) {
  std::string line;
  for (const auto& word : argv) {
    if (!line.empty())
      line += ' ';
    if (isShellSafe(word)) {
      line += word;
      continue;
    }
    line += '\'';
    for (char c : word) {
      if (c == '\'') {
        line += "'\\''";
      } else {
        line += c;
      }
    }
    line += '\'';
  }
  return line;
}

}  // namespace wasmesh::deploy
