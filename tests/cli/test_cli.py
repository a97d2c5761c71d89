"""The `wat-lsp --check` contract (DESIGN.md) and bad input: exact output and exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from wat_lsp.analysis.document import analyse

from tests.corpus import ROOT as CORPUS
from wat_lsp.cli import main

ROOT = Path(__file__).resolve().parents[2]


def check(tmp_path: Path, name: str, data: bytes, *args: str) -> tuple[int, str, str]:
    path = tmp_path / name
    path.write_bytes(data)
    proc = subprocess.run(
        [sys.executable, "-m", "wat_lsp", "--check", *args, str(path)], capture_output=True, cwd=tmp_path
    )
    return proc.returncode, proc.stdout.decode(), proc.stderr.decode()


def messages(data: bytes) -> list[tuple[str, int, int, str]]:
    return [(d.code, d.span.start, d.span.end, d.message) for d in analyse(data).diagnostics]


def test_text_format_with_caret(tmp_path: Path) -> None:
    code, out, err = check(tmp_path, "a.wat", b"(module\n  (func (call $nope)))\n")
    assert code == 1
    assert err == ""
    assert out.splitlines() == [
        f"{tmp_path / 'a.wat'}:2:15: error[unknown-name]: unknown func `$nope`",
        "    (func (call $nope)))",
        "                ^~~~~",
        "Found 1 error in 1 file.",
    ]


def test_json_format_is_lsp_shaped(tmp_path: Path) -> None:
    code, out, _ = check(tmp_path, "a.wat", "(module (;é;)(func (call $nope)))".encode(), "--format", "json")
    assert code == 1
    [entry] = json.loads(out)
    assert entry["uri"] == (tmp_path / "a.wat").as_uri()
    [d] = entry["diagnostics"]
    # 0-based, UTF-16 columns: `é` is one code unit but two bytes (byte offset 26)
    assert d == {
        "range": {"start": {"line": 0, "character": 25}, "end": {"line": 0, "character": 30}},
        "severity": 1,
        "code": "unknown-name",
        "source": "wat-lsp",
        "message": "unknown func `$nope`",
    }


def test_clean_file_exits_zero(tmp_path: Path) -> None:
    assert check(tmp_path, "ok.wat", b"(module (func (result i32) i32.const 1))") == (
        0,
        "All checks passed (1 file).\n",
        "",
    )


def test_directory_walk(tmp_path: Path) -> None:
    (tmp_path / "d" / "e").mkdir(parents=True)
    (tmp_path / "d" / "e" / "x.wast").write_bytes(b"(module (func $a) (func $a))")
    (tmp_path / "d" / "skip.txt").write_bytes(b"(((")
    code, out, _ = check(tmp_path, "y.wat", b"(module)", str(tmp_path / "d"))
    assert code == 1
    assert "x.wast:1:25: error[duplicate-name]: duplicate func `$a`" in out
    assert "skip.txt" not in out


def test_usage_and_io_errors() -> None:
    assert main(["--check"]) == 2
    assert main(["--check", "/nonexistent/file.wat"]) == 2


def test_binary_module_is_refused(tmp_path: Path) -> None:
    code, out, err = check(tmp_path, "m.wat", b"\0asm\x01\0\0\0")
    assert (code, out) == (2, "1 file could not be checked.\n")
    assert "binary module; expected text" in err


def test_empty_file_is_an_empty_module() -> None:
    """Valid for the spec, rejected by wasm-tools: a warning (decision 31)."""
    assert messages(b"") == [
        (
            "empty-module",
            0,
            0,
            "the text holds no module field: an empty module is valid WebAssembly, "
            "but wasm-tools rejects it (expected at least one module field)",
        )
    ]


def test_invalid_utf8_one_message() -> None:
    assert messages(b"(module (func $f\xff\xfe (nop)))") == [
        ("invalid-utf8", 16, 17, "invalid UTF-8 at byte 16: the text format is UTF-8")
    ]


def test_unbalanced_parenthesis() -> None:
    assert messages(b"(module (func (nop)") == [
        ("syntax", 8, 13, "`(func` on line 1 is never closed: a `)` is missing")
    ]
    assert messages(b"(module (func)))") == [("syntax", 15, 16, "unmatched `)`: no `(` opens it")]


def test_unterminated_string_and_comment() -> None:
    assert (
        "syntax",
        14,
        16,
        'unterminated string literal: a `"` is missing before the end of the line',
    ) in messages(b'(module (data "abc))\n')
    assert ("syntax", 8, 10, "unterminated block comment: `(;` has no matching `;)`") in messages(
        b"(module (; abc (func))\n"
    )


def test_nested_block_comments_and_annotations() -> None:
    assert messages(b'(module (; a (; b ;) c ;) (@custom "x" (after func)) (@foo "x" (a (b))) (func))') == []
    # `@custom` is one of the annotations wasm-tools reads: its placement must be a section
    assert [m[0] for m in messages(b'(module (@custom "x" (a b)) (func))')] == ["malformed"]


@pytest.mark.parametrize("folded", [False, True])
def test_deep_nesting_without_recursion(folded: bool) -> None:
    n = 100_000
    body = "(block " * n + ")" * n if folded else "block " * n + "end " * n
    doc = analyse(f"(module (func {body}))".encode())
    assert {d.code for d in doc.diagnostics} == {"removable-block"}  # a hint per block: none targeted
    read = doc.modules[0].read
    assert read is not None
    instrs = read.module.funcs[0].body
    assert len(instrs) == 2 * n
    assert instrs[0].match == 2 * n - 1 and instrs[n - 1].match == n


def test_malformed_literals() -> None:
    assert messages(b"(module (func i32.const 4294967296 drop))") == [
        ("malformed-literal", 24, 34, "integer constant out of range for i32: `4294967296`")
    ]
    assert messages(b'(module (data "\\q"))') == [
        ("malformed-literal", 14, 18, "unknown escape `\\q` in string literal")
    ]


def test_missing_white_space() -> None:
    assert messages(b"(module (func br 0drop))") == [("syntax", 18, 19, "missing white space between tokens")]


def test_wast_expectations() -> None:
    data = (
        b'(assert_malformed (module quote "(func i32.const 0x)") "malformed")\n'
        b'(assert_malformed (module quote "(func)") "nothing wrong")\n'
    )
    assert messages(data) == [
        (
            "expectation",
            86,
            109,
            "the script expects this module to be malformed, but wat-lsp reads it without error",
        )
    ]


@pytest.mark.skipif(not CORPUS.is_dir(), reason="spec test suite not available")
def test_check_agrees_with_the_whole_spec_suite(capsys: pytest.CaptureFixture[str]) -> None:
    """`--check` on the suite itself reports no error: every expected-valid module is clean and
    every assert_malformed / assert_invalid module is rejected (else `expectation` errors).
    (The suite's modules do have unused and never-read locals: warnings, not shown here.)"""
    from tests.corpus import ROOT as SUITE

    paths = [str(p) for p in sorted(SUITE.glob("*.wast"))] + [str(SUITE / "legacy"), str(SUITE / "custom")]
    assert main(["--check", "--min-severity", "error", "-q", *paths]) == 0
    assert capsys.readouterr().out == ""


# ------------------------------------------------------- liveness, severities

LIVE = b"""(module
  (func (param $p i32) (local $x i32) (local $y i32)
    (local.set $y (i32.const 1))
    (local.set $p (i32.const 2))))
"""


def run_main(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], data: bytes, *args: str
) -> tuple[int, str, str]:
    path = tmp_path / "a.wat"
    path.write_bytes(data)
    code = main(["--check", "-q", *args, str(path)])  # -q: no summary line
    out, err = capsys.readouterr()
    return code, out.replace(str(path), "a.wat"), err


UNUSED = ["a.wat:2:24: warning[unused-local]: local `$x` is never read or written",
          "    (func (param $p i32) (local $x i32) (local $y i32)",
          "                         ^~~~~~~~~~~~~~"]  # fmt: skip
NEVER_READ = ["a.wat:2:39: warning[never-read]: local `$y` is written but never read",
              "    (func (param $p i32) (local $x i32) (local $y i32)",
              "                                        ^~~~~~~~~~~~~~",
              "a.wat:3:6: note: written here"]  # fmt: skip
DEAD = ["a.wat:4:6: hint[dead-store]: the value stored to local `$p` is never read: the store can go",
        "      (local.set $p (i32.const 2))))",
        "       ^~~~~~~~~~~~"]  # fmt: skip


def test_warnings_by_default_hints_on_request(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_main(tmp_path, capsys, LIVE)
    assert (code, err) == (0, "")  # warnings do not fail the check
    assert out.splitlines() == UNUSED + NEVER_READ
    code, out, _ = run_main(tmp_path, capsys, LIVE, "--min-severity", "hint")
    assert (code, out.splitlines()) == (0, UNUSED + NEVER_READ + DEAD)
    assert run_main(tmp_path, capsys, LIVE, "--min-severity", "error") == (0, "", "")
    assert (
        run_main(tmp_path, capsys, LIVE, "--min-severity", "information")[1].splitlines()
        == UNUSED + NEVER_READ
    )


def test_severity_overrides(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_main(
        tmp_path,
        capsys,
        LIVE,
        "--severity",
        "never-read=error",
        "--severity",
        "unused-local=off",
        "--severity",
        "dead-store=warning",
    )
    assert code == 1  # an error remains
    assert out.splitlines() == [
        NEVER_READ[0].replace("warning[", "error["),
        *NEVER_READ[1:],
        DEAD[0].replace("hint[", "warning["),
        *DEAD[1:],
    ]
    bad = b"(module (func (result i32) (i64.const 1)))"
    code, out, _ = run_main(tmp_path, capsys, bad, "--severity", "type-mismatch=warning")
    assert code == 0 and out.startswith("a.wat:1:41: warning[type-mismatch]: ")
    assert run_main(tmp_path, capsys, bad, "--severity", "TYPE-MISMATCH=off")[0] == 2  # codes are exact
    assert run_main(tmp_path, capsys, bad, "--severity", "type-mismatch=Off") == (0, "", "")  # levels are not


@pytest.mark.parametrize(
    ("arg", "message"),
    [
        (
            "nope=error",
            "wat-lsp: --severity: unknown diagnostic code 'nope' (the codes are in docs/diagnostics.md)\n",
        ),
        (
            "dead-store=loud",
            "wat-lsp: --severity dead-store: unknown level 'loud'; expected error, warning, "
            "information, hint or off\n",
        ),
        ("dead-store", "wat-lsp: --severity expects CODE=LEVEL, got 'dead-store'\n"),
    ],
)
def test_severity_usage_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], arg: str, message: str
) -> None:
    assert run_main(tmp_path, capsys, LIVE, "--severity", arg) == (2, "", message)


def test_min_severity_usage_error() -> None:
    with pytest.raises(SystemExit) as e:
        main(["--check", "--min-severity", "loud", "x.wat"])
    assert e.value.code == 2


def test_json_has_hints_only_when_selected(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run_main(tmp_path, capsys, LIVE, "--format", "json")
    [entry] = json.loads(out)
    assert [(d["code"], d["severity"], d["tags"]) for d in entry["diagnostics"]] == [
        ("unused-local", 2, [1]),
        ("never-read", 2, [1]),
    ]
    assert entry["diagnostics"][1]["data"] == {"func": 0, "local": 2}
    assert entry["diagnostics"][1]["relatedInformation"][0]["message"] == "written here"
    _, out, _ = run_main(tmp_path, capsys, LIVE, "--format", "json", "--min-severity", "hint")
    [entry] = json.loads(out)
    assert [d["code"] for d in entry["diagnostics"]] == ["unused-local", "never-read", "dead-store"]


def test_no_liveness_in_functions_with_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = b"(module (func (local $x i32) (i64.const 1)) (func (local $y i32)))"
    code, out, _ = run_main(tmp_path, capsys, data, "--min-severity", "hint")
    assert code == 1
    assert [line.split(": ")[1] for line in out.splitlines() if line.startswith("a.wat")] == [
        "error[stack-height]",
        "warning[unused-local]",
    ]  # $y only


def test_readme_example_gives_exactly_the_1a_error(capsys: pytest.CaptureFixture[str]) -> None:
    """`wat-lsp check examples/shapes.wat` (the README's first command): one error, nothing else,
    also with hints shown (the function with the error gets no liveness diagnostics)."""
    path = str(ROOT / "examples" / "shapes.wat")
    for extra in ([], ["--min-severity", "hint"]):
        assert main(["check", *extra, path]) == 1
        out = capsys.readouterr().out.splitlines()
        heads = [line for line in out if line.startswith(path)]
        assert [h.split(": ")[1] for h in heads] == ["error[uninitialized-local]", "note", "note", "note"]
        assert out[-1] == "Found 1 error in 1 file."


def _stdin(args: list[str], data: bytes) -> tuple[int, str, str]:
    proc = subprocess.run([sys.executable, "-m", "wat_lsp", *args], input=data, capture_output=True)
    return proc.returncode, proc.stdout.decode(), proc.stderr.decode()


def test_standard_input() -> None:
    """`-` as a PATH reads standard input: --check shows it as `<stdin>`, --fix and --pass
    print the result, --in-place refuses it."""
    bad = (ROOT / "examples" / "shapes.wat").read_bytes()
    status, out, _ = _stdin(["--check", "--min-severity", "error", "-"], bad)
    assert status == 1 and out.startswith("<stdin>:25:77: error[uninitialized-local]: local `$s`")
    status, out, _ = _stdin(["--check", "--format", "json", "-"], bad)
    assert status == 1 and json.loads(out)[0]["uri"] == "untitled:stdin"
    status, fixed, err = _stdin(["--fix", "-"], bad)
    assert (status, err) == (0, "")
    assert fixed.encode() == _stdin(["--fix", str(ROOT / "examples" / "shapes.wat")], b"")[1].encode()
    assert _stdin(["--check", "-"], fixed.encode())[0] == 0
    assert _stdin(["--pass", "reorder-locals", "-"], b"(module (func (local i32)))")[1] == "(module (func))"
    assert _stdin(["--fix", "--in-place", "-"], bad)[:3:2] == (
        2,
        "wat-lsp: --in-place cannot rewrite standard input\n",
    )
    assert _stdin(["--check", "-"], b"\x00asm\x01\x00\x00\x00")[2].startswith(
        "wat-lsp: <stdin>: binary module"
    )
