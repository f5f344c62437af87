// The adjudication page: reviewers' spans merged on the text, the gold being decided.
// Offsets are code points (textmodel.js converts the browser's UTF-16 positions).

import { STANCE_NAMES } from "./evidence.js";
import { hexToRgba, isSessionError, newIdempotencyKey, request, sessionRestored, showSessionNotice } from "./http.js";
import { labelButton, labelMark, labelName } from "./labels.js";
import { SelectionMode, selectedSpan } from "./selection.js";
import { OffsetTable, Snapper } from "./textmodel.js";
import { createCuration, groupHeading, orderedCandidates } from "./curation.js";

const boot = JSON.parse(document.getElementById("adjudication-data").textContent);
const article = document.getElementById("article");
const candidateList = document.getElementById("candidate-list");
const goldList = document.getElementById("gold-list");
const messageEl = document.getElementById("message");
const statusEl = document.getElementById("save-status");
const sessionEl = document.getElementById("session-notice");
const table = new OffsetTable(boot.document.text);
const snapper = new Snapper(table);
const labels = boot.labels;
const labelByName = new Map(labels.map((label) => [label.name, label]));
const DECISIONS = {
  accepted: gettext("Accepted as marked"),
  edited: gettext("Edited by the adjudicator"),
  added: gettext("Added by the adjudicator"),
  majority: gettext("Kept by majority vote (imported)"),
};
const reviewerOf = new Map(boot.reviewers.map((r) => [r.assignment, r.reviewer]));
let state = boot;

/** One change to the gold. An ended session waits for the adjudicator to sign in again (another tab),
 * then sends the same request again, with the same Idempotency-Key for a create. */
async function call(method, url, body) {
  statusEl.textContent = gettext("Saving…");
  const idempotencyKey = method === "POST" ? newIdempotencyKey() : undefined;
  for (;;) {
    try {
      const result = await request(method, url, body, { idempotencyKey });
      messageEl.hidden = true;
      showSessionNotice(sessionEl, false);
      statusEl.textContent = gettext("Saved");
      return result;
    } catch (error) {
      if (isSessionError(error)) {
        statusEl.textContent = gettext("Not saved: your session ended");
        showSessionNotice(sessionEl, true);
        await sessionRestored();
        continue;
      }
      messageEl.textContent = error.message;
      messageEl.hidden = false;
      statusEl.textContent = gettext("Not saved");
      throw error;
    }
  }
}

async function reload() {
  state = await call("GET", boot.urls.state);
  render();
}

const keyOf = (s) => `${s.start}:${s.end}:${s.label}`;
const colorOf = (name) => labelByName.get(name)?.color ?? "#777777";
// A candidate's decision, named for the reader (`status` stays the API's word).
const STATUS_NAMES = {
  accepted: gettext("accepted"),
  edited: gettext("edited"),
  rejected: gettext("rejected"),
  undecided: gettext("undecided"),
};
const isFinal = () => state.gold.status === "final";

// the lanes, the gold lane (#article) and the curation keys (curation.js)
const curation = createCuration({
  state: () => state, table, labels, reviewerOf, colorOf, urls: boot.urls, isFinal,
  call: (...args) => call(...args), reload: () => reload(),
});

function flash(key) {
  for (const el of article.querySelectorAll(".seg.marked")) {
    if (el.dataset.keys.split(" ").includes(key)) {
      el.classList.remove("flash");
      void el.offsetWidth;
      el.classList.add("flash");
    }
  }
  article.querySelector(".seg.flash")?.scrollIntoView({ block: "center", behavior: "smooth" });
}

function item(span, extraClass) {
  const li = document.createElement("li");
  li.className = `span-item ${extraClass}`;
  const chip = labelMark(labelByName.get(span.label) ?? { name: span.label, color: colorOf(span.label) }, "chip");
  const name = document.createElement("span");
  name.className = "span-label";
  name.textContent = labelName(labelByName.get(span.label)) || span.label;
  const quote = document.createElement("bdi");
  quote.className = "span-text";
  quote.dir = "rtl";
  quote.textContent = span.text;
  const where = document.createElement("span");
  where.className = "span-where";
  where.textContent = `${span.start}–${span.end}`;
  li.append(chip, name, quote, where);
  li.addEventListener("click", (event) => { if (!event.target.closest("button")) flash(keyOf(span)); });
  return li;
}

function button(text, onClick, cls) {
  const b = document.createElement("button");
  b.type = "button";
  b.textContent = text;
  if (cls) b.className = cls;
  b.disabled = isFinal();
  b.addEventListener("click", onClick);
  return b;
}

function renderLists() {
  const goldKeys = new Map(state.gold.spans.map((g) => [keyOf(g), g]));
  const reviewers = state.reviewers.length;
  const ordered = orderedCandidates(state.candidates);
  const rows = [];
  let group = null;
  for (const c of ordered) {
    if (c.agreement !== group) {
      group = c.agreement;
      rows.push(groupHeading(group, ordered.filter((x) => x.agreement === group).length));
    }
    rows.push(candidateItem(c, goldKeys, reviewers));
  }
  candidateList.replaceChildren(...rows);
  renderGoldList();
}

function candidateItem(c, goldKeys, reviewers) {
  {
    const inGold = goldKeys.has(keyOf(c));
    const li = item(c, `candidate ${c.agreed ? "agreed" : "disputed"}${inGold ? " in-gold" : ""} status-${c.status}`);
    li.dataset.key = keyOf(c);
    li.tabIndex = -1;
    li.addEventListener("click", (event) => { if (!event.target.closest("button")) curation.setCurrent(keyOf(c)); });
    const badge = document.createElement("span");
    badge.className = `decision decision-${c.status}`;
    badge.textContent = STATUS_NAMES[c.status] ?? c.status;
    li.insertBefore(badge, li.querySelector(".span-where"));
    const who = document.createElement("div");
    who.className = "who";
    who.textContent = `${c.assignments.map((a) => reviewerOf.get(a)).join(", ")} (${interpolate(gettext("%(count)s of %(total)s"), { count: c.assignments.length, total: reviewers }, true)})`;
    const grades = (c.grades ?? []).map((g) => `${reviewerOf.get(g.assignment)}: ${g.source_reliability}${g.credibility}`);
    if (grades.length) who.textContent += ` · ${gettext("grades")} ${grades.join(", ")}`;
    const actions = document.createElement("div");
    actions.className = "row-actions";
    if (!inGold) actions.append(button(gettext("Accept"), () => addGold(c.start, c.end, c.label), "accept"));
    if (c.status !== "rejected") actions.append(button(gettext("Reject"), () => rejectCandidate(c), "reject"));
    li.append(who, actions);
    // each reviewer's grade of the quoted source: accept one as the gold grade once the span is in the gold
    const goldSpan = goldKeys.get(keyOf(c));
    for (const g of c.grades ?? []) {
      const code = `${g.source_reliability}${g.credibility}`;
      const chosen = goldSpan?.reliability && `${goldSpan.reliability.source_reliability}${goldSpan.reliability.credibility}` === code;
      const use = button(chosen ? `${gettext("Gold grade")} ${code}` : `${gettext("Use grade")} ${code} (${reviewerOf.get(g.assignment)})`,
        () => acceptGrade(goldSpan, g), "accept-grade");
      use.disabled = use.disabled || !goldSpan || chosen;
      actions.append(use);
    }
    // the reviewers' claim links on this span: accept one into the gold once the span is in it
    const gold = goldKeys.get(keyOf(c));
    for (const link of c.claim_links) {
      const row = document.createElement("div");
      row.className = "candidate-link row-actions";
      const stance = document.createElement("span");
      stance.className = `stance stance-${link.stance}`;
      stance.textContent = STANCE_NAMES[link.stance] ?? link.stance;
      const claim = document.createElement("bdi");
      claim.dir = "auto";
      claim.textContent = `${link.claim_text} (${link.assignments.map((a) => reviewerOf.get(a)).join(", ")})`;
      const inGoldLink = gold?.claim_links.some((g) => g.claim === link.claim && g.stance === link.stance);
      const accept = button(inGoldLink ? gettext("In gold") : gettext("Accept link"), () => acceptLink(gold, link), "accept-link");
      accept.disabled = accept.disabled || !gold || inGoldLink;
      accept.title = gold ? "" : gettext("Accept the span first");
      row.append(stance, claim, accept);
      li.append(row);
    }
    return li;
  }
}

function renderGoldList() {
  goldList.replaceChildren(...state.gold.spans.map((g) => {
    const li = item(g, "gold-item");
    const who = document.createElement("div");
    who.className = "who";
    who.textContent = interpolate(gettext("%(decision)s by %(who)s"), { decision: DECISIONS[g.decision] ?? g.decision, who: g.decided_by }, true);
    const actions = document.createElement("div");
    actions.className = "row-actions";
    actions.append(button(gettext("Remove"), () => removeGold(g)));
    li.append(who, actions);
    li.addEventListener("click", (event) => { if (!event.target.closest("button")) curation.setCurrent(keyOf(g)); });
    return li;
  }));
  const goldKeys = new Map(state.gold.spans.map((g) => [keyOf(g), g]));
  document.getElementById("gold-count").textContent = `(${state.gold.spans.length})`;
  const agreedLeft = state.candidates.filter((c) => c.agreed && !goldKeys.has(keyOf(c))).length;
  const acceptAgreed = document.getElementById("accept-agreed");
  acceptAgreed.textContent = interpolate(gettext("Accept all agreed (%s)"), [agreedLeft]);
  acceptAgreed.disabled = isFinal() || agreedLeft === 0;
  document.getElementById("finalize").disabled = isFinal();
  document.getElementById("gold-status").textContent = isFinal()
    ? interpolate(gettext("Gold final, decided by %s"), [state.gold.adjudicator])
    : state.gold.status ? gettext("Gold in progress") : gettext("No gold yet");
}

function renderReliability() {
  const rows = state.reliability.map((r) => {
    const tr = document.createElement("tr");
    const who = document.createElement("td");
    who.textContent = reviewerOf.get(r.assignment);
    const grade = document.createElement("td");
    grade.textContent = `${r.source_reliability}${r.credibility}`;
    const note = document.createElement("td");
    note.textContent = r.note;
    note.dir = "auto";
    tr.append(who, grade, note);
    return tr;
  });
  if (state.gold.reliability) {
    const tr = document.createElement("tr");
    tr.className = "gold-row";
    const who = document.createElement("td");
    who.textContent = interpolate(gettext("gold (%s)"), [state.gold.reliability.decided_by]);
    const grade = document.createElement("td");
    grade.textContent = `${state.gold.reliability.source_reliability}${state.gold.reliability.credibility}`;
    tr.append(who, grade, document.createElement("td"));
    rows.push(tr);
  }
  if (!rows.length) {
    const tr = document.createElement("tr");
    const td = document.createElement("td");
    td.className = "empty";
    td.textContent = gettext("No reviewer graded the source.");
    tr.append(td);
    rows.push(tr);
  }
  document.querySelector("#reliability-table tbody").replaceChildren(...rows);
}

function renderLabels() {
  const bar = document.getElementById("labels");
  bar.replaceChildren(...labels.map((label, index) => {
    const b = labelButton(label, index < 9 ? String(index + 1) : label.hotkey || "");
    b.disabled = isFinal();
    b.addEventListener("click", () => addSelection(label.name));
    return b;
  }));
}

function render() {
  renderLabels();
  renderLists();
  renderReliability();
  curation.render();
  // After finalize the page says so and nothing stays clickable that would be refused.
  document.getElementById("adjudication").classList.toggle("read-only", isFinal());
  document.getElementById("read-only-note").hidden = !isFinal();
  for (const control of document.querySelectorAll("#reliability-form select, #reliability-form button")) control.disabled = isFinal();
}

async function addGold(start, end, label) {
  await call("POST", boot.urls.spans, { start, end, label });
  await reload();
}

async function acceptLink(gold, link) {
  await call("POST", `${boot.urls.goldSpan}${gold.id}/claim-links/`, { claim: link.claim, stance: link.stance });
  await reload();
}

async function acceptGrade(gold, grade) {
  await call("PUT", `${boot.urls.goldSpan}${gold.id}/reliability/`, {
    source_reliability: grade.source_reliability, credibility: grade.credibility,
  });
  await reload();
}

async function rejectCandidate(candidate) {
  await call("POST", boot.urls.rejections, { start: candidate.start, end: candidate.end, label: candidate.label });
  await reload();
}

async function removeGold(gold) {
  await call("DELETE", `${boot.urls.goldSpan}${gold.id}/`);
  await reload();
}

const selectionMode = new SelectionMode(article, document.getElementById("exact-selection"));

function selectionOffsets() {
  // the same selection code as the workspace, and the project's snap_to_words setting
  return selectedSpan(article, table, snapper, { snapToWords: boot.snapToWords !== false, mode: selectionMode });
}

function addSelection(labelName) {
  const range = selectionOffsets();
  if (!range) { messageEl.textContent = gettext("Select text in the article first."); messageEl.hidden = false; return; }
  window.getSelection().removeAllRanges();
  addGold(range[0], range[1], labelName).catch(() => {});
}

document.addEventListener("keydown", (event) => {
  if (event.target.closest?.("input, select, textarea") || event.ctrlKey || event.metaKey || event.altKey) return;
  const index = Number(event.key) - 1;
  if (index >= 0 && index < Math.min(9, labels.length) && !isFinal()) {
    event.preventDefault();
    addSelection(labels[index].name);
  }
});

document.getElementById("accept-agreed").addEventListener("click", async () => {
  const result = await call("POST", boot.urls.acceptAgreed);
  state = result;
  render();
  statusEl.textContent = interpolate(gettext("Accepted: %(spans)s spans, %(links)s links"), { spans: result.added.spans, links: result.added.claim_links }, true);
});

document.getElementById("finalize").addEventListener("click", async () => {
  await reload();  // count what is undecided now, not at the last drawing
  const undecided = state.undecided ?? 0;
  if (undecided && !window.confirm(`${undecided} ${gettext("candidate(s) are neither accepted, edited nor rejected. Finalize anyway?")}`)) return;
  if (!window.confirm(gettext("Finalize the gold for this document? It cannot be changed afterwards."))) return;
  const done = await call("POST", boot.urls.finalize);
  // the next document to adjudicate opens (or the queue, when none is left)
  if (done) { window.location.assign(done.next ? `/adjudication/${done.next}/` : boot.urls.queuePage); return; }
  await reload();
});

document.getElementById("reliability-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  await call("PUT", boot.urls.reliability, {
    source_reliability: form.get("source_reliability"),
    credibility: Number(form.get("credibility")),
  });
  await reload();
});

render();
document.body.dataset.adjudicationReady = "true";
