"""Building DUMP payloads by hand, for RESTORE tests of crafted and corrupt
values: Redis's CRC-64 (Jones polynomial, reflected) and the footer."""

_CRC64_POLY_REFLECTED = 0x95AC9329AC4BC9B5
_CRC64_TABLE = []
for _i in range(256):
    _c = _i
    for _ in range(8):
        _c = (_c >> 1) ^ _CRC64_POLY_REFLECTED if _c & 1 else _c >> 1
    _CRC64_TABLE.append(_c)


def crc64(data):
    crc = 0
    for b in data:
        crc = _CRC64_TABLE[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc


def payload(body, version=10):
    """A DUMP payload with a correct footer around body (type byte + value)."""
    data = body + version.to_bytes(2, "little")
    return data + crc64(data).to_bytes(8, "little")


def rdb_len(n):
    """An RDB length (6-bit, 14-bit, 32-bit or 64-bit form)."""
    if n < 64:
        return bytes([n])
    if n < 16384:
        return bytes([0x40 | (n >> 8), n & 0xFF])
    if n < 2 ** 32:
        return b"\x80" + n.to_bytes(4, "big")
    return b"\x81" + n.to_bytes(8, "big")


def rdb_lzf_string(compressed, claimed_len):
    """An RDB string in the LZF encoding: the compressed stream as given and
    the uncompressed length it claims (which may lie)."""
    return b"\xc3" + rdb_len(len(compressed)) + rdb_len(claimed_len) + compressed
