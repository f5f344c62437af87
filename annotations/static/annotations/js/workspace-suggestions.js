// Imported suggestions (predictions) in the workspace: Enter accepts the highlighted one, which becomes
// the reviewer's own span; "-" rejects it. Nothing is the reviewer's work until accepted.
import { request } from "./http.js";
import { showMessage } from "./workspace-actions.js";
import { renderSelected, spanAdded } from "./workspace-render.js";
import { data, labelByName, state } from "./workspace-state.js";

const text = data.flowText;
const section = document.getElementById("suggestions");
const list = document.getElementById("suggestion-list");
const count = document.getElementById("suggestion-count");
let suggestions = [];

function draw() {
  list.replaceChildren();
  suggestions.forEach((suggestion, index) => {
    const item = document.createElement("li");
    item.className = "span-item suggestion" + (index === 0 ? " selected" : "");
    item.dataset.id = suggestion.id;
    const chip = document.createElement("span");
    chip.className = "chip";
    chip.style.backgroundColor = labelByName.get(suggestion.label)?.color ?? "#777777";
    const name = document.createElement("span");
    name.className = "span-label";
    name.textContent = suggestion.score == null ? suggestion.label : `${suggestion.label} ${Math.round(suggestion.score * 100)}%`;
    const quote = document.createElement("bdi");
    quote.className = "span-text";
    quote.lang = "ar";
    quote.textContent = suggestion.text;
    const buttons = document.createElement("span");
    const accept = document.createElement("button");
    accept.type = "button";
    accept.className = "suggestion-accept";
    accept.textContent = text.accept;
    accept.addEventListener("click", () => decide(suggestion, "accept"));
    const reject = document.createElement("button");
    reject.type = "button";
    reject.className = "suggestion-reject secondary";
    reject.textContent = text.reject;
    reject.addEventListener("click", () => decide(suggestion, "reject"));
    buttons.append(accept, reject);
    item.append(chip, name, quote, buttons);
    list.append(item);
  });
  count.textContent = `(${suggestions.length})`;
  section.hidden = suggestions.length === 0 && !section.dataset.decided;
  if (!suggestions.length && section.dataset.decided) count.textContent = `(0) ${text.noSuggestions}`;
}

async function decide(suggestion, verb) {
  if (!state.editable) return;
  try {
    const answer = await request("POST", `${data.urls.suggestion}${suggestion.id}/${verb}/`);
    if (verb === "accept" && answer && !state.spans.some((span) => span.id === answer.id)) {
      const span = { ...answer, pending: false };
      state.spans.push(span);
      spanAdded(span);
      renderSelected();
    }
  } catch (error) {
    showMessage(error.message);
    return;
  }
  suggestions = suggestions.filter((s) => s.id !== suggestion.id);
  section.dataset.decided = "true";
  draw();
}

document.addEventListener("keydown", (event) => {
  if (!suggestions.length || !state.editable) return;
  if (event.target.closest?.("input, textarea, select, button, [contenteditable]")) return;
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  if (event.key === "Enter") { event.preventDefault(); decide(suggestions[0], "accept"); }
  else if (event.key === "-") { event.preventDefault(); decide(suggestions[0], "reject"); }
});

async function load() {
  const page = await request("GET", data.urls.suggestions);
  suggestions = page.results;
  draw();
  document.body.dataset.suggestionsReady = "true";
}

load().catch((error) => showMessage(error.message));
