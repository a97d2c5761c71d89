# WebAssembly text (.wat modules, .wast scripts) for Kakoune: filetype, comments, highlighting
# by the categories of grammar/queries/highlights.scm, two-space indent. kak-lsp's
# configuration is in editors/README.md.

hook global BufCreate .*\.(wat|wast) %{
    set-option buffer filetype wat
}

hook global WinSetOption filetype=wat %{
    require-module wat
    set-option window comment_line ';;'
    set-option window comment_block_begin '(;'
    set-option window comment_block_end ';)'
    set-option window indentwidth 2
    set-option window tabstop 2
    hook window InsertChar \n -group wat-indent wat-indent-on-new-line
    hook -once -always window WinSetOption filetype=.* %{ remove-hooks window wat-.+ }
}

hook -group wat-highlight global WinSetOption filetype=wat %{
    add-highlighter window/wat ref wat
    hook -once -always window WinSetOption filetype=.* %{ remove-highlighter window/wat }
}

provide-module wat %§

add-highlighter shared/wat regions
add-highlighter shared/wat/code default-region group
add-highlighter shared/wat/line-comment region ';;' '$' fill comment
add-highlighter shared/wat/block-comment region -recurse '\(;' '\(;' ';\)' fill comment
add-highlighter shared/wat/string region '"' (?<!\\)(\\\\)*" fill string

# Later highlighters paint over earlier ones: general first, specific last.
add-highlighter shared/wat/code/instr regex (?<=[\s(])[a-z][a-z0-9_.]*\b 0:function
add-highlighter shared/wat/code/name regex \$[\w!#$%&'*+\-./:<=>?@\\^`|~]+ 0:variable
add-highlighter shared/wat/code/number regex (?<![\w$.])[+-]?(0x[0-9a-fA-F_]+(\.[0-9a-fA-F_]*)?([pP][+-]?[0-9_]+)?|[0-9][0-9_]*(\.[0-9_]*)?([eE][+-]?[0-9_]+)?|inf|nan(:0x[0-9a-fA-F_]+)?)\b 0:value
add-highlighter shared/wat/code/type regex \b(i32|i64|f32|f64|v128|i8|i16|any|eq|i31|none|nofunc|noextern|extern|exn|noexn|nocont|funcref|externref|anyref|eqref|i31ref|structref|arrayref|nullref|nullfuncref|nullexternref|exnref|nullexnref|contref|nullcontref|i8x16|i16x8|i32x4|i64x2|f32x4|f64x2)\b(?![.\w]) 0:type
add-highlighter shared/wat/code/keyword regex (?<=[\s(])(module|definition|instance|binary|quote|type|rec|sub|final|func|struct|array|cont|field|param|result|local|import|export|table|memory|global|tag|elem|data|start|offset|item|declare|pagesize|shared|describes|descriptor|exact|on|switch|mut|ref|null|if|then|else|loop|block|end|try_table|try|do|catch|catch_ref|catch_all|catch_all_ref|delegate)\b(?![.\w=]) 0:keyword
add-highlighter shared/wat/code/directive regex (?<=[\s(])(register|invoke|get|either|thread|wait|assert_\w+)\b(?![.\w]) 0:meta
add-highlighter shared/wat/code/memarg regex \b(offset|align)= 1:attribute
add-highlighter shared/wat/code/annotation regex \((@[\w.]*) 1:meta
add-highlighter shared/wat/code/funcname regex \(func\s+(\$[^\s()]+) 1:function
add-highlighter shared/wat/code/typename regex \((?:type|sub(?:\s+final)?|ref(?:\s+null)?)\s+(\$[^\s()]+) 1:type

# The new line gets the indent of the previous one, one level more when the last parenthesis
# on that line opens a form: on-type, a rough version of the formatter's structure indent.
define-command -hidden wat-indent-on-new-line %{
    evaluate-commands -draft -itersel %{
        try %{ execute-keys -draft <semicolon> K <a-&> }
        try %{ execute-keys -draft k x s \([^()]*$ <ret> j <a-gt> }
    }
}

§
