"""The compiled tree-sitter-wat grammar (grammar/bindings/python/binding.c)."""

def language() -> object:
    """The language as a capsule for `tree_sitter.Language`."""
