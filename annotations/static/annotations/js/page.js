// Small page behaviours shared by every server-rendered page.
// Colours come from data attributes: the CSP forbids inline style attributes, not CSSOM writes.
import { inkOn } from "./labels.js";

const HEX = /^#[0-9a-fA-F]{6}$/;
export function applyColors(root = document) {
  for (const el of root.querySelectorAll("[data-color]")) {
    if (!HEX.test(el.dataset.color)) continue;
    el.style.backgroundColor = el.dataset.color;
    if (el.classList.contains("label-mark")) el.style.color = inkOn(el.dataset.color);
  }
}
applyColors();

// Numbers in the reader's digits: Arabic-Indic only when the person chose them (a preference, never forced).
// The article, code, inputs and anything marked data-keep-digits keep the digits they were written with.
const ARABIC_INDIC = "٠١٢٣٤٥٦٧٨٩";
const KEEP = "script, style, textarea, input, code, pre, kbd, .article, .snippet, [data-keep-digits], [lang=en]";
export function localizeDigits(root = document.body) {
  if (document.documentElement.dataset.digits !== "arab" || !root) return;
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT, {
    acceptNode: (node) =>
      /[0-9]/.test(node.data) && !node.parentElement?.closest(KEEP) ? NodeFilter.FILTER_ACCEPT : NodeFilter.FILTER_REJECT,
  });
  const nodes = [];
  while (walker.nextNode()) nodes.push(walker.currentNode);
  // the Arabic decimal separator between digits, then the digits
  for (const node of nodes) node.data = node.data.replace(/(\d)\.(?=\d)/g, "$1٫").replace(/[0-9]/g, (d) => ARABIC_INDIC[d]);
}
localizeDigits();
if (document.documentElement.dataset.digits === "arab") {
  // Live parts (save status, counts) are written by scripts after load.
  new MutationObserver((records) => {
    for (const record of records) {
      for (const node of record.addedNodes) {
        if (node.nodeType === Node.ELEMENT_NODE) localizeDigits(node);
        else if (node.nodeType === Node.TEXT_NODE && node.parentElement) localizeDigits(node.parentElement);
      }
    }
  }).observe(document.body, { childList: true, subtree: true });
}

// Dates written by the server as <time datetime> are shown in the interface language.
const lang = document.documentElement.lang || "en";
for (const el of document.querySelectorAll("time[datetime][data-localize]")) {
  const when = new Date(el.getAttribute("datetime"));
  if (Number.isNaN(when.getTime())) continue;
  const numberingSystem = document.documentElement.dataset.digits === "arab" ? "arab" : "latn";
  el.textContent = new Intl.DateTimeFormat(lang, { dateStyle: "medium", timeStyle: "short", numberingSystem }).format(when);
}

// The keyboard-shortcut overlay: `?` anywhere outside a text field, or the header's ? button.
const dialog = document.getElementById("shortcuts");
function toggleShortcuts() {
  if (!dialog) return;
  if (dialog.open) dialog.close();
  else dialog.showModal();
}
document.querySelector(".shortcuts-open")?.addEventListener("click", toggleShortcuts);
document.addEventListener("keydown", (event) => {
  if (event.key !== "?" || event.ctrlKey || event.metaKey || event.altKey) return;
  const target = event.target;
  if (target.closest?.("input, textarea, select, [contenteditable=true]")) return;
  event.preventDefault();
  toggleShortcuts();
});

// Workspace layout: the heights of the sticky label bar and of the phone's bottom sheet become scroll
// padding, so scrolling a selection into view never hides it under either of them, and the sheet's height
// becomes room below the article. Written straight to the properties that use them (workbench.css holds
// the defaults): a custom property on the root would restyle the whole page, the article's thousands of
// segments included, on every change. Measured when the observer reports a size (also right after the
// first layout), never by forcing a layout.
const root = document.documentElement;
const labelBar = document.getElementById("labels");
const sidePane = document.querySelector(".side-pane");
if (labelBar || sidePane) {
  const article = document.querySelector(".workspace .article");
  const written = new Map();
  const write = (el, property, value) => {
    if (!el || written.get(property) === value) return;
    written.set(property, value);
    el.style.setProperty(property, value);
  };
  const measure = () => {
    if (labelBar) write(root, "scroll-padding-block-start", `calc(${labelBar.getBoundingClientRect().height}px + .5rem)`);
    const fixed = sidePane && getComputedStyle(sidePane).position === "fixed";
    const sheet = fixed ? sidePane.getBoundingClientRect().height : 0;
    write(root, "scroll-padding-block-end", `calc(${sheet}px + .5rem)`);
    write(article, "margin-block-end", fixed ? `calc(${sheet}px + 1rem)` : "");
  };
  const observer = new ResizeObserver(measure);
  for (const el of [labelBar, sidePane]) if (el) observer.observe(el);
  window.addEventListener("resize", measure);
}
const sheetToggle = document.getElementById("sheet-toggle");
// A phone starts with the sheet folded to its header (status, Undo, Submit): the article comes first.
if (sheetToggle && sidePane && getComputedStyle(sidePane).position === "fixed") {
  sidePane.classList.add("collapsed");
  sheetToggle.setAttribute("aria-expanded", "false");
}
sheetToggle?.addEventListener("click", () => {
  const collapsed = sidePane.classList.toggle("collapsed");
  sheetToggle.setAttribute("aria-expanded", String(!collapsed));
});
