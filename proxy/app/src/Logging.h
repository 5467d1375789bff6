#pragma once

#include <string>

#include "wasmesh/proxy/Config.h"

namespace wasmesh::app {

// Sends spdlog's output to stderr at `level`, as plain lines or one JSON object per line.
void configureLogging(const std::string& level, proxy::LogFormat format);

}  // namespace wasmesh::app
