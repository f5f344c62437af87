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

export async function request(method, url, body) {
  const response = await fetch(url, {
    method,
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken(), Accept: "application/json" },
    credentials: "same-origin",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  const parsed = text ? JSON.parse(text) : null;
  if (!response.ok) throw new RequestError(response.status, parsed);
  return parsed;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

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
