"""`offset = 4`, `offset= 4`, `align =8` → `offset=4`, `align=8`: blanks around the `=` of a
memory argument, which the text format forbids (`offset=4` is one token), removed
(wasm-language-tools' `fix_invalid_mem_arg`). It applies to text with that syntax error, in
an instruction; outside comments and strings."""

from __future__ import annotations

import re

from wat_lsp.analysis.document import Document
from wat_lsp.analysis.ide.rewrites.base import COMMENTS, Rewrite
from wat_lsp.passes.edits import TextEdit

_MEM_ARG = re.compile(rb"(?<![\w.$])(offset|align)([ \t]*)=([ \t]*)(?=[0-9])")
_REACH = 64  # how far before the cursor a memory argument may start


def _edits(doc: Document, offset: int) -> list[TextEdit]:
    for m in _MEM_ARG.finditer(doc.data, max(0, offset - _REACH), offset + _REACH):
        if not m.start() <= offset <= m.end() or not (m.group(2) or m.group(3)):
            continue
        node = doc.tree.root_node.descendant_for_byte_range(m.start(), m.start())
        if node is None or node.type in COMMENTS or node.type == "string":
            return []
        edits = [TextEdit(m.start(g), m.end(g), "") for g in (2, 3) if m.group(g)]
        return edits
    return []


FIX_INVALID_MEM_ARG = Rewrite.by_edits(
    "fix_invalid_mem_arg", "Remove the blanks around `=` in the memory argument", _edits, same_binary=False
)
