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

" The indent of line `lnum`: 2 spaces (shiftwidth) per parenthesis open before it, counted from
" the start of the buffer or from the nearest line above at column 0 that starts with `(`.
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
  for l:line in getline(l:start, a:lnum - 1)
    let [l:delta, l:state] = s:Scan(l:line, l:state)
    let l:depth += l:delta
  endfor
  if l:state[0] > 0 || l:state[1]
    return -1  " inside a block comment or a string: keep the indent
  endif
  if getline(a:lnum) =~# '^\s*)'
    let l:depth -= 1
  endif
  return max([0, l:depth]) * shiftwidth()
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
