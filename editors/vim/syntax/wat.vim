" Vim syntax file
" Language: WebAssembly text format (.wat modules, .wast scripts)
" From: wat-lsp (editors/vim), by the categories of grammar/queries/highlights.scm. Like the
" grammar it knows no opcode list: a bare word that is no keyword or type is an instruction.

if exists('b:current_syntax')
  finish
endif
let s:cpo_save = &cpo
set cpo&vim

" The spec's idchar: `$a.b`, `i32.add` and `offset=4` are one word each.
syn iskeyword @,48-57,_,.,!,#,$,%,&,',*,+,-,/,:,<,=,>,?,@-@,92,94,96,124,~
syn case match

" Any other bare word is an instruction name (@function.builtin); keywords win over it.
syn match watInstr "\<[a-z][a-z0-9_.]*\>"

syn keyword watKeyword module definition instance binary quote type rec sub final func struct
syn keyword watKeyword array cont field param result local import export table memory global
syn keyword watKeyword tag elem data start offset item declare pagesize shared describes
syn keyword watKeyword descriptor exact on switch block end
syn keyword watModifier mut ref null
syn keyword watConditional if then else
syn keyword watRepeat loop
syn keyword watException try_table try do catch catch_ref catch_all catch_all_ref delegate
syn keyword watDirective register invoke get either thread wait assert_return assert_trap
syn keyword watDirective assert_exhaustion assert_malformed assert_invalid assert_unlinkable
syn keyword watDirective assert_exception assert_suspension assert_malformed_custom
syn keyword watDirective assert_invalid_custom
syn keyword watType i32 i64 f32 f64 v128 i8 i16 any eq i31 none nofunc noextern extern exn
syn keyword watType noexn nocont funcref externref anyref eqref i31ref structref arrayref
syn keyword watType nullref nullfuncref nullexternref exnref nullexnref contref nullcontref
syn keyword watType i8x16 i16x8 i32x4 i64x2 f32x4 f64x2

syn match watNumber "\<[+-]\=\d[0-9_]*\>"
syn match watNumber "\<[+-]\=0x\x[0-9a-fA-F_]*\>"
syn match watFloat "\<[+-]\=\d[0-9_]*\%(\.[0-9_]*\%([eE][+-]\=\d[0-9_]*\)\=\|[eE][+-]\=\d[0-9_]*\)\>"
syn match watFloat "\<[+-]\=0x\x[0-9a-fA-F_]*\%(\.[0-9a-fA-F_]*\%([pP][+-]\=\d[0-9_]*\)\=\|[pP][+-]\=\d[0-9_]*\)\>"
syn match watFloat "\<[+-]\=\%(inf\|nan\%(:0x\x[0-9a-fA-F_]*\)\=\)\>"
syn match watMemarg "\<\%(offset\|align\)=" nextgroup=watNumber

" $names, and by role where the syntax says it (later items win at the same place).
syn match watName "\$\k\+"
syn match watFuncName "\%((func\s\+\)\@<=\$\k\+"
syn match watTypeName "\%((\%(type\|sub\%(\s\+final\)\=\|ref\%(\s\+null\)\=\)\s\+\)\@<=\$\k\+"
syn match watParamName "\%((param\s\+\)\@<=\$\k\+"
syn match watModuleName "\%((\%(module\|instance\)\s\+\)\@<=\$\k\+"
syn match watLabel "\%(\<\%(block\|loop\|if\|try_table\|try\|end\|else\)\s\+\)\@<=\$\k\+"

syn match watAnnotation "(\@<=@\k*"
syn region watString start=+"+ skip=+\\\\\|\\"+ end=+"+ contains=watEscape
syn match watEscape "\\\%(\x\x\|[tnr'\\\"]\|u{\x\+}\)" contained

syn region watComment start=";;" end="$" contains=@Spell
syn region watBlockComment start="(;" end=";)" contains=watBlockComment,@Spell

hi def link watInstr Function
hi def link watKeyword Keyword
hi def link watModifier StorageClass
hi def link watConditional Conditional
hi def link watRepeat Repeat
hi def link watException Exception
hi def link watDirective PreProc
hi def link watType Type
hi def link watNumber Number
hi def link watFloat Float
hi def link watMemarg Identifier
hi def link watName Identifier
hi def link watFuncName Function
hi def link watTypeName Type
hi def link watParamName Identifier
hi def link watModuleName Constant
hi def link watLabel Label
hi def link watAnnotation PreProc
hi def link watString String
hi def link watEscape SpecialChar
hi def link watComment Comment
hi def link watBlockComment Comment

let b:current_syntax = 'wat'
let &cpo = s:cpo_save
unlet s:cpo_save
