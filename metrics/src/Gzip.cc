#include "wasmesh/metrics/Gzip.h"

#define ZLIB_CONST
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <limits>

namespace wasmesh::metrics {
namespace {

// windowBits 15 (the largest window) plus 16 selects the gzip wrapper instead of zlib's.
constexpr int kGzipWindowBits = 15 + 16;
constexpr int kMemLevel = 8;  // zlib's default
constexpr std::size_t kChunkBytes = std::size_t{16} * 1024;

// Ends the stream however we leave, including when appending to the output throws.
class DeflateStream {
 public:
  DeflateStream() = default;
  DeflateStream(const DeflateStream&) = delete;
  DeflateStream& operator=(const DeflateStream&) = delete;
  ~DeflateStream() {
    if (initialized_) {
      deflateEnd(&stream_);
    }
  }

  bool init() {
    // Level 1: scrapes run on the main thread, and metrics text is so repetitive that the
    // fastest level already shrinks it by an order of magnitude.
    initialized_ = deflateInit2(&stream_, Z_BEST_SPEED, Z_DEFLATED, kGzipWindowBits, kMemLevel,
                                Z_DEFAULT_STRATEGY) == Z_OK;
    return initialized_;
  }
  z_stream& get() { return stream_; }

 private:
  z_stream stream_{};
  bool initialized_ = false;
};

}  // namespace

std::string gzipCompress(std::string_view data) {
  DeflateStream deflater;
  if (!deflater.init()) {
    return {};
  }
  z_stream& stream = deflater.get();
  const auto* next = reinterpret_cast<const Bytef*>(data.data());
  std::size_t remaining = data.size();
  std::array<Bytef, kChunkBytes> chunk{};
  std::string out;
  while (true) {
    if (stream.avail_in == 0 && remaining > 0) {
      // avail_in is 32 bits; feed larger inputs in pieces.
      const auto piece =
          static_cast<uInt>(std::min<std::size_t>(remaining, std::numeric_limits<uInt>::max()));
      stream.next_in = next;
      stream.avail_in = piece;
      next += piece;
      remaining -= piece;
    }
    stream.next_out = chunk.data();
    stream.avail_out = static_cast<uInt>(chunk.size());
    const int rc = deflate(&stream, remaining == 0 ? Z_FINISH : Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) {
      return {};
    }
    out.append(reinterpret_cast<const char*>(chunk.data()), chunk.size() - stream.avail_out);
    if (rc == Z_STREAM_END) {
      return out;
    }
  }
}

}  // namespace wasmesh::metrics
