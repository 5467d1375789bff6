#include "wasmesh/proxy/ByteStream.h"

namespace wasmesh::proxy {

boost::asio::awaitable<boost::system::error_code> ByteStream::writeGathered(
    std::span<const std::span<const std::uint8_t>> parts) {
  for (const auto part : parts) {
    if (part.empty())
      continue;
    if (auto error = co_await writeAll(part))
      co_return error;
  }
  co_return boost::system::error_code{};
}

}  // namespace wasmesh::proxy
