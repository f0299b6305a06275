"""Benchmark of signed-document intake: hospitals' envelopes verified, parsed and stored, on PostgreSQL + Redis as
deployed, against signxml alone verifying the same envelopes in the same run.

    python bench/documents.py [--quick] [--envelopes N] [--senders S] [--web-processes W] [--web-layout ports|workers]
                              [--channel graphql|gateway] [--job-workers J] [--py-spy PATH] [--keep-logs] ...

Set-up, not timed: a dedicated database (created afresh, dropped at the end) and Redis database (flushed at the start
and the end), `hub migrate`, `hub catalog import-facilities` (generated facilities), then F hospitals (default 8) of F
provinces, each with a development key and certificate trusted for `facility:XXXXX` (as `hub cert import` does) and a
hospital client (as `hub client create --kind hospital --jurisdiction facility:XXXXX` does; in this process, like
bench/childcards.py, because 16 CLI start-ups would take longer than the quick run). N envelopes (GIAMDINHHS) of D
dossiers each (default 10), every dossier an XML1 visit summary and one benefit document: a sick-leave certificate
(XML11), a birth certificate (XML9), a pregnancy-rest certificate (XML10) or a discharge paper (XML7), of people of a
generated population (`hub.synthetic`), every episode code and document number unique; each envelope signed by its
facility.

Measured:
1. bare: signxml's XMLVerifier alone verifying the same envelope bytes with the settings signing/verify.py gives it
   (signature in ./CHUKYDONVI/, X.509 required, one reference, the same accepted algorithms), the facility's
   certificate loaded once, in P fresh processes (default: one per core) starting together: envelopes per second
   over the wall clock, the median of 3 passes; and the same for the hub's own verifier (signing.verify_enveloped:
   the signer pinned through a trust store, the certificate's dates, the references, the report), to tell what the
   checks cost from what parsing and storing cost;
2. the hub: W web processes (default one per core), each `hub serve` on its own port with the senders spread over
   them as a load balancer would (`--web-layout workers`: one `hub serve --workers W`, whose processes share a port
   and the kernel decides which accepts each connection), after a warm-up; S senders (default 8), each a hospital's
   software on its own HTTP/1.1 keep-alive connection, sending the envelopes back to back through the GraphQL mutation
   `submitHospitalDossiers` (or, with --channel gateway, the gateway-compatible upload), in 3 rounds whose median
   rate counts. Every answer must be a receipt of new documents without errors, and the database must then hold
   exactly the submissions and documents sent. Each submission also enqueues a job (the claims side is told of the
   new documents): no `hub worker` runs them unless --job-workers asks for some, and the jobs left are reported.
   When the server's autovacuum is off, a stand-in analyzes the intake's tables (see VACUUMED_TABLES and
   _common.AutovacuumStandIn).

Progress goes to stderr, with where the time went (CPU by process, database sessions by what they wait on, and with
--py-spy a profile of the web processes); the last line on stdout is one JSON object: {"documents_per_s": ...,
"bare_verify_per_s": ..., "ratio_to_bare": ..., "envelopes_per_s": ..., "p95_ms": ..., ...}. `documents_per_s`
counts benefit documents (one per dossier), `stored_documents_per_s` every document row stored (the XML1 too);
`bare_verify_per_s` and `envelopes_per_s` count envelopes, and `ratio_to_bare` is the one over the other;
`verify_ratio_to_bare` is the hub's verifier's rate (`hub_verify_per_s`) over signxml's.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import collections
import contextlib
import dataclasses
import datetime as dt
import json
import multiprocessing
import os
import pickle
import random
import re
import secrets
import shutil
import signal
import statistics
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from importlib.metadata import version
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import asyncpg  # type: ignore[import-untyped]
import httpx
import redis
from _common import (
    COUNT_DUE_JOBS,
    ActivitySampler,
    AutovacuumStandIn,
    base_env,
    cpu_report,
    flush_redis,
    hub_command,
    job_report,
    percentile,
    wait_jobs_drained,
    write_facilities_csv,
)
from _harness import (
    CpuMeter,
    Harness,
    Process,
    cpu_by_command,
    cpu_of,
    die_with_parent,
    free_port,
    log,
    postgres_cpu,
    require_loopback,
    signals_raise_interrupt,
    wait_http,
)
from cryptography import x509
from signxml.verifier import SignatureConfiguration, XMLVerifier

from hub.catalogs.models import FacilityLevel
from hub.clock import SystemClock, vietnam_date
from hub.documents.qd4750 import (
    BirthCertificate,
    BirthTime,
    DischargePaper,
    FileContent,
    PregnancyRestCertificate,
    Record,
    SickLeaveCertificate,
    VisitSummary,
    build_envelope,
    parse_envelope,
    table_file,
)
from hub.persons.models import Gender
from hub.synthetic import Facility, Family, PopulationGenerator, generate_facilities
from hub.synthetic import Person as SyntheticPerson
from signing.devpki import certificates_pem, generate_identity
from signing.keys import SigningIdentity
from signing.parties import facility as facility_party
from signing.sign import sign_enveloped
from signing.trust import TrustStore
from signing.verify import verify_enveloped
from signing.xmldsig import ACCEPTED_DIGEST_ALGORITHMS, ACCEPTED_SIGNATURE_METHODS

QUICK_ENVELOPES = 600
FULL_ENVELOPES = 4_000
WARMUP_PER_SENDER = 3
PROGRESS_S = 5.0
REQUEST_TIMEOUT_S = 120.0
SUBMIT = (
    "mutation Submit($envelope: String!) { submitHospitalDossiers(envelope: $envelope) "
    "{ receipt { transactionId repeated documents { docType number version status } } "
    "errors { code field message } } }"
)
GATEWAY_PASSWORD = "e10adc3949ba59abbe56e057f20f883e"  # what hospitals' software sends: a hash of the real password
# The signature settings of signing/verify.py, for signxml alone: the same checks, nothing of the hub around them.
BARE_CONFIG = SignatureConfiguration(
    require_x509=True,
    expect_references=1,
    location="./CHUKYDONVI/",
    signature_methods=ACCEPTED_SIGNATURE_METHODS,
    digest_algorithms=ACCEPTED_DIGEST_ALGORITHMS,
    ignore_ambiguous_key_info=False,
)


@dataclass(frozen=True)
class Config:
    quick: bool
    envelopes: int
    dossiers: int
    facilities: int
    senders: int
    rounds: int
    web_processes: int
    web_layout: str
    channel: str
    bare_processes: int
    bare_seconds: float
    job_workers: int
    worker_threads: int
    vacuum_every: float
    seed: int
    postgres: str
    database: str
    redis_url: str
    log_level: str
    keep_logs: bool
    keep_database: bool
    py_spy: str | None

    @property
    def admin_dsn(self) -> str:
        return f"{self.postgres}/postgres"

    @property
    def dsn(self) -> str:
        return f"{self.postgres}/{self.database}"

    @property
    def hub_database_url(self) -> str:
        return f"{self.postgres.replace('postgresql://', 'postgresql+asyncpg://', 1)}/{self.database}"

    @property
    def warmup_envelopes(self) -> int:
        return WARMUP_PER_SENDER * self.senders


# -- dossiers of a generated population ---------------------------------------------------------------------------

# (ICD-10 code, diagnosis, days of leave: fewest and most, treatment)
SICKNESS = (
    ("J18.9", "Viêm phổi, không đặc hiệu", 5, 10, "Kháng sinh, hạ sốt, long đờm"),
    ("J06.9", "Nhiễm trùng đường hô hấp trên cấp", 2, 4, "Hạ sốt, kháng viêm, súc họng"),
    ("A09", "Tiêu chảy và viêm dạ dày - ruột do nhiễm trùng", 2, 5, "Bù nước điện giải, kháng sinh đường ruột"),
    ("A91", "Sốt xuất huyết Dengue", 5, 10, "Bù dịch, hạ sốt, theo dõi tiểu cầu"),
    ("K29.7", "Viêm dạ dày, không đặc hiệu", 2, 5, "Thuốc ức chế bơm proton, kháng acid"),
    ("M54.5", "Đau thắt lưng", 3, 7, "Giảm đau, giãn cơ, vật lý trị liệu"),
    ("S93.4", "Bong gân và căng cơ cổ chân", 5, 14, "Bất động, chườm lạnh, giảm đau"),
    ("B01.9", "Thủy đậu không biến chứng", 7, 10, "Kháng virus, chống ngứa, cách ly"),
    ("I10", "Tăng huyết áp vô căn (nguyên phát)", 3, 5, "Hạ áp, theo dõi huyết áp"),
    ("H10.9", "Viêm kết mạc", 3, 5, "Nhỏ mắt kháng sinh, cách ly"),
)
PREGNANCY = (
    ("O20.0", "Dọa sẩy thai", 10, 20),
    ("O21.0", "Nôn nghén nhẹ", 7, 14),
    ("O47.0", "Dọa đẻ non trước 37 tuần", 14, 30),
    ("O13", "Tăng huyết áp thai kỳ", 10, 20),
    ("O24.4", "Đái tháo đường thai kỳ", 7, 15),
    ("O44.0", "Rau tiền đạo không chảy máu", 14, 30),
)
# (ICD-10 code, diagnosis, days in hospital: fewest and most, treatment, days of rest after discharge at most)
INPATIENT = (
    ("K35.8", "Viêm ruột thừa cấp", 4, 7, "Phẫu thuật nội soi cắt ruột thừa", 10),
    ("K80.2", "Sỏi túi mật không viêm túi mật", 3, 6, "Phẫu thuật nội soi cắt túi mật", 10),
    ("S82.2", "Gãy thân xương chày", 5, 12, "Phẫu thuật kết hợp xương bằng nẹp vít", 30),
    ("J44.1", "Bệnh phổi tắc nghẽn mạn tính có đợt cấp", 7, 14, "Thở oxy, giãn phế quản, corticoid", 7),
    ("I63.9", "Nhồi máu não", 10, 20, "Chống kết tập tiểu cầu, phục hồi chức năng", 30),
    ("N20.0", "Sỏi thận", 3, 5, "Tán sỏi ngoài cơ thể", 7),
)
TERMINATION = (
    ("O02.1", "Thai lưu", "Nong và nạo buồng tử cung"),
    ("O03.9", "Sẩy thai tự nhiên", "Hút buồng tử cung"),
    ("O00.9", "Chửa ngoài tử cung", "Phẫu thuật nội soi"),
)
# Benefit documents by share of dossiers: sickness is the common case, births next.
BENEFIT_MIX = (("XML11", 0.50), ("XML9", 0.20), ("XML10", 0.15), ("XML7", 0.15))
WARDS = ("K01", "K02", "K03", "K19", "K26", "K30")
ID_ISSUER = "Cục Cảnh sát quản lý hành chính về trật tự xã hội"


def _card(person: SyntheticPerson, employed: bool) -> str | None:
    """A health-insurance card number: kind and benefit level, the issuing province, the BHXH code (15 characters)."""
    if person.bhxh_code is None:
        return None
    return f"{'DN' if employed else 'GD'}4{person.bhxh_code[:2]}{person.bhxh_code}"


def _age(person: SyntheticPerson, on: dt.date) -> int:
    born = person.date_of_birth
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


@dataclass(frozen=True)
class Hospital:
    """A facility sending envelopes, with the people who sign its papers."""

    facility: Facility
    director_code: str  # MA_TTDV: the BHXH code of whoever signs for the facility
    doctors: tuple[tuple[str, str], ...]  # (name, BHXH code)

    @property
    def code(self) -> str:
        return self.facility.code


class DossierMaker:
    """Dossiers (an XML1 and one benefit document) of generated people, each person the subject of one document of a
    kind at most, every episode code (MA_LK) and document number unique per facility."""

    def __init__(self, seed: int, today: dt.date) -> None:
        self._rng = random.Random(f"bench-documents:{seed}")
        self._generator = PopulationGenerator(seed)
        self._families: Iterator[Family] = iter(())
        self._today = today
        self._workers: collections.deque[tuple[SyntheticPerson, str]] = collections.deque()  # with the employer
        self._expecting: collections.deque[tuple[SyntheticPerson, str]] = collections.deque()
        self._mothers: collections.deque[tuple[Family, SyntheticPerson]] = collections.deque()  # family, a child
        self._patients: collections.deque[SyntheticPerson] = collections.deque()
        self._serials: dict[str, int] = collections.defaultdict(int)
        self.families = 0

    # -- people ---------------------------------------------------------------------------------------------------

    def _refill(self) -> None:
        for _ in range(1000):
            family = next(self._families, None)
            if family is None:
                self._families = self._generator.families(100_000)
                family = next(self._families)
            self.families += 1
            for adult in (family.mother, family.father):
                if adult is None or adult.personal_id is None or not 18 <= _age(adult, self._today) <= 62:
                    continue
                self._patients.append(adult)
                employer = adult.contributions[-1].employer if adult.contributions else None
                if employer is not None and adult.bhxh_code is not None:
                    self._workers.append((adult, employer.name))
                    if adult.gender is Gender.FEMALE and _age(adult, self._today) <= 42:
                        self._expecting.append((adult, employer.name))
            mother = family.mother
            singles = [b.child for b in family.births if b.plurality == 1]
            if mother is not None and mother.personal_id and singles and 18 <= _age(mother, self._today) <= 42:
                self._mothers.append((family, self._rng.choice(singles)))

    def _take(self, pool: collections.deque[Any]) -> Any:
        while not pool:
            self._refill()
        return pool.popleft()

    def hospital(self, facility: Facility) -> Hospital:
        staff = [self._take(self._patients) for _ in range(6)]
        province = facility.province_code
        return Hospital(
            facility,
            f"{province}{self._rng.randrange(10**8):08d}",
            tuple((f"BS. {p.full_name}", f"{province}{self._rng.randrange(10**8):08d}") for p in staff),
        )

    # -- one dossier ----------------------------------------------------------------------------------------------

    def dossier(self, hospital: Hospital, stt: int) -> list[FileContent]:
        """The files of one HOSO: the visit summary and the benefit document of one episode."""
        kind = self._rng.choices([k for k, _ in BENEFIT_MIX], weights=[w for _, w in BENEFIT_MIX])[0]
        self._serials[hospital.code] += 1
        serial = self._serials[hospital.code]
        year = self._today.year
        ma_lk = f"{hospital.code}.{year}.{serial:06d}"
        if kind == "XML11":
            visit, document = self._sick_leave(hospital, ma_lk, serial)
        elif kind == "XML10":
            visit, document = self._pregnancy_rest(hospital, ma_lk, serial)
        elif kind == "XML9":
            visit, document = self._birth(hospital, ma_lk, serial)
        else:
            visit, document = self._discharge(hospital, ma_lk, serial)
        return [table_file(dataclasses.replace(visit, stt=stt)), table_file(document)]

    def _moment(self, day: dt.date, first_hour: int = 7, last_hour: int = 17) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(self._rng.randint(first_hour, last_hour), self._rng.randrange(60)))

    def _visit(
        self,
        hospital: Hospital,
        person: SyntheticPerson,
        ma_lk: str,
        *,
        admitted: dt.datetime,
        discharged: dt.datetime,
        icd: str,
        diagnosis: str,
        reason: str,
        employed: bool,
        **extra: Any,
    ) -> VisitSummary:
        rng = self._rng
        inpatient = discharged.date() > admitted.date()
        drugs = Decimal(rng.randint(40, 4000) * 1000)
        supplies = Decimal(rng.randint(0, 1500) * 1000)
        total = drugs + supplies + Decimal(rng.randint(100, 9000) * 1000)
        born = person.date_of_birth
        address = person.address
        fields: dict[str, Any] = {
            "ma_lk": ma_lk,
            "ma_bn": f"BN{rng.randrange(10**7):07d}",
            "ho_ten": person.full_name,
            "so_cccd": person.personal_id,
            "ngay_sinh": BirthTime(born.year, born.month, born.day),
            "gioi_tinh": 1 if person.gender is Gender.MALE else 2,
            "ma_quoctich": "000",
            "ma_dantoc": person.ethnicity.code,
            "dia_chi": address.full,
            "matinh_cu_tru": address.province_code,
            "maxa_cu_tru": address.commune_code,
            "dien_thoai": f"09{rng.randrange(10**8):08d}",
            "ma_the_bhyt": _card(person, employed),
            "ma_dkbd": hospital.code if person.bhxh_code else None,
            "gt_the_tu": f"{self._today.year}0101" if person.bhxh_code else None,
            "gt_the_den": f"{self._today.year}1231" if person.bhxh_code else None,
            "ly_do_vv": reason,
            "chan_doan_vao": diagnosis,
            "chan_doan_rv": diagnosis,
            "ma_benh_chinh": icd,
            "ma_doituong_kcb": "1.1",
            "ngay_vao": admitted,
            "ngay_vao_noi_tru": admitted + dt.timedelta(minutes=45) if inpatient else None,
            "ngay_ra": discharged,
            "so_ngay_dtri": (discharged.date() - admitted.date()).days + 1,
            "ket_qua_dtri": 1,
            "ma_loai_rv": 1,
            "t_thuoc": drugs,
            "t_vtyt": supplies,
            "t_tongchi_bv": total,
            "nam_qt": discharged.year,
            "thang_qt": discharged.month,
            "ma_loai_kcb": "03" if inpatient else "01",
            "ma_khoa": rng.choice(WARDS),
            "ma_cskcb": hospital.code,
            "can_nang": Decimal(rng.randint(420, 850)) / 10,
            "ma_hsba": f"HSBA-{discharged.year}-{rng.randrange(10**6):06d}",
            "ma_ttdv": hospital.director_code,
        }
        fields.update(extra)
        return VisitSummary(**fields)

    def _sick_leave(self, hospital: Hospital, ma_lk: str, serial: int) -> tuple[VisitSummary, Record]:
        rng = self._rng
        person, employer = self._take(self._workers)
        icd, diagnosis, fewest, most, treatment = rng.choice(SICKNESS)
        seen = self._today - dt.timedelta(days=rng.randint(1, 25))
        admitted = self._moment(seen, 7, 15)
        days = rng.randint(fewest, most)
        visit = self._visit(
            hospital,
            person,
            ma_lk,
            admitted=admitted,
            discharged=admitted + dt.timedelta(minutes=rng.randint(30, 180)),
            icd=icd,
            diagnosis=diagnosis,
            reason="Khám bệnh",
            employed=True,
        )
        doctor = rng.choice(hospital.doctors)
        document = SickLeaveCertificate(
            ma_lk=ma_lk,
            so_ct=f"CT07/{seen.year}/{serial:06d}",
            so_seri=f"{hospital.code}-{seen.year}-{serial:07d}",
            so_kcb=f"KCB-{serial}",
            don_vi=employer,
            ma_bhxh=person.bhxh_code,
            ma_the_bhyt=visit.ma_the_bhyt,
            chan_doan_rv=f"{icd} - {diagnosis}",
            pp_dieutri=treatment,
            so_ngay_nghi=days,
            tu_ngay=seen,
            den_ngay=seen + dt.timedelta(days=days - 1),
            ma_ttdv=hospital.director_code,
            ma_bs=doctor[1],
            ngay_ct=seen,
            mau_so="CT07",
        )
        return visit, document

    def _pregnancy_rest(self, hospital: Hospital, ma_lk: str, serial: int) -> tuple[VisitSummary, Record]:
        rng = self._rng
        person, employer = self._take(self._expecting)
        icd, diagnosis, fewest, most = rng.choice(PREGNANCY)
        seen = self._today - dt.timedelta(days=rng.randint(1, 25))
        admitted = self._moment(seen, 7, 15)
        days = rng.randint(fewest, most)
        visit = self._visit(
            hospital,
            person,
            ma_lk,
            admitted=admitted,
            discharged=admitted + dt.timedelta(minutes=rng.randint(30, 120)),
            icd=icd,
            diagnosis=diagnosis,
            reason="Khám thai",
            employed=True,
        )
        doctor = rng.choice(hospital.doctors)
        document = PregnancyRestCertificate(
            ma_lk=ma_lk,
            so_seri=f"DT-{seen.year}-{serial:07d}",
            so_ct=f"{serial:07d}",
            so_ngay=days,
            don_vi=employer,
            chan_doan_rv=f"{icd} - {diagnosis}; dưỡng thai",
            tu_ngay=seen,
            den_ngay=seen + dt.timedelta(days=days - 1),
            ma_ttdv=hospital.director_code,
            ten_bs=doctor[0],
            ma_bs=doctor[1],
            ngay_ct=seen,
        )
        return visit, document

    def _birth(self, hospital: Hospital, ma_lk: str, serial: int) -> tuple[VisitSummary, Record]:
        rng = self._rng
        family, child = self._take(self._mothers)
        mother = family.mother
        assert mother is not None  # only families with a mother are queued
        caesarean = rng.random() < 0.35
        early = rng.random() < 0.01
        born_on = self._today - dt.timedelta(days=rng.randint(3, 25))
        born_at = self._moment(born_on, 0, 23)
        admitted = born_at - dt.timedelta(hours=rng.randint(2, 20))
        discharged = self._moment(born_on + dt.timedelta(days=rng.randint(4, 7) if caesarean else rng.randint(2, 3)))
        weight = rng.randint(1000, 1700) if early else rng.randint(2500, 3900)
        icd, diagnosis = ("O82", "Đẻ mổ lấy thai") if caesarean else ("O80", "Đẻ thường một thai")
        visit = self._visit(
            hospital,
            mother,
            ma_lk,
            admitted=admitted,
            discharged=discharged,
            icd=icd,
            diagnosis=diagnosis,
            reason="Chuyển dạ",
            employed=bool(mother.contributions),
            can_nang_con=str(weight),
            ma_pttt_qt="74.1" if caesarean else None,
        )
        births = sum(1 for b in family.births if b.child.date_of_birth <= child.date_of_birth)
        temporary = f"TE1{hospital.facility.province_code}{rng.randrange(10**10):010d}" if rng.random() < 0.6 else None
        notes = [text for flag, text in ((caesarean, "phải phẫu thuật"), (early, "dưới 32 tuần tuổi")) if flag]
        document = BirthCertificate(
            ma_lk=ma_lk,
            ma_bhxh_nnd=mother.bhxh_code,
            ma_the_nnd=visit.ma_the_bhyt,
            ho_ten_nnd=mother.full_name,
            ngaysinh_nnd=mother.date_of_birth,
            ma_dantoc_nnd=mother.ethnicity.code,
            so_cccd_nnd=mother.personal_id,
            ngaycap_cccd_nnd=dt.date(2021, 1, 1) + dt.timedelta(days=rng.randrange(1400)),
            noicap_cccd_nnd=ID_ISSUER,
            noi_cu_tru_nnd=mother.address.full,
            ma_quoctich="000",
            matinh_cu_tru=mother.address.province_code,
            maxa_cu_tru=mother.address.commune_code,
            ho_ten_cha=family.father.full_name if family.father else None,
            ma_the_tam=temporary,
            ho_ten_con=child.full_name,
            gioi_tinh_con=1 if child.gender is Gender.MALE else 2,
            so_con=1,
            lan_sinh=births,
            so_con_song=births,
            can_nang_con=Decimal(weight),
            ngay_sinh_con=born_at,
            noi_sinh_con=f"{hospital.facility.name}",
            tinh_trang_con="Sinh non, nằm lồng ấp" if early else "Khỏe mạnh",
            sinhcon_phauthuat=caesarean,
            sinhcon_duoi32tuan=early,
            ghi_chu=f"Sinh con {' và '.join(notes)}" if notes else None,
            nguoi_do_de=rng.choice(hospital.doctors)[0],
            nguoi_ghi_phieu=rng.choice(hospital.doctors)[0],
            ngay_ct=born_on,
            so=f"{serial:06d}",
            quyen_so=f"{(serial - 1) // 500 + 1:03d}",
            ma_ttdv=hospital.director_code,
        )
        return visit, document

    def _discharge(self, hospital: Hospital, ma_lk: str, serial: int) -> tuple[VisitSummary, Record]:
        rng = self._rng
        person: SyntheticPerson = self._take(self._patients)
        doctor = rng.choice(hospital.doctors)
        terminated = person.gender is Gender.FEMALE and _age(person, self._today) <= 45 and rng.random() < 0.3
        if terminated:
            icd, diagnosis, treatment = rng.choice(TERMINATION)
            stay, rest = rng.randint(1, 3), rng.randint(10, 30)
        else:
            icd, diagnosis, fewest, most, treatment, longest = rng.choice(INPATIENT)
            stay, rest = rng.randint(fewest, most), rng.randint(0, longest)
        discharged = self._moment(self._today - dt.timedelta(days=rng.randint(1, 20)), 8, 16)
        admitted = self._moment(discharged.date() - dt.timedelta(days=stay), 0, 23)
        visit = self._visit(
            hospital,
            person,
            ma_lk,
            admitted=admitted,
            discharged=discharged,
            icd=icd,
            diagnosis=diagnosis,
            reason="Cấp cứu" if rng.random() < 0.4 else "Khám bệnh",
            employed=bool(person.contributions),
        )
        first_rest = discharged.date() + dt.timedelta(days=1)
        document = DischargePaper(
            ma_lk=ma_lk,
            so_luu_tru=f"LT-{discharged.year}-{serial:06d}",
            ma_yte=visit.ma_bn,
            ma_khoa_rv=visit.ma_khoa,
            ngay_vao=admitted,
            ngay_ra=discharged,
            ma_dinh_chi_thai=True if terminated else None,
            nguyennhan_dinhchi=diagnosis if terminated else None,
            thoigian_dinhchi=admitted + dt.timedelta(hours=rng.randint(1, 6)) if terminated else None,
            tuoi_thai=rng.randint(6, 20) if terminated else None,
            chan_doan_rv=f"{icd} - {diagnosis}",
            pp_dieutri=treatment,
            ma_ttdv=hospital.director_code,
            ma_bs=doctor[1],
            ten_bs=doctor[0],
            ngay_ct=discharged.date(),
            so_ngay_nghi=rest or None,
            ngoaitru_tungay=first_rest if rest else None,
            ngoaitru_denngay=first_rest + dt.timedelta(days=rest - 1) if rest else None,
        )
        return visit, document


# -- envelopes ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Envelope:
    facility: str
    data: bytes  # the signed GIAMDINHHS file
    body: bytes  # the request that carries it, encoded before the clock starts
    dossiers: int


@dataclass
class Corpus:
    hospitals: list[Hospital]
    identities: dict[str, SigningIdentity]
    envelopes: list[Envelope]
    documents_by_type: collections.Counter[str]
    families: int
    seconds: float

    @property
    def mean_kb(self) -> float:
        return statistics.fmean(len(e.data) for e in self.envelopes) / 1024 if self.envelopes else 0.0


def choose_hospitals(facilities: Sequence[Facility], count: int, today: dt.date, rng: random.Random) -> list[Facility]:
    """Public province-level or central hospitals under contract today, one per province, `count` provinces."""
    by_province: dict[str, list[Facility]] = collections.defaultdict(list)
    for f in facilities:
        if (
            f.level in (FacilityLevel.CENTRAL, FacilityLevel.PROVINCE)
            and not f.private
            and f.contract_from <= today <= f.contract_to
        ):
            by_province[f.province_code].append(f)
    provinces = sorted(by_province)
    if len(provinces) < count:
        raise RuntimeError(f"only {len(provinces)} provinces have a hospital under contract; {count} wanted")
    return [rng.choice(by_province[p]) for p in rng.sample(provinces, count)]


def build_corpus(cfg: Config, facilities: Sequence[Facility], today: dt.date) -> Corpus:
    """The hospitals, their identities, and every envelope (warm-up ones first), signed and ready to send."""
    started = time.perf_counter()
    rng = random.Random(f"bench-documents-hospitals:{cfg.seed}")
    maker = DossierMaker(cfg.seed, today)
    hospitals = [maker.hospital(f) for f in choose_hospitals(facilities, cfg.facilities, today, rng)]
    now = dt.datetime.now(dt.UTC)
    identities = {
        h.code: generate_identity(
            facility_party(h.code), not_before=now - dt.timedelta(days=30), not_after=now + dt.timedelta(days=365)
        )
        for h in hospitals
    }
    total = cfg.warmup_envelopes + cfg.envelopes
    envelopes: list[Envelope] = []
    documents: collections.Counter[str] = collections.Counter()
    next_progress = time.perf_counter() + PROGRESS_S
    for index in range(total):
        hospital = hospitals[index % len(hospitals)]
        hoso = [maker.dossier(hospital, stt) for stt in range(1, cfg.dossiers + 1)]
        documents.update(loaihoso for files in hoso for loaihoso, _ in files)
        unsigned = build_envelope(hospital.code, today, hoso)
        if index < len(hospitals):  # one per facility: what is built reads back without a fault
            parsed = parse_envelope(unsigned)
            if parsed.violations:
                raise RuntimeError(f"a generated envelope has faults: {parsed.violations[:3]}")
        signed = sign_enveloped(unsigned, identities[hospital.code])
        envelopes.append(Envelope(hospital.code, signed, request_body(cfg, hospital.facility, signed), cfg.dossiers))
        if time.perf_counter() >= next_progress:
            log(f"  {index + 1:,}/{total:,} envelopes built and signed")
            next_progress += PROGRESS_S
    return Corpus(hospitals, identities, envelopes, documents, maker.families, time.perf_counter() - started)


def request_body(cfg: Config, facility: Facility, signed: bytes) -> bytes:
    if cfg.channel == "graphql":
        variables = {"envelope": signed.decode("utf-8")}
        return json.dumps({"query": SUBMIT, "variables": variables}, ensure_ascii=False).encode()
    form = {
        "username": gateway_username(facility.code),
        "loaiHoSo": "130",
        "maTinh": facility.province_code,
        "maCSKCB": facility.code,
        "fileHSBase64": base64.b64encode(signed).decode("ascii"),
    }
    return urlencode(form).encode("ascii")


def gateway_username(code: str) -> str:
    return f"{code}_BV"


# -- the bare baseline: signxml alone ---------------------------------------------------------------------------------


class BarePool:
    """signxml alone over the same envelopes: one fresh process per core (spawned like the web processes: a forked
    copy of this benchmark, with its large heap, verifies a quarter slower), each with its share of the envelopes and
    the certificates loaded once. Passes run between the hub's rounds, so that both meet the machine in the same
    state (the speed of a shared 2-core machine drifts by a fifth over minutes); in a pass every process starts at
    the same moment and verifies for at least `seconds`; a pass's rate is envelopes over the wall clock from that
    moment to the last process done."""

    def __init__(self, cfg: Config, corpus: Corpus, workdir: Path, *, hub_verifier: bool = False) -> None:
        """`hub_verifier`: the hub's own verifier (signing.verify_enveloped: the signer pinned through a trust store,
        the certificate's dates, the references, the report) instead of signxml alone."""
        self.name = "hub verifier" if hub_verifier else "bare"
        pems = {code: certificates_pem(identity) for code, identity in corpus.identities.items()}
        pairs = [(e.data, pems[e.facility], e.facility) for e in corpus.envelopes[cfg.warmup_envelopes :]]
        self.paths = [
            workdir / f"{self.name.replace(' ', '-')}-{index + 1}.pickle" for index in range(cfg.bare_processes)
        ]
        for index, path in enumerate(self.paths):
            path.write_bytes(pickle.dumps(pairs[index :: cfg.bare_processes]))
        context = multiprocessing.get_context("spawn")
        self.seconds = cfg.bare_seconds
        self.barrier = context.Barrier(cfg.bare_processes + 1)  # the processes and this one, which starts a pass
        self.results = context.SimpleQueue()
        self.processes = [
            context.Process(
                target=_bare_worker,
                args=(path, cfg.bare_seconds, self.barrier, self.results, hub_verifier),
                daemon=True,
            )
            for path in self.paths
        ]
        for process in self.processes:
            process.start()
        self.rates: list[float] = []
        self.per_process: list[list[float]] = []

    def run_pass(self) -> float:
        """One pass; its rate in envelopes per second."""
        machine, processes = _machine_ticks(), _cpu_by_process()
        self.barrier.wait(timeout=300)  # the first waits for the processes' start-up and warm-up
        found: list[tuple[int, float, float, float]] = []
        deadline = time.monotonic() + 120 + 20 * self.seconds
        while len(found) < len(self.processes):
            if any(not p.is_alive() for p in self.processes) or time.monotonic() > deadline:
                raise RuntimeError(f"{self.name} processes ended with {[p.exitcode for p in self.processes]}")
            if self.results.empty():
                time.sleep(0.02)
                continue
            found.append(self.results.get())
        wall = max(end for _, _, end, _ in found) - min(start for _, start, _, _ in found)
        self.rates.append(sum(done for done, _, _, _ in found) / wall)
        self.per_process.append([done / (end - start) for done, start, end, _ in found])
        on_cpu = sum(cpu for *_, cpu in found) / sum(end - start for _, start, end, _ in found)
        busy, stolen = (after - before for before, after in zip(machine, _machine_ticks(), strict=True))
        others = max(0.0, busy / _CLOCK_TICKS - sum(cpu for *_, cpu in found))
        log(
            f"  {self.name} pass {len(self.rates)}: {self.rates[-1]:,.0f} envelopes/s "
            f"({', '.join(f'{r:,.0f}' for r in self.per_process[-1])} per process, on CPU {on_cpu:.0%} of the time; "
            f"meanwhile other processes {others:.1f} s CPU, stolen by the hypervisor {stolen / _CLOCK_TICKS:.1f} s)"
        )
        if others >= 0.2:
            mine = {p.pid for p in self.processes}
            grown = collections.Counter(
                {
                    key: cpu - processes.get(key, 0.0)
                    for key, cpu in _cpu_by_process().items()
                    if key[0] not in mine and cpu - processes.get(key, 0.0) >= 0.05
                }
            )
            log("    busiest: " + ", ".join(f"{name} ({pid}) {cpu:.1f} s" for (pid, name), cpu in grown.most_common(4)))
        return self.rates[-1]

    @property
    def per_s(self) -> float:
        return statistics.median(self.rates)

    def close(self) -> None:
        self.barrier.abort()  # processes waiting for another pass end
        for process in self.processes:
            process.join(timeout=5)
            if process.is_alive():
                process.terminate()
                process.join(5)
        for path in self.paths:
            path.unlink(missing_ok=True)


_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _machine_ticks() -> tuple[int, int]:
    """The machine's busy and stolen clock ticks so far, from /proc/stat."""
    user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, Path("/proc/stat").read_text().split()[1:9])
    return user + nice + system + irq + softirq, steal


def _cpu_by_process() -> dict[tuple[int, str], float]:
    """CPU seconds used so far by every live process, by (pid, command name)."""
    found = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError, ValueError, IndexError):
                raw = Path(f"/proc/{entry}/stat").read_text()
                fields = raw[raw.rindex(")") + 2 :].split()
                found[(int(entry), raw[raw.index("(") + 1 : raw.rindex(")")])] = (
                    int(fields[11]) + int(fields[12])
                ) / _CLOCK_TICKS
    return found


def _bare_worker(path: Path, seconds: float, barrier: Any, results: Any, hub_verifier: bool) -> None:
    """One core's share: verify the (envelope, certificate PEM, facility) triples in `path` for at least `seconds` a
    pass, each pass starting with the others at the barrier, until the barrier is broken."""
    die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the benchmark itself handles Ctrl+C and ends this process
    envelopes: list[tuple[bytes, bytes, str]] = pickle.loads(path.read_bytes())
    certificates = {pem: x509.load_pem_x509_certificate(pem) for pem in {pem for _, pem, _ in envelopes}}
    trust, at = TrustStore(), dt.datetime.now(dt.UTC)
    for _, pem, code in envelopes:
        if not trust.certificates_of(facility_party(code)):
            trust.add_pem(facility_party(code), pem)
    verifier = XMLVerifier()

    def verify(data: bytes, pem: bytes, code: str) -> None:
        if hub_verifier:
            verify_enveloped(data, trust, expected_signer=facility_party(code), at=at)
        else:
            verifier.verify(data, x509_cert=certificates[pem], expect_config=BARE_CONFIG)

    for data, pem, code in envelopes[:20]:  # warm-up
        verify(data, pem, code)
    while True:
        try:
            barrier.wait(timeout=3600)
        except threading.BrokenBarrierError:
            return
        started, cpu_started = time.monotonic(), time.process_time()
        done = 0
        while True:
            for data, pem, code in envelopes:
                verify(data, pem, code)
            done += len(envelopes)
            if time.monotonic() - started >= seconds:
                break
        results.put((done, started, time.monotonic(), time.process_time() - cpu_started))


# -- the deployment ---------------------------------------------------------------------------------------------------


def descendants(pid: int) -> list[int]:
    """Every live process below `pid` (uvicorn's worker processes below its supervisor)."""
    children: dict[int, list[int]] = collections.defaultdict(list)
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            raw = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        parent = int(raw[raw.rindex(")") + 2 :].split()[1])
        children[parent].append(int(entry))
    found: list[int] = []
    pending = [pid]
    while pending:
        below = children.get(pending.pop(), [])
        found += below
        pending += below
    return found


@dataclass
class Deployment:
    harness: Harness
    webs: list[Process]  # what was started: one `hub serve` per port, or one supervisor of W workers
    base_urls: list[str]  # one per port: senders are spread over them as a load balancer would
    web_pids: list[int]  # the processes serving requests
    workers: list[Process]  # `hub worker`: the jobs each submission enqueues (none unless --job-workers)
    database: str

    def cpu_parts(self) -> dict[str, float]:
        parts = {
            "web (hub serve)": sum(cpu_of(pid) for web in self.webs for pid in (web.pid, *descendants(web.pid))),
            "workers (hub worker)": sum(cpu_of(worker.pid) for worker in self.workers),
            "postgresql": postgres_cpu(self.database),
            "redis": cpu_by_command(["redis-server"])["redis-server"],
            "benchmark client": sum(os.times()[:2]),
        }
        # What else ran on the machine (another developer's tests, their database sessions): a noisy run shows.
        parts["kernel, others"] = _machine_ticks()[0] / _CLOCK_TICKS - sum(parts.values())
        return parts

    def web_parts(self) -> dict[str, float]:
        """CPU of each web process: how evenly the connections spread over them."""
        return {f"web process {index + 1}": cpu_of(pid) for index, pid in enumerate(self.web_pids)}


async def reset_database(cfg: Config, *, create: bool = True) -> None:
    conn = await asyncpg.connect(cfg.admin_dsn, timeout=10)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{cfg.database}" WITH (FORCE)')
        if create:
            await conn.execute(f'CREATE DATABASE "{cfg.database}"')
    finally:
        await conn.close()


Headers = dict[str, str]
"""How a facility's software authenticates its calls: the bearer token, or the gateway's three headers."""


async def register_hospitals(cfg: Config, secret: str, corpus: Corpus) -> dict[str, Headers]:
    """For each hospital: trust its certificate (as `hub cert import --party facility:XXXXX`), register its client
    (as `hub client create NAME --kind hospital --jurisdiction facility:XXXXX`) and, for the gateway channel, its
    account (as `hub client gateway-account`)."""
    from hub.clients import service
    from hub.clients.permissions import ClientKind, Jurisdiction
    from hub.clients.tokens import TokenSigner
    from hub.db import Database
    from hub.documents.gateway import add_account
    from hub.documents.trust import import_certificates

    db = Database(cfg.hub_database_url)
    signer = TokenSigner(secret)
    senders: dict[str, Headers] = {}
    try:
        for hospital in corpus.hospitals:
            code = hospital.code
            async with db.transaction() as session:
                now = SystemClock().now()
                await import_certificates(
                    session,
                    now=now,
                    actor=None,
                    party=facility_party(code),
                    data=certificates_pem(corpus.identities[code]),
                )
                issued = await service.create_client(
                    session,
                    signer,
                    now=now,
                    actor=None,
                    name=f"bench-hospital-{code}",
                    kind=ClientKind.HOSPITAL,
                    jurisdiction=Jurisdiction.parse(f"facility:{code}"),
                    ttl=dt.timedelta(days=1),
                )
                if cfg.channel == "gateway":
                    await add_account(
                        session,
                        now=now,
                        actor=None,
                        client_name=f"bench-hospital-{code}",
                        username=gateway_username(code),
                        password=GATEWAY_PASSWORD,
                    )
            senders[code] = {"Authorization": f"Bearer {issued.token}", "Content-Type": "application/json"}
    finally:
        await db.dispose()
    return senders


async def gateway_logins(base_url: str, hospitals: Sequence[Hospital]) -> dict[str, Headers]:
    """`api/token/take` for each hospital, as its software does before uploading."""
    senders: dict[str, Headers] = {}
    async with httpx.AsyncClient(base_url=base_url, timeout=60.0) as client:
        for hospital in hospitals:
            response = await client.post(
                "/api/token/take", data={"username": gateway_username(hospital.code), "password": GATEWAY_PASSWORD}
            )
            answer = response.json()
            if answer.get("maKetQua") != "200":
                raise RuntimeError(f"api/token/take for {hospital.code} answered {answer}")
            key = answer["APIKey"]
            senders[hospital.code] = {
                "accessToken": key["access_token"],
                "tokenId": key["id_token"],
                "passwordHash": GATEWAY_PASSWORD,
                "Content-Type": "application/x-www-form-urlencoded",
            }
    return senders


def prepare(cfg: Config, harness: Harness) -> tuple[dict[str, str], Corpus]:
    """The hub's environment, its database migrated with the facility catalog, and the signed envelopes."""
    today = vietnam_date(SystemClock().now())
    hub_env = (
        base_env()
        | harness.hub_signing_env()
        | {
            "HUB_ENV": "prod",
            "HUB_DATABASE_URL": cfg.hub_database_url,
            "HUB_BROKER_URL": cfg.redis_url,
            "HUB_TOKEN_SECRET": secrets.token_hex(32),
            "HUB_LOG_LEVEL": cfg.log_level,
        }
    )
    log(f"database {cfg.database}: dropped and recreated; Redis {cfg.redis_url}: flushed")
    asyncio.run(reset_database(cfg))
    flush_redis(cfg.redis_url)
    started = time.perf_counter()
    harness.run("migrate", hub_command("migrate"), hub_env, timeout=120)
    log(f"  migrated in {time.perf_counter() - started:.1f} s")
    facilities = generate_facilities(cfg.seed, as_of=today)
    csv_path = harness.workdir / "facilities.csv"
    write_facilities_csv(csv_path, facilities)
    started = time.perf_counter()
    code = harness.run(
        "import-facilities",
        hub_command("catalog", "import-facilities", str(csv_path), "--report", str(harness.workdir / "rejected.csv")),
        hub_env,
        timeout=300,
        ok=(0, 2),
    )
    log(
        f"  {len(facilities):,} facilities imported in {time.perf_counter() - started:.1f} s"
        + (" (some rows rejected: see rejected.csv)" if code == 2 else "")
    )

    total = cfg.warmup_envelopes + cfg.envelopes
    log(
        f"building and signing {total:,} envelopes ({cfg.warmup_envelopes} for the warm-up) of {cfg.dossiers} "
        f"dossiers from {cfg.facilities} hospitals"
    )
    corpus = build_corpus(cfg, facilities, today)
    log(
        f"  {len(corpus.envelopes):,} envelopes of {corpus.mean_kb:.1f} KB on average in {corpus.seconds:.1f} s "
        f"(people of {corpus.families:,} generated families); documents: "
        + ", ".join(f"{t} {n:,}" for t, n in sorted(corpus.documents_by_type.items(), key=lambda i: int(i[0][3:])))
    )
    for hospital in corpus.hospitals:
        f = hospital.facility
        log(f"    {f.code} {f.name} (province {f.province_code})")
    return hub_env, corpus


def deploy(
    cfg: Config, harness: Harness, hub_env: dict[str, str], corpus: Corpus
) -> tuple[Deployment, dict[str, Headers]]:
    """The hospitals' clients and trusted certificates, then the web tier (and job workers if asked for)."""
    senders = asyncio.run(register_hospitals(cfg, hub_env["HUB_TOKEN_SECRET"], corpus))
    log(f"  {len(senders)} hospital clients; their certificates trusted")

    deployment = start_web(cfg, harness, hub_env)
    deployment.workers = start_workers(cfg, harness, hub_env)
    if cfg.channel == "gateway":
        senders = asyncio.run(gateway_logins(deployment.base_urls[0], corpus.hospitals))
    return deployment, senders


def start_web(cfg: Config, harness: Harness, hub_env: dict[str, str]) -> Deployment:
    """W web processes: each `hub serve` on its own port (`ports`), or `hub serve --workers W` on one (`workers`)."""
    if cfg.web_layout == "ports":
        log(f"starting the web tier: {cfg.web_processes} x hub serve, one port each")
        ports = [free_port() for _ in range(cfg.web_processes)]
        webs = [
            harness.start(f"web-{index + 1}", hub_command("serve", "--port", str(port)), hub_env)
            for index, port in enumerate(ports)
        ]
        base_urls = [f"http://127.0.0.1:{port}" for port in ports]
        for web, url in zip(webs, base_urls, strict=True):
            wait_http(f"{url}/readyz", timeout=90, process=web)
        log(f"  ready: web processes {', '.join(str(web.pid) for web in webs)}")
        return Deployment(harness, webs, base_urls, [web.pid for web in webs], [], cfg.database)
    log(f"starting the web tier: hub serve --workers {cfg.web_processes}")
    port = free_port()
    web = harness.start("web", hub_command("serve", "--port", str(port), "--workers", str(cfg.web_processes)), hub_env)
    base_url = f"http://127.0.0.1:{port}"
    wait_http(f"{base_url}/readyz", timeout=90, process=web)
    web_pids = [web.pid]
    if cfg.web_processes > 1:
        deadline = time.monotonic() + 60
        while len(web_pids := _web_workers(web.pid)) < cfg.web_processes:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{len(web_pids)} of {cfg.web_processes} web processes started")
            time.sleep(0.2)
    log(f"  ready: supervisor pid {web.pid}, web processes {', '.join(map(str, web_pids))}")
    return Deployment(harness, [web], [base_url], web_pids, [], cfg.database)


def start_workers(cfg: Config, harness: Harness, hub_env: dict[str, str]) -> list[Process]:
    """`hub worker` processes, if asked for: they run the jobs each submission enqueues (telling the claims side)."""
    if not cfg.job_workers:
        return []
    log(f"starting {cfg.job_workers} job workers x {cfg.worker_threads} threads")
    workers, ports = [], []
    for index in range(cfg.job_workers):
        ports.append(free_port())
        argv = hub_command("worker", "--threads", str(cfg.worker_threads), "--metrics-port", str(ports[-1]))
        workers.append(harness.start(f"worker-{index + 1}", argv, hub_env))
    for worker, port in zip(workers, ports, strict=True):
        wait_http(f"http://127.0.0.1:{port}/metrics", timeout=60, process=worker)
    return workers


def _web_workers(supervisor: int) -> list[int]:
    """uvicorn's worker processes below its supervisor: those multiprocessing spawned (not its resource tracker)."""
    found = []
    for pid in descendants(supervisor):
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if b"spawn_main" in command:
            found.append(pid)
    return sorted(found)


# -- sending --------------------------------------------------------------------------------------------------------


@dataclass
class Tally:
    envelopes: int = 0
    documents: int = 0
    seconds: list[float] = field(default_factory=list)


def check_answer(cfg: Config, envelope: Envelope, response: httpx.Response) -> int:
    """The documents the hub acknowledged as new; raise on anything else (a benchmark must not drop work)."""
    if response.status_code != 200:
        raise RuntimeError(f"{envelope.facility}: HTTP {response.status_code}: {response.text[:500]}")
    answer = response.json()
    expected = 2 * envelope.dossiers
    if cfg.channel == "gateway":
        if answer.get("maKetQua") != "200" or "trước đó" in answer.get("thongDiep", ""):
            raise RuntimeError(f"{envelope.facility}: the gateway upload answered {json.dumps(answer)[:800]}")
        return expected
    if answer.get("errors"):
        raise RuntimeError(f"{envelope.facility}: GraphQL errors {json.dumps(answer['errors'])[:800]}")
    payload = answer["data"]["submitHospitalDossiers"]
    receipt = payload["receipt"]
    if payload["errors"] or receipt is None:
        raise RuntimeError(f"{envelope.facility}: refused: {json.dumps(payload['errors'], ensure_ascii=False)[:800]}")
    lines = receipt["documents"]
    if receipt["repeated"] or len(lines) != expected or any(line["status"] != "NEW" for line in lines):
        raise RuntimeError(f"{envelope.facility}: unexpected receipt {json.dumps(receipt)[:800]}")
    return len(lines)


async def send_all(
    cfg: Config,
    deployment: Deployment,
    envelopes: Sequence[Envelope],
    headers: dict[str, Headers],
    *,
    label: str,
) -> tuple[Tally, float]:
    """S senders, each on its own keep-alive connection, taking the next envelope as soon as the last is answered."""
    tally = Tally()
    pending = collections.deque(envelopes)
    path = "/graphql" if cfg.channel == "graphql" else "/api/qd130/guiHoSoXmlQD4750"
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)

    async def sender(client: httpx.AsyncClient) -> None:
        while pending:
            envelope = pending.popleft()
            started = time.perf_counter()
            response = await client.post(path, content=envelope.body, headers=headers[envelope.facility])
            seconds = time.perf_counter() - started
            tally.documents += check_answer(cfg, envelope, response)
            tally.envelopes += 1
            tally.seconds.append(seconds)

    async def progress() -> None:
        while True:
            await asyncio.sleep(PROGRESS_S)
            deployment.harness.check_alive()
            elapsed = time.perf_counter() - started
            log(
                f"  {label}: {elapsed:6.1f} s  {tally.envelopes:>7,}/{len(envelopes):,} envelopes  "
                f"({tally.envelopes / elapsed:,.1f}/s, {tally.envelopes * cfg.dossiers / elapsed:,.0f} dossiers/s)"
            )

    urls = deployment.base_urls
    async with contextlib.AsyncExitStack() as stack:
        clients = [
            await stack.enter_async_context(
                httpx.AsyncClient(base_url=urls[index % len(urls)], timeout=REQUEST_TIMEOUT_S, limits=limits)
            )
            for index in range(cfg.senders)
        ]
        started = time.perf_counter()
        reporter = asyncio.create_task(progress())
        try:
            await asyncio.gather(*(sender(client) for client in clients))
        finally:
            reporter.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reporter
        wall = time.perf_counter() - started
    return tally, wall


async def stored_counts(cfg: Config) -> tuple[int, int, dict[str, int], int]:
    """Submissions, documents, documents by type, and submissions whose documents are not all stored."""
    conn = await asyncpg.connect(cfg.dsn, timeout=10)
    try:
        submissions = int(await conn.fetchval("SELECT count(*) FROM document_submissions"))
        documents = int(await conn.fetchval("SELECT count(*) FROM documents"))
        rows = await conn.fetch("SELECT doc_type, count(*) AS n FROM documents GROUP BY doc_type")
        by_type = {row["doc_type"]: row["n"] for row in rows}
        short = int(
            await conn.fetchval(
                "SELECT count(*) FROM document_submissions s WHERE s.document_count <> "
                "(SELECT count(*) FROM documents d WHERE d.submission_id = s.id)"
            )
        )
    finally:
        await conn.close()
    return submissions, documents, by_type, short


# -- profiles -------------------------------------------------------------------------------------------------------

PROFILE_GROUPS = (
    ("signxml/", "signxml"),
    ("lxml/", "lxml"),
    ("cryptography/", "cryptography"),
    ("signing/", "hub signing"),
    ("hub/documents/qd4750/", "hub qd4750 parsing"),
    ("hub/", "hub"),
    ("schema/", "hub schema"),
    ("sqlalchemy/", "sqlalchemy"),
    ("asyncpg/", "asyncpg"),
    ("strawberry/", "strawberry"),
    ("graphql/", "graphql-core"),
    ("starlette/", "starlette"),
    ("uvicorn/", "uvicorn"),
    ("h11/", "h11"),
    ("httptools/", "httptools"),
    ("json/", "json"),
    ("asyncio/", "asyncio"),
    ("logging/", "logging"),
    ("dataclasses", "dataclasses"),
    ("base64", "base64"),
    ("argon2/", "argon2"),
)


def start_profilers(cfg: Config, deployment: Deployment) -> list[Process]:
    """py-spy on each web process, if asked for: samples of the thread holding the GIL (Python at work)."""
    if not cfg.py_spy:
        return []
    profilers = []
    for index, pid in enumerate(deployment.web_pids):
        output = deployment.harness.workdir / f"profile-web-{index + 1}.txt"
        argv = [cfg.py_spy, "record", "--pid", str(pid), "--rate", "100", "--nonblocking", "--gil"]
        argv += ["--format", "raw", "--output", str(output)]
        # Threads are running by now (httpx's resolver): no parent-death hook in the child.
        name = f"profile-web-{index + 1}"
        profilers.append(deployment.harness.start(name, argv, base_env(), die_with_parent=False))
    return profilers


def _function(frame: str) -> str:
    """`name (path:line)` → `name (path)`, the path from the package on."""
    frame = re.sub(r":\d+\)$", ")", frame)
    return re.sub(r"\(.*?/(site-packages|lib/python3\.\d+)/", "(", frame)


# Library functions worth seeing beside the hub's own (inclusive time): the GraphQL front, signxml, and SQLAlchemy's
# statement execution, whose stacks py-spy shows cut at the greenlet (so the hub functions above them miss it).
PROFILE_LANDMARKS = (
    "Schema._prepare_operation_async (strawberry/",
    "XMLVerifier.verify (signxml/",
    "Session.execute (sqlalchemy/",
    "Session.scalar (sqlalchemy/",
    "Session.get (sqlalchemy/",
    "RequestResponseCycle.run_asgi (uvicorn/",
)


def profile_report(paths: Sequence[Path], per_envelope_ms: float, top: int = 30) -> list[str]:
    """Where the web processes spent their CPU, all together: by library (self time), by hub function and a few
    library landmarks (inclusive), by function (self); with the milliseconds of an envelope each stands for."""
    lines: list[str] = []
    for path in paths:
        with contextlib.suppress(OSError):
            lines += path.read_text(encoding="utf-8", errors="replace").splitlines()
    total = 0
    by_group: collections.Counter[str] = collections.Counter()
    inclusive: collections.Counter[str] = collections.Counter()
    own: collections.Counter[str] = collections.Counter()
    for line in lines:
        stack, _, count_text = line.rpartition(" ")
        if not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [f for f in stack.split(";") if not f.startswith(("process ", "thread "))]
        if not frames:
            continue
        total += count
        leaf = frames[-1]
        by_group[next((group for marker, group in PROFILE_GROUPS if marker in leaf), "other")] += count
        own[_function(leaf)] += count
        for function in {_function(frame) for frame in frames}:
            if function.startswith(PROFILE_LANDMARKS) or re.search(r"\((hub|schema|signing)/", function):
                inclusive[function] += count
    if not total:
        return ["  web: empty profile"]

    def share(n: int) -> str:
        return f"{100 * n / total:5.1f} % {per_envelope_ms * n / total:5.2f} ms"

    out = [f"  web: {total:,} samples holding the GIL (% of them, and ms of an envelope); self time by library:"]
    out += [f"    {share(n)}  {group}" for group, n in by_group.most_common(14)]
    out.append("  ... inclusive time of the hub's functions and of some library landmarks:")
    out += [f"    {share(n)}  {function[:120]}" for function, n in inclusive.most_common(top)]
    out.append("  ... self time by function:")
    out += [f"    {share(n)}  {function[:120]}" for function, n in own.most_common(15)]
    return out


# Without statistics the planner caches plans made for empty tables, which look up a submission by its sender's
# (sender, received_at) index and a document's versions by its issuer's (issuer, issued_on) index, reading every
# earlier row of that sender on each submission: the stand-in analyzes them once they hold rows.
VACUUMED_TABLES = ("audit_head", "audit_log", "document_submissions", "documents", "outbox_jobs")


async def settle_jobs(cfg: Config, deployment: Deployment, since: dt.datetime) -> tuple[float | None, int]:
    """With job workers: wait until every job the submissions enqueued has run (seconds after the last answer).
    Without: how many are left for `hub worker`."""
    conn = await asyncpg.connect(cfg.dsn, timeout=10)
    try:
        if not deployment.workers:
            due = int(await conn.fetchval(COUNT_DUE_JOBS))
            log(f"  {due:,} jobs enqueued by the submissions left pending (no `hub worker` runs: --job-workers 0)")
            return None, due
        seconds = await wait_jobs_drained(conn, started=time.perf_counter(), give_up_after=600, label="jobs")
        for line in await job_report(conn, since):
            log(line)
        due = int(await conn.fetchval(COUNT_DUE_JOBS))
        if seconds is not None:
            log(f"  every job done {seconds:.1f} s after the last answer")
        return seconds, due
    finally:
        await conn.close()


# -- the run --------------------------------------------------------------------------------------------------------


async def measure(
    cfg: Config,
    deployment: Deployment,
    headers: dict[str, Headers],
    corpus: Corpus,
    bare: BarePool,
    hub_verifier: BarePool,
) -> dict[str, Any]:
    warmup = corpus.envelopes[: cfg.warmup_envelopes]
    timed = corpus.envelopes[cfg.warmup_envelopes :]
    log(f"warm-up: {len(warmup)} envelopes from {cfg.senders} senders")
    await send_all(cfg, deployment, warmup, headers, label="warm-up")
    conn = await asyncpg.connect(cfg.dsn, timeout=10)
    try:
        autovacuum = await conn.fetchval("SHOW autovacuum")
        if deployment.workers:
            await wait_jobs_drained(conn, started=time.perf_counter(), give_up_after=120, label="warm-up jobs")
    finally:
        await conn.close()
    vacuum = AutovacuumStandIn(cfg.dsn, cfg.vacuum_every if autovacuum != "on" else 0.0, VACUUMED_TABLES)
    if autovacuum != "on":
        if cfg.vacuum_every:
            await vacuum.analyze_now()
        log(
            "  this PostgreSQL runs with autovacuum off (a deployment's is on): "
            + (
                f"standing in for it: ANALYZE of the intake's tables now, VACUUM (ANALYZE) every "
                f"{cfg.vacuum_every:.0f} s"
                if cfg.vacuum_every
                else "no stand-in (--vacuum-every 0): the planner never learns the tables hold rows"
            )
        )

    log(
        f"hub: {len(timed):,} envelopes of {cfg.dossiers} dossiers ({corpus.mean_kb:.0f} KB) through "
        f"{'submitHospitalDossiers' if cfg.channel == 'graphql' else 'api/qd130/guiHoSoXmlQD4750'}, "
        f"{cfg.senders} senders, {cfg.web_processes} web processes ({cfg.web_layout})"
    )
    parts = [timed[i * len(timed) // cfg.rounds : (i + 1) * len(timed) // cfg.rounds] for i in range(cfg.rounds)]
    tally, wall, rates = Tally(), 0.0, []
    since = dt.datetime.now(dt.UTC)
    sampler = ActivitySampler(cfg.dsn, cfg.database)
    sampler.start()
    vacuum.start()
    used: collections.Counter[str] = collections.Counter()
    per_process: collections.Counter[str] = collections.Counter()
    profilers = start_profilers(cfg, deployment)
    try:
        for number, part in enumerate(parts, start=1):
            bare.run_pass()  # blocks this loop for a few seconds while the hub is idle
            hub_verifier.run_pass()
            meter, web_meter = CpuMeter(deployment.cpu_parts), CpuMeter(deployment.web_parts)
            meter.start()
            web_meter.start()
            done, seconds = await send_all(cfg, deployment, part, headers, label=f"round {number}/{cfg.rounds}")
            used.update(meter.stop()[1])
            per_process.update(web_meter.stop()[1])
            rates.append(done.envelopes / seconds)
            log(f"  round {number}: {done.envelopes:,} envelopes in {seconds:.1f} s, {rates[-1]:,.1f}/s")
            tally.envelopes += done.envelopes
            tally.documents += done.documents
            tally.seconds += done.seconds
            wall += seconds
    finally:
        for profiler in profilers:
            deployment.harness.interrupt(profiler)
        await sampler.stop()
        await vacuum.stop()
    log(
        f"  bare signxml: median of {len(bare.rates)} passes {bare.per_s:,.0f} envelopes/s "
        f"({bare.per_s * cfg.dossiers:,.0f} dossiers/s); the hub's verifier alone {hub_verifier.per_s:,.0f} "
        f"envelopes/s ({hub_verifier.per_s / bare.per_s:.0%} of signxml's)"
    )
    envelopes_per_s = statistics.median(rates)
    dossiers_per_s = envelopes_per_s * cfg.dossiers
    stored_per_s = envelopes_per_s * tally.documents / tally.envelopes
    p50, p95, p99 = (1000 * percentile(tally.seconds, q) for q in (50, 95, 99))
    log(
        f"  {tally.envelopes:,} envelopes in {wall:.1f} s; median of {cfg.rounds} rounds {envelopes_per_s:,.1f} "
        f"envelopes/s ({tally.envelopes / wall:,.1f} overall): {dossiers_per_s:,.0f} benefit documents/s, "
        f"{stored_per_s:,.0f} stored documents/s; call p50 {p50:,.0f} ms  p95 {p95:,.0f} ms  p99 {p99:,.0f} ms"
    )
    log(
        f"  bare signxml: {bare.per_s:,.0f} envelopes/s; the hub does {envelopes_per_s / bare.per_s:.1%} of that "
        f"(target 70 %), {1000 / envelopes_per_s * (os.cpu_count() or 1):.1f} ms of machine time per envelope "
        f"against {1000 / bare.per_s * cfg.bare_processes:.2f} ms"
    )
    for line in cpu_report(wall, dict(used)):
        log(line)
    if len(per_process) > 1:
        log("  web processes: " + ", ".join(f"{k} {v:.1f} s" for k, v in per_process.items()))
    per_envelope = {name: 1000 * seconds / tally.envelopes for name, seconds in used.items()}
    log(
        "  CPU per envelope: "
        + ", ".join(f"{name} {ms:.1f} ms" for name, ms in per_envelope.items() if ms >= 0.05)
        + f" (bare signxml: {1000 / bare.per_s * cfg.bare_processes:.2f} ms)"
    )
    for line in sampler.report():
        log(line)
    if vacuum.passes:
        log(f"  autovacuum stand-in: {vacuum.passes} passes, {vacuum.seconds:.1f} s in all")
    jobs_seconds, jobs_due = await settle_jobs(cfg, deployment, since)
    if profilers:
        paths = [deployment.harness.workdir / f"{p.name}.txt" for p in profilers]
        for line in profile_report(paths, per_envelope["web (hub serve)"]):
            log(line)

    submissions, documents, by_type, short = await stored_counts(cfg)
    expected_submissions = len(corpus.envelopes)
    expected_documents = sum(corpus.documents_by_type.values())
    log(
        f"  stored: {submissions:,} submissions (expected {expected_submissions:,}), {documents:,} documents "
        f"(expected {expected_documents:,}): " + ", ".join(f"{t} {n:,}" for t, n in sorted(by_type.items()))
    )
    if (
        submissions != expected_submissions
        or documents != expected_documents
        or by_type != dict(corpus.documents_by_type)
        or short
    ):
        raise RuntimeError(
            f"the database does not hold what was sent: {submissions} submissions, {documents} documents "
            f"{by_type}, {short} submissions missing documents; expected {expected_submissions}, "
            f"{expected_documents} {dict(corpus.documents_by_type)}"
        )

    cores = os.cpu_count() or 1
    busy = sum(used.values())
    return {
        "documents_per_s": round(dossiers_per_s, 1),
        "bare_verify_per_s": round(bare.per_s, 1),
        "ratio_to_bare": round(envelopes_per_s / bare.per_s, 4),
        "hub_verify_per_s": round(hub_verifier.per_s, 1),
        "verify_ratio_to_bare": round(hub_verifier.per_s / bare.per_s, 4),
        "envelopes_per_s": round(envelopes_per_s, 2),
        "stored_documents_per_s": round(stored_per_s, 1),
        "round_envelopes_per_s": [round(rate, 2) for rate in rates],
        "overall_envelopes_per_s": round(tally.envelopes / wall, 2),
        "p50_ms": round(p50, 1),
        "p95_ms": round(p95, 1),
        "p99_ms": round(p99, 1),
        "envelope_kb": round(corpus.mean_kb, 1),
        "envelopes": tally.envelopes,
        "dossiers_per_envelope": cfg.dossiers,
        "quick": cfg.quick,
        "channel": cfg.channel,
        "web_processes": cfg.web_processes,
        "web_layout": cfg.web_layout,
        "senders": cfg.senders,
        "facilities": cfg.facilities,
        "hub_seconds": round(wall, 1),
        "cpu_busy_pct": round(100 * busy / (wall * cores), 1),
        "web_cpu_ms_per_envelope": round(per_envelope["web (hub serve)"], 2),
        "postgres_cpu_ms_per_envelope": round(per_envelope["postgresql"], 2),
        "client_cpu_ms_per_envelope": round(per_envelope["benchmark client"], 2),
        "job_workers_cpu_ms_per_envelope": round(per_envelope["workers (hub worker)"], 2),
        "web_cpu_share_pct": round(100 * used["web (hub serve)"] / (wall * cores), 1),
        "postgres_cpu_share_pct": round(100 * used["postgresql"] / (wall * cores), 1),
        "other_cpu_share_pct": round(100 * used["kernel, others"] / (wall * cores), 1),
        "job_workers": cfg.job_workers,
        "jobs_left_due": jobs_due,
        "jobs_drain_seconds": round(jobs_seconds, 1) if jobs_seconds is not None else None,
        "autovacuum": autovacuum == "on",
        "vacuum_stand_in_s": vacuum.interval or None,
        "bare_cpu_ms_per_envelope": round(1000 * cfg.bare_processes / bare.per_s, 3),
        "bare_passes_per_s": [round(rate, 1) for rate in bare.rates],
        "bare_processes": cfg.bare_processes,
        "bare_method": (
            f"signxml {version('signxml')} XMLVerifier().verify(envelope bytes, x509_cert=facility certificate "
            "loaded once, signing/verify.py's SignatureConfiguration), one process per core started together, "
            "envelopes/s over the wall clock, one pass before each of the hub's rounds, median of the passes"
        ),
        "cores": cores,
    }


def parse_args(argv: list[str] | None) -> Config:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_ENVELOPES:,} envelopes")
    parser.add_argument("--envelopes", type=int, default=None, help=f"envelopes timed (full: {FULL_ENVELOPES:,})")
    parser.add_argument("--dossiers", type=int, default=10, help="dossiers (HOSO) per envelope")
    parser.add_argument("--facilities", type=int, default=8, help="hospitals sending, each with its own key")
    parser.add_argument("--senders", type=int, default=8, help="concurrent senders, each on its own connection")
    parser.add_argument("--rounds", type=int, default=3, help="the timed envelopes in R rounds; the median rate counts")
    parser.add_argument("--web-processes", type=int, default=os.cpu_count() or 1, help="web (uvicorn) processes")
    parser.add_argument(
        "--web-layout",
        choices=("ports", "workers"),
        default="ports",
        help="ports: one `hub serve` per port, senders spread over them as a load balancer would; workers: one "
        "`hub serve --workers W` (its processes share a port and the kernel picks which accepts a connection)",
    )
    parser.add_argument("--channel", choices=("graphql", "gateway"), default="graphql")
    parser.add_argument("--bare-processes", type=int, default=os.cpu_count() or 1, help="signxml-alone processes")
    parser.add_argument("--bare-seconds", type=float, default=None, help="each bare pass (full: 3, quick: 1)")
    parser.add_argument(
        "--job-workers",
        type=int,
        default=0,
        help="`hub worker` processes running the jobs each submission enqueues, beside the web tier (default none: "
        "the intake alone is measured and the jobs are left pending)",
    )
    parser.add_argument("--worker-threads", type=int, default=4, help="threads per job worker")
    parser.add_argument(
        "--vacuum-every",
        type=float,
        default=30.0,
        metavar="S",
        help="when the server's autovacuum is off, ANALYZE the intake's tables after the warm-up and VACUUM (ANALYZE) "
        "them every S seconds (0: never)",
    )
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432", help="server, no database")
    parser.add_argument(
        "--database", default="hub_bench_documents", help="dropped and created at the start, dropped at the end"
    )
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/13", help="flushed at the start and the end")
    parser.add_argument("--log-level", default="INFO", help="HUB_LOG_LEVEL of the hub's processes")
    parser.add_argument("--keep-logs", action="store_true", help="keep the processes' logs even when all went well")
    parser.add_argument("--keep-database", action="store_true", help="do not drop the database at the end")
    parser.add_argument("--py-spy", metavar="PATH", help="profile the web processes with this py-spy while timed")
    args = parser.parse_args(argv)
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", args.database) or args.database in ("postgres", "test", "hub_test"):
        parser.error("--database must be a plain lower-case name, and not postgres, test or hub_test")
    for url in (args.postgres, args.redis):
        require_loopback(url)
    if not args.postgres.startswith("postgresql://") or urlsplit(args.postgres).path not in ("", "/"):
        parser.error("--postgres is postgresql://user@host:port, without a database")
    for name in ("dossiers", "facilities", "senders", "rounds", "web_processes", "bare_processes"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    envelopes = args.envelopes or (QUICK_ENVELOPES if args.quick else FULL_ENVELOPES)
    return Config(
        quick=args.quick,
        envelopes=envelopes,
        dossiers=args.dossiers,
        facilities=args.facilities,
        senders=args.senders,
        rounds=args.rounds,
        web_processes=args.web_processes,
        web_layout=args.web_layout,
        channel=args.channel,
        bare_processes=args.bare_processes,
        bare_seconds=args.bare_seconds or (1.0 if args.quick else 3.0),
        job_workers=args.job_workers,
        worker_threads=args.worker_threads,
        vacuum_every=args.vacuum_every,
        seed=args.seed,
        postgres=args.postgres.rstrip("/"),
        database=args.database,
        redis_url=args.redis,
        log_level=args.log_level.upper(),
        keep_logs=args.keep_logs or bool(args.py_spy),
        keep_database=args.keep_database,
        py_spy=args.py_spy,
    )


def main(argv: list[str] | None = None) -> int:
    cfg = parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="bench-documents-"))
    harness = Harness(workdir)
    started = time.perf_counter()
    figures: dict[str, Any] | None = None
    bare: BarePool | None = None
    hub_verifier: BarePool | None = None
    failed = True
    with signals_raise_interrupt():
        try:
            hub_env, corpus = prepare(cfg, harness)
            log(
                f"bare baseline: {cfg.bare_processes} processes of signxml {version('signxml')} XMLVerifier alone, "
                f"passes of at least {cfg.bare_seconds:.0f} s over the {cfg.envelopes:,} envelopes, one before each "
                "of the hub's rounds"
            )
            bare = BarePool(cfg, corpus, workdir)
            hub_verifier = BarePool(cfg, corpus, workdir, hub_verifier=True)
            deployment, senders = deploy(cfg, harness, hub_env, corpus)
            figures = asyncio.run(measure(cfg, deployment, senders, corpus, bare, hub_verifier))
            failed = False
        except KeyboardInterrupt:
            log("interrupted")
            return 130
        except (RuntimeError, OSError, asyncpg.PostgresError, redis.RedisError, httpx.HTTPError) as exc:
            log(f"benchmark failed: {type(exc).__name__}: {exc}")
            return 1
        finally:
            log("stopping the processes")
            for pool in (bare, hub_verifier):
                if pool is not None:
                    pool.close()
            harness.stop_all()
            with contextlib.suppress(redis.RedisError):
                flush_redis(cfg.redis_url)
            if not cfg.keep_database:
                with contextlib.suppress(OSError, asyncpg.PostgresError):
                    asyncio.run(reset_database(cfg, create=False))
            if failed or cfg.keep_logs:
                log(f"logs kept in {workdir}")
            else:
                shutil.rmtree(workdir, ignore_errors=True)
    figures["seconds"] = round(time.perf_counter() - started, 1)
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
