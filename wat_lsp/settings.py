"""The settings the server reads, as one table: names, JSON types, defaults, allowed values and
descriptions. The server's parser (`server/config.py`) takes its defaults and limits from here,
the CLI its severity levels, and the VS Code extension's `package.json` contributes exactly these
(under `wat-lsp.`) plus the settings only the client reads (`CLIENT_ONLY`);
`tests/editors/test_vscode_settings.py` compares the two, so they cannot drift.

To add a setting: a row here, its parsing in `server/config.py`, the same property in
`editors/vscode/package.json` (`vscode_property` says what it must hold) and a line in the
extension's README.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, Literal

from wat_lsp.analysis.ide.format import MULTI_LINE, WRAP_BEFORE, FormatOptions

SECTION = "wat-lsp"

Kind = Literal["object", "integer", "boolean", "string", "array"]

# The severity levels a setting may name, in the order editors list them. `parse_severity` also
# takes the aliases `info` and `none`, which are not offered.
LEVELS: tuple[str, ...] = ("error", "warning", "information", "hint", "off")


@dataclass(frozen=True, slots=True)
class Setting:
    # The key in the `wat-lsp` section, e.g. "maxDiagnostics"; a dotted name ("format.indentWidth")
    # is nested in the section's object, as VS Code sends it.
    name: str
    kind: Kind  # the JSON type of the value
    default: Any
    description: str  # Markdown, one or two sentences
    enum: tuple[str, ...] = ()  # allowed strings: of the value, or of each entry of an object
    minimum: int | None = None
    scope: str = "resource"  # VS Code's: where the setting may be set
    extra: dict[str, Any] = field(default_factory=dict)


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "severity",
        "object",
        {},
        'Severity per diagnostic code, e.g. `{"unused-local": "hint", "dead-store": "off"}`. '
        "Codes are listed in the project's `docs/diagnostics.md`.",
        enum=LEVELS,
    ),
    Setting(
        "maxDiagnostics",
        "integer",
        # One broken parenthesis in a big file used to give hundreds of thousands of
        # diagnostics, and a client slows down with each.
        1000,
        "The diagnostics shown per document at most (`0`: no limit).",
        minimum=0,
    ),
    # Inlay hints, one switch per kind (as wasm-language-tools has): the defaults are the ones
    # that keep the code readable (decision 39).
    Setting(
        "inlayHints.types",
        "boolean",
        True,
        "Inlay hints: the declared type after each `local.get`, `local.set` and `local.tee` of a local or parameter.",
    ),
    Setting(
        "inlayHints.indices",
        "boolean",
        False,
        "Inlay hints: the binary index (`#N`; for a label, its relative depth) after each `$name` reference.",
    ),
    Setting(
        "inlayHints.blockEnds",
        "boolean",
        True,
        "Inlay hints: after the `end` or `)` closing a block or function that spans lines, its kind and label.",
    ),
)

# The formatter's options (docs/formatting.md), under `format.`; their defaults are
# `FormatOptions`'. `indentWidth` and `useTabs` apply where a request carries no formatting
# options of the editor's own (LSP requests always do, so in an editor these come from it).
_FORMAT_HELP: dict[str, tuple[str, tuple[str, ...]]] = {
    "indentWidth": ("Spaces per indentation level, where the editor's request does not say.", ()),
    "useTabs": ("A tab per indentation level, where the editor's request does not say.", ()),
    "printWidth": ("The line width that forms which fit stay within.", ()),
    "splitClosingParens": ("A broken form's `)` on a line of its own.", ()),
    "wrapBeforeLocals": ("A line break before a function's locals.", WRAP_BEFORE),
    "wrapBeforeFields": ("A line break before a struct's fields.", WRAP_BEFORE),
    "wrapBeforeConstExpr": (
        "A line break before a global's, table's or segment's constant expression.",
        WRAP_BEFORE,
    ),
    "multiLineLocals": (
        "Locals after the first: on one line, or one a line.",
        MULTI_LINE,
    ),
    "multiLineFields": ("Struct fields after the first: on one line, or one a line.", MULTI_LINE),
    "ignoreCommentDirective": ("The comment text that keeps the next form as it is.", ()),
}


def _format_setting(name: str, default: Any) -> Setting:
    help_text, enum = _FORMAT_HELP[name]
    kind: Kind = (
        "boolean" if isinstance(default, bool) else "integer" if isinstance(default, int) else "string"
    )
    return Setting(
        f"format.{name}",
        kind,
        default,
        f"Formatter: {help_text}",
        enum=enum,
        minimum=1 if kind == "integer" else None,
    )


SETTINGS += tuple(_format_setting(f.name, getattr(FormatOptions(), f.name)) for f in fields(FormatOptions))

BY_NAME: dict[str, Setting] = {s.name: s for s in SETTINGS}

# Settings of the VS Code extension that only the client reads (how to start the server, tracing).
CLIENT_ONLY: tuple[str, ...] = ("serverPath", "serverArgs", "trace.server")


def vscode_property(setting: Setting) -> dict[str, Any]:
    """What `contributes.configuration.properties["wat-lsp.<name>"]` must hold for `setting`
    (the extension's `package.json` may add keys, such as an `order`, but not change these)."""
    prop: dict[str, Any] = {
        "type": setting.kind,
        "default": setting.default,
        "markdownDescription": setting.description,
        "scope": setting.scope,
    }
    if setting.enum and setting.kind == "object":
        prop["additionalProperties"] = {"type": "string", "enum": list(setting.enum)}
    elif setting.enum:
        prop["enum"] = list(setting.enum)
    if setting.minimum is not None:
        prop["minimum"] = setting.minimum
    prop.update(setting.extra)
    return prop
