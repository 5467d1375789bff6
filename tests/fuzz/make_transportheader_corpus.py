#!/usr/bin/env python3
"""Writes the seed corpus of the transportheader fuzz target (tests/fuzz/corpus/transportheader/).

Run once by hand; the files are committed. The encoding is written out here from
docs/mesh-transport.md rather than taken from the C++ encoder, so the seeds are a second,
independent reading of the specification (the unit tests check the C++ side).
"""
import pathlib
import struct

MAGIC = b"wasmesh/1\r\n"
OPAQUE, HTTP1, HTTP2, DETECT = range(4)


def tlv(kind: int, value: bytes) -> bytes:
    return struct.pack(">BH", kind, len(value)) + value


def header(port: int, protocol: int, component: bytes | None = None, extensions=()) -> bytes:
    record = bytes([1]) + tlv(0x01, struct.pack(">H", port)) + tlv(0x02, bytes([protocol]))
    if component is not None:
        record += tlv(0x03, component)
    for kind, value in extensions:
        record += tlv(kind, value)
    return MAGIC + struct.pack(">I", len(record)) + record


def main() -> None:
    out = pathlib.Path(__file__).resolve().parent / "corpus" / "transportheader"
    out.mkdir(parents=True, exist_ok=True)
    # 1 + 5 + 4 = 10 bytes of required fields; an extension of 1011 value bytes fills 1024.
    padding = [(0xFE, bytes(1011))]
    seeds = {
        "doc-example-http2-echo.bin": header(8080, HTTP2, b"echo"),
        "opaque-5432.bin": header(5432, OPAQUE),
        "http1-80-then-request.bin": header(80, HTTP1) + b"GET / HTTP/1.1\r\nHost: web\r\n\r\n",
        "detect-component-63.bin": header(65535, DETECT, b"a" + b"-0" * 30 + b"yz"),
        "extensions.bin": header(4143, HTTP2, b"filter-1",
                                 [(0x80, b""), (0x9A, b"trace-id"), (0xFF, bytes(range(16)))]),
        "record-1024.bin": header(1, OPAQUE, None, padding),
        "two-headers.bin": header(443, DETECT) + header(8080, HTTP2, b"echo"),
    }
    for name, data in seeds.items():
        (out / name).write_bytes(data)
        print(f"{name}: {len(data)} bytes")


if __name__ == "__main__":
    main()
