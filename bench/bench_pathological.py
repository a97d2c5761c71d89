"""Every request on pathological documents at full size, over stdio against the real server.

    python bench/bench_pathological.py [--levels 100000] [--parens 1000000] [--line 10MB]
                                       [--scaling 10000,20000,50000,100000] [--only NAME]
                                       [--after-open]

Shapes (`bench/pathological.py`): 100,000 nested `(block ... )` closed (800 KB) and unclosed
(700 KB), 100,000 nested plain `block ... end` (1 MB), 1,000,000 `)` (1 MB), 100,000 nested
block comments (400 KB), folded operands `(i32.add (i32.add ...) (i32.const 1))` 100,000 deep,
a 10 MB generated module on one line, and (for comparison) the same module as generated, one
instruction a line. For each, the session an editor makes (pull
diagnostics, full tokens, folding, symbols, inlay hints, token range, hover, highlight,
selection, definition, references, completion, signature help, code actions and each
resolve, prepareRename, rename, tokens delta), each request timed from writing it to reading
its answer, one at a time, with the server's CPU meanwhile; the first pays the document's
analysis. When the first full tokens are the text's start (decision 48) the session waits for
the refresh and prints the background work apart; each document starts once the server's CPU
is quiet (the last one's memory given back); resolves over 0.5 s of CPU are listed by title. Then the scaling: hover
and full semantic tokens at each `--scaling` depth, on the nested shapes (fresh documents).
Every answer is checked for its shape (`pathological.check`).

`--after-open` runs instead what an editor sends right after opening a file
(`pathological.run_after_open`): the diagnostic pull, not awaited, then the requests about the
cursor, folding, symbols and full tokens one at a time, each with the server's CPU meanwhile,
and, when the full tokens were answered for the text's start, the refresh and the full tokens
after it (decision 48). The client takes refresh requests, as VS Code does.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import pathological


def _session(
    server: pathological.Server, shape: pathological.Shape, uri: str, after_open: bool = False
) -> list[pathological.Answer]:
    t, cpu = time.perf_counter(), server.cpu()
    answers = (pathological.run_after_open if after_open else pathological.run)(server, shape, uri)
    total, cpu = time.perf_counter() - t, server.cpu() - cpu
    print(
        f"\n## {shape.name} ({len(shape.text):,} bytes): {total:.2f} s for {len(answers)} requests"
        f" (server CPU {cpu:.2f} s, load {os.getloadavg()[0]:.1f})"
    )
    by_method: dict[str, list[pathological.Answer]] = {}
    for a in answers:
        by_method.setdefault(a.method, []).append(a)
        problem = pathological.check(shape, a)
        if problem is not None:
            print(f"  !! {a.method}: {problem}")
    for method, found in by_method.items():
        top = max(found, key=lambda a: a.seconds)
        extra = f" (x{len(found)}, max)" if len(found) > 1 else ""
        cpu_text = f"  CPU {top.cpu:6.2f} s" if top.cpu is not None else ""
        print(f"  {method:42} {top.seconds:8.3f} s{cpu_text}{extra}")
        if len(found) > 1 and top.cpu is not None and top.cpu >= 0.5:  # which ones, by title
            for a in found:
                title = (
                    (a.response.get("result") or {}).get("title", "?") if a.method.endswith("resolve") else ""
                )
                if a.cpu is not None and a.cpu >= 0.5:
                    print(f"      {str(title)[:60]:60} CPU {a.cpu:6.2f} s")
    return answers


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("--levels", type=int, default=100_000)
    ap.add_argument("--parens", type=int, default=1_000_000)
    ap.add_argument("--line", default="10MB", help="size of the one-line module")
    ap.add_argument(
        "--scaling", default="10000,20000,50000,100000", help="depths for the scaling table ('' none)"
    )
    ap.add_argument("--only", help="shapes whose name contains this")
    ap.add_argument(
        "--after-open",
        action="store_true",
        help="the requests sent right after opening, before the diagnostics are in (pull not awaited)",
    )
    args = ap.parse_args(argv)
    server = pathological.Server()
    worst: list[tuple[float, str, str]] = []
    makers = [
        lambda: pathological.nested_closed(args.levels),
        lambda: pathological.nested_unclosed(args.levels),
        lambda: pathological.nested_plain(args.levels),
        lambda: pathological.close_parens(args.parens),
        lambda: pathological.nested_comments(args.levels),
        lambda: pathological.folded_operands(args.levels),
        lambda: pathological.one_line(args.line),
        lambda: pathological.multi_line(args.line),
    ]
    try:
        for i, make in enumerate(makers):
            shape = make()
            if args.only and args.only not in shape.name:
                continue
            answers = _session(server, shape, f"file:///bench/pathological{i}.wat", args.after_open)
            top = max(answers, key=lambda a: a.seconds)
            worst.append((top.seconds, shape.name, top.method))
        print("\n## worst request per shape")
        for seconds, name, method in worst:
            print(f"  {name:36} {method:42} {seconds:8.3f} s")
        depths = [int(d) for d in args.scaling.split(",") if d]
        if depths:
            print("\n## scaling: hover / full semantic tokens (s) by depth")
            print(f"  {'shape':36} " + " ".join(f"{d:>15,}" for d in depths))
            for make_at in (
                pathological.nested_closed,
                pathological.nested_plain,
                pathological.folded_operands,
            ):
                cells = []
                name = ""
                for d in depths:
                    shape = make_at(d)
                    name = shape.name
                    cells.append(_scaling_point(server, shape, f"file:///bench/scaling-{d}.wat"))
                print(f"  {name:36} " + " ".join(f"{h:6.3f} / {t:6.3f}" for h, t in cells))
    finally:
        server.close()
    return 0


def _scaling_point(server: pathological.Server, shape: pathological.Shape, uri: str) -> tuple[float, float]:
    """Hover at the innermost instruction, then full semantic tokens, on a fresh document
    (the hover pays the analysis: it is measured after a first hover elsewhere)."""
    text = shape.text
    doc = {"uri": uri}
    server.notify(
        "textDocument/didOpen", {"textDocument": {**doc, "languageId": "wat", "version": 1, "text": text}}
    )
    server.request("textDocument/diagnostic", {"textDocument": doc})  # the analysis, apart
    at = {
        "line": text.count("\n", 0, shape.cursor),
        "character": shape.cursor - (text.rfind("\n", 0, shape.cursor) + 1),
    }
    t = time.perf_counter()
    server.request("textDocument/hover", {"textDocument": doc, "position": at})
    hover = time.perf_counter() - t
    t = time.perf_counter()
    server.request("textDocument/semanticTokens/full", {"textDocument": doc})
    tokens = time.perf_counter() - t
    server.notify("textDocument/didClose", {"textDocument": doc})
    return hover, tokens


if __name__ == "__main__":
    sys.exit(main())
