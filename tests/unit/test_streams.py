"""Base64 decoded in pieces: exactly what a strict decode of the whole gives, refusals included."""

from __future__ import annotations

import base64
import binascii
from collections.abc import AsyncGenerator
from urllib.parse import urlencode

import pytest
from hypothesis import given
from hypothesis import strategies as st
from starlette.datastructures import Headers
from starlette.formparsers import FormParser

from hub.infra.streams import Base64Decoder, FormInvalid, UrlencodedForm, decode_base64_text

LAYOUT = b" \t\r\n"


def _whole(text: bytes) -> bytes | None:
    """The strict decode of the whole: whole quanta of four, padding only at the end of the last one (b64decode,
    even with validate=True, takes a lone "=" after a whole quantum: "QQQQ=")."""
    letters = text.translate(None, LAYOUT)
    if len(letters) % 4:
        return None
    try:
        return binascii.a2b_base64(letters, strict_mode=True)
    except binascii.Error:
        return None


def _pieces(text: bytes, cuts: list[int]) -> bytes | None:
    decoder = Base64Decoder()
    try:
        for start, end in zip([0, *sorted(cuts)], [*sorted(cuts), len(text)], strict=True):
            decoder.feed(text[start:end])
        return decoder.result()
    except binascii.Error:
        return None


@given(st.binary(max_size=300), st.lists(st.integers(min_value=0, max_value=500), max_size=8), st.data())
def test_any_bytes_come_back_whatever_the_pieces_and_line_breaks(payload, cuts, data):
    text = base64.b64encode(payload)
    breaks = data.draw(st.lists(st.integers(min_value=0, max_value=len(text)), max_size=5))
    for at in sorted(breaks, reverse=True):
        text = text[:at] + b"\r\n" + text[at:]
    assert _pieces(text, [c % (len(text) + 1) for c in cuts]) == payload


@given(
    st.lists(st.sampled_from([b"Q", b"U", b"=", b"+", b"/", b"\n", b" ", b"*", b"A"]), max_size=40).map(b"".join),
    st.lists(st.integers(min_value=0, max_value=40), max_size=6),
)
def test_a_refusal_in_pieces_is_a_refusal_whole(text, cuts):
    assert _pieces(text, [c % (len(text) + 1) for c in cuts]) == _whole(text)


@pytest.mark.parametrize("text", ["QQ==QQ==", "QQ=", "QUJD\nRA", "QUJ*", "QQ==\nQUJD", "Qk€="])
def test_text_that_is_not_strict_base64_is_refused(text):
    with pytest.raises(ValueError):
        decode_base64_text(text)


def test_text_is_decoded_a_piece_at_a_time(monkeypatch):
    monkeypatch.setattr("hub.infra.streams.DECODE_CHARS", 7)
    payload = bytes(range(256)) * 3
    text = base64.encodebytes(payload).decode()  # lines of 76 characters
    assert decode_base64_text(text) == payload
    assert decode_base64_text(text + "\n\n  ") == payload


def _form(body: bytes, cuts: list[int], max_fields: int = 32) -> UrlencodedForm:
    form = UrlencodedForm("file", max_fields=max_fields)
    for start, end in zip([0, *sorted(cuts)], [*sorted(cuts), len(body)], strict=True):
        form.feed(body[start:end])
    form.finish()
    return form


async def _starlette(body: bytes) -> list[tuple[str, str]]:
    async def stream() -> AsyncGenerator[bytes, None]:
        yield body

    parsed = await FormParser(Headers({}), stream(), max_part_size=len(body) + 1).parse()
    return [(name, str(value)) for name, value in parsed.multi_items()]


@given(
    st.dictionaries(st.text(min_size=1, max_size=8).filter(lambda n: n != "file"), st.text(max_size=20), max_size=4),
    st.binary(max_size=400),
    st.lists(st.integers(min_value=0, max_value=2000), max_size=10),
)
async def test_a_form_streamed_in_pieces_reads_as_starlette_reads_it_whole(fields, file, cuts):
    text = base64.encodebytes(file).decode()  # with line breaks, escaped as %0A
    body = urlencode([*fields.items(), ("file", text)]).encode()
    form = _form(body, [c % (len(body) + 1) for c in cuts])
    assert form.decoded == file and not form.invalid
    assert form.pairs == [(n, "" if n == "file" else v) for n, v in await _starlette(body)]


@pytest.mark.parametrize(
    "body",
    [b"a=1&&b&=c&file=QUJD%", b"file=QU%4aD", b"file=QUJD&file=QUJD", b"file=Q%C3%A9JD", b"file=QU+JD", b"x=%ZZ"],
)
async def test_odd_forms_read_as_starlette_reads_them(body):
    whole = await _starlette(body)
    for cut in range(len(body) + 1):
        form = _form(body, [cut])
        assert form.pairs == [(n, "" if n == "file" else v) for n, v in whole]
        text = next((v for n, v in whole if n == "file"), None)
        expected = None if text is None else _whole(text.encode("utf-8"))
        assert form.decoded == expected and form.invalid == (text is not None and expected is None)


def test_a_form_of_too_many_fields_is_refused():
    with pytest.raises(FormInvalid):
        _form(b"&".join(b"f%d=1" % i for i in range(33)), [])
