"""Checksums that tell a real card or ID number from any run of digits (fewer false alarms)."""

from __future__ import annotations

from collections.abc import Callable

_ID18_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID18_CHECK = "10X98765432"
_TW_LETTERS = "ABCDEFGHJKLMNPQRSTUVXYWZIO"


def luhn(value: str) -> bool:
    """Bank card numbers (13-19 digits) pass the Luhn check.

    >>> luhn("4111 1111 1111 1111"), luhn("4111 1111 1111 1112")
    (True, False)
    """
    digits = [int(c) for c in value if c.isdigit()]
    if not 13 <= len(digits) <= 19:
        return False
    total = 0
    for i, digit in enumerate(reversed(digits)):
        doubled = digit * 2 if i % 2 else digit
        total += doubled - 9 if doubled > 9 else doubled
    return total % 10 == 0


def cn_id18(value: str) -> bool:
    """Mainland 18-character resident ID (GB 11643 check character).

    >>> cn_id18("11010519491231002X"), cn_id18("110105194912310021")
    (True, False)
    """
    chars = [c for c in value.upper() if c.isdigit() or c == "X"]
    if len(chars) != 18 or "X" in chars[:17]:
        return False
    total = sum(int(c) * w for c, w in zip(chars[:17], _ID18_WEIGHTS, strict=True))
    return _ID18_CHECK[total % 11] == chars[17]


def tw_id(value: str) -> bool:
    """Taiwan 身分證字號: a letter, 1/2, eight digits, with a weighted check.

    >>> tw_id("A123456789"), tw_id("A123456788")
    (True, False)
    """
    v = value.upper().strip()
    if len(v) != 10 or v[0] not in _TW_LETTERS or not v[1:].isdigit() or v[1] not in "12":
        return False
    code = _TW_LETTERS.index(v[0]) + 10
    nums = [code // 10, code % 10] + [int(c) for c in v[1:]]
    weights = (1, 9, 8, 7, 6, 5, 4, 3, 2, 1, 1)
    return sum(n * w for n, w in zip(nums, weights, strict=True)) % 10 == 0


CHECKS: dict[str, Callable[[str], bool]] = {"luhn": luhn, "cn_id18": cn_id18, "tw_id": tw_id}
