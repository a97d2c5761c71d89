"""The `wat-lsp` command: batch checking (and, with no arguments, the language server).

--check prints errors and warnings (`--min-severity` chooses; `--severity CODE=LEVEL` changes
a code's severity). Exit status: 0 when no errors remain (warnings and hints do not count),
1 when any does, 2 on usage or I/O failure.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TextIO

from wat_lsp.analysis.diagnostics import CODES, Diagnostic, Severity, parse_severity, with_severities
from wat_lsp.analysis.document import analyse, is_binary
from wat_lsp.analysis.positions import LineIndex
from wat_lsp.output import file_uri, lsp_diagnostic, text_diagnostic
from wat_lsp.passes.registry import FIX_PASSES, PASSES, UnknownPass, get_pass, run_passes

EXTENSIONS = (".wat", ".wast")
EXIT_OK, EXIT_ERRORS, EXIT_FAILURE = 0, 1, 2
MIN_SEVERITIES = {"error": Severity.ERROR, "warning": Severity.WARNING,
                  "information": Severity.INFORMATION, "hint": Severity.HINT}  # fmt: skip


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


STDIN = "-"  # as a PATH: standard input, shown as `<stdin>`


def display_name(path: str) -> str:
    return "<stdin>" if path == STDIN else path


def read_input(path: str) -> bytes:
    try:
        if path == STDIN:
            data = sys.stdin.buffer.read()
        else:
            with open(path, "rb") as f:
                data = f.read()
    except OSError as e:
        raise InputError(f"{display_name(path)}: cannot read: {e.strerror or e}") from e
    if is_binary(data):
        raise InputError(
            f"{display_name(path)}: binary module; expected text (use `wasm-tools print` to get WAT)"
        )
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
    mode.add_argument(
        "--fix", action="store_true", help="apply every fix for error diagnostics and print the result"
    )
    mode.add_argument(
        "--pass",
        dest="passes",
        metavar="NAME[,NAME...]",
        help="run passes (see --list-passes) and print the result",
    )
    mode.add_argument("--list-passes", action="store_true", help="list the passes with descriptions")
    out = p.add_mutually_exclusive_group()
    out.add_argument("-o", "--output", metavar="OUT", help="with --fix/--pass: write the result to OUT")
    out.add_argument("--in-place", action="store_true", help="with --fix/--pass: rewrite each input file")
    mode.add_argument(
        "--stdio",
        action="store_true",
        help="run the language server on stdin/stdout (the default with no arguments)",
    )
    p.add_argument(
        "--format", choices=("text", "json"), default="text", help="output format for --check (default: text)"
    )
    p.add_argument(
        "--min-severity",
        choices=tuple(MIN_SEVERITIES),
        default="warning",
        help="with --check: print diagnostics at least this severe (default: warning)",
    )
    p.add_argument(
        "--severity",
        action="append",
        default=[],
        metavar="CODE=LEVEL",
        help="set a code's severity (error, warning, information, hint, or off to hide it); "
        "repeatable, e.g. --severity dead-store=warning",
    )
    p.add_argument(
        "paths", nargs="*", metavar="PATH", help=".wat/.wast files or directories; - reads standard input"
    )
    return p


class UsageError(Exception):
    """A command line that cannot be run: exit status 2."""


def parse_overrides(items: Sequence[str]) -> dict[str, Severity | None]:
    """`--severity CODE=LEVEL` arguments as `with_severities` overrides (None: off)."""
    out: dict[str, Severity | None] = {}
    for item in items:
        code, eq, level = item.partition("=")
        code = code.strip()
        if not eq or not code:
            raise UsageError(f"--severity expects CODE=LEVEL, got {item!r}")
        if code not in CODES:
            raise UsageError(
                f"--severity: unknown diagnostic code {code!r} (the codes are in docs/diagnostics.md)"
            )
        try:
            out[code] = parse_severity(level)
        except ValueError:
            raise UsageError(
                f"--severity {code}: unknown level {level!r}; expected error, warning, "
                "information, hint or off"
            ) from None
    return out


def run_check(
    paths: Sequence[str],
    fmt: str,
    out: TextIO | None = None,
    min_severity: Severity = Severity.WARNING,
    overrides: Mapping[str, Severity | None] | None = None,
) -> int:
    """Print the diagnostics of each file at least as severe as `min_severity` (after the
    per-code `overrides`); the exit status counts errors only."""
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
        shown_path = display_name(path)
        diags = with_severities(result.diagnostics, overrides) if overrides else result.diagnostics
        if any(d.severity == Severity.ERROR for d in diags) and status == EXIT_OK:
            status = EXIT_ERRORS
        shown = [d for d in diags if d.severity <= min_severity]
        if fmt == "json":
            uri = "untitled:stdin" if path == STDIN else file_uri(path)
            results.append({"uri": uri, "diagnostics": [lsp_diagnostic(d, index, uri) for d in shown]})
        else:
            for d in shown:
                print(text_diagnostic(d, index, shown_path), file=stream)
    if fmt == "json":
        print(json.dumps(results, indent=1), file=stream)
    return status


def run_list_passes(out: TextIO | None = None) -> int:
    stream = out if out is not None else sys.stdout
    width = max((len(n) for n in PASSES), default=0)
    for name, info in PASSES.items():
        print(f"{name:<{width}}  {info.description}", file=stream)
    return EXIT_OK


def run_transform(
    paths: Sequence[str],
    pass_names: Sequence[str],
    output: str | None,
    in_place: bool,
    out: TextIO | None = None,
    overrides: Mapping[str, Severity | None] | None = None,
) -> int:
    """--fix and --pass: run `pass_names` over each file, then print/write the result.

    The exit status is --check's for the results: 1 when errors remain (they are listed on
    stderr; `overrides` as in --check), 2 on usage or I/O failure.
    """
    stream = out if out is not None else sys.stdout
    try:
        for name in pass_names:
            get_pass(name)
    except UnknownPass as e:
        print(f"wat-lsp: unknown pass {e.args[0]!r} (see --list-passes)", file=sys.stderr)
        return EXIT_FAILURE
    files = list(iter_paths(paths))
    if in_place and STDIN in files:
        print("wat-lsp: --in-place cannot rewrite standard input", file=sys.stderr)
        return EXIT_FAILURE
    if output is not None and len(files) != 1:
        print("wat-lsp: -o needs exactly one input file", file=sys.stderr)
        return EXIT_FAILURE
    status = EXIT_OK
    for path in files:
        try:
            data = read_input(path)
        except InputError as e:
            print(f"wat-lsp: {e}", file=sys.stderr)
            status = EXIT_FAILURE
            continue
        try:
            result = run_passes(data, pass_names)
        except ValueError as e:  # overlapping edits: a bug in a pass, not in the input
            print(f"wat-lsp: {display_name(path)}: {e}", file=sys.stderr)
            status = EXIT_FAILURE
            continue
        target = path if in_place else output
        if target is None:
            stream.write(result.decode("utf-8", errors="replace"))
        elif not in_place or result != data:
            try:
                with open(target, "wb") as f:
                    f.write(result)
            except OSError as e:
                print(f"wat-lsp: {target}: cannot write: {e.strerror or e}", file=sys.stderr)
                status = EXIT_FAILURE
                continue
        diags = [
            d
            for d in with_severities(analyse(result).diagnostics, overrides or {})
            if d.severity == Severity.ERROR
        ]
        if diags:
            index = LineIndex(result)
            for d in diags:
                print(text_diagnostic(d, index, target or display_name(path)), file=sys.stderr)
            if status == EXIT_OK:
                status = EXIT_ERRORS
    return status


def main(argv: Sequence[str] | None = None) -> int:
    if argv is None:
        argv = sys.argv[1:]
    if argv and argv[0] == "format":
        from wat_lsp import format_command

        return format_command.main(argv[1:])
    args = _parser().parse_args(argv)
    try:
        overrides = parse_overrides(args.severity)
    except UsageError as e:
        print(f"wat-lsp: {e}", file=sys.stderr)
        return EXIT_FAILURE
    if args.list_passes:
        return run_list_passes()
    if args.fix or args.passes is not None:
        if not args.paths:
            print("wat-lsp: --fix/--pass need at least one PATH", file=sys.stderr)
            return EXIT_FAILURE
        names = list(FIX_PASSES) if args.fix else [n.strip() for n in args.passes.split(",") if n.strip()]
        if not names:
            print("wat-lsp: --pass needs at least one pass name", file=sys.stderr)
            return EXIT_FAILURE
        return run_transform(args.paths, names, args.output, args.in_place, overrides=overrides)
    if args.output is not None or args.in_place:
        print("wat-lsp: -o/--in-place go with --fix or --pass", file=sys.stderr)
        return EXIT_FAILURE
    if args.check:
        if not args.paths:
            print("wat-lsp: --check needs at least one PATH", file=sys.stderr)
            return EXIT_FAILURE
        return run_check(
            args.paths, args.format, min_severity=MIN_SEVERITIES[args.min_severity], overrides=overrides
        )
    if args.stdio or not list(sys.argv[1:] if argv is None else argv):
        from wat_lsp.server.app import main as serve  # pygls loads only for the server

        return serve()
    print("wat-lsp: nothing to do; try `wat-lsp --check FILE.wat` (see --help)", file=sys.stderr)
    return EXIT_FAILURE


if __name__ == "__main__":
    sys.exit(main())
