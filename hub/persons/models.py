"""The person table: one row per human being, whatever flow first brought them in."""

from __future__ import annotations

import datetime as dt
import enum
import uuid

from sqlalchemy import Date, ForeignKey, Index, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from hub.clients.permissions import Location
from hub.infra.db import Base, UTCDateTime


class Gender(enum.StrEnum):
    MALE = "male"
    FEMALE = "female"


class Person(Base):
    __tablename__ = "persons"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    full_name: Mapped[str] = mapped_column(String(200))
    # The name folded (no diacritics, case or spaces), for matching the same person written differently.
    name_key: Mapped[str] = mapped_column(String(200))
    gender: Mapped[str] = mapped_column(String(8))
    date_of_birth: Mapped[dt.date] = mapped_column(Date)
    # Personal identification number (số định danh cá nhân), 12 digits; not every child has one yet.
    personal_id_number: Mapped[str | None] = mapped_column(String(12), unique=True)
    # Social-insurance code (mã số BHXH), 10 digits, for life; kept apart from the ID number on purpose.
    bhxh_code: Mapped[str | None] = mapped_column(String(10), unique=True)
    province_code: Mapped[str] = mapped_column(String(2))
    commune_code: Mapped[str] = mapped_column(String(5))
    address: Mapped[str] = mapped_column(String(500))
    mother_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("persons.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        Index("ix_persons_commune_code", "commune_code"),
        Index("ix_persons_name_key_date_of_birth", "name_key", "date_of_birth"),
    )

    @property
    def location(self) -> Location:
        return Location(province_code=self.province_code, commune_code=self.commune_code)
