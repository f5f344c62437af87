// The reviewer's flow between documents: Skip (with a reason) and, after Submit, the next document
// from the queue, or a clear "queue empty". Kept apart from workspace.js; it listens for the
// "workspace:submitted" event that workspace.js sends once a submit succeeded.
import { request } from "./http.js";

const data = JSON.parse(document.getElementById("workspace-data").textContent);
const text = data.flowText;
const message = document.getElementById("flow-message");

function say(sentence) {
  message.textContent = sentence;
  message.hidden = !sentence;
}

/** Leases the next document and opens it; says so when the queue is empty. */
export async function openNext() {
  say(text.opening);
  const response = await fetch(data.urls.next, {
    method: "POST",
    credentials: "same-origin",
    headers: { "X-CSRFToken": (document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/) || [])[1] || "", Accept: "application/json" },
  });
  if (response.status === 204) {
    say(text.queueEmpty);
    const home = document.createElement("a");
    home.href = data.urls.home;
    home.textContent = text.backHome;
    message.append(" ", home);
    message.classList.add("queue-empty");
    document.body.dataset.queueEmpty = "true";
    return;
  }
  const body = await response.json().catch(() => null);
  if (!response.ok || !body) {
    say(body?.detail || `${response.status}`);
    return;
  }
  window.location.assign(body.workspace_url);
}

const skip = document.getElementById("skip");
const form = document.getElementById("skip-form");
const reason = document.getElementById("skip-reason");

skip?.addEventListener("click", () => {
  form.hidden = false;
  skip.hidden = true;
  reason.focus();
});

document.getElementById("skip-cancel")?.addEventListener("click", () => {
  form.hidden = true;
  skip.hidden = false;
});

form?.addEventListener("submit", async (event) => {
  event.preventDefault();
  if (!reason.value.trim()) { say(text.skipReasonNeeded); return; }
  try {
    await request("POST", data.urls.skip, { reason: reason.value });
  } catch (error) {
    say(error.message);
    return;
  }
  form.hidden = true;
  await openNext();
});

document.addEventListener("workspace:submitted", () => {
  if (skip) skip.hidden = true; // submitted work is not skipped any more
  openNext();
});
