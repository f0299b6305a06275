"""The verification report: what was checked, against which certificate, and the outcome; stored with each payload."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields
from typing import Literal

JsonScalar = str | None

VALID_CODE = "VALID"
"""The reason code of a report whose signature was accepted."""


@dataclass(frozen=True)
class VerificationReport:
    """One signature check, valid or not. Fields the check did not reach (e.g. no certificate found) are None."""

    result: Literal["valid", "invalid"]
    reason_code: str
    """`VALID` on success, else the `code` of the error raised."""
    message: str
    expected_signer: str
    signer: str | None
    """The party the certificate in KeyInfo is trusted for (None if it is not in the trust store)."""
    certificate_subject: str | None
    certificate_serial: str | None
    """Lower-case hexadecimal."""
    certificate_not_before: dt.datetime | None
    certificate_not_after: dt.datetime | None
    certificate_fingerprint: str | None
    """SHA-256 of the certificate's DER encoding, lower-case hex."""
    signature_algorithm: str | None
    """The SignatureMethod URI, e.g. http://www.w3.org/2001/04/xmldsig-more#rsa-sha256."""
    digest_algorithm: str | None
    """The DigestMethod URI, e.g. http://www.w3.org/2001/04/xmlenc#sha256."""
    digest_value: str | None
    """The signed digest of the document, base64 as in the signature."""
    checked_at: dt.datetime
    """The instant the certificate's validity was checked against (the caller's `at`)."""

    @property
    def valid(self) -> bool:
        """True when the signature was accepted."""
        return self.result == "valid"

    def as_dict(self) -> dict[str, JsonScalar]:
        """The report as a JSON-compatible dict: datetimes in ISO 8601 (UTC offset included), everything else text."""
        return {field.name: _json_scalar(getattr(self, field.name)) for field in fields(self)}


def _json_scalar(value: object) -> JsonScalar:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, dt.datetime):
        return value.isoformat()
    raise TypeError(f"unexpected report value {value!r}")
