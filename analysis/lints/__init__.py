"""Lints: diagnostics about valid code that is likely a mistake or can be simpler (one lint a file)."""
