#include "wasmesh/proxy/http/OwnedByteStream.h"

#include "wasmesh/proxy/PlainStream.h"

namespace wasmesh::proxy::http {

std::unique_ptr<OwnedByteStream> OwnedByteStream::plain(boost::asio::ip::tcp::socket socket) {
  auto owned = std::make_unique<boost::asio::ip::tcp::socket>(std::move(socket));
  auto inner = std::make_unique<PlainStream>(*owned);
  return std::make_unique<OwnedByteStream>(std::move(owned), std::move(inner));
}

OwnedByteStream::OwnedByteStream(std::unique_ptr<boost::asio::ip::tcp::socket> socket,
                                 std::unique_ptr<ByteStream> inner)
    : socket_(std::move(socket)), inner_(std::move(inner)) {}

OwnedByteStream::~OwnedByteStream() {
  inner_.reset();  // before the socket it borrows
}

}  // namespace wasmesh::proxy::http
