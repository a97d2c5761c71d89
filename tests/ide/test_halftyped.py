"""The lexer of half-typed text that completion and signature help share (`analysis.halftyped`):
its tokens, the cursor inside a comment or a string, the skips, and where it starts."""

from __future__ import annotations

from wat_lsp.analysis.ide import halftyped
from wat_lsp.analysis.syntax import parse


def _tokens(text: str, end: int | None = None, skips: dict[int, int] | None = None) -> list[tuple[str, str]]:
    data = text.encode()
    stop = len(data) if end is None else end
    return [(kind, data[a:b].decode()) for kind, a, b in halftyped.tokens(data, 0, stop, skips, [None])]


def test_tokens_pass_over_comments() -> None:
    text = '(func $"a b" ;; line\n (; block (; nested ;) ;) "s\\"t" i32.add,)'
    assert _tokens(text) == [
        ("open", "("),
        ("word", "func"),
        ("word", '$"a b"'),
        ("str", '"s\\"t"'),
        ("word", "i32.add"),
        ("other", ","),
        ("close", ")"),
    ]


def test_the_cursor_inside_a_comment_or_a_string() -> None:
    assert _tokens("(call ;; here")[-1] == ("inside", ";; here")
    assert _tokens("(call (; here")[-1][0] == "inside"
    assert _tokens('(call "here')[-1] == ("inside", '"here')
    assert _tokens('(call "')[-1] == ("inside", '"')
    # a closed string or comment just before the cursor is not the cursor's
    assert _tokens('(call "here"')[-1] == ("str", '"here"')
    assert _tokens("(call (; c ;)")[-1] == ("word", "call")
    assert _tokens("(call ;; c\n")[-1] == ("word", "call")


def test_a_skip_jumps_over_a_run() -> None:
    text = "(func (nop) (nop) (drop"
    at = text.index("(nop)")
    end = text.index("(drop") - 1
    assert _tokens(text, skips={at: end}) == [
        ("open", "("),
        ("word", "func"),
        ("skip", "(nop) (nop)"),
        ("open", "("),
        ("word", "drop"),
    ]
    # no open form: the run is read token by token
    data = text.encode()
    assert [k for k, _, _ in halftyped.tokens(data, at, len(data), {at: end}, [])][:2] == ["open", "word"]


def test_scan_start_at_the_field_or_the_statement() -> None:
    text = (
        "(module\n  (func $a nop)\n  (func $b (param i32)\n    (drop (i32.add (i32.const 1) (i32.const 2)))))"
    )
    data = text.encode()
    tree = parse(data)
    at = text.index("(i32.const 2)")
    field = text.index("(func $b")
    start, containers, node, cut = halftyped.scan_start(data, tree, at)
    assert (start, containers, cut) == (field, [("module", 0)], False)
    assert node is not None and node.type == "func"
    start, _, node, cut = halftyped.scan_start(data, tree, at, statement=True)
    assert (start, node, cut) == (text.index("(drop"), None, False)


def test_a_field_beyond_the_budget_is_cut() -> None:
    text = "(module\n  (func $a\n" + "    (nop)\n" * 40_000 + "    (call "
    data = text.encode()
    start, _, node, cut = halftyped.scan_start(data, parse(data), len(data))
    assert cut and node is None
    assert len(data) - start <= halftyped.BUDGET and data[start - 1 : start] == b"\n"
