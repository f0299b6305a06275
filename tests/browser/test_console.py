"""The officers' console in a browser: a processor finds a claim by name through the queue's search, takes it,
approves and pays it; a supervisor downloads the Excel reports and decides a duplicate review; a national operator
retries a failed job; officers of another province see none of it, through the pages or the requests they send."""

from __future__ import annotations

import datetime as dt
import io
import json
import uuid
import zipfile
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import pytest
from openpyxl import load_workbook
from playwright.async_api import Browser, BrowserContext, Page, Response, ViewportSize, async_playwright, expect
from sqlalchemy import select

from hub.catalogs.models import HealthFacility
from hub.clients.models import Officer
from hub.clients.officers import create_officer
from hub.clients.permissions import ClientKind
from hub.jobs import enqueue
from hub.jobs.models import JobState, OutboxJob
from tests.helpers import graphql_data
from tests.integration.jobfixtures import CreatePerson, create_person_job
from tests.integration.matrix_seed import Side

pytestmark = pytest.mark.slow
PASSWORD = "mật-khẩu-thử-nghiệm-1"
VIEWPORT = ViewportSize(width=1366, height=768)
OFFICERS = {
    "xuly.b": (ClientKind.CLAIM_PROCESSOR, "b"),
    "giamsat.b": (ClientKind.SUPERVISOR, "b"),
    "xuly.a": (ClientKind.CLAIM_PROCESSOR, "a"),
    "giamsat.a": (ClientKind.SUPERVISOR, "a"),
    "vanhanh.a": (ClientKind.OPERATOR, "a"),
    "hotich.a": (ClientKind.CIVIL_REGISTRY, "a"),
}
NATIONAL_OPERATOR = "vanhanh.tw"  # bound to the matrix's national operator client

B_REQUESTS = "{ facilityRequests { id state } certificates(includeRetired: true) { fingerprint retiredAt } }"


async def add_officers(db: Any, clock: Any, sides: dict[str, Side]) -> None:
    async with db.transaction() as session:
        await create_officer(
            session, now=clock.now(), username=NATIONAL_OPERATOR, client_name="operator-national", password=PASSWORD
        )
        for username, (kind, key) in OFFICERS.items():
            client_name = sides[key].p.client_name(kind)
            await create_officer(
                session, now=clock.now(), username=username, client_name=client_name, password=PASSWORD
            )


class Recorded:
    """Every answer the browser received for a page or a request it sent, as text (an .xlsx: its cells' XML)."""

    def __init__(self) -> None:
        self.answers: list[tuple[str, int, str]] = []
        self.pending: list[Response] = []

    def watch(self, context: BrowserContext) -> None:
        context.on("response", lambda response: self.pending.append(response))

    async def collect(self) -> list[tuple[str, int, str]]:
        for response in self.pending:
            if "/console/static/" in response.url:
                continue
            try:
                body = await response.body()
            except Exception:  # a redirect has no body
                body = b""
            self.answers.append((response.url, response.status, readable(body)))
        self.pending.clear()
        return self.answers


def readable(body: bytes) -> str:
    if body.startswith(b"PK"):  # a workbook: the text of its parts
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            return " ".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist())
    return body.decode("utf-8", "replace")


async def signed_in(browser: Browser, base: str, username: str) -> tuple[BrowserContext, Page]:
    context = await browser.new_context(viewport=VIEWPORT, base_url=base, accept_downloads=True)
    page = await context.new_page()
    await page.goto("/console/")
    await page.get_by_label("Tên đăng nhập").fill(username)
    await page.get_by_label("Mật khẩu").fill(PASSWORD)
    await page.get_by_role("button", name="Đăng nhập").click()
    await expect(page.get_by_test_id("officer")).to_have_text(username)
    return context, page


async def failed_job(db: Any, clock: Any) -> int:
    """A job recorded as failed for good (not due for days, so the worker leaves it alone until it is retried)."""
    async with db.transaction() as session:
        job_id = await enqueue(
            session, create_person_job, CreatePerson(uuid.uuid4(), "x"), now=clock.now(), delay=dt.timedelta(days=9)
        )
        row = await session.get_one(OutboxJob, job_id)
        row.state, row.attempts, row.last_error = JobState.FAILED.value, 10, "PermanentJobError: refused"
        row.finished_at = clock.now()
    return int(job_id)


async def claim_assignee(client: Any, side: Side) -> str | None:
    query = "query($r: String!) { claim(reference: $r) { claim { assignedTo } } }"
    token = side.tokens[ClientKind.CLAIM_PROCESSOR]
    return (await graphql_data(client, query, {"r": side.claim}, token=token))["claim"]["claim"]["assignedTo"]


async def claim_state(client: Any, side: Side) -> str:
    query = "query($r: String!) { claim(reference: $r) { claim { state } } }"
    token = side.tokens[ClientKind.CLAIM_PROCESSOR]
    return str((await graphql_data(client, query, {"r": side.claim}, token=token))["claim"]["claim"]["state"])


async def test_officers_work_in_the_console_and_see_only_their_province(
    matrix, served, chromium, screenshots: Path, clock
):
    client, db, sides = matrix
    a, b = sides["a"], sides["b"]
    await add_officers(db, clock, sides)
    job_id = await failed_job(db, clock)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])

        # Officers of province A look for everything of province B, by the pages and by requests of their own
        before = await graphql_data(client, B_REQUESTS, token=b.tokens[ClientKind.OPERATOR])
        for username in ("xuly.a", "giamsat.a", "vanhanh.a", "hotich.a"):
            context, page = await signed_in(browser, served, username)
            recorded = Recorded()
            recorded.watch(context)
            for path in (
                f"/console/claims?q={quote(b.p.employee)}",
                f"/console/claims?q={quote(b.p.employee)}&state=ALL",
                f"/console/claims?q={b.claim}&state=ALL&owner=unassigned",
                f"/console/claims/{b.claim}",
                f"/console/cases/{b.case}",
                f"/console/cases?name={quote(b.p.child)}",
                f"/console/cases?pid={b.p.child_id}",
                "/console/reviews",
                "/console/facility-requests",
                "/console/supervisor?first=2026-10-01&last=2026-12-31",
                "/console/operator/jobs",
                "/console/operator/clients",
                "/console/operator/certificates?all=1",
                "/console/operator/facilities",
            ):
                await page.goto(path)
            # (The pages do show what is the officer's own: the absence of B's is not an empty page's)
            own_page, own_record = {
                "xuly.a": (f"/console/claims?q={quote(a.p.employee)}", a.p.employee),
                "giamsat.a": (f"/console/claims?q={quote(a.p.employee)}", a.p.employee),
                "vanhanh.a": ("/console/operator/clients", a.p.client_name(ClientKind.HOSPITAL)),
                "hotich.a": ("/console/cases", a.p.child),
            }[username]
            await page.goto(own_page)
            await expect(page.locator("main")).to_contain_text(own_record)
            await page.goto(f"/console/claims/{b.claim}")
            await page.screenshot(path=screenshots / f"{username}-claim-of-another-province.png")
            await expect(page.get_by_role("alert")).to_contain_text("không có quyền xem")
            if username == "giamsat.a":
                excel = await page.request.get("/console/supervisor/child-cards.xlsx?first=2026-10-01&last=2026-11-02")
                assert excel.ok
                excel = await page.request.get("/console/supervisor/claims.xlsx?first=2026-10-01&last=2026-12-31")
                assert excel.ok
                recorded.pending.append(excel)  # type: ignore[arg-type]
            # Forms posted straight at B's claim and review, with this session's own form token
            csrf = await page.locator("input[name=csrf]").first.get_attribute("value")
            assert csrf
            for url, form in (
                (f"/console/claims/{b.claim}/decide", {"decision": "APPROVE", "reason": ""}),
                (f"/console/claims/{b.claim}/pay", {}),
                (f"/console/claims/{b.claim}/take", {"back": "/console/claims"}),
                (f"/console/claims/{b.claim}/release", {}),
                (f"/console/claims/{b.claim}/long-term-disease", {"icd10": "C34.1"}),
                (f"/console/operator/jobs/{job_id}/retry", {}),
                (
                    "/console/operator/officers",
                    {
                        "username": "lot.vao",
                        "client": b.p.client_name(ClientKind.CLAIM_PROCESSOR),
                        "password": PASSWORD,
                    },
                ),
                ("/console/operator/officers/unlock", {"username": b.officer}),
                (f"/console/reviews/{b.review}", {"same_person": "yes"}),
                *(
                    (f"/console/facility-requests/{ident}", decision)
                    for ident in b.requests
                    for decision in (
                        {"decision": "approve", "level": "COMMUNE", "children": "yes"},
                        {"decision": "reject", "reason": "thử"},
                    )
                ),
                ("/console/operator/certificates/retire", {"fingerprint": b.spare_fingerprint, "reason": "thử"}),
                ("/console/operator/certificates", {"party": f"facility:{b.p.facility}", "pem": b.renewed_pem}),
            ):
                answer = await page.request.post(url, form={**form, "csrf": csrf}, max_redirects=0)
                recorded.pending.append(answer)  # type: ignore[arg-type]
                assert answer.status in (303, 403, 404), (url, answer.status)
            # A facility list for B's province, uploaded as the import page does
            listing = (
                f"MA_CSKCB,TEN_CSKCB,MA_TINH,TUYEN,KCB_BD_TRE_EM\n{b.p.province}777,Phòng khám,{b.p.province},2,1\n"
            )
            answer = await page.request.post(
                "/console/operator/facilities",
                multipart={
                    "csrf": csrf,
                    "file": {"name": "co-so.csv", "mimeType": "text/csv", "buffer": listing.encode()},
                },
                max_redirects=0,
            )
            recorded.pending.append(answer)  # type: ignore[arg-type]
            # An operator's own import, whose job rejects the row (the facility is not there at the end)
            assert answer.status in (303, 403, 404), answer.status
            answers = await recorded.collect()
            # What a page shows of what was asked (its own address, in the language switch) is no leak
            leaks = [
                (url, secret)
                for url, _, text in answers
                for secret in b.secrets()
                if (secret in text or json.dumps(secret)[1:-1] in text) and secret not in unquote(url)
            ]
            assert leaks == [], leaks
            await context.close()
        assert await claim_state(client, b) == "COMPUTED"
        assert await claim_assignee(client, b) is None
        async with db.sessions() as session:
            assert await session.scalar(select(Officer).where(Officer.username == "lot.vao")) is None
            assert (await session.get_one(OutboxJob, job_id)).state == JobState.FAILED.value
            facility = select(HealthFacility).where(HealthFacility.code == f"{b.p.province}777")
            assert await session.scalar(facility) is None
        assert await graphql_data(client, B_REQUESTS, token=b.tokens[ClientKind.OPERATOR]) == before

        # B's supervisor downloads the child-card report in Excel, then decides the probable duplicate
        context, page = await signed_in(browser, served, "giamsat.b")
        await page.get_by_role("link", name="Giám sát").click()
        await page.get_by_label("Từ ngày").fill("2026-10-01")
        await page.get_by_label("Đến ngày").fill("2026-12-31")
        await page.get_by_role("button", name="Xem").click()
        await page.screenshot(path=screenshots / "supervisor.png", full_page=True)
        async with page.expect_download() as downloading:
            await page.get_by_test_id("excel").click()
        download = await downloading.value
        saved = screenshots / download.suggested_filename
        await download.save_as(saved)
        workbook = load_workbook(saved)
        cells = [str(cell) for sheet in workbook for row in sheet.iter_rows(values_only=True) for cell in row]
        assert any(b.p.province_name in cell or "Đà Nẵng" in cell for cell in cells)
        await expect(page.get_by_test_id("claims-report")).to_contain_text("Tỉnh")
        async with page.expect_download() as downloading:
            await page.get_by_test_id("claims-excel").click()
        download = await downloading.value
        saved = screenshots / download.suggested_filename
        await download.save_as(saved)
        cells = [
            str(cell) for sheet in load_workbook(saved) for row in sheet.iter_rows(values_only=True) for cell in row
        ]
        assert "Tỷ lệ đúng hạn" in cells and b.p.province in cells

        await page.get_by_role("link", name="Rà soát trùng lặp").click()
        review = page.locator("section.review").filter(has_text=b.p.twin_name)
        await expect(review).to_have_count(1)
        await page.screenshot(path=screenshots / "review.png", full_page=True)
        await review.get_by_role("button", name="Khác người").click()
        await expect(page.locator("section.review").filter(has_text=b.p.twin_name)).to_have_count(0)
        await context.close()

        # B's processor finds the claim by the employee's name typed without diacritics, approves it, pays it
        context, page = await signed_in(browser, served, "xuly.b")
        await page.get_by_role("link", name="Danh sách công việc").click()
        await page.get_by_label("Tìm kiếm").fill("le van tam")
        await page.keyboard.press("Enter")
        row = page.get_by_role("row").filter(has_text=b.p.employee)
        await expect(row).to_have_count(1)
        await page.screenshot(path=screenshots / "worklist.png")
        await row.get_by_role("button", name=f"Nhận xử lý {b.claim}").click()
        await expect(page.get_by_role("status")).to_have_text("Đã thực hiện.")
        mine = page.get_by_role("row").filter(has_text=b.p.employee)
        await expect(mine.get_by_role("button", name=f"Trả lại hàng chờ {b.claim}")).to_have_count(1)
        await page.get_by_label("Người xử lý").select_option("mine")
        await page.get_by_role("button", name="Lọc").click()
        await expect(page.get_by_role("row").filter(has_text=b.p.employee)).to_have_count(1)
        await page.get_by_role("row").filter(has_text=b.p.employee).get_by_role("link", name=b.claim).click()
        await expect(page.get_by_test_id("state")).to_have_text("Đã tính, chờ duyệt")
        await expect(page.get_by_test_id("assignment")).to_contain_text("xuly.b")
        await expect(page.get_by_test_id("evidence")).to_contain_text("Hợp lệ")
        await page.screenshot(path=screenshots / "claim.png", full_page=True)
        await page.get_by_role("button", name="Duyệt").click()
        await expect(page.get_by_test_id("state")).to_have_text("Đã duyệt")
        await page.get_by_role("button", name="Lập lệnh chi").click()
        await expect(page.get_by_test_id("state")).to_have_text("Đã chi trả")
        await expect(page.get_by_test_id("payments")).to_contain_text("Chi trả")
        await expect(page.get_by_test_id("paid")).to_have_text(f"{b.claim_amount:,}".replace(",", "."))
        # In English on request
        await page.get_by_role("link", name="English").click()
        await expect(page.get_by_test_id("state")).to_have_text("Paid")
        await page.screenshot(path=screenshots / "claim-paid-english.png", full_page=True)
        await context.close()
        assert await claim_state(client, b) == "PAID"

        # A national operator retries the failed job from the console
        context, page = await signed_in(browser, served, NATIONAL_OPERATOR)
        await page.goto("/console/operator/jobs")
        await page.screenshot(path=screenshots / "failed-jobs.png", full_page=True)
        await page.get_by_role("button", name=f"Chạy lại {job_id}").click()
        await expect(page.get_by_role("status")).to_have_text("Đã thực hiện.")
        await expect(page.get_by_role("button", name=f"Chạy lại {job_id}")).to_have_count(0)
        await context.close()
        async with db.sessions() as session:
            assert (await session.get_one(OutboxJob, job_id)).state != JobState.FAILED.value
        await browser.close()
