"""h2spec's "hpack" group: decoding errors of RFC 7541, each a connection error of type
COMPRESSION_ERROR (RFC 9113 4.3) (8 cases).

Every block starts with a valid GET / (stateless: static-table indices and never-indexed
literals) and then carries the one broken representation, so the error can only come from it.
Each case has a fresh connection, so the server's dynamic table is empty."""

from h2build import (COMPRESSION_ERROR, HEADER_TABLE_SIZE, bits_to_bytes, hpack_string,
                     hpack_string_raw, huffman, huffman_bits, indexed, literal,
                     table_size_update)
from h2conn import case

EOS = 256


def broken(t, tail):
    conn = t.open()
    conn.send(conn.headers(1, conn.block() + tail))
    conn.expect_connection_error(COMPRESSION_ERROR)


def with_value(encoded_value):
    """A literal without indexing, new name x-test, whose value's octets are given."""
    return b"\x00" + hpack_string("x-test") + hpack_string_raw(encoded_value)


def pad(bits, fill):
    return bits + fill * (-len(bits) % 8)


# -- 2.3.3 Index Address Space ----------------------------------------------------------------

@case("hpack/2.3.3/1", "Sends a indexed header field representation with invalid index")
def invalid_index(t):
    broken(t, indexed(70))  # 61 static entries, an empty dynamic table


@case("hpack/2.3.3/2", "Sends a literal header field representation with invalid index")
def invalid_name_index(t):
    broken(t, literal(70, "test", "incremental"))


# -- 4.2 Maximum Table Size -------------------------------------------------------------------

@case("hpack/4.2/1", "Sends a dynamic table size update at the end of header block")
def size_update_at_end(t):
    broken(t, table_size_update(128))  # allowed size, forbidden place (RFC 7541 4.2)


# -- 5.2 String Literal Representation --------------------------------------------------------

@case("hpack/5.2/1",
      "Sends a Huffman-encoded string literal representation with padding longer than 7 bits")
def huffman_long_padding(t):
    broken(t, with_value(huffman(b"test") + b"\xff"))


@case("hpack/5.2/2", "Sends a Huffman-encoded string literal representation padded by zero")
def huffman_zero_padding(t):
    bits = huffman_bits(b"test")
    assert len(bits) % 8, "the code must need padding for this case to mean anything"
    broken(t, with_value(bits_to_bytes(pad(bits, "0"))))


@case("hpack/5.2/3",
      "Sends a Huffman-encoded string literal representation containing the EOS symbol")
def huffman_eos(t):
    bits = huffman_bits([*b"te", EOS, *b"st"])
    broken(t, with_value(bits_to_bytes(pad(bits, "1"))))


# -- 6.1 Indexed Header Field Representation --------------------------------------------------

@case("hpack/6.1/1", "Sends a indexed header field representation with index 0")
def index_zero(t):
    broken(t, indexed(0))


# -- 6.3 Dynamic Table Size Update ------------------------------------------------------------

@case("hpack/6.3/1",
      "Sends a dynamic table size update larger than the value of SETTINGS_HEADER_TABLE_SIZE")
def size_update_too_large(t):
    conn = t.open()
    limit = conn.server_settings.get(HEADER_TABLE_SIZE, 4096)
    conn.send(conn.headers(1, table_size_update(limit + 1) + conn.block()))
    conn.expect_connection_error(COMPRESSION_ERROR)
