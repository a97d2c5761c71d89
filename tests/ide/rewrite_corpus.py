"""Every rewrite applied at every place it applies in a module, checked by wasm-tools: the output
validates, and (names aside: `wasm-tools strip`) parses to the same binary as the input."""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Callable, Collection, Hashable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from wat_lsp.analysis.document import analyse
from wat_lsp.analysis.ide.rewrites.registry import REWRITES
from wat_lsp.passes.edits import TextEdit, apply_edits

from tests.oracles import wasmtools


def offsets(data: bytes) -> Iterator[int]:
    """A cursor on every token: the start of each leaf of the syntax tree (iteratively)."""
    cur = analyse(data).tree.walk()
    while True:
        node = cur.node
        assert node is not None
        if node.child_count == 0:
            yield node.start_byte
        if cur.goto_first_child() or cur.goto_next_sibling():
            continue
        while cur.goto_parent():
            if cur.goto_next_sibling():
                break
        else:
            return


# The rewrites whose places clash when their texts are the same: two `export_as` adding the
# same export name (a function and a global both named `$x`) are each valid, not together.
CLASH_BY_TEXT = frozenset({"export_as"})


def disjoint(edits: Iterable[tuple[TextEdit, ...]], by_text: bool = False) -> list[list[TextEdit]]:
    """The edit sets, distinct, packed into rounds of sets that do not overlap one another
    (and, `by_text`, insert no text another set of the round inserts)."""
    rounds: list[tuple[list[TextEdit], list[tuple[int, int]], set[str]]] = []
    for group in sorted(set(edits)):
        lo, hi = min(e.start for e in group), max(e.end for e in group)
        texts = {e.new_text for e in group} if by_text else set()
        for out, taken, written in rounds:
            if all(hi <= a or b <= lo for a, b in taken) and not texts & written:
                out.extend(group)
                taken.append((lo, hi))
                written |= texts
                break
        else:
            rounds.append((list(group), [(lo, hi)], texts))
    return [out for out, _, _ in rounds]


@dataclass
class Report:
    applied: Counter[str] = field(default_factory=Counter)  # rewrite -> places
    failures: list[str] = field(default_factory=list)


def _stripped(wat: bytes) -> bytes | str:
    """The binary without custom sections, or wasm-tools' complaint."""
    try:
        return wasmtools.strip(wat)
    except wasmtools.WasmToolsError as e:
        return str(e)


_STRING = r'"(?:[^"\\]|\\.)*"'
_GROUP = re.compile(rf"module: ({_STRING}), (?:type: (.*), )?count: \d+$")
_IMPORT = re.compile(r"import \[\w+ \d+\] (.*)$")
_FULL = re.compile(rf"Import {{ module: ({_STRING}), name: ({_STRING}), ty: (.*) }}$")
_COMPACT = re.compile(rf"ImportItemCompact {{ name: ({_STRING}), ty: (.*) }}$")


def imports_apart(wat: bytes) -> tuple[list[bytes], list[tuple[str, str, str]]] | str:
    """The stripped binary's sections but the import section, and its imports as (module,
    name, type) whatever the encoding (`wasm-tools dump` shows compact groups and plain
    imports alike), or wasm-tools' complaint."""
    try:
        wasm = wasmtools.strip(wat)
        shown = wasmtools.dump(wasm)
    except wasmtools.WasmToolsError as e:
        return str(e)
    sections: list[bytes] = []
    at = 8
    while at < len(wasm):
        sid, size, shift, k = wasm[at], 0, 0, at + 1
        while True:
            byte = wasm[k]
            size |= (byte & 0x7F) << shift
            shift, k = shift + 7, k + 1
            if byte < 0x80:
                break
        if sid != 2:
            sections.append(wasm[at : k + size])
        at = k + size
    imports: list[tuple[str, str, str]] = []
    module, shared = "", ""
    for line in shown.splitlines():
        parts = line.split(" | ", 2)
        what = parts[2].strip() if len(parts) == 3 else ""
        if (g := _GROUP.match(what)) is not None:
            module, shared = g.group(1), g.group(2) or ""
        elif (i := _IMPORT.match(what)) is not None:
            rest = i.group(1)
            if (f := _FULL.match(rest)) is not None:
                imports.append((f.group(1), f.group(2), f.group(3)))
            elif (c := _COMPACT.match(rest)) is not None:
                imports.append((module, c.group(1), c.group(2)))
            else:
                imports.append((module, rest, shared))
    return sections, imports


# rewrite -> what must stay the same, where it is not the whole binary (`same_binary`): the
# compact import forms are encoded as written
SAME_MEANING: dict[str, Callable[[bytes], object]] = {
    "inline_extern_type": imports_apart,
    "expand_compact_import": imports_apart,
}


def check(modules: Iterable[tuple[str, bytes]], jobs: int = 2, only: Collection[str] | None = None) -> Report:
    """Apply every rewrite (or those named in `only`) at every place in each of `modules`
    (valid ones), and check each output with wasm-tools; one module at a time, so memory stays
    that of one module."""
    chosen = [r for r in REWRITES.values() if only is None or r.name in only]
    report = Report()

    @functools.lru_cache(maxsize=4)  # the module being checked: once, not once per round
    def stripped_before(before: bytes) -> bytes | str:
        return _stripped(before)

    def one(item: tuple[str, str, bytes, bytes]) -> str | None:
        label, name, before, after = item
        valid = wasmtools.validate(after)
        if not valid.ok:
            return f"{label}: {name}: invalid output: {valid.reason}\n{after.decode()}"
        if REWRITES[name].same_binary and stripped_before(before) != _stripped(after):
            return f"{label}: {name}: the binary changed\n{after.decode()}"
        same = SAME_MEANING.get(name)
        if same is not None and same(before) != same(after):
            return f"{label}: {name}: the module changed\n{after.decode()}"
        return None

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        for label, data in modules:
            doc = analyse(data)
            found: dict[str, set[tuple[TextEdit, ...]]] = {}
            targets: dict[str, set[Hashable]] = {}  # rewrite -> the targets already asked
            for offset in offsets(data):
                for r in chosen:
                    if r.target is not None:
                        target = r.target(doc, offset)
                        seen = targets.setdefault(r.name, set())
                        if target is None or target in seen:
                            continue
                        seen.add(target)
                    if r.applies(doc, offset):
                        edits = tuple(sorted(r.edits(doc, offset)))
                        if not edits:
                            report.failures.append(f"{label}: {r.name} applies at {offset} but has no edits")
                        found.setdefault(r.name, set()).add(edits)
            work: list[tuple[str, str, bytes, bytes]] = []
            for name, groups in found.items():
                report.applied[name] += len(groups)
                for packed in disjoint(groups, by_text=name in CLASH_BY_TEXT):
                    work.append((label, name, data, apply_edits(data, packed)))
            report.failures += [f for f in pool.map(one, work) if f is not None]
    return report


def valid_modules(named: Iterable[tuple[str, bytes]], jobs: int = 2) -> list[tuple[str, bytes]]:
    """The modules of the scripts in `named` that wasm-tools validates, each as its own text."""
    texts: list[tuple[str, bytes]] = []
    for label, data in named:
        doc = analyse(data)
        for i, m in enumerate(doc.modules):
            if (m.kind == "text" and not m.expects_failure and m.expect is None) or (
                m.kind == "text" and m.expect in ("assert_trap", "assert_unlinkable")
            ):
                texts.append((f"{label}#{i}", data[m.span.start : m.span.end]))
    results = wasmtools.validate_many([t for _, t in texts], jobs=jobs)
    return [t for t, r in zip(texts, results, strict=True) if r.ok]


def rewritten(modules: list[tuple[str, bytes]], name: str) -> list[tuple[str, bytes]]:
    """The modules where `name` applies, with it applied at every place of the first round
    (to check the reverse rewrite on them)."""
    out: list[tuple[str, bytes]] = []
    r = REWRITES[name]
    for label, data in modules:
        doc = analyse(data)
        places = offsets(data)
        if r.target is not None:  # one offset per target
            targets = {r.target(doc, o): o for o in reversed(list(offsets(data)))}
            places = iter(sorted(o for t, o in targets.items() if t is not None))
        groups = [tuple(sorted(r.edits(doc, o))) for o in places if r.applies(doc, o)]
        if groups:
            out.append((f"{label} after {name}", apply_edits(data, disjoint(groups)[0])))
    return out
