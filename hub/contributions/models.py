"""Contribution tables: employers, and each insured person's contribution month by month."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import BigInteger, Date, ForeignKey, Index, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from hub.infra.db import Base, BigIntKey, UTCDateTime
from hub.infra.ids import new_id


class Employer(Base):
    """An employer (đơn vị sử dụng lao động) by its BHXH unit code."""

    __tablename__ = "employers"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    tax_code: Mapped[str | None] = mapped_column(String(14))
    province_code: Mapped[str] = mapped_column(String(2))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class ContributionMonthRow(Base):
    """One person's contribution for one month: salary, work type, compulsory or voluntary, and who paid."""

    __tablename__ = "contribution_months"

    id: Mapped[int] = mapped_column(BigIntKey, primary_key=True, autoincrement=True)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("persons.id"))
    month: Mapped[dt.date] = mapped_column(Date)  # the first day of the month
    employer_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("employers.id"))  # None: voluntary
    salary_vnd: Mapped[int] = mapped_column(BigInteger)
    work_type: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(16))  # connector, import
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        UniqueConstraint("person_id", "month"),
        Index("ix_contribution_months_employer_id_month", "employer_id", "month"),
    )
