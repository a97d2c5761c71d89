"""Latency of the navigation requests on a large document, in the server's own code path.

    python bench/bench_navigation.py [PATH]

PATH defaults to ``/tmp/doc.wat`` (``python bench/genwat.py --size 13MB -o /tmp/doc.wat``).
The document is opened as the server opens it; then each request's work (`server.features`,
what the worker thread runs) is timed, in the order an editor sends them after opening a file:
the first request pays for the analysis (`Snapshot.analysis`), later ones reuse it; requests
about a module-level item pay once for the document's occurrence index. Prints wall and CPU
seconds per request (the machine may be shared: CPU time is the steadier figure).

    python bench/bench_navigation.py [PATH] --edits N [--requests local,whole]

times instead what an editor waits for after typing: N one-character `didChange`s (a space
typed at the end of a line inside a function near the middle, so every function after it
moves; with `--newline`, a line break instead, so they move down a line), each followed, as
the server's analysis thread runs them, by the diagnostics of the new version and one
request, in turn. The `local` requests: hover on a local, semantic
tokens for a 60-line range, code actions as VS Code asks for them, code actions for
`refactor.rewrite` (which need the Module model). The `whole`-document ones, which VS Code
asks for after every edit (tokens, folding, symbols) or which need every function's
occurrences: full semantic tokens and a delta from the last result, folding ranges,
document symbols (these four as the server sends them: JSON text), references of a function (each also timed once after opening, when it computes every function). Prints,
per request, the median and p95 of edit → answer (splice and re-parse,
diagnostics, the request) in wall and CPU seconds, and of the request alone in CPU seconds.
"""

from __future__ import annotations

import argparse
import json
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lsprotocol import types
from wat_lsp.server import code_actions, code_lens, ide_requests, navigation_requests
from wat_lsp.server.documents import Snapshot, apply_change, open_snapshot


def _timed(label: str, fn: Callable[[], Any]) -> Any:
    w, c = time.perf_counter(), time.process_time()
    result = fn()
    print(f"{label:<44} {time.perf_counter() - w:7.3f} s wall {time.process_time() - c:7.3f} s cpu")
    return result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("path", nargs="?", default="/tmp/doc.wat")
    ap.add_argument("--edits", type=int, default=0, help="time edit -> answer over N edits instead")
    ap.add_argument(
        "--requests", default="local,whole", help="with --edits: which requests (local, whole, editor)"
    )
    ap.add_argument("--newline", action="store_true", help="with --edits: type line breaks, not spaces")
    args = ap.parse_args(argv)
    text = Path(args.path).read_text(encoding="utf-8")
    print(f"{len(text.encode()):,} bytes, {text.count(chr(10)):,} lines")
    snap = _timed("open (parse, line index)", lambda: open_snapshot("file:///doc.wat", 1, text))
    if args.edits:
        return _after_edits(snap, text, args.edits, args.requests.split(","), "\n" if args.newline else " ")
    lines = text.splitlines()
    middle = len(lines) // 2
    # a `local.get $x` and a `call $f` near the middle of the document
    get = next(i for i in range(middle, len(lines)) if re.search(r"local\.get \$", lines[i]))
    call = next(i for i in range(middle, len(lines)) if re.search(r"\bcall \$", lines[i]))
    at_get = types.Position(get, lines[get].index("local.get $") + len("local.get $"))
    at_call = types.Position(call, re.search(r"\bcall \$", lines[call]).end())  # type: ignore[union-attr]
    at_op = types.Position(get, lines[get].index("local.get") + 1)
    screen = types.Range(types.Position(middle, 0), types.Position(middle + 60, 0))
    enc = "utf-16"
    _timed("hover on a local (first request: analysis)", lambda: ide_requests.hover(snap, at_get, enc))
    _timed("hover on a local (again)", lambda: ide_requests.hover(snap, at_get, enc))
    _timed("hover on an instruction", lambda: ide_requests.hover(snap, at_op, enc))
    _timed("definition of a local", lambda: ide_requests.definition(snap, at_get, enc))
    _timed("highlight of a local", lambda: ide_requests.document_highlight(snap, at_get, enc))
    _timed("semantic tokens, range (60 lines)", lambda: ide_requests.semantic_tokens_range(snap, screen, enc))
    _timed("inlay hints (60 lines)", lambda: ide_requests.inlay_hints_(snap, screen, enc))
    refs = _timed(
        "references of a function (first: index)", lambda: ide_requests.references_(snap, at_call, True, enc)
    )
    _timed("references of a function (again)", lambda: ide_requests.references_(snap, at_call, True, enc))
    full = _timed("semantic tokens, full", lambda: ide_requests.semantic_tokens_full(snap, enc))
    folds = _timed("folding ranges", lambda: ide_requests.folding_ranges(snap))
    _timed("document symbols", lambda: ide_requests.document_symbols(snap, enc))
    print(f"{len(refs)} references, {len(full.data) // 5:,} semantic tokens, {len(folds):,} folding ranges")
    return 0


def _percentile(xs: list[float], q: float) -> float:
    ordered = sorted(xs)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _after_edits(snap: Snapshot, text: str, n: int, groups: list[str], typed: str) -> int:
    enc = "utf-16"
    lines = text.splitlines()
    middle = len(lines) // 2
    get = next(i for i in range(middle, len(lines)) if re.search(r"local\.get \$", lines[i]))
    at_get = types.Position(get, lines[get].index("local.get $") + len("local.get $"))
    screen = types.Range(types.Position(get - 30, 0), types.Position(get + 30, 0))
    here = types.Range(at_get, at_get)
    # the line edited: the one after the `local.get`, inside the same function
    line = get + 1
    column = len(lines[line])
    rewrite = [types.CodeActionKind.RefactorRewrite]

    def actions(s: Snapshot, only: list[str] | None) -> Any:
        return code_actions.list_actions(code_actions.Request(s, *_bytes(s, here, enc), only, enc, True, {}))

    call = next(i for i in range(middle, len(lines)) if re.search(r"\bcall \$", lines[i]))
    at_call = types.Position(call, re.search(r"\bcall \$", lines[call]).end())  # type: ignore[union-attr]
    local: list[tuple[str, Callable[[Snapshot], Any]]] = [
        ("hover on a local", lambda s: ide_requests.hover(s, at_get, enc)),
        ("semantic tokens, range (60 lines)", lambda s: ide_requests.semantic_tokens_range(s, screen, enc)),
        ("code actions (VS Code: lazy, any kind)", lambda s: actions(s, None)),
        ("code actions (refactor.rewrite)", lambda s: actions(s, rewrite)),
    ]
    last_id = {"id": ""}  # the last result id sent, by either request

    def full(s: Snapshot) -> Any:
        result = ide_requests.semantic_tokens_full_json(s, enc)
        last_id["id"] = json.loads(result.text[: result.text.index(', "data"')] + "}")["resultId"]
        return result

    def delta(s: Snapshot) -> Any:  # as VS Code asks once it has a result id
        result = ide_requests.semantic_tokens_delta_json(s, last_id["id"], enc)
        assert '"edits"' in result.text[:100]
        last_id["id"] = json.loads(result.text)["resultId"]
        return result

    whole: list[tuple[str, Callable[[Snapshot], Any]]] = [
        ("semantic tokens, full (JSON text)", full),
        ("semantic tokens, delta (JSON text)", delta),
        ("folding ranges (JSON text)", ide_requests.folding_ranges_json),
        ("document symbols (JSON text)", lambda s: ide_requests.document_symbols_json(s, enc)),
        ("references of a function", lambda s: ide_requests.references_(s, at_call, True, enc)),
    ]
    editor = _editor_requests(snap, lines, at_get, at_call, enc)
    requests = (
        (local if "local" in groups else [])
        + (whole if "whole" in groups else [])
        + (editor if "editor" in groups else [])
    )
    _timed("diagnostics after opening", snap.diagnostics)
    _timed("analysis after opening", snap.analysis)
    opening = (whole if "whole" in groups else []) + (editor if "editor" in groups else [])
    for name, request in opening:  # what an editor asks for on opening
        _timed(f"{name} after opening", lambda: request(snap))  # noqa: B023
    total: dict[str, list[float]] = {name: [] for name, _ in requests}
    total_cpu: dict[str, list[float]] = {name: [] for name, _ in requests}
    alone: dict[str, list[float]] = {name: [] for name, _ in requests}
    diags: list[float] = []
    for i in range(n):
        name, request = requests[i % len(requests)]
        end = types.Position(line, column + i) if typed == " " else types.Position(line, column)
        change = types.TextDocumentContentChangePartial(range=types.Range(end, end), text=typed)
        w, c0 = time.perf_counter(), time.process_time()
        snap = apply_change(snap, change, enc, snap.version + 1)
        c = time.process_time()
        snap.diagnostics()
        diags.append(time.process_time() - c)
        c = time.process_time()
        request(snap)
        alone[name].append(time.process_time() - c)
        total[name].append(time.perf_counter() - w)
        total_cpu[name].append(time.process_time() - c0)
    print(f"{n} edits; diagnostics alone: median {_percentile(diags, 0.5):.3f} s cpu")
    print(
        f"{'median / p95 seconds':<40} {'edit -> answer, wall':>22} {'edit -> answer, cpu':>22}"
        f" {'request alone, cpu':>22}"
    )
    for name, _ in requests:
        cells = [
            f"{_percentile(xs, 0.5):9.3f} / {_percentile(xs, 0.95):8.3f}"
            for xs in (total[name], total_cpu[name], alone[name])
        ]
        print(f"{name:<40} {' '.join(cells)}   ({len(total[name])} runs)")
    return 0


def _editor_requests(
    snap: Snapshot, lines: list[str], at_get: types.Position, at_call: types.Position, enc: str
) -> list[tuple[str, Callable[[Snapshot], Any]]]:
    """The requests of the editor-features issue: type definition, declaration, call and type
    hierarchy, prepare rename, code lenses (listed; a reference count and a coalesce-locals
    lens resolved). Hierarchy items and lenses are made once on the first snapshot: their data
    are indices, which an edit inside a function body leaves as they are."""
    middle = len(lines) // 2
    binop = next(i for i, t in enumerate(lines) if t.startswith("  (func $binop_3 "))
    at_binop = types.Position(binop, lines[binop].index("$binop_3"))
    caller = next(i for i in range(middle, len(lines)) if "call_indirect" in lines[i])
    func = max(i for i in range(caller) if lines[i].startswith("  (func $"))
    at_func = types.Position(func, lines[func].index("$"))
    node = next(i for i, t in enumerate(lines) if "(type $node " in t)
    at_node = types.Position(node, lines[node].index("$node"))
    e: Any = enc
    binop_item = navigation_requests.prepare_call_hierarchy(snap, at_binop, e)
    callee_item = navigation_requests.prepare_call_hierarchy(snap, at_call, e)
    func_item = navigation_requests.prepare_call_hierarchy(snap, at_func, e)
    node_item = navigation_requests.prepare_type_hierarchy(snap, at_node, e)
    assert binop_item and callee_item and func_item and node_item
    listed = json.loads(code_lens.code_lenses_json(snap, e).text)
    start = {"line": func, "character": at_func.character}

    def lens(kind: str) -> types.CodeLens:
        found = next(x for x in listed if x["range"]["start"] == start and x["data"]["kind"] == kind)
        rng = types.Range(types.Position(**found["range"]["start"]), types.Position(**found["range"]["end"]))
        return types.CodeLens(range=rng, data=found["data"])

    refs, coalesce = lens("refs"), lens("coalesce")
    return [
        ("type definition (a local)", lambda s: navigation_requests.type_definition(s, at_get, e)),
        ("declaration (a call)", lambda s: navigation_requests.declaration(s, at_call, e)),
        ("prepare call hierarchy", lambda s: navigation_requests.prepare_call_hierarchy(s, at_call, e)),
        ("incoming calls (a function)", lambda s: navigation_requests.incoming_calls(s, callee_item[0], e)),
        (
            "incoming calls (a table function)",
            lambda s: navigation_requests.incoming_calls(s, binop_item[0], e),
        ),
        ("outgoing calls", lambda s: navigation_requests.outgoing_calls(s, func_item[0], e)),
        ("prepare type hierarchy", lambda s: navigation_requests.prepare_type_hierarchy(s, at_node, e)),
        ("supertypes", lambda s: navigation_requests.supertypes(s, node_item[0], e)),
        ("subtypes", lambda s: navigation_requests.subtypes(s, node_item[0], e)),
        ("prepare rename", lambda s: ide_requests.prepare_rename(s, at_get, e)),
        ("code lenses, listed (JSON text)", lambda s: code_lens.code_lenses_json(s, e)),
        ("code lens resolve: references", lambda s: code_lens.resolve(refs, lambda _: s, e)),
        ("code lens resolve: coalesce-locals", lambda s: code_lens.resolve(coalesce, lambda _: s, e)),
    ]


def _bytes(snap: Snapshot, rng: types.Range, enc: str) -> tuple[int, int]:
    return (
        snap.index.offset(rng.start.line, rng.start.character, enc),  # type: ignore[arg-type]
        snap.index.offset(rng.end.line, rng.end.character, enc),
    )  # type: ignore[arg-type]


if __name__ == "__main__":
    raise SystemExit(main())
