#include "wasmesh/proxy/ErrnoName.h"

#include <boost/asio/error.hpp>
#include <cstring>

#include "wasmesh/common/Error.h"

namespace wasmesh::proxy {

std::string errnoName(const boost::system::error_code& error) {
  if (!error || error == boost::asio::error::eof)
    return "";
  if (error == errc::connect_timeout || error == errc::idle_timeout)
    return "ETIMEDOUT";
  if (error.category() == boost::system::system_category() ||
      error.category() == boost::system::generic_category()) {
    if (const char* name = ::strerrorname_np(error.value()); name != nullptr)
      return name;
  }
  // No errno describes it (a proxy-level reason): EIO keeps the close counted as an error.
  return "EIO";
}

}  // namespace wasmesh::proxy
