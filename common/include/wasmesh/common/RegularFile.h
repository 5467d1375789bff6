#pragma once

#include <cstddef>
#include <string>

#include "wasmesh/common/Error.h"

namespace wasmesh {

// Reads files the proxy is told to trust (configuration, certificates, keys, tokens,
// discovery): a regular file, at most `maxBytes`, opened so that nothing at the path can stall
// the calling thread. A FIFO or a device swapped in for a watched file would otherwise block
// the main thread in open() or read() for as long as nobody writes to it.
//
// Errors are the kernel's errno (ENOENT, EACCES, EISDIR... in the generic category) or
// errc::not_regular_file / errc::file_too_large; describeFileError() turns one into
// "<path>: cannot read: <reason>" (or "<path>: is larger than 16 MiB") for a log line or a
// start-up error.
Result<std::string> readRegularFile(const std::string& path, std::size_t maxBytes);

std::string describeFileError(const std::string& path, const boost::system::error_code& error,
                              std::size_t maxBytes);

}  // namespace wasmesh
