#pragma once

#include <cstddef>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>

// File helpers for start-up and command-line code: they throw, and every message names the
// file. Data-path code never touches files.
namespace wasmesh::identity {

class FileError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The whole file, refusing one larger than `maxBytes` without reading it all.
std::string readTextFile(const std::filesystem::path& path, std::size_t maxBytes);

// Writes `content` to a temporary file in the same directory with `mode` (umask ignored),
// syncs it, and renames it over `path`, so readers see the old file or the new one, never a
// part. With `overwrite` false an existing `path` is an error and is left alone.
void writeFileAtomically(const std::filesystem::path& path, std::string_view content,
                         std::filesystem::perms mode, bool overwrite);

}  // namespace wasmesh::identity
