// Drawing the workspace: the article cut into segments under span underlines, the span list and the
// selected span's panel. Offsets are code points (textmodel.js).

import { renderSpanEvidence } from "./evidence.js";
import { hexToRgba, request } from "./http.js";
import { labelButton, labelMark, labelName } from "./labels.js";
import { assignLanes, segments } from "./textmodel.js";
import { deleteSpan, save, showMessage } from "./workspace-actions.js";
import { colorOf, data, els, labelByName, labels, state, table } from "./workspace-state.js";

const LANE_PX = 4;

// --- drawing -------------------------------------------------------------------------------------
// The els.article is cut into segments at span boundaries (textmodel.segments). A change redraws only the
// segments under the changed span, and lanes are kept for spans that did not move, so a hotkey costs
// the same on a 20,000-character article with 2,000 spans as on a short one.

let segmentEls = [];
let lanes = new Map(); // span id -> underline lane

function laneFor(span) {
  const used = new Set();
  for (const other of state.spans) {
    if (other !== span && other.start < span.end && span.start < other.end && lanes.has(other.id)) used.add(lanes.get(other.id));
  }
  let lane = 0;
  while (used.has(lane)) lane++;
  return lane;
}

function updateLaneDepth() {
  els.article.style.setProperty("--lanes", String(Math.max(0, ...lanes.values()) + 1));
}

function coversSelected(covering) {
  return state.selectedId !== null && covering.some((span) => span.id === state.selectedId);
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
    el.title = [...new Set(covering.map((span) => labelName(labelByName.get(span.label)) || span.label))].join(" · ");
    if (covering.some((span) => span.pending)) el.classList.add("pending");
    if (coversSelected(covering)) el.classList.add("selected");
  }
  return el;
}

export function render() {
  lanes = assignLanes(state.spans);
  segmentEls = segments(table.length, state.spans).map(makeSegment);
  updateLaneDepth();
  els.article.replaceChildren(...segmentEls);
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

/** Redraws the segments over [start, end) from the current state.spans. */
function redraw(start, end) {
  const first = segmentIndex(start);
  const last = segmentIndex(Math.max(start, end - 1));
  const from = Number(segmentEls[first].dataset.start);
  const to = last + 1 < segmentEls.length ? Number(segmentEls[last + 1].dataset.start) : table.length;
  const inside = state.spans.filter((span) => span.start < to && from < span.end);
  const clipped = inside.map((span) => ({ span, start: Math.max(span.start, from), end: Math.min(span.end, to) }));
  const fresh = segments(to - from, clipped.map((c) => ({ ...c, start: c.start - from, end: c.end - from })))
    .map((segment) => makeSegment({
      start: segment.start + from,
      end: segment.end + from,
      spans: segment.spans.map((c) => c.span),
    }));
  const next = segmentEls[last + 1] ?? null;
  for (let i = first; i <= last; i++) segmentEls[i].remove();
  for (const el of fresh) els.article.insertBefore(el, next);
  segmentEls.splice(first, last - first + 1, ...fresh);
}

export function segmentsOf(span) {
  if (!segmentEls.length) return [];
  return segmentEls.slice(segmentIndex(span.start), segmentIndex(Math.max(span.start, span.end - 1)) + 1);
}

export function spanAdded(span) {
  lanes.set(span.id, laneFor(span));
  updateLaneDepth();
  redraw(span.start, span.end);
  insertListItem(span);
}

export function spanRemoved(span) {
  lanes.delete(span.id);
  redraw(span.start, span.end);
  listItem(span.id)?.remove();
  updateCount();
}

export function spanChanged(span, previousId = span.id) {
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
  return els.list.querySelector(`li[data-id="${id}"]`);
}

function makeListItem(span) {
  const li = document.createElement("li");
  li.dataset.id = span.id;
  li.dataset.start = span.start;
  li.dataset.end = span.end;
  li.className = "span-item" + (span.id === state.selectedId ? " selected" : "") + (span.pending ? " pending" : "");
  li.tabIndex = 0;
  const chip = labelMark(labelByName.get(span.label) ?? { name: span.label, color: colorOf(span) }, "chip");
  const name = document.createElement("span");
  name.className = "span-label";
  const label = labelByName.get(span.label);
  name.textContent = label ? labelName(label) : span.label;
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
  document.getElementById("span-count").textContent = `(${state.spans.length})`;
  const empty = document.getElementById("span-list-empty");
  if (empty) empty.hidden = state.spans.length > 0;
}

function insertListItem(span) {
  // reading order: by start, then end
  const before = [...els.list.children].find((li) => {
    const start = Number(li.dataset.start), end = Number(li.dataset.end);
    return start > span.start || (start === span.start && end > span.end);
  });
  els.list.insertBefore(makeListItem(span), before ?? null);
  updateCount();
}

function renderList() {
  const ordered = [...state.spans].sort((a, b) => a.start - b.start || a.end - b.end || a.id - b.id);
  els.list.replaceChildren(...ordered.map(makeListItem));
  updateCount();
  renderSelected();
}

export function renderSelected() {
  const span = state.spans.find((s) => s.id === state.selectedId);
  els.selected.hidden = !span;
  if (!span) return;
  // On a phone the side pane is a bottom sheet: a selected span opens it.
  const pane = document.querySelector(".side-pane.collapsed");
  if (pane) {
    pane.classList.remove("collapsed");
    document.getElementById("sheet-toggle")?.setAttribute("aria-expanded", "true");
  }
  const label = labelByName.get(span.label);
  els.selected.replaceChildren();
  const title = document.createElement("div");
  const quote = document.createElement("bdi");
  quote.dir = "rtl";
  quote.textContent = span.text;
  title.append(interpolate(gettext("Selected: %s"), [label ? labelName(label) : span.label]), " ", quote);
  els.selected.append(title);
  if (state.editable) {
    const hint = document.createElement("div");
    hint.className = "hint";
    hint.textContent = gettext("Press a label key to relabel, Delete to remove.");
    const remove = document.createElement("button");
    remove.type = "button";
    remove.id = "delete-span";
    remove.textContent = gettext("Delete span");
    remove.addEventListener("click", () => deleteSpan(span));
    els.selected.append(hint, remove);
  }
  const evidence = document.createElement("div");
  evidence.className = "evidence";
  els.selected.append(evidence);
  renderSpanEvidence(evidence, span, evidenceContext);
}

export const evidenceContext = {
  urls: data.urls,
  documentId: data.document?.id ?? null,
  editable: () => state.editable,
  get ratings() { return state.ratings; },
  setRating(rating) { state.ratings = [...state.ratings.filter((r) => r.id !== rating.id && r.span !== rating.span), rating]; },
  request: (...args) => request(...args),
  save: (...args) => save(...args),
  message: (text) => showMessage(text),
};

/** The label bar; `onLabel(label)` runs when a label button is clicked. */
export function renderLabels(onLabel) {
  const bar = document.getElementById("labels");
  const buttons = labels.map((label, index) => {
    const button = labelButton(label, index < 9 ? String(index + 1) : label.hotkey || "");
    button.disabled = !state.editable;
    button.addEventListener("click", () => onLabel(label));
    return button;
  });
  bar.replaceChildren(...buttons);
}

function flash(id) {
  const span = state.spans.find((s) => s.id === id);
  for (const el of span ? segmentsOf(span) : []) {
    if (el.dataset.spans && el.dataset.spans.split(" ").includes(String(id))) {
      el.classList.remove("flash");
      void el.offsetWidth; // restart the animation
      el.classList.add("flash");
    }
  }
}

export function select(id, { scroll = false } = {}) {
  const previous = state.spans.find((s) => s.id === state.selectedId);
  state.selectedId = id;
  const current = state.spans.find((s) => s.id === id);
  for (const span of [previous, current]) {
    if (!span) continue;
    for (const el of segmentsOf(span)) {
      el.classList.toggle("selected", !!el.dataset.spans && current !== undefined && el.dataset.spans.split(" ").includes(String(id)));
    }
  }
  els.list.querySelector("li.selected")?.classList.remove("selected");
  if (current) listItem(id)?.classList.add("selected");
  renderSelected();
  if (scroll && current) {
    segmentsOf(current).find((el) => el.dataset.spans)?.scrollIntoView({ block: "center", behavior: "smooth" });
    flash(id);
  }
}

