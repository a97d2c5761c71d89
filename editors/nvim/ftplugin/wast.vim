" A spec script is WebAssembly text too.
runtime! ftplugin/wat.vim
