"""editors/vscode: the extension installs, packages into a .vsix, and its grammar tokenizes WAT.

The `vscode_build` fixture (tests/editors/conftest.py, tests/editors/vscode_build.py) runs
`npm ci` and `vsce package` in editors/vscode, what its README documents.
"""

from __future__ import annotations

import json
import subprocess
import zipfile
from pathlib import Path
from typing import Any

from wat_lsp.analysis.opcodes import OPCODES

from tests.editors.vscode_build import MANIFEST, ROOT, VSCODE
from tests.tools import need_node

Token = tuple[str, str]  # text, innermost scope


def test_vsix_contents(vscode_build: Path) -> None:
    with zipfile.ZipFile(vscode_build) as vsix:
        names = set(vsix.namelist())
        packaged = json.loads(vsix.read("extension/package.json"))
        manifest = vsix.read("extension.vsixmanifest").decode()
        language_config = json.loads(vsix.read("extension/language-configuration.json"))
        grammar = json.loads(vsix.read("extension/syntaxes/wat.tmLanguage.json"))
    assert packaged == MANIFEST
    assert {"extension/package.json", "extension/extension.js", "extension/language-configuration.json",
            "extension/syntaxes/wat.tmLanguage.json", "extension/LICENSE.txt", "extension/readme.md",
            "extension/node_modules/vscode-languageclient/node.js",
            "extension/node_modules/vscode-languageclient/package.json"} <= names  # fmt: skip
    # Only production dependencies, no tests, no build output of earlier runs.
    prefixes = {"/".join(n.split("/")[:4 if n.startswith("extension/node_modules/@") else 3])
                for n in names if n.startswith("extension/node_modules/")}  # fmt: skip
    assert prefixes == {"extension/node_modules/" + d for d in (
        "semver", "vscode-jsonrpc", "vscode-languageclient", "vscode-languageserver-protocol",
        "vscode-languageserver-types")}  # fmt: skip
    assert not any(n.startswith(("extension/test/", "extension/e2e/")) or n.endswith(".vsix") for n in names)
    assert 'Id="wat-lsp"' in manifest and 'Publisher="wat-lsp"' in manifest

    assert f"extension/{packaged['main'].removeprefix('./')}" in names
    assert packaged["activationEvents"] == ["onLanguage:wat", "onLanguage:wast"]
    languages = {lang["id"]: lang for lang in packaged["contributes"]["languages"]}
    assert {k: v["extensions"] for k, v in languages.items()} == {"wat": [".wat"], "wast": [".wast"]}
    for lang in languages.values():
        assert f"extension/{lang['configuration'].removeprefix('./')}" in names
    for g in packaged["contributes"]["grammars"]:
        assert f"extension/{g['path'].removeprefix('./')}" in names
        assert g["scopeName"] == grammar["scopeName"] == "source.wat"
    settings = packaged["contributes"]["configuration"]["properties"]
    assert settings["wat-lsp.serverPath"]["default"] == "wat-lsp"
    assert settings["wat-lsp.serverArgs"]["default"] == []
    levels = ["error", "warning", "information", "hint", "off"]
    assert settings["wat-lsp.severity"]["additionalProperties"]["enum"] == levels

    assert language_config["comments"] == {"lineComment": ";;", "blockComment": ["(;", ";)"]}
    assert language_config["brackets"] == [["(", ")"]]


def test_packaged_client_loads(vscode_build: Path, tmp_path: Path) -> None:
    """The .vsix's extension.js and its bundled vscode-languageclient load in Node (with a
    stand-in for the `vscode` module, which only VS Code provides) and export the entry points."""
    with zipfile.ZipFile(vscode_build) as vsix:
        vsix.extractall(tmp_path)
    script = """
const Module = require('module');
const stub = new Proxy(function () {}, { get: (t, k) => (k === 'then' ? undefined : stub),
  apply: () => stub, construct: () => stub });
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  return request === 'vscode' ? 'vscode' : resolve.call(this, request, ...rest);
};
require.cache['vscode'] = { id: 'vscode', filename: 'vscode', loaded: true, exports: stub };
const extension = require(process.argv[1]);
const client = require(require.resolve('vscode-languageclient/node', { paths: [process.argv[2]] }));
console.log(JSON.stringify([typeof extension.activate, typeof extension.deactivate, typeof client.LanguageClient]));
"""
    done = subprocess.run(["node", "-e", script, str(tmp_path / "extension" / "extension.js"), str(tmp_path / "extension")],
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == ["function", "function", "function"]


def test_control_flow_lens_answer_is_shown(vscode_build: Path, tmp_path: Path) -> None:
    """The client's middleware on `workspace/executeCommand`: the answer of `wat-lsp.showCfg`
    (run by the server's "Show control flow" lens) opens a webview with its SVG, scripts off;
    other commands' answers pass through untouched."""
    with zipfile.ZipFile(vscode_build) as vsix:
        vsix.extractall(tmp_path)
    script = """
const Module = require('module');
const panels = [];
const window = { createWebviewPanel: (id, title, column, options) => {
  const panel = { id, title, column, options, webview: { html: '' } };
  panels.push(panel);
  return panel;
} };
const stub = new Proxy(function () {}, {
  get: (t, k) => (k === 'then' ? undefined : k === 'window' ? window : k === 'ViewColumn' ? { Beside: -2 } : stub),
  apply: () => stub, construct: () => stub });
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  return request === 'vscode' ? 'vscode' : resolve.call(this, request, ...rest);
};
require.cache['vscode'] = { id: 'vscode', filename: 'vscode', loaded: true, exports: stub };
const extension = require(process.argv[1]);
(async () => {
  const answer = { function: '$main', dot: 'digraph "$main" {}', svg: '<svg id="cfg"></svg>' };
  const seen = [];
  const shown = await extension.executeCommand('wat-lsp.showCfg', ['untitled:a.wat', { line: 1, character: 8 }],
    async (command, args) => { seen.push([command, args]); return answer; });
  const other = await extension.executeCommand('wat-lsp.other', [1], async () => 7);
  console.log(JSON.stringify({ same: shown === answer, other, seen, panels: panels.map((p) =>
    [p.id, p.title, p.column, p.options, p.webview.html.includes('<body style="background: white"><svg id="cfg"></svg>')]) }));
})();
"""
    done = subprocess.run(["node", "-e", script, str(tmp_path / "extension" / "extension.js")],
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {
        "same": True,
        "other": 7,
        "seen": [["wat-lsp.showCfg", ["untitled:a.wat", {"line": 1, "character": 8}]]],
        "panels": [["wat-lsp.cfg", "CFG $main", -2, {"enableScripts": False}, True]],
    }


def test_language_configuration_patterns(tmp_path: Path) -> None:
    """The language configuration's patterns, compiled as VS Code does (JavaScript RegExp)."""
    need_node()
    script = """
const c = require(process.argv[1]);
const whole = (re, s) => { const m = new RegExp(re).exec(s); return m !== null && m[0] === s; };
const test = (re, s) => new RegExp(re).test(s);
console.log(JSON.stringify({
  words: ['$x', '$"a b"', 'i32.add', 'struct.get_s', '0x1p-3'].map((s) => whole(c.wordPattern, s)),
  nonwords: ['(', ')', ' ', '"'].map((s) => test(c.wordPattern, s)),
  indent: ['  (func $f', '(module', '  (block ;; comment'].map((s) => test(c.indentationRules.increaseIndentPattern, s)),
  noindent: ['  (nop)', '(i32.const 1))', '  local.get 0'].map((s) => test(c.indentationRules.increaseIndentPattern, s)),
  dedent: ['  )', ')))'].map((s) => test(c.indentationRules.decreaseIndentPattern, s)),
  folding: [test(c.folding.markers.start, '  ;; region types'), test(c.folding.markers.end, ';; endregion')],
}));
"""
    done = subprocess.run(["node", "-e", script, str(VSCODE / "language-configuration.json")],
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {
        "words": [True] * 5, "nonwords": [False] * 4, "indent": [True] * 3, "noindent": [False] * 3,
        "dedent": [True] * 2, "folding": [True, True]}  # fmt: skip


def _tokenize(texts: list[str], tmp_path: Path) -> list[list[list[Token]]]:
    """Per text, per line, the tokens (text, innermost scope), blanks dropped."""
    source = tmp_path / "texts.json"
    source.write_text(json.dumps(texts))
    done = subprocess.run(["node", str(VSCODE / "test" / "tokenize.js"), str(source)], cwd=VSCODE,
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    assert done.returncode == 0, done.stderr
    out: list[list[list[list[Any]]]] = json.loads(done.stdout)
    return [[[(t, scopes[-1]) for t, scopes in line if t.strip()] for line in text] for text in out]


CASES: list[tuple[str, list[Token]]] = [
    (
        "(module $m (func $f (param $x i32) (result (ref null $t))))",
        [
            ("(", "source.wat"),
            ("module", "storage.type.wat"),
            ("$m", "variable.other.wat"),
            (" (", "source.wat"),
            ("func", "storage.type.function.wat"),
            ("$f", "entity.name.function.wat"),
            (" (", "source.wat"),
            ("param", "storage.type.wat"),
            ("$x", "variable.other.wat"),
            ("i32", "support.type.wat"),
            (") (", "source.wat"),
            ("result", "storage.type.wat"),
            (" (", "source.wat"),
            ("ref", "support.type.wat"),
            ("null", "support.type.wat"),
            ("$t", "variable.other.wat"),
            ("))))", "source.wat"),
        ],
    ),
    (
        '(type $"a b" (struct (field $x (mut i8))))',
        [
            ("(", "source.wat"),
            ("type", "storage.type.type.wat"),
            ('$"a b"', "entity.name.type.wat"),
            (" (", "source.wat"),
            ("struct", "storage.type.wat"),
            (" (", "source.wat"),
            ("field", "storage.type.wat"),
            ("$x", "variable.other.wat"),
            (" (", "source.wat"),
            ("mut", "storage.type.wat"),
            ("i8", "support.type.wat"),
            ("))))", "source.wat"),
        ],
    ),
    (
        ";; line (; not a block\n(; outer (; inner ;) still ;) nop",
        [
            (";; line (; not a block", "comment.line.double-semicolon.wat"),
            ("(;", "punctuation.definition.comment.begin.wat"),
            (" outer ", "comment.block.wat"),
            ("(;", "punctuation.definition.comment.begin.wat"),
            (" inner ", "comment.block.wat"),
            (";)", "punctuation.definition.comment.end.wat"),
            (" still ", "comment.block.wat"),
            (";)", "punctuation.definition.comment.end.wat"),
            ("nop", "support.function.instruction.wat"),
        ],
    ),
    (
        "f64.const -0x1.8p+3 +inf nan:0x7f_ff nan:canonical 1_000.5e-3 0xFF $x1 x1",
        [
            ("f64.const", "support.function.instruction.wat"),
            ("-0x1.8p+3", "constant.numeric.wat"),
            ("+inf", "constant.numeric.wat"),
            ("nan:0x7f_ff", "constant.numeric.wat"),
            ("nan:canonical", "constant.numeric.wat"),
            ("1_000.5e-3", "constant.numeric.wat"),
            ("0xFF", "constant.numeric.wat"),
            ("$x1", "variable.other.wat"),
            (" x1", "source.wat"),
        ],
    ),
    (
        '(data "a\\n\\ff\\u{1F600}\\q" "b;;")',
        [
            ("(", "source.wat"),
            ("data", "storage.type.wat"),
            ('"', "string.quoted.double.wat"),
            ("a", "string.quoted.double.wat"),
            ("\\n", "constant.character.escape.wat"),
            ("\\ff", "constant.character.escape.wat"),
            ("\\u{1F600}", "constant.character.escape.wat"),
            ("\\q", "invalid.illegal.escape.wat"),
            ('"', "string.quoted.double.wat"),
            ('"', "string.quoted.double.wat"),
            ("b;;", "string.quoted.double.wat"),
            ('"', "string.quoted.double.wat"),
            (")", "source.wat"),
        ],
    ),
    (
        '(@custom "name" (after code) $x) (i32.load offset=0x10 align=4)',
        [
            ("(", "punctuation.section.annotation.begin.wat"),
            ("@custom", "storage.type.annotation.wat"),
            ('"', "string.quoted.double.wat"),
            ("name", "string.quoted.double.wat"),
            ('"', "string.quoted.double.wat"),
            ("(", "meta.annotation.wat"),
            ("after code", "meta.annotation.wat"),
            (")", "meta.annotation.wat"),
            ("$x", "variable.other.wat"),
            (")", "punctuation.section.annotation.end.wat"),
            (" (", "source.wat"),
            ("i32.load", "support.function.instruction.wat"),
            ("offset", "variable.parameter.memarg.wat"),
            ("=", "keyword.operator.assignment.wat"),
            ("0x10", "constant.numeric.wat"),
            ("align", "variable.parameter.memarg.wat"),
            ("=", "keyword.operator.assignment.wat"),
            ("4", "constant.numeric.wat"),
            (")", "source.wat"),
        ],
    ),
    (
        '(assert_invalid (module) "type mismatch") block $l br_if $l end',
        [
            ("(", "source.wat"),
            ("assert_invalid", "keyword.other.script.wat"),
            (" (", "source.wat"),
            ("module", "storage.type.wat"),
            (") ", "source.wat"),
            ('"', "string.quoted.double.wat"),
            ("type mismatch", "string.quoted.double.wat"),
            ('"', "string.quoted.double.wat"),
            (") ", "source.wat"),
            ("block", "keyword.control.wat"),
            ("$l", "variable.other.wat"),
            ("br_if", "keyword.control.wat"),
            ("$l", "variable.other.wat"),
            ("end", "keyword.control.wat"),
        ],
    ),
]


CONTROL = {"block", "loop", "if", "else", "end", "br", "br_if", "br_table", "br_on_null", "br_on_non_null",
           "br_on_cast", "br_on_cast_fail", "br_on_cast_desc_eq", "br_on_cast_desc_eq_fail", "return", "call", "call_indirect", "call_ref", "return_call",
           "return_call_indirect", "return_call_ref", "try_table", "try", "catch", "catch_all", "delegate",
           "throw", "throw_ref", "rethrow", "unreachable", "suspend", "resume", "resume_throw",
           "resume_throw_ref", "switch"}  # fmt: skip


def test_grammar_scopes(vscode_build: Path, tmp_path: Path) -> None:
    mnemonics = sorted(OPCODES)
    example = (ROOT / "examples" / "shapes.wat").read_text()
    texts = [text for text, _ in CASES] + ["\n".join(mnemonics), example]
    *cases, instructions, shapes = _tokenize(texts, tmp_path)

    for (text, expected), lines in zip(CASES, cases, strict=True):
        assert [t for line in lines for t in line] == expected, text
    # Every instruction of the opcode table is one token, an instruction.
    assert instructions == [
        [(m, "keyword.control.wat" if m in CONTROL else "support.function.instruction.wat")]
        for m in mnemonics
    ]
    # A real module: comments are comments, no token is invalid, the names are what they are.
    flat = [t for line in shapes for t in line]
    assert [t for t, s in flat if s.startswith("comment")] == [
        line.strip() for line in example.splitlines() if line.strip().startswith(";;")
    ]
    assert not any("invalid" in s for _, s in flat)
    assert ("$total", "entity.name.function.wat") in flat
    assert ("$shape", "entity.name.type.wat") in flat
    assert ("struct.get", "support.function.instruction.wat") in flat
    assert ("3.141592653589793", "constant.numeric.wat") in flat
