"""Giving a closed document's memory back.

The whole-document caches (`pieces`, the occurrence index, the last full semantic tokens and
those sent per document, completion's last clean analysis) keep a few documents' analyses
each; once a document closes, what they hold of it is dead weight. They are keyed by analysis
or by text, not by URI, so a close empties them all: the open documents' next whole-document
requests compute their pieces again (once).

Then the memory itself: reading a big module leaves its objects in the permanent generation
(`analysis.document.no_cyclic_gc` freezes them), where the cyclic collector never looks. The
model is built without cycles, so reference counting frees it; one full collection here, with
the permanent generation thawed for it, frees whatever cycle did form, and the survivors are
frozen again. Finally glibc is asked to return its free pages (`malloc_trim`): without that
the freed heap stays mapped and the process's RSS does not come down.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
from collections.abc import Callable

from wat_lsp.server import completion, features, pieces, references, semantic_tokens


def closed(uri: str) -> None:
    """Forget everything kept for `uri` and for documents no longer current, then return the
    memory to the system (worker thread: the caches are read there)."""
    completion.forget(uri)
    features.forget(uri)
    pieces.clear()
    references.clear()
    semantic_tokens.clear()
    collect()


def collect() -> None:
    """A full collection including the frozen objects, then `malloc_trim`."""
    frozen = gc.get_freeze_count()
    if frozen:
        gc.unfreeze()
    gc.collect()
    if frozen:
        gc.freeze()  # the survivors: the open documents' analyses, scanned no more
    if _trim is not None:
        _trim(0)


def _malloc_trim() -> Callable[[int], int] | None:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        trim: Callable[[int], int] = ctypes.CDLL(name).malloc_trim
    except (OSError, AttributeError):  # not glibc (musl, macOS): nothing to ask
        return None
    return trim


_trim = _malloc_trim()
