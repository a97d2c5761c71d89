"""Editor features that are not protocol: completion, signature help, selection, references
and navigation, hover, folding, inlay hints, semantic token classification, and the
per-function cache of whole-document results. Byte offsets in, plain values out; `server/`
converts them to LSP."""
