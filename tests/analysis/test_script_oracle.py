"""The script oracle: for every `assert_malformed`, `assert_invalid` and `assert_unlinkable`
command, our verdict (nothing reported inside the command) equals `wasm-tools wast`'s (the
directive passes), command by command (`tests/oracles/script_oracle.py`).

Scripts: the spec suite (root, legacy/, custom/, proposals/) and `tests/analysis/scripts/`.
Every command where either side does not see what the script expects, and every script
wasm-tools cannot split, is listed in `script_differences.toml` with the spec text or the
reason that decides it; an unlisted one fails, and so does a listed one that no longer occurs.

Every script runs (~13 s of CPU with no cache, ~3 s with wasm-tools' answers cached by
`cache_dir()`). The per-command report goes to `.pytest_cache/script_oracle.txt`.
"""

from __future__ import annotations

import tomllib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tests.corpus import ROOT, core_files, proposal_files
from tests.oracles.script_oracle import CommandResult, compare, wast_verdict

HERE = Path(__file__).resolve().parent
OWN = HERE / "scripts"
DIFFERENCES = HERE / "script_differences.toml"


def _name(path: Path) -> str:
    return f"own/{path.name}" if path.parent == OWN else str(path.relative_to(ROOT))


def _listed() -> tuple[dict[tuple[str, int], str], dict[str, str]]:
    raw = tomllib.loads(DIFFERENCES.read_text())
    lines: dict[tuple[str, int], str] = {}
    for entry in raw.get("difference", []):
        assert entry["kind"] and entry["reason"] and entry["decided_by"], entry
        for line in entry["lines"]:
            lines[(entry["file"], line)] = entry["kind"]
    unreadable = {e["file"]: e["reason"] for e in raw.get("unreadable", [])}
    return lines, unreadable


def _scripts() -> list[Path]:
    return core_files() + proposal_files() + sorted(OWN.glob("*.wast"))


def _line(name: str, r: CommandResult) -> str:
    ours = "ok" if r.ours_as_expected else f"reports {r.ours}"
    theirs = "ok" if r.theirs_as_expected else f"fails: {r.theirs}"
    return f"{name}:{r.line}: {r.type}: wat-lsp {ours}; wasm-tools {theirs}"


def test_script_verdicts_equal_wasm_tools() -> None:
    listed, unreadable = _listed()
    paths = _scripts()
    with ThreadPoolExecutor(max_workers=2) as pool:
        verdicts = list(pool.map(wast_verdict, paths))
    report: list[str] = []
    problems: list[str] = []
    seen: set[tuple[str, int]] = set()
    agreeing = commands = 0
    for path, verdict in zip(paths, verdicts, strict=True):
        name = _name(path)
        if verdict.error:
            report.append(f"{name}: wasm-tools cannot split it: {verdict.error.splitlines()[0]}")
            if name not in unreadable:
                problems.append(f"{name}: wasm-tools cannot read it, not listed: {verdict.error[:300]}")
            continue
        if name in unreadable:
            problems.append(f"{name}: listed as unreadable, but wasm-tools reads it now")
        for r in compare(path, verdict):
            commands += 1
            report.append(_line(name, r))
            if r.ours_as_expected and r.theirs_as_expected:
                agreeing += 1
                continue
            seen.add((name, r.line))
            if (name, r.line) not in listed:
                what = "disagreement" if not r.agrees else "both differ from the script"
                problems.append(f"{what}, not listed: {_line(name, r)}")
    checked = {_name(p) for p in paths}
    for name, line in sorted(listed):
        if name in checked and (name, line) not in seen:
            problems.append(
                f"{name}:{line}: listed in {DIFFERENCES.name}, but both now see what the script expects"
            )
    Path(".pytest_cache").mkdir(exist_ok=True)
    summary = f"{len(paths)} scripts, {commands} judged commands, {agreeing} as expected by both"
    Path(".pytest_cache/script_oracle.txt").write_text("\n".join([summary, *report]) + "\n")
    assert commands > 1000, summary
    assert not problems, "\n".join(problems)


def test_compare_reads_both_sides(tmp_path: Path) -> None:
    """Per command, matched by line across a multi-line command: who sees what the script
    expects, with our first error and wasm-tools' cause."""
    script = tmp_path / "s.wast"
    script.write_text(
        '(assert_invalid (module (func)) "type mismatch")\n'
        "(assert_malformed\n"
        '  (module quote "(func i32.const 0x)")\n'
        '  "unknown operator")\n'
        '(assert_malformed (module (func else)) "else")\n'
    )
    got = compare(script, wast_verdict(script))
    expectation = (
        "[expectation] the script expects this module to be invalid, but wat-lsp validates it without error"
    )
    assert got == [
        CommandResult(
            1,
            "assert_invalid",
            False,
            False,
            expectation,
            "encoded and validated successfully but should have failed with: type mismatch",
        ),
        CommandResult(3, "assert_malformed", True, True, "", ""),
        CommandResult(5, "assert_malformed", True, True, "", ""),
    ]
