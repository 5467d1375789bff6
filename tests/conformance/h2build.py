"""What the conformance cases send, built by hand where it matters: the protocol's constants,
frames written byte by byte (any length, any stream id, repeated settings: what hyperframe
refuses to build), and HPACK pieces (RFC 7541: integers, string literals, Huffman codes with
any padding, each field representation) next to stateless header blocks from python3-hpack."""

import struct

import hpack
from hpack.hpack import encode_integer
from hpack.huffman import HuffmanEncoder
from hpack.huffman_constants import REQUEST_CODES, REQUEST_CODES_LENGTH

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"

# Frame types (RFC 9113 section 6).
DATA, HEADERS, PRIORITY, RST_STREAM, SETTINGS, PUSH_PROMISE, PING, GOAWAY, WINDOW_UPDATE, \
    CONTINUATION = range(10)

# Flags.
END_STREAM = 0x1
ACK = 0x1
END_HEADERS = 0x4
PADDED = 0x8
PRIORITY_FLAG = 0x20

# Error codes (RFC 9113 section 7).
ERRORS = ["NO_ERROR", "PROTOCOL_ERROR", "INTERNAL_ERROR", "FLOW_CONTROL_ERROR",
          "SETTINGS_TIMEOUT", "STREAM_CLOSED", "FRAME_SIZE_ERROR", "REFUSED_STREAM", "CANCEL",
          "COMPRESSION_ERROR", "CONNECT_ERROR", "ENHANCE_YOUR_CALM", "INADEQUATE_SECURITY",
          "HTTP_1_1_REQUIRED"]
(NO_ERROR, PROTOCOL_ERROR, INTERNAL_ERROR, FLOW_CONTROL_ERROR, SETTINGS_TIMEOUT, STREAM_CLOSED,
 FRAME_SIZE_ERROR, REFUSED_STREAM, CANCEL, COMPRESSION_ERROR, CONNECT_ERROR, ENHANCE_YOUR_CALM,
 INADEQUATE_SECURITY, HTTP_1_1_REQUIRED) = range(len(ERRORS))

# Settings (RFC 9113 section 6.5.2).
HEADER_TABLE_SIZE, ENABLE_PUSH, MAX_CONCURRENT_STREAMS, INITIAL_WINDOW_SIZE, MAX_FRAME_SIZE, \
    MAX_HEADER_LIST_SIZE = range(1, 7)

def error_name(code):
    return ERRORS[code] if code < len(ERRORS) else f"0x{code:x}"


# -- building frames --------------------------------------------------------------------------

def raw_frame(frame_type, flags, stream_id, payload=b"", length=None):
    """A frame written byte by byte: any length field, any stream id (reserved bit included)."""
    length = len(payload) if length is None else length
    return (struct.pack(">I", length)[1:] + bytes([frame_type, flags])
            + struct.pack(">I", stream_id) + payload)


def settings_payload(*pairs):
    """A SETTINGS payload from (identifier, value) pairs, repeats allowed."""
    return b"".join(struct.pack(">HI", ident, value) for ident, value in pairs)


def huffman(data):
    """The Huffman code of `data` (RFC 7541 appendix B), padded with the EOS prefix."""
    return HuffmanEncoder(REQUEST_CODES, REQUEST_CODES_LENGTH).encode(data)


def huffman_bits(symbols):
    """The bits of the Huffman codes of `symbols` (byte values, 256 = EOS), unpadded."""
    return "".join(format(REQUEST_CODES[s], f"0{REQUEST_CODES_LENGTH[s]}b") for s in symbols)


def bits_to_bytes(bits):
    assert len(bits) % 8 == 0, bits
    return bytes(int(bits[i:i + 8], 2) for i in range(0, len(bits), 8))


def hpack_int(value, prefix_bits, pattern=0):
    """An HPACK integer (RFC 7541 section 5.1) with `pattern` in the bits above the prefix."""
    encoded = bytearray(encode_integer(value, prefix_bits))
    encoded[0] |= pattern
    return bytes(encoded)


def hpack_string(value, use_huffman=False):
    """A string literal (RFC 7541 section 5.2)."""
    data = value.encode() if isinstance(value, str) else value
    if use_huffman:
        data = huffman(data)
    return hpack_int(len(data), 7, 0x80 if use_huffman else 0) + data


def hpack_string_raw(encoded, use_huffman=True):
    """A string literal whose (possibly broken) encoded octets are given as they are."""
    return hpack_int(len(encoded), 7, 0x80 if use_huffman else 0) + encoded


# Representations (RFC 7541 section 6).
def indexed(index):
    return hpack_int(index, 7, 0x80)


def literal(name, value, kind="without", use_huffman=False):
    """A literal field: kind 'incremental' (6.2.1), 'without' (6.2.2) or 'never' (6.2.3)
    indexing; `name` is a static-table index or a new name."""
    prefix, pattern = {"incremental": (6, 0x40), "without": (4, 0x00), "never": (4, 0x10)}[kind]
    if isinstance(name, int):
        head = hpack_int(name, prefix, pattern)
    else:
        head = bytes([pattern]) + hpack_string(name, use_huffman)
    return head + hpack_string(value, use_huffman)


def table_size_update(size):
    return hpack_int(size, 5, 0x20)


def encode_block(headers, use_huffman=True):
    """A header block that leaves the server's dynamic table as it is: static-table matches are
    indexed, everything else is a never-indexed literal. So blocks can be sent in any order, any
    number of times, and the server's table only holds what a case put there on purpose."""
    fields = [hpack.NeverIndexedHeaderTuple(name, value) for name, value in headers]
    return hpack.Encoder().encode(fields, huffman=use_huffman)
