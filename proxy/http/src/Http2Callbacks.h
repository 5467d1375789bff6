#pragma once

#include <nghttp2/nghttp2.h>
#include <sys/types.h>

#include <cstddef>
#include <cstdint>

namespace wasmesh::proxy::http {

class Http2Session;

// nghttp2's C callbacks: each finds the Http2Session in `user` and calls its member
// function of the same purpose (a friend of Http2Session).
struct Http2Callbacks {
  static void install(nghttp2_session_callbacks* callbacks);
  // The data source of every body we send.
  static ssize_t readData(nghttp2_session* session, std::int32_t streamId, std::uint8_t* buffer,
                          std::size_t length, std::uint32_t* flags, nghttp2_data_source* source,
                          void* user);

  static int beginFrame(nghttp2_session* session, const nghttp2_frame_hd* header, void* user);
  static int beginHeaders(nghttp2_session* session, const nghttp2_frame* frame, void* user);
  static int header(nghttp2_session* session, const nghttp2_frame* frame, const std::uint8_t* name,
                    std::size_t nameLength, const std::uint8_t* value, std::size_t valueLength,
                    std::uint8_t flags, void* user);
  static int frameReceived(nghttp2_session* session, const nghttp2_frame* frame, void* user);
  static int dataChunk(nghttp2_session* session, std::uint8_t flags, std::int32_t streamId,
                       const std::uint8_t* data, std::size_t length, void* user);
  static int streamClose(nghttp2_session* session, std::int32_t streamId, std::uint32_t errorCode,
                         void* user);
  static int frameSent(nghttp2_session* session, const nghttp2_frame* frame, void* user);
  static int frameNotSent(nghttp2_session* session, const nghttp2_frame* frame, int libraryError,
                          void* user);
  static int invalidFrame(nghttp2_session* session, const nghttp2_frame* frame, int libraryError,
                          void* user);
  static int error(nghttp2_session* session, int libraryError, const char* message,
                   std::size_t length, void* user);
};

}  // namespace wasmesh::proxy::http
