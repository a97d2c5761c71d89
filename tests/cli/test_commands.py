"""The command line's two spellings (subcommands and flags) and what CI needs of it: output
formats, the summary line, `--version`, a closed pipe, folders without WAT files, `fix` and
`--severity`, several files to fix, the pre-commit hooks. Exact outputs and exit statuses."""

from __future__ import annotations

import importlib.util
import io
import json
import re
import signal
import subprocess
import sys
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from wat_lsp.analysis.diagnostics import CODES

from tests.cli.server_probe import initialize
from wat_lsp.cli import COMMANDS, main

ROOT = Path(__file__).resolve().parents[2]
SHAPES = ROOT / "examples" / "shapes.wat"
# The SARIF 2.1.0 schema as the SARIF SDK ships it: npm @microsoft/sarif-multitool-linux@5.7.0,
# file package/sarif-2.1.0.json (MIT), unchanged.
SARIF_SCHEMA = Path(__file__).with_name("sarif-schema-2.1.0.json")

BAD3 = b"(module\n  (func (result i32)\n    (i64.const 1)))\n"  # an error in line 3
LIVE = b"""(module
  (func (param $p i32) (local $x i32) (local $y i32)
    (local.set $y (i32.const 1))
    (local.set $p (i32.const 2))))
"""
CLEAN = b"(module (func (result i32) i32.const 1))\n"


Run = Callable[..., tuple[int | str | None, str, str]]


@pytest.fixture
def files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder of examples, the current directory of the test."""
    (tmp_path / "bad.wat").write_bytes(BAD3)
    (tmp_path / "live.wat").write_bytes(LIVE)
    (tmp_path / "ok.wat").write_bytes(CLEAN)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def run(files: Path, capsys: pytest.CaptureFixture[str]) -> Run:
    """`wat-lsp ARGS...` in process, in `files`: exit status, stdout, stderr."""

    def call(*args: str) -> tuple[int | str | None, str, str]:
        try:
            code: int | str | None = main(list(args))
        except SystemExit as e:  # argparse: --help, --version, usage errors
            code = e.code
        out, err = capsys.readouterr()
        return code, out, err

    return call


# --------------------------------------------------------------- the two spellings


@pytest.mark.parametrize(
    ("command", "flags"),
    [
        (["check", "bad.wat", "live.wat"], ["--check", "bad.wat", "live.wat"]),
        (["check", "--output-format", "json", "ok.wat"], ["--check", "--format", "json", "ok.wat"]),
        (["fix", "shapes.wat"], ["--fix", "shapes.wat"]),
        (
            ["pass", "reorder-locals,coalesce-locals", "live.wat"],
            ["--pass", "reorder-locals,coalesce-locals", "live.wat"],
        ),
        (["pass", "--list"], ["--list-passes"]),
    ],
)
def test_subcommands_do_what_the_flags_do(
    run: Run, files: Path, command: list[str], flags: list[str]
) -> None:
    (files / "shapes.wat").write_bytes(SHAPES.read_bytes())
    assert run(*command) == run(*flags)


def test_help_shows_both_spellings(run: Run, files: Path) -> None:
    code, out, _ = run("--help")
    assert code == 0
    assert out.startswith(
        "usage: wat-lsp COMMAND [options] PATH...\n"
        "       wat-lsp --check|--fix|--pass|--list-passes [options] PATH...\n"
        "       wat-lsp [server]\n"
    )
    for command in COMMANDS:
        assert f"\n  {command} " in out
    for flag in ("--check", "--fix", "--pass NAME[,NAME...]", "--list-passes", "--stdio", "--output-format"):
        assert flag in out
    for command in COMMANDS:
        if command != "format":
            code, out, _ = run(command, "--help")
            assert (code, out.startswith(f"usage: wat-lsp {command} ")) == (0, True)


def test_command_usage_errors(run: Run, files: Path) -> None:
    code, _, err = run("check")
    assert (code, err.splitlines()[-1]) == (
        2,
        "wat-lsp check: error: the following arguments are required: PATH",
    )
    code, _, err = run("pass", "live.wat")
    assert (code, err.splitlines()[-1]) == (
        2,
        "wat-lsp pass: error: expected the pass names and at least one PATH (see --list)",
    )
    assert run("pass", "nope", "live.wat") == (
        2,
        "",
        "wat-lsp: unknown pass 'nope' (see `wat-lsp pass --list`)\n",
    )
    code, _, err = run("check", "-j", "0", "ok.wat")
    assert (code, err.splitlines()[-1]) == (
        2,
        "wat-lsp check: error: argument -j/--jobs: expected a number of processes (1 or more), got '0'",
    )


def test_format_command(run: Run, files: Path) -> None:
    """`format` runs `wat_lsp.format_command` where it exists, and says so where it does not."""
    if importlib.util.find_spec("wat_lsp.format_command") is None:
        assert run("format", "ok.wat") == (
            2,
            "",
            "wat-lsp: format is not available in this version of wat-lsp\n",
        )
    else:
        assert run("format", "--help")[0] == 0


def test_server_command_answers_initialize() -> None:
    """(`--stdio` and no arguments: every server test.)"""
    answer, status = initialize([sys.executable, "-m", "wat_lsp", "server", "--stdio"])
    assert answer["result"]["serverInfo"]["name"] == "wat-lsp"
    assert "diagnosticProvider" in answer["result"]["capabilities"]
    assert status == 0


def test_version(run: Run, files: Path) -> None:
    assert run("--version") == (0, f"wat-lsp {metadata.version('wat-lsp')}\n", "")


# ------------------------------------------------------------------- summary line


def test_summary_line(run: Run, files: Path) -> None:
    code, out, err = run("check", "--min-severity", "hint", "bad.wat", "live.wat", "ok.wat")
    assert (code, err) == (1, "")
    assert out.splitlines()[-1] == "Found 1 error, 2 warnings and 1 hint in 2 of 3 files."
    assert run("check", "live.wat")[1].splitlines()[-1] == "Found 2 warnings in 1 file."
    assert run("check", "ok.wat", "ok.wat") == (0, "All checks passed (2 files).\n", "")
    assert run("check", "--min-severity", "error", "live.wat") == (
        0,
        "All checks passed (1 file).\n",
        "",
    )
    assert run("check", "-q", "ok.wat") == (0, "", "")
    (files / "m.wat").write_bytes(b"\0asm\x01\0\0\0")
    assert run("check", "ok.wat", "m.wat") == (
        2,
        "All checks passed (1 file). 1 file could not be checked.\n",
        "wat-lsp: m.wat: binary module; expected text (use `wasm-tools print` to get WAT)\n",
    )
    # Machine formats carry no summary.
    assert json.loads(run("check", "--output-format", "json", "ok.wat")[1]) == [
        {"uri": (files / "ok.wat").as_uri(), "diagnostics": []}
    ]
    assert run("check", "--output-format", "github", "ok.wat") == (0, "", "")


# ------------------------------------------------------------------------- github


def test_github_annotations(run: Run, files: Path) -> None:
    code, out, err = run(
        "check", "--output-format", "github", "--min-severity", "hint", "bad.wat", "live.wat"
    )
    assert (code, err) == (1, "")
    assert out.splitlines() == [
        "::error title=wat-lsp (type-mismatch),file=bad.wat,line=3,col=18,endLine=3,endColumn=19::"
        "bad.wat:3:18: type-mismatch: the function body must end with [i32] on the stack, found [i64]",
        "::warning title=wat-lsp (unused-local),file=live.wat,line=2,col=24,endLine=2,endColumn=38::"
        "live.wat:2:24: unused-local: local `$x` is never read or written",
        "::warning title=wat-lsp (never-read),file=live.wat,line=2,col=39,endLine=2,endColumn=53::"
        "live.wat:2:39: never-read: local `$y` is written but never read%0A  live.wat:3:6: note: written here",
        "::notice title=wat-lsp (dead-store),file=live.wat,line=4,col=6,endLine=4,endColumn=18::"
        "live.wat:4:6: dead-store: the value stored to local `$p` is never read: the store can go",
    ]


def test_github_escapes_properties_and_message(run: Run, files: Path) -> None:
    name = "a,b:c%.wat"
    (files / name).write_bytes(b"(module (func (call $nope%)))")
    code, out, _ = run("check", "--output-format", "github", name)
    assert code == 1
    assert out == (
        "::error title=wat-lsp (unknown-name),file=a%2Cb%3Ac%25.wat,line=1,col=21,endLine=1,endColumn=27::"
        "a,b:c%25.wat:1:21: unknown-name: unknown func `$nope%25`\n"
    )


# -------------------------------------------------------------------------- SARIF


def _validator() -> Any:
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def _sarif(run: Run, *args: str) -> tuple[int | str | None, dict[str, Any]]:
    code, out, _ = run("check", "--output-format", "sarif", *args)
    log: dict[str, Any] = json.loads(out)
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in _validator().iter_errors(log)]
    assert not errors, "\n".join(errors)
    return code, log


def test_sarif_validates_and_says_exactly_what_check_says(run: Run, files: Path) -> None:
    code, log = _sarif(run, "bad.wat", "live.wat", "ok.wat")
    assert code == 1
    [run_] = log["runs"]
    assert (log["version"], run_["columnKind"], run_["invocations"]) == (
        "2.1.0",
        "unicodeCodePoints",
        [{"executionSuccessful": True}],
    )
    assert run_["tool"]["driver"]["name"] == "wat-lsp"
    assert run_["tool"]["driver"]["version"] == metadata.version("wat-lsp")

    def loc(name: str, region: tuple[int, int, int, int]) -> dict[str, Any]:
        uri = (files / name).as_uri()
        keys = ("startLine", "startColumn", "endLine", "endColumn")
        return {
            "physicalLocation": {
                "artifactLocation": {"uri": uri},
                "region": dict(zip(keys, region, strict=True)),
            }
        }

    rules = list(CODES)
    assert run_["results"] == [
        {
            "ruleId": "type-mismatch",
            "level": "error",
            "message": {"text": "the function body must end with [i32] on the stack, found [i64]"},
            "locations": [loc("bad.wat", (3, 18, 3, 19))],
            "ruleIndex": rules.index("type-mismatch"),
        },
        {
            "ruleId": "unused-local",
            "level": "warning",
            "message": {"text": "local `$x` is never read or written"},
            "locations": [loc("live.wat", (2, 24, 2, 38))],
            "ruleIndex": rules.index("unused-local"),
        },
        {
            "ruleId": "never-read",
            "level": "warning",
            "message": {"text": "local `$y` is written but never read"},
            "locations": [loc("live.wat", (2, 39, 2, 53))],
            "ruleIndex": rules.index("never-read"),
            "relatedLocations": [
                {"id": 0, **loc("live.wat", (3, 6, 3, 18)), "message": {"text": "written here"}}
            ],
        },
    ]


def _anchors(markdown: str) -> set[str]:
    """GitHub's heading slugs: lower case, punctuation other than `-` and `_` dropped, spaces to `-`."""
    return {
        re.sub(r"[^\w\- ]", "", m.group(1).strip().lower()).replace(" ", "-")
        for m in re.finditer(r"^#+ (.*)$", markdown, re.M)
    }


def test_sarif_rules_are_the_registry_with_help_links(run: Run, files: Path) -> None:
    code, log = _sarif(run, "--severity", "dead-store=error", "--min-severity", "hint", "live.wat")
    assert code == 1
    rules = log["runs"][0]["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == list(CODES)
    levels = {"error": "error", "warning": "warning", "hint": "note"}
    doc = ROOT / "docs" / "diagnostics.md"
    anchors = _anchors(doc.read_text(encoding="utf-8"))
    for rule in rules:
        severity, summary = CODES[rule["id"]]
        assert rule["shortDescription"] == {"text": summary}
        assert rule["defaultConfiguration"] == {"level": levels[severity.name.lower()]}
        assert rule["helpUri"] == f"{doc.as_uri()}#{rule['id']}"
        assert rule["id"] in anchors, f"docs/diagnostics.md has no heading for {rule['id']}"
        assert rule["help"]["text"].endswith(f"docs/diagnostics.md#{rule['id']}.")
    # --severity changes a result's level, not the rule's default
    assert [(r["ruleId"], r["level"]) for r in log["runs"][0]["results"]] == [
        ("unused-local", "warning"),
        ("never-read", "warning"),
        ("dead-store", "error"),
    ]


def test_sarif_of_a_failed_run_and_of_no_results(run: Run, files: Path) -> None:
    (files / "m.wat").write_bytes(b"\0asm\x01\0\0\0")
    code, log = _sarif(run, "ok.wat", "m.wat")
    assert code == 2
    assert log["runs"][0]["invocations"] == [{"executionSuccessful": False}]
    assert log["runs"][0]["results"] == []


# ------------------------------------------------------------------ closed pipe


def test_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    """`wat-lsp check big/ | head -1`: no traceback, the status of a tool ended by SIGPIPE."""
    for k in range(40):
        (tmp_path / f"{k:02}.wat").write_bytes(LIVE * 20)
    for jobs in ("1", "2"):
        proc = subprocess.Popen(
            [sys.executable, "-m", "wat_lsp", "check", "-j", jobs, str(tmp_path)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert proc.stdout is not None and proc.stderr is not None
        assert proc.stdout.readline().endswith(
            b"warning[unused-local]: local `$x` is never read or written\n"
        )
        proc.stdout.close()
        assert (proc.wait(timeout=60), proc.stderr.read()) == (-signal.SIGPIPE, b"")
    out = subprocess.run(
        f"{sys.executable} -m wat_lsp check {tmp_path} | head -1", shell=True, capture_output=True
    )
    assert (len(out.stdout.splitlines()), out.stderr) == (1, b"")


# ------------------------------------------------------- paths with no WAT in them


def test_folder_without_wat_files_is_an_error(run: Run, files: Path) -> None:
    (files / "empty" / "sub").mkdir(parents=True)
    (files / "empty" / "notes.txt").write_bytes(b"(module)")
    message = "wat-lsp: empty: no .wat or .wast files in it\n"
    assert run("check", "empty") == (2, "", message)
    assert run("--check", "empty") == (2, "", message)
    # the other paths are still checked
    assert run("check", "empty", "ok.wat") == (2, "All checks passed (1 file).\n", message)
    assert run("fix", "--in-place", "empty") == (2, "", message)


# --------------------------------------------------------------- fix and --severity


def test_fix_leaves_a_code_that_is_off_alone(run: Run, files: Path) -> None:
    (files / "shapes.wat").write_bytes(SHAPES.read_bytes())
    assert run("fix", "--severity", "uninitialized-local=off", "shapes.wat") == (
        0,
        SHAPES.read_text(encoding="utf-8"),
        "",
    )
    code, out, err = run("fix", "--severity", "uninitialized-local=warning", "shapes.wat")
    assert (code, err) == (0, "")
    assert out == run("fix", "shapes.wat")[1] != SHAPES.read_text(encoding="utf-8")


def test_several_files_printed_are_refused(run: Run, files: Path) -> None:
    message = (
        "wat-lsp: 2 files given: their results would be printed back to back; use --in-place to "
        "rewrite each file, or give one file (and -o OUT to write it elsewhere)\n"
    )
    (files / "d").mkdir()
    (files / "d" / "a.wat").write_bytes(LIVE)
    (files / "d" / "b.wat").write_bytes(LIVE)
    for args in (
        ["fix", "d"],
        ["--fix", "d"],
        ["pass", "reorder-locals", "d"],
        ["--pass", "reorder-locals", "d/a.wat", "d/b.wat"],
    ):
        assert run(*args) == (2, "", message)
    assert run("pass", "remove-unused-locals", "--in-place", "d") == (0, "", "")
    assert (files / "d" / "a.wat").read_bytes() == (files / "d" / "b.wat").read_bytes() != LIVE
    assert main(["fix", str(files / "d" / "a.wat")]) == 0  # one file is printed


# ---------------------------------------------------------------- pre-commit hooks


def test_pre_commit_hooks() -> None:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert [(h["id"], h["entry"], h["language"], h["files"]) for h in hooks] == [
        ("wat-lsp-check", "wat-lsp check", "python", r"\.(wat|wast)$"),
        ("wat-lsp-format", "wat-lsp format", "python", r"\.(wat|wast)$"),
    ]
    for hook in hooks:
        assert hook["entry"].split()[1] in COMMANDS
        assert re.search(hook["files"], "dir/a.wast") and not re.search(hook["files"], "a.wasm")


def test_standard_input_among_files_in_parallel(
    run: Run, files: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`-` is read by the command itself and checked beside the files, in order."""
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(BAD3)))
    code, out, err = run("check", "-j", "2", "--output-format", "github", "ok.wat", "-", "bad.wat")
    line = "line=3,col=18,endLine=3,endColumn=19::{0}:3:18: type-mismatch: the function body must end with [i32] on the stack, found [i64]"
    assert (code, err) == (1, "")
    assert out.splitlines() == [
        "::error title=wat-lsp (type-mismatch),file=<stdin>," + line.format("<stdin>"),
        "::error title=wat-lsp (type-mismatch),file=bad.wat," + line.format("bad.wat"),
    ]
