"""`wat-lsp cfg PATH --func NAME -o OUT`: a picture of one function's control flow and liveness.

The format follows OUT's extension (`.svg` or `.dot`); `-o -` (the default) prints DOT.
Exit status: 0 when written, 2 on usage or I/O failure, an unknown function or a body that
cannot be drawn (the message says which).
"""

from __future__ import annotations

import argparse
import sys

from wat_lsp.analysis.document import analyse
from wat_lsp.analysis.ide.cfg_picture import PictureError, picture_of, to_dot, to_svg
from wat_lsp.checking import InputError, display_name, read_input
from wat_lsp.cli import EXIT_FAILURE, EXIT_OK


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        """argparse's own usage errors, with our exit status."""
        self.print_usage(sys.stderr)
        print(f"wat-lsp cfg: {message}", file=sys.stderr)
        raise SystemExit(EXIT_FAILURE)


def _parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="wat-lsp cfg",
        description="Draw a function's basic blocks, edges, live locals and 1a initialization as DOT or SVG.",
    )
    p.add_argument("path", metavar="PATH", help="a .wat/.wast file ('-' for standard input)")
    p.add_argument("--func", required=True, metavar="NAME", help="the function: $name, name or index")
    p.add_argument(
        "-o", "--output", default="-", metavar="OUT", help="OUT.svg or OUT.dot; '-' prints DOT (the default)"
    )
    return p


def main(argv: list[str]) -> int:
    try:
        args = _parser().parse_args(argv)
    except SystemExit as e:  # --help, or a usage error already printed
        return e.code if isinstance(e.code, int) else EXIT_FAILURE
    out: str = args.output
    if out != "-" and not out.endswith((".svg", ".dot")):
        print(f"wat-lsp cfg: {out}: the output must end in .svg or .dot (or be '-')", file=sys.stderr)
        return EXIT_FAILURE
    try:
        data = read_input(args.path)
        pic = picture_of(analyse(data), name=args.func)
    except (InputError, PictureError) as e:
        where = "" if isinstance(e, InputError) else f"{display_name(args.path)}: "
        print(f"wat-lsp cfg: {where}{e}", file=sys.stderr)
        return EXIT_FAILURE
    text = to_svg(pic) if out.endswith(".svg") else to_dot(pic)
    if out == "-":
        sys.stdout.write(text)
        return EXIT_OK
    try:
        with open(out, "w", encoding="utf-8") as f:
            f.write(text)
    except OSError as e:
        print(f"wat-lsp cfg: {out}: cannot write: {e.strerror or e}", file=sys.stderr)
        return EXIT_FAILURE
    return EXIT_OK
