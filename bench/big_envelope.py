"""Benchmark of envelopes of a realistic size through the gateway-compatible upload: throughput, and the web
process's memory as uploads run side by side.

    python -m bench.big_envelope [--quick] [--levels 1,8,16] [--envelopes N] [--drug-rows R] [--service-rows R]
                                 [--sizes R1,R2] [--facilities F] [--database hub_bench_big]
                                 [--redis redis://127.0.0.1:6379/8] ...

Each envelope is one hospital stay (`devkit.workloads.big_envelopes`): its XML1, XML2 of 500 drug rows and XML3 of 500
service and supply rows (every field of QĐ 4750's tables, blanks as empty elements), about 1.7 MB signed by its facility
as the documents benchmark signs; the hub reads the XML1 and keeps XML2 and XML3 as sent (receipt lines KEPT). Set-up as
bench.documents: a database of its own (dropped and created; dropped at the end), a Redis database (flushed), `hub
migrate`, the facility catalog (--quick: the sending hospitals only), F hospitals with their certificates trusted and
gateway accounts, `api/token/take` for each.

Measured:
1. copies (in this process, before anything starts): the gateway's own path run on one envelope, stage by stage, with
   the hub's functions (`_fields` of hub.entry.gateway_http on a request streamed in 64 KiB chunks as uvicorn hands
   them over, decoding the file as it comes, `verify_enveloped`, `read_envelope` + `envelope_documents`), each
   stage's result kept as the endpoint keeps it: per stage the peak of the Python heap over its start (tracemalloc)
   and what it leaves held (Python heap and, for lxml's trees, malloc's count of bytes in use), in envelopes;
2. for each concurrency C of --levels: a fresh web process (`hub serve`, one process), warmed up with 2 envelopes,
   its RSS then (the baseline); C senders, each a hospital's software on its own keep-alive connection, uploading
   back to back through `api/qd130/guiHoSoXmlQD4750`, while a thread samples the web process's RSS every 5 ms:
   envelopes/s, MB/s (of the signed files, 10^6 bytes), latency, the peak RSS, and its growth over the baseline per
   concurrent request, in MiB and in envelopes (the bytes held per upload in flight over the envelope's size);
   then, SETTLE_S after the last answer, the RSS the process kept (after-peak). Every answer must be maKetQua 200
   and new; the database must then hold exactly the submissions and XML1 documents sent.
   With --sizes R1,R2,… the whole is run for envelopes of each size (R rows in both XML2 and XML3; 500 rows are
   about 1.7 MB, 2,600 about 8.9 MB, 4,700 about 15.9 MB).

Progress goes to stderr; the last line on stdout is one JSON object: {"envelope_mb": ..., "levels": {"1": {...},
"8": {...}, ...}, "envelopes_per_s": (at concurrency 8, or the level nearest), "mb_per_s": ..., "peak_rss_mb": ...,
"after_peak_rss_mb": ..., "copies": {...}, "sizes": {"8.86": {"1": {...}, ...}} (with --sizes), ...,
"rss_envelopes_per_upload_in_flight": (its largest over every size and level: the ratio, last)}.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ctypes
import ctypes.util
import datetime as dt
import gc
import statistics
import time
import tracemalloc
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import httpx

from bench import deployment as deploying
from bench.deployment import Deployment, Services
from bench.documents import Headers, gateway_body, gateway_logins, register_hospitals
from bench.measuring import percentile
from bench.memory import MIB, SETTLE_S, RssSampler
from bench.processes import log
from devkit.synthetic import generate_facilities
from devkit.workloads.big_envelopes import BigEnvelopeFactory
from hub.infra.clock import SystemClock, vietnam_date
from signing.devpki import certificates_pem
from signing.parties import facility as facility_party

UPLOAD = "/api/qd130/guiHoSoXmlQD4750"
WARMUP = 2
RSS_EVERY_S = 0.005  # an upload's buffers come and go within milliseconds
CHUNK = 64 * 1024  # about what uvicorn hands the application at a time (its flow control's high-water mark)
MAX_BYTES = 20 * 1024 * 1024  # HUB_MAX_ENVELOPE_BYTES's default, for the copies' run
REQUEST_TIMEOUT_S = 120.0
MB = 1_000_000


@dataclass(frozen=True)
class Config:
    quick: bool
    levels: tuple[int, ...]
    envelopes: int | None
    drug_rows: int
    service_rows: int
    facilities: int
    seed: int
    services: Services
    keep_logs: bool
    keep_database: bool
    sizes: tuple[int, ...] = ()  # rows per table of each envelope size measured; () for drug_rows, service_rows
    hub_env: tuple[tuple[str, str], ...] = ()  # more environment for the hub's processes

    def per_level(self, concurrency: int) -> int:
        """Envelopes timed at a concurrency: --envelopes, or enough for each sender to send several."""
        if self.envelopes:
            return self.envelopes
        return max(2, concurrency) if self.quick else max(24, 4 * concurrency)


@dataclass(frozen=True)
class Upload:
    facility: str
    size: int  # of the signed file
    body: bytes  # the form that carries it, encoded before the clock starts


@dataclass
class Corpus:
    uploads: list[Upload]
    first: bytes  # the first signed file, for the copies' run
    first_facility: str
    first_pem: bytes


# -- the envelopes ----------------------------------------------------------------------------------------------------


def build(cfg: Config, factory: BigEnvelopeFactory, count: int, rows: tuple[int, int] | None = None) -> Corpus:
    started = time.perf_counter()
    uploads: list[Upload] = []
    first: tuple[bytes, str] | None = None
    by_code = {h.code: h.facility for h in factory.hospitals}
    for _ in range(count):
        signed = factory.big_envelope(*(rows or (cfg.drug_rows, cfg.service_rows)))
        code = signed.hospital.code
        first = first or (signed.data, code)
        uploads.append(Upload(code, len(signed.data), gateway_body(by_code[code], signed.data)))
    assert first is not None
    log(
        f"  {count} envelopes of {statistics.fmean(u.size for u in uploads) / MB:.2f} MB (forms of "
        f"{statistics.fmean(len(u.body) for u in uploads) / MB:.2f} MB) built and signed in "
        f"{time.perf_counter() - started:.1f} s"
    )
    return Corpus(uploads, first[0], first[1], certificates_pem(factory.identities[first[1]]))


# -- copies: the gateway's path in this process -----------------------------------------------------------------------


class _MallInfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks")
    ] + [("keepcost", ctypes.c_size_t)]


def _malloc_in_use() -> Callable[[], int] | None:
    """Bytes malloc has handed out and not had back (glibc's mallinfo2): lxml's trees, which tracemalloc misses."""
    name = ctypes.util.find_library("c")
    libc = ctypes.CDLL(name) if name else None
    function = getattr(libc, "mallinfo2", None)
    if function is None:
        return None
    function.restype = _MallInfo2

    def in_use() -> int:
        info = function()
        return int(info.uordblks + info.hblkhd)

    return in_use


@dataclass
class Stage:
    name: str
    where: str
    peak: float = 0.0  # Python heap above the stage's start, at its highest, in envelopes
    held_python: float = 0.0  # what the stage leaves held on the Python heap, in envelopes
    held_native: float | None = None  # and outside it (lxml's trees), in envelopes

    def as_dict(self) -> dict[str, Any]:
        held = self.held_python + (self.held_native or 0.0)
        return {
            "where": self.where,
            "peak_envelopes": round(self.peak, 2),
            "held_envelopes": round(held, 2),
            "held_python_envelopes": round(self.held_python, 2),
            "held_native_envelopes": None if self.held_native is None else round(self.held_native, 2),
        }


def copies(corpus: Corpus, form: bytes) -> dict[str, Any]:
    """Run the gateway's path on one envelope in this process, stage by stage, keeping what the endpoint keeps."""
    from starlette.requests import Request

    from hub.documents.intake import envelope_documents
    from hub.documents.qd4750 import read_envelope
    from hub.entry.gateway_http import _fields
    from signing.trust import TrustStore
    from signing.verify import verify_enveloped

    size = len(corpus.first)
    trust = TrustStore()
    signer = facility_party(corpus.first_facility)
    trust.add_pem(signer, corpus.first_pem)
    at = dt.datetime.now(dt.UTC)
    verify_enveloped(corpus.first, trust, expected_signer=signer, at=at)  # warm: imports, signxml's schema

    def request() -> Request:
        """The upload as the endpoint receives it: 64 KiB at a time, each chunk made when asked for."""
        headers = [(b"content-type", b"application/x-www-form-urlencoded"), (b"content-length", b"%d" % len(form))]
        scope = {"type": "http", "method": "POST", "path": "/", "headers": headers, "query_string": b""}
        offset = 0

        async def receive() -> dict[str, Any]:
            nonlocal offset
            body = form[offset : offset + CHUNK]
            offset += len(body)
            return {"type": "http.request", "body": body, "more_body": offset < len(form)}

        return Request(scope, receive)

    in_use = _malloc_in_use()
    kept: list[Any] = []
    stages: list[Stage] = []

    def stage(name: str, where: str, run: Callable[[], Any]) -> Any:
        gc.collect()
        before, native_before = tracemalloc.get_traced_memory()[0], in_use() if in_use else 0
        tracemalloc.reset_peak()
        result = run()
        current, peak = tracemalloc.get_traced_memory()
        native = (in_use() - native_before) - (current - before) if in_use else None
        stages.append(
            Stage(
                name,
                where,
                (peak - before) / size,
                (current - before) / size,
                None if native is None else native / size,
            )
        )
        kept.append(result)
        return result

    # Not asyncio.run: tearing its loop down briefly held the coroutine's result several times over (a 5 MB
    # result peaked at 25 MB), which the form's stage counted as its own.
    loop = asyncio.new_event_loop()
    tracemalloc.start()
    try:
        fields = stage(
            "form",
            "hub/entry/gateway_http.py _fields → hub/infra/streams.py UrlencodedForm: the file decoded as it comes",
            lambda: loop.run_until_complete(_fields(request(), MAX_BYTES * 4 // 3 + 64 * 1024)),
        )
        data = stage(
            "base64",
            "done in the form's stage: the decoded file it holds",
            lambda: fields.file,
        )
        verified = stage(
            "verify",
            "hub/documents/intake.py verify → signing/verify.py verify_enveloped (the parsed tree, digested in place)",
            lambda: verify_enveloped(data, trust, expected_signer=signer, at=at, max_bytes=MAX_BYTES),
        )
        stage(
            "read",
            "hub/documents/intake.py _read → hub/documents/qd4750/envelope.py read_envelope (each table decoded, read)",
            lambda: envelope_documents(read_envelope(verified.signed_root, max_table_bytes=MAX_BYTES, keep_kept=False)),
        )
    finally:
        tracemalloc.stop()
        loop.close()
    held = sum(s.held_python + (s.held_native or 0.0) for s in stages)
    log(
        f"copies of a {size / MB:.2f} MB envelope along the gateway's path (in envelopes; peak: over the stage's start)"
    )
    for s in stages:
        native = "" if s.held_native is None else f" + {s.held_native:4.2f} outside it (lxml)"
        log(f"  {s.name:<15} peak {s.peak:4.2f}  held {s.held_python:4.2f} on the Python heap{native}   {s.where}")
    log(f"  held when the storing transaction starts: {held:.2f} envelopes")
    return {"stages": {s.name: s.as_dict() for s in stages}, "held_at_storage_envelopes": round(held, 2)}


# -- the deployment ---------------------------------------------------------------------------------------------------


def table_rows(cfg: Config) -> list[tuple[int, int]]:
    """The rows of XML2 and XML3 of each envelope size measured."""
    return [(rows, rows) for rows in cfg.sizes] or [(cfg.drug_rows, cfg.service_rows)]


def prepare(cfg: Config, deployment: Deployment) -> tuple[BigEnvelopeFactory, list[Corpus]]:
    today = vietnam_date(SystemClock().now())
    deployment.configure(dict(cfg.hub_env))
    deployment.reset()
    deployment.migrate()
    facilities = generate_facilities(cfg.seed, as_of=today)
    total = sum(WARMUP + cfg.per_level(level) for level in cfg.levels)
    factory = BigEnvelopeFactory(cfg.seed, facilities, cfg.facilities, today)
    # The quick run imports only the sending hospitals (the whole catalog took 12 s of its minute).
    deployment.import_facilities([h.facility for h in factory.hospitals] if cfg.quick else facilities)
    corpora = []
    for drugs, services in table_rows(cfg):
        log(
            f"building and signing {total} envelopes from {cfg.facilities} hospitals: XML1, XML2 of {drugs} "
            f"drugs, XML3 of {services} services"
        )
        corpora.append(build(cfg, factory, total, (drugs, services)))
    return factory, corpora


def restart_web(deployment: Deployment) -> None:
    """A fresh web process: what one level's memory says owes nothing to the level before."""
    old = list(deployment.webs)
    deployment.harness.stop_many(old)
    deployment.harness.processes[:] = [p for p in deployment.harness.processes if p not in old]
    deployment.start_web(1)


# -- one level --------------------------------------------------------------------------------------------------------


@dataclass
class Level:
    concurrency: int
    envelopes: int = 0
    megabytes: float = 0.0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    baseline_rss: int = 0
    peak_rss: int = 0
    after_rss: int = 0
    envelope_bytes: float = 0.0

    def figures(self) -> dict[str, Any]:
        growth = self.peak_rss - self.baseline_rss
        in_flight = growth / self.concurrency / self.envelope_bytes if self.envelope_bytes else 0.0
        return {
            "envelopes": self.envelopes,
            "envelopes_per_s": round(self.envelopes / self.seconds, 2),
            "mb_per_s": round(self.megabytes / self.seconds, 2),
            "p50_ms": round(1000 * percentile(self.latencies, 50), 1),
            "p95_ms": round(1000 * percentile(self.latencies, 95), 1),
            "baseline_rss_mb": round(self.baseline_rss / MIB, 1),
            "peak_rss_mb": round(self.peak_rss / MIB, 1),
            "rss_growth_mb": round(growth / MIB, 1),
            "rss_growth_per_request_mb": round(growth / MIB / self.concurrency, 1),
            "after_peak_rss_mb": round(self.after_rss / MIB, 1),
            "rss_envelopes_per_upload_in_flight": round(in_flight, 2),
        }


def check(upload: Upload, response: httpx.Response) -> None:
    if response.status_code != 200:
        raise RuntimeError(f"{upload.facility}: HTTP {response.status_code}: {response.text[:500]}")
    answer = response.json()
    if answer.get("maKetQua") != "200" or "trước đó" in answer.get("thongDiep", ""):
        raise RuntimeError(f"{upload.facility}: the gateway upload answered {str(answer)[:800]}")


async def send(
    base_url: str, uploads: Sequence[Upload], headers: dict[str, Headers], concurrency: int, level: Level
) -> None:
    """`concurrency` senders on their own keep-alive connections, each taking the next upload once answered."""
    pending = list(reversed(uploads))
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)

    async def sender(client: httpx.AsyncClient) -> None:
        while pending:
            upload = pending.pop()
            started = time.perf_counter()
            response = await client.post(UPLOAD, content=upload.body, headers=headers[upload.facility])
            level.latencies.append(time.perf_counter() - started)
            check(upload, response)
            level.envelopes += 1
            level.megabytes += upload.size / MB

    async with contextlib.AsyncExitStack() as stack:
        clients = [
            await stack.enter_async_context(
                httpx.AsyncClient(base_url=base_url, timeout=REQUEST_TIMEOUT_S, limits=limits)
            )
            for _ in range(concurrency)
        ]
        started = time.perf_counter()
        await asyncio.gather(*(sender(client) for client in clients))
        level.seconds += time.perf_counter() - started


def run_level(
    deployment: Deployment, uploads: Sequence[Upload], headers: dict[str, Headers], concurrency: int, fresh: bool
) -> Level:
    """One concurrency on a web process (fresh unless the first): its throughput, peak RSS and the RSS it kept."""
    if fresh:
        restart_web(deployment)
    pid = deployment.web_pids[0]
    warmup, timed = uploads[:WARMUP], uploads[WARMUP:]
    asyncio.run(send(deployment.base_url, warmup, headers, 1, Level(1)))
    level = Level(concurrency, envelope_bytes=statistics.fmean(u.size for u in timed))
    sampler = RssSampler({"web": [pid]}, interval=RSS_EVERY_S)
    sampler.start()
    try:
        asyncio.run(send(deployment.base_url, timed, headers, concurrency, level))
        time.sleep(SETTLE_S)  # the peak may come as the last answers are sent; sampled until the RSS is read
    finally:
        web = sampler.stop().roles["web"]
    level.baseline_rss, level.peak_rss, level.after_rss = web.start, web.peak, web.settled
    deployment.check_alive()
    f = level.figures()
    log(
        f"  concurrency {concurrency:>2}: {level.envelopes} envelopes in {level.seconds:.1f} s, "
        f"{f['envelopes_per_s']:.2f}/s, {f['mb_per_s']:.2f} MB/s, p50 {f['p50_ms']:,.0f} ms p95 {f['p95_ms']:,.0f} ms; "
        f"web RSS {f['baseline_rss_mb']:.0f} → peak {f['peak_rss_mb']:.0f} MiB (+{f['rss_growth_mb']:.0f}, "
        f"{f['rss_growth_per_request_mb']:.1f} MiB per concurrent request, "
        f"{f['rss_envelopes_per_upload_in_flight']:.2f} envelopes per upload in flight; {sampler.samples} samples), "
        f"{f['after_peak_rss_mb']:.0f} MiB kept {SETTLE_S:g} s after"
    )
    return level


async def stored_counts(dsn: str) -> tuple[int, int]:
    conn = await asyncpg.connect(dsn, timeout=10)
    try:
        submissions = int(await conn.fetchval("SELECT count(*) FROM document_submissions"))
        documents = int(await conn.fetchval("SELECT count(*) FROM documents"))
    finally:
        await conn.close()
    return submissions, documents


def measure(cfg: Config, deployment: Deployment) -> dict[str, Any]:
    factory, corpora = prepare(cfg, deployment)
    corpus = corpora[0]
    found = copies(corpus, corpus.uploads[0].body)
    registered = register_hospitals(deployment, factory.hospitals, factory.identities, gateway=True)
    log(f"  {len(registered)} hospitals: clients, certificates trusted, gateway accounts")
    log("starting the web tier: 1 x hub serve")
    deployment.start_web(1)
    headers = asyncio.run(gateway_logins(deployment.base_url, factory.hospitals))
    size = statistics.fmean(u.size for u in corpus.uploads)
    log(f"uploads through {UPLOAD}, a fresh web process for each concurrency, {WARMUP} envelopes to warm it up")
    by_size: dict[str, dict[int, Level]] = {}
    sent = 0
    for each in corpora:
        each_size = statistics.fmean(u.size for u in each.uploads)
        log(f"  envelopes of {each_size / MB:.2f} MB")
        runs: dict[int, Level] = {}
        start = 0
        for concurrency in cfg.levels:
            count = WARMUP + cfg.per_level(concurrency)
            runs[concurrency] = run_level(
                deployment, each.uploads[start : start + count], headers, concurrency, fresh=sent > 0
            )
            start += count
            sent += count
        by_size[f"{each_size / MB:.2f}"] = runs
    levels = next(iter(by_size.values()))
    submissions, documents = asyncio.run(stored_counts(cfg.services.dsn))
    log(f"  stored: {submissions} submissions, {documents} documents (expected {sent} of each: the XML1s)")
    if submissions != sent or documents != sent:
        raise RuntimeError(f"the database holds {submissions} submissions, {documents} documents; expected {sent}")
    headline = min(cfg.levels, key=lambda level: (abs(level - 8), level))
    low, high = min(cfg.levels), max(cfg.levels)
    slope = (
        (levels[high].peak_rss - levels[low].peak_rss) / MIB / (high - low) if high > low else None
    )  # MiB per added concurrent request
    if slope is not None:
        log(
            f"  peak RSS from concurrency {low} to {high}: {slope:.1f} MiB per added concurrent request "
            f"({slope * MIB / size:.1f} envelopes of {size / MB:.2f} MB)"
        )
    in_flight = max(run.figures()["rss_envelopes_per_upload_in_flight"] for r in by_size.values() for run in r.values())
    log(f"  largest RSS growth per upload in flight: {in_flight:.2f} envelopes (the ratio; goal about 2)")
    return {
        "envelope_mb": round(size / MB, 3),
        "form_mb": round(statistics.fmean(len(u.body) for u in corpus.uploads) / MB, 3),
        "drug_rows": cfg.drug_rows,
        "service_rows": cfg.service_rows,
        "concurrency": headline,
        "envelopes_per_s": levels[headline].figures()["envelopes_per_s"],
        "mb_per_s": levels[headline].figures()["mb_per_s"],
        "peak_rss_mb": levels[headline].figures()["peak_rss_mb"],
        "after_peak_rss_mb": levels[headline].figures()["after_peak_rss_mb"],
        "levels": {str(c): level.figures() for c, level in levels.items()},
        "sizes": {mb: {str(c): run.figures() for c, run in runs.items()} for mb, runs in by_size.items()},
        "rss_mb_per_added_request": None if slope is None else round(slope, 1),
        "rss_envelopes_per_added_request": None if slope is None else round(slope * MIB / size, 1),
        "copies": found,
        "web_processes": 1,
        "quick": cfg.quick,
        "rss_envelopes_per_upload_in_flight": in_flight,  # last: the ratio
    }


def parse_args(argv: list[str] | None) -> Config:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="fewer envelopes per concurrency")
    parser.add_argument(
        "--levels", default=None, help="the concurrencies measured, each on a fresh web process (1,8,16; quick: 1,4)"
    )
    parser.add_argument("--envelopes", type=int, default=None, help="envelopes timed per concurrency")
    parser.add_argument("--drug-rows", type=int, default=500, help="rows of each envelope's XML2")
    parser.add_argument("--service-rows", type=int, default=500, help="rows of each envelope's XML3")
    parser.add_argument(
        "--sizes", default="", help="envelope sizes measured in turn, as rows of XML2 and XML3 each: 500,2600,4700"
    )
    parser.add_argument(
        "--hub-env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="environment of the hub's processes (HUB_RELEASE_MEMORY_AFTER_BYTES=0, MALLOC_ARENA_MAX=2 …); repeatable",
    )
    parser.add_argument("--facilities", type=int, default=8, help="hospitals sending, each with its own key")
    parser.add_argument("--seed", type=int, default=2026)
    deploying.add_service_arguments(
        parser,
        database="hub_bench_big",
        database_help="dropped and created at the start, dropped at the end",
        redis_db=8,
    )
    parser.add_argument("--keep-logs", action="store_true", help="keep the processes' logs even when all went well")
    parser.add_argument("--keep-database", action="store_true", help="do not drop the database at the end")
    args = parser.parse_args(argv)
    services = deploying.services_from(parser, args)
    try:
        levels = tuple(int(part) for part in (args.levels or ("1,4" if args.quick else "1,8,16")).split(","))
    except ValueError:
        parser.error("--levels is a list of concurrencies, e.g. 1,8,16")
    if not levels or min(levels) < 1:
        parser.error("--levels are at least 1")
    try:
        sizes = tuple(int(part) for part in args.sizes.split(",") if part.strip())
    except ValueError:
        parser.error("--sizes is a list of row counts, e.g. 500,2600")
    if sizes and min(sizes) < 1:
        parser.error("--sizes are at least 1 row")
    if any("=" not in item for item in args.hub_env):
        parser.error("--hub-env is NAME=VALUE")
    deploying.at_least_one(parser, args, ("drug_rows", "service_rows", "facilities"))
    if args.envelopes is not None and args.envelopes < 1:
        parser.error("--envelopes must be at least 1")
    return Config(
        quick=args.quick,
        levels=levels,
        envelopes=args.envelopes,
        drug_rows=args.drug_rows,
        service_rows=args.service_rows,
        facilities=args.facilities,
        seed=args.seed,
        services=services,
        keep_logs=args.keep_logs,
        keep_database=args.keep_database,
        sizes=sizes,
        hub_env=tuple((name, value) for name, _, value in (item.partition("=") for item in args.hub_env)),
    )


def main(argv: list[str] | None = None) -> int:
    cfg = parse_args(argv)
    return deploying.run(
        "big-envelope",
        cfg.services,
        lambda deployment: measure(cfg, deployment),
        keep_logs=cfg.keep_logs,
        drop_database=not cfg.keep_database,
        last=("rss_envelopes_per_upload_in_flight",),
    )


if __name__ == "__main__":
    raise SystemExit(main())
