#include "wasmesh/wasm/component/ComponentAst.h"

namespace wasmesh::wasm::component {

std::string_view toString(PrimitiveType type) {
  switch (type) {
    case PrimitiveType::boolean:
      return "bool";
    case PrimitiveType::s8:
      return "s8";
    case PrimitiveType::u8:
      return "u8";
    case PrimitiveType::s16:
      return "s16";
    case PrimitiveType::u16:
      return "u16";
    case PrimitiveType::s32:
      return "s32";
    case PrimitiveType::u32:
      return "u32";
    case PrimitiveType::s64:
      return "s64";
    case PrimitiveType::u64:
      return "u64";
    case PrimitiveType::f32:
      return "f32";
    case PrimitiveType::f64:
      return "f64";
    case PrimitiveType::character:
      return "char";
    case PrimitiveType::string:
      return "string";
  }
  return "?";
}

std::string_view toString(Sort sort) {
  switch (sort) {
    case Sort::coreFunc:
      return "core function";
    case Sort::coreTable:
      return "core table";
    case Sort::coreMemory:
      return "core memory";
    case Sort::coreGlobal:
      return "core global";
    case Sort::coreType:
      return "core type";
    case Sort::coreModule:
      return "core module";
    case Sort::coreInstance:
      return "core instance";
    case Sort::func:
      return "function";
    case Sort::value:
      return "value";
    case Sort::type:
      return "type";
    case Sort::component:
      return "component";
    case Sort::instance:
      return "instance";
  }
  return "?";
}

std::string_view toString(ExternDesc::Kind kind) {
  switch (kind) {
    case ExternDesc::Kind::coreModule:
      return "core module";
    case ExternDesc::Kind::func:
      return "function";
    case ExternDesc::Kind::value:
      return "value";
    case ExternDesc::Kind::type:
      return "type";
    case ExternDesc::Kind::component:
      return "component";
    case ExternDesc::Kind::instance:
      return "instance";
  }
  return "?";
}

std::string_view toString(StringEncoding encoding) {
  switch (encoding) {
    case StringEncoding::utf8:
      return "utf8";
    case StringEncoding::utf16:
      return "utf16";
    case StringEncoding::latin1Utf16:
      return "latin1+utf16";
  }
  return "?";
}

}  // namespace wasmesh::wasm::component
