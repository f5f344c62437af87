// Notes for the adjudicator in the workspace: flag the document (unclear, not news, duplicate) and write a
// note on the selected span. Both are the reviewer's own work: nobody else sees them before adjudication.

import { request } from "./http.js";
import { afterNextPaint } from "./workspace-render.js";
import { data, state } from "./workspace-state.js";

const FLAGS = [["unclear", gettext("Unclear")], ["not_news", gettext("Not news")], ["duplicate", gettext("Duplicate")]];
const panel = document.getElementById("review-notes-panel");
const assignmentUrl = `/api/assignments/${data.assignment.id}/`;
const notes = { comments: [], flags: [] };

function el(tag, props = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}

async function setFlag(kind, on, note) {
  try {
    if (on) await request("POST", `${assignmentUrl}flags/`, { kind, note });
    else await request("DELETE", `${assignmentUrl}flags/${kind}/`);
    await load();
  } catch (error) {
    panel.querySelector(".notes-message").textContent = error.message;
  }
}

async function addComment(spanId, text) {
  try {
    await request("POST", `/api/spans/${spanId}/comments/`, { text });
    await load();
  } catch (error) {
    panel.querySelector(".notes-message").textContent = error.message;
  }
}

function render() {
  if (!panel) return;
  const editable = state.editable;
  const flagged = new Map(notes.flags.map((f) => [f.kind, f]));
  const note = el("input", { type: "text", className: "flag-note", placeholder: gettext("Why? (optional)"), dir: "auto", maxLength: 2000 });
  const flags = el("fieldset", { className: "document-flags" }, el("legend", { textContent: gettext("Flag this document") }),
    ...FLAGS.map(([kind, name]) => {
      const box = el("input", { type: "checkbox", name: "flag", value: kind, checked: flagged.has(kind), disabled: !editable });
      box.addEventListener("change", () => setFlag(kind, box.checked, note.value));
      const shown = flagged.get(kind)?.note;
      return el("label", { className: "flag" }, box, ` ${name}`, shown ? el("bdi", { className: "meta", textContent: ` (${shown})` }) : "");
    }), note);
  const span = state.spans.find((s) => s.id === state.selectedId && !s.pending);
  const section = el("div", { className: "span-notes" });
  if (span) {
    const existing = notes.comments.filter((c) => c.span === span.id);
    const text = el("textarea", { className: "span-note", rows: 2, dir: "auto", maxLength: 2000, disabled: !editable,
      placeholder: gettext("A note on this span for the adjudicator") });
    const save = el("button", { type: "button", className: "small", textContent: gettext("Add note"), disabled: !editable });
    save.addEventListener("click", () => { if (text.value.trim()) addComment(span.id, text.value.trim()); });
    section.append(el("h3", { textContent: gettext("Notes on the selected span") }),
      el("ul", {}, ...existing.map((c) => el("li", {}, el("bdi", { textContent: c.text, dir: "auto" })))), text, save);
  }
  panel.replaceChildren(flags, section, el("p", { className: "notes-message meta", role: "status" }));
}

async function load() {
  const detail = await request("GET", assignmentUrl);
  notes.comments = detail.comments ?? [];
  notes.flags = detail.flags ?? [];
  render();
}

let selected = null;
// re-draw when the selected span changes (the workspace modules own the selection), after the frame that
// shows the change in the article: a label key's frame draws the new span, not this panel
for (const type of ["click", "keyup"]) {
  document.addEventListener(type, (event) => {
    if (panel?.contains(event.target)) return;
    if (state.selectedId === selected) return;
    afterNextPaint(() => {
      if (state.selectedId !== selected) { selected = state.selectedId; render(); }
    });
  });
}
// The page starts with the reviewer's notes (the workspace's bootstrap); a change reads them again.
notes.comments = data.notes?.comments ?? [];
notes.flags = data.notes?.flags ?? [];
render();
