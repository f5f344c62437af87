"""The exports page in a real Chromium: start an export, watch its progress, download it; under the
strict CSP (no violation), with an empty state and managers only."""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path
from unittest import mock

import pytest
from playwright.sync_api import Error as PlaywrightError

from annotations.models import ExportJob, JobStatus
from annotations.services.exports import export_run_execute
from annotations.tasks import export_run_task
from tests.browser.conftest import sign_in
from tests.selectors.test_gold import gold  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener(
  "securitypolicyviolation", (e) => window.__cspViolations.push(e.violatedDirective + " " + e.blockedURI)
);
"""


@pytest.fixture(autouse=True)
def export_root(settings, tmp_path):
    settings.EXPORT_ROOT = tmp_path / "exports"
    return settings.EXPORT_ROOT


def wait_until(page, expression, timeout=15.0):
    """Poll in the page (Playwright's wait_for_function needs eval, which our CSP refuses)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if page.evaluate(expression):
                return
        except PlaywrightError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {expression}")


def no_csp_trouble(page):
    assert page.evaluate("window.__cspViolations") == []
    assert not [e for e in page.console_errors if "Content Security Policy" in e or "Refused" in e], page.console_errors


def test_a_manager_starts_an_export_sees_progress_and_downloads_it(live_server, page, screenshot, project, gold):
    page.add_init_script(CSP_LISTENER)
    sign_in(page, live_server, "manager")
    page.goto(f"{live_server.url}/projects/{project.slug}/")
    page.get_by_role("link", name="Gold exports").click()
    page.wait_for_load_state()
    assert page.url == f"{live_server.url}/projects/{project.slug}/exports/"
    wait_until(page, "document.body.dataset.exportsReady === 'true'")
    assert page.locator("#exports-empty").is_visible() and not page.locator("#exports-table").is_visible()
    assert not page.locator("#export-status").is_visible() and not page.locator("#export-links").is_visible()
    screenshot("exports-empty")

    page.select_option("#export-format", "jsonl")
    with mock.patch.object(export_run_task, "apply_async"):  # the live server is this process: hold the job
        page.get_by_role("button", name="Export").click()
        wait_until(page, "document.getElementById('export-status').dataset.status === 'pending'")
        job = ExportJob.objects.get()
        assert page.locator("#export-start").is_disabled() and not page.locator("#export-links").is_visible()
        ExportJob.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, progress=0.5)
        wait_until(page, "document.getElementById('export-percent').textContent === '50 %'")
        assert page.locator("#export-status-text").inner_text() == f"Export #{job.pk} is being written…"
        screenshot("exports-progress")
        ExportJob.objects.filter(pk=job.pk).update(status=JobStatus.PENDING, progress=0)
        export_run_execute(export_id=job.pk)
    wait_until(page, "document.getElementById('export-status').dataset.status === 'done'")
    job.refresh_from_db()
    assert job.status == JobStatus.DONE
    assert page.locator("#export-sha256").inner_text() == job.sha256 and page.locator("#export-links").is_visible()
    assert page.locator("#export-download").get_attribute("href") == f"{live_server.url}/api/exports/{job.pk}/download/"
    row = page.locator(f'#exports-table tr[data-id="{job.pk}"]')
    assert row.locator("td").nth(2).inner_text() == "Done" and row.locator("td").nth(3).inner_text() == "2"
    assert not page.locator("#export-start").is_disabled()
    screenshot("exports-done")

    with page.expect_download() as info:
        page.click("#export-download")
    download = info.value
    assert download.suggested_filename == f"gold-badia-{job.pk}.jsonl"
    body = Path(download.path()).read_bytes()
    assert hashlib.sha256(body).hexdigest() == job.sha256
    assert [json.loads(line)["id"] for line in body.decode().splitlines()] == [gold["a"].pk, gold["b"].pk]

    # a second export while one is running is refused, and the page follows the running one
    running = ExportJob.objects.create(project=project, format="csv", status=JobStatus.RUNNING, progress=0.25)
    page.select_option("#export-format", "csv")
    page.get_by_role("button", name="Export").click()
    wait_until(page, f"document.getElementById('export-status').dataset.id === '{running.pk}'")
    assert "already running" in page.locator("#export-error").inner_text()
    ExportJob.objects.filter(pk=running.pk).update(status=JobStatus.FAILED, error="The export could not be written: x")
    wait_until(page, "document.getElementById('export-status').dataset.status === 'failed'")
    assert page.dialogs == []
    no_csp_trouble(page)


def test_reloading_the_page_lists_past_exports_with_their_files(live_server, page, screenshot, project, gold):
    job = ExportJob.objects.create(project=project, format="csv")
    export_run_execute(export_id=job.pk)
    job.refresh_from_db()
    page.add_init_script(CSP_LISTENER)
    sign_in(page, live_server, "manager")
    page.goto(f"{live_server.url}/projects/{project.slug}/exports/")
    wait_until(page, "document.body.dataset.exportsReady === 'true'")
    row = page.locator(f'#exports-table tr[data-id="{job.pk}"]')
    assert row.get_by_role("link", name="data").get_attribute("href") == f"/api/exports/{job.pk}/download/"
    assert (
        row.get_by_role("link", name="manifest").get_attribute("href")
        == f"/api/exports/{job.pk}/download/?file=manifest"
    )
    assert row.locator("code").get_attribute("title") == job.sha256
    assert page.locator("#exports-empty").count() == 0 and not page.locator("#export-status").is_visible()
    screenshot("exports-list")
    no_csp_trouble(page)


def test_other_roles_see_no_exports_page(live_server, page, project, gold, reviewer1):
    sign_in(page, live_server, "adjudicator")
    assert page.goto(f"{live_server.url}/projects/{project.slug}/exports/").status == 403
    page.goto(f"{live_server.url}/projects/{project.slug}/")
    assert page.get_by_role("link", name="Gold exports").count() == 0


def test_the_page_sends_the_options_and_offers_one_file_per_split(live_server, page, screenshot, project, gold):
    page.add_init_script(CSP_LISTENER)
    sign_in(page, live_server, "manager")
    page.goto(f"{live_server.url}/projects/{project.slug}/exports/")
    wait_until(page, "document.body.dataset.exportsReady === 'true'")
    # a bad option: the API's field message, nothing created
    page.select_option("#export-format", "conll2003")
    page.fill("#export-splits", "train=0.8,dev=0.3")
    page.get_by_role("button", name="Export").click()
    wait_until(page, "!document.getElementById('export-error').hidden")
    assert page.locator("#export-error").inner_text() == "splits: The fractions add up to 1.1, not 1."
    assert ExportJob.objects.count() == 0

    page.fill("#export-splits", "train=0.5,test=0.5")
    page.check("#export-pseudonymize")
    page.check("#export-utf16")
    with mock.patch.object(export_run_task, "apply_async"):
        page.get_by_role("button", name="Export").click()
        wait_until(page, "document.getElementById('export-status').dataset.status === 'pending'")
        job = ExportJob.objects.get()
        export_run_execute(export_id=job.pk)
    assert job.format == "conll2003" and job.options == {
        "include_majority": False,
        "splits": "train=0.5,test=0.5",
        "split_by_outlet": False,
        "pseudonymize": True,
        "utf16_offsets": True,
        "segment_clitics": False,
        "include_audit": False,
    }
    wait_until(page, "document.getElementById('export-status').dataset.status === 'done'")
    links = page.locator("#export-splits-links a")
    assert links.all_inner_texts() == ["train", "test"]
    assert links.first.get_attribute("href").endswith(f"/api/exports/{job.pk}/download/?file=train")
    row = page.locator(f'#exports-table tr[data-id="{job.pk}"]')
    assert row.get_by_role("link", name="test").count() == 1
    screenshot("exports-splits")
    with page.expect_download() as info:
        links.first.click()
    assert info.value.suggested_filename == f"gold-badia-{job.pk}.train.conll"
    no_csp_trouble(page)
