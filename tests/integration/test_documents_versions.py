"""Issue 17 end to end, on both backends: envelopes written as hospitals' software writes them are received under
the version of the standard they follow, named on the receipt; a check-in (XML0 only) is received; each wrong
input of the new table rules is refused with its own code and leaves nothing stored."""

from __future__ import annotations

import dataclasses
import datetime as dt
import pathlib
from collections.abc import Callable

import pytest

from devkit.qd4750_samples import FACILITY, MOTHER, SICK_LEAVE
from hub.documents.intake import receive_envelope
from hub.documents.models import Channel
from hub.documents.qd4750 import build_envelope, build_table, table_file
from hub.documents.qd4750.versions import QD4750
from signing.sign import sign_enveloped
from tests.helpers import graphql_data
from tests.integration.documents_kit import documents_world, facility_identity, rows_left, signed_by_hub

FIXTURES = pathlib.Path(__file__).parent.parent / "fixtures" / "qd130"
DAY = dt.date(2026, 3, 16)
VISIT = dataclasses.replace(
    MOTHER, ngay_vao=dt.datetime(2026, 3, 16, 7, 45), ngay_ra=dt.datetime(2026, 3, 16, 10, 30), ngay_ttoan=None
)
LEAVE = dataclasses.replace(SICK_LEAVE, ma_lk=VISIT.ma_lk, tu_ngay=DAY, den_ngay=DAY, so_ngay_nghi=1, ngay_ct=DAY)
SUBMIT = """mutation($envelope: String!) {
  submitHospitalDossiers(envelope: $envelope, encoding: TEXT) {
    receipt { signedReceipt documents { docType number version status standard } }
    errors { field code message messageVi }
  }
}"""
XINCLUDE = b'<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="file:///etc/hostname"/>'


@pytest.fixture
async def world(hub, signer, clock, backend):
    return await documents_world(hub, signer, clock, backend)


def signed(data: bytes) -> bytes:
    return sign_enveloped(data, facility_identity(FACILITY))


async def submit(client, token: str, data: bytes) -> dict:
    return (await graphql_data(client, SUBMIT, {"envelope": data.decode()}, token=token))["submitHospitalDossiers"]


async def test_a_hospital_export_is_received_under_qd3176_and_the_receipt_says_so(hub, world, clock):
    client, state = hub
    tokens, _ = world
    answer = await submit(client, tokens["bv-48001"], signed((FIXTURES / "envelope_qd3176_wrapped.xml").read_bytes()))
    assert answer["errors"] == []
    lines = {(d["docType"], d["status"], d["standard"]) for d in answer["receipt"]["documents"]}
    assert lines == {("XML1", "NEW", "QD3176"), ("XML11", "NEW", "QD3176"), ("XML2", "KEPT", "QD3176")}
    receipt = signed_by_hub(state, answer["receipt"]["signedReceipt"].encode(), at=clock.now())
    assert sorted(item.findtext("CHUAN") for item in receipt.iterfind("DANHSACHCHUNGTU/CHUNGTU")) == ["QD3176"] * 3


async def test_a_qd4750_envelope_is_still_received_and_named_qd4750(hub, world):
    client, _ = hub
    tokens, _ = world
    files = [("XML1", build_table("XML1", [MOTHER], standard=QD4750))]
    answer = await submit(client, tokens["bv-48001"], signed(build_envelope(FACILITY, dt.date(2025, 3, 10), [files])))
    assert answer["errors"] == []
    assert [(d["docType"], d["standard"]) for d in answer["receipt"]["documents"]] == [("XML1", "QD4750")]


async def test_a_check_in_envelope_with_only_xml0_is_received(hub, world, clock):
    _, state = hub
    _, principals = world
    data = signed((FIXTURES / "envelope_xml0_checkin.xml").read_bytes())
    stored = await receive_envelope(
        state.services.db,
        state.services.intake,
        data=data,
        principal=principals["bv-48001"],
        now=clock.now(),
        channel=Channel.GRAPHQL,
    )
    [line] = stored.lines
    assert (line.doc_type, line.number, line.status.value, line.standard) == (
        "XML0",
        "48001.2026.004513",
        "kept",
        "QD3176",
    )


def _envelope(*files, facility: str = FACILITY) -> bytes:
    return build_envelope(facility, DAY, [list(files)] if files else [])


CASES: dict[str, tuple[Callable[[], bytes], str]] = {
    "sick leave in reverse order": (
        lambda: _envelope(table_file(VISIT), table_file(dataclasses.replace(LEAVE, den_ngay=DAY - dt.timedelta(2)))),
        "DATES_OUT_OF_ORDER",
    ),
    "41 days for an ordinary diagnosis": (
        lambda: _envelope(
            table_file(VISIT), table_file(dataclasses.replace(LEAVE, den_ngay=DAY + dt.timedelta(40), so_ngay_nghi=41))
        ),
        "LEAVE_TOO_LONG",
    ),
    "a certificate that does not start on the visit date": (
        lambda: _envelope(table_file(VISIT), table_file(dataclasses.replace(LEAVE, ngay_ct=DAY + dt.timedelta(1)))),
        "LEAVE_NOT_FROM_VISIT",
    ),
    "a 13-digit CCCD": (
        lambda: _envelope(table_file(dataclasses.replace(VISIT, so_cccd="0480860012345"))),
        "CCCD_INVALID",
    ),
    "an XML2 carrying a sick-leave certificate": (
        lambda: _envelope(table_file(VISIT), ("XML2", build_table("XML11", [LEAVE]))),
        "ROOT_ELEMENT_WRONG",
    ),
    "an xi:include in a kept table": (
        lambda: _envelope(
            table_file(VISIT),
            ("XML5", b"<CHITIEU_CHITIET_DIENBIENLAMSANG>" + XINCLUDE + b"</CHITIEU_CHITIET_DIENBIENLAMSANG>"),
        ),
        "XINCLUDE_REFUSED",
    ),
    "an xi:include in THONGTINDONVI": (
        lambda: _envelope(table_file(VISIT)).replace(b"<MACSKCB>", XINCLUDE + b"<MACSKCB>"),
        "XINCLUDE_REFUSED",
    ),
    "an envelope with no HOSO": (lambda: _envelope(), "ENVELOPE_EMPTY"),
    "an element the envelope does not have": (
        lambda: _envelope(table_file(VISIT)).replace(b"</HOSO>", b"<GHICHU>x</GHICHU></HOSO>"),
        "ENVELOPE_ELEMENT_UNKNOWN",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
async def test_each_wrong_input_is_refused_with_its_own_code_and_stores_nothing(hub, world, case):
    client, state = hub
    tokens, _ = world
    make, code = CASES[case]
    answer = await submit(client, tokens["bv-48001"], signed(make()))
    assert answer["receipt"] is None
    assert [e["code"] for e in answer["errors"]] == [code], answer["errors"]
    assert all(e["message"] and e["messageVi"] for e in answer["errors"])
    assert await rows_left(state) == {}
