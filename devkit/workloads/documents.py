"""The signed envelopes of the document benchmark (bench/documents.py): hospitals of generated facilities, each
with a development signing identity, sending GIAMDINHHS envelopes of dossiers of generated people.

Every dossier is an XML1 visit summary and one benefit document: a sick-leave certificate (XML11), a birth
certificate (XML9), a pregnancy-rest certificate (XML10) or a discharge paper (XML7); every episode code and
document number unique; each envelope signed by its facility.
"""

from __future__ import annotations

import collections
import dataclasses
import datetime as dt
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from devkit.synthetic import Facility, Family, PopulationGenerator
from devkit.synthetic import Person as SyntheticPerson
from hub.catalogs.models import FacilityLevel
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
from signing.devpki import generate_identity
from signing.keys import SigningIdentity
from signing.parties import facility as facility_party
from signing.sign import sign_enveloped

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

    def inpatient_visit(self, hospital: Hospital, stt: int) -> VisitSummary:
        """The visit summary (XML1) of a hospital stay of a generated person, with a unique episode code."""
        self._serials[hospital.code] += 1
        serial = self._serials[hospital.code]
        visit, _ = self._discharge(hospital, f"{hospital.code}.{self._today.year}.{serial:06d}", serial)
        return dataclasses.replace(visit, stt=stt)

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

    def _outpatient(
        self,
        hospital: Hospital,
        ma_lk: str,
        pool: collections.deque[tuple[SyntheticPerson, str]],
        conditions: Sequence[tuple[Any, ...]],
        *,
        longest_minutes: int,
        reason: str,
    ) -> tuple[SyntheticPerson, str, tuple[Any, ...], dt.date, int, VisitSummary]:
        """An employed person seen once in the last weeks for one of `conditions` (ICD-10 code, diagnosis, days of
        leave: fewest and most, ...), sent home with a leave: the person, the employer, the condition, the day seen,
        the days of leave and the visit."""
        rng = self._rng
        person, employer = self._take(pool)
        condition = rng.choice(conditions)
        icd, diagnosis, fewest, most = condition[:4]
        seen = self._today - dt.timedelta(days=rng.randint(1, 25))
        admitted = self._moment(seen, 7, 15)
        days = rng.randint(fewest, most)
        visit = self._visit(
            hospital,
            person,
            ma_lk,
            admitted=admitted,
            discharged=admitted + dt.timedelta(minutes=rng.randint(30, longest_minutes)),
            icd=icd,
            diagnosis=diagnosis,
            reason=reason,
            employed=True,
        )
        return person, employer, condition, seen, days, visit

    def _sick_leave(self, hospital: Hospital, ma_lk: str, serial: int) -> tuple[VisitSummary, Record]:
        person, employer, (icd, diagnosis, _, _, treatment), seen, days, visit = self._outpatient(
            hospital, ma_lk, self._workers, SICKNESS, longest_minutes=180, reason="Khám bệnh"
        )
        assert person.bhxh_code is not None  # only the insured are queued as workers
        doctor = self._rng.choice(hospital.doctors)
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
        _, employer, (icd, diagnosis, _, _), seen, days, visit = self._outpatient(
            hospital, ma_lk, self._expecting, PREGNANCY, longest_minutes=120, reason="Khám thai"
        )
        doctor = self._rng.choice(hospital.doctors)
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
            # TT 22/2025/TT-BYT numbering (from 1/10/2025): XXXXX.GCS.<facility>.YY, no book number.
            so=f"{serial:05d}.GCS.{hospital.facility.code}.{born_on:%y}",
            quyen_so=None,
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


@dataclass(frozen=True)
class SignedEnvelope:
    hospital: Hospital
    data: bytes  # the signed GIAMDINHHS file
    document_types: list[str]  # LOAIHOSO of every file in it (XML1, XML11, ...)


class EnvelopeFactory:
    """`count` hospitals of distinct provinces (public province-level or central ones under contract today) with
    their signing identities, and envelopes of theirs, one hospital after the other."""

    def __init__(self, seed: int, facilities: Sequence[Facility], count: int, today: dt.date) -> None:
        rng = random.Random(f"bench-documents-hospitals:{seed}")
        self._maker = DossierMaker(seed, today)
        self._today = today
        self.hospitals = [self._maker.hospital(f) for f in choose_hospitals(facilities, count, today, rng)]
        now = dt.datetime.now(dt.UTC)
        self.identities: dict[str, SigningIdentity] = {
            h.code: generate_identity(
                facility_party(h.code), not_before=now - dt.timedelta(days=30), not_after=now + dt.timedelta(days=365)
            )
            for h in self.hospitals
        }
        self._built = 0

    @property
    def families(self) -> int:
        """Generated families whose people the dossiers so far came from."""
        return self._maker.families

    @property
    def maker(self) -> DossierMaker:
        return self._maker

    def next_hospital(self) -> Hospital:
        """The hospital whose envelope comes next: each in turn."""
        return self.hospitals[self._built % len(self.hospitals)]

    def envelope(self, dossiers: int) -> SignedEnvelope:
        """The next hospital's next envelope of `dossiers` dossiers, signed; each hospital's first is also read back
        (what is built must parse without a fault)."""
        hospital = self.next_hospital()
        return self.signed(hospital, [self._maker.dossier(hospital, stt) for stt in range(1, dossiers + 1)])

    def signed(self, hospital: Hospital, hoso: list[list[FileContent]]) -> SignedEnvelope:
        """The envelope of `hoso` from `hospital`, signed; each hospital's first is also read back."""
        unsigned = build_envelope(hospital.code, self._today, hoso)
        if self._built < len(self.hospitals):
            parsed = parse_envelope(unsigned)
            if parsed.violations:
                raise RuntimeError(f"a generated envelope has faults: {parsed.violations[:3]}")
        self._built += 1
        signed = sign_enveloped(unsigned, self.identities[hospital.code])
        return SignedEnvelope(hospital, signed, [loaihoso for files in hoso for loaihoso, _ in files])
