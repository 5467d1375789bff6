#!/usr/bin/env python3
"""Writes the seed corpus of the http2 fuzz target (tests/fuzz/corpus/http2/).

Run once by hand; the files are committed. Frames and HPACK (static-table indices and
literals only) are written out here from RFC 9113 and RFC 7541, independently of nghttp2.
Each file starts with the harness byte of Http2ServerFuzzer.cc: bit 0 prepends the client
preface, bits 1-7 choose the read size.
"""
import pathlib
import struct

DATA, HEADERS, PRIORITY, RST, SETTINGS, PUSH, PING, GOAWAY, WINDOW, CONT = range(10)
END_STREAM, ACK, END_HEADERS, PADDED, PRIO = 0x1, 0x1, 0x4, 0x8, 0x20


def frame(kind: int, flags: int, stream: int, payload: bytes = b"") -> bytes:
    return struct.pack(">I", len(payload))[1:] + bytes([kind, flags]) + struct.pack(">I", stream) + payload


def literal(name: bytes, value: bytes) -> bytes:
    """A literal field without indexing, new name (RFC 7541 section 6.2.2), short strings."""
    return bytes([0x00, len(name)]) + name + bytes([len(value)]) + value


GET = bytes([0x82, 0x86, 0x84, 0x01, 0x04]) + b"x.io"  # :method GET, :scheme http, :path /
POST = bytes([0x83, 0x86, 0x84, 0x01, 0x04]) + b"x.io"
SETTINGS_EMPTY = frame(SETTINGS, 0, 0)


def seed(steer: int, body: bytes) -> bytes:
    return bytes([steer]) + body


def main() -> None:
    out = pathlib.Path(__file__).resolve().parent / "corpus" / "http2"
    out.mkdir(parents=True, exist_ok=True)
    whole, bytewise = 0xFF, 0x01  # with the preface; big reads or one byte at a time
    seeds = {
        "get.bin": seed(whole, SETTINGS_EMPTY + frame(HEADERS, END_STREAM | END_HEADERS, 1, GET)),
        "get-bytewise.bin": seed(bytewise, SETTINGS_EMPTY + frame(HEADERS, END_STREAM | END_HEADERS, 1, GET)),
        "post-body-trailers.bin": seed(whole, SETTINGS_EMPTY
            + frame(HEADERS, END_HEADERS, 1, POST + literal(b"content-length", b"5"))
            + frame(DATA, 0, 1, b"hello")
            + frame(HEADERS, END_STREAM | END_HEADERS, 1, literal(b"x-trailer", b"1"))),
        "continuations.bin": seed(whole, SETTINGS_EMPTY
            + frame(HEADERS, 0, 1, GET[:3]) + frame(CONT, 0, 1, GET[3:5])
            + frame(CONT, END_HEADERS | END_STREAM, 1, GET[5:])),
        "padded-priority.bin": seed(whole, SETTINGS_EMPTY
            + frame(HEADERS, PADDED | PRIO | END_HEADERS | END_STREAM, 1,
                    bytes([3]) + struct.pack(">IB", 0, 15) + GET + b"\0\0\0")
            + frame(PRIORITY, 0, 3, struct.pack(">IB", 1, 7))),
        "rst-after-headers.bin": seed(whole, SETTINGS_EMPTY
            + frame(HEADERS, END_HEADERS, 1, POST) + frame(RST, 0, 1, struct.pack(">I", 8))
            + frame(HEADERS, END_HEADERS | END_STREAM, 3, GET)),
        "ping-window-goaway.bin": seed(whole, SETTINGS_EMPTY + frame(PING, 0, 0, b"12345678")
            + frame(WINDOW, 0, 0, struct.pack(">I", 1000)) + frame(SETTINGS, ACK, 0)
            + frame(HEADERS, END_HEADERS | END_STREAM, 1, GET)
            + frame(GOAWAY, 0, 0, struct.pack(">II", 1, 0))),
        "settings-values.bin": seed(whole, frame(SETTINGS, 0, 0, b"".join(
            struct.pack(">HI", k, v) for k, v in [(1, 0), (2, 0), (3, 1), (4, 1 << 20), (5, 1 << 14), (6, 100), (9, 1)]))
            + frame(HEADERS, END_HEADERS | END_STREAM, 1, GET)),
        "expect-continue.bin": seed(whole, SETTINGS_EMPTY
            + frame(HEADERS, END_HEADERS, 1, POST + literal(b"expect", b"100-continue"))
            + frame(DATA, END_STREAM, 1, b"x")),
        "empty-data.bin": seed(whole, SETTINGS_EMPTY + frame(HEADERS, END_HEADERS, 1, POST)
            + frame(DATA, 0, 1) * 4 + frame(DATA, END_STREAM, 1)),
        "no-preface.bin": seed(0x00, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"),
    }
    for name, data in seeds.items():
        (out / name).write_bytes(data)


if __name__ == "__main__":
    main()
