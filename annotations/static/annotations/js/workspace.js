// The annotation workspace: select text, press a label's hotkey, and the span is saved and drawn.
// Offsets sent to the server are code points of the stored text (see textmodel.js). This module wires
// the page's events; workspace-state.js holds the state, workspace-render.js draws it and
// workspace-actions.js saves changes; selection.js turns the browser's selection into offsets.

import { renderOutletGrade } from "./evidence.js";
import { request } from "./http.js";
import { SelectionMode, selectedSpan } from "./selection.js";
import { createSpan, deleteSpan, relabelSpan, replayJournal, save, showMessage, undo } from "./workspace-actions.js";
import { afterNextPaint, calibrateParagraphs, evidenceContext, render, renderLabels, renderSelected, select } from "./workspace-render.js";
import { data, els, hotkeys, snapper, state, table } from "./workspace-state.js";

// --- selection ------------------------------------------------------------------------------------

const selectionMode = new SelectionMode(els.article, els.exact);

/** The current selection as code points [start, end), snapped (selection.js); null if none. */
function selectedRange() {
  return selectedSpan(els.article, table, snapper(), { snapToWords: data.snapToWords, mode: selectionMode });
}

function applyLabel(label) {
  if (!state.editable) return;
  const range = selectedRange();
  if (range) {
    window.getSelection().removeAllRanges();
    createSpan(range[0], range[1], label.name);
    return;
  }
  const span = state.spans.find((s) => s.id === state.selectedId);
  if (span) relabelSpan(span, label.name);
  else showMessage(gettext("Select some text first, then press a label key."));
}

function placeCaretAtStart() {
  const first = els.article.querySelector(".seg")?.firstChild;
  if (first) window.getSelection().collapse(first, 0);
}

els.article.addEventListener("keydown", (event) => {
  if (!event.key.startsWith("Arrow") || event.altKey || event.metaKey) return;
  const selection = window.getSelection();
  if (!selection.rangeCount || !els.article.contains(selection.anchorNode)) placeCaretAtStart();
  const horizontal = { ArrowLeft: "left", ArrowRight: "right", ArrowUp: "backward", ArrowDown: "forward" }[event.key];
  const granularity = event.key === "ArrowUp" || event.key === "ArrowDown" ? "line" : event.ctrlKey ? "word" : "character";
  // Non-editable text has no caret of its own: move or extend the selection ourselves.
  selection.modify(event.shiftKey ? "extend" : "move", horizontal, granularity);
  event.preventDefault();
});

els.article.addEventListener("click", (event) => {
  if (!window.getSelection().isCollapsed) return;
  const seg = event.target.closest?.(".seg");
  if (!seg || !seg.dataset.spans) { select(null); return; }
  // Innermost first; clicking again cycles through the spans that overlap here.
  const here = seg.dataset.spans.split(" ").map(Number)
    .map((id) => state.spans.find((s) => s.id === id)).filter(Boolean)
    .sort((a, b) => (a.end - a.start) - (b.end - b.start) || a.start - b.start);
  const index = here.findIndex((s) => s.id === state.selectedId);
  select(here[(index + 1) % here.length].id);
});

els.list.addEventListener("click", (event) => {
  const item = event.target.closest("li");
  if (item) select(Number(item.dataset.id), { scroll: true });
});

els.list.addEventListener("keydown", (event) => {
  const item = event.target.closest("li");
  if (item && event.key === "Enter") select(Number(item.dataset.id), { scroll: true });
});

document.addEventListener("keydown", (event) => {
  if (event.target.closest?.("input, textarea, select, [contenteditable]")) return;
  if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "z") {
    if (state.editable) { event.preventDefault(); undo(); }
    return;
  }
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  if (event.key === "Escape") { select(null); window.getSelection().removeAllRanges(); return; }
  if ((event.key === "Delete" || event.key === "Backspace") && state.selectedId !== null && state.editable) {
    const span = state.spans.find((s) => s.id === state.selectedId);
    if (span) { event.preventDefault(); deleteSpan(span); }
    return;
  }
  const label = hotkeys.get(event.key);
  if (label && state.editable) {
    event.preventDefault();
    state.lastKeyAt = event.timeStamp;
    applyLabel(label);
  }
});

els.undo?.addEventListener("click", undo);

els.submit?.addEventListener("click", async () => {
  if (state.pendingSaves) { showMessage(gettext("Wait until every change is saved, then submit.")); return; }
  if (!window.confirm(gettext("Submit this document? You cannot change it afterwards."))) return;
  const result = await save(() => request("POST", data.urls.submit, {}));
  if (!result) return;
  state.editable = false;
  document.getElementById("assignment-status").textContent = gettext("Submitted");
  document.getElementById("workspace").classList.add("read-only");
  document.getElementById("read-only-note").hidden = false;
  els.submit.disabled = true;
  if (els.undo) els.undo.disabled = true;
  state.undoStack.length = 0;
  renderLabels(applyLabel);
  renderSelected();
  renderOutletGrade(document.getElementById("outlet-grade-panel"), evidenceContext);
  document.dispatchEvent(new CustomEvent("workspace:submitted")); // workspace-flow.js opens the next one
});

window.addEventListener("beforeunload", (event) => {
  if (state.pendingSaves) event.preventDefault(); // unsaved work: let the browser ask
});

renderLabels(applyLabel);
render();
renderOutletGrade(document.getElementById("outlet-grade-panel"), evidenceContext);
performance.mark("workspace:drawn");
// Ready once the frame drawing the article and its spans is painted (read by tests and bench/workspace_bench.py).
afterNextPaint(() => {
  performance.mark("workspace:ready");
  window.__workspaceReadyAt = performance.now();
  document.body.dataset.workspaceReady = "true";
  calibrateParagraphs();
  // the snapping tables (grapheme clusters, tokens) before the first selection needs them
  if (window.requestIdleCallback) requestIdleCallback(() => snapper(), { timeout: 500 });
  else setTimeout(() => snapper(), 50);
}, null);

// Changes an earlier visit could not save are sent now; the page then reloads to show them as stored.
if (state.editable) replayJournal().then((replayed) => { if (replayed && !state.pendingSaves) location.reload(); });
