// JSON requests to our own API with the session's CSRF token, and small shared helpers.

export function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

/** A readable sentence from a DRF error body: `detail`, or the field messages. */
export function errorText(body, status) {
  if (!body || typeof body !== "object") return interpolate(gettext("The server answered %s."), [status]);
  if (body.detail) return body.detail;
  return Object.entries(body).map(([field, messages]) => `${field}: ${[].concat(messages).join(" ")}`).join(" ");
}

export class RequestError extends Error {
  constructor(status, body) {
    super(errorText(body, status));
    this.status = status;
    this.body = body;
  }
}

/**
 * One JSON request. `idempotencyKey` (send one with every create, and the same one with its retries)
 * makes the server answer a repeat with the first response instead of doing the work twice.
 */
export async function request(method, url, body, { idempotencyKey } = {}) {
  const headers = { "Content-Type": "application/json", "X-CSRFToken": csrfToken(), Accept: "application/json" };
  if (idempotencyKey) headers["Idempotency-Key"] = idempotencyKey;
  const response = await fetch(url, {
    method,
    headers,
    credentials: "same-origin",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  const parsed = text ? JSON.parse(text) : null;
  if (!response.ok) throw new RequestError(response.status, parsed);
  return parsed;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export function newIdempotencyKey() {
  return crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(16).slice(2)}`;
}

/** The session ended (cookie gone or expired) or its CSRF token went stale: sign in again, then retry. */
export function isSessionError(error) {
  if (!(error instanceof RequestError)) return false;
  return error.status === 401 || (error.status === 403 && /credentials|CSRF|authenticat/i.test(error.message));
}

/** Resolves once requests are signed in again (the reviewer signed in, usually in another tab). */
export async function sessionRestored(probeUrl = "/api/projects/", intervalMs = 1500) {
  for (;;) {
    try {
      await request("GET", probeUrl);
      return;
    } catch (error) {
      if (!isSessionError(error) && !(error instanceof TypeError)) return; // signed in; another answer
    }
    await sleep(intervalMs);
  }
}

/** Shows (or hides) the "sign in again" notice inside `element`, with a link opening sign-in in a new tab. */
export function showSessionNotice(element, visible) {
  if (!element) return;
  element.hidden = !visible;
  if (!visible) return;
  element.replaceChildren();
  element.append(gettext("Your session ended — sign in again. Your unsaved changes are kept and will be saved."), " ");
  const link = document.createElement("a");
  link.href = `/accounts/login/?next=${encodeURIComponent(location.pathname)}`;
  link.target = "_blank";
  link.rel = "noopener";
  link.textContent = gettext("Sign in (opens a new tab)");
  element.append(link);
}

/**
 * Follows a background job (an agreement run, an export) until it is done or failed: GETs `url`
 * every `intervalMs`, hands each answer to `onUpdate(job)`, and resolves with the finished job.
 * A read that fails rejects, unless `onError(error)` is given: it is told, and the read is retried
 * after `retryMs` (a worker restart or a dropped connection should not end the page's watch).
 */
export async function pollJob(url, { onUpdate, onError, intervalMs = 1000, retryMs = intervalMs * 3 } = {}) {
  for (;;) {
    let job;
    try {
      job = await request("GET", url);
    } catch (error) {
      if (!onError) throw error;
      onError(error);
      await sleep(retryMs);
      continue;
    }
    if (onUpdate) onUpdate(job);
    if (job.status === "done" || job.status === "failed") return job;
    await sleep(intervalMs);
  }
}

export function hexToRgba(hex, alpha) {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}
