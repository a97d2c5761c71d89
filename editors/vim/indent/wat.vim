" WebAssembly text as the formatter lays it out: two spaces per open parenthesis and per plain
" block (`block` ... `end`); a line starting with `)` lines up with the line that opened it.
" Block comments and strings keep their indent.
if exists('b:did_indent')
  finish
endif
let b:did_indent = 1

setlocal indentexpr=wat#Indent(v:lnum)
setlocal indentkeys=0),!^F,o,O,0=end,0=else,0=catch,0=delegate
setlocal nolisp

let b:undo_indent = 'setlocal indentexpr< indentkeys< lisp<'
