; Indentation for Helix: every parenthesized form indents its contents by one level (the
; formatter's two-space structure indent); its closing parenthesis goes back out.
(_ "(" ")") @indent
")" @outdent
