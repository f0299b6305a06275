"""Catalog tables: health-care facilities, requests to add a missing one, BHXH units and the communes they serve.

Administrative units are not stored: they are read from the maintained package (hub.catalogs.adminunits).
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, LargeBinary, String, Text, Uuid, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.clients.permissions import Location
from hub.infra.db import Base, UTCDateTime
from hub.infra.ids import new_id


class FacilityLevel(enum.StrEnum):
    """Technical level (tuyến chuyên môn kỹ thuật) of a health-care facility, as BHXH's lists number them 1–4."""

    CENTRAL = "central"  # 1: trung ương
    PROVINCE = "province"  # 2: tỉnh
    DISTRICT = "district"  # 3: huyện (khu vực)
    COMMUNE = "commune"  # 4: xã


class ImportState(enum.StrEnum):
    """Where a facility list import stands: waiting for a worker, importing, finished, or given up on."""

    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class RequestState(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class HealthFacility(Base):
    """A health-care facility (cơ sở khám chữa bệnh, KCB) that may be chosen for primary care (nơi KCB ban đầu)."""

    __tablename__ = "health_facilities"

    code: Mapped[str] = mapped_column(String(5), primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    search_key: Mapped[str] = mapped_column(String(300))  # folded name: search with or without diacritics
    province_code: Mapped[str] = mapped_column(String(2))
    commune_code: Mapped[str | None] = mapped_column(String(5))
    address: Mapped[str | None] = mapped_column(String(500))
    level: Mapped[str] = mapped_column(String(16))
    accepts_child_primary_care: Mapped[bool] = mapped_column(Boolean)
    contract_from: Mapped[dt.date | None] = mapped_column(Date)
    contract_to: Mapped[dt.date | None] = mapped_column(Date)
    retired_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    retired_reason: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_health_facilities_province_code", "province_code", "code"),)

    @property
    def location(self) -> Location:
        return Location(province_code=self.province_code, commune_code=self.commune_code, facility_code=self.code)


class FacilityRequest(Base):
    """A registry office's request to add a facility missing from the list; an operator approves or rejects it."""

    __tablename__ = "facility_requests"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    code: Mapped[str] = mapped_column(String(5))
    name: Mapped[str] = mapped_column(String(300))
    province_code: Mapped[str] = mapped_column(String(2))
    commune_code: Mapped[str | None] = mapped_column(String(5))
    note: Mapped[str | None] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16))
    requested_by: Mapped[uuid.UUID] = mapped_column(Uuid)
    requested_by_name: Mapped[str] = mapped_column(String(200))
    requested_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    decided_by_name: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    decision_reason: Mapped[str | None] = mapped_column(String(500))

    __table_args__ = (
        Index("ix_facility_requests_state_province", "state", "province_code"),
        Index(
            "uq_facility_requests_pending_code",
            "code",
            unique=True,
            postgresql_where=text("state = 'pending'"),
            sqlite_where=text("state = 'pending'"),
        ),
    )

    @property
    def location(self) -> Location:
        return Location(province_code=self.province_code, commune_code=self.commune_code)


class BhxhUnit(Base):
    """A BHXH office that issues cards and settles claims, with the communes it serves."""

    __tablename__ = "bhxh_units"

    code: Mapped[str] = mapped_column(String(10), primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    province_code: Mapped[str | None] = mapped_column(String(2))
    commune_code: Mapped[str | None] = mapped_column(String(5))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    communes: Mapped[list[BhxhUnitCommune]] = relationship(
        back_populates="unit", cascade="all, delete-orphan", lazy="selectin", order_by="BhxhUnitCommune.commune_code"
    )

    @property
    def location(self) -> Location:
        return Location(province_code=self.province_code, commune_code=self.commune_code)


class BhxhUnitCommune(Base):
    """A commune served by a BHXH unit; a commune is served by at most one unit."""

    __tablename__ = "bhxh_unit_communes"

    commune_code: Mapped[str] = mapped_column(String(5), primary_key=True)
    unit_code: Mapped[str] = mapped_column(ForeignKey("bhxh_units.code", ondelete="CASCADE"), index=True)
    unit: Mapped[BhxhUnit] = relationship(back_populates="communes")


class FacilityImport(Base):
    """A facility list uploaded for import by a job (hub.catalogs.jobs), chunk by chunk: its file until it is done,
    how far the job got and what it did. Seen only by the client that started it (hub.catalogs.facility_import)."""

    __tablename__ = "facility_imports"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    file_name: Mapped[str] = mapped_column(String(200))
    content: Mapped[bytes | None] = mapped_column(LargeBinary)  # dropped once the import has finished
    state: Mapped[str] = mapped_column(String(16))
    client_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    started_by: Mapped[str] = mapped_column(String(200))  # the principal's name, as the audit log writes it
    total_rows: Mapped[int | None] = mapped_column(Integer)  # known once the job has read the file
    rows_done: Mapped[int] = mapped_column(Integer, default=0)
    created: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    problem: Mapped[str | None] = mapped_column(Text)  # why the file, or the job, could not go on
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class FacilityImportRejection(Base):
    """A row of an imported list that was not stored, with every reason (code, field, messages) as JSON."""

    __tablename__ = "facility_import_rejections"

    import_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("facility_imports.id", ondelete="CASCADE"), primary_key=True
    )
    row: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(100))
    errors: Mapped[list[dict[str, str | None]]] = mapped_column(JSON)
