"""The server's settings: severity per diagnostic code, how many diagnostics a document
shows at most, and which inlay hints to give.

Clients send them as initialization options and as the `wat-lsp` section of
`workspace/configuration`, both shaped `{"severity": {"<code>": "warning" | "off" | ...},
"maxDiagnostics": 1000, "format": {"printWidth": 100, ...}}`; their names, types and defaults are
the table in `wat_lsp/settings.py` (the format options: docs/formatting.md; a project's
`wat-lsp.toml` or `pyproject.toml` overrides them).
Reading settings never fails: what cannot be understood is reported as a problem (the server
logs it) and ignored, so one typo does not discard the rest.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from wat_lsp.analysis.diagnostics import CODES, Severity, parse_severity
from wat_lsp.analysis.ide.format import options_from
from wat_lsp.analysis.ide.inlay_hints import Options as InlayOptions

from wat_lsp.settings import BY_NAME
from wat_lsp.settings import SECTION as SECTION  # re-exported: the server asks for this section

# A document's diagnostics shown at most; 0: no limit.
MAX_DIAGNOSTICS: int = BY_NAME["maxDiagnostics"].default
_MIN_DIAGNOSTICS: int = BY_NAME["maxDiagnostics"].minimum or 0

# Setting name -> the field of `InlayOptions` it switches.
_INLAY: dict[str, str] = {
    "inlayHints.types": "types",
    "inlayHints.indices": "indices",
    "inlayHints.blockEnds": "block_ends",
}


@dataclass(frozen=True, slots=True)
class Settings:
    # code -> severity; None turns the code off. Codes not listed keep their default.
    severity: Mapping[str, Severity | None] = field(default_factory=dict)
    max_diagnostics: int | None = None  # None: not given here
    format: Mapping[str, Any] = field(default_factory=dict)  # the valid format options given
    inlay: Mapping[str, bool] = field(default_factory=dict)  # inlay setting name -> on; only those given

    @property
    def limit(self) -> int:
        """The diagnostics shown per document at most (0: all)."""
        return MAX_DIAGNOSTICS if self.max_diagnostics is None else self.max_diagnostics

    @property
    def inlay_options(self) -> InlayOptions:
        """Which inlay hints to give: the table's defaults, then what is set here."""
        return InlayOptions(
            **{f: bool(self.inlay.get(name, BY_NAME[name].default)) for name, f in _INLAY.items()}
        )


@dataclass(frozen=True, slots=True)
class Parsed:
    settings: Settings
    problems: tuple[str, ...]


def parse_settings(raw: object, where: str) -> Parsed:
    """`Settings` from a JSON value; `where` names the source in problem messages."""
    if raw is None:
        return Parsed(Settings(), ())
    if not isinstance(raw, Mapping):
        return Parsed(Settings(), (f"{where}: expected an object, got {_kind(raw)}",))
    problems: list[str] = []
    fmt = _format_settings(raw.get("format"), where, problems)
    inlay = _booleans(raw, tuple(_INLAY), where, problems)
    limit = raw.get("maxDiagnostics")
    if limit is not None and (
        not isinstance(limit, int) or isinstance(limit, bool) or limit < _MIN_DIAGNOSTICS
    ):
        problems.append(
            f"{where}: `maxDiagnostics` must be a whole number, 0 for no limit, got {limit!r} (ignored)"
        )
        limit = None
    table = raw.get("severity")
    if table is None:
        return Parsed(Settings(max_diagnostics=limit, format=fmt, inlay=inlay), tuple(problems))
    if not isinstance(table, Mapping):
        problems.append(f"{where}: `severity` must map codes to levels, got {_kind(table)}")
        return Parsed(Settings(max_diagnostics=limit, format=fmt, inlay=inlay), tuple(problems))
    severity: dict[str, Severity | None] = {}
    for code, level in table.items():
        if not isinstance(code, str) or code not in CODES:
            problems.append(f"{where}: unknown diagnostic code {code!r} in `severity` (ignored)")
            continue
        if not isinstance(level, str):
            problems.append(f"{where}: severity of {code!r} must be a string, got {_kind(level)} (ignored)")
            continue
        try:
            severity[code] = parse_severity(level)
        except ValueError as e:
            problems.append(f"{where}: {code}: {e} (ignored)")
    return Parsed(Settings(severity, limit, fmt, inlay), tuple(problems))


def _format_settings(raw: object, where: str, problems: list[str]) -> dict[str, Any]:
    """The format options that are valid (each invalid one is a problem)."""
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        problems.append(f"{where}: `format` must be an object, got {_kind(raw)} (ignored)")
        return {}
    good: dict[str, Any] = {}
    for key, value in raw.items():
        _, errors = options_from({key: value})
        if errors:
            problems.extend(f"{where}: {e} (ignored)" for e in errors)
        else:
            good[key] = value
    return good


def dotted(raw: Mapping[str, object], name: str) -> object:
    """The value of a dotted setting (`inlayHints.types`): nested, as VS Code and
    `workspace/configuration` send it, or under the dotted key itself; None when absent."""
    if name in raw:
        return raw[name]
    value: object = raw
    for part in name.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def _booleans(
    raw: Mapping[str, object], names: tuple[str, ...], where: str, problems: list[str]
) -> dict[str, bool]:
    out: dict[str, bool] = {}
    for name in names:
        value = dotted(raw, name)
        if value is None:
            continue
        if not isinstance(value, bool):
            problems.append(f"{where}: `{name}` must be true or false, got {value!r} (ignored)")
            continue
        out[name] = value
    return out


def merged(base: Settings, override: Settings) -> Settings:
    """`override`'s entries over `base`'s (workspace configuration over initialization options)."""
    limit = override.max_diagnostics if override.max_diagnostics is not None else base.max_diagnostics
    return Settings(
        {**base.severity, **override.severity},
        limit,
        {**base.format, **override.format},
        {**base.inlay, **override.inlay},
    )


def _kind(value: object) -> str:
    return "null" if value is None else type(value).__name__


class Configuration:
    """The settings in force: workspace configuration over initialization options."""

    def __init__(self) -> None:
        self._init = Settings()
        self._workspace = Settings()
        self.current = Settings()
        self.inlay_changed = False  # whether the last refresh changed which inlay hints to give

    def set_initialization_options(self, raw: object) -> tuple[bool, tuple[str, ...]]:
        parsed = parse_settings(raw, "initializationOptions")
        self._init = parsed.settings
        return self._refresh(), parsed.problems

    def set_workspace(self, raw: object) -> tuple[bool, tuple[str, ...]]:
        """The `wat-lsp` section from `workspace/configuration` (None: the client has none)."""
        parsed = parse_settings(raw, f"configuration section `{SECTION}`")
        self._workspace = parsed.settings
        return self._refresh(), parsed.problems

    def _refresh(self) -> bool:
        """Recompute `current`; whether it changed."""
        new = merged(self._init, self._workspace)
        changed = dict(new.severity) != dict(self.current.severity) or new.limit != self.current.limit
        self.inlay_changed = new.inlay_options != self.current.inlay_options
        self.current = new
        return changed
