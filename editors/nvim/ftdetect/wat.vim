" *.wat is a WebAssembly text module, *.wast a spec script. Neovim's own detection differs by
" version (0.7 says `wast` for both, 0.11 `wat` for both), so both are set, not offered with
" :setfiletype.
autocmd BufNewFile,BufRead *.wat set filetype=wat
autocmd BufNewFile,BufRead *.wast set filetype=wast
