// Small page behaviours shared by every server-rendered page.
// Colours come from data attributes: the CSP forbids inline style attributes, not CSSOM writes.
const HEX = /^#[0-9a-fA-F]{6}$/;
for (const el of document.querySelectorAll("[data-color]")) {
  if (HEX.test(el.dataset.color)) el.style.backgroundColor = el.dataset.color;
}
