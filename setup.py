"""Builds the tree-sitter-wat parser (grammar/src) into the extension wat_lsp._grammar, and puts
docs/diagnostics.md into the package (SARIF output links each rule to its section)."""

from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_py import build_py


class BuildPy(build_py):
    def run(self) -> None:
        super().run()
        doc = Path("docs") / "diagnostics.md"
        # An editable install reads the repository's copy (wat_lsp/sarif.py).
        if doc.is_file() and not getattr(self, "editable_mode", False):
            self.mkpath(str(Path(self.build_lib) / "wat_lsp"))
            self.copy_file(str(doc), str(Path(self.build_lib) / "wat_lsp" / "diagnostics.md"))


setup(
    cmdclass={"build_py": BuildPy},
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
