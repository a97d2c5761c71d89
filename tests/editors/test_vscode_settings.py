"""The VS Code extension's settings and the server's cannot drift: `package.json` contributes one
`wat-lsp.*` setting for each row of the server's table (`wat_lsp/settings.py`), with the same
type, default, allowed values and description, plus only the settings the client itself reads;
the server reads every row and nothing else; the extension's README lists them all."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from wat_lsp.analysis.diagnostics import parse_severity
from wat_lsp.analysis.ide.format import options_from
from wat_lsp.server.config import Settings, parse_settings

from tests.editors.vscode_build import MANIFEST, ROOT, VSCODE
from tests.tools import need_node
from wat_lsp.settings import BY_NAME, CLIENT_ONLY, LEVELS, SECTION, SETTINGS, Setting, vscode_property

PROPERTIES: dict[str, Any] = MANIFEST["contributes"]["configuration"]["properties"]

# A value other than the default for each setting: the server must read it (new rows need one).
EXAMPLES: dict[str, Any] = {
    "severity": {"dead-store": "off", "unused-local": "hint"},
    "maxDiagnostics": 5,
    "format.indentWidth": 4,
    "format.useTabs": True,
    "format.printWidth": 100,
    "format.splitClosingParens": True,
    "format.wrapBeforeLocals": "always",
    "format.wrapBeforeFields": "never",
    "format.wrapBeforeConstExpr": "multiOnly",
    "format.multiLineLocals": "wrap",
    "format.multiLineFields": "always",
    "format.ignoreCommentDirective": "keep-as-is",
    "inlayHints.types": False,
    "inlayHints.indices": True,
    "inlayHints.blockEnds": False,
}


def _nested(name: str, value: Any) -> dict[str, Any]:
    """A dotted setting as VS Code sends it: `format.printWidth` is `{"format": {"printWidth": ...}}`."""
    *outer, last = name.split(".")
    out: dict[str, Any] = {last: value}
    for part in reversed(outer):
        out = {part: out}
    return out


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
    default = parse_settings(_nested(setting.name, setting.default), "test")
    example = parse_settings(_nested(setting.name, EXAMPLES[setting.name]), "test")
    assert absent.problems == default.problems == example.problems == ()
    assert _effective(default.settings) == _effective(absent.settings) == _effective(Settings())
    assert _effective(example.settings) != _effective(absent.settings)


def _effective(settings: Settings) -> tuple[dict[str, Any], int, Any, tuple[bool, ...]]:
    return (
        dict(settings.severity),
        settings.limit,
        options_from(dict(settings.format))[0],
        tuple(settings.inlay_options),
    )


def test_every_example_names_a_setting() -> None:
    assert set(EXAMPLES) == set(BY_NAME)


def test_the_server_reads_no_other_setting() -> None:
    """The keys `server/config.py` reads are rows of the table."""
    source = (ROOT / "server" / "config.py").read_text()
    # Whole sections (`format`: its keys are the formatter's options) or dotted names.
    read = set(re.findall(r"""raw\.get\(["']([^"']+)["']""", source))
    read |= set(
        re.findall(r"""^\s+["']([^"']+)["']: ["']\w+["'],$""", source[source.index("_INLAY") :], re.M)
    )
    assert read and read <= set(BY_NAME) | {name.split(".")[0] for name in BY_NAME}


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


def test_the_extension_sends_settings_shaped_as_the_section(vscode_build: Path) -> None:
    """extension.js's initialization options: each server setting's value, a dotted name nested
    as `workspace/configuration` nests it (run in Node with a stand-in `vscode` module; the
    build gives node_modules its vscode-languageclient)."""
    need_node()
    values = {
        "severity": {"dead-store": "off"},
        "maxDiagnostics": 5,
        "format.indentWidth": 4,
        "format.useTabs": False,
    }
    script = """
const Module = require('module');
const values = JSON.parse(process.argv[2]);
const workspace = { getConfiguration: (section) => ({ get: (name) => values[name] }) };
const stub = new Proxy(function () {}, { get: (t, k) => (k === 'then' ? undefined : stub),
  apply: () => stub, construct: () => stub });
const vscode = new Proxy({}, { get: (t, k) => (k === 'workspace' ? workspace : stub) });
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  return request === 'vscode' ? 'vscode' : resolve.call(this, request, ...rest);
};
require.cache['vscode'] = { id: 'vscode', filename: 'vscode', loaded: true, exports: vscode };
const { serverSettings } = require(process.argv[1]);
console.log(JSON.stringify(serverSettings(Object.keys(values))));
"""
    done = subprocess.run(["node", "-e", script, str(VSCODE / "extension.js"), json.dumps(values)],
                          capture_output=True, text=True, timeout=60, cwd=VSCODE)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {
        "severity": {"dead-store": "off"}, "maxDiagnostics": 5, "format": {"indentWidth": 4, "useTabs": False}}  # fmt: skip
