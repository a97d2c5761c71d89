"""`workspace/symbol`: the named items of every open document (`navigation.symbols`: types
and their fields, functions, globals, tables, memories, tags, segments; the modules of a script
as containers), filtered by the query as VS Code filters (a case-insensitive subsequence of
the name) and cut at `LIMIT`. Parameters and locals are left out: they are function-scoped,
and a workspace-wide list of them would bury the items."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from lsprotocol import types
from wat_lsp.analysis.document import Document
from wat_lsp.analysis.ide import navigation
from wat_lsp.analysis.ide.navigation import Symbol
from wat_lsp.analysis.positions import Encoding
from wat_lsp.server import convert
from wat_lsp.server.documents import Snapshot

LIMIT = 1000  # symbols returned at most
_NESTED = frozenset({"module", "type"})  # symbols whose children are listed too (not functions')


@dataclass(frozen=True, slots=True)
class Found:
    key: object  # which document (the server's URI)
    symbol: Symbol
    container: str | None


def matches(query: str, name: str) -> bool:
    """Whether `query`'s characters occur in `name` in order, ignoring case."""
    rest = iter(name.casefold())
    return all(c in rest for c in query.casefold())


def workspace_symbols(
    docs: Iterable[tuple[object, Callable[[], Document]]], query: str, limit: int = LIMIT
) -> list[Found]:
    """Named symbols of each document (its analysis asked for in turn) whose name matches,
    in document and source order, at most `limit`."""
    out: list[Found] = []
    for key, analysis in docs:
        pending: list[tuple[Symbol, str | None]] = [
            (s, None) for s in reversed(navigation.symbols(analysis()))
        ]
        while pending:  # depth first, in source order (two levels at most: module, type)
            s, container = pending.pop()
            if s.name.startswith("$") and matches(query, s.name):
                out.append(Found(key, s, container))
                if len(out) >= limit:
                    return out
            if s.kind in _NESTED:
                pending.extend((c, s.name) for c in reversed(s.children))
    return out


def symbols(snaps: Iterable[Snapshot], query: str, encoding: Encoding) -> list[types.WorkspaceSymbol]:
    by_uri = {snap.uri: snap for snap in snaps}
    found = workspace_symbols(((uri, snap.analysis) for uri, snap in by_uri.items()), query)
    out: list[types.WorkspaceSymbol] = []
    for f in found:
        snap = by_uri[str(f.key)]
        s = f.symbol
        rng = convert.range_(snap.index, s.span.start, s.span.end, encoding)
        out.append(
            types.WorkspaceSymbol(
                name=s.name,
                kind=convert.symbol_kind(s.kind),
                location=types.Location(uri=snap.uri, range=rng),
                container_name=f.container,
            )
        )
    return out
