"""`workspace/executeCommand` `wat-lsp.showCfg`: a function's control-flow picture as DOT and SVG.

Arguments: the document's URI, then the function as a name (`$f`, `f` or an index) or as a
position `{"line": L, "character": C}` inside it. The answer is
`{"function": "$f", "dot": "...", "svg": "..."}`; the client decides how to show it. A
refusal (document not open, unknown function, unreadable body, bad arguments) is LSP's
RequestFailed with the reason.
"""

from __future__ import annotations

from typing import Any

from pygls.exceptions import JsonRpcException
from wat_lsp.analysis.ide.cfg_picture import PictureError, picture_of, to_dot, to_svg
from wat_lsp.analysis.positions import Encoding
from wat_lsp.server.documents import Snapshot

COMMAND = "wat-lsp.showCfg"


class CfgRefused(JsonRpcException):
    """No picture for this request (the user's input, not our failure)."""

    CODE = -32803
    MESSAGE = "No control flow graph"


def target(arguments: tuple[Any, ...]) -> tuple[str, str | None, tuple[int, int] | None]:
    """(uri, function name, (line, character)) from the command's arguments."""
    if len(arguments) != 2 or not isinstance(arguments[0], str):
        raise CfgRefused(f"{COMMAND} takes two arguments: a document URI and a function name or position")
    uri, where = arguments
    if isinstance(where, str | int) and not isinstance(where, bool):
        return uri, str(where), None
    if isinstance(where, dict):
        line, char = where.get("line"), where.get("character")
        if isinstance(line, int) and isinstance(char, int) and line >= 0 and char >= 0:
            return uri, None, (line, char)
    # pygls may hand over its own converted object for a Position
    line, char = getattr(where, "line", None), getattr(where, "character", None)
    if isinstance(line, int) and isinstance(char, int):
        return uri, None, (line, char)
    raise CfgRefused(f"{COMMAND}: the second argument must be a function name or a position")


def show_cfg(
    snap: Snapshot, name: str | None, position: tuple[int, int] | None, encoding: Encoding
) -> dict[str, str]:
    offset = None if position is None else snap.index.offset(position[0], position[1], encoding)
    try:
        pic = picture_of(snap.analysis(), name=name, offset=offset)
    except PictureError as e:
        raise CfgRefused(str(e)) from None
    return {"function": pic.title, "dot": to_dot(pic), "svg": to_svg(pic)}
