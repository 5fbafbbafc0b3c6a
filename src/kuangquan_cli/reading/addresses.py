"""A1 cell addresses: column letters and the column numbers behind them."""

from __future__ import annotations


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def column_index(letters: bytes) -> int:
    """b"A" → 0, b"AA" → 26: the inverse of ``column_letter``, on the upper-case bytes of a
    worksheet's XML (the quick cell scan reads bytes, and decoding each reference would cost)."""
    index = 0
    for ch in letters:
        index = index * 26 + ch - 64
    return index - 1
