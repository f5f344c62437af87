// Verification in the workspace: a selected span as evidence for claims, and Admiralty grades.

export const STANCES = [
  ["supports", "Supports", "يؤيد"],
  ["refutes", "Refutes", "يدحض"],
  ["mentions", "Mentions", "يذكر"],
];

// The Admiralty (NATO) code, explained in both languages.
export const RELIABILITY = [
  ["A", "Completely reliable", "موثوق تماماً"],
  ["B", "Usually reliable", "موثوق عادةً"],
  ["C", "Fairly reliable", "موثوق إلى حد ما"],
  ["D", "Not usually reliable", "غير موثوق عادةً"],
  ["E", "Unreliable", "غير موثوق"],
  ["F", "Reliability cannot be judged", "لا يمكن الحكم على موثوقيته"],
];
export const CREDIBILITY = [
  [1, "Confirmed by other sources", "مؤكدة من مصادر أخرى"],
  [2, "Probably true", "صحيحة على الأرجح"],
  [3, "Possibly true", "صحيحة احتمالاً"],
  [4, "Doubtful", "مشكوك فيها"],
  [5, "Improbable", "مستبعدة"],
  [6, "Truth cannot be judged", "لا يمكن الحكم على صحتها"],
];

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === "dataset") Object.assign(node.dataset, value);
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node[key] = value;
  }
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
}

function gradeSelects(current, disabled) {
  const reliability = el("select", { name: "source_reliability", disabled, title: "Source reliability" },
    el("option", { value: "", textContent: "Source…" }),
    ...RELIABILITY.map(([code, en, ar]) => el("option", { value: code, textContent: `${code}: ${en} / ${ar}`, selected: current?.source_reliability === code })));
  const credibility = el("select", { name: "credibility", disabled, title: "Information credibility" },
    el("option", { value: "", textContent: "Information…" }),
    ...CREDIBILITY.map(([code, en, ar]) => el("option", { value: String(code), textContent: `${code}: ${en} / ${ar}`, selected: current?.credibility === code })));
  return [reliability, credibility];
}

/** The outlet's grade form for the whole article. */
export function renderOutletGrade(container, ctx) {
  const current = ctx.ratings.find((r) => r.span === null);
  const [reliability, credibility] = gradeSelects(current, !ctx.editable());
  const note = el("input", { type: "text", name: "note", placeholder: "Note (optional) / ملاحظة", value: current?.note ?? "", disabled: !ctx.editable(), dir: "auto" });
  const form = el("form", { className: "grade-form", id: "outlet-grade" },
    el("div", { className: "grade-row" }, reliability, credibility), note,
    el("button", { type: "submit", textContent: current ? "Update grade" : "Save grade", disabled: !ctx.editable() }),
    el("span", { className: "grade-code", textContent: current ? `Current: ${current.source_reliability}${current.credibility}` : "Not graded yet" }));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!reliability.value || !credibility.value) { ctx.message("Choose both grades: the source (A–F) and the information (1–6)."); return; }
    const saved = await ctx.save(() => ctx.request("PUT", ctx.urls.reliability, {
      source_reliability: reliability.value, credibility: Number(credibility.value), note: note.value,
    }));
    if (saved) { ctx.setRating(saved); renderOutletGrade(container, ctx); }
  });
  container.replaceChildren(form);
}

/** Claim links and a quoted-source grade for the selected span. */
export function renderSpanEvidence(container, span, ctx) {
  container.replaceChildren();
  if (span.pending) return;
  const links = el("ul", { className: "claim-links" }, ...(span.claim_links ?? []).map((link) => el("li", {},
    el("span", { className: `stance stance-${link.stance}`, textContent: link.stance }), " ",
    el("a", { href: `/claims/${link.claim}/`, textContent: link.claim_text ?? `claim ${link.claim}`, dir: "auto" }),
    ctx.editable() ? el("button", { type: "button", className: "small", textContent: "×", title: "Remove link",
      onclick: async () => {
        const done = await ctx.save(() => ctx.request("DELETE", `/api/claim-links/${link.id}/`).then(() => true));
        if (done) { span.claim_links = span.claim_links.filter((l) => l !== link); renderSpanEvidence(container, span, ctx); }
      } }) : null)));
  container.append(el("h3", { textContent: "Evidence for claims" }), links);
  if (!ctx.editable()) return;

  const input = el("input", { type: "search", className: "claim-search", placeholder: "Find or write a claim… / ابحث عن ادعاء", dir: "auto" });
  const results = el("ul", { className: "claim-results" });
  const link = async (claim, stance) => {
    const saved = await ctx.save(() => ctx.request("POST", `/api/spans/${span.id}/claim-links/`, { claim: claim.id, stance }));
    if (!saved) return;
    span.claim_links = [...(span.claim_links ?? []).filter((l) => l.claim !== claim.id), { ...saved, claim_text: claim.text }];
    renderSpanEvidence(container, span, ctx);
  };
  const showClaims = (claims, heading) => {
    results.replaceChildren(...(heading ? [el("li", { className: "hint", textContent: heading })] : []),
      ...claims.map((claim) => el("li", { className: "claim-result" },
        el("bdi", { textContent: claim.text, dir: "auto" }),
        el("span", { className: "stance-buttons" }, ...STANCES.map(([stance, en, ar]) =>
          el("button", { type: "button", className: `small stance-${stance}`, textContent: en, title: ar, dataset: { stance, claim: claim.id },
            onclick: () => link(claim, stance) }))))));
  };
  let timer = null;
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const q = input.value.trim();
      if (!q) { results.replaceChildren(); return; }
      try {
        const found = await ctx.request("GET", `${ctx.urls.claims}?q=${encodeURIComponent(q)}&page_size=8`);
        showClaims(found.results, found.results.length ? null : "No claim matches; create it below.");
      } catch (error) { ctx.message(error.message); }
    }, 200);
  });
  const create = async (force) => {
    const text = input.value.trim() || span.text;
    try {
      // the claim is written from this document: reviewers still drafting it will not see it (blind review)
      const claim = await ctx.request("POST", ctx.urls.claims, { text, force, document: ctx.documentId });
      showClaims([claim], "Claim created: choose how this span relates to it.");
    } catch (error) {
      if (error.status === 409 && error.body?.similar) {
        showClaims(error.body.similar, "A similar claim exists: link to it, or create yours anyway.");
        results.append(el("li", {}, el("button", { type: "button", className: "small", textContent: "Create anyway", onclick: () => create(true) })));
      } else {
        ctx.message(error.message);
      }
    }
  };
  container.append(input,
    el("button", { type: "button", className: "small", id: "new-claim", textContent: "New claim from this span", onclick: () => create(false) }),
    results);

  const current = ctx.ratings.find((r) => r.span === span.id);
  const [reliability, credibility] = gradeSelects(current, false);
  const form = el("form", { className: "grade-form span-grade" },
    el("h3", { textContent: "Grade this quoted source" }), el("div", { className: "grade-row" }, reliability, credibility),
    el("button", { type: "submit", className: "small", textContent: "Save grade" }),
    el("span", { className: "grade-code", textContent: current ? `Current: ${current.source_reliability}${current.credibility}` : "" }));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!reliability.value || !credibility.value) { ctx.message("Choose both grades."); return; }
    const saved = await ctx.save(() => ctx.request("PUT", ctx.urls.reliability, {
      source_reliability: reliability.value, credibility: Number(credibility.value), span: span.id,
    }));
    if (saved) { ctx.setRating(saved); renderSpanEvidence(container, span, ctx); }
  });
  container.append(form);
}
