"""wat-lsp: language server and batch checker for the WebAssembly text format."""
