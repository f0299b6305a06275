"""The operator's facility list import in a browser: the list uploaded, the import's page with its progress bar that
the page itself keeps up to date (htmx polling, no reload) while the worker imports it, then the counts and each
rejected row with its reasons; in English on request."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.async_api import FilePayload, Frame, async_playwright, expect
from sqlalchemy import func, select

from hub.catalogs.models import HealthFacility
from hub.clients.officers import create_officer
from hub.clients.permissions import ClientKind
from tests.browser.test_console import PASSWORD, signed_in

pytestmark = pytest.mark.slow
ROWS = 2_000
DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
FIRST = 20_000  # codes from 48FFK on: none of the seeded facilities'


def code(province: str, number: int) -> str:
    """A facility code of the province: its two digits and three of base 36 (46,656 codes)."""
    return province + "".join(DIGITS[(FIRST + number) // 36**power % 36] for power in (2, 1, 0))


def facility_list(province: str) -> bytes:
    """ROWS facilities of the province; row 3 has no level a list may have, row 5 repeats row 2's code."""
    rows = [f"{code(province, n)},Trạm Y tế thử số {n},{province},4,1" for n in range(ROWS)]
    rows[1] = f"{code(province, 1)},Trạm Y tế thử số 1,{province},9,1"
    rows[3] = f"{code(province, 0)},Trạm Y tế trùng mã,{province},4,1"
    return ("MA_CSKCB;TEN_CSKCB;MA_TINH;TUYEN;KCB_BD_TRE_EM\n" + "\n".join(rows).replace(",", ";") + "\n").encode()


async def test_an_operator_uploads_a_list_and_watches_it_import(matrix, served, chromium, screenshots: Path, clock):
    _, db, sides = matrix
    b = sides["b"]
    province = b.p.province
    async with db.transaction() as session:
        await create_officer(
            session,
            now=clock.now(),
            username="vanhanh.b",
            client_name=b.p.client_name(ClientKind.OPERATOR),
            password=PASSWORD,
        )
    async with db.sessions() as session:
        before = int(await session.scalar(select(func.count()).select_from(HealthFacility)) or 0)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        context, page = await signed_in(browser, served, "vanhanh.b")
        await page.get_by_role("link", name="Nhập danh mục cơ sở KCB").click()
        upload = FilePayload(name="danh-muc-co-so.csv", mimeType="text/csv", buffer=facility_list(province))
        await page.get_by_label("Tệp danh mục (CSV hoặc XLSX)").set_input_files(files=[upload])
        await page.get_by_role("button", name="Nhập", exact=True).click()

        # The import's own page: a progress bar, kept up to date by the page until the import is done
        await expect(page).to_have_url(re.compile(r"/console/operator/facilities/imports/[0-9a-f-]{36}$"))
        loads: list[str] = []

        def navigated(frame: Frame) -> None:
            if frame == page.main_frame:
                loads.append(frame.url)

        page.on("framenavigated", navigated)
        progress = page.get_by_test_id("import-progress")
        await expect(page.locator("progress#import-bar")).to_be_visible()
        await expect(page.get_by_label("Tiến độ nhập")).to_be_visible()
        await page.screenshot(path=screenshots / "import-progress.png", full_page=True)
        await expect(progress).to_have_attribute("data-state", "DONE", timeout=60_000)
        assert loads == []  # brought up to date in place: never reloaded
        bar = page.locator("progress#import-bar")
        await expect(bar).to_have_attribute("max", str(ROWS))
        await expect(bar).to_have_attribute("value", str(ROWS))
        await expect(page.get_by_test_id("import-state")).to_have_text("Đã nhập xong")
        await expect(page.get_by_test_id("rows-done")).to_have_text(f"Đã xử lý {ROWS} / {ROWS} dòng")
        await expect(page.get_by_test_id("created")).to_have_text(str(ROWS - 2))
        await expect(page.get_by_test_id("rejected")).to_have_text("2")
        rejected = page.get_by_test_id("rejected-rows")
        await expect(rejected.get_by_role("row").filter(has_text=code(province, 1))).to_contain_text(
            "INVALID_LEVEL Tuyến '9' không hợp lệ"
        )
        await expect(rejected.get_by_role("row").filter(has_text="DUPLICATE_IN_FILE")).to_contain_text(
            f"Cơ sở KCB {code(province, 0)} đã có ở dòng 2 của tệp."
        )
        await page.screenshot(path=screenshots / "import-done.png", full_page=True)

        # In English on request
        await page.get_by_role("link", name="English").click()
        await expect(page.get_by_test_id("import-state")).to_have_text("Done")
        await expect(page.get_by_test_id("rows-done")).to_have_text(f"{ROWS} of {ROWS} rows processed")
        await expect(page.get_by_test_id("rejected-rows")).to_contain_text("is not one of 1 (central)")
        await context.close()
        await browser.close()
    async with db.sessions() as session:
        after = int(await session.scalar(select(func.count()).select_from(HealthFacility)) or 0)
    assert after - before == ROWS - 2
