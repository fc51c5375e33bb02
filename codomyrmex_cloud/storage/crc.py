"""Combining CRCs of consecutive pieces: ``crc(a + b)`` from ``crc(a)``, ``crc(b)`` and ``len(b)``.

Parts of a parallel transfer are hashed in their own threads, in any order; combining their
CRCs in part order gives the whole object's CRC-32 (S3's full-object ``CRC32``) or CRC-32C
(GCS's ``crc32c``), so a download is verified without hashing the file again, and a
multipart upload can state the whole object's checksum.

This is zlib's ``crc32_combine`` (the ``x^(2^n) mod p`` method of zlib 1.2.12): a few dozen
polynomial multiplications per combination, whatever the lengths. Python's ``zlib`` does not
expose it, and google-crc32c has no combine.
"""

from __future__ import annotations

from collections.abc import Iterable

#: The reflected generator polynomials.
CRC32_POLY = 0xEDB88320
CRC32C_POLY = 0x82F63B78


def _multiply(a: int, b: int, poly: int) -> int:
    """``a(x) * b(x) mod p(x)`` for reflected 32-bit polynomials."""
    m = 1 << 31
    product = 0
    while True:
        if a & m:
            product ^= b
            if not a & (m - 1):
                return product
        m >>= 1
        b = (b >> 1) ^ poly if b & 1 else b >> 1


def _powers(poly: int) -> tuple[int, ...]:
    """``x^(2^k) mod p`` for k = 0..31."""
    table = [1 << 30]  # x^1
    for _ in range(31):
        table.append(_multiply(table[-1], table[-1], poly))
    return tuple(table)


_POWERS = {CRC32_POLY: _powers(CRC32_POLY), CRC32C_POLY: _powers(CRC32C_POLY)}


def _shift(length: int, poly: int) -> int:
    """``x^(8 * length) mod p``: what appending ``length`` zero bytes multiplies a CRC by."""
    powers = _POWERS[poly]
    result = 1 << 31  # x^0
    k = 3
    while length:
        if length & 1:
            result = _multiply(powers[k & 31], result, poly)
        length >>= 1
        k += 1
    return result


def combine(first: int, second: int, second_length: int, poly: int = CRC32_POLY) -> int:
    """The CRC of ``a + b`` from ``first = crc(a)``, ``second = crc(b)`` and ``len(b)``."""
    if second_length <= 0:
        return first
    return _multiply(_shift(second_length, poly), first, poly) ^ second


def combine_all(parts: Iterable[tuple[int, int]], poly: int = CRC32_POLY) -> int:
    """The CRC of consecutive pieces given as ``(crc, length)`` in order (0 for none)."""
    total = 0
    for crc, length in parts:
        total = combine(total, crc, length, poly)
    return total
