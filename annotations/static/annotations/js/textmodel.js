// Text model of the workspace: offsets, tokens, snapping and span layout. No DOM here.
//
// The server counts Unicode code points of the stored NFC text; the DOM counts UTF-16 code units.
// Everything the server sees is converted here. The character classes, grapheme clusters, tokenizer,
// clitic rule and word snapping follow the specification in annotations/text/snap.py, which the
// browser tests compare with the Python implementation.

const WHITESPACE = /^[\p{Z}\p{Cc}]$/u;
const INVISIBLE_SEPARATORS = new Set([0x061c, 0x200e, 0x200f, 0x202a, 0x202b, 0x202c, 0x202d, 0x202e,
  0x2066, 0x2067, 0x2068, 0x2069, 0x200b, 0x2060, 0xfeff]);
const JOINERS = new Set([0x200c, 0x200d, 0x00ad]);
const WORD_CHAR = /^[\p{L}\p{M}\p{N}]$/u;
const DIGIT = /^\p{Nd}$/u;
const MARK = /^\p{M}$/u;
const OTHER_LETTER = /^\p{Lo}$/u;
const NUMBER_SEPARATORS = new Set([0x2e, 0x2c, 0x066b, 0x066c]);
const TATWEEL = 0x0640;
// Grapheme clusters (UAX #29) from the browser's own maintained implementation, as Python uses regex's \X.
const GRAPHEMES = new Intl.Segmenter(undefined, { granularity: "grapheme" });

/** Tables between code point and UTF-16 offsets of one text. u16ToCp is -1 inside a surrogate pair. */
export class OffsetTable {
  constructor(text) {
    this.text = text;
    this.chars = Array.from(text);
    const n = this.chars.length;
    this.cpToU16 = new Int32Array(n + 1);
    this.u16ToCp = new Int32Array(text.length + 1).fill(-1);
    let u = 0;
    for (let i = 0; i < n; i++) {
      this.cpToU16[i] = u;
      this.u16ToCp[u] = i;
      u += this.chars[i].length;
    }
    this.cpToU16[n] = u;
    this.u16ToCp[u] = n;
    this.length = n;
  }

  /** Code point offset of a UTF-16 offset; `round` = "down" or "up" when it falls inside a pair. */
  toCodePoint(u16, round = "down") {
    if (u16 < 0 || u16 > this.text.length) throw new RangeError(`UTF-16 offset ${u16} out of range`);
    const cp = this.u16ToCp[u16];
    if (cp >= 0) return cp;
    if (round === "strict") throw new RangeError(`UTF-16 offset ${u16} falls inside a surrogate pair`);
    return round === "up" ? this.u16ToCp[u16 + 1] : this.u16ToCp[u16 - 1];
  }

  toUtf16(cp) {
    if (cp < 0 || cp > this.length) throw new RangeError(`code point offset ${cp} out of range`);
    return this.cpToU16[cp];
  }

  slice(start, end) {
    return this.text.slice(this.cpToU16[start], this.cpToU16[end]);
  }
}

// --- character classes (snap.py, "Character classes") -------------------------------------------
const cp = (ch) => ch.codePointAt(0);
export const isWhitespace = (ch) => WHITESPACE.test(ch);
const isInvisibleSeparator = (ch) => INVISIBLE_SEPARATORS.has(cp(ch));
const isJoiner = (ch) => JOINERS.has(cp(ch));
const isWordChar = (ch) => WORD_CHAR.test(ch);
const isDigit = (ch) => DIGIT.test(ch);
const isSkipped = (ch) => isWhitespace(ch) || isInvisibleSeparator(ch) || isJoiner(ch);
const isArabicLetter = (ch) => {
  const c = cp(ch);
  return OTHER_LETTER.test(ch) && ((c >= 0x0600 && c <= 0x06ff) || (c >= 0x0750 && c <= 0x077f) || (c >= 0x08a0 && c <= 0x08ff));
};

/** Grapheme clusters of `text` as [start, end) code point pairs (snap.py, "Grapheme clusters"). */
export function graphemes(text) {
  const clusters = [];
  let at = 0;
  for (const { segment } of GRAPHEMES.segment(text)) {
    let length = 0;
    for (const _ of segment) length++; // code points, not UTF-16 units
    clusters.push([at, at + length]);
    at += length;
  }
  return clusters;
}

/** Tokens as [start, end) code point pairs, the same as annotations.text.tokens.tokenize. */
export function tokenize(chars, clusters = graphemes(chars.join(""))) {
  const tokens = [];
  const n = clusters.length;
  const first = (k) => chars[clusters[k][0]];
  let k = 0;
  while (k < n) {
    const start = clusters[k][0];
    let end = clusters[k][1];
    const ch = first(k);
    k++;
    if (isSkipped(ch)) continue;
    if (isWordChar(ch)) {
      while (k < n) {
        const next = first(k);
        if (isWordChar(next)) { end = clusters[k][1]; k++; continue; }
        if (isJoiner(next)) {
          let m = k;
          while (m < n && isJoiner(first(m))) m++;
          if (m < n && isWordChar(first(m))) { end = clusters[m][1]; k = m + 1; continue; }
          break;
        }
        if (NUMBER_SEPARATORS.has(cp(next)) && clusters[k][1] - clusters[k][0] === 1 && k + 1 < n
            && isDigit(chars[end - 1]) && isDigit(first(k + 1))) {
          end = clusters[k + 1][1];
          k += 2;
          continue;
        }
        break;
      }
    }
    tokens.push([start, end]);
  }
  return tokens;
}

// --- clitics (snap.py, "Clitic rule"; annotations/text/clitics.py) -------------------------------
const CONJUNCTIONS = new Set(["و", "ف"]);
const PREPOSITIONS = new Set(["ب", "ك", "ل"]);
const ENCLITICS = ["هما", "كما", "ها", "هم", "هن", "كم", "كن", "نا", "ه", "ك", "ي"];
const MIN_STEM_LETTERS = 2;

function arabicLetters(word) {
  const positions = [];
  word.forEach((ch, i) => { if (isArabicLetter(ch)) positions.push(i); });
  return positions;
}

/** Offsets in `word` (an array of code points) where a proclitic sequence ends, ascending. */
export function procliticEnds(word) {
  const positions = arabicLetters(word);
  if (!positions.length || positions[0] !== 0) return [];
  const letters = positions.map((i) => word[i]);
  const cuts = [];
  let i = 0;
  if (CONJUNCTIONS.has(letters[i])) cuts.push(++i);
  let lamLam = false;
  if (i < letters.length && PREPOSITIONS.has(letters[i])) {
    const preposition = letters[i];
    cuts.push(++i);
    if (preposition === "ل" && letters[i] === "ل") { cuts.push(i + 1); lamLam = true; }
  }
  if (!lamLam && letters[i] === "ا" && letters[i + 1] === "ل") cuts.push(i + 2);
  const result = [];
  for (const cut of cuts) {
    if (letters.length - cut < MIN_STEM_LETTERS) break;
    result.push(positions[cut]);
  }
  return result;
}

/** Offsets in `word` (an array of code points) where an enclitic pronoun starts, ascending. */
export function encliticStarts(word) {
  const positions = arabicLetters(word);
  let last = word.length - 1;
  while (last >= 0 && (MARK.test(word[last]) || cp(word[last]) === TATWEEL)) last--;
  if (!positions.length || positions[positions.length - 1] !== last) return [];
  const letters = positions.map((i) => word[i]).join("");
  const starts = new Set();
  for (const pronoun of ENCLITICS) {
    if (letters.endsWith(pronoun) && letters.length - pronoun.length >= MIN_STEM_LETTERS) {
      starts.add(positions[letters.length - pronoun.length]);
    }
  }
  return [...starts].sort((a, b) => a - b);
}

function bisectRight(array, value) {
  let lo = 0, hi = array.length;
  while (lo < hi) { const mid = (lo + hi) >> 1; if (value < array[mid]) hi = mid; else lo = mid + 1; }
  return lo;
}

function bisectLeft(array, value) {
  let lo = 0, hi = array.length;
  while (lo < hi) { const mid = (lo + hi) >> 1; if (array[mid] < value) lo = mid + 1; else hi = mid; }
  return lo;
}

/** Word and cluster snapping over one text; clusters and tokens are computed once (the text never changes). */
export class Snapper {
  constructor(table) {
    this.table = table;
    const clusters = graphemes(table.text);
    this.boundary = new Uint8Array(table.length + 1);
    this.boundary[0] = this.boundary[table.length] = 1;
    for (const [start] of clusters) this.boundary[start] = 1;
    const tokens = tokenize(table.chars, clusters);
    this.starts = tokens.map((t) => t[0]);
    this.ends = tokens.map((t) => t[1]);
  }

  /** Grow [start, end) to the whole tokens it touches, keeping a cut at a clitic; null when it touches none. */
  toWords(start, end) {
    if (start >= end) return null;
    const first = bisectRight(this.ends, start);
    const last = bisectLeft(this.starts, end) - 1;
    if (first > last) return null;
    const chars = this.table.chars;
    const [headStart, headEnd] = [this.starts[first], this.ends[first]];
    const [tailStart, tailEnd] = [this.starts[last], this.ends[last]];
    let snappedStart = headStart, snappedEnd = tailEnd;
    if (headStart < start && procliticEnds(chars.slice(headStart, headEnd)).includes(start - headStart)) {
      snappedStart = start;
    }
    if (end < tailEnd && encliticStarts(chars.slice(tailStart, tailEnd)).includes(end - tailStart)) {
      snappedEnd = end;
    }
    return [snappedStart, snappedEnd];
  }

  /** Exact selection: move boundaries off combining marks and emoji parts (cluster boundaries); trims nothing. */
  toClusters(start, end) {
    while (!this.boundary[start]) start--;
    if (start >= end) return null;
    while (!this.boundary[end]) end++;
    return [start, end];
  }
}

/** A binary heap; `before(a, b)` is true when a comes out first. */
class Heap {
  constructor(before) { this.before = before; this.items = []; }
  get size() { return this.items.length; }
  peek() { return this.items[0]; }
  push(item) {
    const items = this.items;
    let i = items.push(item) - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(items[i], items[parent])) break;
      [items[i], items[parent]] = [items[parent], items[i]];
      i = parent;
    }
  }
  pop() {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length) {
      items[0] = last;
      for (let i = 0; ;) {
        const left = 2 * i + 1, right = left + 1;
        let first = i;
        if (left < items.length && this.before(items[left], items[first])) first = left;
        if (right < items.length && this.before(items[right], items[first])) first = right;
        if (first === i) break;
        [items[i], items[first]] = [items[first], items[i]];
        i = first;
      }
    }
    return top;
  }
}

/**
 * Lanes for stacked underlines: overlapping spans never share a lane; outer spans get lower lanes. Each span
 * takes the lowest lane free at its start, in order of start (longer first): O(s log s) for s spans.
 */
export function assignLanes(spans) {
  const order = [...spans].sort((a, b) => a.start - b.start || b.end - a.end || a.id - b.id);
  const lanes = new Map();
  const busy = new Heap((a, b) => a.end < b.end); // lanes in use, the one freed first on top
  const free = new Heap((a, b) => a < b); // lanes free again, the lowest on top
  let opened = 0;
  for (const span of order) {
    while (busy.size && busy.peek().end <= span.start) free.push(busy.pop().lane);
    const lane = free.size ? free.pop() : opened++;
    busy.push({ end: span.end, lane });
    lanes.set(span.id, lane);
  }
  return lanes;
}

/** Code point offsets where a paragraph (a line of the text) begins: 0 and every offset after a line feed. */
export function paragraphStarts(chars) {
  const starts = [0];
  for (let i = 0; i + 1 < chars.length; i++) if (chars[i] === "\n") starts.push(i + 1);
  return starts;
}

/**
 * Cuts [0, length) at every span boundary. Each segment lists the spans covering it, so overlapping
 * and nested spans all stay visible. Runs in O((n + s) log s) for n boundaries and s spans.
 */
export function segments(length, spans) {
  const cuts = new Set([0, length]);
  for (const span of spans) { cuts.add(span.start); cuts.add(span.end); }
  const points = [...cuts].sort((a, b) => a - b);
  const byStart = [...spans].sort((a, b) => a.start - b.start);
  const active = new Set();
  const result = [];
  let next = 0;
  for (let k = 0; k + 1 < points.length; k++) {
    const start = points[k], end = points[k + 1];
    for (const span of active) if (span.end <= start) active.delete(span);
    while (next < byStart.length && byStart[next].start <= start) {
      if (byStart[next].end > start) active.add(byStart[next]);
      next++;
    }
    result.push({ start, end, spans: [...active] });
  }
  return result;
}
