#include "Http2Callbacks.h"

#include <spdlog/spdlog.h>

#include <string_view>

#include "Http2Session.h"

namespace wasmesh::proxy::http {
namespace {

Http2Session& self(void* user) {
  return *static_cast<Http2Session*>(user);
}

}  // namespace

int Http2Callbacks::beginFrame(nghttp2_session*, const nghttp2_frame_hd* header, void* user) {
  return self(user).onBeginFrame(*header);
}
int Http2Callbacks::beginHeaders(nghttp2_session*, const nghttp2_frame* frame, void* user) {
  return self(user).onBeginHeaders(*frame);
}
int Http2Callbacks::header(nghttp2_session*, const nghttp2_frame* frame, const std::uint8_t* name,
                           std::size_t nameLength, const std::uint8_t* value,
                           std::size_t valueLength, std::uint8_t /*flags*/, void* user) {
  return self(user).onHeader(*frame,
                             {reinterpret_cast<const char*>(name), nameLength},  // NOLINT: C bytes
                             {reinterpret_cast<const char*>(value), valueLength});  // NOLINT
}
int Http2Callbacks::frameReceived(nghttp2_session*, const nghttp2_frame* frame, void* user) {
  return self(user).onFrameReceived(*frame);
}
int Http2Callbacks::dataChunk(nghttp2_session*, std::uint8_t /*flags*/, std::int32_t streamId,
                              const std::uint8_t* data, std::size_t length, void* user) {
  return self(user).onDataChunk(streamId, {data, length});
}
int Http2Callbacks::streamClose(nghttp2_session*, std::int32_t streamId, std::uint32_t errorCode,
                                void* user) {
  return self(user).onStreamClose(streamId, errorCode);
}
int Http2Callbacks::frameSent(nghttp2_session*, const nghttp2_frame* frame, void* user) {
  return self(user).onFrameSent(*frame);
}
int Http2Callbacks::frameNotSent(nghttp2_session*, const nghttp2_frame* frame, int libraryError,
                                 void* user) {
  return self(user).onFrameNotSent(*frame, libraryError);
}
int Http2Callbacks::invalidFrame(nghttp2_session*, const nghttp2_frame* frame, int libraryError,
                                 void* user) {
  return self(user).onInvalidFrame(*frame, libraryError);
}
int Http2Callbacks::error(nghttp2_session*, int libraryError, const char* message,
                          std::size_t length, void*) {
  spdlog::debug("http2: {} ({})", std::string_view(message, length),
                nghttp2_strerror(libraryError));
  return 0;
}

ssize_t Http2Callbacks::readData(nghttp2_session*, std::int32_t streamId, std::uint8_t* buffer,
                                 std::size_t length, std::uint32_t* flags, nghttp2_data_source*,
                                 void* user) {
  return self(user).produce(streamId, buffer, length, flags);
}

void Http2Callbacks::install(nghttp2_session_callbacks* callbacks) {
  nghttp2_session_callbacks_set_on_begin_frame_callback(callbacks, beginFrame);
  nghttp2_session_callbacks_set_on_begin_headers_callback(callbacks, beginHeaders);
  nghttp2_session_callbacks_set_on_header_callback(callbacks, header);
  nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks, frameReceived);
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks, dataChunk);
  nghttp2_session_callbacks_set_on_stream_close_callback(callbacks, streamClose);
  nghttp2_session_callbacks_set_on_frame_send_callback(callbacks, frameSent);
  nghttp2_session_callbacks_set_on_frame_not_send_callback(callbacks, frameNotSent);
  nghttp2_session_callbacks_set_on_invalid_frame_recv_callback(callbacks, invalidFrame);
  nghttp2_session_callbacks_set_error_callback2(callbacks, error);
}

}  // namespace wasmesh::proxy::http
