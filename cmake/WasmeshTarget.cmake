# Compile options every wasmesh target shares. Warnings are always on; CI adds -Werror.
function(wasmesh_target_options target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
                                           -Wold-style-cast -Wcast-align -Woverloaded-virtual
                                           -Wimplicit-fallthrough)
  # GCC 12 reports false -Wrestrict positives for `"literal" + std::string` (GCC PR 105329).
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
    target_compile_options(${target} PRIVATE -Wno-restrict)
  endif()
  if(WASMESH_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
  # Asio: no deprecated interfaces, and one io_context per thread needs no internal locking
  # beyond what strands give us.
  target_compile_definitions(${target} PRIVATE BOOST_ASIO_NO_DEPRECATED)
endfunction()
