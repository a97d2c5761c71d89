"""The `wat-lsp` command: `check`, `fix`, `pass`, `format`, `cfg` and `server` (no arguments: the server).

Two spellings of the same commands: subcommands (`wat-lsp check PATH`, as ruff has them) and the
older flags (`wat-lsp --check PATH`), which keep working. `check` prints errors and warnings
(`--min-severity` chooses; `--severity CODE=LEVEL` changes a code's severity). Exit status: 0
when no errors remain (warnings and hints do not count), 1 when any does, 2 on usage or I/O
failure. A closed standard output (`wat-lsp check dir | head -1`) ends the command as it ends
other Unix tools: quietly, by SIGPIPE.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import os
import signal
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TextIO

from wat_lsp.analysis.diagnostics import CODES, Severity, parse_severity, with_severities

if TYPE_CHECKING:
    from wat_lsp.checking import FileReport

# The checker, the passes and the server are imported by the commands that use them: `wat-lsp
# format` needs none of them, and importing them all took 0.25 s of its run.

EXIT_OK, EXIT_ERRORS, EXIT_FAILURE = 0, 1, 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as a shell reports Ctrl-C
MIN_SEVERITIES = {"error": Severity.ERROR, "warning": Severity.WARNING,
                  "information": Severity.INFORMATION, "hint": Severity.HINT}  # fmt: skip


def version() -> str:
    from importlib import metadata

    try:
        return metadata.version("wat-lsp")
    except metadata.PackageNotFoundError:  # run from a tree that was never installed
        return "unknown"


def collect_files(paths: Sequence[str]) -> tuple[list[str], int]:
    """The files to work on, and EXIT_FAILURE if a directory holds none (said on stderr): a
    misspelt or empty folder in CI must not pass as a clean check."""
    from wat_lsp.checking import iter_paths

    files: list[str] = []
    status = EXIT_OK
    for path in paths:
        found = list(iter_paths([path]))
        if not found:
            print(f"wat-lsp: {path}: no .wat or .wast files in it", file=sys.stderr)
            status = EXIT_FAILURE
        files += found
    return files, status


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


# ------------------------------------------------------------------------------- check


def run_check(
    paths: Sequence[str],
    fmt: str,
    out: TextIO | None = None,
    min_severity: Severity = Severity.WARNING,
    overrides: Mapping[str, Severity | None] | None = None,
    jobs: int = 1,
    show_summary: bool = False,
) -> int:
    """Print the diagnostics of each file at least as severe as `min_severity` (after the
    per-code `overrides`) in `fmt` (`OUTPUT_FORMATS`), files checked in `jobs` processes and
    printed in the order given; the exit status counts errors only."""
    from wat_lsp import sarif
    from wat_lsp.checking import STDIN, CheckOptions, OrderedMap, check_one, summary

    stream = out if out is not None else sys.stdout
    files, status = collect_files(paths)
    options = CheckOptions(fmt, min_severity, dict(overrides or {}))
    # Standard input is read here: a worker process cannot.
    tasks = [(f, sys.stdin.buffer.read() if f == STDIN else None) for f in files]
    reports: list[FileReport] = []
    records: list[dict[str, Any]] = []
    with OrderedMap(functools.partial(check_one, options=options), tasks, jobs) as results:
        for report in results:
            reports.append(report)
            if report.error is not None:
                print(f"wat-lsp: {report.error}", file=sys.stderr)
                status = EXIT_FAILURE
                continue
            if report.has_errors and status == EXIT_OK:
                status = EXIT_ERRORS
            for line in report.lines:
                print(line, file=stream)
            records += report.records
    if fmt == "json":
        print(json.dumps(records, indent=1), file=stream)
    elif fmt == "sarif":
        print(json.dumps(sarif.log(records, version(), status != EXIT_FAILURE), indent=1), file=stream)
    elif fmt == "text" and show_summary and files:
        print(summary(reports), file=stream)
    return status


# ------------------------------------------------------------------------ fix and pass


def run_list_passes(out: TextIO | None = None) -> int:
    from wat_lsp.passes.registry import PASSES

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
    """fix and pass: run `pass_names` over each file, then print/write the result.

    The exit status is check's for the results: 1 when errors remain (they are listed on
    stderr; `overrides` as in check), 2 on usage or I/O failure.
    """
    from wat_lsp.analysis.document import analyse
    from wat_lsp.analysis.positions import LineIndex
    from wat_lsp.checking import STDIN, InputError, display_name, read_input
    from wat_lsp.output import text_diagnostic
    from wat_lsp.passes.registry import UnknownPass, get_pass, run_passes

    stream = out if out is not None else sys.stdout
    try:
        for name in pass_names:
            get_pass(name)
    except UnknownPass as e:
        print(f"wat-lsp: unknown pass {e.args[0]!r} (see `wat-lsp pass --list`)", file=sys.stderr)
        return EXIT_FAILURE
    files, status = collect_files(paths)
    if in_place and STDIN in files:
        print("wat-lsp: --in-place cannot rewrite standard input", file=sys.stderr)
        return EXIT_FAILURE
    if output is not None and len(files) != 1:
        print("wat-lsp: -o needs exactly one input file", file=sys.stderr)
        return EXIT_FAILURE
    if output is None and not in_place and len(files) > 1:
        print(
            f"wat-lsp: {len(files)} files given: their results would be printed back to back; "
            "use --in-place to rewrite each file, or give one file (and -o OUT to write it elsewhere)",
            file=sys.stderr,
        )
        return EXIT_FAILURE
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


# ---------------------------------------------------------------------- command lines


def _jobs(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"expected a number of processes (1 or more), got {text!r}")
    return n


def _add_severity(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--severity",
        action="append",
        default=[],
        metavar="CODE=LEVEL",
        help="set a code's severity (error, warning, information, hint, or off to hide it; fix "
        "leaves a code that is off alone); repeatable, e.g. --severity dead-store=warning",
    )


def _add_check_options(p: argparse.ArgumentParser, what: str = "") -> None:
    from wat_lsp.checking import OUTPUT_FORMATS

    p.add_argument(
        "--output-format",
        choices=OUTPUT_FORMATS,
        default="text",
        help=f"{what}text (default), json (LSP diagnostics), sarif (SARIF 2.1.0) or github "
        "(GitHub Actions annotations)",
    )
    p.add_argument(
        "--format",
        dest="output_format",
        choices=("text", "json"),
        default="text",
        help=f"{what}the same as --output-format, for text and json",
    )
    p.add_argument(
        "--min-severity",
        choices=tuple(MIN_SEVERITIES),
        default="warning",
        help=f"{what}print diagnostics at least this severe (default: warning)",
    )
    p.add_argument(
        "-j",
        "--jobs",
        type=_jobs,
        default=None,
        metavar="N",
        help=f"{what}check files in N processes (default: the number of cores); "
        "the output is the same for any N",
    )
    p.add_argument("-q", "--quiet", action="store_true", help=f"{what}no summary line after text output")


def _add_write_options(p: argparse.ArgumentParser, what: str = "") -> None:
    out = p.add_mutually_exclusive_group()
    out.add_argument("-o", "--output", metavar="OUT", help=f"{what}write the result to OUT")
    out.add_argument("--in-place", action="store_true", help=f"{what}rewrite each input file")


PATHS_HELP = ".wat/.wast files or directories; - reads standard input"

OVERVIEW = """\
commands:
  check PATH...                 check files and print diagnostics
  fix PATH...                   apply every fix for error diagnostics; print or write the result
  pass NAME[,NAME...] PATH...   run transformation passes (`wat-lsp pass --list` lists them)
  format PATH...                format files
  cfg PATH --func NAME          a function's control flow and liveness as DOT or SVG (`-o OUT`)
  server                        the language server on stdin/stdout (also: no arguments at all)

`wat-lsp COMMAND --help` shows a command's options. The older flag spelling below
(`--check`, `--fix`, `--pass`, `--list-passes`, `--stdio`) does the same and keeps working.

exit status: 0 no errors, 1 errors (warnings and hints never count), 2 usage or I/O failure
"""


def _flags_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="wat-lsp",
        usage="wat-lsp COMMAND [options] PATH...\n       wat-lsp --check|--fix|--pass|--list-passes "
        "[options] PATH...\n       wat-lsp [server]",
        description="Language server and batch checker for the WebAssembly text format.\n\n" + OVERVIEW,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--version", action="version", version=f"wat-lsp {version()}")
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
    mode.add_argument(
        "--stdio",
        action="store_true",
        help="run the language server on stdin/stdout (the default with no arguments)",
    )
    _add_write_options(p, "with --fix/--pass: ")
    _add_check_options(p, "with --check: ")
    _add_severity(p)
    p.add_argument("paths", nargs="*", metavar="PATH", help=PATHS_HELP)
    return p


def _command_parser(name: str, description: str) -> argparse.ArgumentParser:
    return argparse.ArgumentParser(prog=f"wat-lsp {name}", description=description)


def _overrides(items: Sequence[str]) -> dict[str, Severity | None] | None:
    try:
        return parse_overrides(items)
    except UsageError as e:
        print(f"wat-lsp: {e}", file=sys.stderr)
        return None


def _check(args: argparse.Namespace) -> int:
    from wat_lsp.checking import default_jobs

    overrides = _overrides(args.severity)
    if overrides is None:
        return EXIT_FAILURE
    return run_check(
        args.paths,
        args.output_format,
        min_severity=MIN_SEVERITIES[args.min_severity],
        overrides=overrides,
        jobs=args.jobs if args.jobs is not None else default_jobs(),
        show_summary=not args.quiet,
    )


def _transform(args: argparse.Namespace, names: list[str] | None) -> int:
    from wat_lsp.passes import registry

    overrides = _overrides(args.severity)
    if overrides is None:
        return EXIT_FAILURE
    return run_transform(
        args.paths,
        registry.fix_passes(overrides) if names is None else names,
        args.output,
        args.in_place,
        overrides=overrides,
    )


def _pass_names(text: str) -> list[str]:
    return [n.strip() for n in text.split(",") if n.strip()]


def _serve() -> int:
    from wat_lsp.server.app import main as serve  # pygls loads only for the server

    return serve()


def _cmd_check(argv: list[str]) -> int:
    p = _command_parser("check", "Check files and print diagnostics.")
    _add_check_options(p)
    _add_severity(p)
    p.add_argument("paths", nargs="+", metavar="PATH", help=PATHS_HELP)
    return _check(p.parse_args(argv))


def _cmd_fix(argv: list[str]) -> int:
    p = _command_parser(
        "fix", "Apply every fix for error diagnostics; print the result, or write it (-o, --in-place)."
    )
    _add_write_options(p)
    _add_severity(p)
    p.add_argument("paths", nargs="+", metavar="PATH", help=PATHS_HELP)
    return _transform(p.parse_args(argv), None)


def _cmd_pass(argv: list[str]) -> int:
    p = _command_parser("pass", "Run transformation passes, in order; print the result, or write it.")
    p.add_argument("--list", action="store_true", help="list the passes with descriptions")
    _add_write_options(p)
    _add_severity(p)
    p.add_argument("names", nargs="?", metavar="NAME[,NAME...]", help="the passes to run")
    p.add_argument("paths", nargs="*", metavar="PATH", help=PATHS_HELP)
    args = p.parse_intermixed_args(argv)  # options may come between NAME and the PATHs
    if args.list:
        return run_list_passes()
    names = _pass_names(args.names or "")
    if not names or not args.paths:
        p.error("expected the pass names and at least one PATH (see --list)")
    return _transform(args, names)


def _cmd_format(argv: list[str]) -> int:
    from wat_lsp import format_command

    return format_command.main(argv)


def _cmd_cfg(argv: list[str]) -> int:
    from wat_lsp.cfg_command import main as cfg_main  # loads the picture's code only when asked

    return cfg_main(argv)


def _cmd_server(argv: list[str]) -> int:
    p = _command_parser("server", "Run the language server on stdin/stdout.")
    p.add_argument(
        "--stdio", action="store_true", help="accepted for clients that pass it; stdio is the default"
    )
    p.parse_args(argv)
    return _serve()


COMMANDS: dict[str, Callable[[list[str]], int]] = {
    "check": _cmd_check,
    "fix": _cmd_fix,
    "pass": _cmd_pass,
    "format": _cmd_format,
    "cfg": _cmd_cfg,
    "server": _cmd_server,
}


def _flags(argv: list[str]) -> int:
    args = _flags_parser().parse_args(argv)
    if args.list_passes:
        return run_list_passes()
    if args.fix or args.passes is not None:
        if not args.paths:
            print("wat-lsp: --fix/--pass need at least one PATH", file=sys.stderr)
            return EXIT_FAILURE
        names = None if args.fix else _pass_names(args.passes)
        if names == []:
            print("wat-lsp: --pass needs at least one pass name", file=sys.stderr)
            return EXIT_FAILURE
        return _transform(args, names)
    if args.output is not None or args.in_place:
        print("wat-lsp: -o/--in-place go with --fix or --pass", file=sys.stderr)
        return EXIT_FAILURE
    if args.check:
        if not args.paths:
            print("wat-lsp: --check needs at least one PATH", file=sys.stderr)
            return EXIT_FAILURE
        return _check(args)
    if args.stdio or not argv:
        return _serve()
    print("wat-lsp: nothing to do; try `wat-lsp check FILE.wat` (see --help)", file=sys.stderr)
    return EXIT_FAILURE


def _closed_pipe() -> int:
    """Standard output was closed under us (`| head`): end as SIGPIPE ends other tools, with
    nothing on stderr (the shell reports status 141), rather than with a traceback."""
    with contextlib.suppress(OSError, ValueError):  # what is still buffered must not fail at exit
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    if hasattr(signal, "SIGPIPE"):
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGPIPE)
    return EXIT_ERRORS  # where there is no SIGPIPE


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        status = COMMANDS[args[0]](args[1:]) if args and args[0] in COMMANDS else _flags(args)
        sys.stdout.flush()
    except BrokenPipeError:
        return _closed_pipe()
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    return status


if __name__ == "__main__":
    sys.exit(main())
