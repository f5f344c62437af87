// Verification in the workspace: a selected span as evidence for claims, and Admiralty grades.

// Texts come from the JavaScript catalog (gettext), in the interface language.
export const STANCES = [
  ["supports", gettext("Supports")],
  ["refutes", gettext("Refutes")],
  ["mentions", gettext("Mentions")],
];
export const STANCE_NAMES = Object.fromEntries(STANCES);

// The Admiralty (NATO) code, explained in the interface language.
export const RELIABILITY = [
  ["A", gettext("Completely reliable")],
  ["B", gettext("Usually reliable")],
  ["C", gettext("Fairly reliable")],
  ["D", gettext("Not usually reliable")],
  ["E", gettext("Unreliable")],
  ["F", gettext("Reliability cannot be judged")],
];
export const CREDIBILITY = [
  [1, gettext("Confirmed by other sources")],
  [2, gettext("Probably true")],
  [3, gettext("Possibly true")],
  [4, gettext("Doubtful")],
  [5, gettext("Improbable")],
  [6, gettext("Truth cannot be judged")],
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
  const reliabilityName = gettext("Source reliability");
  const credibilityName = gettext("Information credibility");
  const reliability = el("select", { name: "source_reliability", disabled, title: reliabilityName, ariaLabel: reliabilityName },
    el("option", { value: "", textContent: gettext("Source…") }),
    ...RELIABILITY.map(([code, text]) => el("option", { value: code, textContent: `${code}: ${text}`, selected: current?.source_reliability === code })));
  const credibility = el("select", { name: "credibility", disabled, title: credibilityName, ariaLabel: credibilityName },
    el("option", { value: "", textContent: gettext("Information…") }),
    ...CREDIBILITY.map(([code, text]) => el("option", { value: String(code), textContent: `${code}: ${text}`, selected: current?.credibility === code })));
  return [reliability, credibility];
}

/** The outlet's grade form for the whole article. */
export function renderOutletGrade(container, ctx) {
  const current = ctx.ratings.find((r) => r.span === null);
  const [reliability, credibility] = gradeSelects(current, !ctx.editable());
  const note = el("input", { type: "text", name: "note", placeholder: gettext("Note (optional)"), ariaLabel: gettext("Note (optional)"), value: current?.note ?? "", disabled: !ctx.editable(), dir: "auto" });
  const form = el("form", { className: "grade-form", id: "outlet-grade" },
    el("div", { className: "grade-row" }, reliability, credibility), note,
    el("button", { type: "submit", textContent: current ? gettext("Update grade") : gettext("Save grade"), disabled: !ctx.editable() }),
    el("span", { className: "grade-code", textContent: current ? interpolate(gettext("Current: %s"), [`${current.source_reliability}${current.credibility}`]) : gettext("Not graded yet") }));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!reliability.value || !credibility.value) { ctx.message(gettext("Choose both grades: the source (A–F) and the information (1–6).")); return; }
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
    el("span", { className: `stance stance-${link.stance}`, textContent: STANCE_NAMES[link.stance] ?? link.stance }), " ",
    el("a", { href: `/claims/${link.claim}/`, textContent: link.claim_text ?? interpolate(gettext("claim %s"), [link.claim]), dir: "auto" }),
    ctx.editable() ? el("button", { type: "button", className: "small", textContent: "×", title: gettext("Remove link"), ariaLabel: gettext("Remove link"),
      onclick: async () => {
        const done = await ctx.save(() => ctx.request("DELETE", `/api/claim-links/${link.id}/`).then(() => true));
        if (done) { span.claim_links = span.claim_links.filter((l) => l !== link); renderSpanEvidence(container, span, ctx); }
      } }) : null)));
  container.append(el("h3", { textContent: gettext("Evidence for claims") }), links);
  if (!ctx.editable()) return;

  const input = el("input", { type: "search", className: "claim-search", placeholder: gettext("Find or write a claim…"), ariaLabel: gettext("Find or write a claim…"), dir: "auto" });
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
        el("span", { className: "stance-buttons" }, ...STANCES.map(([stance, name]) =>
          el("button", { type: "button", className: `small stance-${stance}`, textContent: name, dataset: { stance, claim: claim.id },
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
        showClaims(found.results, found.results.length ? null : gettext("No claim matches; create it below."));
      } catch (error) { ctx.message(error.message); }
    }, 200);
  });
  const create = async (force) => {
    const text = input.value.trim() || span.text;
    try {
      // the claim is written from this document: reviewers still drafting it will not see it (blind review)
      const claim = await ctx.request("POST", ctx.urls.claims, { text, force, document: ctx.documentId });
      showClaims([claim], gettext("Claim created: choose how this span relates to it."));
    } catch (error) {
      if (error.status === 409 && error.body?.similar) {
        showClaims(error.body.similar, gettext("A similar claim exists: link to it, or create yours anyway."));
        results.append(el("li", {}, el("button", { type: "button", className: "small", textContent: gettext("Create anyway"), onclick: () => create(true) })));
      } else {
        ctx.message(error.message);
      }
    }
  };
  container.append(input,
    el("button", { type: "button", className: "small", id: "new-claim", textContent: gettext("New claim from this span"), onclick: () => create(false) }),
    results);

  const current = ctx.ratings.find((r) => r.span === span.id);
  const [reliability, credibility] = gradeSelects(current, false);
  const form = el("form", { className: "grade-form span-grade" },
    el("h3", { textContent: gettext("Grade this quoted source") }), el("div", { className: "grade-row" }, reliability, credibility),
    el("button", { type: "submit", className: "small", textContent: gettext("Save grade") }),
    el("span", { className: "grade-code", textContent: current ? interpolate(gettext("Current: %s"), [`${current.source_reliability}${current.credibility}`]) : "" }));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!reliability.value || !credibility.value) { ctx.message(gettext("Choose both grades.")); return; }
    const saved = await ctx.save(() => ctx.request("PUT", ctx.urls.reliability, {
      source_reliability: reliability.value, credibility: Number(credibility.value), span: span.id,
    }));
    if (saved) { ctx.setRating(saved); renderSpanEvidence(container, span, ctx); }
  });
  container.append(form);
}
