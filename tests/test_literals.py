import struct

import pytest
from wat_lsp.analysis.literals import parse_float, parse_id, parse_int, parse_string


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
