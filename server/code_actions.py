"""Code actions: quick fixes, fix-all, and the registry's passes as refactorings.

Listing must stay cheap on a 13 MB document, where the full analysis (the Module model the
fixes and passes work on) takes seconds. So, for a client that resolves `edit` lazily, a
listing reads only the incremental diagnostics and the syntax tree, and each action carries
`data` naming what to compute; `resolve` computes it against the snapshot it was listed for.
A document that changed since is never edited: the action comes back without an edit and
with a `disabled` reason. Clients that cannot resolve get every edit computed at once, and
only the actions that change something.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from lsprotocol import types
from tree_sitter import Node
from wat_lsp.analysis import cst
from wat_lsp.analysis.diagnostics import Diagnostic, Severity, with_severities
from wat_lsp.analysis.document import Document, ScriptModule, paused_gc
from wat_lsp.analysis.ide.rewrites import registry as rewrites
from wat_lsp.analysis.model import Func, RefType, Span
from wat_lsp.analysis.positions import Encoding
from wat_lsp.passes import coalesce_locals, local_subtyping, remove_unused_locals, reorder_locals, targets
from wat_lsp.passes.edits import TextEdit, apply_edits
from wat_lsp.passes.local_subtyping import make_non_nullable
from wat_lsp.passes.quickfix import Fix, fixable_codes, fixes_for
from wat_lsp.passes.registry import FIX_PASS_CODES, FIX_PASSES, PASSES, fix_passes, run_passes
from wat_lsp.server import convert
from wat_lsp.server.documents import Snapshot

# Below this size (or once analysed) quick fixes are computed while listing: their titles
# and whether they apply come from the fix itself. (Listing runs in the analysis thread,
# ahead of diagnostics; a full analysis of 256 KB takes about 0.1 s.)
EAGER_BYTES = 1 << 18

QUICK_FIX = types.CodeActionKind.QuickFix
FIX_ALL = types.CodeActionKind.SourceFixAll
REWRITE = types.CodeActionKind.RefactorRewrite
KINDS = [QUICK_FIX, FIX_ALL, REWRITE]

STALE = "The document changed since this action was offered; ask for code actions again."

Overrides = Mapping[str, Severity | None]


class BadActionData(ValueError):
    """`codeAction/resolve` of an action this server did not make (or made by another version)."""


@dataclass(frozen=True, slots=True)
class Request:
    snap: Snapshot
    start: int  # the requested range, in bytes
    end: int
    only: Sequence[str] | None  # the client's `context.only`
    encoding: Encoding
    lazy: bool  # the client resolves `edit` with `codeAction/resolve`
    overrides: Overrides


def wanted(kind: str, only: Sequence[str] | None) -> bool:
    """LSP kinds are hierarchical: asking for `source` includes `source.fixAll`."""
    return only is None or any(kind == o or kind.startswith(o + ".") for o in only)


def list_actions(req: Request) -> list[types.CodeAction]:
    out: list[types.CodeAction] = []
    snap = req.snap
    shown = with_severities(snap.diagnostics(), req.overrides)
    with paused_gc():  # (see `resolve`)
        if wanted(QUICK_FIX, req.only):
            out.extend(_quick_fixes(req, shown))
        if wanted(FIX_ALL, req.only):
            out.extend(_fix_all(req, shown))
        if wanted(REWRITE, req.only):
            out.extend(_non_nullable(req))
            out.extend(_rewrite_actions(req))
            out.extend(_pass_actions(req))
    return out


# ---- the pieces of a listing -------------------------------------------------------------


def _data(snap: Snapshot, action: str, **fields: Any) -> dict[str, Any]:
    return {"uri": snap.uri, "version": snap.version, "serial": snap.serial, "action": action, **fields}


def _eager(req: Request) -> bool:
    return not req.lazy or _cheap(req)


def _cheap(req: Request) -> bool:
    """Whether the Module model is there or quick to make."""
    return req.snap.analysed or len(req.snap.data) <= EAGER_BYTES


def _asked_for(kind: str, only: Sequence[str] | None) -> bool:
    """Whether the client asked for `kind` by name (a refactoring menu, fix-all on save),
    rather than for whatever applies at the cursor."""
    return only is not None and wanted(kind, only)


def _quick_fixes(req: Request, shown: list[Diagnostic]) -> list[types.CodeAction]:
    snap = req.snap
    touching = [
        d for d in shown if d.code in fixable_codes() and d.span.end >= req.start and d.span.start <= req.end
    ]
    if not touching:
        return []
    out: list[types.CodeAction] = []
    if not _eager(req):
        for d in touching:
            lsp = convert.diagnostic(d, snap.index, snap.uri, req.encoding)
            out.append(
                types.CodeAction(
                    title=f"Fix this `{d.code}`",
                    kind=QUICK_FIX,
                    diagnostics=[lsp],
                    is_preferred=True,
                    data=_data(snap, "fix", **_diag_key(d)),
                )
            )
        return out
    doc = snap.analysis()
    counts: dict[str, int] = {}
    for d in with_severities(doc.diagnostics, req.overrides):
        counts[d.code] = counts.get(d.code, 0) + 1
    for d in touching:
        full = _find(doc, d)
        if full is None:
            continue
        lsp = convert.diagnostic(d, snap.index, snap.uri, req.encoding)
        fixes = fixes_for(doc, full, fix_all=not req.lazy)
        for fix in fixes:
            out.append(
                types.CodeAction(
                    title=fix.title,
                    kind=QUICK_FIX,
                    diagnostics=[lsp],
                    is_preferred=fix.preferred or None,
                    edit=_workspace_edit(snap, fix.edits, req.encoding),
                )
            )
        if req.lazy and fixes and counts.get(d.code, 0) > 1:
            # The whole-document pass is what costs; leave it to `resolve`.
            out.append(
                types.CodeAction(
                    title=_kind_title(d.code),
                    kind=QUICK_FIX,
                    diagnostics=[lsp],
                    data=_data(snap, "fix-kind", code=d.code),
                )
            )
    return out


def _kind_title(code: str) -> str:
    return f"Fix every `{code}` in the document"


def _fix_all(req: Request, shown: list[Diagnostic]) -> list[types.CodeAction]:
    """`source.fixAll`: what `wat-lsp fix` does with the same severities, offered while a
    diagnostic it fixes is shown, at whatever severity the user shows it."""
    names = fix_passes(req.overrides)
    codes = {FIX_PASS_CODES[n] for n in names}
    if not any(d.code in codes for d in shown):
        return []
    title = f"Fix all errors ({', '.join(names)})"
    action = types.CodeAction(title=title, kind=FIX_ALL, data=_data(req.snap, "fix-all", passes=names))
    if req.lazy:
        return [action]
    if not _cheap(req) and not _asked_for(FIX_ALL, req.only):
        return []  # a client that cannot resolve would make every cursor move cost seconds
    edits = fix_all_edits(req.snap, names)
    if not edits:
        return []
    action.edit = _workspace_edit(req.snap, edits, req.encoding)
    return [action]


def _non_nullable(req: Request) -> list[types.CodeAction]:
    """ "Make `$x` non-nullable" for the local under the cursor, where local-subtyping allows.
    It needs the Module model and a validation of the function, so a big document that is not
    analysed yet gets it only when the client asks for refactorings by name."""
    if not (_cheap(req) or _asked_for(REWRITE, req.only)) or func_node_at(req.snap, req.start) is None:
        return []
    found = make_non_nullable(req.snap.analysis(), req.start)
    if found is None:
        return []
    title, edits = found
    return [types.CodeAction(title=title, kind=REWRITE, edit=_workspace_edit(req.snap, edits, req.encoding))]


def _rewrite_actions(req: Request) -> list[types.CodeAction]:
    """The rewrites of `analysis/ide/rewrites` that apply at the cursor. Like "make non-nullable"
    they need the Module model; their edits are local, so a client that cannot resolve gets
    them computed while listing."""
    if not (_cheap(req) or _asked_for(REWRITE, req.only)):
        return []
    doc = req.snap.analysis()
    out: list[types.CodeAction] = []
    for r in rewrites.available(doc, req.start, req.end):
        if req.lazy:
            data = _data(req.snap, "rewrite", name=r.name, at=req.start, end=req.end)
            out.append(types.CodeAction(title=r.title, kind=REWRITE, data=data))
            continue
        edits = r.edits_in(doc, req.start, req.end)
        if edits:
            edit = _workspace_edit(req.snap, edits, req.encoding)
            out.append(types.CodeAction(title=r.title, kind=REWRITE, edit=edit))
    return out


def _pass_actions(req: Request) -> list[types.CodeAction]:
    snap = req.snap
    if not req.lazy and not _cheap(req) and not _asked_for(REWRITE, req.only):
        return []  # as for fix-all: computing every pass to list them costs seconds here
    func = func_node_at(snap, req.start)
    applies = _Applicable(req, func)
    out: list[types.CodeAction] = []
    for name in PASSES:
        if func is not None and applies.in_function(name):
            label = _func_label(snap.data, func)
            out.append(
                types.CodeAction(
                    title=f"Run {name} on function {label}",
                    kind=REWRITE,
                    data=_data(snap, "pass-func", name=name, at=func.start_byte),
                )
            )
        if applies.in_module(name):
            out.append(
                types.CodeAction(
                    title=f"Run {name} on module",
                    kind=REWRITE,
                    data=_data(snap, "pass-module", name=name, at=req.start),
                )
            )
    if req.lazy:
        return out
    kept: list[types.CodeAction] = []
    runs: dict[str, list[TextEdit]] = {}  # each pass once, for its function and module actions
    for action in out:
        edits = _compute(snap, action.data, runs)
        if edits:
            action.edit = _workspace_edit(snap, edits, req.encoding)
            kept.append(action)
    return kept


# Passes that change only what a diagnostic reports: listed where one of these codes is (the
# analysis keeps them, whatever severity the user shows them at). `remove-dead-stores` also
# drops the stores of a `never-read` local.
_BY_DIAGNOSTIC: dict[str, frozenset[str]] = {
    "fixup-non-nullable-locals": frozenset({"uninitialized-local"}),
    "remove-unused-locals": frozenset({"unused-local"}),
    "remove-dead-stores": frozenset({"dead-store", "never-read"}),
}


def _shares_a_type(f: Func) -> bool:
    seen: set[object] = set()
    for d in f.all_locals:
        key = repr(d.type)  # (types are plain data: their repr is their identity here)
        if key in seen and not d.is_param:
            return True
        seen.add(key)
    return False


def _reorders(f: Func) -> bool:
    order = reorder_locals.new_order(f)
    return order is not None and order != [d.index for d in f.locals]


# Passes that need the Module model to know: a test over one function's declarations and
# (for reorder-locals) its accesses, with the codes of its diagnostics; it may say yes where
# the pass then finds nothing (resolving says so), never no where the pass would change text.
_BY_MODEL: dict[str, Callable[[Func, frozenset[str]], bool]] = {
    coalesce_locals.NAME: lambda f, codes: (
        bool(codes & {"unused-local", "dead-store", "never-read"}) or _shares_a_type(f)
    ),
    reorder_locals.NAME: lambda f, codes: "unused-local" in codes or _reorders(f),
    local_subtyping.NAME: lambda f, codes: any(isinstance(d.type, RefType) for d in f.locals),
    # (used in a module with errors, where liveness reports nothing)
    remove_unused_locals.NAME: lambda f, codes: bool(remove_unused_locals.unused_locals(f)),
}
# Passes that leave a module with errors alone (liveness assumes the code validates).
_VALID_ONLY = frozenset({"remove-dead-stores", coalesce_locals.NAME, local_subtyping.NAME})


class _Applicable:
    """Which passes would change the function at the cursor, or its module, as far as the
    diagnostics (always at hand while listing) and, when it is cheap, the Module model tell.
    What cannot be known cheaply is listed: resolving says when there is nothing to do."""

    def __init__(self, req: Request, func: Node | None) -> None:
        self.req = req
        self.func = func
        lo, hi = _module_range(req.snap, req.start)
        self.module_codes: set[str] = set()
        self.func_codes: set[str] = set()
        fs, fe = (func.start_byte, func.end_byte) if func is not None else (-1, -1)
        self.module_errors = False
        for d in req.snap.diagnostics():
            if lo <= d.span.start < hi:
                self.module_codes.add(d.code)
                self.module_errors = self.module_errors or d.severity == Severity.ERROR
                if fs <= d.span.start < fe:
                    self.func_codes.add(d.code)
        self.cheap = _cheap(req)
        self.small = len(req.snap.data) <= EAGER_BYTES  # every function's test is cheap too

    def in_function(self, name: str) -> bool:
        if name in _VALID_ONLY and self.module_errors:
            return False
        if name in _BY_DIAGNOSTIC and not (self.module_errors and name in _BY_MODEL):
            return bool(_BY_DIAGNOSTIC[name] & self.func_codes)
        test = _BY_MODEL.get(name)
        if test is None or not self.cheap or self.func is None:
            return True
        f = _func_at(self.req.snap.analysis(), self.func.start_byte)
        return f is not None and test(f, frozenset(self.func_codes))

    def in_module(self, name: str) -> bool:
        if name in _VALID_ONLY and self.module_errors:
            return False
        if name in _BY_DIAGNOSTIC and not (self.module_errors and name in _BY_MODEL):
            return bool(_BY_DIAGNOSTIC[name] & self.module_codes)
        test = _BY_MODEL.get(name)
        if test is None or not (self.cheap and self.small):
            return True
        doc = self.req.snap.analysis()
        m = _module_at(doc, self.req.start)
        codes = _codes_by_func(doc)
        return any(
            test(f, codes.get(f.span.start, frozenset()))
            for sm in targets.editable_modules(doc)
            if sm.read is not None and (m is None or len(doc.modules) == 1 or sm is m)
            for f in sm.read.module.funcs
            if f.import_ is None and f.index not in sm.read.broken
        )


def _codes_by_func(doc: Document) -> dict[int, frozenset[str]]:
    """Function start -> the codes of the diagnostics inside it (a small document's)."""
    spans = sorted(
        (f.span.start, f.span.end)
        for sm in doc.modules
        if sm.read is not None
        for f in sm.read.module.funcs
        if f.import_ is None
    )
    out: dict[int, set[str]] = {}
    starts = [a for a, _ in spans]
    for d in doc.diagnostics:
        i = bisect.bisect_right(starts, d.span.start) - 1
        if i >= 0 and d.span.start < spans[i][1]:
            out.setdefault(spans[i][0], set()).add(d.code)
    return {k: frozenset(v) for k, v in out.items()}


def _module_range(snap: Snapshot, offset: int) -> tuple[int, int]:
    """The bytes of the top-level `(module ...)` around `offset`, from the tree; the whole
    text when there is none (a bare module's fields)."""
    for node in snap.tree.root_node.children:
        if node.start_byte <= offset < node.end_byte or node.end_byte == offset:
            if node.type == "module":
                return node.start_byte, node.end_byte
            break
    return 0, len(snap.data)


def func_node_at(snap: Snapshot, offset: int) -> Node | None:
    """The `(func ...)` field around `offset`, found in the tree (no analysis needed)."""
    root = snap.tree.root_node
    node = root.descendant_for_byte_range(offset, offset)
    return cst.innermost(root, node, _FUNC) if node is not None else None


_FUNC = frozenset({"func"})


def _func_label(data: bytes, node: Node) -> str:
    name = node.child_by_field_name("name")
    if name is None:
        return f"at line {node.start_point.row + 1}"
    return f"`{data[name.start_byte : name.end_byte].decode('utf-8', 'replace')}`"


def _diag_key(d: Diagnostic) -> dict[str, Any]:
    return {"code": d.code, "start": d.span.start, "end": d.span.end, "message": d.message}


def _find(doc: Document, d: Diagnostic) -> Diagnostic | None:
    """The full analysis' diagnostic (with the `data` fixes need) equal to `d`."""
    return next(
        (x for x in doc.diagnostics if x.code == d.code and x.span == d.span and x.message == d.message), None
    )


def _workspace_edit(snap: Snapshot, edits: Sequence[TextEdit], encoding: Encoding) -> types.WorkspaceEdit:
    lsp = [
        types.TextEdit(range=convert.range_(snap.index, e.start, e.end, encoding), new_text=e.new_text)
        for e in edits
    ]
    return types.WorkspaceEdit(changes={snap.uri: lsp})


# ---- computing edits ----------------------------------------------------------------------


def fix_all_edits(snap: Snapshot, names: Sequence[str] = FIX_PASSES) -> list[TextEdit]:
    """The edits that turn the text into what `wat-lsp fix` prints for it, running `names`."""
    if not names:
        return []
    first = PASSES[names[0]].run(snap.analysis())
    if len(names) == 1:
        return first
    # Chained passes each see the previous output: one edit covering what changed.
    new = run_passes(apply_edits(snap.data, first), names[1:])
    return [_difference(snap.data, new)] if new != snap.data else []


def _difference(old: bytes, new: bytes) -> TextEdit:
    prefix = 0
    limit = min(len(old), len(new))
    while prefix < limit and old[prefix] == new[prefix]:
        prefix += 1
    suffix = 0
    while suffix < limit - prefix and old[-1 - suffix] == new[-1 - suffix]:
        suffix += 1
    # Both ends on character boundaries (the shared bytes are the same in `old` and `new`).
    while 0 < prefix < len(new) and (new[prefix] & 0xC0) == 0x80:
        prefix -= 1
    while suffix > 0 and (new[len(new) - suffix] & 0xC0) == 0x80:
        suffix -= 1
    return TextEdit(prefix, len(old) - suffix, new[prefix : len(new) - suffix].decode("utf-8", "replace"))


def _module_at(doc: Document, offset: int) -> ScriptModule | None:
    return targets.module_at(doc, Span(offset, offset))


def _func_at(doc: Document, offset: int) -> Func | None:
    m = _module_at(doc, offset)
    if m is None or m.read is None or m.expects_failure:
        return None
    return next(
        (f for f in m.read.module.funcs if f.import_ is None and f.span.start <= offset < f.span.end), None
    )


def _within(edits: list[TextEdit], span: Span) -> list[TextEdit]:
    return [e for e in edits if span.start <= e.start and e.end <= span.end]


def _compute(snap: Snapshot, data: Any, runs: dict[str, list[TextEdit]] | None = None) -> list[TextEdit]:
    """The edits an action's `data` asks for, against `snap` (which it was listed for);
    `runs` keeps whole-document pass results for further actions on the same snapshot."""
    action = data.get("action") if isinstance(data, dict) else None
    handler = _COMPUTE.get(action) if isinstance(action, str) else None
    if handler is None:
        raise BadActionData(f"not a wat-lsp code action: {data!r}")
    return handler(snap, data, {} if runs is None else runs)


def _run_pass(doc: Document, name: str, runs: dict[str, list[TextEdit]]) -> list[TextEdit]:
    if name not in runs:
        runs[name] = PASSES[name].run(doc)
    return runs[name]


def _compute_fix(snap: Snapshot, data: dict[str, Any], runs: dict[str, list[TextEdit]]) -> list[TextEdit]:
    doc = snap.analysis()
    try:
        key = Diagnostic(str(data["code"]), str(data["message"]), Span(int(data["start"]), int(data["end"])))
    except (KeyError, TypeError, ValueError) as e:
        raise BadActionData(f"bad quick fix data: {data!r}") from e
    full = _find(doc, key)
    fixes: list[Fix] = fixes_for(doc, full, fix_all=False) if full is not None else []
    return list(fixes[0].edits) if fixes else []


def _compute_fix_kind(
    snap: Snapshot, data: dict[str, Any], runs: dict[str, list[TextEdit]]
) -> list[TextEdit]:
    doc = snap.analysis()
    code = data.get("code")
    for d in doc.diagnostics:
        if d.code == code:
            fixes = fixes_for(doc, d, fix_all=True)
            if fixes:
                return list(fixes[-1].edits)  # fix-all of its kind, or the one fix when it is all
    return []


def _pass_info(data: dict[str, Any]) -> tuple[str, int]:
    name, at = data.get("name"), data.get("at")
    if not isinstance(name, str) or name not in PASSES or not isinstance(at, int):
        raise BadActionData(f"bad pass action data: {data!r}")
    return name, at


def _compute_pass_func(
    snap: Snapshot, data: dict[str, Any], runs: dict[str, list[TextEdit]]
) -> list[TextEdit]:
    name, at = _pass_info(data)
    doc = snap.analysis()
    f = _func_at(doc, at)
    if f is None:
        return []
    alone = _ONE_FUNCTION.get(name)
    if alone is not None and name not in runs:
        return _within(alone(doc, f), f.span)
    return _within(_run_pass(doc, name, runs), f.span)


def _coalesce_one(doc: Document, f: Func) -> list[TextEdit]:
    """What `coalesce_locals.run` gives for `f` alone: the pass is function by function."""
    if not any(g is f for g in targets.readable_funcs(doc, valid_only=True)):
        return []
    found = coalesce_locals.func_result(doc, f)
    return [] if found is None else list(found.edits)


# Passes whose edits in one function are made for that function alone (coalesce-locals on one
# function of a 10 MB module ran the pass on all 8,000: 1.4 s of CPU).
_ONE_FUNCTION: dict[str, Callable[[Document, Func], list[TextEdit]]] = {coalesce_locals.NAME: _coalesce_one}


def _compute_pass_module(
    snap: Snapshot, data: dict[str, Any], runs: dict[str, list[TextEdit]]
) -> list[TextEdit]:
    name, at = _pass_info(data)
    doc = snap.analysis()
    m = _module_at(doc, at)
    edits = _run_pass(doc, name, runs)
    return edits if m is None or len(doc.modules) == 1 else _within(edits, m.span)


def _compute_rewrite(snap: Snapshot, data: dict[str, Any], runs: dict[str, list[TextEdit]]) -> list[TextEdit]:
    name, at, end = data.get("name"), data.get("at"), data.get("end", data.get("at"))
    if not isinstance(name, str) or name not in rewrites.REWRITES or not isinstance(at, int):
        raise BadActionData(f"bad rewrite action data: {data!r}")
    if not isinstance(end, int) or end < at:
        raise BadActionData(f"bad rewrite action data: {data!r}")
    return rewrites.REWRITES[name].edits_in(snap.analysis(), at, end)


def _passes_of(data: dict[str, Any]) -> list[str]:
    names = data.get("passes", list(FIX_PASSES))
    if not isinstance(names, list) or not all(isinstance(n, str) and n in FIX_PASS_CODES for n in names):
        raise BadActionData(f"bad fix-all action data: {data!r}")
    return names


_COMPUTE: dict[str, Callable[[Snapshot, dict[str, Any], dict[str, list[TextEdit]]], list[TextEdit]]] = {
    "fix": _compute_fix,
    "fix-kind": _compute_fix_kind,
    "fix-all": lambda snap, data, runs: fix_all_edits(snap, _passes_of(data)),
    "pass-func": _compute_pass_func,
    "pass-module": _compute_pass_module,
    "rewrite": _compute_rewrite,
}


# The module-wide actions, and what their progress says while they are resolved.
_PROGRESS_TITLES: dict[str, Callable[[dict[str, Any]], str]] = {
    "pass-module": lambda data: f"Running {data.get('name')} on the module",
    "fix-all": lambda data: "Fixing all errors",
    "fix-kind": lambda data: f"Fixing every `{data.get('code')}`",
}


def progress_title(action: types.CodeAction, lookup: Callable[[str], Snapshot | None]) -> str | None:
    """What the progress of resolving `action` says, or None when it shows none: an action on
    one function, or on a document small enough (`EAGER_BYTES`) that resolving is quick."""
    data = action.data
    if not isinstance(data, dict) or not isinstance(data.get("uri"), str):
        return None
    title = _PROGRESS_TITLES.get(str(data.get("action")))
    snap = lookup(data["uri"])
    if title is None or snap is None or len(snap.data) <= EAGER_BYTES:
        return None
    return title(data)


def resolve(
    action: types.CodeAction, lookup: Callable[[str], Snapshot | None], encoding: Encoding
) -> types.CodeAction:
    """Fill in `action.edit`, or say (in `disabled`) why there is nothing to apply."""
    data = action.data
    if data is None and action.edit is not None:
        return action  # listed with its edit already
    if not isinstance(data, dict) or not isinstance(data.get("uri"), str):
        raise BadActionData(f"not a wat-lsp code action: {data!r}")
    snap = lookup(data["uri"])
    if snap is None or snap.serial != data.get("serial"):
        action.edit = None
        action.disabled = types.CodeActionDisabled(reason=STALE)
        return action
    with paused_gc():  # a rewrite's trees or a pass's tables: 100,000 blocks' worth, kept a while
        edits = _compute(snap, data)
    action.edit = _workspace_edit(snap, edits, encoding)
    if not edits:
        action.disabled = types.CodeActionDisabled(reason="Nothing to change here.")
    return action
