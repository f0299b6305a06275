"""Reading identifiers from GraphQL arguments."""

from __future__ import annotations

import uuid

from hub.infra.errors import Forbidden


def parse_uuid(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        # An identifier that cannot exist is answered like one that is not visible: nothing is revealed.
        raise Forbidden() from None
