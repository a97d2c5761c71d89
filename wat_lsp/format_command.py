"""`wat-lsp format PATH...`: rewrite files formatted; `-` formats standard input to standard
output. `--check` changes nothing and exits 1 listing the files that would change; `--diff`
prints a unified diff instead of writing. Settings come from the project file found upward
from each file (`wat_lsp/project_config.py`), then the command line.

Exit status: 0 when nothing failed (and, with `--check`/`--diff`, nothing would change), 1
when a file would change under `--check`/`--diff`, 2 on usage or I/O failure.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

from wat_lsp.analysis.ide.format import MULTI_LINE, WRAP_BEFORE, format_text, options_from
from wat_lsp.project_config import format_options

EXIT_OK, EXIT_CHANGED, EXIT_FAILURE = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="wat-lsp format",
        description="Format .wat/.wast files (only white space changes; see docs/formatting.md).",
    )
    how = p.add_mutually_exclusive_group()
    how.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 listing files that would change"
    )
    how.add_argument("--diff", action="store_true", help="write nothing; print a unified diff, exit 1 if any")
    p.add_argument("--print-width", type=int, metavar="N", help="line width (printWidth, default 80)")
    p.add_argument("--indent-width", type=int, metavar="N", help="spaces per indent (indentWidth, default 2)")
    p.add_argument("--use-tabs", action="store_true", default=None, help="indent with tabs (useTabs)")
    p.add_argument(
        "--split-closing-parens",
        action="store_true",
        default=None,
        help="`)` of a broken form on its own line",
    )
    for name in ("wrap-before-locals", "wrap-before-fields", "wrap-before-const-expr"):
        p.add_argument(f"--{name}", choices=WRAP_BEFORE)
    for name in ("multi-line-locals", "multi-line-fields"):
        p.add_argument(f"--{name}", choices=MULTI_LINE)
    p.add_argument(
        "paths", nargs="+", metavar="PATH", help=".wat/.wast files or directories; - reads standard input"
    )
    return p


_FLAGS = ("print_width", "indent_width", "use_tabs", "split_closing_parens", "wrap_before_locals",
          "wrap_before_fields", "wrap_before_const_expr", "multi_line_locals", "multi_line_fields")  # fmt: skip


def main(argv: Sequence[str]) -> int:
    args = _parser().parse_args(list(argv))
    flags = {k: getattr(args, k) for k in _FLAGS if getattr(args, k) is not None}
    status = EXIT_OK
    for path in _paths(args.paths):
        name = "<stdin>" if path == "-" else path
        try:
            data = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
        except OSError as e:
            print(f"wat-lsp format: {name}: cannot read: {e.strerror or e}", file=sys.stderr)
            status = EXIT_FAILURE
            continue
        if _binary(data):
            print(f"wat-lsp format: {name}: binary module; expected text", file=sys.stderr)
            status = EXIT_FAILURE
            continue
        opts, problems = format_options(Path.cwd() if path == "-" else Path(path).resolve())
        opts, bad = options_from(flags, opts)
        for problem in problems + bad:
            print(f"wat-lsp format: {problem}", file=sys.stderr)
        if bad:
            return EXIT_FAILURE
        out = format_text(data, opts)
        if args.check:
            if out != data:
                print(f"would reformat {name}")
                status = max(status, EXIT_CHANGED)
        elif args.diff:
            if out != data:
                _print_diff(name, data, out)
                status = max(status, EXIT_CHANGED)
        elif path == "-":
            sys.stdout.buffer.write(out)
            sys.stdout.flush()
        elif out != data:
            try:
                Path(path).write_bytes(out)
            except OSError as e:
                print(f"wat-lsp format: {name}: cannot write: {e.strerror or e}", file=sys.stderr)
                status = EXIT_FAILURE
    return status


# The checker's walk of directories and its test for binary modules, imported only when
# needed: the modules that hold them import the whole analyser (0.2 s of a format's run).


def _paths(paths: Sequence[str]) -> Iterable[str]:
    if not any(os.path.isdir(p) for p in paths):
        return paths
    from wat_lsp.checking import iter_paths

    return iter_paths(paths)


def _binary(data: bytes) -> bool:
    if not data.startswith(b"\0"):  # every binary module starts with `\0asm`
        return False
    from wat_lsp.analysis.document import is_binary

    return is_binary(data)


def _print_diff(name: str, old: bytes, new: bytes) -> None:
    import difflib

    a = old.decode("utf-8", "replace").splitlines(keepends=True)
    b = new.decode("utf-8", "replace").splitlines(keepends=True)
    for line in difflib.unified_diff(a, b, f"{name}", f"{name} (formatted)"):
        sys.stdout.write(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    sys.stdout.flush()
