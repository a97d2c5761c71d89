from wat_lsp.analysis.positions import LineIndex


def test_utf16_columns() -> None:
    data = "a\n\U0001f600x\r\nz".encode()
    index = LineIndex(data)
    x = data.index(b"x")
    assert index.position(x, "utf-16") == (1, 2)
    assert index.position(x, "utf-8") == (1, 4)
    assert index.position(x, "utf-32") == (1, 1)
    assert index.offset(1, 2, "utf-16") == x
    assert index.offset(1, 99, "utf-16") == data.index(b"\r")  # clamped to the line
    assert index.offset(9, 0) == len(data)
