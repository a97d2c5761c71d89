"""The script oracle: per `assert_malformed`, `assert_invalid` and `assert_unlinkable` command,
does `wasm-tools wast` see what the script expects, and do we?

wasm-tools' side comes from two runs per script: `wasm-tools json-from-wast` (its split of the
script into commands, with their lines and types) and `wasm-tools wast --features all
--ignore-error-messages` (which directives fail). Every feature is on because we validate
everything as on (features a script turns off are out of scope, docs/diagnostics.md);
messages are ignored because we do not match them. Both runs are cached by the wasm-tools
version and the script's bytes (`cache_dir()/script-oracle`).

Our side: the document's error diagnostics inside the command's own text. We agree with the
script on a command when we report nothing there (an `assert_malformed`/`assert_invalid`
module failed, an `assert_unlinkable` module read and validated cleanly).
"""

from __future__ import annotations

import bisect
import hashlib
import json
import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from wat_lsp.analysis.diagnostics import Severity
from wat_lsp.analysis.document import analyse

from tests.oracles.wasmtools import cache_dir, version, wasm_tools_exe

JUDGED = ("assert_malformed", "assert_invalid", "assert_unlinkable")
WAST_FLAGS = ("--features", "all", "--ignore-error-messages")
_FAILED = re.compile(r"^failed directive on .*:(\d+):(\d+)$", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class WastCommand:
    type: str
    line: int
    module_type: str  # "binary" (encoded by wasm-tools) or "text" (a quoted module)


@dataclass(frozen=True, slots=True)
class WastVerdict:
    """What wasm-tools says of one script: its commands, and the failed directives' lines with
    the cause; `error` when it cannot split the script at all."""

    commands: tuple[WastCommand, ...]
    failed: dict[int, str]
    error: str = ""


@dataclass(frozen=True, slots=True)
class CommandResult:
    line: int
    type: str
    theirs_as_expected: bool  # wasm-tools sees what the script expects
    ours_as_expected: bool  # we report nothing inside the command
    ours: str  # our first error there, or ""
    theirs: str  # wasm-tools' cause, or ""

    @property
    def agrees(self) -> bool:
        return self.theirs_as_expected == self.ours_as_expected


def _run(args: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [wasm_tools_exe(), *args], capture_output=True, text=True, errors="replace", check=False, timeout=300
    )


def _compute(path: Path) -> WastVerdict:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "script.json"
        split = _run(["json-from-wast", str(path), "-o", str(out), "--wasm-dir", tmp])
        if split.returncode != 0:
            return WastVerdict((), {}, split.stderr.strip())
        listing = json.loads(out.read_text())
    commands = tuple(
        WastCommand(c["type"], int(c["line"]), c.get("module_type", ""))
        for c in listing["commands"]
        if c["type"] in JUDGED
    )
    run = _run(["wast", *WAST_FLAGS, str(path)])
    failed: dict[int, str] = {}
    if run.returncode != 0:
        blocks = _FAILED.split(run.stderr)
        # [before, line, col, text, line, col, text, ...]
        for k in range(1, len(blocks) - 2, 3):
            cause = blocks[k + 2].split("Caused by:", 1)[-1].strip().split("\n--------")[0]
            failed[int(blocks[k])] = " ".join(cause.split())
    return WastVerdict(commands, failed)


def wast_verdict(path: Path) -> WastVerdict:
    """wasm-tools' verdict on the script at `path` (cached)."""
    data = path.read_bytes()
    key = hashlib.sha256(f"{version()} {WAST_FLAGS}".encode() + b"\0" + data).hexdigest()[:24]
    cached = cache_dir() / "script-oracle" / f"{key}.json"
    if cached.is_file():
        raw = json.loads(cached.read_text())
        return WastVerdict(
            tuple(WastCommand(*c) for c in raw["commands"]),
            {int(k): v for k, v in raw["failed"].items()},
            raw["error"],
        )
    verdict = _compute(path)
    cached.parent.mkdir(parents=True, exist_ok=True)
    raw_out = {
        "commands": [[c.type, c.line, c.module_type] for c in verdict.commands],
        "failed": verdict.failed,
        "error": verdict.error,
    }
    tmp = cached.with_suffix(".tmp")
    tmp.write_text(json.dumps(raw_out))
    tmp.replace(cached)  # whole files only, for parallel runs
    return verdict


def compare(path: Path, verdict: WastVerdict) -> list[CommandResult]:
    """Our verdict beside wasm-tools' for each judged command of the script. wasm-tools gives a
    command the line of its module and a failed directive the line of the directive; both are
    matched to our top-level form spanning that line (the k-th on the line for the k-th
    command given that line)."""
    data = path.read_bytes()
    doc = analyse(data)
    forms = [
        (n.start_point[0] + 1, n.end_point[0] + 1, n.start_byte, n.end_byte)
        for n in doc.tree.root_node.named_children
    ]
    firsts = [f[0] for f in forms]

    def forms_at(line: int) -> list[int]:
        k = bisect.bisect_right(firsts, line) - 1
        out: list[int] = []
        while k >= 0 and forms[k][1] >= line:
            out.append(k)
            k -= 1
        return out[::-1]

    failed: dict[int, str] = {}
    for line, cause in verdict.failed.items():
        for k in forms_at(line)[:1]:
            failed[k] = cause
    errors = sorted(
        (d.span.start, f"[{d.code}] {d.message}") for d in doc.diagnostics if d.severity == Severity.ERROR
    )
    starts = [e[0] for e in errors]
    seen: dict[int, int] = {}
    results: list[CommandResult] = []
    for c in verdict.commands:
        nth = seen.get(c.line, 0)
        seen[c.line] = nth + 1
        at = forms_at(c.line)
        if not at:
            results.append(CommandResult(c.line, c.type, True, False, "no form of ours spans this line", ""))
            continue
        k = at[min(nth, len(at) - 1)]
        lo = bisect.bisect_left(starts, forms[k][2])
        ours = errors[lo][1] if lo < len(errors) and errors[lo][0] < forms[k][3] else ""
        theirs = failed.get(k, "")
        results.append(CommandResult(c.line, c.type, not theirs, not ours, ours, theirs))
    return results
