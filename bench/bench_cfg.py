"""Time to draw a function's control-flow picture (model, DOT, SVG) by its number of blocks.

    python bench/bench_cfg.py [--repeat 5]

Each function is a chain of `N / 4` units, each a `block` holding a `br_table` over three
labels, a `try_table` with a catch and a `local.set` of a non-nullable local whose
initialization ends at the block's `end` (so every kind of edge, live sets and 1a notes are
drawn); the sizes go up to the 2,000-block limit. The document is analysed once, outside the
timing. Prints medians of CPU seconds (the machine may be shared) and the output sizes.
"""

from __future__ import annotations

import argparse
import statistics
import time

from wat_lsp.analysis.document import analyse
from wat_lsp.analysis.ide.cfg_picture import picture_of, to_dot, to_svg

UNIT = """    block $o{k}
      block $a{k}
        local.get $p
        br_table $a{k} $o{k} $o{k}
      end
      try_table (catch $e $o{k})
        call $g
      end
      ref.func $g
      local.set $r
    end
"""


def module(units: int) -> bytes:
    body = "".join(UNIT.format(k=k) for k in range(units))
    return (
        "(module (tag $e) (elem declare func $g) (func $g)\n"
        f"  (func $f (param $p i32) (local $r (ref func))\n{body}  ))\n"
    ).encode()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    print("| blocks | instructions | model | DOT | SVG | DOT size | SVG size |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for units in (10, 50, 200, 380):
        doc = analyse(module(units))
        times: list[tuple[float, float, float]] = []
        for _ in range(args.repeat):
            t0 = time.process_time()
            pic = picture_of(doc, name="$f")
            t1 = time.process_time()
            dot = to_dot(pic)
            t2 = time.process_time()
            svg = to_svg(pic)
            t3 = time.process_time()
            times.append((t1 - t0, t2 - t1, t3 - t2))
        model, d, s = (statistics.median(t[i] for t in times) for i in range(3))
        n = sum(len(f.body) for sm in doc.modules if sm.read for f in sm.read.module.funcs)
        print(
            f"| {len(pic.blocks)} | {n} | {model * 1000:.1f} ms | {d * 1000:.1f} ms | {s * 1000:.1f} ms "
            f"| {len(dot) // 1024} KiB | {len(svg) // 1024} KiB |"
        )


if __name__ == "__main__":
    main()
