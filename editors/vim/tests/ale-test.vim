" End-to-end check of editors/vim with ALE in a headless Vim, driven by tests/editors/test_vim.py:
"
"   vim -N -i NONE -u editors/vim/tests/ale-test.vim -es
"
" with WAT_LSP_TEST naming a JSON file (runtime path, server executable and options, file,
" output path, timeout). It opens a file with an `uninitialized-local` error and waits until
" ALE, talking to the server over stdio, puts the diagnostic in the window's location list.
" `:sleep` lets Vim run ALE's timers and read the server's channel. What it saw is written
" as JSON to the output path; an error is written there too.
let s:spec = json_decode(join(readfile($WAT_LSP_TEST), "\n"))
let s:result = {'steps': []}

function! s:Finish() abort
  call writefile([json_encode(s:result)], s:spec.out)
  qall!
endfunction

function! s:Run() abort
  set nocompatible noswapfile
  execute 'set runtimepath^=' . fnameescape(s:spec.runtimepath)
  packadd ale
  filetype plugin indent on
  syntax on
  let g:ale_linters = {'wat': ['wat_lsp'], 'wast': ['wat_lsp']}
  let g:ale_linters_explicit = 1
  let g:ale_set_loclist = 1
  let g:ale_lint_delay = 0
  let g:ale_wat_wat_lsp_executable = s:spec.executable
  let g:ale_wat_wat_lsp_options = s:spec.options
  call add(s:result.steps, 'setup')

  execute 'edit ' . fnameescape(s:spec.file)
  let s:result.filetype = &filetype
  let s:result.syntax = get(b:, 'current_syntax', '')
  let s:result.commentstring = &commentstring
  ALELint
  call add(s:result.steps, 'opened')

  let l:waited = 0
  while empty(getloclist(0)) && l:waited < s:spec.timeout_ms
    sleep 50m
    let l:waited += 50
  endwhile
  let s:result.loclist = map(getloclist(0), {_, d -> {
  \   'lnum': d.lnum, 'col': d.col, 'end_lnum': get(d, 'end_lnum', 0), 'end_col': get(d, 'end_col', 0),
  \   'type': d.type, 'text': d.text}})
  let s:result.ale = map(copy(get(get(g:, 'ale_buffer_info', {}), bufnr(''), {'loclist': []}).loclist),
  \   {_, d -> {'lnum': d.lnum, 'col': d.col, 'end_col': get(d, 'end_col', 0), 'code': get(d, 'code', ''),
  \             'linter_name': d.linter_name, 'type': d.type, 'text': d.text}})
  call add(s:result.steps, empty(s:result.loclist) ? 'timed out' : 'diagnostics')

  " The quick fix through :ALECodeAction on the diagnostic. ALE asks which action with
  " ale#util#Input (input() in a terminal); here the answer is the number of `fix_title`.
  if has_key(s:spec, 'fix_title') && !empty(s:result.loclist)
    " The diagnostic's text selected (as `v` would mark it): at a bare cursor ALE widens the
    " range to the word under it, searching backwards, and finds an earlier `local.get`.
    let l:first = getloclist(0)[0]
    call setpos("'<", [0, l:first.lnum, l:first.col, 0])
    call setpos("'>", [0, l:first.end_lnum, l:first.end_col, 0])
    runtime autoload/ale/util.vim
    let s:offered = []
    function! ale#util#Input(message, value, ...) abort
      let s:offered = map(filter(split(a:message, "\n"), {_, l -> l =~# '^\d\+) '}),
      \   {_, l -> substitute(l, '^\d\+) ', '', '')})
      return string(index(s:offered, s:spec.fix_title) + 1)
    endfunction
    let l:before = getline(1, '$')
    '<,'>ALECodeAction
    let l:waited = 0
    while getline(1, '$') ==# l:before && l:waited < s:spec.timeout_ms
      sleep 50m
      let l:waited += 50
    endwhile
    let s:result.offered = s:offered
    let s:result.text = join(getline(1, '$'), "\n") . "\n"
    call add(s:result.steps, 'fixed')
    " ALE sends the change when it lints (no TextChanged event in Ex mode); the server then
    " publishes no errors for the new text (hints such as `removable-block` may stay).
    ALELint
    let l:waited = 0
    while !empty(filter(getloclist(0), {_, e -> e.type ==# 'E'})) && l:waited < s:spec.timeout_ms
      sleep 50m
      let l:waited += 50
    endwhile
    let s:result.final_loclist = filter(getloclist(0), {_, e -> e.type ==# 'E'})
    call add(s:result.steps, empty(s:result.final_loclist) ? 'clean' : 'still errors')
  endif

  " The indent of a badly indented buffer after `gg=G`.
  enew!
  setfiletype wat
  call setline(1, s:spec.indent_lines)
  normal! gg=G
  let s:result.indented = getline(1, '$')
  call add(s:result.steps, 'indented')

  " Syntax groups: each run of one group over a buffer of `face_lines`, as [text, group].
  enew!
  setfiletype wat
  call setline(1, s:spec.face_lines)
  let s:result.groups = []
  for l:lnum in range(1, line('$'))
    let l:line = getline(l:lnum)
    let l:col = 1
    while l:col <= strlen(l:line)
      let l:group = synIDattr(synID(l:lnum, l:col, 1), 'name')
      let l:end = l:col
      while l:end < strlen(l:line) && synIDattr(synID(l:lnum, l:end + 1, 1), 'name') ==# l:group
        let l:end += 1
      endwhile
      if !empty(l:group)
        call add(s:result.groups, [l:line[l:col - 1 : l:end - 1], l:group])
      endif
      let l:col = l:end + 1
    endwhile
  endfor
  call add(s:result.steps, 'syntax')
  let s:result.ok = v:true
endfunction

try
  call s:Run()
catch
  let s:result.error = v:exception . ' at ' . v:throwpoint
endtry
call s:Finish()
