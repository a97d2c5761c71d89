" A .wast script is WebAssembly text with script commands: the same syntax.
if exists('b:current_syntax')
  finish
endif
runtime! syntax/wat.vim
unlet! b:current_syntax
let b:current_syntax = 'wast'
