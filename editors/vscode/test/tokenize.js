'use strict';
// Tokenizes texts with the extension's TextMate grammar, using the engine VS Code itself uses
// (vscode-textmate over vscode-oniguruma). Run by tests/editors/test_vscode.py:
//
//   node test/tokenize.js INPUT.json    INPUT: ["text", ...]
//
// prints, per text, per line, the tokens as [text, [scope, ...]] (JSON on stdout).

const fs = require('fs');
const path = require('path');
const oniguruma = require('vscode-oniguruma');
const textmate = require('vscode-textmate');

const GRAMMAR = path.join(__dirname, '..', 'syntaxes', 'wat.tmLanguage.json');

async function main() {
  const wasm = fs.readFileSync(path.join(path.dirname(require.resolve('vscode-oniguruma')), 'onig.wasm'));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  const registry = new textmate.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (patterns) => new oniguruma.OnigScanner(patterns),
      createOnigString: (text) => new oniguruma.OnigString(text),
    }),
    loadGrammar: async (scopeName) =>
      scopeName === 'source.wat' ? textmate.parseRawGrammar(fs.readFileSync(GRAMMAR, 'utf8'), GRAMMAR) : null,
  });
  const grammar = await registry.loadGrammar('source.wat');
  const texts = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
  const out = texts.map((text) => {
    let stack = textmate.INITIAL;
    return text.split('\n').map((line) => {
      const result = grammar.tokenizeLine(line, stack);
      stack = result.ruleStack;
      return result.tokens.map((token) => [line.slice(token.startIndex, token.endIndex), token.scopes]);
    });
  });
  process.stdout.write(JSON.stringify(out));
}

main().catch((error) => {
  process.stderr.write(`${error && error.stack ? error.stack : error}\n`);
  process.exit(1);
});
