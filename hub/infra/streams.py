"""Large payloads decoded as they arrive, without the copies a decode of the whole would make.

A 20 MiB envelope sent in base64 is 28 MB of text. Decoding it whole (`text.encode("ascii")`, `.translate` to drop
line breaks, `b64decode`) holds three copies of the text beside the result; `Base64Decoder` takes it a piece at a
time and writes what it decodes into one growing buffer, handed over without a copy at the end.
"""

from __future__ import annotations

import base64
import binascii
import io
from urllib.parse import unquote_plus, unquote_to_bytes

BASE64_LAYOUT = b" \t\r\n"  # allowed between base64 characters: line breaks and spaces
DECODE_CHARS = 1 << 20  # base64 characters decoded at a time, when decoding text already whole


class Base64Decoder:
    """Strict base64 fed in pieces: only the alphabet, padding at the very end, BASE64_LAYOUT anywhere between.

    `feed` raises binascii.Error (a ValueError) on the first piece that breaks the rule; `result` on an incomplete
    end. The decoded bytes are exactly those of `base64.b64decode(whole, validate=True)` with the layout removed."""

    def __init__(self) -> None:
        self._out = io.BytesIO()
        self._carry = b""  # fewer than four characters, waiting for the rest of their quantum
        self._padded = False  # padding seen: nothing but layout may follow

    def feed(self, data: bytes) -> None:
        data = data.translate(None, BASE64_LAYOUT)
        if not data:
            return
        if self._padded:
            raise binascii.Error("Excess data after padding")
        if self._carry:
            data = self._carry + data
        whole = len(data) - len(data) % 4
        self._carry = data[whole:]
        if not whole:
            return
        if b"=" in data[: whole - 2]:  # padding is only ever in the last two characters of the last quantum
            raise binascii.Error("Excess data after padding")
        self._padded = data[whole - 1] == ord("=")
        self._out.write(base64.b64decode(data[:whole] if self._carry else data, validate=True))

    def result(self) -> bytes:
        """What was decoded (the buffer itself, not a copy); binascii.Error if the text ended mid-quantum."""
        if self._carry:
            raise binascii.Error("Incorrect padding")
        return self._out.getvalue()

    def __len__(self) -> int:
        return self._out.tell()


def decode_base64_text(text: str) -> bytes:
    """Strict base64 text (see Base64Decoder), decoded DECODE_CHARS at a time; ValueError if it is not."""
    decoder = Base64Decoder()
    for start in range(0, len(text), DECODE_CHARS):
        try:
            piece = text[start : start + DECODE_CHARS].encode("ascii")
        except UnicodeEncodeError as exc:
            raise ValueError("base64 is ASCII") from exc
        decoder.feed(piece)
    return decoder.result()


class FormInvalid(ValueError):
    """The form cannot be read as sent (more fields than allowed)."""


# The escapes a form encoder writes in base64 text, undone with bytes.replace: unquote_to_bytes splits at every `%`
# in Python, some 400,000 of them in a 20 MiB envelope. Anything else escaped goes through unquote_to_bytes after.
_ESCAPES = tuple(
    (b"%" + code, char)
    for hexa, char in ((b"2B", b"+"), (b"2F", b"/"), (b"3D", b"="), (b"0A", b"\n"), (b"0D", b"\r"), (b"20", b" "))
    for code in (hexa, hexa.lower())
)


def _unescape(data: bytes) -> bytes:
    """Form-urlencoded bytes, `+` and percent escapes undone, as urllib's unquote_plus does for bytes."""
    data = data.replace(b"+", b" ")
    if b"%" in data:
        for escape, char in _ESCAPES:
            data = data.replace(escape, char)
        if b"%" in data:
            data = unquote_to_bytes(data)
    return data


class UrlencodedForm:
    """An `application/x-www-form-urlencoded` body parsed as it arrives, in the pieces the server hands over.

    Fields are read as Starlette's FormParser reads them (separated by `&`, empty ones skipped, a name without `=`
    an empty value; names and values percent-decoded as Latin-1 text), except `streamed`: its value (base64 text,
    the envelope) goes through percent-decoding into a Base64Decoder as it comes, so the body is never held, nor
    the text, only the decoded bytes. `pairs` lists every field in order, `streamed` with an empty value, and
    `decoded` is its bytes (None when it was not sent or was not base64: `invalid`). A second field of that name is
    listed and not decoded."""

    def __init__(self, streamed: str, *, max_fields: int) -> None:
        self.pairs: list[tuple[str, str]] = []
        self.decoded: bytes | None = None
        self.invalid = False
        self._streamed = streamed
        self._max_fields = max_fields
        self._name = bytearray()
        self._value = bytearray()
        self._in_value = False
        self._decoder: Base64Decoder | None = None  # while the streamed field's value arrives
        self._skipping = False  # a repeat of the streamed field: counted, not read
        self._pending = b""  # a percent escape cut by the end of a piece

    def feed(self, chunk: bytes) -> None:
        start, end = 0, len(chunk)
        while start < end:
            amp = chunk.find(b"&", start)
            stop = end if amp == -1 else amp
            if not self._in_value:
                equals = chunk.find(b"=", start, stop)
                if equals != -1:
                    self._name += chunk[start:equals]
                    self._begin_value()
                    start = equals + 1
                    continue
                self._name += chunk[start:stop]
            else:
                self._value_data(chunk[start:stop])
            if amp == -1:
                return
            self._end_field()
            start = amp + 1

    def finish(self) -> None:
        """The body has ended: the last field ends with it."""
        self._end_field()

    def _begin_value(self) -> None:
        self._in_value = True
        if self._decoded_name() == self._streamed:
            if self._decoder is None and self.decoded is None and not self.invalid:
                self._decoder = Base64Decoder()
            else:
                self._skipping = True

    def _value_data(self, data: bytes) -> None:
        if self._decoder is not None:
            data = self._pending + data
            cut = data.rfind(b"%", max(0, len(data) - 2))
            self._pending, data = (data[cut:], data[:cut]) if cut != -1 else (b"", data)
            self._decode(_unescape(data))
        elif not self._skipping:
            self._value += data

    def _decode(self, data: bytes) -> None:
        if self._decoder is None:
            return
        try:
            self._decoder.feed(data)
        except binascii.Error:
            self._decoder, self.invalid = None, True

    def _end_field(self) -> None:
        if not self._in_value and not self._name:
            return  # an empty field between two `&`
        name = self._decoded_name()
        if self._decoder is not None or (self._in_value and name == self._streamed and not self._skipping):
            self._decode(self._pending)  # a `%` left at the end is not base64: refused
            if self._decoder is not None:
                try:
                    self.decoded = self._decoder.result()
                except binascii.Error:
                    self.invalid = True
            value = ""
        else:
            value = unquote_plus(self._value.decode("latin-1"))
        self.pairs.append((name, value))
        if len(self.pairs) > self._max_fields:
            raise FormInvalid(f"Too many fields. Maximum number of fields is {self._max_fields}.")
        self._name, self._value, self._in_value = bytearray(), bytearray(), False
        self._decoder, self._skipping, self._pending = None, False, b""

    def _decoded_name(self) -> str:
        return unquote_plus(self._name.decode("latin-1"))
