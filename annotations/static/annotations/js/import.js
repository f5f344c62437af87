// The upload page: POST the file (multipart) to the import API, follow the job, show the bad lines.
import { csrfToken, errorText, pollJob } from "./http.js";

const data = JSON.parse(document.getElementById("import-data").textContent);
const text = data.text;
const form = document.getElementById("import-form");
const fileInput = document.getElementById("import-file");
const statusBox = document.getElementById("import-status");
const statusText = document.getElementById("import-status-text");
const progress = document.getElementById("import-progress");
const percent = document.getElementById("import-percent");
const counts = document.getElementById("import-counts");
const errorBox = document.getElementById("import-error");
const errorTable = document.getElementById("import-errors");
const button = document.getElementById("import-start");

function showStatus(job) {
  statusBox.hidden = false;
  statusText.textContent = text[job.status] || job.status;
  progress.value = job.progress;
  percent.textContent = `${Math.round(job.progress * 100)}%`;
}

function showErrors(errors) {
  const body = errorTable.querySelector("tbody");
  body.replaceChildren();
  for (const error of errors) {
    const row = document.createElement("tr");
    const line = document.createElement("td");
    line.textContent = error.line ?? "—";
    const message = document.createElement("td");
    message.textContent = error.message;
    message.dir = "auto";
    row.append(line, message);
    body.append(row);
  }
  errorTable.hidden = errors.length === 0;
}

function showCounts(job) {
  const c = job.counts || {};
  counts.textContent = text.counts
    .replace("%(imported)s", c.imported ?? 0)
    .replace("%(duplicates)s", c.duplicates ?? 0)
    .replace("%(predictions)s", c.predictions ?? 0);
  counts.hidden = job.status !== "done";
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  errorBox.hidden = true;
  showErrors([]);
  counts.hidden = true;
  const file = fileInput.files[0];
  if (!file) {
    errorBox.textContent = text.choose;
    errorBox.hidden = false;
    return;
  }
  button.disabled = true;
  showStatus({ status: "uploading", progress: 0 });
  try {
    const body = new FormData();
    body.append("file", file);
    const response = await fetch(data.api, {
      method: "POST",
      body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
    });
    const answer = await response.json().catch(() => null);
    if (!response.ok) throw new Error(errorText(answer, response.status));
    const job = await pollJob(data.detail.replace("/0/", `/${answer.id}/`), { onUpdate: showStatus, intervalMs: 500 });
    showStatus(job);
    showCounts(job);
    if (job.status === "failed") {
      errorBox.textContent = job.error || text.failed;
      errorBox.hidden = false;
      showErrors(job.errors || []);
    }
  } catch (error) {
    statusBox.hidden = true;
    errorBox.textContent = error.message;
    errorBox.hidden = false;
  } finally {
    button.disabled = false;
  }
});
