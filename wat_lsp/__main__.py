import sys

from wat_lsp.cli import main

# Guarded: worker processes started by `spawn` import the main module again (as __mp_main__).
if __name__ == "__main__":
    sys.exit(main())
