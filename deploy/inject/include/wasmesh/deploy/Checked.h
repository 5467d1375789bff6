#pragma once

#include <boost/system/result.hpp>
#include <string>

namespace wasmesh::deploy {

// What injection returns: a value, or one line saying what was wrong, naming the object, the
// field or annotation and the value. Manifests and annotations come from outside: a refusal
// is an answer (exit 2, or an AdmissionReview denial), never an exception.
template <typename T>
using Checked = boost::system::result<T, std::string>;

// A refusal, for `return refusal(...)` in functions returning any Checked<T>.
struct Refusal {
  std::string why;
  template <typename T>
  operator boost::system::result<T, std::string>() && {  // NOLINT: converts by design
    return {boost::system::in_place_error, std::move(why)};
  }
};
inline Refusal refusal(std::string why) {
  return {std::move(why)};
}

}  // namespace wasmesh::deploy
