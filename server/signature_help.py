"""`textDocument/signatureHelp`: `analysis.signature_help`'s signature as an lsprotocol value.

Parameter labels are [start, end) offsets into the signature's label, counted in the
negotiated position encoding's units (the label may hold non-ASCII `$names`)."""

from __future__ import annotations

from lsprotocol import types
from wat_lsp.analysis.ide import signature_help as core
from wat_lsp.analysis.positions import Encoding
from wat_lsp.server.documents import Snapshot

# `(` opens an operand (or the instruction); space moves to the next one (a retrigger).
TRIGGER_CHARACTERS = ["(", " "]
RETRIGGER_CHARACTERS = [")"]


def _units(text: str, encoding: Encoding) -> int:
    if encoding == "utf-8":
        return len(text.encode("utf-8", "surrogatepass"))
    if encoding == "utf-16":
        return len(text.encode("utf-16-le", "surrogatepass")) // 2
    return len(text)


def signature_help(
    snap: Snapshot, position: types.Position, encoding: Encoding
) -> types.SignatureHelp | None:
    offset = snap.index.offset(position.line, position.character, encoding)
    sig = core.signature_help(snap.data, snap.tree, offset, snap.early)
    if sig is None:
        return None
    params = [
        types.ParameterInformation(label=(_units(sig.label[:a], encoding), _units(sig.label[:b], encoding)))
        for a, b in sig.params
    ]
    info = types.SignatureInformation(label=sig.label, parameters=params, active_parameter=sig.active)
    return types.SignatureHelp(signatures=[info], active_signature=0, active_parameter=sig.active)
