"""`check -j N`: files checked in N processes print exactly what `-j 1` prints, in every output
format, with the same exit status (reports are made in the workers, printed in file order)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tests.corpus import ROOT as SUITE
from wat_lsp.checking import default_jobs
from wat_lsp.cli import main

# Spec files with errors, warnings and hints (threads/ proposals: errors wat-lsp gives), and clean ones.
PICKED = ["func.wast", "local_tee.wast", "local_set.wast", "stack.wast", "nop.wast", "fac.wast",
          "forward.wast", "proposals/threads/imports.wast", "proposals/threads/memory.wast"]  # fmt: skip


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A folder of mixed files in nested folders: the walk's order must be kept too."""
    root = tmp_path / "tree"
    for k, name in enumerate(PICKED):
        target = root / f"d{k % 3}" / f"{k}-{Path(name).name}"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(SUITE / name, target)
    (root / "d1" / "bad.wat").write_bytes(b"(module\n  (func (result i32)\n    (i64.const 1)))\n")
    (root / "d2" / "binary.wat").write_bytes(b"\0asm\x01\0\0\0")  # cannot be checked: exit 2
    (root / "empty.wat").write_bytes(b"")
    return root


def check(*args: str) -> tuple[int, str, str]:
    """As a command (a single-threaded process: workers are forked, as for users)."""
    proc = subprocess.run([sys.executable, "-m", "wat_lsp", "check", *args], capture_output=True)
    return proc.returncode, proc.stdout.decode(), proc.stderr.decode()


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github"])
def test_parallel_output_is_the_serial_output(tree: Path, fmt: str) -> None:
    args = ["--output-format", fmt, "--min-severity", "hint", str(tree)]
    serial = check("-j", "1", *args)
    assert serial[0] == 2 and serial[1].count("\n") > 100  # many diagnostics; a file that failed
    assert (
        serial[2]
        == f"wat-lsp: {tree / 'd2' / 'binary.wat'}: binary module; expected text (use `wasm-tools print` to get WAT)\n"
    )
    assert check("-j", "2", *args) == serial
    if fmt == "text":
        assert check("-j", "5", *args) == serial  # more workers than cores
        # the summary counts what was printed (how much depends on the spec files: counted here)
        heads = [line for line in serial[1].splitlines() if line.startswith(str(tree))]
        counts = [sum(f": {word}[" in h for h in heads) for word in ("error", "warning", "hint")]
        files = len({h.split(":", 1)[0] for h in heads if ": note: " not in h})
        assert serial[1].splitlines()[-1] == (
            f"Found {counts[0]} errors, {counts[1]} warnings and {counts[2]} hints in {files} of 11 files. "
            "1 file could not be checked."
        )


def test_default_jobs_is_the_cores() -> None:
    assert default_jobs() >= 1


def test_in_a_threaded_process_workers_are_spawned(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Called in process while another thread runs (a test runner's), the result is the same."""
    gate = threading.Event()
    other = threading.Thread(target=gate.wait)
    other.start()
    try:
        status = main(["check", "-j", "2", "--min-severity", "hint", str(tree)])
    finally:
        gate.set()
        other.join()
    out, err = capsys.readouterr()
    assert (status, out, err) == check("-j", "1", "--min-severity", "hint", str(tree))
