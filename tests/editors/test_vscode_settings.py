"""The VS Code extension's settings and the server's cannot drift: `package.json` contributes one
`wat-lsp.*` setting for each row of the server's table (`wat_lsp/settings.py`), with the same
type, default, allowed values and description, plus only the settings the client itself reads;
the server reads every row and nothing else; the extension's README lists them all."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from wat_lsp.analysis.diagnostics import parse_severity
from wat_lsp.server.config import Settings, parse_settings
from wat_lsp.settings import BY_NAME, CLIENT_ONLY, LEVELS, SECTION, SETTINGS, Setting, vscode_property

from tests.editors.vscode_build import MANIFEST, ROOT, VSCODE

PROPERTIES: dict[str, Any] = MANIFEST["contributes"]["configuration"]["properties"]

# A value other than the default for each setting: the server must read it (new rows need one).
EXAMPLES: dict[str, Any] = {
    "severity": {"dead-store": "off", "unused-local": "hint"},
    "maxDiagnostics": 5,
}


def test_the_extension_contributes_exactly_the_server_settings_and_its_own() -> None:
    assert set(PROPERTIES) == {f"{SECTION}.{name}" for name in (*BY_NAME, *CLIENT_ONLY)}


@pytest.mark.parametrize("setting", SETTINGS, ids=lambda s: s.name)
def test_same_type_default_values_and_description(setting: Setting) -> None:
    assert PROPERTIES[f"{SECTION}.{setting.name}"] == vscode_property(setting)


@pytest.mark.parametrize("setting", SETTINGS, ids=lambda s: s.name)
def test_the_server_reads_each_setting(setting: Setting) -> None:
    """Its default is accepted and is what the server assumes when the setting is absent; the
    example, a value other than the default, changes what the server uses."""
    absent = parse_settings({}, "test")
    default = parse_settings({setting.name: setting.default}, "test")
    example = parse_settings({setting.name: EXAMPLES[setting.name]}, "test")
    assert absent.problems == default.problems == example.problems == ()
    assert _effective(default.settings) == _effective(absent.settings) == _effective(Settings())
    assert _effective(example.settings) != _effective(absent.settings)


def _effective(settings: Settings) -> tuple[dict[str, Any], int]:
    return dict(settings.severity), settings.limit


def test_every_example_names_a_setting() -> None:
    assert set(EXAMPLES) == set(BY_NAME)


def test_the_server_reads_no_other_setting() -> None:
    """The keys `server/config.py` reads are rows of the table."""
    source = (ROOT / "server" / "config.py").read_text()
    read = set(re.findall(r"""raw\.get\(["']([^"']+)["']""", source))
    assert read and read <= set(BY_NAME)


def test_levels_are_what_the_server_takes() -> None:
    for level in LEVELS:
        parse_severity(level)  # raises when unknown


def test_the_client_only_list_is_the_extension_s() -> None:
    source = (VSCODE / "extension.js").read_text()
    [listed] = re.findall(r"const CLIENT_ONLY = (\[[^\]]*\]);", source)
    assert tuple(json.loads(listed.replace("'", '"'))) == CLIENT_ONLY


def test_the_readme_lists_every_setting_with_its_default() -> None:
    readme = (VSCODE / "README.md").read_text()
    for key, prop in PROPERTIES.items():
        assert f"| `{key}` | `{json.dumps(prop['default'])}` |" in readme, key
