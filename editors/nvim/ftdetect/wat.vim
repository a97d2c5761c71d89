" *.wat is a WebAssembly text module, *.wast a spec script. Neovim before 0.9 calls both
" `wast`, so `.wat` is set, not merely offered with :setfiletype.
autocmd BufNewFile,BufRead *.wat set filetype=wat
autocmd BufNewFile,BufRead *.wast setfiletype wast
