"""The LSP face (pygls): a thin adapter over the analysis core.

| module           | job |
|------------------|-----|
| `app.py`         | the `LanguageServer` and its feature registrations; `main()` serves on stdio |
| `documents.py`   | open documents as immutable `Snapshot`s: UTF-8 bytes, version, a tree-sitter tree updated incrementally (`Tree.edit` on a copy, re-parse with the old tree), a `LineIndex` spliced rather than rebuilt; misused didChanges logged and survived |
| `diagnostics.py` | push diagnostics (a lone edit at once, bursts debounced 100 ms), checked against the current snapshot, as the CLI's JSON; pulls; the analysis `Worker` thread |
| `code_actions.py` | quick fixes, `source.fixAll`, "Run <pass> on function/module", "Make `$x` non-nullable"; listed cheaply, resolved lazily (`codeAction/resolve`) |
| `config.py`      | settings (severity per diagnostic code, `maxDiagnostics`) from initialization options and `workspace/configuration` |
| `release.py`     | a closed document's memory given back: whole-document caches emptied, one full collection (frozen objects included), `malloc_trim` |
| `features.py`    | request handlers' work for symbols and navigation (hover, definition, references, rename, highlight, folding, semantic tokens, inlay hints): core answers to lsprotocol, run in a worker |
| `references.py`  | every occurrence (declaration, `$name` or numeric use) of every indexed item, resolved with the Module model |
| `pieces.py`      | a one-module document cut into function fields and the text between; per-function results of whole-document requests kept by (text outside bodies, function index, function text) |
| `navigation.py`  | definition, occurrences, rename checks and document symbols, by item `Key` |
| `completion.py`  | completion items from `analysis/completion` (whole-word text edits, snippets when the client takes them) |
| `signature_help.py` | `textDocument/signatureHelp` from `analysis/signature_help` (parameter offsets in the negotiated encoding) |
| `selection.py`   | `textDocument/selectionRange` from `analysis/selection` |
| `workspace_symbols.py` | `workspace/symbol`: named items of every open document, filtered by subsequence, capped |
| `hover.py`       | hover text: names; instructions with their type and the operand stack before them; locals' 1a state and liveness |
| `folding.py`     | folding ranges from the syntax tree |
| `semantic_tokens.py` | semantic tokens (legend, classification, LSP encoding) |
| `inlay_hints.py` | local types and binary indices after references, in a range |
| `convert.py`     | core values to lsprotocol types (diagnostics via `wat_lsp.output`, shared with the CLI) |

Positions are byte offsets until `convert`, which speaks the negotiated encoding (UTF-16 by
default, UTF-8 when the client offers it). Analysis runs in one daemon thread so that edits
keep arriving during a long analysis; a result is published only if its snapshot is still
the document's current one. Clients that pull diagnostics (`textDocument/diagnostic`) get no pushes.
"""
