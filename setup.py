"""Builds the tree-sitter-wat parser (grammar/src) into the extension wat_lsp._grammar, and puts
docs/diagnostics.md into the package (SARIF output links each rule to its section)."""

from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext
from setuptools.command.build_py import build_py


class BuildPy(build_py):
    def run(self) -> None:
        super().run()
        doc = Path("docs") / "diagnostics.md"
        # An editable install reads the repository's copy (wat_lsp/sarif.py).
        if doc.is_file() and not getattr(self, "editable_mode", False):
            self.mkpath(str(Path(self.build_lib) / "wat_lsp"))
            self.copy_file(str(doc), str(Path(self.build_lib) / "wat_lsp" / "diagnostics.md"))


class BuildExt(build_ext):
    def run(self) -> None:
        super().run()
        # An in-tree build for one Python version (`_grammar.cpython-311-...so`, from before the
        # stable ABI) would shadow the fresh `_grammar.abi3.so`: imports prefer it.
        if self.inplace or getattr(self, "editable_mode", False):
            for stale in Path("wat_lsp").glob("_grammar.cpython-*.so"):
                stale.unlink()


setup(
    cmdclass={"build_py": BuildPy, "build_ext": BuildExt},
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
            # The binding uses only the stable ABI: one wheel serves CPython 3.11 and later.
            define_macros=[("Py_LIMITED_API", "0x030B0000")],
            py_limited_api=True,
        ),
        # The formatter's scan in C (analysis/ide/format.py runs its Python scan without it).
        Extension(
            "wat_lsp.analysis.ide._format_scan",
            sources=["analysis/ide/format_scan.c"],
            extra_compile_args=["-std=c11", "-O2"],
            define_macros=[("Py_LIMITED_API", "0x030B0000")],
            py_limited_api=True,
        ),
    ],
    options={"bdist_wheel": {"py_limited_api": "cp311"}},
)
