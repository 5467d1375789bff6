#pragma once

#include "wasmesh/wasm/component/ComponentHost.h"

namespace wasmesh::wasm::component::wasi {

// The WASI 0.2 interfaces, one function per package, each adding its interfaces to `host`.
// Signatures and types are WIT as WitPrinter renders it (see HostInterface), version 0.2.12
// (serving every 0.2.x import).
inline constexpr const char* kWasiVersion = "0.2.12";

void addIo(ComponentHost& host);
void addCli(ComponentHost& host);
void addClocksAndRandom(ComponentHost& host);
void addFilesystem(ComponentHost& host);
void addLoggingAndConfig(ComponentHost& host);

// The largest read or random buffer one call returns, whatever the guest asks for.
inline constexpr std::uint64_t kMaxChunk = std::uint64_t{1} << 20;

}  // namespace wasmesh::wasm::component::wasi
