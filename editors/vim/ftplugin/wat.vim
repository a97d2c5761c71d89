" WebAssembly text: comments, and the structure indent of the formatter (2 spaces).
if exists('b:did_ftplugin')
  finish
endif
let b:did_ftplugin = 1

setlocal commentstring=;;\ %s
setlocal comments=:;;
setlocal expandtab shiftwidth=2 softtabstop=2
setlocal iskeyword=@,48-57,_,.,!,#,$,%,&,',*,+,-,/,:,<,=,>,?,@-@,92,94,96,124,~

let b:undo_ftplugin = 'setlocal commentstring< comments< expandtab< shiftwidth< softtabstop< iskeyword<'
