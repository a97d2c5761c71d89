import sys

from wat_lsp.cli import main

sys.exit(main())
