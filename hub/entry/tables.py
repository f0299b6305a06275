"""Every table on the metadata: the `models` module of each domain, imported (for migrations and tests)."""

from hub.entry.discovery import import_from_every_domain
from hub.infra.db import Base

import_from_every_domain("models")
METADATA = Base.metadata
