runtime! ftplugin/wat.vim
