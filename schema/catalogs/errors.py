"""The payload error type shared by every catalog mutation."""

from __future__ import annotations

import strawberry

from hub.catalogs.errors import CatalogErrorCode

strawberry.enum(CatalogErrorCode, name="CatalogErrorCode")


@strawberry.type
class CatalogError:
    field: str | None
    code: CatalogErrorCode
    message: str
    message_vi: str
