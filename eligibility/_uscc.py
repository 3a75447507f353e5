"""统一社会信用代码 (unified social credit code), GB 32100-2015."""

from __future__ import annotations

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
"""The 31 characters the code may use (no I, O, S, V, Z)."""
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def check_character(first17: str) -> str:
    """The 18th (check) character for the first 17 characters, per GB 32100-2015 §4.2."""
    total = sum(CHARSET.index(ch) * w for ch, w in zip(first17, WEIGHTS, strict=True))
    return CHARSET[(31 - total % 31) % 31]


def uscc_problem(code: str) -> str | None:
    """Why ``code`` is not a valid USCC, or None if it is."""
    if len(code) != 18:
        return f"应为18位，实际{len(code)}位 (must be 18 characters, got {len(code)})"
    bad = sorted({ch for ch in code if ch not in CHARSET})
    if bad:
        return f"含有不允许的字符 {''.join(bad)} (characters not allowed by GB 32100: {''.join(bad)})"
    expected = check_character(code[:17])
    if code[17] != expected:
        return (
            f"校验码错误：第18位应为 {expected}，实际为 {code[17]} "
            f"(check digit should be {expected}, got {code[17]})"
        )
    return None
