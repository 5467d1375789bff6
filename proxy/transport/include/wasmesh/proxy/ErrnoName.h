#pragma once

#include <boost/system/error_code.hpp>
#include <string>

namespace wasmesh::proxy {

// The `errno` label of tcp_close_total: "" for a clean close, else the errno's symbolic name
// (ECONNRESET, ECONNREFUSED, ETIMEDOUT, ...) as Linkerd reports it.
std::string errnoName(const boost::system::error_code& error);

}  // namespace wasmesh::proxy
