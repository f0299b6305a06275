"""Benchmark of signed-document intake: hospitals' envelopes verified, parsed and stored, on PostgreSQL + Redis as
deployed, against the bare pipeline (lxml, signxml, every table parsed, one asyncpg transaction) and signxml alone
taking the same envelopes in the same run.

    python -m bench.documents [--quick] [--envelopes N] [--senders S] [--web-processes W] [--web-layout ports|workers]
                               [--channel graphql|gateway] [--job-workers J] [--py-spy PATH] [--keep-logs] ...

Set-up, not timed: a dedicated database (created afresh, dropped at the end) and Redis database (flushed at the start
and the end), `hub migrate`, `hub catalog import-facilities` (generated facilities; --quick: the sending hospitals
only), then F hospitals (default 8) of F provinces, each with a development key and certificate trusted for
`facility:XXXXX` (as `hub cert import` does) and a hospital client (as `hub client create --kind hospital --jurisdiction
facility:XXXXX` does; in this process, like bench.childcards, because 16 CLI start-ups would take longer than the quick
run). N envelopes (GIAMDINHHS) of D dossiers each (default 10), every dossier an XML1 visit summary and one benefit
document: a sick-leave certificate (XML11), a birth certificate (XML9), a pregnancy-rest certificate (XML10) or a
discharge paper (XML7), of people of a generated population (`devkit.workloads.documents`), every episode code and
document number unique; each envelope signed by its facility.

Measured:
1. bare: signxml's XMLVerifier alone verifying the same envelope bytes with the settings signing/verify.py gives it
   (signature in ./CHUKYDONVI/, X.509 required, one reference, the same accepted algorithms), the facility's
   certificate loaded once, in P fresh processes (default: one per core) starting together: envelopes per second
   over the wall clock, the median of 3 passes; and the same for the hub's own verifier (signing.verify_enveloped:
   the signer pinned through a trust store, the certificate's dates, the references, the report), to tell what the
   checks cost from what parsing and storing cost;
2. the bare pipeline (issue 22's peer), in as many processes as the hub has web processes, each taking envelopes in as
   many tasks as the hub has senders, each task on its own connection: per envelope, lxml parses it, signxml verifies it
   (the settings above), each table is base64-decoded and parsed by lxml into its records ({tag: text}), and one asyncpg
   transaction stores the envelope and a row per record (tables bare_submissions and bare_documents of the same
   database); envelopes per second, the median of its passes, run like the others;
3. the hub: W web processes (default one, as issue 22 measures), each `hub serve` on its own port with the senders
   spread over them as a load balancer would (`--web-layout workers`: one `hub serve --workers W`, whose processes share
   a port and the kernel decides which accepts each connection), after a warm-up; S senders (default 8), each a
   hospital's software on its own HTTP/1.1 keep-alive connection, sending the envelopes back to back through the GraphQL
   mutation `submitHospitalDossiers` (or, with --channel gateway, the gateway-compatible upload), in 3 rounds whose
   median rate counts. Every answer must be a receipt of new documents without errors, and the database must then hold
   exactly the submissions and documents sent. Each submission also enqueues a job (the claims side is told of the new
   documents): no `hub worker` runs them unless --job-workers asks for some, and the jobs left are reported. When the
   server's autovacuum is off, a stand-in analyzes the intake's tables (see VACUUMED_TABLES and
   bench.measuring.AutovacuumStandIn). The resident memory of the web processes (and job workers) is sampled from
   the first round until 2 s after the jobs are done (bench.memory): the highest RSS of any one process of each, and
   the most one held at the end (`web_peak_rss_mb`, `web_settled_rss_mb`, `worker_...` with --job-workers).

Progress goes to stderr, with where the time went (CPU by process, database sessions by what they wait on, and with
--py-spy a profile of the web processes); the last line on stdout is one JSON object: {"documents_per_s": ...,
"bare_verify_per_s": ..., "ratio_to_bare": ..., "envelopes_per_s": ..., "p95_ms": ..., ...}. `documents_per_s`
counts benefit documents (one per dossier), `stored_documents_per_s` every document row stored (the XML1 too);
`bare_verify_per_s` and `envelopes_per_s` count envelopes, and `ratio_to_bare` is the one over the other;
`verify_ratio_to_bare` is the hub's verifier's rate (`hub_verify_per_s`) over signxml's; `pipeline_per_s` is the bare
pipeline's rate and `ratio_to_pipeline` the hub's over it, the ratio issue 22 sets a goal for (>= 0.5), also the last
line on stderr; `cpu_ratio_to_pipeline` compares CPU per envelope (the pipeline's over the web process's), which a
shared machine's other load disturbs less than the rates. The JSON object ends with these two ratios.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import collections
import contextlib
import datetime as dt
import hashlib
import json
import multiprocessing
import os
import pickle
import re
import signal
import statistics
import threading
import time
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from functools import partial
from importlib.metadata import version
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import asyncpg  # type: ignore[import-untyped]
import httpx
from cryptography import x509
from lxml import etree  # type: ignore[import-untyped, unused-ignore]  # no stubs installed (see types-lxml)
from signxml.verifier import SignatureConfiguration, XMLVerifier

from bench import deployment as deploying
from bench.cpu import CpuMeter, cpu_by_process, cpu_report, machine_seconds
from bench.deployment import Deployment, Services
from bench.measuring import (
    COUNT_DUE_JOBS,
    ActivitySampler,
    AutovacuumStandIn,
    job_report,
    percentile,
    wait_jobs_drained,
)
from bench.memory import Memory, sampling
from bench.processes import Process, die_with_parent, log
from devkit.synthetic import Facility, generate_facilities
from devkit.workloads.documents import EnvelopeFactory, Hospital
from hub.infra.clock import SystemClock, vietnam_date
from signing.devpki import certificates_pem
from signing.keys import SigningIdentity
from signing.parties import facility as facility_party
from signing.trust import TrustStore
from signing.verify import verify_enveloped
from signing.xmldsig import ACCEPTED_DIGEST_ALGORITHMS, ACCEPTED_SIGNATURE_METHODS

QUICK_ENVELOPES = 96
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
    pipeline_processes: int
    bare_seconds: float
    job_workers: int
    worker_threads: int
    vacuum_every: float
    seed: int
    services: Services
    keep_logs: bool
    keep_database: bool
    py_spy: str | None

    @property
    def warmup_envelopes(self) -> int:
        return WARMUP_PER_SENDER * self.senders


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


def build_corpus(cfg: Config, facilities: Sequence[Facility], today: dt.date) -> Corpus:
    """The hospitals, their identities, and every envelope (warm-up ones first), signed and ready to send."""
    started = time.perf_counter()
    factory = EnvelopeFactory(cfg.seed, facilities, cfg.facilities, today)
    total = cfg.warmup_envelopes + cfg.envelopes
    envelopes: list[Envelope] = []
    documents: collections.Counter[str] = collections.Counter()
    next_progress = time.perf_counter() + PROGRESS_S
    for index in range(total):
        signed = factory.envelope(cfg.dossiers)
        documents.update(signed.document_types)
        facility = signed.hospital.facility
        envelopes.append(Envelope(facility.code, signed.data, request_body(cfg, facility, signed.data), cfg.dossiers))
        if time.perf_counter() >= next_progress:
            log(f"  {index + 1:,}/{total:,} envelopes built and signed")
            next_progress += PROGRESS_S
    return Corpus(
        factory.hospitals, factory.identities, envelopes, documents, factory.families, time.perf_counter() - started
    )


def request_body(cfg: Config, facility: Facility, signed: bytes) -> bytes:
    if cfg.channel == "graphql":
        variables = {"envelope": signed.decode("utf-8")}
        return json.dumps({"query": SUBMIT, "variables": variables}, ensure_ascii=False).encode()
    return gateway_body(facility, signed)


def gateway_body(facility: Facility, signed: bytes) -> bytes:
    """The form of `api/qd130/guiHoSoXmlQD4750` carrying `signed`, as hospitals' software sends it."""
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

    def __init__(self, cfg: Config, corpus: Corpus, workdir: Path, *, mode: str = "signxml") -> None:
        """`mode`: "signxml" (signxml alone), "hub verifier" (the hub's own verifier, signing.verify_enveloped: the
        signer pinned through a trust store, the certificate's dates, the references, the report) or "pipeline"
        (the bare pipeline: lxml, signxml, every table parsed, one asyncpg transaction; see `_pipeline_pass`)."""
        self.name = {"signxml": "bare", "hub verifier": "hub verifier", "pipeline": "bare pipeline"}[mode]
        processes = cfg.pipeline_processes if mode == "pipeline" else cfg.bare_processes
        pems = {code: certificates_pem(identity) for code, identity in corpus.identities.items()}
        pairs = [(e.data, pems[e.facility], e.facility) for e in corpus.envelopes[cfg.warmup_envelopes :]]
        self.paths = [workdir / f"{self.name.replace(' ', '-')}-{index + 1}.pickle" for index in range(processes)]
        for index, path in enumerate(self.paths):
            path.write_bytes(pickle.dumps(pairs[index::processes]))
        context = multiprocessing.get_context("spawn")
        self.seconds = cfg.bare_seconds
        self.barrier = context.Barrier(processes + 1)  # the processes and this one, which starts a pass
        self.results = context.SimpleQueue()
        self.processes = [
            context.Process(
                target=_bare_worker,
                args=(path, cfg.bare_seconds, self.barrier, self.results, mode, cfg.services.dsn, cfg.senders),
                daemon=True,
            )
            for path in self.paths
        ]
        for process in self.processes:
            process.start()
        self.rates: list[float] = []
        self.per_process: list[list[float]] = []
        self.cpu_ms: list[float] = []  # each pass: CPU milliseconds of its processes per envelope

    def run_pass(self) -> float:
        """One pass; its rate in envelopes per second."""
        machine, processes = machine_seconds(), cpu_by_process()
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
        self.cpu_ms.append(1000 * sum(cpu for *_, cpu in found) / sum(done for done, *_ in found))
        on_cpu = sum(cpu for *_, cpu in found) / sum(end - start for _, start, end, _ in found)
        busy, stolen = (after - before for before, after in zip(machine, machine_seconds(), strict=True))
        others = max(0.0, busy - sum(cpu for *_, cpu in found))
        log(
            f"  {self.name} pass {len(self.rates)}: {self.rates[-1]:,.0f} envelopes/s "
            f"({', '.join(f'{r:,.0f}' for r in self.per_process[-1])} per process, on CPU {on_cpu:.0%} of the time; "
            f"meanwhile other processes {others:.1f} s CPU, stolen by the hypervisor {stolen:.1f} s)"
        )
        if others >= 0.2:
            mine = {p.pid for p in self.processes}
            grown = collections.Counter(
                {
                    key: cpu - processes.get(key, 0.0)
                    for key, cpu in cpu_by_process().items()
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


def _bare_worker(path: Path, seconds: float, barrier: Any, results: Any, mode: str, dsn: str, senders: int) -> None:
    """One core's share: verify (or, in mode "pipeline", take through the bare pipeline) the (envelope, certificate
    PEM, facility) triples in `path` for at least `seconds` a pass, each pass starting with the others at the
    barrier, until the barrier is broken."""
    die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the benchmark itself handles Ctrl+C and ends this process
    envelopes: list[tuple[bytes, bytes, str]] = pickle.loads(path.read_bytes())
    certificates = {pem: x509.load_pem_x509_certificate(pem) for pem in {pem for _, pem, _ in envelopes}}
    hub_verifier = mode == "hub verifier"
    loop = asyncio.new_event_loop()
    pipeline = loop.run_until_complete(_pipeline(certificates, dsn, senders)) if mode == "pipeline" else None
    trust, at = TrustStore(), dt.datetime.now(dt.UTC)
    for _, pem, code in envelopes:
        if not trust.certificates_of(facility_party(code)):
            trust.add_pem(facility_party(code), pem)
    verifier = XMLVerifier()

    def take(batch: list[tuple[bytes, bytes, str]]) -> None:
        if pipeline is not None:
            loop.run_until_complete(pipeline(batch))
            return
        for data, pem, code in batch:
            if hub_verifier:
                verify_enveloped(data, trust, expected_signer=facility_party(code), at=at)
            else:
                verifier.verify(data, x509_cert=certificates[pem], expect_config=BARE_CONFIG)

    take(envelopes[:20])  # warm-up
    while True:
        try:
            barrier.wait(timeout=3600)
        except threading.BrokenBarrierError:
            return
        started, cpu_started = time.monotonic(), time.process_time()
        done = 0
        while True:
            take(envelopes)
            done += len(envelopes)
            if time.monotonic() - started >= seconds:
                break
        results.put((done, started, time.monotonic(), time.process_time() - cpu_started))


# -- the bare pipeline: what the hub must do, with nothing of the hub --------------------------------------------------

PIPELINE_TABLES = """
CREATE TABLE IF NOT EXISTS bare_submissions (
    id bigserial PRIMARY KEY, sender text NOT NULL, sha256 text NOT NULL, payload bytea NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS bare_documents (
    id bigserial PRIMARY KEY, submission_id bigint NOT NULL REFERENCES bare_submissions (id), doc_type text NOT NULL,
    episode text, fields jsonb NOT NULL
);
"""
_SAFE_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_blank_text=True)


async def create_pipeline_tables(dsn: str) -> None:
    conn = await asyncpg.connect(dsn, timeout=10)
    try:
        await conn.execute(PIPELINE_TABLES)
    finally:
        await conn.close()


def _table_records(element: Any) -> list[dict[str, str]]:
    """Every record of a QĐ 4750 table: an element whose children are all leaves, as {tag: text}."""
    kids = [child for child in element if isinstance(child.tag, str)]
    if kids and all(len(child) == 0 for child in kids):
        return [{str(child.tag): child.text or "" for child in kids}]
    return [record for child in kids for record in _table_records(child)]


def pipeline_documents(signed: Any) -> list[tuple[str, str | None, str]]:
    """Each table of a verified envelope decoded and parsed (lxml), every record as (LOAIHOSO, MA_LK, its fields as
    JSON): the least a receiver must do to store what was signed."""
    rows: list[tuple[str, str | None, str]] = []
    for item in signed.iterfind("THONGTINHOSO/DANHSACHHOSO/HOSO/FILEHOSO"):
        loaihoso = item.findtext("LOAIHOSO") or ""
        table = etree.fromstring(base64.b64decode(item.findtext("NOIDUNGFILE") or ""), _SAFE_PARSER)
        for record in _table_records(table):
            rows.append((loaihoso, record.get("MA_LK"), json.dumps(record, ensure_ascii=False)))
    return rows


async def _pipeline(
    certificates: dict[bytes, Any], dsn: str, senders: int
) -> Callable[[list[tuple[bytes, bytes, str]]], Coroutine[Any, Any, None]]:
    """The bare pipeline over a batch of envelopes, taken by as many tasks as the hub has senders (so that waiting
    for commits overlaps as in the hub), each on a connection of its own. Per envelope: lxml parse, signxml verify
    (the hub's settings), each table decoded and parsed by lxml, one asyncpg transaction storing the envelope and a
    row per record."""
    connections = [await asyncpg.connect(dsn, timeout=10) for _ in range(senders)]
    verifier = XMLVerifier()

    async def one(conn: Any, data: bytes, pem: bytes, code: str) -> int:
        root = etree.fromstring(data, _SAFE_PARSER)
        result = verifier.verify(root, x509_cert=certificates[pem], expect_config=BARE_CONFIG)
        assert not isinstance(result, list)  # one reference expected
        rows = pipeline_documents(result.signed_xml)
        async with conn.transaction():
            submission = await conn.fetchval(
                "INSERT INTO bare_submissions (sender, sha256, payload) VALUES ($1, $2, $3) RETURNING id",
                f"facility:{code}",
                hashlib.sha256(data).hexdigest(),
                data,
            )
            await conn.executemany(
                "INSERT INTO bare_documents (submission_id, doc_type, episode, fields) VALUES ($1, $2, $3, $4)",
                [(submission, *row) for row in rows],
            )
        return len(rows)

    async def take(batch: list[tuple[bytes, bytes, str]]) -> None:
        pending = collections.deque(batch)

        async def sender(conn: Any) -> None:
            while pending:
                await one(conn, *pending.popleft())

        await asyncio.gather(*(sender(conn) for conn in connections))

    return take


# -- the deployment ---------------------------------------------------------------------------------------------------

Headers = dict[str, str]
"""How a facility's software authenticates its calls: the bearer token, or the gateway's three headers."""


def register_hospitals(
    deployment: Deployment,
    hospitals: Sequence[Hospital],
    identities: dict[str, SigningIdentity],
    *,
    gateway: bool,
) -> dict[str, Headers]:
    """For each hospital: register its client (as `hub client create NAME --kind hospital --jurisdiction
    facility:XXXXX`), trust its certificate (as `hub cert import --party facility:XXXXX`) and, for the gateway
    channel, add its account (as `hub client gateway-account`)."""

    async def trust_and_account(session: Any, now: dt.datetime, code: str, client_name: str) -> None:
        from hub.documents.gateway import add_account
        from hub.signatures.certificates import import_certificates

        pem = certificates_pem(identities[code])
        await import_certificates(session, now=now, actor=None, party=facility_party(code), data=pem)
        if gateway:
            await add_account(
                session,
                now=now,
                actor=None,
                client_name=client_name,
                username=gateway_username(code),
                password=GATEWAY_PASSWORD,
            )

    clients = {h.code: (f"bench-hospital-{h.code}", f"facility:{h.code}") for h in hospitals}
    tokens = deployment.create_clients("hospital", clients, then=trust_and_account)
    return {
        code: {"Authorization": f"Bearer {token}", "Content-Type": "application/json"} for code, token in tokens.items()
    }


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


def prepare(cfg: Config, deployment: Deployment) -> Corpus:
    """The hub's environment, its database migrated with the facility catalog, and the signed envelopes."""
    today = vietnam_date(SystemClock().now())
    deployment.configure()
    deployment.reset()
    deployment.migrate()
    facilities = generate_facilities(cfg.seed, as_of=today)
    total = cfg.warmup_envelopes + cfg.envelopes
    log(
        f"building and signing {total:,} envelopes ({cfg.warmup_envelopes} for the warm-up) of {cfg.dossiers} "
        f"dossiers from {cfg.facilities} hospitals"
    )
    corpus = build_corpus(cfg, facilities, today)
    # The quick run imports only the sending hospitals (the whole catalog took 12 s of its minute).
    deployment.import_facilities([h.facility for h in corpus.hospitals] if cfg.quick else facilities)
    log(
        f"  {len(corpus.envelopes):,} envelopes of {corpus.mean_kb:.1f} KB on average in {corpus.seconds:.1f} s "
        f"(people of {corpus.families:,} generated families); documents: "
        + ", ".join(f"{t} {n:,}" for t, n in sorted(corpus.documents_by_type.items(), key=lambda i: int(i[0][3:])))
    )
    for hospital in corpus.hospitals:
        f = hospital.facility
        log(f"    {f.code} {f.name} (province {f.province_code})")
    return corpus


def deploy(cfg: Config, deployment: Deployment, corpus: Corpus) -> dict[str, Headers]:
    """The hospitals' clients and trusted certificates, then the web tier (and job workers if asked for)."""
    senders = register_hospitals(deployment, corpus.hospitals, corpus.identities, gateway=cfg.channel == "gateway")
    log(f"  {len(senders)} hospital clients; their certificates trusted")
    if cfg.web_layout == "ports":
        log(f"starting the web tier: {cfg.web_processes} x hub serve, one port each")
        deployment.start_web(cfg.web_processes)
        log(f"  ready: web processes {', '.join(str(pid) for pid in deployment.web_pids)}")
    else:
        log(f"starting the web tier: hub serve --workers {cfg.web_processes}")
        deployment.start_web(cfg.web_processes, layout="workers")
        log(
            f"  ready: supervisor pid {deployment.webs[0].pid}, web processes "
            f"{', '.join(map(str, deployment.web_pids))}"
        )
    if cfg.job_workers:  # they run the jobs each submission enqueues (telling the claims side)
        log(f"starting {cfg.job_workers} job workers x {cfg.worker_threads} threads")
        deployment.start_workers(cfg.job_workers, cfg.worker_threads)
    if cfg.channel == "gateway":
        senders = asyncio.run(gateway_logins(deployment.base_url, corpus.hospitals))
    return senders


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
            deployment.check_alive()
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
    conn = await asyncpg.connect(cfg.services.dsn, timeout=10)
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
    targets = [(f"web-{index + 1}", pid) for index, pid in enumerate(deployment.web_pids)]
    return deployment.start_profilers(cfg.py_spy, targets, rate=100)


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
VACUUMED_TABLES = (
    "audit_head",
    "audit_log",
    "audit_chain",
    "audit_pending",
    "document_submissions",
    "documents",
    "outbox_jobs",
)


async def settle_jobs(cfg: Config, deployment: Deployment, since: dt.datetime) -> tuple[float | None, int]:
    """With job workers: wait until every job the submissions enqueued has run (seconds after the last answer).
    Without: how many are left for `hub worker`."""
    conn = await asyncpg.connect(cfg.services.dsn, timeout=10)
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


@dataclass
class Run:
    """The measured steps, in order: `warm_up`, `stand_in_for_autovacuum`, `rounds` (the bare passes between the
    hub's rounds), `report`, `settle`, `check_stored`, then `figures`."""

    cfg: Config
    deployment: Deployment
    headers: dict[str, Headers]
    corpus: Corpus
    bare: BarePool
    hub_verifier: BarePool
    pipeline: BarePool
    autovacuum: str = "on"
    vacuum: AutovacuumStandIn | None = None
    tally: Tally = field(default_factory=Tally)
    wall: float = 0.0
    rates: list[float] = field(default_factory=list)
    used: collections.Counter[str] = field(default_factory=collections.Counter)
    per_process: collections.Counter[str] = field(default_factory=collections.Counter)
    since: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    jobs_seconds: float | None = None
    jobs_due: int = 0
    memory: Memory | None = None
    _profiles: list[Path] = field(default_factory=list)

    @property
    def timed(self) -> list[Envelope]:
        return self.corpus.envelopes[self.cfg.warmup_envelopes :]

    async def warm_up(self) -> None:
        cfg, deployment = self.cfg, self.deployment
        warmup = self.corpus.envelopes[: cfg.warmup_envelopes]
        log(f"warm-up: {len(warmup)} envelopes from {cfg.senders} senders")
        await send_all(cfg, deployment, warmup, self.headers, label="warm-up")
        conn = await asyncpg.connect(cfg.services.dsn, timeout=10)
        try:
            self.autovacuum = await conn.fetchval("SHOW autovacuum")
            if deployment.workers:
                await wait_jobs_drained(conn, started=time.perf_counter(), give_up_after=120, label="warm-up jobs")
        finally:
            await conn.close()

    async def stand_in_for_autovacuum(self) -> None:
        """When the server runs without autovacuum: ANALYZE the intake's tables now, VACUUM (ANALYZE) them every
        `--vacuum-every` seconds while timed."""
        cfg = self.cfg
        off = self.autovacuum != "on"
        self.vacuum = AutovacuumStandIn(cfg.services.dsn, cfg.vacuum_every if off else 0.0, VACUUMED_TABLES)
        if off:
            if cfg.vacuum_every:
                await self.vacuum.analyze_now()
            log(
                "  this PostgreSQL runs with autovacuum off (a deployment's is on): "
                + (
                    f"standing in for it: ANALYZE of the intake's tables now, VACUUM (ANALYZE) every "
                    f"{cfg.vacuum_every:.0f} s"
                    if cfg.vacuum_every
                    else "no stand-in (--vacuum-every 0): the planner never learns the tables hold rows"
                )
            )

    async def rounds(self) -> None:
        """The timed envelopes in R rounds, each after a pass of the bare verifiers (the hub idle meanwhile)."""
        cfg, deployment, timed = self.cfg, self.deployment, self.timed
        assert self.vacuum is not None
        log(
            f"hub: {len(timed):,} envelopes of {cfg.dossiers} dossiers ({self.corpus.mean_kb:.0f} KB) through "
            f"{'submitHospitalDossiers' if cfg.channel == 'graphql' else 'api/qd130/guiHoSoXmlQD4750'}, "
            f"{cfg.senders} senders, {cfg.web_processes} web processes ({cfg.web_layout})"
        )
        parts = [timed[i * len(timed) // cfg.rounds : (i + 1) * len(timed) // cfg.rounds] for i in range(cfg.rounds)]
        self.since = dt.datetime.now(dt.UTC)
        sampler = ActivitySampler(cfg.services.dsn, cfg.services.database)
        sampler.start()
        self.vacuum.start()
        profilers = start_profilers(cfg, deployment)
        try:
            for number, part in enumerate(parts, start=1):
                self.bare.run_pass()  # blocks this loop for a few seconds while the hub is idle
                self.hub_verifier.run_pass()
                self.pipeline.run_pass()
                meter = CpuMeter(partial(deployment.cpu_parts, others=True))
                web_meter = CpuMeter(deployment.web_parts)
                meter.start()
                web_meter.start()
                done, seconds = await send_all(
                    cfg, deployment, part, self.headers, label=f"round {number}/{cfg.rounds}"
                )
                self.used.update(meter.stop()[1])
                self.per_process.update(web_meter.stop()[1])
                self.rates.append(done.envelopes / seconds)
                log(f"  round {number}: {done.envelopes:,} envelopes in {seconds:.1f} s, {self.rates[-1]:,.1f}/s")
                self.tally.envelopes += done.envelopes
                self.tally.documents += done.documents
                self.tally.seconds += done.seconds
                self.wall += seconds
        finally:
            deployment.stop_profilers(profilers)
            await sampler.stop()
            await self.vacuum.stop()
        self.report(sampler, profilers)

    @property
    def envelopes_per_s(self) -> float:
        return statistics.median(self.rates)

    def per_envelope_ms(self) -> dict[str, float]:
        return {name: 1000 * seconds / self.tally.envelopes for name, seconds in self.used.items()}

    def report(self, sampler: ActivitySampler, profilers: Sequence[Process]) -> None:
        cfg, bare, tally, wall = self.cfg, self.bare, self.tally, self.wall
        log(
            f"  bare signxml: median of {len(bare.rates)} passes {bare.per_s:,.0f} envelopes/s "
            f"({bare.per_s * cfg.dossiers:,.0f} dossiers/s); the hub's verifier alone "
            f"{self.hub_verifier.per_s:,.0f} envelopes/s ({self.hub_verifier.per_s / bare.per_s:.0%} of signxml's)"
        )
        envelopes_per_s = self.envelopes_per_s
        stored_per_s = envelopes_per_s * tally.documents / tally.envelopes
        p50, p95, p99 = (1000 * percentile(tally.seconds, q) for q in (50, 95, 99))
        log(
            f"  {tally.envelopes:,} envelopes in {wall:.1f} s; median of {cfg.rounds} rounds {envelopes_per_s:,.1f} "
            f"envelopes/s ({tally.envelopes / wall:,.1f} overall): {envelopes_per_s * cfg.dossiers:,.0f} benefit "
            f"documents/s, {stored_per_s:,.0f} stored documents/s; call p50 {p50:,.0f} ms  p95 {p95:,.0f} ms  "
            f"p99 {p99:,.0f} ms"
        )
        log(
            f"  bare signxml: {bare.per_s:,.0f} envelopes/s; the hub does {envelopes_per_s / bare.per_s:.1%} of that "
            f"(target 70 %), {1000 / envelopes_per_s * (os.cpu_count() or 1):.1f} ms of machine time per envelope "
            f"against {1000 / bare.per_s * cfg.bare_processes:.2f} ms"
        )
        for line in cpu_report(wall, dict(self.used)):
            log(line)
        if len(self.per_process) > 1:
            log("  web processes: " + ", ".join(f"{k} {v:.1f} s" for k, v in self.per_process.items()))
        per_envelope = self.per_envelope_ms()
        log(
            "  CPU per envelope: "
            + ", ".join(f"{name} {ms:.1f} ms" for name, ms in per_envelope.items() if ms >= 0.05)
            + f" (bare signxml: {1000 / bare.per_s * cfg.bare_processes:.2f} ms)"
        )
        for line in sampler.report():
            log(line)
        if self.vacuum is not None and self.vacuum.passes:
            log(f"  autovacuum stand-in: {self.vacuum.passes} passes, {self.vacuum.seconds:.1f} s in all")
        self._profiles = [self.deployment.workdir / f"{p.name}.txt" for p in profilers]

    async def settle(self) -> None:
        """The jobs the submissions enqueued: run to the end by the job workers, or counted; then the profiles."""
        self.jobs_seconds, self.jobs_due = await settle_jobs(self.cfg, self.deployment, self.since)
        if self._profiles:
            for line in profile_report(self._profiles, self.per_envelope_ms()["web (hub serve)"]):
                log(line)

    async def check_stored(self) -> None:
        """The database must hold exactly what was sent."""
        corpus = self.corpus
        submissions, documents, by_type, short = await stored_counts(self.cfg)
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

    def figures(self) -> dict[str, Any]:
        cfg, bare, hub_verifier, tally, wall, used = (
            self.cfg,
            self.bare,
            self.hub_verifier,
            self.tally,
            self.wall,
            self.used,
        )
        assert self.vacuum is not None and self.memory is not None
        envelopes_per_s = self.envelopes_per_s
        p50, p95, p99 = (1000 * percentile(tally.seconds, q) for q in (50, 95, 99))
        per_envelope = self.per_envelope_ms()
        cores = os.cpu_count() or 1
        busy = sum(used.values())
        return {
            "documents_per_s": round(envelopes_per_s * cfg.dossiers, 1),
            "bare_verify_per_s": round(bare.per_s, 1),
            "ratio_to_bare": round(envelopes_per_s / bare.per_s, 4),
            "hub_verify_per_s": round(hub_verifier.per_s, 1),
            "verify_ratio_to_bare": round(hub_verifier.per_s / bare.per_s, 4),
            "envelopes_per_s": round(envelopes_per_s, 2),
            "stored_documents_per_s": round(envelopes_per_s * tally.documents / tally.envelopes, 1),
            "round_envelopes_per_s": [round(rate, 2) for rate in self.rates],
            "overall_envelopes_per_s": round(tally.envelopes / wall, 2),
            "p50_ms": round(p50, 1),
            "p95_ms": round(p95, 1),
            "p99_ms": round(p99, 1),
            "envelope_kb": round(self.corpus.mean_kb, 1),
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
            "jobs_left_due": self.jobs_due,
            "jobs_drain_seconds": round(self.jobs_seconds, 1) if self.jobs_seconds is not None else None,
            **self.memory.figures(),
            "autovacuum": self.autovacuum == "on",
            "vacuum_stand_in_s": self.vacuum.interval or None,
            "bare_cpu_ms_per_envelope": round(1000 * cfg.bare_processes / bare.per_s, 3),
            "bare_passes_per_s": [round(rate, 1) for rate in bare.rates],
            "bare_processes": cfg.bare_processes,
            "bare_method": (
                f"signxml {version('signxml')} XMLVerifier().verify(envelope bytes, x509_cert=facility certificate "
                "loaded once, signing/verify.py's SignatureConfiguration), one process per core started together, "
                "envelopes/s over the wall clock, one pass before each of the hub's rounds, median of the passes"
            ),
            "cores": cores,
            "pipeline_per_s": round(self.pipeline.per_s, 1),
            "pipeline_passes_per_s": [round(rate, 1) for rate in self.pipeline.rates],
            "pipeline_processes": cfg.pipeline_processes,
            "pipeline_cpu_ms_per_envelope": round(statistics.median(self.pipeline.cpu_ms), 2),
            # CPU spent per envelope, the pipeline's over the web process's: less at the mercy of a shared
            # machine's other load (waiting for commits, being preempted) than the rates
            "cpu_ratio_to_pipeline": round(
                statistics.median(self.pipeline.cpu_ms) / per_envelope["web (hub serve)"], 4
            ),
            "ratio_to_pipeline": round(envelopes_per_s / self.pipeline.per_s, 4),
        }


async def measure(run: Run) -> dict[str, Any]:
    await run.warm_up()
    await run.stand_in_for_autovacuum()
    async with sampling(run.deployment.processes_by_role()) as sampler:
        await run.rounds()
        await run.settle()
    run.memory = sampler.memory()
    await run.check_stored()
    figures = run.figures()
    log(
        f"ratios: the hub {figures['envelopes_per_s']:,.1f} envelopes/s over signxml alone "
        f"{figures['bare_verify_per_s']:,.0f}: {figures['ratio_to_bare']:.3f}; over the bare pipeline "
        f"{figures['pipeline_per_s']:,.0f} (lxml, signxml, every table, one asyncpg transaction; "
        f"{run.cfg.pipeline_processes} process(es) against {run.cfg.web_processes} web): "
        f"{figures['ratio_to_pipeline']:.3f} (goal >= 0.5); in CPU per envelope, the pipeline's "
        f"{figures['pipeline_cpu_ms_per_envelope']:.2f} ms over the web process's "
        f"{figures['web_cpu_ms_per_envelope']:.2f} ms: {figures['cpu_ratio_to_pipeline']:.3f}"
    )
    return figures


def parse_args(argv: list[str] | None) -> Config:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_ENVELOPES:,} envelopes")
    parser.add_argument("--envelopes", type=int, default=None, help=f"envelopes timed (full: {FULL_ENVELOPES:,})")
    parser.add_argument("--dossiers", type=int, default=10, help="dossiers (HOSO) per envelope")
    parser.add_argument("--facilities", type=int, default=8, help="hospitals sending, each with its own key")
    parser.add_argument("--senders", type=int, default=8, help="concurrent senders, each on its own connection")
    parser.add_argument("--rounds", type=int, default=3, help="the timed envelopes in R rounds; the median rate counts")
    parser.add_argument("--web-processes", type=int, default=1, help="web (uvicorn) processes (issue 22 measures one)")
    parser.add_argument(
        "--web-layout",
        choices=("ports", "workers"),
        default="ports",
        help="ports: one `hub serve` per port, senders spread over them as a load balancer would; workers: one "
        "`hub serve --workers W` (its processes share a port and the kernel picks which accepts a connection)",
    )
    parser.add_argument("--channel", choices=("graphql", "gateway"), default="graphql")
    parser.add_argument("--bare-processes", type=int, default=os.cpu_count() or 1, help="signxml-alone processes")
    parser.add_argument(
        "--pipeline-processes", type=int, default=None, help="bare pipeline processes (default: as many as web)"
    )
    parser.add_argument("--bare-seconds", type=float, default=None, help="each bare pass (full: 3, quick: 0.5)")
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
    deploying.add_service_arguments(
        parser,
        database="hub_bench_documents",
        database_help="dropped and created at the start, dropped at the end",
        redis_db=13,
    )
    parser.add_argument("--keep-logs", action="store_true", help="keep the processes' logs even when all went well")
    parser.add_argument("--keep-database", action="store_true", help="do not drop the database at the end")
    parser.add_argument("--py-spy", metavar="PATH", help="profile the web processes with this py-spy while timed")
    args = parser.parse_args(argv)
    services = deploying.services_from(parser, args)
    deploying.at_least_one(
        parser, args, ("dossiers", "facilities", "senders", "rounds", "web_processes", "bare_processes")
    )
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
        pipeline_processes=args.pipeline_processes or args.web_processes,
        bare_seconds=args.bare_seconds or (0.5 if args.quick else 3.0),
        job_workers=args.job_workers,
        worker_threads=args.worker_threads,
        vacuum_every=args.vacuum_every,
        seed=args.seed,
        services=services,
        keep_logs=args.keep_logs or bool(args.py_spy),
        keep_database=args.keep_database,
        py_spy=args.py_spy,
    )


def main(argv: list[str] | None = None) -> int:
    cfg = parse_args(argv)

    def deploy_and_measure(deployment: Deployment) -> dict[str, Any]:
        corpus = prepare(cfg, deployment)
        log(
            f"bare baseline: {cfg.bare_processes} processes of signxml {version('signxml')} XMLVerifier alone, "
            f"passes of at least {cfg.bare_seconds:.0f} s over the {cfg.envelopes:,} envelopes, one before each "
            "of the hub's rounds"
        )
        bare = BarePool(cfg, corpus, deployment.workdir)
        deployment.on_stop.append(bare.close)
        hub_verifier = BarePool(cfg, corpus, deployment.workdir, mode="hub verifier")
        deployment.on_stop.append(hub_verifier.close)
        log(
            f"bare pipeline: {cfg.pipeline_processes} process(es) of lxml parse + signxml verify + every table "
            "parsed by lxml + one asyncpg transaction per envelope, one pass before each of the hub's rounds"
        )
        asyncio.run(create_pipeline_tables(cfg.services.dsn))
        pipeline = BarePool(cfg, corpus, deployment.workdir, mode="pipeline")
        deployment.on_stop.append(pipeline.close)
        headers = deploy(cfg, deployment, corpus)
        return asyncio.run(measure(Run(cfg, deployment, headers, corpus, bare, hub_verifier, pipeline)))

    return deploying.run(
        "documents",
        cfg.services,
        deploy_and_measure,
        keep_logs=cfg.keep_logs,
        drop_database=not cfg.keep_database,
        last=("cpu_ratio_to_pipeline", "ratio_to_pipeline"),
    )


if __name__ == "__main__":
    raise SystemExit(main())
