runtime! indent/wat.vim
