#include "V8Trampoline.h"

#include <algorithm>

#include "wasmesh/wasm/ModuleInfo.h"

namespace wasmesh::wasm::v8 {
namespace {

std::uint8_t code(ValueType type) {
  switch (type) {
    case ValueType::i32:
      return 0x7f;
    case ValueType::i64:
      return 0x7e;
    case ValueType::f32:
      return 0x7d;
    case ValueType::f64:
      return 0x7c;
    case ValueType::v128:
      return 0x7b;
    case ValueType::funcref:
      return 0x70;
    case ValueType::externref:
      return 0x6f;
  }
  return 0x7f;
}

void types(std::vector<std::uint8_t>& out, const std::vector<ValueType>& list) {
  appendLeb128(out, list.size());
  for (ValueType type : list)
    out.push_back(code(type));
}

void section(std::vector<std::uint8_t>& module, std::uint8_t id,
             const std::vector<std::uint8_t>& contents) {
  module.push_back(id);
  appendLeb128(module, contents.size());
  module.insert(module.end(), contents.begin(), contents.end());
}

void localGet(std::vector<std::uint8_t>& body, std::uint64_t index) {
  body.push_back(0x20);
  appendLeb128(body, index);
}

void simd(std::vector<std::uint8_t>& body, std::uint8_t opcode) {
  body.push_back(0xfd);
  appendLeb128(body, opcode);
}

constexpr std::uint8_t kI64x2Splat = 0x12;
constexpr std::uint8_t kI64x2ExtractLane = 0x1d;
constexpr std::uint8_t kI64x2ReplaceLane = 0x1e;

}  // namespace

bool needsTrampoline(const FunctionType& type) {
  auto unsafe = [](ValueType t) {
    return t == ValueType::f32 || t == ValueType::f64 || t == ValueType::v128;
  };
  return std::any_of(type.params.begin(), type.params.end(), unsafe) ||
         std::any_of(type.results.begin(), type.results.end(), unsafe);
}

FunctionType trampolineType(const FunctionType& type) {
  auto lower = [](const std::vector<ValueType>& in) {
    std::vector<ValueType> out;
    for (ValueType t : in) {
      if (t == ValueType::f32)
        out.push_back(ValueType::i32);
      else if (t == ValueType::f64)
        out.push_back(ValueType::i64);
      else if (t == ValueType::v128)
        out.insert(out.end(), {ValueType::i64, ValueType::i64});
      else
        out.push_back(t);
    }
    return out;
  };
  return {lower(type.params), lower(type.results)};
}

std::vector<std::uint8_t> trampolineModule(const FunctionType& type) {
  const FunctionType outer = trampolineType(type);
  std::vector<std::uint8_t> module{0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};

  std::vector<std::uint8_t> typeSection{0x02, 0x60};
  types(typeSection, type.params);
  types(typeSection, type.results);
  typeSection.push_back(0x60);
  types(typeSection, outer.params);
  types(typeSection, outer.results);
  section(module, 1, typeSection);
  section(module, 2, {0x01, 0x01, 'm', 0x01, 'f', 0x00, 0x00});
  section(module, 3, {0x01, 0x01});
  section(module, 7, {0x01, 0x01, 't', 0x00, 0x01});

  std::vector<std::uint8_t> body;
  // One local per result of the inner call, to reorder and split them.
  appendLeb128(body, type.results.size());
  for (ValueType result : type.results) {
    body.push_back(0x01);
    body.push_back(code(result));
  }
  std::uint64_t param = 0;
  for (ValueType t : type.params) {
    localGet(body, param++);
    if (t == ValueType::f32) {
      body.push_back(0xbe);  // f32.reinterpret_i32
    } else if (t == ValueType::f64) {
      body.push_back(0xbf);  // f64.reinterpret_i64
    } else if (t == ValueType::v128) {
      simd(body, kI64x2Splat);
      localGet(body, param++);
      simd(body, kI64x2ReplaceLane);
      body.push_back(1);
    }
  }
  body.insert(body.end(), {0x10, 0x00});  // call m.f
  const std::uint64_t base = outer.params.size();
  for (std::size_t i = type.results.size(); i-- > 0;) {
    body.push_back(0x21);  // local.set
    appendLeb128(body, base + i);
  }
  for (std::size_t i = 0; i < type.results.size(); ++i) {
    localGet(body, base + i);
    if (type.results[i] == ValueType::f32) {
      body.push_back(0xbc);  // i32.reinterpret_f32
    } else if (type.results[i] == ValueType::f64) {
      body.push_back(0xbd);  // i64.reinterpret_f64
    } else if (type.results[i] == ValueType::v128) {
      simd(body, kI64x2ExtractLane);
      body.push_back(0);
      localGet(body, base + i);
      simd(body, kI64x2ExtractLane);
      body.push_back(1);
    }
  }
  body.push_back(0x0b);
  std::vector<std::uint8_t> code{0x01};
  appendLeb128(code, body.size());
  code.insert(code.end(), body.begin(), body.end());
  section(module, 10, code);
  return module;
}

}  // namespace wasmesh::wasm::v8
