// The exports page: start an export (POST to the API), poll its progress, then offer its files.
// Data comes only from the page's json_script block; requests carry the CSRF token from the cookie.
import { pollJob, request, RequestError } from "./http.js";

const data = JSON.parse(document.getElementById("exports-data").textContent);
const POLL_MS = 500;

const form = document.getElementById("export-form");
const button = document.getElementById("export-start");
const statusBox = document.getElementById("export-status");
const statusText = document.getElementById("export-status-text");
const progressBar = document.getElementById("export-progress");
const percentText = document.getElementById("export-percent");
const links = document.getElementById("export-links");
const errorBox = document.getElementById("export-error");

const detailUrl = (id) => data.detail.replace(/\/0\/$/, `/${id}/`);

function showError(message) {
  errorBox.textContent = message || "";
  errorBox.hidden = !message;
}

function showExport(job) {
  statusBox.hidden = false;
  statusBox.dataset.status = job.status;
  statusBox.dataset.id = String(job.id);
  const progress = job.status === "done" ? 1 : Number(job.progress) || 0;
  progressBar.value = progress;
  percentText.textContent = `${Math.round(progress * 100)} %`;
  statusText.textContent = {
    pending: interpolate(gettext("Export #%s is waiting for a worker…"), [job.id]),
    running: interpolate(gettext("Export #%s is being written…"), [job.id]),
    done: interpolate(gettext("Export #%s is ready."), [job.id]),
    failed: interpolate(gettext("Export #%s failed."), [job.id]),
  }[job.status] || job.status;
  if (job.status === "done" && job.download_url) {
    document.getElementById("export-download").href = job.download_url;
    document.getElementById("export-manifest").href = job.manifest_url;
    document.getElementById("export-card").href = job.card_url;
    document.getElementById("export-sha256").textContent = job.sha256;
    const splitLinks = document.getElementById("export-splits-links");
    splitLinks.replaceChildren();
    for (const [name, url] of Object.entries(job.split_urls || {})) splitLinks.append(" · ", link(url, name));
    links.hidden = false;
  } else {
    links.hidden = true;
  }
  if (job.status === "failed") showError(job.error || gettext("The export failed."));
}

function cell(row, text) {
  const td = document.createElement("td");
  td.textContent = text;
  row.append(td);
  return td;
}

function link(href, text) {
  const a = document.createElement("a");
  a.href = href;
  a.textContent = text;
  return a;
}

// The finished (or failed) export joins the list without a reload.
function listExport(job) {
  const table = document.getElementById("exports-table");
  const body = table.tBodies[0];
  let row = body.querySelector(`tr[data-id="${job.id}"]`);
  if (!row) {
    row = document.createElement("tr");
    body.prepend(row);
  }
  row.replaceChildren();
  row.dataset.id = String(job.id);
  row.dataset.status = job.status;
  const counts = job.counts || {};
  cell(row, String(job.id));
  cell(row, job.format + (job.include_majority ? " " + gettext("+ majority") : ""));
  cell(row, { pending: gettext("Pending"), running: gettext("Running"), done: gettext("Done"), failed: gettext("Failed") }[job.status] ?? job.status);
  for (const key of ["documents", "spans", "claim_links", "ratings"]) cell(row, counts[key] ?? "—");
  const sha = cell(row, "");
  sha.className = "sha";
  if (job.sha256) {
    const code = document.createElement("code");
    code.textContent = job.sha256.slice(0, 16) + "…";
    code.title = job.sha256;
    sha.append(code);
  } else sha.textContent = "—";
  const files = cell(row, "");
  if (job.download_url) {
    files.append(link(job.download_url, gettext("data")));
    for (const [name, url] of Object.entries(job.split_urls || {})) files.append(" · ", link(url, name));
    files.append(" · ", link(job.manifest_url, gettext("manifest")), " · ", link(job.card_url, gettext("card")));
  } else files.textContent = "—";
  table.hidden = false;
  const empty = document.getElementById("exports-empty");
  if (empty) empty.hidden = true;
}

async function follow(id) {
  button.disabled = true;
  try {
    const job = await pollJob(detailUrl(id), { onUpdate: showExport, intervalMs: POLL_MS });
    listExport(job);
    return job;
  } catch (error) {
    showError(error instanceof RequestError ? error.message : interpolate(gettext("Could not follow the export: %s"), [error.message]));
    return null;
  } finally {
    button.disabled = false;
  }
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  showError("");
  links.hidden = true;
  const splits = document.getElementById("export-splits").value.trim();
  const body = {
    format: document.getElementById("export-format").value,
    include_majority: document.getElementById("export-majority").checked,
    split_by_outlet: document.getElementById("export-split-by-outlet").checked,
    pseudonymize: document.getElementById("export-pseudonymize").checked,
    utf16_offsets: document.getElementById("export-utf16").checked,
  };
  if (splits) body.splits = splits;
  button.disabled = true;
  let id;
  try {
    const created = await request("POST", data.api, body);
    id = created.id;
    showExport({ ...created, progress: 0 });
  } catch (error) {
    button.disabled = false;
    if (error instanceof RequestError && error.status === 409 && error.body && error.body.id) {
      showError(`${error.message} ${interpolate(gettext("Following export #%s."), [error.body.id])}`);
      id = error.body.id;
    } else {
      showError(error instanceof RequestError ? error.message : interpolate(gettext("The export could not be started: %s"), [error.message]));
      return;
    }
  }
  await follow(id);
});

// An export still running when the page was opened is followed at once.
const inFlight = document.querySelector('#exports-table tr[data-status="pending"], #exports-table tr[data-status="running"]');
if (inFlight) follow(Number(inFlight.dataset.id));
document.body.dataset.exportsReady = "true";
