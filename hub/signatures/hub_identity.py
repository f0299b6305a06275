"""The hub's own signing identity: from HUB_SIGNING_KEY / HUB_SIGNING_CERT, or a development one kept on disk."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from hub.infra.settings import DocumentSettings
from signing.devpki import generate_identity, read_identity, write_identity
from signing.errors import IdentityError
from signing.keys import SigningIdentity, load_identity
from signing.parties import HUB

DEV_VALIDITY = dt.timedelta(days=3650)


def hub_identity(settings: DocumentSettings, *, now: dt.datetime) -> SigningIdentity:
    """The key and certificate the hub signs with, loaded once per process.

    Without configured files (development only: production settings refuse to load without them), a self-signed
    identity is generated once into `dev_signing_dir` and reused by every process that shares the directory."""
    if settings.signing_key:
        return load_identity(HUB, settings.signing_key, settings.signing_cert)
    directory = Path(settings.dev_signing_dir)
    try:
        return read_identity(HUB, directory)
    except IdentityError:
        identity = generate_identity(
            HUB, not_before=now - dt.timedelta(days=1), not_after=now + DEV_VALIDITY, organisation="hub (development)"
        )
        write_identity(identity, directory)
        return identity
