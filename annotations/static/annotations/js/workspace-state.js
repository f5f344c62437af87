// Shared state of the annotation workspace: the bootstrap data, the text model and what changes as the
// reviewer works. The other workspace-* modules read and write `state`; only workspace.js runs at load.

import { OffsetTable, Snapper } from "./textmodel.js";

// Performance marks (workspace:start, workspace:drawn, workspace:ready) time the load: bench/workspace_bench.py.
performance.mark("workspace:start");
export const data = JSON.parse(document.getElementById("workspace-data").textContent);
export const els = {
  article: document.getElementById("article"),
  list: document.getElementById("span-list"),
  status: document.getElementById("save-status"),
  message: document.getElementById("message"),
  selected: document.getElementById("selected-span"),
  undo: document.getElementById("undo"),
  submit: document.getElementById("submit"),
  exact: document.getElementById("exact-selection"),
  session: document.getElementById("session-notice"),
};

export const table = new OffsetTable(data.document.text);
let snapperMade = null;
/** Word and cluster snapping (textmodel.Snapper): built once, after the first paint or at the first selection. */
export function snapper() {
  snapperMade ??= new Snapper(table);
  return snapperMade;
}
export const labels = data.labels;
export const labelByName = new Map(labels.map((label) => [label.name, label]));
export const hotkeys = new Map();
labels.forEach((label, index) => {
  if (index < 9) hotkeys.set(String(index + 1), label);
  if (label.hotkey && !hotkeys.has(label.hotkey)) hotkeys.set(label.hotkey, label);
});

export const state = {
  editable: data.assignment.editable,
  spans: decodeSpans(data.spans),
  ratings: data.ratings.map((rating) => ({ ...rating })),
  selectedId: null,
  localIds: -1, // ids for spans not yet saved
  undoStack: [],
  pendingSaves: 0,
  failedSaves: 0,
  sessionLost: false, // a save met an ended session: changes wait until the reviewer signs in again
  lastKeyAt: null, // event time of the last label hotkey, for the draw-time figure
};

/**
 * The bootstrap's compact spans (selectors.workspace_spans: rows of [id, start, end, label index, version],
 * the links of the spans that have some) as the API's span objects; a span's text is the document's slice.
 */
function decodeSpans({ labels: names, rows, claimLinks }) {
  return rows.map(([id, start, end, label, version]) => ({
    id, start, end, label: names[label], text: table.slice(start, end), version, claim_links: claimLinks[id] ?? [],
  }));
}

export function colorOf(span) {
  return labelByName.get(span.label)?.color ?? "#777777";
}
