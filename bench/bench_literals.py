"""Conversion time of very long numeric literals (issue 18): it must grow linearly with the
number of digits, and a million digits must convert in under a second.

    python bench/bench_literals.py [--digits 250000,500000,1000000]

For each digit count, times `parse_float` / `parse_int` (`wat_lsp.analysis.literals`) on
decimal and hex floats and integers of that many digits (the float shapes are those of the
issue: a hex mantissa of all `f` with `p-999999`, long exponents, a long mantissa whose
value rounds to a finite float), and `analyse` of a module holding the issue's f64 literal
(what `wat-lsp --check` and the server do with it). CPU seconds (`time.process_time`) of
one run each: the machine is shared. The load average is printed with the table.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable

from wat_lsp.analysis.document import analyse
from wat_lsp.analysis.literals import parse_float, parse_int


def shapes(n: int) -> list[tuple[str, str, Callable[[str], object]]]:
    """(name, literal, conversion) of `n` digits each."""

    def f32(text: str) -> object:
        return parse_float(text, 32)

    def f64(text: str) -> object:
        return parse_float(text, 64)

    def i64(text: str) -> object:
        return parse_int(text, 64)

    def module(text: str) -> object:
        return analyse(f"(module (func (drop (f64.const {text}))))".encode()).diagnostics

    return [
        ("hex f64 0xf…fp-999999 (out of range)", "0x" + "f" * n + "p-999999", f64),
        ("hex f32 0xf…fp-999999 (out of range)", "0x" + "f" * n + "p-999999", f32),
        ("hex f64 0x1.0…01p0 (rounds, sticky)", "0x1." + "0" * (n - 2) + "1p0", f64),
        ("hex f32 0x1.0…01p0 (rounds, sticky)", "0x1." + "0" * (n - 2) + "1p0", f32),
        ("dec f64 1.0…01 (rounds)", "1." + "0" * (n - 2) + "1", f64),
        ("dec f64 1_0…0 (exact path, overflow)", "1_" + "0" * (n - 1), f64),
        ("dec f32 1.0…01 (rounds, sticky)", "1." + "0" * (n - 2) + "1", f32),
        ("dec f32 1e9…9 (long exponent)", "1e" + "9" * (n - 1), f32),
        ("hex f64 0x1p-9…9 (long exponent)", "0x1p-" + "9" * (n - 1), f64),
        ("dec i64 10…0 (out of range)", "1" + "0" * (n - 1), i64),
        ("dec i64 0…042 (leading zeros)", "0" * (n - 2) + "42", i64),
        ("hex i64 0xf…f (out of range)", "0x" + "f" * n, i64),
        ("module with the f64 0xf…fp-999999, analyse", "0x" + "f" * n + "p-999999", module),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--digits", default="250000,500000,1000000")
    args = parser.parse_args()
    counts = [int(d) for d in args.digits.split(",")]
    names: list[str] = []
    rows: dict[str, list[float]] = {}
    for n in counts:
        for name, text, convert in shapes(n):
            start = time.process_time()
            convert(text)
            rows.setdefault(name, []).append(time.process_time() - start)
            if name not in names:
                names.append(name)
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"CPU seconds per conversion, one run each; load average {load}")
    print()
    print("| literal | " + " | ".join(f"{n:,} digits" for n in counts) + " |")
    print("| --- |" + " ---: |" * len(counts))
    for name in names:
        print(f"| {name} | " + " | ".join(f"{t:.3f}" for t in rows[name]) + " |")


if __name__ == "__main__":
    main()
