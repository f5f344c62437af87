// From the browser's selection to a span's code point offsets, shared by the workspace and the adjudication page.
//
// The article is a list of <span class="seg" data-start=…> elements (code point offset of each segment's
// first character), directly or grouped in paragraphs (<span class="para" data-start=…>, the workspace).
// The DOM counts UTF-16 units; textmodel.OffsetTable converts. Snapping follows
// annotations/text/snap.py: whole words (keeping a cut the user made at a clitic), or, with Alt held
// during the drag, the toolbar's "exact" toggle on, or the project's snap_to_words off, exactly the
// characters selected, never splitting a letter from its marks or an emoji.

/** UTF-16 offset, within the whole text, of a DOM position inside the article; null outside its text. */
function utf16Offset(article, table, node, offset) {
  const start = (el) => table.toUtf16(Number(el.dataset.start));
  if (node.nodeType === Node.TEXT_NODE) {
    // the text of a segment, or of a paragraph not cut into segments yet
    const parent = node.parentElement;
    if (!parent || !(parent.classList.contains("seg") || parent.classList.contains("para"))) return null;
    return start(parent) + offset;
  }
  if (node === article || node.classList.contains("para")) {
    // between children: the start of the next one, else the end of this container (the next paragraph's start)
    const child = node.childNodes[offset];
    if (child) return child.nodeType === Node.TEXT_NODE ? (node === article ? null : start(node)) : start(child);
    const next = node === article ? null : node.nextElementSibling;
    return next ? start(next) : table.text.length;
  }
  if (!node.classList.contains("seg")) return null;
  return start(node) + (offset === 0 ? 0 : node.textContent.length);
}

/** The selection inside `article` as code points [start, end), not snapped; null when there is none. */
export function selectionOffsets(article, table) {
  const selection = window.getSelection();
  if (!selection.rangeCount || selection.isCollapsed) return null;
  const range = selection.getRangeAt(0);
  if (!article.contains(range.startContainer) || !article.contains(range.endContainer)) return null;
  const u16Start = utf16Offset(article, table, range.startContainer, range.startOffset);
  const u16End = utf16Offset(article, table, range.endContainer, range.endOffset);
  if (u16Start === null || u16End === null) return null;
  return [table.toCodePoint(Math.min(u16Start, u16End), "down"), table.toCodePoint(Math.max(u16Start, u16End), "up")];
}

/**
 * Tracks whether the next selection is exact: Alt held while dragging (or releasing), or the toggle checked.
 * `toggle` is an optional <input type="checkbox">.
 */
export class SelectionMode {
  constructor(article, toggle) {
    this.toggle = toggle ?? null;
    this.altDrag = false;
    article.addEventListener("mousedown", (event) => { this.altDrag = event.altKey; });
    article.addEventListener("mouseup", (event) => { this.altDrag = this.altDrag || event.altKey; });
    // keyboard selection (Shift+arrows) has no Alt variant: it follows the toggle only
    article.addEventListener("keydown", (event) => { if (event.shiftKey) this.altDrag = false; });
    // a mouse click on the toggle must not leave focus in it, where label keys are ignored
    this.toggle?.addEventListener("click", (event) => { if (event.detail > 0) this.toggle.blur(); });
  }

  get exact() {
    return this.altDrag || Boolean(this.toggle?.checked);
  }
}

/**
 * The current selection as code points, snapped: to words (clitic cuts kept) when `snapToWords` and the
 * selection is not exact, else to whole grapheme clusters. Null when nothing (but whitespace) is selected.
 */
export function selectedSpan(article, table, snapper, { snapToWords, mode }) {
  const range = selectionOffsets(article, table);
  if (!range) return null;
  const exact = !snapToWords || (mode?.exact ?? false);
  return exact ? snapper.toClusters(range[0], range[1]) : snapper.toWords(range[0], range[1]);
}
