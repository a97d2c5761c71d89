"""Fuzz: random edits against open documents; after each settle, the server's diagnostics are
exactly what `wat-lsp --check --format json` says about the same text.

Seeded and bounded: about 2,500 edits over ~150 settles (~30 s). Documents start from the spec
suite (a whole `.wast` script and the first module of others) and examples/shapes.wat. Edits
are insertions of valid snippets, paren soup and garbage (NUL, non-ASCII, CRLF, comment and
string delimiters), deletions and replacements, mostly inside function bodies (where the
server re-analyses one function at a time), and now and then the whole text reset. Each round
edits one document several times quickly, then waits for the diagnostics of its last version
(only that version may be published). The comparison runs `--check`'s core in process
(`analyse` + `output.lsp_diagnostic`, exactly what `check_file` and `run_check` do) after every
settle, and the real CLI in a subprocess after some.
"""

from __future__ import annotations

import functools
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types
from pygls.protocol import default_converter
from pytest_lsp import LanguageClient
from wat_lsp.analysis.document import analyse
from wat_lsp.analysis.positions import LineIndex
from wat_lsp.analysis.syntax import parse
from wat_lsp.server import code_actions
from wat_lsp.server.diagnostics import pushed_diagnostics
from wat_lsp.server.documents import apply_change, open_snapshot

from tests.corpus import ROOT as SUITE
from wat_lsp.output import file_uri, lsp_diagnostic

ROOT = Path(__file__).resolve().parents[2]
CONVERTER = default_converter()
SEED = int(os.environ.get("WAT_LSP_FUZZ_SEED", "20261122"))  # another seed explores further
ROUNDS = 150
CLI_EVERY = 30  # rounds between runs of the real CLI

SNIPPETS = ["(i32.const 1)", "(local.get 0)", "(drop)", "nop", " ", "\n", "(block (result i32) (i32.const 7))",
            "local.set $x", "(local.tee 0 (i32.const 2))", "(return)", "unreachable", "(br 0)", "i32.add",
            "(f64.const 0x1p-3)", "(ref.null func)", "(if (then))", "end", "(loop $l (br_if $l (i32.const 0)))",
            "(local $z i64)", "(call 0)", "$x", "0", "9", "-", "."]  # fmt: skip
SOUP = ["(", ")", "((", "))", "(;", ";)", ";;", '"', "\\", "$", "@", "(module", "(func", "))))"]
GARBAGE = ["\x00", "é", "🙂", "ünï", "\u2028", "\r\n", "\t", "\x7f", "\ufeff", "中文", "\U0010fffd", "`", "#"]


def _sources() -> list[tuple[str, str]]:
    shapes = (ROOT / "examples" / "shapes.wat").read_text(encoding="utf-8")
    out = [("shapes.wat", shapes)]
    if not SUITE.is_dir():  # without the spec suite: our own GC modules instead
        gc = sorted((ROOT / "tests" / "gc_modules").glob("*.wat"))
        return out + [(p.name, p.read_text(encoding="utf-8")) for p in gc[:4]]
    out.append(("local_init.wast", (SUITE / "local_init.wast").read_text(encoding="utf-8")))
    for name in ("local_get.wast", "call.wast", "br_if.wast"):
        data = (SUITE / name).read_bytes()
        module = next(c for c in parse(data).root_node.named_children if c.type == "module")
        out.append((name.replace(".wast", ".wat"), data[module.start_byte : module.end_byte].decode()))
    return out


def _expected(text: str, uri: str) -> list[str]:
    """`--check --format json`'s diagnostics for `text`, as canonical JSON strings, sorted (the
    incremental path may order diagnostics with equal ranges differently)."""
    data = text.encode("utf-8")
    index = LineIndex(data)
    return sorted(
        json.dumps(lsp_diagnostic(d, index, uri), sort_keys=True) for d in analyse(data).diagnostics
    )


def _canonical(diagnostics: list[Any]) -> list[str]:
    return sorted(json.dumps(d, sort_keys=True) for d in CONVERTER.unstructure(list(diagnostics)))


@functools.cache
def _every_severity() -> list[str]:
    """`--check` hides hints by default; the server publishes every severity."""
    help_text = subprocess.run(
        [sys.executable, "-m", "wat_lsp", "--help"], capture_output=True, text=True
    ).stdout
    return ["--min-severity", "hint"] if "--min-severity" in help_text else []


def _cli(path: Path) -> list[str]:
    """The real `wat-lsp --check --format json`, at every severity."""
    args = [sys.executable, "-m", "wat_lsp", "--check", "--format", "json", *_every_severity(), str(path)]
    proc = subprocess.run(args, capture_output=True, text=True, timeout=60)
    assert proc.returncode in (0, 1), proc.stderr
    (entry,) = json.loads(proc.stdout)
    return sorted(json.dumps(d, sort_keys=True) for d in entry["diagnostics"])


class Text:
    """The client's copy of a document and the random edits made to it."""

    def __init__(self, rng: random.Random, original: str) -> None:
        self.rng, self.original, self.text = rng, original, original

    def position(self, offset: int) -> types.Position:
        line = self.text.count("\n", 0, offset)
        start = self.text.rfind("\n", 0, offset) + 1
        return types.Position(line, len(self.text[start:offset].encode("utf-16-le")) // 2)

    def _offset(self) -> int:
        """Mostly inside a function body; never between CR and LF (no LSP position is there)."""
        rng, text = self.rng, self.text
        at = rng.randrange(len(text) + 1)
        if rng.random() < 0.7:
            funcs = [i for i in range(0, len(text), 1) if text.startswith("(func", i)][:200]
            if funcs:
                start = rng.choice(funcs)
                at = min(len(text), start + rng.randrange(5, 200))
        while 0 < at < len(text) and text[at - 1] == "\r" and text[at] == "\n":
            at -= 1
        return at

    def _end(self, start: int, longest: int) -> int:
        end = min(len(self.text), start + self.rng.randrange(0, longest))
        while start < end < len(self.text) and self.text[end - 1] == "\r" and self.text[end] == "\n":
            end += 1
        return end

    def edit(self, mode: str) -> types.TextDocumentContentChangeEvent:
        rng = self.rng
        if mode == "reset":
            self.text = self.original
            return types.TextDocumentContentChangeWholeDocument(text=self.text)
        start = self._offset()
        if mode == "delete":
            end, new = self._end(start, rng.choice([2, 10, 80])), ""
        else:
            pool = {"snippet": SNIPPETS, "soup": SOUP, "garbage": GARBAGE + SOUP}[mode]
            new = "".join(rng.choice(pool) for _ in range(rng.choice([1, 1, 2, 4])))
            end = self._end(start, 3) if rng.random() < 0.3 else start
        change = types.TextDocumentContentChangePartial(
            range=types.Range(self.position(start), self.position(end)), text=new
        )
        self.text = self.text[:start] + new + self.text[end:]
        return change


async def _settle(client: LanguageClient, uri: str, version: int) -> list[types.Diagnostic]:
    """The diagnostics of `version`. An earlier version of the round may come first (when
    the server analysed it before the next edit arrived), never one of another document."""
    last = 0
    while True:
        params: types.PublishDiagnosticsParams = await client.wait_for_notification(
            types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS
        )
        assert params.uri == uri, (params.uri, uri)
        assert params.version is not None and last < params.version <= version, (
            params.version,
            last,
            version,
        )
        last = params.version
        if params.version == version:
            return list(params.diagnostics)


@pytest.mark.asyncio
async def test_random_edits_match_check(client: LanguageClient, tmp_path: Path) -> None:
    rng = random.Random(SEED)
    docs: list[tuple[str, Path, Text, list[int]]] = []
    for name, text in _sources():
        path = tmp_path / name
        uri = file_uri(str(path))
        client.text_document_did_open(
            types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "wat", 1, text))
        )
        assert _canonical(await _settle(client, uri, 1)) == _expected(text, uri)
        docs.append((uri, path, Text(rng, text), [1]))
    steps = cli_runs = 0
    started = time.monotonic()
    for round_ in range(ROUNDS):
        uri, path, doc, version = rng.choice(docs)
        mode = rng.choices(["snippet", "soup", "garbage", "delete", "reset"], [10, 3, 2, 4, 1])[0]
        for _ in range(1 if mode == "reset" else rng.randrange(1, 30)):
            version[0] += 1
            steps += 1
            change = doc.edit(mode if rng.random() < 0.8 else "snippet")
            client.text_document_did_change(
                types.DidChangeTextDocumentParams(
                    types.VersionedTextDocumentIdentifier(version=version[0], uri=uri), [change]
                )
            )
        published = _canonical(await _settle(client, uri, version[0]))
        expected = _expected(doc.text, uri)
        assert published == expected, f"round {round_}, {uri} version {version[0]}:\n{doc.text}"
        if round_ % CLI_EVERY == 0:
            path.write_text(doc.text, encoding="utf-8", newline="")
            assert _cli(path) == published
            cli_runs += 1
    errors = [m.message for m in client.log_messages if m.type == types.MessageType.Error]
    assert errors == []
    assert steps >= 2000 and cli_runs >= 5
    print(f"{steps} edits, {ROUNDS} settles, {cli_runs} CLI runs in {time.monotonic() - started:.1f} s")


def test_reused_pushes_equal_fresh_ones() -> None:
    """In process, every step: a push that reuses the previous push's JSON for the text no edit
    touched equals one computed afresh (and reuse happens)."""
    rng = random.Random(SEED + 1)
    reused = 0
    for name, original in _sources()[:3]:
        text = Text(rng, original)
        snap = open_snapshot(file_uri(name), 1, original)
        last = None
        for version in range(2, 120):
            mode = rng.choices(["snippet", "soup", "garbage", "delete", "reset"], [10, 3, 2, 4, 1])[0]
            snap = apply_change(snap, text.edit(mode), "utf-16", version)
            if rng.random() < 0.3:
                continue  # edits between pushes accumulate
            items, converted = pushed_diagnostics(snap, "utf-16", {}, last)
            fresh, _ = pushed_diagnostics(snap, "utf-16", {})
            assert items == fresh, (name, version)
            assert sorted(json.dumps(json.loads(item), sort_keys=True) for item in items) == _expected(
                text.text, snap.uri
            )
            if last is not None:
                before = {id(item) for item in last.items.values()}
                reused += any(id(item) in before for item in items)
            last = converted
    assert reused > 50


def test_reuse_after_a_deletion_at_a_line_start() -> None:
    """Deleting the first characters of a line moves that line's diagnostics left: the push
    must not reuse their old columns."""
    text = "(module\n  (func\n  nop (i32.const 1) i32)))\n"
    snap = open_snapshot("untitled:a.wat", 1, text)
    _, last = pushed_diagnostics(snap, "utf-16", {})
    change = types.TextDocumentContentChangePartial(
        range=types.Range(types.Position(2, 0), types.Position(2, 2)), text=""
    )
    snap = apply_change(snap, change, "utf-16", 2)
    items, _ = pushed_diagnostics(snap, "utf-16", {}, last)
    assert items == pushed_diagnostics(snap, "utf-16", {})[0]
    # (no stack-height error for the function: its syntax error makes it partial)
    assert [json.loads(i)["range"]["start"]["character"] for i in items] == [18, 23]


def test_code_actions_on_random_text() -> None:
    """In process: listing and resolving every code action, lazily and eagerly, at random
    places of randomly edited documents never fails, and every edit lies inside the text."""
    rng = random.Random(SEED + 2)
    checked = 0
    for name, original in _sources():
        text = Text(rng, original)
        snap = open_snapshot(file_uri(name), 1, original)
        # Version 1, the intact source, gets the refactorings too (the menu lists no pass in a
        # module with errors, which most random edits make).
        for version in range(1, 30):
            if version > 1:
                snap = apply_change(
                    snap, text.edit(rng.choice(["snippet", "soup", "garbage", "delete"])), "utf-16", version
                )
            if version % 7 and version != 1:
                continue
            for at in rng.sample(range(len(snap.data) + 1), 8 if version == 1 else 1):
                for lazy in (True, False):
                    request = code_actions.Request(snap, at, at, None, "utf-16", lazy, {})
                    for action in code_actions.list_actions(request):
                        if action.edit is None:
                            action = code_actions.resolve(action, {snap.uri: snap}.get, "utf-16")
                        assert action.edit is not None and action.edit.changes is not None
                        for edit in action.edit.changes[snap.uri]:
                            assert edit.range.end.line < snap.index.line_count
                        checked += 1
    assert checked > 100
