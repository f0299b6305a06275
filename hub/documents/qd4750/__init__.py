"""QĐ 130/4750 XML from hospitals: the GIAMDINHHS envelope and the tables that evidence benefits, parsed and built.

    parse_envelope(data, max_bytes=...) -> Envelope       every HOSO, every table decoded, every violation placed
    parse_table(loaihoso, xml) -> ParsedTable             one table's records and violations
    build_table / table_file / build_envelope             the inverse, for tests, the demo and simulators

The field tables (tables.py) come from the appendix of QĐ 4750/QĐ-BYT with the fields QĐ 3176/QĐ-BYT added; every
version's layout is kept (versions.py says which applies when) and each table is read under the one it follows.
Records use the official field names in lower case. Signatures are verified elsewhere (signing/).
"""

from hub.documents.qd4750.base import DocumentKey, Qd4750Record
from hub.documents.qd4750.build import (
    FileContent,
    build_envelope,
    build_table,
    parsed_fields,
    record_fields,
    table_file,
)
from hub.documents.qd4750.certificates import (
    AssessmentMinutes,
    BirthCertificate,
    DischargePaper,
    MedicalRecordSummary,
    PregnancyRestCertificate,
    SickLeaveCertificate,
    TransferPaper,
)
from hub.documents.qd4750.envelope import Envelope, FileHoso, Hoso, decode_base64, parse_envelope, read_envelope
from hub.documents.qd4750.errors import EnvelopeUnreadable, Qd4750Error, Qd4750ErrorCode, TableUnreadable, Violation
from hub.documents.qd4750.fields import FieldSpec, Kind, TableSpec
from hub.documents.qd4750.parse import ParsedTable, parse_table
from hub.documents.qd4750.records import RECORD_TYPES, Record
from hub.documents.qd4750.tables import KEPT_TABLES, KNOWN_LOAIHOSO, LAYOUTS, PARSED_TABLES
from hub.documents.qd4750.values import BirthTime
from hub.documents.qd4750.versions import QD1931, QD3176, QD4750, STANDARDS, Standard
from hub.documents.qd4750.visit import VisitSummary

__all__ = [
    "KEPT_TABLES",
    "KNOWN_LOAIHOSO",
    "LAYOUTS",
    "PARSED_TABLES",
    "QD1931",
    "QD3176",
    "QD4750",
    "RECORD_TYPES",
    "STANDARDS",
    "AssessmentMinutes",
    "BirthCertificate",
    "BirthTime",
    "DischargePaper",
    "DocumentKey",
    "Envelope",
    "EnvelopeUnreadable",
    "FieldSpec",
    "FileContent",
    "FileHoso",
    "Hoso",
    "Kind",
    "MedicalRecordSummary",
    "ParsedTable",
    "PregnancyRestCertificate",
    "Qd4750Error",
    "Qd4750ErrorCode",
    "Qd4750Record",
    "Record",
    "SickLeaveCertificate",
    "Standard",
    "TableSpec",
    "TableUnreadable",
    "TransferPaper",
    "Violation",
    "VisitSummary",
    "build_envelope",
    "build_table",
    "decode_base64",
    "parse_envelope",
    "parse_table",
    "parsed_fields",
    "read_envelope",
    "record_fields",
    "table_file",
]
