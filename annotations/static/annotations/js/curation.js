// Side-by-side curation on the adjudication page: one lane per reviewer over the same text (each reviewer
// with its own outline pattern, not only colour), the merged candidates grouped by agreement, and the keys:
//   n / Shift+n   next / previous disagreement        a  accept        r  reject        e  edit (select its gold span)
//   Shift+←/→     move the selected gold span's end   Alt+Shift+←/→  move its start   1…9  relabel it
// Drag the handles of a selected gold span to move its boundaries. Offsets are code points (textmodel.js).

import { segments } from "./textmodel.js";

const PATTERNS = ["solid", "dashed", "dotted", "double", "wavy"];
export const keyOf = (s) => `${s.start}:${s.end}:${s.label}`;
const GROUPS = [["all", gettext("All reviewers agree")], ["some", gettext("Some reviewers")], ["one", gettext("One reviewer")]];
// Each lane's outline pattern, named for the reader (the class names stay CSS's).
const PATTERN_NAMES = { solid: gettext("solid"), dashed: gettext("dashed"), dotted: gettext("dotted"), double: gettext("double"), wavy: gettext("wavy") };
const FLAG_NAMES = { unclear: gettext("unclear"), not_news: gettext("not news"), duplicate: gettext("duplicate") };

/** Candidates in the order the list shows them: grouped by agreement, then by position in the text. */
export function orderedCandidates(candidates) {
  const rank = { all: 0, some: 1, one: 2 };
  return [...candidates].sort((a, b) => rank[a.agreement] - rank[b.agreement] || a.start - b.start || a.end - b.end);
}

export function groupHeading(agreement, count) {
  const li = document.createElement("li");
  li.className = `group-heading group-${agreement}`;
  li.textContent = `${GROUPS.find(([key]) => key === agreement)[1]} (${count})`;
  return li;
}

export function createCuration(ctx) {
  // ctx: { state(), table, labels, reviewerOf, colorOf, call(method, url, body), reload(), urls, isFinal() }
  const lanesEl = document.getElementById("lanes");
  const article = document.getElementById("article");
  const cur = { key: null, goldId: null, queue: Promise.resolve() };

  const candidates = () => ctx.state().candidates;
  const goldByKey = () => new Map(ctx.state().gold.spans.map((g) => [keyOf(g), g]));
  const selectedGold = () => ctx.state().gold.spans.find((g) => g.id === cur.goldId) ?? null;

  function drawText(container, spans, decorate) {
    const pieces = segments(ctx.table.length, spans).map((segment) => {
      const el = document.createElement("span");
      el.className = "seg";
      el.dataset.start = segment.start;
      el.textContent = ctx.table.slice(segment.start, segment.end);
      if (segment.spans.length) decorate(el, segment.spans);
      return el;
    });
    container.replaceChildren(...pieces);
  }

  function renderLanes() {
    const state = ctx.state();
    const current = cur.key;
    lanesEl.replaceChildren(...state.reviewers.map((reviewer, index) => {
      const pattern = PATTERNS[index % PATTERNS.length];
      const lane = document.createElement("div");
      lane.className = `lane lane-${pattern}`;
      lane.dataset.assignment = reviewer.assignment;
      const head = document.createElement("div");
      head.className = "lane-head";
      const swatch = document.createElement("span");
      swatch.className = "lane-swatch";
      swatch.setAttribute("aria-hidden", "true");
      const name = document.createElement("bdi");
      name.textContent = reviewer.reviewer;
      const hint = document.createElement("span");
      hint.className = "meta";
      hint.textContent = ` · ${PATTERN_NAMES[pattern]}`;
      head.append(swatch, name, hint);
      const text = document.createElement("div");
      text.className = "lane-text";
      text.dir = "rtl";
      text.lang = "ar";
      const mine = state.candidates
        .filter((c) => c.assignments.includes(reviewer.assignment))
        .map((c, i) => ({ ...c, id: i + 1 }));
      drawText(text, mine, (el, covering) => {
        const outer = [...covering].sort((a, b) => (b.end - b.start) - (a.end - a.start))[0];
        el.classList.add("marked");
        el.style.borderColor = ctx.colorOf(outer.label);
        el.dataset.keys = covering.map(keyOf).join(" ");
        if (covering.some((c) => keyOf(c) === current)) el.classList.add("current");
      });
      lane.append(head, text);
      return lane;
    }));
  }

  // The gold lane (#article): gold spans shaded, the current candidate outlined, handles on the selected gold span.
  function renderGoldLane() {
    const state = ctx.state();
    const drawn = state.gold.spans.map((g) => ({ ...g, gold: true }));
    const current = candidates().find((c) => keyOf(c) === cur.key);
    if (current && !drawn.some((g) => keyOf(g) === cur.key)) drawn.push({ ...current, id: -1, gold: false });
    const selected = selectedGold();
    drawText(article, drawn, (el, covering) => {
      el.classList.add("marked");
      el.dataset.keys = covering.map(keyOf).join(" ");
      const gold = covering.filter((s) => s.gold);
      if (gold.length) {
        el.classList.add("gold");
        el.style.backgroundColor = `color-mix(in srgb, ${ctx.colorOf(gold[gold.length - 1].label)} 22%, transparent)`;
      }
      if (covering.some((s) => keyOf(s) === cur.key)) el.classList.add("current");
      if (selected && covering.some((s) => s.gold && s.id === selected.id)) el.classList.add("gold-selected");
    });
    if (selected && !ctx.isFinal()) addHandles(selected);
  }

  function addHandles(gold) {
    const segs = [...article.querySelectorAll(".seg.gold-selected")];
    if (!segs.length) return;
    const make = (edge) => {
      const handle = document.createElement("span");
      handle.className = `handle handle-${edge}`;
      handle.setAttribute("role", "slider");
      handle.setAttribute("aria-label", edge === "start" ? gettext("Start of the gold span") : gettext("End of the gold span"));
      handle.setAttribute("aria-valuenow", String(edge === "start" ? gold.start : gold.end));
      handle.addEventListener("pointerdown", (event) => startDrag(event, edge));
      return handle;
    };
    segs[0].prepend(make("start"));
    segs[segs.length - 1].append(make("end"));
  }

  function offsetAt(x, y) {
    const range = document.caretRangeFromPoint?.(x, y);
    const node = range?.startContainer;
    const seg = (node?.nodeType === Node.TEXT_NODE ? node.parentElement : node)?.closest?.(".seg");
    if (!seg || !article.contains(seg)) return null;
    const base = Number(seg.dataset.start);
    const before = node.nodeType === Node.TEXT_NODE ? node.textContent.slice(0, range.startOffset) : "";
    return base + [...before].length;
  }

  function startDrag(event, edge) {
    event.preventDefault();
    event.stopPropagation();
    const gold = selectedGold();
    if (!gold) return;
    cur.dragged = true;  // the click that ends the drag keeps the gold span selected
    const up = (release) => {
      window.removeEventListener("pointerup", up);
      const offset = offsetAt(release.clientX, release.clientY);
      if (offset === null) return;
      if (edge === "start" && offset < gold.end) patchGold(gold, { start: offset });
      if (edge === "end" && offset > gold.start) patchGold(gold, { end: offset });
    };
    window.addEventListener("pointerup", up);
  }

  // Changes run one after the other; `changes` may be a function of the gold span as it is by then
  // (key repeats arrive faster than the answers).
  function patchGold(gold, changes) {
    cur.queue = cur.queue.then(async () => {
      const latest = ctx.state().gold.spans.find((g) => g.id === gold.id) ?? gold;
      const body = typeof changes === "function" ? changes(latest) : changes;
      if (!body) return;
      try {
        await ctx.call("PATCH", `${ctx.urls.goldSpan}${gold.id}/`, body);
      } catch { /* the message is shown by call() */ }
      await ctx.reload();
    });
    return cur.queue;
  }

  function markCurrentInList() {
    for (const li of document.querySelectorAll("#candidate-list .candidate")) {
      const on = li.dataset.key === cur.key;
      li.classList.toggle("current", on);
      if (on) li.setAttribute("aria-current", "true"); else li.removeAttribute("aria-current");
    }
    document.querySelector("#candidate-list .candidate.current")?.scrollIntoView({ block: "nearest" });
  }

  // the reviewers' flags on the document and notes on their spans
  function renderNotes() {
    const box = document.getElementById("review-notes");
    if (!box) return;
    const { flags = [], notes = [] } = ctx.state();
    const rows = [
      ...flags.map((f) => {
        const li = document.createElement("li");
        li.className = `review-flag flag-${f.kind}`;
        li.textContent = `${ctx.reviewerOf.get(f.assignment)}: ${gettext("flagged")} ${FLAG_NAMES[f.kind] ?? f.kind}${f.note ? ` · ${f.note}` : ""}`;
        return li;
      }),
      ...notes.map((n) => {
        const li = document.createElement("li");
        li.className = "review-note";
        const quote = document.createElement("bdi");
        quote.textContent = ctx.table.slice(n.start, n.end);
        const text = document.createElement("bdi");
        text.dir = "auto";
        text.textContent = n.text;
        li.append(`${ctx.reviewerOf.get(n.assignment)} · ${n.label} «`, quote, "»: ", text);
        li.addEventListener("click", () => setCurrent(`${n.start}:${n.end}:${n.label}`));
        return li;
      }),
    ];
    const title = document.createElement("h2");
    title.textContent = gettext("Reviewers' notes and flags");
    const list = document.createElement("ul");
    list.append(...rows);
    box.hidden = rows.length === 0;
    box.replaceChildren(title, list);
  }

  function render() {
    if (cur.goldId !== null && !selectedGold()) cur.goldId = null;
    renderNotes();
    renderLanes();
    renderGoldLane();
    markCurrentInList();
    const undecided = ctx.state().undecided ?? 0;
    const counter = document.getElementById("undecided-count");
    if (counter) counter.textContent = `${gettext("Undecided")}: ${undecided}`;
  }

  function setCurrent(key) {
    cur.key = key;
    const gold = goldByKey().get(key);
    cur.goldId = gold ? gold.id : null;
    render();
  }

  function nextDisagreement(step = 1) {
    const list = orderedCandidates(candidates()).sort((a, b) => a.start - b.start || a.end - b.end);
    const disputed = list.filter((c) => c.agreement !== "all");
    const open = disputed.filter((c) => c.status === "undecided");
    const pool = open.length ? open : disputed;
    if (!pool.length) return;
    const here = list.findIndex((c) => keyOf(c) === cur.key);
    const ordered = step > 0 ? pool : [...pool].reverse();
    const after = ordered.find((c) => {
      const i = list.indexOf(c);
      return step > 0 ? i > here : here === -1 || i < here;
    });
    setCurrent(keyOf(after ?? ordered[0]));
  }

  async function accept(candidate) {
    if (!goldByKey().has(keyOf(candidate))) {
      await ctx.call("POST", ctx.urls.spans, { start: candidate.start, end: candidate.end, label: candidate.label });
      await ctx.reload();
    }
    setCurrent(keyOf(candidate));
  }

  async function reject(candidate) {
    await ctx.call("POST", ctx.urls.rejections, { start: candidate.start, end: candidate.end, label: candidate.label });
    await ctx.reload();
  }

  function currentCandidate() {
    return candidates().find((c) => keyOf(c) === cur.key) ?? null;
  }

  function moveEdge(edge, delta) {
    const gold = selectedGold();
    if (!gold) return;
    patchGold(gold, (latest) => {
      const start = edge === "start" ? latest.start + delta : latest.start;
      const end = edge === "end" ? latest.end + delta : latest.end;
      if (start < 0 || end > ctx.table.length || start >= end) return null;
      return edge === "start" ? { start } : { end };
    });
  }

  function onKey(event) {
    if (event.target.closest?.("input, select, textarea") || event.ctrlKey || event.metaKey || ctx.isFinal()) return;
    const key = event.key;
    if ((key === "n" || key === "N") && !event.altKey) { event.preventDefault(); nextDisagreement(event.shiftKey ? -1 : 1); return; }
    const candidate = currentCandidate();
    if (key === "a" && candidate) { event.preventDefault(); accept(candidate).catch(() => {}); return; }
    if (key === "r" && candidate) { event.preventDefault(); reject(candidate).catch(() => {}); return; }
    if (key === "e" && candidate) { event.preventDefault(); accept(candidate).catch(() => {}); return; }
    if (key === "Escape") { cur.goldId = null; render(); return; }
    if (event.shiftKey && (key === "ArrowLeft" || key === "ArrowRight") && selectedGold()) {
      event.preventDefault();
      event.stopPropagation();
      // logical direction: in right-to-left text the left arrow moves forward
      const rtl = getComputedStyle(article).direction === "rtl";
      const forward = (key === "ArrowLeft") === rtl;
      moveEdge(event.altKey ? "start" : "end", forward ? 1 : -1);
      return;
    }
    const index = Number(key) - 1;
    const gold = selectedGold();
    if (gold && !event.altKey && index >= 0 && index < Math.min(9, ctx.labels.length)
        && window.getSelection().isCollapsed) {
      event.preventDefault();
      event.stopImmediatePropagation();
      if (ctx.labels[index].name !== gold.label) patchGold(gold, { label: ctx.labels[index].name });
    }
  }

  window.addEventListener("keydown", onKey, { capture: true });
  article.addEventListener("click", (event) => {
    if (cur.dragged) { cur.dragged = false; return; }
    if (!window.getSelection().isCollapsed || event.target.closest(".handle")) return;
    const keys = event.target.closest?.(".seg")?.dataset.keys?.split(" ") ?? [];
    const gold = ctx.state().gold.spans.find((g) => keys.includes(keyOf(g)));
    cur.goldId = gold ? gold.id : null;
    if (gold) cur.key = keyOf(gold);
    render();
  });
  lanesEl.addEventListener("click", (event) => {
    const keys = event.target.closest?.(".seg")?.dataset.keys?.split(" ");
    if (keys?.length) setCurrent(keys[0]);
  });

  return { render, setCurrent, accept, reject, current: () => cur.key };
}
