" WebAssembly text: `wat` for modules, `wast` for spec scripts (Vim's own detection calls
" both `wast`). The ALE linter and the syntax are registered for both.
autocmd BufRead,BufNewFile *.wat set filetype=wat
autocmd BufRead,BufNewFile *.wast set filetype=wast
