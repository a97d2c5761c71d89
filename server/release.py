"""Giving a closed document's memory back.

The whole-document caches (`function_cache`, the occurrence index, the last full semantic tokens and
those sent per document, completion's last clean analysis, and the single-entry caches of the
fold rewrites and of `mut-never-set` and its fix) keep a few documents' analyses each; once a
document closes, what they hold of it is dead weight. They are keyed by analysis or by text,
not by URI, so a close empties them all: the open documents' next whole-document
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
import os
import sys
from collections.abc import Callable

from wat_lsp.analysis import syntax
from wat_lsp.analysis.ide import function_cache, references, semantic_tokens
from wat_lsp.analysis.ide.rewrites import fold
from wat_lsp.analysis.lints import mut_never_set
from wat_lsp.passes import fix_lints
from wat_lsp.server import code_lens, completion, ide_requests


def closed(uri: str) -> None:
    """Forget everything kept for `uri` and for documents no longer current, then return the
    memory to the system (worker thread: the caches are read there)."""
    completion.forget(uri)
    ide_requests.forget(uri)
    code_lens.forget(uri)
    function_cache.clear()
    references.clear()
    semantic_tokens.clear()
    # single-entry caches of the last document asked about: they would keep its model alive
    fold.clear()
    mut_never_set.clear()
    fix_lints.clear()
    syntax.forget()  # the parenthesis scans: chunks of texts, the last text
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


def system_allocator() -> None:
    """Run the server on the C library's allocator (`PYTHONMALLOC=malloc`): re-executes the
    process with it set, unless PYTHONMALLOC is set already (any value: the user's choice).

    Python's own allocator keeps small objects in 1 MiB arenas and returns an arena only once
    every object in it is gone. The objects a request makes on the event loop while a big
    document's analysis is alive land in that analysis' arenas and pin them after it is freed:
    over stdio, a 5 MB document opened and closed 20 times left the server 104 MB bigger
    (3 MB more per cycle, on and on); with glibc's allocator and `malloc_trim` it stays
    within 11 MB of where it started. Reading is ~15% slower on it. glibc is asked for huge
    pages (`HUGE_PAGES`) unless GLIBC_TUNABLES is set."""
    if os.environ.get("PYTHONMALLOC") is not None or _trim is None or not sys.platform.startswith("linux"):
        return
    os.environ["PYTHONMALLOC"] = "malloc"
    tunables = "GLIBC_TUNABLES" not in os.environ
    if tunables:
        os.environ["GLIBC_TUNABLES"] = HUGE_PAGES
    try:
        os.execv(sys.executable, [sys.executable, *sys.orig_argv[1:]])
    except OSError:  # cannot re-execute: serve as we are
        del os.environ["PYTHONMALLOC"]
        if tunables:
            del os.environ["GLIBC_TUNABLES"]


# glibc (2.35 on) asks for transparent huge pages for what it maps (`madvise`; where the
# system gives them on request, the default). Each version of a 60 MB document is a new 60 MB
# mapping: in 4 KiB pages 15,000 page faults, 40 ms of a keystroke, against 7 ms; and the
# analysis' objects, spread over gigabytes, cost fewer TLB misses to visit. Older versions
# ignore the setting.
HUGE_PAGES = "glibc.malloc.hugetlb=1"


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
