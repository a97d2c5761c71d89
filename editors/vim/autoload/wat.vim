" Indentation of WebAssembly text by parenthesis depth.

" The change in depth over one line's text, with `;;` comments, `(; ;)` block comments (nested)
" and strings skipped; `state` carries an open block comment's depth and an open string
" from line to line: [comment depth, in string].
function! s:Scan(text, state) abort
  let [l:comment, l:string] = a:state
  let l:depth = 0
  let l:i = 0
  let l:n = strlen(a:text)
  while l:i < l:n
    let l:c = a:text[l:i]
    let l:pair = a:text[l:i : l:i + 1]
    if l:string
      if l:c ==# '\'
        let l:i += 1
      elseif l:c ==# '"'
        let l:string = 0
      endif
    elseif l:comment > 0
      if l:pair ==# ';)'
        let l:comment -= 1
        let l:i += 1
      elseif l:pair ==# '(;'
        let l:comment += 1
        let l:i += 1
      endif
    elseif l:pair ==# '(;'
      let l:comment = 1
      let l:i += 1
    elseif l:pair ==# ';;'
      break
    elseif l:c ==# '"'
      let l:string = 1
    elseif l:c ==# '('
      let l:depth += 1
    elseif l:c ==# ')'
      let l:depth -= 1
    endif
    let l:i += 1
  endwhile
  return [l:depth, [l:comment, l:string]]
endfunction

let s:plain_open = '^\s*\%(block\|loop\|if\|try_table\|try\)\%(\s\|$\|)\)'
let s:plain_middle = '^\s*\%(else\|catch\|catch_all\|catch_ref\|catch_all_ref\)\%(\s\|$\|)\)'
let s:plain_close = '^\s*\%(end\|delegate\)\%(\s\|$\|)\)'

" The indent of line `lnum`: 2 spaces (shiftwidth) per parenthesis open before it, counted from
" the start of the buffer or from the nearest line above at column 0 that starts with `(`; plus
" a level per plain block (`block` ... `end`) open there, as the formatter lays them out: read
" from the nearest line above at the same depth, trusting its indent (`=` works top down).
function! wat#Indent(lnum) abort
  let l:start = a:lnum - 1
  while l:start > 1 && getline(l:start) !~# '^('
    let l:start -= 1
  endwhile
  if l:start < 1
    return 0
  endif
  let l:depth = 0
  let l:state = [0, 0]
  let l:at = {}  " line -> [depth at its start, whether it starts in a comment or string]
  for l:n in range(l:start, a:lnum - 1)
    let l:at[l:n] = [l:depth, l:state[0] > 0 || l:state[1]]
    let [l:delta, l:state] = s:Scan(getline(l:n), l:state)
    let l:depth += l:delta
  endfor
  if l:state[0] > 0 || l:state[1]
    return -1  " inside a block comment or a string: keep the indent
  endif
  let l:line = getline(a:lnum)
  if l:line =~# '^\s*)'
    return max([0, l:depth - 1]) * shiftwidth()
  endif
  let l:extra = 0
  for l:n in range(a:lnum - 1, l:start, -1)
    let [l:d, l:in_text] = l:at[l:n]
    if l:d < l:depth
      break  " the line that opened this form: no plain block open yet
    endif
    let l:text = getline(l:n)
    if l:d == l:depth && !l:in_text && l:text !~# '^\s*\%($\|;;\|(;\)'
      let l:extra = indent(l:n) - l:depth * shiftwidth()
      if l:text =~# s:plain_open || l:text =~# s:plain_middle
        let l:extra += shiftwidth()
      endif
      break
    endif
  endfor
  if l:line =~# s:plain_close || l:line =~# s:plain_middle
    let l:extra -= shiftwidth()
  endif
  return l:depth * shiftwidth() + max([0, l:extra])
endfunction

" The directory holding the nearest `.git` above the buffer's file, else the file's own
" directory (ALE starts no language server without a root).
function! wat#ProjectRoot(buffer) abort
  let l:dir = fnamemodify(bufname(a:buffer), ':p:h')
  let l:git = finddir('.git', l:dir . ';')
  if !empty(l:git)
    return fnamemodify(l:git, ':p:h:h')
  endif
  let l:git = findfile('.git', l:dir . ';')  " a worktree's .git is a file
  if !empty(l:git)
    return fnamemodify(l:git, ':p:h')
  endif
  return l:dir
endfunction
