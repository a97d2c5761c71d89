import math
import struct
from decimal import Decimal
from fractions import Fraction

import pytest
from wat_lsp.analysis.literals import parse_float, parse_id, parse_index, parse_int, parse_string, parse_u64

from tests.oracles.wasmtools import parse


def f32_bits(x: float) -> int:
    return int(struct.unpack("<I", struct.pack("<f", x))[0])


@pytest.mark.parametrize(
    ("text", "bits"),
    [
        ("1.5", f32_bits(1.5)),
        ("0x1p-149", 1),
        ("0x1p-150", 0),  # exactly half the smallest subnormal: ties to even
        ("0x1.000001p-150", 1),
        ("0x1.fffffefffffffffffp127", 0x7F7FFFFF),  # just under the halfway point
        ("3.4028235677973366e38", 0x7F7FFFFF),
        ("-0", 0x80000000),
        ("nan", 0x7FC00000),
        ("nan:0x200000", 0x7FA00000),
        ("-inf", 0xFF800000),
        ("1_000.5e1_0", f32_bits(1000.5e10)),
    ],
)
def test_f32(text: str, bits: int) -> None:
    assert parse_float(text, 32) == (bits, None)


@pytest.mark.parametrize("text", ["0x1.ffffffp127", "1e39", "nan:0x800000", "nan:0x0", "1__0", "0x"])
def test_f32_malformed(text: str) -> None:
    assert parse_float(text, 32)[1] is not None


def test_ints() -> None:
    assert parse_int("-2147483648", 32) == (0x80000000, None)
    assert parse_int("0xffff_ffff", 32) == (0xFFFFFFFF, None)
    assert parse_int("4294967296", 32)[1] == "integer constant out of range for i32: `4294967296`"
    assert parse_int("-9223372036854775809", 64)[1] is not None
    assert parse_int("1__0", 32)[1] == "malformed integer literal `1__0`"


def test_strings() -> None:
    assert parse_string('"a\\u{1F600}\\ff\\n"') == (b"a\xf0\x9f\x98\x80\xff\n", None)
    assert parse_string('"\\q"')[1] == "unknown escape `\\q` in string literal"
    assert parse_string('"\\u{D800}"')[1] is not None
    assert parse_id('$"a b"') == ("a b", None)
    assert parse_id("$ab") == ("ab", None)


# --- literals of any length: exact rounding in linear time -------------------------------

FORMATS = {32: "<f", 64: "<d"}
LONG = 5_000  # digits: past Python's 4,300-digit limit on decimal int conversions


def _bits_value(bits: int, width: int) -> Fraction:
    code = FORMATS[width]
    return Fraction(struct.unpack(code, bits.to_bytes(width // 8, "little"))[0])


def _reference(value: Fraction, width: int) -> int | None:
    """`value` (>= 0) rounded to nearest, ties to even, as the bits of an fN; None when it
    rounds to infinity. Independent of the code under test: a binary search over the bit
    patterns of the positive floats, which are ordered like their values."""
    inf_bits = 0x7F800000 if width == 32 else 0x7FF0000000000000
    lo, hi = 0, inf_bits - 1  # the largest pattern whose value is <= value
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if _bits_value(mid, width) <= value:
            lo = mid
        else:
            hi = mid - 1
    below = _bits_value(lo, width)
    # above the largest finite float, the next step is as if the exponent went on
    above = 2 * below - _bits_value(lo - 1, width) if lo == inf_bits - 1 else _bits_value(lo + 1, width)
    if value - below < above - value or (value - below == above - value and lo % 2 == 0):
        return lo
    return None if lo + 1 == inf_bits else lo + 1


def _exact(text: str) -> Fraction:
    """The exact value of an unsigned literal without `_`, by other means than the code under test."""
    if text.startswith("0x"):
        mantissa, _, exp = text[2:].partition("p")
        whole, _, frac = mantissa.partition(".")
        return Fraction(int(whole + frac, 16)) * Fraction(2) ** (int(exp or "0") - 4 * len(frac))
    return Fraction(Decimal(text))  # Decimal reads any length


def _decimal(value: Fraction) -> str:
    """The exact decimal expansion of a dyadic `value` (its denominator a power of two)."""
    k = value.denominator.bit_length() - 1
    digits = str(value.numerator * 5**k).rjust(k + 1, "0")
    return f"{digits[: len(digits) - k]}.{digits[len(digits) - k :]}" if k else digits


def _midpoints(width: int) -> list[Fraction]:
    """Exact midpoints between adjacent floats: normal, subnormal, the smallest, and the
    one between the largest float and infinity."""
    inf_bits = 0x7F800000 if width == 32 else 0x7FF0000000000000
    patterns = [0, 1, 2, 0x7FFFFF, 0x800000, 0x3F800000, 0x3F800001, 0x4B7FFFFF, 0x7F7FFFFE]
    if width == 64:
        patterns = [
            0,
            1,
            0xFFFFFFFFFFFFF,
            0x10000000000000,
            0x3FF0000000000000,
            0x3FF0000000000001,
            0x433FFFFFFFFFFFFF,
            0x7FEFFFFFFFFFFFFE,
        ]
    out = [(_bits_value(b, width) + _bits_value(b + 1, width)) / 2 for b in patterns]
    top = _bits_value(inf_bits - 1, width)
    return [*out, top + (top - _bits_value(inf_bits - 2, width)) / 2]


def _long_forms(value: Fraction) -> list[str]:
    """`value` written out exactly, then just above and just below it with the difference
    thousands of digits away (a sticky digit far from the rounding position)."""
    exact = _decimal(value)
    if "." not in exact:
        exact += "."
    # just below: ...d - 1 at the last digit, then 9s; just above: a 1 after zeros
    head, frac = exact.split(".")
    digits = head + frac
    lowered = str(int(digits) - 1).rjust(len(digits), "0")
    return [
        exact + "0" * LONG,
        exact + "0" * LONG + "1",
        f"{lowered[: len(head)]}.{lowered[len(head) :]}" + "9" * LONG,
    ]


def _spellings(text: str) -> list[str]:
    """`text`, and with a `_` between two digits of its mantissa: f64 literals without `_`
    go through CPython's conversions, with one through the code under test."""
    end = text.find("p") if text.startswith("0x") else len(text)
    i = next(i for i in range(end - 1, 0, -1) if text[i - 1] not in ".x" and text[i] != ".")
    return [text, f"{text[:i]}_{text[i:]}"]


@pytest.mark.parametrize("width", [32, 64])
def test_long_decimal_midpoints_round_exactly(width: int) -> None:
    for mid in _midpoints(width):
        for text in _long_forms(mid):
            assert len(text) > LONG
            expected = _reference(_exact(text), width)
            for spelling in _spellings(text):
                got, err = parse_float(spelling, width)
                assert (got if err is None else None) == expected, spelling[:40]


@pytest.mark.parametrize("width", [32, 64])
def test_long_hex_midpoints_round_exactly(width: int) -> None:
    for mid in _midpoints(width):
        k = mid.denominator.bit_length() - 1
        # mid = numerator * 2**-k, written with a fraction of whole hex digits
        shift = (-k) % 4
        hexdigits = format(mid.numerator << shift, "x")
        exp = -(k + shift)
        for tail, adjust in (("0" * LONG, 0), ("0" * LONG + "1", 1), ("", -1)):
            digits = hexdigits if adjust >= 0 else format((mid.numerator << shift) - 1, "x")
            tail = tail if adjust >= 0 else "f" * LONG
            text = f"0x{digits[:1]}.{digits[1:]}{tail}p{exp + 4 * (len(digits) - 1)}"
            expected = _reference(_exact(text), width)
            for spelling in _spellings(text):
                got, err = parse_float(spelling, width)
                assert (got if err is None else None) == expected, spelling[:40]


def test_long_f64_agrees_with_python() -> None:
    """The exact path (taken for `_`) against CPython's correctly rounded conversions."""
    import random

    rng = random.Random(18)
    for _ in range(200):
        n = rng.choice([20, 400, 800, 801, 2_000, 6_000])
        digits = "".join(rng.choice("0123456789") for _ in range(n))
        text = f"{digits[0]}_{digits[1:]}.{digits[:5]}e{rng.randint(-330 - n, 310 - n)}"
        expected = float(text.replace("_", ""))
        got, err = parse_float(text, 64)
        assert (None if err else got) == (None if math.isinf(expected) else double_bits(expected)), text[:40]
        hex_digits = "".join(rng.choice("0123456789abcdef") for _ in range(n))
        text = f"0x{hex_digits[0]}_{hex_digits[1:]}p{rng.randint(-1080 - 4 * n, 1030 - 4 * n)}"
        try:
            expected = float.fromhex(text.replace("_", ""))
        except OverflowError:
            expected = math.inf
        got, err = parse_float(text, 64)
        assert (None if err else got) == (None if math.isinf(expected) else double_bits(expected)), text[:40]


def double_bits(x: float) -> int:
    return int(struct.unpack("<Q", struct.pack("<d", x))[0])


@pytest.mark.parametrize(
    ("text", "width", "expected"),
    [
        ("1e99999999999", 64, None),
        ("1e-99999999999", 64, 0),
        ("0x1p-99999999999", 32, 0),
        ("0x1p99999999999", 32, None),
        ("0e99999999999", 64, 0),
        ("0x0p99999999999", 64, 0),
        ("1e" + "9" * LONG, 32, None),
        ("1e-" + "9" * LONG, 32, 0),
        ("1e" + "0" * LONG + "5", 64, double_bits(1e5)),  # leading zeros of an exponent
        ("0." + "0" * LONG + "1e" + str(LONG + 1), 64, double_bits(1.0)),
        ("1" + "0" * LONG + "e-" + str(LONG), 32, f32_bits(1.0)),
        ("0x" + "0" * LONG + "1.8p0", 32, f32_bits(1.5)),
        ("0x1" + "0" * LONG + "p-" + str(4 * LONG), 64, double_bits(1.0)),
        ("1" + "0" * LONG, 64, None),
        ("0x" + "f" * LONG + "p-999999", 64, 0),
        ("0x" + "f" * LONG + "p-" + str(4 * LONG), 64, double_bits(1.0)),  # 1 - 2**-20000
        ("0x" + "f" * LONG + "p-" + str(4 * LONG - 1024), 64, None),
    ],
)
def test_long_exponents_and_digit_counts(text: str, width: int, expected: int | None) -> None:
    got, err = parse_float(text, width)
    assert (None if err else got) == expected
    if expected is None:
        shown = text if len(text) <= 64 else f"{text[:24]}…{text[-12:]}"
        assert err == f"float constant out of range for f{width}: `{shown}`"


def test_long_integers() -> None:
    zeros = "0" * LONG
    assert parse_int(zeros + "42", 32) == (42, None)
    assert parse_int("-" + zeros + "9223372036854775808", 64) == (1 << 63, None)
    assert parse_int("0x" + zeros + "ffffffff", 32) == (0xFFFFFFFF, None)
    assert (
        parse_int("1" + zeros, 64)[1]
        == f"integer constant out of range for i64: `1{zeros[:23]}…{zeros[:12]}`"
    )
    assert parse_int("-1" + zeros, 64)[1] is not None
    assert parse_int("0x1" + zeros, 64)[1] is not None
    assert parse_int("18446744073709551616", 64)[1] is not None  # 2**64: the largest value not saturated
    assert parse_int("36893488147419103232", 64)[1] is not None  # 2**65
    assert parse_index(zeros + "7") == (7, None)
    assert parse_index("4294967296")[1] == "index out of range: `4294967296`"
    assert parse_u64("0x1_0000_0000_0000_0000")[1] == "number out of range: `0x1_0000_0000_0000_0000`"
    assert parse_u64(zeros + "18446744073709551615") == ((1 << 64) - 1, None)


def test_long_escape_in_string() -> None:
    _, err = parse_string('"\\u{' + "1" * LONG + '}"')
    assert err == "invalid code point in escape `\\u{" + "1" * 24 + "…" + "1" * 12 + "}`"


@pytest.mark.parametrize("width", [32, 64])
def test_long_literals_agree_with_wasm_tools(width: int) -> None:
    """A few long literals near midpoints, against the bytes `wasm-tools parse` writes."""
    texts = [text[:1_200] + text[-1:] for mid in _midpoints(width)[3:6] for text in _long_forms(mid)]
    size, opcode = width // 8, b"\x43" if width == 32 else b"\x44"
    module = "(module " + "".join(f"(global f{width} (f{width}.const {t}))" for t in texts) + ")"
    binary = parse(module)
    for text in texts:
        got, err = parse_float(text, width)
        assert err is None
        marker = opcode + got.to_bytes(size, "little") + b"\x0b"
        assert marker in binary, text[:40]
