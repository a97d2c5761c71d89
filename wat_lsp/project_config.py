"""Project settings found upward from a file, as ruff finds its own: the nearest directory
holding a `wat-lsp.toml` (its `[format]` table) or a `pyproject.toml` with a
`[tool.wat-lsp.format]` table. The CLI and the server read the same files.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from wat_lsp.analysis.ide.format import FormatOptions, options_from


@dataclass(frozen=True, slots=True)
class ProjectFormat:
    path: Path | None  # the file the settings came from; None: none found
    settings: dict[str, Any]
    problems: tuple[str, ...]


def find_format_settings(start: Path) -> ProjectFormat:
    """The format table nearest `start` (a file or directory) going up."""
    here = start if start.is_dir() else start.parent
    for d in (here, *here.parents):
        for name in ("wat-lsp.toml", "pyproject.toml"):
            found = _read(d / name)
            if found is not None:
                return found
    return ProjectFormat(None, {}, ())


def _read(path: Path) -> ProjectFormat | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return _read_cached(path, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=64)
def _read_cached(path: Path, _mtime: int, _size: int) -> ProjectFormat | None:
    try:
        with open(path, "rb") as f:
            doc = tomllib.load(f)
    except (OSError, tomllib.TOMLDecodeError) as e:
        if path.name == "pyproject.toml":
            return None  # not ours to complain about
        return ProjectFormat(path, {}, (f"{path}: cannot read: {e}",))
    if path.name == "pyproject.toml":
        tool = doc.get("tool", {})
        section = tool.get("wat-lsp") if isinstance(tool, dict) else None
        if not isinstance(section, dict):
            return None
    else:
        section = doc
    table = section.get("format", {})
    if not isinstance(table, dict):
        return ProjectFormat(path, {}, (f"{path}: `format` must be a table",))
    return ProjectFormat(path, dict(table), ())


def format_options(start: Path, base: FormatOptions | None = None) -> tuple[FormatOptions, list[str]]:
    """`base` with the project's format settings for the file `start` applied, and the
    problems met (each names the file)."""
    found = find_format_settings(start)
    opts, errors = options_from(found.settings, base)
    where = f"{found.path}: " if found.path is not None else ""
    return opts, [*found.problems, *(where + e for e in errors)]
