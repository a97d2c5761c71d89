"""The server's settings: severity per diagnostic code.

Clients send them as initialization options and as the `wat-lsp` section of
`workspace/configuration`, both shaped `{"severity": {"<code>": "warning" | "off" | ...}}`.
Reading settings never fails: what cannot be understood is reported as a problem (the server
logs it) and ignored, so one typo does not discard the rest.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from wat_lsp.analysis.diagnostics import CODES, Severity, parse_severity

SECTION = "wat-lsp"


@dataclass(frozen=True, slots=True)
class Settings:
    # code -> severity; None turns the code off. Codes not listed keep their default.
    severity: Mapping[str, Severity | None] = field(default_factory=dict)


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
    table = raw.get("severity")
    if table is None:
        return Parsed(Settings(), ())
    if not isinstance(table, Mapping):
        return Parsed(Settings(), (f"{where}: `severity` must map codes to levels, got {_kind(table)}",))
    severity: dict[str, Severity | None] = {}
    problems: list[str] = []
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
    return Parsed(Settings(severity), tuple(problems))


def merged(base: Settings, override: Settings) -> Settings:
    """`override`'s entries over `base`'s (workspace configuration over initialization options)."""
    return Settings({**base.severity, **override.severity})


def _kind(value: object) -> str:
    return "null" if value is None else type(value).__name__


class Configuration:
    """The settings in force: workspace configuration over initialization options."""

    def __init__(self) -> None:
        self._init = Settings()
        self._workspace = Settings()
        self.current = Settings()

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
        changed = dict(new.severity) != dict(self.current.severity)
        self.current = new
        return changed
