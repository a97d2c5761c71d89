"""`textDocument/formatting`, `rangeFormatting` and `onTypeFormatting` from
`analysis/ide/format`: minimal edits (a diff of the old and new text), so an editor keeps
cursors and marks. Options: the request's `FormattingOptions` (indent), then the client's
`format` settings, then the project file found upward from the document
(`wat_lsp/project_config.py`), which the CLI reads too.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from lsprotocol import types
from wat_lsp.analysis.ide import format as fmt
from wat_lsp.analysis.positions import Encoding
from wat_lsp.passes.edits import TextEdit
from wat_lsp.server.convert import range_
from wat_lsp.server.documents import Snapshot

from wat_lsp.project_config import format_options

_log = logging.getLogger(__name__)
# Typed characters that ask for the line to be re-indented.
ON_TYPE_FIRST = ")"
ON_TYPE_MORE = ["\n"]


def options(snap: Snapshot, request: types.FormattingOptions, client: Mapping[str, Any]) -> fmt.FormatOptions:
    base = fmt.FormatOptions(indentWidth=max(1, min(request.tab_size, 16)), useTabs=not request.insert_spaces)
    opts, _ = fmt.options_from(dict(client), base)
    path = _path(snap.uri)
    if path is not None:
        opts, problems = format_options(path, opts)
        for problem in problems:
            _log.warning("wat-lsp: %s", problem)
    return opts


def _path(uri: str) -> Path | None:
    parsed = urlparse(uri)
    return Path(unquote(parsed.path)) if parsed.scheme == "file" else None


def _edits(snap: Snapshot, edits: list[TextEdit], encoding: Encoding) -> list[types.TextEdit]:
    return [
        types.TextEdit(range=range_(snap.index, e.start, e.end, encoding), new_text=e.new_text) for e in edits
    ]


def formatting(
    snap: Snapshot, request: types.FormattingOptions, client: Mapping[str, Any], encoding: Encoding
) -> list[types.TextEdit]:
    edits = fmt.format_edits(snap.data, options(snap, request, client), snap.tree)
    return _edits(snap, edits, encoding)


def range_formatting(
    snap: Snapshot,
    rng: types.Range,
    request: types.FormattingOptions,
    client: Mapping[str, Any],
    encoding: Encoding,
) -> list[types.TextEdit]:
    start = snap.index.offset(rng.start.line, rng.start.character, encoding)
    end = max(start, snap.index.offset(rng.end.line, rng.end.character, encoding))
    edits = fmt.range_edits(snap.data, start, end, options(snap, request, client), snap.tree)
    return _edits(snap, edits, encoding)


def on_type_formatting(
    snap: Snapshot,
    position: types.Position,
    request: types.FormattingOptions,
    client: Mapping[str, Any],
    encoding: Encoding,
) -> list[types.TextEdit]:
    at = snap.index.offset(position.line, position.character, encoding)
    edits = fmt.line_indent_edit(snap.data, at, options(snap, request, client), snap.tree)
    return _edits(snap, edits, encoding)
