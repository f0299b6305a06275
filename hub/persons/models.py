"""The person table: one row per human being, whatever flow first brought them in."""

from __future__ import annotations

import datetime as dt
import enum
import uuid

from sqlalchemy import Date, ForeignKey, Index, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from hub.clients.permissions import Location
from hub.infra.db import Base, UTCDateTime
from hub.infra.ids import new_id


class Gender(enum.StrEnum):
    MALE = "male"
    FEMALE = "female"


class Person(Base):
    __tablename__ = "persons"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
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


class NumberChangeReason(enum.StrEnum):
    """Why a personal ID number was cancelled and a new one established (NĐ 70/2024/NĐ-CP Art 11(7), (8), (11))."""

    GENDER_REDETERMINED = "gender_redetermined"  # Art 11(7): gender re-determined or changed
    BIRTH_YEAR_CORRECTED = "birth_year_corrected"  # Art 11(8): the year of birth corrected
    REGISTRATION_ERROR = "registration_error"  # Art 11(11): an error when the number was established


class PersonIdentityNumber(Base):
    """Every personal ID number a person has held: the current one open (`cancelled_on` None), each cancelled one
    with the day and the reason. Cancelled numbers are never reissued (NĐ 70/2024 Art 11), so a record naming one
    still names its person."""

    __tablename__ = "person_identity_numbers"

    number: Mapped[str] = mapped_column(String(12), primary_key=True)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("persons.id"))
    valid_from: Mapped[dt.date | None] = mapped_column(Date)
    cancelled_on: Mapped[dt.date | None] = mapped_column(Date)
    reason: Mapped[str | None] = mapped_column(String(32))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_person_identity_numbers_person_id", "person_id"),)
