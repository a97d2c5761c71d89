" WebAssembly text: `;;` line comments, `(; ;)` block comments (they nest).
if exists('b:did_ftplugin')
  finish
endif
let b:did_ftplugin = 1
setlocal commentstring=;;\ %s
setlocal comments=:;;,s:(;,e:;)
let b:undo_ftplugin = 'setlocal commentstring< comments<'
