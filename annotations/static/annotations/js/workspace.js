// The annotation workspace: select text, press a label's hotkey, and the span is saved and drawn.
// Offsets sent to the server are code points of the stored text (see textmodel.js).

import { renderOutletGrade, renderSpanEvidence } from "./evidence.js";
import { RequestError, hexToRgba, request } from "./http.js";
import { OffsetTable, Snapper, assignLanes, segments } from "./textmodel.js";

const data = JSON.parse(document.getElementById("workspace-data").textContent);
const article = document.getElementById("article");
const listEl = document.getElementById("span-list");
const statusEl = document.getElementById("save-status");
const messageEl = document.getElementById("message");
const selectedEl = document.getElementById("selected-span");
const undoButton = document.getElementById("undo");
const submitButton = document.getElementById("submit");

const table = new OffsetTable(data.document.text);
const snapper = new Snapper(table);
const labels = data.labels;
const labelByName = new Map(labels.map((label) => [label.name, label]));
const hotkeys = new Map();
labels.forEach((label, index) => {
  if (index < 9) hotkeys.set(String(index + 1), label);
  if (label.hotkey && !hotkeys.has(label.hotkey)) hotkeys.set(label.hotkey, label);
});

const LANE_PX = 4;
const RETRY_DELAYS_MS = [1000, 2000, 5000, 10000, 20000];

let editable = data.assignment.editable;
let spans = data.spans.map((span) => ({ ...span }));
let selectedId = null;
let localIds = -1; // ids for spans not yet saved
const undoStack = [];
let pendingSaves = 0;
let failedSaves = 0;
let segmentEls = [];
let lastKeyAt = null; // event time of the last label hotkey, for the draw-time figure

function colorOf(span) {
  return labelByName.get(span.label)?.color ?? "#777777";
}

// --- drawing -------------------------------------------------------------------------------------
// The article is cut into segments at span boundaries (textmodel.segments). A change redraws only the
// segments under the changed span, and lanes are kept for spans that did not move, so a hotkey costs
// the same on a 20,000-character article with 2,000 spans as on a short one.

let lanes = new Map(); // span id -> underline lane

function laneFor(span) {
  const used = new Set();
  for (const other of spans) {
    if (other !== span && other.start < span.end && span.start < other.end && lanes.has(other.id)) used.add(lanes.get(other.id));
  }
  let lane = 0;
  while (used.has(lane)) lane++;
  return lane;
}

function updateLaneDepth() {
  article.style.setProperty("--lanes", String(Math.max(0, ...lanes.values()) + 1));
}

function coversSelected(covering) {
  return selectedId !== null && covering.some((span) => span.id === selectedId);
}

function makeSegment(segment) {
  const el = document.createElement("span");
  el.className = "seg";
  el.dataset.start = segment.start;
  el.textContent = table.slice(segment.start, segment.end);
  if (segment.spans.length) {
    const covering = [...segment.spans].sort((a, b) => lanes.get(a.id) - lanes.get(b.id));
    const innermost = covering.reduce((a, b) => (b.end - b.start < a.end - a.start ? b : a));
    el.classList.add("marked");
    el.style.backgroundColor = hexToRgba(colorOf(innermost), 0.16);
    el.style.boxShadow = covering
      .map((span) => `0 ${(lanes.get(span.id) + 1) * LANE_PX}px 0 0 ${colorOf(span)}`)
      .join(", ");
    el.dataset.spans = covering.map((span) => span.id).join(" ");
    if (covering.some((span) => span.pending)) el.classList.add("pending");
    if (coversSelected(covering)) el.classList.add("selected");
  }
  return el;
}

function render() {
  lanes = assignLanes(spans);
  segmentEls = segments(table.length, spans).map(makeSegment);
  updateLaneDepth();
  article.replaceChildren(...segmentEls);
  renderList();
}

/** Index of the last segment starting at or before `offset`. */
function segmentIndex(offset) {
  let lo = 0, hi = segmentEls.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (Number(segmentEls[mid].dataset.start) <= offset) lo = mid; else hi = mid - 1;
  }
  return lo;
}

/** Redraws the segments over [start, end) from the current spans. */
function redraw(start, end) {
  const first = segmentIndex(start);
  const last = segmentIndex(Math.max(start, end - 1));
  const from = Number(segmentEls[first].dataset.start);
  const to = last + 1 < segmentEls.length ? Number(segmentEls[last + 1].dataset.start) : table.length;
  const inside = spans.filter((span) => span.start < to && from < span.end);
  const clipped = inside.map((span) => ({ span, start: Math.max(span.start, from), end: Math.min(span.end, to) }));
  const fresh = segments(to - from, clipped.map((c) => ({ ...c, start: c.start - from, end: c.end - from })))
    .map((segment) => makeSegment({
      start: segment.start + from,
      end: segment.end + from,
      spans: segment.spans.map((c) => c.span),
    }));
  const next = segmentEls[last + 1] ?? null;
  for (let i = first; i <= last; i++) segmentEls[i].remove();
  for (const el of fresh) article.insertBefore(el, next);
  segmentEls.splice(first, last - first + 1, ...fresh);
}

function segmentsOf(span) {
  if (!segmentEls.length) return [];
  return segmentEls.slice(segmentIndex(span.start), segmentIndex(Math.max(span.start, span.end - 1)) + 1);
}

function spanAdded(span) {
  lanes.set(span.id, laneFor(span));
  updateLaneDepth();
  redraw(span.start, span.end);
  insertListItem(span);
}

function spanRemoved(span) {
  lanes.delete(span.id);
  redraw(span.start, span.end);
  listItem(span.id)?.remove();
  updateCount();
}

function spanChanged(span, previousId = span.id) {
  if (previousId !== span.id) {
    lanes.set(span.id, lanes.get(previousId));
    lanes.delete(previousId);
    listItem(previousId)?.remove();
    insertListItem(span);
  } else {
    listItem(span.id)?.replaceWith(makeListItem(span));
  }
  redraw(span.start, span.end);
}

function listItem(id) {
  return listEl.querySelector(`li[data-id="${id}"]`);
}

function makeListItem(span) {
  const li = document.createElement("li");
  li.dataset.id = span.id;
  li.dataset.start = span.start;
  li.dataset.end = span.end;
  li.className = "span-item" + (span.id === selectedId ? " selected" : "") + (span.pending ? " pending" : "");
  li.tabIndex = 0;
  const chip = document.createElement("span");
  chip.className = "chip";
  chip.style.backgroundColor = colorOf(span);
  const name = document.createElement("span");
  name.className = "span-label";
  const label = labelByName.get(span.label);
  name.textContent = label?.name_ar ? `${label.name} · ${label.name_ar}` : span.label;
  const quote = document.createElement("bdi");
  quote.className = "span-text";
  quote.dir = "rtl";
  quote.lang = "ar";
  quote.textContent = span.text;
  const where = document.createElement("span");
  where.className = "span-where";
  where.textContent = `${span.start}–${span.end}`;
  li.append(chip, name, quote, where);
  return li;
}

function updateCount() {
  document.getElementById("span-count").textContent = `(${spans.length})`;
}

function insertListItem(span) {
  // reading order: by start, then end
  const before = [...listEl.children].find((li) => {
    const start = Number(li.dataset.start), end = Number(li.dataset.end);
    return start > span.start || (start === span.start && end > span.end);
  });
  listEl.insertBefore(makeListItem(span), before ?? null);
  updateCount();
}

function renderList() {
  const ordered = [...spans].sort((a, b) => a.start - b.start || a.end - b.end || a.id - b.id);
  listEl.replaceChildren(...ordered.map(makeListItem));
  updateCount();
  renderSelected();
}

function renderSelected() {
  const span = spans.find((s) => s.id === selectedId);
  selectedEl.hidden = !span;
  if (!span) return;
  const label = labelByName.get(span.label);
  selectedEl.replaceChildren();
  const title = document.createElement("div");
  const quote = document.createElement("bdi");
  quote.dir = "rtl";
  quote.textContent = span.text;
  title.append(`Selected: ${label ? label.name : span.label} `, quote);
  selectedEl.append(title);
  if (editable) {
    const hint = document.createElement("div");
    hint.className = "hint";
    hint.textContent = "Press a label key to relabel, Delete to remove.";
    const remove = document.createElement("button");
    remove.type = "button";
    remove.id = "delete-span";
    remove.textContent = "Delete span";
    remove.addEventListener("click", () => deleteSpan(span));
    selectedEl.append(hint, remove);
  }
  const evidence = document.createElement("div");
  evidence.className = "evidence";
  selectedEl.append(evidence);
  renderSpanEvidence(evidence, span, evidenceContext);
}

let ratings = data.ratings.map((rating) => ({ ...rating }));
const evidenceContext = {
  urls: data.urls,
  editable: () => editable,
  get ratings() { return ratings; },
  setRating(rating) { ratings = [...ratings.filter((r) => r.id !== rating.id && r.span !== rating.span), rating]; },
  request: (...args) => request(...args),
  save: (...args) => save(...args),
  message: (text) => showMessage(text),
};

function renderLabels() {
  const bar = document.getElementById("labels");
  const buttons = labels.map((label, index) => {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "label-button";
    button.dataset.label = label.name;
    button.disabled = !editable;
    const key = document.createElement("kbd");
    key.textContent = index < 9 ? String(index + 1) : label.hotkey || "";
    const chip = document.createElement("span");
    chip.className = "chip";
    chip.style.backgroundColor = label.color;
    const name = document.createElement("span");
    name.textContent = label.name;
    const arabic = document.createElement("bdi");
    arabic.lang = "ar";
    arabic.textContent = label.name_ar;
    button.append(key, chip, name, arabic);
    // mousedown would clear the text selection before the click arrives
    button.addEventListener("mousedown", (event) => event.preventDefault());
    button.addEventListener("click", () => applyLabel(label));
    return button;
  });
  bar.replaceChildren(...buttons);
}

function flash(id) {
  const span = spans.find((s) => s.id === id);
  for (const el of span ? segmentsOf(span) : []) {
    if (el.dataset.spans && el.dataset.spans.split(" ").includes(String(id))) {
      el.classList.remove("flash");
      void el.offsetWidth; // restart the animation
      el.classList.add("flash");
    }
  }
}

function select(id, { scroll = false } = {}) {
  const previous = spans.find((s) => s.id === selectedId);
  selectedId = id;
  const current = spans.find((s) => s.id === id);
  for (const span of [previous, current]) {
    if (!span) continue;
    for (const el of segmentsOf(span)) {
      el.classList.toggle("selected", !!el.dataset.spans && current !== undefined && el.dataset.spans.split(" ").includes(String(id)));
    }
  }
  listEl.querySelector("li.selected")?.classList.remove("selected");
  if (current) listItem(id)?.classList.add("selected");
  renderSelected();
  if (scroll && current) {
    segmentsOf(current).find((el) => el.dataset.spans)?.scrollIntoView({ block: "center", behavior: "smooth" });
    flash(id);
  }
}

// --- status and messages -------------------------------------------------------------------------

function showStatus() {
  if (failedSaves) {
    statusEl.textContent = `Not saved: ${failedSaves} change(s) failing, retrying…`;
    statusEl.className = "save-status failed";
  } else if (pendingSaves) {
    statusEl.textContent = "Saving…";
    statusEl.className = "save-status saving";
  } else {
    statusEl.textContent = "All changes saved";
    statusEl.className = "save-status saved";
  }
}

function showMessage(text) {
  messageEl.textContent = text;
  messageEl.hidden = !text;
}

// --- saving ----------------------------------------------------------------------------------------

/**
 * Runs a save; network failures and 5xx answers are retried with backoff and shown, never dropped.
 * A 4xx answer is final: it is shown and `onRefused` undoes the optimistic change.
 */
async function save(run, { onRefused } = {}) {
  pendingSaves++;
  showStatus();
  let attempt = 0;
  let failing = false;
  try {
    for (;;) {
      try {
        const result = await run();
        if (failing) failedSaves--;
        showMessage("");
        return result;
      } catch (error) {
        const transient = !(error instanceof RequestError) || error.status >= 500 || error.status === 429;
        if (!transient) {
          if (failing) failedSaves--;
          showMessage(error.message);
          onRefused?.(error);
          return null;
        }
        if (!failing) { failing = true; failedSaves++; }
        showStatus();
        const delay = RETRY_DELAYS_MS[Math.min(attempt++, RETRY_DELAYS_MS.length - 1)];
        showMessage(`Could not save (${error.message}); retrying in ${Math.round(delay / 1000)} s. Keep this page open.`);
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  } finally {
    pendingSaves--;
    showStatus();
  }
}

function pushUndo(action) {
  undoStack.push(action);
  if (undoButton) undoButton.disabled = undoStack.length === 0;
}

async function createSpan(start, end, labelName, { recordUndo = true } = {}) {
  const started = lastKeyAt ?? performance.now();
  lastKeyAt = null;
  const optimistic = { id: localIds--, start, end, label: labelName, text: table.slice(start, end), version: 0, pending: true };
  spans.push(optimistic);
  spanAdded(optimistic);
  // read by bench/workspace_bench.py: hotkey to DOM updated, and to the next frame painted
  window.__lastDrawMs = performance.now() - started;
  requestAnimationFrame(() => { window.__lastFrameMs = performance.now() - started; });
  select(optimistic.id);
  const saved = await save(
    () => request("POST", data.urls.spans, { start, end, label: labelName, quote: optimistic.text }),
    { onRefused: () => { spans = spans.filter((s) => s !== optimistic); spanRemoved(optimistic); select(null); } },
  );
  if (!saved) return null;
  const localId = optimistic.id;
  Object.assign(optimistic, saved, { pending: false });
  if (selectedId === localId) selectedId = saved.id;
  spanChanged(optimistic, localId);
  renderSelected();
  if (recordUndo) pushUndo({ type: "create", id: saved.id });
  return optimistic;
}

async function deleteSpan(span, { recordUndo = true } = {}) {
  if (!editable || span.pending) return;
  spans = spans.filter((s) => s !== span);
  if (selectedId === span.id) select(null);
  spanRemoved(span);
  const done = await save(() => request("DELETE", `${data.urls.span}${span.id}/`).then(() => true), {
    onRefused: (error) => { if (error.status !== 404) { spans.push(span); spanAdded(span); } },
  });
  if (done && recordUndo) pushUndo({ type: "delete", span: { ...span } });
}

async function relabelSpan(span, labelName, { recordUndo = true } = {}) {
  if (!editable || span.pending || span.label === labelName) return;
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

async function undo() {
  const action = undoStack.pop();
  if (undoButton) undoButton.disabled = undoStack.length === 0;
  if (!action) return;
  if (action.type === "create") {
    const span = spans.find((s) => s.id === action.id);
    if (span) await deleteSpan(span, { recordUndo: false });
  } else if (action.type === "delete") {
    const created = await createSpan(action.span.start, action.span.end, action.span.label, { recordUndo: false });
    // later undo entries refer to the old id
    if (created) for (const entry of undoStack) if (entry.id === action.span.id) entry.id = created.id;
  } else if (action.type === "relabel") {
    const span = spans.find((s) => s.id === action.id);
    if (span) await relabelSpan(span, action.label, { recordUndo: false });
  }
}

// --- selection ------------------------------------------------------------------------------------

/** UTF-16 offset, within the whole text, of a DOM position inside the article. */
function utf16Offset(node, offset) {
  if (node === article) {
    const child = article.childNodes[offset];
    return child ? table.toUtf16(Number(child.dataset.start)) : table.text.length;
  }
  const seg = node.nodeType === Node.TEXT_NODE ? node.parentElement : node;
  if (!seg || !seg.classList.contains("seg")) return null;
  const base = table.toUtf16(Number(seg.dataset.start));
  return base + (node.nodeType === Node.TEXT_NODE ? offset : offset === 0 ? 0 : seg.textContent.length);
}

/** The current selection as code points [start, end), snapped per the project setting; null if none. */
function selectedRange() {
  const selection = window.getSelection();
  if (!selection.rangeCount || selection.isCollapsed) return null;
  const range = selection.getRangeAt(0);
  if (!article.contains(range.startContainer) || !article.contains(range.endContainer)) return null;
  const u16Start = utf16Offset(range.startContainer, range.startOffset);
  const u16End = utf16Offset(range.endContainer, range.endOffset);
  if (u16Start === null || u16End === null) return null;
  const start = table.toCodePoint(Math.min(u16Start, u16End), "down");
  const end = table.toCodePoint(Math.max(u16Start, u16End), "up");
  return data.snapToWords ? snapper.toWords(start, end) : snapper.toClusters(start, end);
}

function applyLabel(label) {
  if (!editable) return;
  const range = selectedRange();
  if (range) {
    window.getSelection().removeAllRanges();
    createSpan(range[0], range[1], label.name);
    return;
  }
  const span = spans.find((s) => s.id === selectedId);
  if (span) relabelSpan(span, label.name);
  else showMessage("Select some text first, then press a label key.");
}

function placeCaretAtStart() {
  const first = article.firstChild?.firstChild;
  if (first) window.getSelection().collapse(first, 0);
}

article.addEventListener("keydown", (event) => {
  if (!event.key.startsWith("Arrow") || event.altKey || event.metaKey) return;
  const selection = window.getSelection();
  if (!selection.rangeCount || !article.contains(selection.anchorNode)) placeCaretAtStart();
  const horizontal = { ArrowLeft: "left", ArrowRight: "right", ArrowUp: "backward", ArrowDown: "forward" }[event.key];
  const granularity = event.key === "ArrowUp" || event.key === "ArrowDown" ? "line" : event.ctrlKey ? "word" : "character";
  // Non-editable text has no caret of its own: move or extend the selection ourselves.
  selection.modify(event.shiftKey ? "extend" : "move", horizontal, granularity);
  event.preventDefault();
});

article.addEventListener("click", (event) => {
  if (!window.getSelection().isCollapsed) return;
  const seg = event.target.closest?.(".seg");
  if (!seg || !seg.dataset.spans) { select(null); return; }
  // Innermost first; clicking again cycles through the spans that overlap here.
  const here = seg.dataset.spans.split(" ").map(Number)
    .map((id) => spans.find((s) => s.id === id)).filter(Boolean)
    .sort((a, b) => (a.end - a.start) - (b.end - b.start) || a.start - b.start);
  const index = here.findIndex((s) => s.id === selectedId);
  select(here[(index + 1) % here.length].id);
});

listEl.addEventListener("click", (event) => {
  const item = event.target.closest("li");
  if (item) select(Number(item.dataset.id), { scroll: true });
});

listEl.addEventListener("keydown", (event) => {
  const item = event.target.closest("li");
  if (item && event.key === "Enter") select(Number(item.dataset.id), { scroll: true });
});

document.addEventListener("keydown", (event) => {
  if (event.target.closest?.("input, textarea, select, [contenteditable]")) return;
  if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "z") {
    if (editable) { event.preventDefault(); undo(); }
    return;
  }
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  if (event.key === "Escape") { select(null); window.getSelection().removeAllRanges(); return; }
  if ((event.key === "Delete" || event.key === "Backspace") && selectedId !== null && editable) {
    const span = spans.find((s) => s.id === selectedId);
    if (span) { event.preventDefault(); deleteSpan(span); }
    return;
  }
  const label = hotkeys.get(event.key);
  if (label && editable) {
    event.preventDefault();
    lastKeyAt = event.timeStamp;
    applyLabel(label);
  }
});

undoButton?.addEventListener("click", undo);

submitButton?.addEventListener("click", async () => {
  if (pendingSaves) { showMessage("Wait until every change is saved, then submit."); return; }
  if (!window.confirm("Submit this document? You cannot change it afterwards.")) return;
  const result = await save(() => request("POST", data.urls.submit, {}));
  if (!result) return;
  editable = false;
  document.getElementById("assignment-status").textContent = "Submitted";
  submitButton.disabled = true;
  if (undoButton) undoButton.disabled = true;
  undoStack.length = 0;
  renderLabels();
  renderSelected();
  renderOutletGrade(document.getElementById("outlet-grade-panel"), evidenceContext);
});

window.addEventListener("beforeunload", (event) => {
  if (pendingSaves) event.preventDefault(); // unsaved work: let the browser ask
});

renderLabels();
render();
renderOutletGrade(document.getElementById("outlet-grade-panel"), evidenceContext);
document.body.dataset.workspaceReady = "true";
window.__workspaceReadyAt = performance.now(); // read by tests and bench/workspace_bench.py
