"""Builds the tree-sitter-wat parser (grammar/src) into the extension wat_lsp._grammar."""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "wat_lsp._grammar",
            sources=[
                "grammar/bindings/python/binding.c",
                "grammar/src/parser.c",
                "grammar/src/scanner.c",
            ],
            include_dirs=["grammar/src"],
            extra_compile_args=["-std=c11", "-O2", "-w"],
        )
    ],
)
