"""The `wat-lsp` command: batch checking (and, with no arguments, the language server).

Exit status for --check: 0 when no errors, 1 when any error, 2 on usage or I/O failure.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TextIO

from wat_lsp.analysis.diagnostics import Diagnostic, Severity
from wat_lsp.analysis.document import analyse, is_binary
from wat_lsp.analysis.positions import LineIndex
from wat_lsp.output import file_uri, lsp_diagnostic, text_diagnostic

EXTENSIONS = (".wat", ".wast")
EXIT_OK, EXIT_ERRORS, EXIT_FAILURE = 0, 1, 2


@dataclass(slots=True)
class FileResult:
    path: str
    data: bytes
    diagnostics: list[Diagnostic]


class InputError(Exception):
    """A file that cannot be checked at all (unreadable, binary): exit status 2."""


def iter_paths(paths: Sequence[str]) -> Iterator[str]:
    """Files as given, and `.wat`/`.wast` files below directories, in a stable order."""
    for path in paths:
        if os.path.isdir(path):
            for root, dirs, files in os.walk(path):
                dirs.sort()
                for name in sorted(files):
                    if name.endswith(EXTENSIONS):
                        yield os.path.join(root, name)
        else:
            yield path


def read_input(path: str) -> bytes:
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise InputError(f"{path}: cannot read: {e.strerror or e}") from e
    if is_binary(data):
        raise InputError(f"{path}: binary module; expected text (use `wasm-tools print` to get WAT)")
    return data


def check_file(path: str) -> FileResult:
    data = read_input(path)
    return FileResult(path, data, analyse(data).diagnostics)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="wat-lsp",
        description="Language server and batch checker for the WebAssembly text format.",
    )
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true", help="check files and print diagnostics")
    p.add_argument("--format", choices=("text", "json"), default="text",
                   help="output format for --check (default: text)")  # fmt: skip
    p.add_argument("paths", nargs="*", metavar="PATH", help=".wat/.wast files or directories")
    return p


def run_check(paths: Sequence[str], fmt: str, out: TextIO | None = None) -> int:
    stream = out if out is not None else sys.stdout
    status = EXIT_OK
    results: list[dict[str, object]] = []
    for path in iter_paths(paths):
        try:
            result = check_file(path)
        except InputError as e:
            print(f"wat-lsp: {e}", file=sys.stderr)
            status = EXIT_FAILURE
            continue
        index = LineIndex(result.data)
        if any(d.severity == Severity.ERROR for d in result.diagnostics) and status == EXIT_OK:
            status = EXIT_ERRORS
        if fmt == "json":
            uri = file_uri(path)
            results.append({"uri": uri,
                            "diagnostics": [lsp_diagnostic(d, index, uri) for d in result.diagnostics]})  # fmt: skip
        else:
            for d in result.diagnostics:
                print(text_diagnostic(d, index, path), file=stream)
    if fmt == "json":
        print(json.dumps(results, indent=1), file=stream)
    return status


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.check:
        if not args.paths:
            print("wat-lsp: --check needs at least one PATH", file=sys.stderr)
            return EXIT_FAILURE
        return run_check(args.paths, args.format)
    print("wat-lsp: nothing to do; try `wat-lsp --check FILE.wat` (see --help)", file=sys.stderr)
    return EXIT_FAILURE


if __name__ == "__main__":
    sys.exit(main())
