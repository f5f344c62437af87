// Saving the reviewer's work: optimistic changes, retries with backoff, undo.

import { RequestError, request } from "./http.js";
import { data, els, state, table } from "./workspace-state.js";
import { renderSelected, select, spanAdded, spanChanged, spanRemoved } from "./workspace-render.js";

const RETRY_DELAYS_MS = [1000, 2000, 5000, 10000, 20000];

// --- status and messages -------------------------------------------------------------------------

export function showStatus() {
  if (state.failedSaves) {
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

/**
 * Runs a save; network failures and 5xx answers are retried with backoff and shown, never dropped.
 * A 4xx answer is final: it is shown and `onRefused` undoes the optimistic change.
 */
export async function save(run, { onRefused } = {}) {
  state.pendingSaves++;
  showStatus();
  let attempt = 0;
  let failing = false;
  try {
    for (;;) {
      try {
        const result = await run();
        if (failing) state.failedSaves--;
        showMessage("");
        return result;
      } catch (error) {
        const transient = !(error instanceof RequestError) || error.status >= 500 || error.status === 429;
        if (!transient) {
          if (failing) state.failedSaves--;
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
  const optimistic = { id: state.localIds--, start, end, label: labelName, text: table.slice(start, end), version: 0, pending: true };
  state.spans.push(optimistic);
  spanAdded(optimistic);
  // read by bench/workspace_bench.py: hotkey to DOM updated, and to the next frame painted
  window.__lastDrawMs = performance.now() - started;
  requestAnimationFrame(() => { window.__lastFrameMs = performance.now() - started; });
  select(optimistic.id);
  const saved = await save(
    () => request("POST", data.urls.spans, { start, end, label: labelName, quote: optimistic.text }),
    { onRefused: () => { state.spans = state.spans.filter((s) => s !== optimistic); spanRemoved(optimistic); select(null); } },
  );
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
  state.spans = state.spans.filter((s) => s !== span);
  if (state.selectedId === span.id) select(null);
  spanRemoved(span);
  const done = await save(() => request("DELETE", `${data.urls.span}${span.id}/`).then(() => true), {
    onRefused: (error) => { if (error.status !== 404) { state.spans.push(span); spanAdded(span); } },
  });
  if (done && recordUndo) pushUndo({ type: "delete", span: { ...span } });
}

export async function relabelSpan(span, labelName, { recordUndo = true } = {}) {
  if (!state.editable || span.pending || span.label === labelName) return;
  const previous = span.label;
  span.label = labelName;
  span.pending = true;
  spanChanged(span);
  const saved = await save(() => request("PATCH", `${data.urls.span}${span.id}/`, { version: span.version, label: labelName }), {
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
    const created = await createSpan(action.span.start, action.span.end, action.span.label, { recordUndo: false });
    // later undo entries refer to the old id
    if (created) for (const entry of state.undoStack) if (entry.id === action.span.id) entry.id = created.id;
  } else if (action.type === "relabel") {
    const span = state.spans.find((s) => s.id === action.id);
    if (span) await relabelSpan(span, action.label, { recordUndo: false });
  }
}

