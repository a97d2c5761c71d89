"""Decoding of numeric, string and identifier literals, per the spec's lexical format.

Each decoder returns `(value, error)`: `error` is None on success, or a message for a
`malformed-literal` diagnostic. Nothing raises on user input.
"""

from __future__ import annotations

import math
import re
import struct
from fractions import Fraction

_DEC = r"[0-9](?:_?[0-9])*"
_HEX = r"[0-9a-fA-F](?:_?[0-9a-fA-F])*"
_INT_RE = re.compile(rf"([+-]?)(?:0x({_HEX})|({_DEC}))")
_FLOAT_DEC_RE = re.compile(rf"([+-]?)({_DEC})(?:\.({_DEC})?)?(?:[eE]([+-]?{_DEC}))?")
_FLOAT_HEX_RE = re.compile(rf"([+-]?)0x({_HEX})(?:\.({_HEX})?)?(?:[pP]([+-]?{_DEC}))?")
_NAN_RE = re.compile(rf"([+-]?)nan(?::0x({_HEX}))?")

Result = tuple[int, str | None]


def parse_uint(text: str) -> int | None:
    """An unsigned `num` or `0x hexnum` (no sign), or None if ill-formed; values beyond 2**65
    read as 2**65 (see `_magnitude`)."""
    m = _INT_RE.fullmatch(text)
    if m is None or m.group(1):
        return None
    return _int_value(m)


def _int_value(m: re.Match[str]) -> int:
    if m.group(2) is not None:
        return _magnitude(m.group(2), 16)
    return _magnitude(m.group(3), 10)


# Every caller bounds integers by 2**64 at most, so a value of 2**65 or more stands for all of
# them: a literal of any length converts in linear time and never meets Python's limit on
# decimal conversions (4,300 digits), which raises.
_SATURATED = 1 << 65
_MAX_DIGITS = {10: 20, 16: 17}  # 10**20 and 16**17 both exceed _SATURATED


def _magnitude(digits: str, base: int) -> int:
    """The value of `digits` (underscores allowed), saturated at `_SATURATED`."""
    digits = digits.replace("_", "").lstrip("0")
    if len(digits) > _MAX_DIGITS[base]:
        return _SATURATED
    return min(int(digits or "0", base), _SATURATED)


def shown(text: str) -> str:
    """A literal as quoted in a message: long ones abbreviated, so a megabyte-long token
    does not make a megabyte-long diagnostic."""
    if len(text) <= _SHOWN_MAX:
        return text
    return f"{text[:24]}…{text[-12:]}"


_SHOWN_MAX = 64


def parse_int(text: str, bits: int) -> Result:
    """An `iN` literal as its two's-complement bits (0 <= value < 2**bits)."""
    m = _INT_RE.fullmatch(text)
    if m is None:
        return 0, f"malformed integer literal `{shown(text)}`"
    value = _int_value(m)
    if m.group(1) == "-":
        if value > 1 << (bits - 1):
            return 0, f"integer constant out of range for i{bits}: `{shown(text)}`"
        return (-value) & ((1 << bits) - 1), None
    if value >= 1 << bits:
        return 0, f"integer constant out of range for i{bits}: `{shown(text)}`"
    return value, None


def parse_index(text: str) -> Result:
    """A `u32` index."""
    return _natural(text, 32, "malformed index", "index out of range")


def parse_u64(text: str) -> Result:
    return _natural(text, 64, "malformed natural number", "number out of range")


def _natural(text: str, bits: int, malformed: str, too_large: str) -> Result:
    value = parse_uint(text)
    if value is None:
        return 0, f"{malformed} `{shown(text)}`"
    if value >= 1 << bits:
        return 0, f"{too_large}: `{shown(text)}`"
    return value, None


# (exponent bits, mantissa bits) per float width
_FORMATS = {32: (8, 23), 64: (11, 52)}


def parse_float(text: str, bits: int) -> Result:
    """An `fN` literal as its IEEE-754 bit pattern, rounded to nearest, ties to even."""
    exp_bits, man_bits = _FORMATS[bits]
    sign_bit = 1 << (bits - 1)
    inf_bits = ((1 << exp_bits) - 1) << man_bits
    sign = 0
    body = text
    if body[:1] in "+-":
        sign = sign_bit if body[0] == "-" else 0
        body = body[1:]
    if body == "inf":
        return sign | inf_bits, None
    m = _NAN_RE.fullmatch(body)
    if m is not None and not m.group(1):
        if m.group(2) is None:
            return sign | inf_bits | (1 << (man_bits - 1)), None
        payload = int(m.group(2).replace("_", ""), 16)
        if not 1 <= payload < 1 << man_bits:
            return 0, f"NaN payload out of range for f{bits}: `{shown(text)}`"
        return sign | inf_bits | payload, None
    if bits == 64 and "_" not in body:
        fast = _double_bits(body)
        if fast is not None:
            return sign | fast, None
    value = _exact_value(body)
    if value is None:
        return 0, f"malformed float literal `{shown(text)}`"
    encoded = None if isinstance(value, _Beyond) else _round_to_float(value, exp_bits, man_bits)
    if encoded is None:
        return 0, f"float constant out of range for f{bits}: `{shown(text)}`"
    return sign | encoded, None


def _double_bits(body: str) -> int | None:
    """An unsigned f64 literal (no `_`) as bits through the C library, whose conversions
    are correctly rounded (to nearest, ties to even) like `_round_to_float`; None when
    malformed or out of range (the exact path decides what to say)."""
    try:
        if _FLOAT_HEX_RE.fullmatch(body) is not None:
            value = float.fromhex(body)
        elif _FLOAT_DEC_RE.fullmatch(body) is not None:
            value = float(body)
        else:
            return None
    except (OverflowError, ValueError):
        return None
    if math.isinf(value):
        return None
    return int.from_bytes(struct.pack("<d", value), "little")


def _exact_value(body: str) -> Fraction | _Beyond | None:
    """The value of an unsigned float literal, exact where it can round to a finite nonzero
    float of either width; `_OVERFLOW` or 0 when it is clearly beyond either end.

    The text is read in linear time however long it is: only a bounded prefix of the
    significant digits is converted, the rest is a sticky digit (see `_KEEP`)."""
    m = _FLOAT_HEX_RE.fullmatch(body)
    if m is not None and not m.group(1):
        base = 16
    else:
        m = _FLOAT_DEC_RE.fullmatch(body)
        if m is None or m.group(1):
            return None
        base = 10
    whole, frac = m.group(2).replace("_", ""), (m.group(3) or "").replace("_", "")
    scale = _exponent(m.group(4)) - (len(frac) if base == 10 else 4 * len(frac))
    digits = (whole + frac).lstrip("0")
    keep = _KEEP[base]
    if len(digits) > keep:
        rest = digits[keep:]
        # The dropped digits become one digit 1 (if any is nonzero) below the kept ones:
        # the value moves within an interval no rounding boundary crosses, see `_KEEP`.
        sticky = 1 if rest.strip("0") else 0
        significand = int(digits[:keep], base) * base + sticky
        shift = len(rest) - 1
        scale += shift if base == 10 else 4 * shift
    else:
        significand = int(digits or "0", base)
    if significand == 0:
        return Fraction(0)
    # value = significand * radix**scale with radix 10 (decimal) or 2 (hex); bound its
    # magnitude before building any power, so a long exponent costs nothing.
    if base == 10:
        top = len(str(significand)) + scale  # value < 10**top
        if top - 1 > 309:  # >= 10**310: above the largest f64 (and f32)
            return _OVERFLOW
        if top < -330:  # < 10**-330: below half the smallest f64 (and f32) subnormal
            return Fraction(0)
        return Fraction(significand) * Fraction(10) ** scale
    top = significand.bit_length() + scale  # value < 2**top
    if top - 1 > 1024:
        return _OVERFLOW
    if top < -1080:
        return Fraction(0)
    return Fraction(significand) * Fraction(2) ** scale


class _Beyond:
    """A value above every float format's range (it rounds to infinity)."""


_OVERFLOW = _Beyond()

# Significant digits kept before the sticky digit. Rounding to nearest changes only at the
# midpoints between adjacent floats; keeping N digits and replacing the rest by a sticky 1
# moves the value within (T, T + one unit of the Nth digit), which holds no number of N or
# fewer significant digits. An f64 midpoint (2k+1) * 2**q, 2k+1 < 2**54, q >= -1075, has at
# most 768 significant decimal digits (f32: 113), so 800 decimal digits decide every
# rounding; in hex, 32 digits (>= 125 bits) leave the sticky bit below any rounding bit.
_KEEP = {10: 800, 16: 32}
_EXPONENT_CAP = 10**18  # beyond any digit count a text can have: overflow or zero for sure


def _exponent(text: str | None) -> int:
    """A decimal exponent, clamped to +-_EXPONENT_CAP without converting a long one."""
    if not text:
        return 0
    digits = text.replace("_", "")
    sign = -1 if digits[0] == "-" else 1
    digits = digits.lstrip("+-").lstrip("0")
    if len(digits) > 18:
        return sign * _EXPONENT_CAP
    return sign * int(digits or "0")


def _round_to_float(value: Fraction, exp_bits: int, man_bits: int) -> int | None:
    """Bits of the non-negative `value` rounded to the format, or None on overflow."""
    if value == 0:
        return 0
    bias = (1 << (exp_bits - 1)) - 1
    min_exp = 1 - bias  # exponent of the smallest normal
    num, den = value.numerator, value.denominator
    # e = floor(log2(value)), computed exactly from bit lengths and corrected.
    e = num.bit_length() - den.bit_length()
    if Fraction(2) ** e > value:
        e -= 1
    e = max(e, min_exp)
    # value / 2**(e - man_bits) rounded to an integer mantissa, ties to even
    scaled = value / Fraction(2) ** (e - man_bits)
    q, r = divmod(scaled.numerator, scaled.denominator)
    twice = 2 * r
    if twice > scaled.denominator or (twice == scaled.denominator and q & 1):
        q += 1
    if q == 1 << (man_bits + 1):  # rounding carried into the next binade
        q >>= 1
        e += 1
    if q < 1 << man_bits:  # subnormal (only possible at e == min_exp)
        return q
    biased = e + bias
    if biased >= (1 << exp_bits) - 1:
        return None
    return (biased << man_bits) | (q - (1 << man_bits))


_SIMPLE_ESCAPES = {"t": 9, "n": 10, "r": 13, '"': 34, "'": 39, "\\": 92}


def parse_string(text: str) -> tuple[bytes, str | None]:
    """A string literal (with its quotes) as bytes; escapes decoded."""
    if len(text) < 2 or text[0] != '"' or text[-1] != '"':
        return b"", "unterminated string literal"
    out = bytearray()
    i, end = 1, len(text) - 1
    while i < end:
        c = text[i]
        if c == "\\":
            i += 1
            if i >= end:
                return bytes(out), "unterminated escape in string literal"
            e = text[i]
            if e in _SIMPLE_ESCAPES:
                out.append(_SIMPLE_ESCAPES[e])
                i += 1
            elif e == "u":
                m = re.compile(rf"u\{{({_HEX})\}}").match(text, i)
                if m is None:
                    return bytes(out), "malformed `\\u{...}` escape in string literal"
                cp = int(m.group(1).replace("_", ""), 16)
                if cp >= 0x110000 or 0xD800 <= cp < 0xE000:
                    return bytes(out), f"invalid code point in escape `\\u{{{shown(m.group(1))}}}`"
                out += chr(cp).encode()
                i = m.end()
            elif re.fullmatch(r"[0-9a-fA-F]{2}", text[i : i + 2]):
                out.append(int(text[i : i + 2], 16))
                i += 2
            else:
                return bytes(out), f"unknown escape `\\{e}` in string literal"
        else:
            if ord(c) < 0x20 or ord(c) == 0x7F:
                return bytes(out), "control character in string literal"
            out += c.encode("utf-8", "surrogateescape")
            i += 1
    return bytes(out), None


def parse_name(text: str) -> tuple[str, str | None]:
    """A string literal that must be valid UTF-8 (import/export names)."""
    data, err = parse_string(text)
    if err is not None:
        return "", err
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError:
        return data.decode("utf-8", "replace"), "malformed UTF-8 encoding in name"


def parse_id(text: str) -> tuple[str, str | None]:
    """An identifier `$x` or `$"x"` as its name (without `$`); both spellings are equal."""
    if text.startswith('$"'):
        name, err = parse_name(text[1:])
        if err is None and not name:
            return name, "empty identifier"
        return name, err
    return text[1:], None
