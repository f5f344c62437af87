"""The agreement dashboard in a real Chromium: charts under the strict CSP, the heatmap, Recompute."""

import json
import time
from unittest import mock

import pytest
from playwright.sync_api import Error as PlaywrightError

from annotations.models import AgreementRun, JobStatus, Role
from annotations.services.agreement_runs import agreement_run_execute
from annotations.tasks import agreement_run_task
from tests.browser.conftest import ARTIFACTS, sign_in
from tests.factories import DocumentFactory, LabelTypeFactory, MembershipFactory, UserFactory
from tests.services.test_agreement_runs import annotate, annotated, assign, run_now, two_documents  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HOSTILE_LABEL = "<img src=x onerror=alert(1)>"


def wait_until(page, expression, timeout=15.0):
    """Poll in the page (Playwright's wait_for_function needs eval, which our CSP refuses)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if page.evaluate(expression):
                return
        except PlaywrightError:  # the page is navigating (the dashboard reloads itself when a run is done)
            pass
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {expression}")


def console_errors(page):
    """Errors in the console, but the browser's own /favicon.ico request (the site has none)."""
    seen = []
    page.on(
        "console",
        lambda m: m.type == "error" and not m.location.get("url", "").endswith("/favicon.ico") and seen.append(m.text),
    )
    return seen


def page_data(page):
    return json.loads(page.evaluate("document.getElementById('agreement-data').textContent"))


@pytest.fixture
def two_runs(project, annotated, manager, reviewer1, reviewer2):  # noqa: F811
    """Two finished runs: the second after both reviewers also submitted a third document."""
    LabelTypeFactory(project=project, name=HOSTILE_LABEL, hotkey="8", color="#CC79A7")
    third = reviewer_user = UserFactory(username="reviewer3")
    MembershipFactory(project=project, user=reviewer_user, role=Role.REVIEWER)
    project.overlap_k = 3
    project.save()
    first = run_now(project)
    document = DocumentFactory(project=project, text="قصف الطيران مواقع في ريف حلب وقتل 5 مدنيين")
    with mock.patch.object(agreement_run_task, "apply_async"):
        annotate(assign(document, reviewer1), [(0, 3, "actor"), (4, 11, "actor"), (22, 29, "place")])
        annotate(assign(document, reviewer2), [(4, 11, "actor"), (22, 29, "place")])
        annotate(assign(document, third), [(4, 11, "actor"), (18, 29, "place"), (35, 36, "casualty_figure")])
    second = run_now(project)
    assert first.status == second.status == JobStatus.DONE and not second.results["unchanged"]
    return first, second


def test_dashboard_draws_bars_heatmap_and_trend_and_recompute_shows_progress(
    live_server, page, screenshot, project, two_runs
):
    first, second = two_runs
    errors = console_errors(page)
    sign_in(page, live_server, "manager")
    page.goto(f"{live_server.url}/projects/{project.slug}/")
    page.get_by_role("link", name="Agreement dashboard").click()
    page.wait_for_load_state()
    assert page.url == f"{live_server.url}/projects/{project.slug}/agreement/"
    wait_until(page, "document.body.dataset.dashboardReady === 'true'")

    # bars per label, the trend over both runs, drawn by Chart.js (no eval, no inline style)
    bars = page.evaluate("(() => { const c = Chart.getChart('labels-chart'); return c && c.data.labels; })()")
    assert bars[:3] == ["actor", "place", "casualty_figure"] and HOSTILE_LABEL in bars
    trend = page.evaluate("Chart.getChart('trend-chart').data.datasets[0].data")
    assert trend == [
        pytest.approx(first.results["summary"]["token_alpha"]),
        pytest.approx(second.results["summary"]["token_alpha"]),
    ]
    assert page.evaluate("document.getElementById('labels-chart').getBoundingClientRect().height") > 200

    # the heatmap: three reviewers, coloured cells, switchable metric
    heatmap = page.locator("#pair-heatmap")
    assert heatmap.locator("thead th").all_inner_texts()[1:] == ["reviewer1", "reviewer2", "reviewer3"]
    cell = heatmap.locator("td.cell:not(.self)").first
    assert cell.evaluate("el => getComputedStyle(el).backgroundColor") not in ("rgba(0, 0, 0, 0)", "rgb(240, 241, 244)")
    overlap_text = cell.inner_text()
    screenshot("dashboard")
    page.get_by_role("button", name="Token α").click()
    assert page.get_by_role("button", name="Token α").get_attribute("aria-pressed") == "true"
    pair = second.results["pairs"][0]
    assert cell.inner_text() == f"{pair['token_alpha']:.2f}" and overlap_text == f"{pair['overlap_f1']:.2f}"

    # the numbers, and the hostile label kept inert
    summary = page.locator("#summary-table").inner_text()
    assert f"{second.results['project']['token_alpha']:.3f}" in summary
    assert HOSTILE_LABEL in page.locator("#labels-table").inner_text()
    assert page.locator("#csv-link").get_attribute("href") == f"/api/agreement-runs/{second.pk}/results.csv"

    # Recompute: 202, the pending run polled, progress shown, then done and the page shows it
    with mock.patch.object(agreement_run_task, "apply_async"):  # the live server is this process
        page.get_by_role("button", name="Recompute").click()
        wait_until(page, "document.getElementById('run-status').dataset.status === 'pending'")
        run = AgreementRun.objects.get(status=JobStatus.PENDING)
        assert page.locator("#recompute").is_disabled()
        AgreementRun.objects.filter(pk=run.pk).update(status=JobStatus.RUNNING, progress=0.5)
        wait_until(page, "document.getElementById('run-percent').textContent === '50 %'")
        assert page.locator("#run-status-text").inner_text() == f"Run #{run.pk} is running…"
        assert page.evaluate("document.getElementById('run-progress').value") == 0.5
        screenshot("dashboard-progress")
        agreement_run_execute(run_id=run.pk)
        wait_until(page, "document.getElementById('run-status').dataset.status === 'done'")
    page.wait_for_load_state()
    wait_until(page, f"JSON.parse(document.getElementById('agreement-data').textContent).latest?.id === {run.pk}")
    wait_until(page, "document.body.dataset.dashboardReady === 'true'")
    assert page_data(page)["latest"]["unchanged"] is True  # nothing changed since the second run
    assert len(page.evaluate("Chart.getChart('trend-chart').data.labels")) == 3
    assert "nothing had changed" in page.locator(".dash-head .meta").inner_text()

    assert page.dialogs == []
    assert page.evaluate("document.querySelectorAll(\"img[src='x']\").length") == 0
    assert not [e for e in page.console_errors if "Content Security Policy" in e or "Refused" in e], page.console_errors
    assert errors == []


def test_an_empty_project_says_so(live_server, page, screenshot, project, manager):
    errors = console_errors(page)
    sign_in(page, live_server, "manager")
    page.goto(f"{live_server.url}/projects/{project.slug}/agreement/")
    wait_until(page, "document.body.dataset.dashboardReady === 'true'")
    assert page.locator("#empty-state h2").inner_text() == "No submitted work yet"
    assert page.locator("#dashboard").count() == 0
    screenshot("dashboard-empty")
    assert errors == []


def test_reviewers_get_403_on_the_dashboard(live_server, page, project, reviewer1, manager):
    # blind review: the page compares reviewers' labels
    sign_in(page, live_server, "reviewer1")
    response = page.goto(f"{live_server.url}/projects/{project.slug}/agreement/")
    assert response.status == 403
    page.goto(f"{live_server.url}/projects/{project.slug}/")
    assert page.get_by_role("link", name="Agreement dashboard").count() == 0


LEFT_TO_RIGHT_JS = """(id) => {
  const chart = Chart.getChart(id), x = chart.scales.x;
  return chart.data.labels.map((label, i) => [x.getPixelForValue(i), String(label)])
    .sort((a, b) => a[0] - b[0]).map((pair) => pair[1]);
}"""
DIRECTIONS_JS = """['labels-chart', 'trend-chart'].map((id) => {
  const options = Chart.getChart(id).options;
  return [options.scales.y.position, options.plugins.legend.rtl, options.plugins.tooltip.rtl];
})"""


@pytest.mark.parametrize("language", ["ar", "en"])
def test_the_charts_read_right_to_left_in_arabic(live_server, browser, project, two_runs, language):
    """In Arabic the labels and the runs are drawn from the right, the value axis is on the right and its
    title is Arabic; in English they stay left to right."""
    from tests.browser.test_i18n import new_page

    page = new_page(browser, language)
    sign_in(page, live_server, "manager")
    page.goto(f"{live_server.url}/projects/{project.slug}/agreement/")
    wait_until(page, "document.body.dataset.dashboardReady === 'true'")
    rtl = language == "ar"
    data = json.loads(page.evaluate("document.getElementById('agreement-data').textContent"))
    bars = [row["label"] for row in data["latest"]["labels"]]
    runs = [f"#{point['id']}" for point in data["trend"]]
    assert len(bars) >= 3 and len(runs) == 2
    drawn_bars = page.evaluate(LEFT_TO_RIGHT_JS, "labels-chart")
    drawn_runs = [label.split(",")[0] for label in page.evaluate(LEFT_TO_RIGHT_JS, "trend-chart")]
    assert (drawn_bars, drawn_runs) == ((bars[::-1], runs[::-1]) if rtl else (bars, runs))
    assert page.evaluate(DIRECTIONS_JS) == [["right" if rtl else "left", rtl, rtl]] * 2
    title = page.evaluate("Chart.getChart('labels-chart').options.scales.y.title.text")
    assert title == ("الاتفاق" if rtl else "agreement")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"dashboard-{language}.png"))
    assert page.console_errors == []
    page.context.close()
