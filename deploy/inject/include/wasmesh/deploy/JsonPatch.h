#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <string_view>
#include <vector>

#include "wasmesh/deploy/Checked.h"

namespace wasmesh::deploy {

// RFC 6902 JSON patches between two versions of a pod, as the admission webhook answers.
class JsonPatch {
 public:
  // The operations that turn `before` into `after`, comparing the members at `paths`
  // (JSON pointers such as "/spec/containers") as wholes: add when absent before, replace
  // when different, remove when gone. A parent missing in `before` is added whole.
  static boost::json::array diff(const boost::json::object& before,
                                 const boost::json::object& after,
                                 const std::vector<std::string_view>& paths);

  // Applies add, replace and remove operations (what diff makes) to `document`; tests and
  // tools check a patch with it. Errors name the operation.
  static Checked<void> apply(boost::json::value& document, const boost::json::array& patch);
};

}  // namespace wasmesh::deploy
