"""Rewrites: refactorings at the cursor, one a file (`base.Rewrite`, decision 41), listed by
`registry` as `refactor.rewrite` code actions."""
