#include "FileErrors.h"

#include <cerrno>
#include <system_error>

namespace wasmesh::wasm::component::wasi {

std::uint32_t fileErrorCode(int error) {
  switch (error) {
    case EACCES:
      return 0;  // access
    case EAGAIN:
      return 1;  // would-block
    case EALREADY:
      return 2;  // already
    case EBADF:
      return 3;  // bad-descriptor
    case EBUSY:
      return 4;  // busy
    case EDEADLK:
      return 5;  // deadlock
    case EDQUOT:
      return 6;  // quota
    case EEXIST:
      return 7;  // exist
    case EFBIG:
      return 8;  // file-too-large
    case EILSEQ:
      return 9;  // illegal-byte-sequence
    case EINPROGRESS:
      return 10;  // in-progress
    case EINTR:
      return 11;  // interrupted
    case EINVAL:
      return 12;  // invalid
    case EIO:
      return 13;  // io
    case EISDIR:
      return 14;  // is-directory
    case ELOOP:
      return 15;  // loop
    case EMLINK:
      return 16;  // too-many-links
    case EMSGSIZE:
      return 17;  // message-size
    case ENAMETOOLONG:
      return 18;  // name-too-long
    case ENODEV:
      return 19;  // no-device
    case ENOENT:
      return 20;  // no-entry
    case ENOLCK:
      return 21;  // no-lock
    case ENOMEM:
      return 22;  // insufficient-memory
    case ENOSPC:
      return 23;  // insufficient-space
    case ENOTDIR:
      return 24;  // not-directory
    case ENOTEMPTY:
      return 25;  // not-empty
    case ENOTRECOVERABLE:
      return 26;  // not-recoverable
    case ENOTSUP:
      return 27;  // unsupported
    case ENOTTY:
      return 28;  // no-tty
    case ENXIO:
      return 29;  // no-such-device
    case EOVERFLOW:
      return 30;  // overflow
    case EPERM:
      return 31;  // not-permitted
    case EPIPE:
      return 32;  // pipe
    case EROFS:
      return 33;  // read-only
    case ESPIPE:
      return 34;  // invalid-seek
    case ETXTBSY:
      return 35;  // text-file-busy
    case EXDEV:
      return 36;  // cross-device
    default:
      return 13;  // io
  }
}

std::string errnoMessage(int error) {
  return std::generic_category().message(error);
}

}  // namespace wasmesh::wasm::component::wasi
