"""`textDocument/formatting`, `rangeFormatting` and `onTypeFormatting` from
`analysis/ide/format`: minimal edits (a diff of the old and new text), so an editor keeps
cursors and marks. Options: the request's `FormattingOptions` (indent), then the client's
`format` settings, then the project file found upward from the document
(`wat_lsp/project_config.py`), which the CLI reads too.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from lsprotocol import types
from wat_lsp.analysis.ide import format as fmt
from wat_lsp.analysis.positions import Encoding
from wat_lsp.passes.edits import TextEdit
from wat_lsp.server.diagnostics import RawResult
from wat_lsp.server.documents import Snapshot

from wat_lsp.project_config import format_options

_log = logging.getLogger(__name__)
# Typed characters that ask for the line to be re-indented.
ON_TYPE_FIRST = ")"
ON_TYPE_MORE = ["\n"]


def options(snap: Snapshot, request: types.FormattingOptions, client: Mapping[str, Any]) -> fmt.FormatOptions:
    # The editor's own tab settings, which every LSP request carries, win over the client's
    # `format.indentWidth`/`format.useTabs`; a project file wins over both.
    opts, _ = fmt.options_from(dict(client))
    opts = replace(opts, indentWidth=max(1, min(request.tab_size, 16)), useTabs=not request.insert_spaces)
    path = _path(snap.uri)
    if path is not None:
        opts, problems = format_options(path, opts)
        for problem in problems:
            _log.warning("wat-lsp: %s", problem)
    return opts


def _path(uri: str) -> Path | None:
    parsed = urlparse(uri)
    return Path(unquote(parsed.path)) if parsed.scheme == "file" else None


def _edits(snap: Snapshot, edits: list[TextEdit], encoding: Encoding) -> RawResult:
    """The edits as JSON text: made directly, not as protocol objects (60,000 edits for a
    13 MB module took seconds through the converter). Positions come from one call for all
    (a C search of the line starts each, in ASCII text); the blanks of one edit are mostly
    those of another, so each is quoted once."""
    at = snap.index.positions([o for e in edits for o in (e.start, e.end)], encoding)
    quoted: dict[str, str] = {}
    parts = []
    for k, e in enumerate(edits):
        sl, sc = at[2 * k]
        el, ec = at[2 * k + 1]
        text = quoted.get(e.new_text)
        if text is None:
            text = quoted[e.new_text] = json.dumps(e.new_text)
        parts.append(
            f'{{"range":{{"start":{{"line":{sl},"character":{sc}}},"end":{{"line":{el},"character":{ec}}}}},'
            f'"newText":{text}}}'
        )
    return RawResult("[" + ",".join(parts) + "]")


def formatting(
    snap: Snapshot, request: types.FormattingOptions, client: Mapping[str, Any], encoding: Encoding
) -> RawResult:
    edits = fmt.format_edits(snap.data, options(snap, request, client), snap.tree)
    return _edits(snap, edits, encoding)


def range_formatting(
    snap: Snapshot,
    rng: types.Range,
    request: types.FormattingOptions,
    client: Mapping[str, Any],
    encoding: Encoding,
) -> RawResult:
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
) -> RawResult:
    at = snap.index.offset(position.line, position.character, encoding)
    edits = fmt.line_indent_edit(snap.data, at, options(snap, request, client), snap.tree)
    return _edits(snap, edits, encoding)
