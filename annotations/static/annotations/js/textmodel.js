// Text model of the workspace: offsets, tokens, snapping and span layout. No DOM here.
//
// The server counts Unicode code points of the stored NFC text; the DOM counts UTF-16 code units.
// Everything the server sees is converted here. The character classes, cluster rule, tokenizer and
// word snapping follow the specification in annotations/text/snap.py, which the tests compare.

const WHITESPACE = /^[\p{Z}\p{Cc}]$/u;
const INVISIBLE_SEPARATORS = new Set([0x061c, 0x200e, 0x200f, 0x202a, 0x202b, 0x202c, 0x202d, 0x202e,
  0x2066, 0x2067, 0x2068, 0x2069, 0x200b, 0x2060, 0xfeff]);
const JOINERS = new Set([0x200c, 0x200d, 0x00ad]);
const WORD_CHAR = /^[\p{L}\p{M}\p{N}]$/u;
const DIGIT = /^\p{Nd}$/u;
const MARK = /^\p{M}$/u;
const EMOJI_BASE = /^\p{So}$/u;
const NUMBER_SEPARATORS = new Set([0x2e, 0x2c, 0x066b, 0x066c]);
const ZWJ = 0x200d;

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
const isRegionalIndicator = (ch) => cp(ch) >= 0x1f1e6 && cp(ch) <= 0x1f1ff;
const isExtender = (ch) => MARK.test(ch) || (cp(ch) >= 0x1f3fb && cp(ch) <= 0x1f3ff) || (cp(ch) >= 0xe0020 && cp(ch) <= 0xe007f);
const isEmojiBase = (ch) => EMOJI_BASE.test(ch);
const isSkipped = (ch) => isWhitespace(ch) || isInvisibleSeparator(ch) || isJoiner(ch);

function emojiBaseBefore(chars, i) {
  let j = i - 1;
  while (j >= 0 && isExtender(chars[j])) j--;
  return j >= 0 && isEmojiBase(chars[j]);
}

function isSequenceZwj(chars, i) {
  return i > 0 && i + 1 < chars.length && cp(chars[i]) === ZWJ && isEmojiBase(chars[i + 1]) && emojiBaseBefore(chars, i);
}

/** Whether chars[i] continues the character before it (a boundary at i would split a character). */
export function isClusterContinuation(chars, i) {
  if (i <= 0 || i >= chars.length) return false;
  const ch = chars[i];
  if (isRegionalIndicator(ch)) {
    let run = 0;
    for (let j = i - 1; j >= 0 && isRegionalIndicator(chars[j]); j--) run++;
    return run % 2 === 1;
  }
  if (cp(ch) === ZWJ) return isSequenceZwj(chars, i);
  if (cp(chars[i - 1]) === ZWJ && isSequenceZwj(chars, i - 1)) return true;
  if (isExtender(ch)) {
    const prev = chars[i - 1];
    return !(isWhitespace(prev) || isInvisibleSeparator(prev) || isJoiner(prev));
  }
  return false;
}

/** Tokens as [start, end) code point pairs, the same as annotations.text.tokens.tokenize. */
export function tokenize(chars) {
  const tokens = [];
  const n = chars.length;
  let i = 0;
  while (i < n) {
    const ch = chars[i];
    if (isSkipped(ch)) { i++; continue; }
    let j = i + 1;
    if (isWordChar(ch)) {
      while (j < n) {
        if (isClusterContinuation(chars, j) || isWordChar(chars[j])) { j++; continue; }
        if (isJoiner(chars[j])) {
          let k = j;
          while (k < n && isJoiner(chars[k])) k++;
          if (k < n && isWordChar(chars[k])) { j = k; continue; }
          break;
        }
        if (NUMBER_SEPARATORS.has(cp(chars[j])) && isDigit(chars[j - 1]) && j + 1 < n && isDigit(chars[j + 1])) {
          j += 2;
          continue;
        }
        break;
      }
    } else {
      while (j < n && isClusterContinuation(chars, j)) j++;
    }
    tokens.push([i, j]);
    i = j;
  }
  return tokens;
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

/** Word and cluster snapping over one text; tokens are computed once (the text never changes). */
export class Snapper {
  constructor(table) {
    this.table = table;
    const tokens = tokenize(table.chars);
    this.starts = tokens.map((t) => t[0]);
    this.ends = tokens.map((t) => t[1]);
  }

  /** Grow [start, end) to the whole tokens it touches; null when it touches none. */
  toWords(start, end) {
    if (start >= end) return null;
    const first = bisectRight(this.ends, start);
    const last = bisectLeft(this.starts, end) - 1;
    if (first > last) return null;
    return [this.starts[first], this.ends[last]];
  }

  /** Move boundaries off combining marks and emoji parts; trims nothing. */
  toClusters(start, end) {
    const chars = this.table.chars;
    while (start > 0 && isClusterContinuation(chars, start)) start--;
    if (start >= end) return null;
    while (end < chars.length && isClusterContinuation(chars, end)) end++;
    return [start, end];
  }
}

/** Lanes for stacked underlines: overlapping spans never share a lane; outer spans get lower lanes. */
export function assignLanes(spans) {
  const order = [...spans].sort((a, b) => a.start - b.start || b.end - a.end || a.id - b.id);
  const laneEnds = [];
  const lanes = new Map();
  for (const span of order) {
    let lane = laneEnds.findIndex((end) => end <= span.start);
    if (lane === -1) { lane = laneEnds.length; laneEnds.push(0); }
    laneEnds[lane] = span.end;
    lanes.set(span.id, lane);
  }
  return lanes;
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
