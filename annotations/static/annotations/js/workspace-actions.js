// Saving the reviewer's work: optimistic changes, retries with backoff, undo.

import { RequestError, isSessionError, newIdempotencyKey, request, sessionRestored, showSessionNotice } from "./http.js";
import { data, els, state, table } from "./workspace-state.js";
import { afterNextPaint, renderSelected, select, spanAdded, spanChanged, spanRemoved } from "./workspace-render.js";

const RETRY_DELAYS_MS = [1000, 2000, 5000, 10000, 20000];

// --- status and messages -------------------------------------------------------------------------

export function showStatus() {
  if (state.sessionLost) {
    els.status.textContent = interpolate(gettext("Not saved: your session ended (%s change(s) waiting)"), [state.pendingSaves]);
    els.status.className = "save-status failed";
  } else if (state.failedSaves) {
    els.status.textContent = interpolate(gettext("Not saved: changes failing: %s; retrying…"), [state.failedSaves]);
    els.status.className = "save-status failed";
  } else if (state.pendingSaves) {
    els.status.textContent = gettext("Saving…");
    els.status.className = "save-status saving";
  } else {
    els.status.textContent = gettext("All changes saved");
    els.status.className = "save-status saved";
  }
}

export function showMessage(text) {
  els.message.textContent = text;
  els.message.hidden = !text;
}

// --- saving ----------------------------------------------------------------------------------------

// --- the journal: unsaved changes survive a reload (localStorage) until the server has them ------------

const JOURNAL = `workbench-unsaved-${data.assignment.id}`;

function journal() {
  try {
    return JSON.parse(localStorage.getItem(JOURNAL) || "[]");
  } catch {
    return [];
  }
}

function writeJournal(entries) {
  try {
    if (entries.length) localStorage.setItem(JOURNAL, JSON.stringify(entries));
    else localStorage.removeItem(JOURNAL);
  } catch {
    // private mode or a full quota: the in-memory queue still holds the change
  }
}

/** Sends the journal's entry `entry` (method, url, body, key) with the same Idempotency-Key as before. */
const send = (entry) => request(entry.method, entry.url, entry.body, { idempotencyKey: entry.key });

/** On load: what an earlier page could not save (a reload while signed out, a closed laptop) is sent now. */
export async function replayJournal() {
  const entries = journal();
  if (!entries.length) return false;
  for (const entry of entries) await save(() => send(entry), { entry });
  return true;
}

/**
 * Runs a save; network failures and 5xx answers are retried with backoff and shown, never dropped.
 * An ended session (401, or 403 for missing credentials or a stale CSRF token) keeps the change queued,
 * in memory and in the journal, shows "sign in again", and retries once the session works again.
 * Any other 4xx answer is final: it is shown and `onRefused` undoes the optimistic change.
 */
export async function save(run, { onRefused, entry } = {}) {
  state.pendingSaves++;
  showStatus();
  let attempt = 0;
  let failing = false;
  if (entry && !journal().some((e) => e.key === entry.key)) writeJournal([...journal(), entry]);
  const forget = () => { if (entry) writeJournal(journal().filter((e) => e.key !== entry.key)); };
  try {
    for (;;) {
      try {
        const result = await run();
        if (failing) state.failedSaves--;
        forget();
        showMessage("");
        return result;
      } catch (error) {
        if (isSessionError(error)) {
          state.sessionLost = true;
          showStatus();
          showSessionNotice(els.session, true);
          await sessionRestored();
          state.sessionLost = false;
          showSessionNotice(els.session, false);
          continue; // the same request again, with the same Idempotency-Key
        }
        const transient = !(error instanceof RequestError) || error.status >= 500 || error.status === 429;
        if (!transient) {
          if (failing) state.failedSaves--;
          forget();
          showMessage(error.message);
          onRefused?.(error);
          return null;
        }
        if (!failing) { failing = true; state.failedSaves++; }
        showStatus();
        const delay = RETRY_DELAYS_MS[Math.min(attempt++, RETRY_DELAYS_MS.length - 1)];
        showMessage(interpolate(gettext("Could not save (%(error)s); retrying in %(seconds)s s. Keep this page open."), { error: error.message, seconds: Math.round(delay / 1000) }, true));
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  } finally {
    state.pendingSaves--;
    showStatus();
  }
}

function pushUndo(action) {
  state.undoStack.push(action);
  if (els.undo) els.undo.disabled = state.undoStack.length === 0;
}

export async function createSpan(start, end, labelName, { recordUndo = true } = {}) {
  const started = state.lastKeyAt ?? performance.now();
  state.lastKeyAt = null;
  // read by bench/workspace_bench.py: from the key to the span in the DOM, to the next frame's start
  // (requestAnimationFrame) and to the end of that frame's style, layout and paint (asked for first, so
  // that the work deferred to after the frame below is not counted in the frame)
  requestAnimationFrame(() => { window.__lastFrameMs = performance.now() - started; });
  afterNextPaint(() => { window.__lastPaintMs = performance.now() - started; }, null);
  const optimistic = { id: state.localIds--, start, end, label: labelName, text: table.slice(start, end), version: 0, pending: true };
  state.spans.push(optimistic);
  // drawn now; the list and the selected span's panel after the frame that shows it
  spanAdded(optimistic, { later: true });
  select(optimistic.id, { later: true });
  window.__lastDrawMs = performance.now() - started;
  const entry = {
    method: "POST",
    url: data.urls.spans,
    body: { start, end, label: labelName, quote: optimistic.text },
    key: newIdempotencyKey(),
  };
  // Sent (and journaled) once the frame that shows the span is painted: the request costs that frame nothing.
  // The change counts as unsaved from the key on (leaving the page asks); the status line says "Saving…"
  // from that frame's end (save() below), so its text, layout and paint are not in the key's frame either.
  state.pendingSaves++;
  await new Promise((resolve) => afterNextPaint(resolve));
  state.pendingSaves--; // save() counts it from here on
  const saved = await save(() => send(entry), {
    entry,
    onRefused: () => { state.spans = state.spans.filter((s) => s !== optimistic); spanRemoved(optimistic); select(null); },
  });
  if (!saved) return null;
  const localId = optimistic.id;
  Object.assign(optimistic, saved, { pending: false });
  if (state.selectedId === localId) state.selectedId = saved.id;
  spanChanged(optimistic, localId);
  renderSelected();
  if (recordUndo) pushUndo({ type: "create", id: saved.id });
  return optimistic;
}


export async function deleteSpan(span, { recordUndo = true } = {}) {
  if (!state.editable || span.pending) return;
  // a span carrying claim links or a grade is deleted with them (undo brings all back): ask first
  const grades = (state.ratings ?? []).filter((r) => r.span === span.id);
  if (recordUndo && ((span.claim_links ?? []).length || grades.length)
      && !window.confirm(gettext("This span has claim links or a grade. Delete it with them? Undo brings them back."))) return;
  state.spans = state.spans.filter((s) => s !== span);
  if (state.selectedId === span.id) select(null);
  spanRemoved(span);
  const entry = { method: "DELETE", url: `${data.urls.span}${span.id}/`, key: newIdempotencyKey() };
  const done = await save(() => send(entry).then(() => true), {
    entry,
    onRefused: (error) => { if (error.status !== 404) { state.spans.push(span); spanAdded(span); } },
  });
  if (done) state.ratings = (state.ratings ?? []).filter((r) => r.span !== span.id);
  if (done && recordUndo) pushUndo({ type: "delete", span: { ...span } });
}

export async function relabelSpan(span, labelName, { recordUndo = true } = {}) {
  if (!state.editable || span.pending || span.label === labelName) return;
  const previous = span.label;
  span.label = labelName;
  span.pending = true;
  spanChanged(span);
  const entry = {
    method: "PATCH",
    url: `${data.urls.span}${span.id}/`,
    body: { version: span.version, label: labelName },
    key: newIdempotencyKey(),
  };
  const saved = await save(() => send(entry), {
    entry,
    onRefused: () => { span.label = previous; span.pending = false; spanChanged(span); },
  });
  if (!saved) return;
  Object.assign(span, saved, { pending: false });
  spanChanged(span);
  renderSelected();
  if (recordUndo) pushUndo({ type: "relabel", id: span.id, label: previous });
}

export async function undo() {
  const action = state.undoStack.pop();
  if (els.undo) els.undo.disabled = state.undoStack.length === 0;
  if (!action) return;
  if (action.type === "create") {
    const span = state.spans.find((s) => s.id === action.id);
    if (span) await deleteSpan(span, { recordUndo: false });
  } else if (action.type === "delete") {
    // the same span (same id) comes back with its claim links and grade
    const restored = await save(() => request("POST", `${data.urls.span}${action.span.id}/restore/`));
    if (!restored) return;
    const { ratings, ...span } = restored;
    state.spans.push(span);
    state.ratings = [...(state.ratings ?? []).filter((r) => r.span !== span.id), ...ratings];
    spanAdded(span);
    select(span.id);
  } else if (action.type === "relabel") {
    const span = state.spans.find((s) => s.id === action.id);
    if (span) await relabelSpan(span, action.label, { recordUndo: false });
  }
}

