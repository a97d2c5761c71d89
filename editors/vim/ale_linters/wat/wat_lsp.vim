" Description: wat-lsp, the WebAssembly text language server (diagnostics, fixes, hover, ...)

call ale#Set('wat_wat_lsp_executable', 'wat-lsp')
call ale#Set('wat_wat_lsp_options', '')
call ale#Set('wat_wat_lsp_config', {})

call ale#linter#Define('wat', {
\   'name': 'wat_lsp',
\   'lsp': 'stdio',
\   'executable': {b -> ale#Var(b, 'wat_wat_lsp_executable')},
\   'command': {b -> '%e' . ale#Pad(ale#Var(b, 'wat_wat_lsp_options'))},
\   'language': 'wat',
\   'project_root': function('wat#ProjectRoot'),
\   'lsp_config': {b -> ale#Var(b, 'wat_wat_lsp_config')},
\})
