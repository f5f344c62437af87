// Drawing the workspace: the article cut into segments under span underlines, the span list and the
// selected span's panel. Offsets are code points (textmodel.js).

import { renderSpanEvidence } from "./evidence.js";
import { hexToRgba, request } from "./http.js";
import { labelButton, labelMark, labelName } from "./labels.js";
import { assignLanes, paragraphStarts, segments } from "./textmodel.js";
import { deleteSpan, save, showMessage } from "./workspace-actions.js";
import { colorOf, data, els, labelByName, labels, state, table } from "./workspace-state.js";

const LANE_PX = 4;

// --- after the next frame ---------------------------------------------------------------------------
// Work the reviewer does not need to see in the frame that draws a span (the list, the selected span's
// panel) waits until that frame is painted: a requestAnimationFrame callback runs just before the frame's
// style, layout and paint, and a message posted from it runs just after them.

// One requestAnimationFrame callback and one message on a channel made once serve every caller waiting for
// the same frame: a label key asks three or four times (the bench's probe, the list, the save, the notes
// panel), and each rAF callback that made its own MessageChannel was work inside the key's frame.
const paintChannel = new MessageChannel();
let waitingForFrame = []; // callbacks for the next frame
const framesPainted = []; // per frame whose rAF has run: its callbacks, run once the message comes
paintChannel.port1.onmessage = () => { for (const run of framesPainted.shift() ?? []) run(); };

/**
 * Runs `fn` once the next frame has been painted, or after `fallbackMs` if that comes first (a hidden page
 * paints no frames; null: wait for the frame, however long). Callbacks run in the order they were asked.
 */
export function afterNextPaint(fn, fallbackMs = 500) {
  let done = false;
  const run = () => { if (!done) { done = true; fn(); } };
  if (!waitingForFrame.length) {
    requestAnimationFrame(() => {
      framesPainted.push(waitingForFrame);
      waitingForFrame = [];
      paintChannel.port2.postMessage(null);
    });
  }
  waitingForFrame.push(run);
  if (fallbackMs !== null) setTimeout(run, fallbackMs);
}

// Changes to the side pane, in order. A change made now (a click) first applies those still waiting, so the
// list never sees them out of order; a hotkey's changes wait for the frame that draws its span.
const sideChanges = [];
let sideScheduled = false;

function flushSide() {
  sideScheduled = false;
  while (sideChanges.length) sideChanges.shift()();
}

function sideChange(change, { later = false } = {}) {
  sideChanges.push(change);
  if (!later) flushSide();
  else if (!sideScheduled) { sideScheduled = true; afterNextPaint(flushSide); }
}

// --- work while idle ------------------------------------------------------------------------------
// Paragraphs and list items far from the screen are built after the first paint, a few milliseconds at a
// time, so a key pressed meanwhile waits for one short slice at most.

const idleSteps = []; // functions returning true while they have more to do
let idleScheduled = false;

function runIdle(deadline) {
  idleScheduled = false;
  const until = performance.now() + Math.min(5, deadline?.timeRemaining?.() ?? 5);
  while (idleSteps.length && performance.now() < until) {
    if (!idleSteps[0]()) idleSteps.shift();
  }
  if (idleSteps.length) scheduleIdle();
}

function scheduleIdle() {
  if (idleScheduled) return;
  idleScheduled = true;
  if (window.requestIdleCallback) requestIdleCallback(runIdle, { timeout: 200 });
  else setTimeout(runIdle, 1);
}

function whenIdle(step) {
  idleSteps.push(step);
  scheduleIdle();
}

// --- drawing -------------------------------------------------------------------------------------
// The article is a list of paragraphs (one per line of the text), each laid out and painted only when it
// is near the screen (content-visibility in workbench.css), and cut into segments at span boundaries
// (textmodel.segments). Paragraphs on the first screen are cut before the first paint; the others hold their
// plain text until they are cut, while idle or as soon as a span there changes. A change redraws only the
// segments under the changed span, and lanes are kept for spans that did not move, so a hotkey costs the
// same on a 20,000-character article with 2,000 spans as on a short one.

const starts = paragraphStarts(table.chars); // code point where each paragraph begins
let paragraphEls = [];
let paragraphSegs = []; // per paragraph: its segment elements in order, or null while it is plain text
let paragraphSegStarts = []; // per paragraph: the first code point of each of its segments
let lanes = new Map(); // span id -> underline lane
let laneDepth = 0;
const tints = new Map(); // colour -> its background tint

const paragraphEnd = (p) => (p + 1 < starts.length ? starts[p + 1] : table.length);

function laneFor(span) {
  const used = new Set();
  for (const other of state.spans) {
    if (other !== span && other.start < span.end && span.start < other.end && lanes.has(other.id)) used.add(lanes.get(other.id));
  }
  let lane = 0;
  while (used.has(lane)) lane++;
  return lane;
}

/** Line height grows with the lanes in use (it never shrinks while the page is open: no text jumps). */
function deepenLanes(lane) {
  // a custom property on the article restyles all of it: set it only when the depth changes
  if (lane + 1 <= laneDepth) return;
  laneDepth = lane + 1;
  els.article.style.setProperty("--lanes", String(laneDepth));
}

function coversSelected(covering) {
  return state.selectedId !== null && covering.some((span) => span.id === state.selectedId);
}

function tint(color) {
  let value = tints.get(color);
  if (!value) { value = hexToRgba(color, 0.16); tints.set(color, value); }
  return value;
}

// A segment's tint and underlines come from a class of a stylesheet made here, one class per combination
// in use (a few hundred for 2,000 spans), not from style attributes: thousands of inline styles to parse
// were most of the cost of cutting the article. (Script-made style sheets are CSSOM, like element.style: the
// page's CSP allows both.)
const HEX = /^#[0-9a-fA-F]{6}$/;
const segmentSheet = new CSSStyleSheet();
document.adoptedStyleSheets = [...document.adoptedStyleSheets, segmentSheet];
const segmentClasses = new Map(); // "tint|underlines" -> class name

/**
 * The class for a segment's look; null for a look not in the sheet yet when `add` is false. (A rule added to
 * the sheet makes the browser rebuild the sheet's rule set and check every element against it, about a
 * millisecond with a few hundred rules: a label key's new look is an inline style on its few segments.)
 */
function segmentClass(tintColor, underlines, add = true) {
  const key = `${tintColor}|${underlines}`;
  let name = segmentClasses.get(key);
  if (!name && !add) return null;
  if (!name) {
    name = `look-${segmentClasses.size}`;
    segmentSheet.insertRule(`.seg.${name} { background-color: ${tintColor}; box-shadow: ${underlines}; }`, segmentSheet.cssRules.length);
    segmentClasses.set(key, name);
  }
  return name;
}

const safeColor = (span) => { const color = colorOf(span); return HEX.test(color) ? color : "#777777"; };

/** A segment's element; `now`: drawn for a change the reviewer waits to see (no new rule in the sheet). */
function makeSegment(segment, now = false) {
  const el = document.createElement("span");
  el.className = "seg";
  el.dataset.start = segment.start;
  el.textContent = table.slice(segment.start, segment.end);
  if (segment.spans.length) {
    const covering = segment.spans.length > 1
      ? [...segment.spans].sort((a, b) => lanes.get(a.id) - lanes.get(b.id))
      : segment.spans;
    let innermost = covering[0];
    for (const span of covering) if (span.end - span.start < innermost.end - innermost.start) innermost = span;
    const underlines = covering.map((span) => `0 ${(lanes.get(span.id) + 1) * LANE_PX}px 0 0 ${safeColor(span)}`);
    const background = tint(safeColor(innermost)), shadow = underlines.join(", ");
    const look = segmentClass(background, shadow, !now);
    el.className = look ? `seg marked ${look}` : "seg marked";
    if (!look) { el.style.backgroundColor = background; el.style.boxShadow = shadow; }
    el.dataset.spans = covering.map((span) => span.id).join(" ");
    el.title = [...new Set(covering.map((span) => labelName(labelByName.get(span.label)) || span.label))].join(" · ");
    if (covering.some((span) => span.pending)) el.classList.add("pending");
    if (coversSelected(covering)) el.classList.add("selected");
  }
  return el;
}

/** Index of the last entry of the sorted `values` at or before `offset`. */
function lastAtOrBefore(values, offset) {
  let lo = 0, hi = values.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (values[mid] <= offset) lo = mid; else hi = mid - 1;
  }
  return lo;
}

/** Segments of [from, to) (inside one paragraph) from the current spans, as elements (`now`: makeSegment). */
function cut(from, to, spans = state.spans, now = false) {
  const clipped = [];
  for (const span of spans) {
    if (span.start < to && from < span.end) {
      clipped.push({ span, start: Math.max(span.start, from) - from, end: Math.min(span.end, to) - from });
    }
  }
  return segments(to - from, clipped).map((segment) => makeSegment({
    start: segment.start + from,
    end: segment.end + from,
    spans: segment.spans.map((c) => c.span),
  }, now));
}

/** Cuts paragraph `p` into its segments (from `spans`, the spans over it, if known; `now`: makeSegment). */
function buildParagraph(p, spans = state.spans, now = false) {
  const segs = cut(starts[p], paragraphEnd(p), spans, now);
  paragraphSegs[p] = segs;
  paragraphSegStarts[p] = segs.map((el) => Number(el.dataset.start));
  paragraphEls[p].replaceChildren(...segs);
}

function ensureParagraph(p) {
  if (!paragraphSegs[p]) buildParagraph(p);
}

export function render() {
  lanes = assignLanes(state.spans);
  laneDepth = 0;
  let deepest = 0;
  for (const lane of lanes.values()) if (lane > deepest) deepest = lane;
  deepenLanes(deepest);
  // the spans over each paragraph, for the first cut
  const over = starts.map(() => []);
  for (const span of state.spans) {
    const last = lastAtOrBefore(starts, Math.max(span.start, span.end - 1));
    for (let p = lastAtOrBefore(starts, span.start); p <= last; p++) over[p].push(span);
  }
  paragraphEls = starts.map((start, p) => {
    const el = document.createElement("span");
    el.className = "para";
    el.dataset.start = start;
    el.textContent = table.slice(start, paragraphEnd(p));
    return el;
  });
  paragraphSegs = starts.map(() => null);
  paragraphSegStarts = starts.map(() => null);
  // Cut now what the first screen can show: as many lines as the window is high (the article starts lower),
  // at a generous estimate of the characters per line. The line height is workbench.css's (2.1em and the
  // lanes); reading the font size computes styles, not layout.
  const linePx = 2.1 * parseFloat(getComputedStyle(els.article).fontSize) + LANE_PX * laneDepth;
  const firstScreen = Math.ceil(window.innerHeight / Math.max(20, linePx || 40)) * Math.ceil(1.25 * charsPerLine);
  let next = 0;
  for (; next < starts.length && starts[next] < firstScreen; next++) buildParagraph(next, over[next]);
  estimateParagraphHeights();
  els.article.replaceChildren(...paragraphEls);
  // The rest while idle. `over` stays true for a paragraph still plain text: a span that changes there cuts
  // the paragraph at once (redraw). A paragraph holding the reader's selection is left plain until the
  // selection leaves it: cutting replaces its text, which would drop what was just selected on a page opened
  // a moment ago.
  let held = [];
  const cutWhileIdle = () => {
    while (next < starts.length && paragraphSegs[next]) next++;
    if (next >= starts.length) {
      if (held.length) document.addEventListener("selectionchange", cutHeld, { once: true });
      return false;
    }
    if (holdsSelection(paragraphEls[next])) held.push(next++);
    else buildParagraph(next, over[next]);
    return true;
  };
  const cutHeld = () => {
    next = Math.min(...held);
    held = [];
    whenIdle(cutWhileIdle);
  };
  whenIdle(cutWhileIdle);
  renderList();
}

function holdsSelection(el) {
  const selection = document.getSelection();
  return !!selection && selection.rangeCount > 0 && selection.getRangeAt(0).intersectsNode(el);
}

// A paragraph off screen is not laid out: until it has been, its height is an estimate (its length over the
// characters a line holds, measured on the paragraphs drawn), so the scroll bar and scrolling to a span are
// about right before it is drawn and exact after.
// First guess: the article's width (the window less the side pane, wider than a phone) over an Arabic letter's
// average advance at the article's font size.
let charsPerLine = Math.max(20, Math.round(
  (window.innerWidth > 720 ? Math.min(window.innerWidth, 1536) - 420 : window.innerWidth - 50) / 10.5));

function estimateParagraphHeights() {
  paragraphEls.forEach((el, p) => {
    const lines = Math.max(1, (paragraphEnd(p) - starts[p]) / charsPerLine); // on average: no rounding up
    el.style.setProperty("--para-lines", lines.toFixed(2));
  });
}

/** After the first paint: how many characters a line holds here, from the paragraphs on screen (no reflow). */
export function calibrateParagraphs() {
  let characters = 0, lines = 0;
  const lineHeight = parseFloat(getComputedStyle(els.article).lineHeight);
  for (const [p, el] of paragraphEls.entries()) {
    const box = el.getBoundingClientRect();
    if (box.top > window.innerHeight) break;
    const length = paragraphEnd(p) - starts[p];
    if (length < 40 || !box.height) continue; // a short line says little about the width of a line
    characters += length;
    lines += Math.max(1, Math.round(box.height / lineHeight));
  }
  if (!lines || !(lineHeight > 0)) return;
  const measured = Math.max(10, Math.round(characters / lines));
  if (Math.abs(measured - charsPerLine) / charsPerLine < 0.1) return;
  charsPerLine = measured;
  estimateParagraphHeights();
}

/** Redraws the segments over [start, end) from the current state.spans. */
function redraw(start, end) {
  const lastParagraph = lastAtOrBefore(starts, Math.max(start, end - 1));
  for (let p = lastAtOrBefore(starts, start); p <= lastParagraph; p++) {
    if (!paragraphSegs[p]) { buildParagraph(p, state.spans, true); continue; }
    const segs = paragraphSegs[p], segStarts = paragraphSegStarts[p];
    const first = lastAtOrBefore(segStarts, Math.max(start, starts[p]));
    const last = lastAtOrBefore(segStarts, Math.min(end, paragraphEnd(p)) - 1);
    const from = segStarts[first];
    const to = last + 1 < segs.length ? segStarts[last + 1] : paragraphEnd(p);
    const fresh = cut(from, to, state.spans, true);
    const next = segs[last + 1] ?? null;
    for (let i = first; i <= last; i++) segs[i].remove();
    for (const el of fresh) paragraphEls[p].insertBefore(el, next);
    segs.splice(first, last - first + 1, ...fresh);
    segStarts.splice(first, last - first + 1, ...fresh.map((el) => Number(el.dataset.start)));
  }
}

/** The segment elements over `span` (its paragraphs cut first if they are still plain text). */
export function segmentsOf(span) {
  if (!paragraphEls.length) return [];
  const found = [];
  const lastParagraph = lastAtOrBefore(starts, Math.max(span.start, span.end - 1));
  for (let p = lastAtOrBefore(starts, span.start); p <= lastParagraph; p++) {
    ensureParagraph(p);
    const segs = paragraphSegs[p], segStarts = paragraphSegStarts[p];
    const first = lastAtOrBefore(segStarts, Math.max(span.start, starts[p]));
    const last = lastAtOrBefore(segStarts, Math.min(span.end, paragraphEnd(p)) - 1);
    found.push(...segs.slice(first, last + 1));
  }
  return found;
}

/** A span was added to state.spans: drawn now; the list follows after the frame when `later`. */
export function spanAdded(span, { later = false } = {}) {
  const lane = laneFor(span);
  lanes.set(span.id, lane);
  deepenLanes(lane);
  redraw(span.start, span.end);
  sideChange(() => { if (state.spans.includes(span)) insertListItem(span); }, { later });
}

export function spanRemoved(span) {
  lanes.delete(span.id);
  redraw(span.start, span.end);
  sideChange(() => { removeListItem(span); updateCount(); });
}

export function spanChanged(span, previousId = span.id) {
  if (previousId !== span.id) {
    lanes.set(span.id, lanes.get(previousId));
    lanes.delete(previousId);
  }
  sideChange(() => {
    if (previousId !== span.id) listItems.delete(previousId); // saved: the server's id replaces the local one
    replaceListItem(span);
  });
  redraw(span.start, span.end);
}

// --- the span list ---------------------------------------------------------------------------------
// In reading order, cut into lists of CHUNK items (<ol class="span-chunk"> in the #span-list box), each laid
// out and painted only when it is near the screen (content-visibility in workbench.css): a browser keeps
// track of a few dozen chunks more cheaply than of 2,000 items on every frame. The first chunk is built
// before the first paint, the others while idle.

const CHUNK = 40;
const FIRST_CHUNK = 20; // what the pane shows at first, and more
const listItems = new Map(); // span id -> its <li>, once built
const listPrototypes = new Map(); // label name -> an <li> with its chip and name, to clone
// Every span of the list in its order, and its <li> (null until built): the items are built in order, so
// the first `listBuilt` are in the DOM.
let listSpans = [];
let listEls = [];
let listBuilt = 0;

function makeChunk(items) {
  const chunk = document.createElement("ol");
  chunk.className = "span-chunk";
  chunk.style.setProperty("--items", String(Math.max(1, items.length)));
  chunk.append(...items);
  return chunk;
}

function listItem(id) {
  return listItems.get(id) ?? null;
}

/** Where `span` is in the list (the same object, else the same id); -1 if it is not. */
function listIndex(span) {
  const index = listSpans.indexOf(span);
  return index >= 0 ? index : listSpans.findIndex((other) => other.id === span.id);
}

function removeListItem(span) {
  const index = listIndex(span);
  if (index < 0) return;
  const li = listEls[index];
  listSpans.splice(index, 1);
  listEls.splice(index, 1);
  listItems.delete(span.id);
  if (!li) return;
  listBuilt--;
  const chunk = li.parentNode;
  li.remove();
  if (chunk && !chunk.firstChild) chunk.remove();
}

function replaceListItem(span) {
  const index = listIndex(span);
  if (index < 0) return;
  listSpans[index] = span;
  const old = listEls[index];
  if (!old) return;
  const li = makeListItem(span);
  listEls[index] = li;
  old.replaceWith(li);
}

function listPrototype(span) {
  let li = listPrototypes.get(span.label);
  if (!li) {
    li = document.createElement("li");
    li.tabIndex = 0;
    const label = labelByName.get(span.label);
    const chip = labelMark(label ?? { name: span.label, color: colorOf(span) }, "chip");
    const name = document.createElement("span");
    name.className = "span-label";
    name.textContent = label ? labelName(label) : span.label;
    const quote = document.createElement("bdi");
    quote.className = "span-text";
    quote.dir = "rtl";
    quote.lang = "ar";
    const where = document.createElement("span");
    where.className = "span-where";
    li.append(chip, name, quote, where);
    listPrototypes.set(span.label, li);
  }
  return li;
}

function makeListItem(span) {
  const li = listPrototype(span).cloneNode(true);
  li.dataset.id = span.id;
  li.dataset.start = span.start;
  li.dataset.end = span.end;
  li.className = "span-item" + (span.id === state.selectedId ? " selected" : "") + (span.pending ? " pending" : "");
  li.children[2].textContent = span.text;
  li.children[3].textContent = `${span.start}–${span.end}`;
  listItems.set(span.id, li);
  return li;
}

function updateCount() {
  document.getElementById("span-count").textContent = `(${state.spans.length})`;
  const empty = document.getElementById("span-list-empty");
  if (empty) empty.hidden = state.spans.length > 0;
}

function insertListItem(span) {
  // reading order: by start, then end (a binary search over the list, which is in that order)
  let lo = 0, hi = listSpans.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const { start, end } = listSpans[mid];
    if (start > span.start || (start === span.start && end > span.end)) hi = mid; else lo = mid + 1;
  }
  let li = null;
  if (lo <= listBuilt) {
    li = makeListItem(span);
    const next = listEls[lo];
    const chunk = (lo < listBuilt ? next.parentNode : els.list.lastElementChild) ?? els.list.appendChild(makeChunk([]));
    chunk.insertBefore(li, lo < listBuilt ? next : null);
    if (chunk.childElementCount > 2 * CHUNK) chunk.after(makeChunk([...chunk.children].slice(CHUNK)));
    listBuilt++;
  }
  listSpans.splice(lo, 0, span);
  listEls.splice(lo, 0, li);
  updateCount();
}

/** Builds the next `size` items of the list; false when it is complete. */
function buildListChunk(size = CHUNK) {
  if (listBuilt >= listSpans.length) return false;
  const items = [];
  for (const end = Math.min(listSpans.length, listBuilt + size); listBuilt < end; listBuilt++) {
    listEls[listBuilt] = makeListItem(listSpans[listBuilt]);
    items.push(listEls[listBuilt]);
  }
  els.list.append(makeChunk(items));
  return listBuilt < listSpans.length;
}

function renderList() {
  listSpans = [...state.spans].sort((a, b) => a.start - b.start || a.end - b.end || a.id - b.id);
  listEls = listSpans.map(() => null);
  listBuilt = 0;
  listItems.clear();
  els.list.replaceChildren();
  if (buildListChunk(FIRST_CHUNK)) whenIdle(() => buildListChunk());
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

/**
 * Selects span `id` (null: none): its segments are outlined now; the list and the selected span's panel
 * follow at once, or after the next frame with `later` (a hotkey: the new span is drawn first).
 */
export function select(id, { scroll = false, later = false } = {}) {
  const previous = state.spans.find((s) => s.id === state.selectedId);
  state.selectedId = id;
  const current = state.spans.find((s) => s.id === id);
  for (const span of [previous, current]) {
    if (!span) continue;
    for (const el of segmentsOf(span)) {
      el.classList.toggle("selected", !!el.dataset.spans && current !== undefined && el.dataset.spans.split(" ").includes(String(id)));
    }
  }
  sideChange(() => {
    // the selection as it is when this runs (a later one may have come meanwhile)
    for (const li of els.list.querySelectorAll("li.selected")) li.classList.remove("selected");
    if (state.selectedId !== null) listItem(state.selectedId)?.classList.add("selected");
    renderSelected();
  }, { later });
  if (scroll && current) {
    segmentsOf(current).find((el) => el.dataset.spans)?.scrollIntoView({ block: "center", behavior: "smooth" });
    flash(id);
  }
}
