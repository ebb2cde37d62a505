// The skip model's page (/skip-model): its drivers as an explained chart — in each situation, how often you
// skip against your usual rate, bars right for more skips and left for fewer — a sentence per driver, and
// the model's quality against the baseline said plainly. Drawn from /api/insights/skip-model.
"use strict";

const SKIP_DRIVERS_SHOWN = 5;
const capitalise = (s) => s.charAt(0).toUpperCase() + s.slice(1);

function skipModelPage(data) {
  const r = data.result;
  const body = document.getElementById("insight-body");
  if (r.status !== "ok" || r.auc === null || r.auc === undefined) {
    fambNote(body, data.summary[0] || "Not enough plays with a known skip status to learn what makes you skip.");
    return;
  }
  const usual = r.skips / r.plays;
  const drivers = (r.factors || []).filter((f) => f.importance > 0).slice(0, SKIP_DRIVERS_SHOWN);
  const rest = (r.factors || []).filter((f) => !drivers.includes(f));
  const stats = el("div", { class: "stats" },
    stat("plays", "music plays learned from", r.plays, fmtInt(r.plays)),
    stat("skip-rate", "of them skipped", usual, fmtPct(usual)),
    stat("auc", "skips picked out by the model", r.auc, `${fmtInt(100 * r.auc)} in 100`),
    stat("baseline", "by the artist's skip rate alone", r.baseline_auc, `${fmtInt(100 * r.baseline_auc)} in 100`));
  const quality = fambChart({ id: "skip-quality" });
  const chart = fambChart({ id: "skip-drivers" });
  const list = el("ol", { class: "famb-drivers", id: "skip-sentences" });
  const driversBox = fambSection("What raises and lowers the chance of a skip",
    `In order of how much the model leans on them. The middle line is your usual rate: ${fmtPct(usual)} of plays skipped.`);
  driversBox.append(chart, el("h3", { text: "In plain words" }), list);
  if (r.combination && r.combination.sentence) driversBox.append(el("p", { class: "famb-note", text: r.combination.sentence }));
  const lesser = rest.filter((f) => f.importance > 0), none = rest.filter((f) => f.importance <= 0);
  if (lesser.length) driversBox.append(el("p", { class: "muted", text: `Also weighed, less: ${lesser.map((f) => f.name).join(", ")}.` }));
  if (none.length) driversBox.append(el("p", { class: "muted", text: `Add nothing once the above are known: ${none.map((f) => f.name).join(", ")}.` }));
  const qualityBox = fambSection("How good is the model?",
    `Trained on your ${fmtInt(r.trained_on)} earlier plays, then tested on the latest ${fmtInt(r.test_plays)} (from ${fmtDate(r.split_at)}), which it had never seen.`);
  const roc = fambChart({ id: "skip-roc" });
  qualityBox.append(quality);
  if ((r.roc_fpr || []).length > 2) qualityBox.append(roc);
  body.replaceChildren(stats, driversBox, qualityBox);

  const rows = [];
  drivers.forEach((f, i) => {
    rows.push({ heading: `${i + 1}. ${capitalise(f.name)}` });
    for (const level of f.levels) {
      rows.push({ label: capitalise(level.phrase), value: level.rate, text: fmtPct(level.rate),
        tip: `${capitalise(level.phrase)}: ${fmtInt(level.skips)} of ${fmtInt(level.plays)} plays skipped (${fmtPct(level.rate)})` });
    }
    list.append(el("li", {}, el("strong", { text: capitalise(f.name) }), f.sentence || ""));
  });
  const top = drivers[0];
  divergingBars(chart, top
    ? `The strongest driver is ${top.name}: ${top.sentence ? top.sentence.charAt(0).toLowerCase() + top.sentence.slice(1) : ""}`
    : "No situation changes how often you skip.", rows,
  { centre: usual, centreText: `usual: ${fmtPct(usual)} skipped`, sides: ["fewer skips", "more skips"], shown: (v) => fmtPct(v) });

  const say = (auc) => fmtInt(100 * auc);
  scaleBars(quality,
    `Given one play you skipped and one you kept, the model picks the skipped one ${say(r.auc)} times in 100 ` +
    `(ROC-AUC ${r.auc.toFixed(2)} ± ${r.auc_se.toFixed(2)}); going by the artist's own skip rate so far picks it ${say(r.baseline_auc)} times; ` +
    "a coin would manage 50.",
    [{ label: "The skip model", value: r.auc, text: `${say(r.auc)} in 100`, cls: "s1" },
      { label: "The artist's skip rate so far", value: r.baseline_auc, text: `${say(r.baseline_auc)} in 100`, cls: "s7" }],
    { min: 0.5, max: 1, ticks: [0.5, 0.6, 0.7, 0.8, 0.9, 1], shown: (t) => (t === 0.5 ? "50: a coin" : t === 1 ? "100: always" : say(t)) });

  if ((r.roc_fpr || []).length > 2) {
    // the point where a tenth of the kept plays are wrongly flagged: the curves' trade-off in one sentence
    const at = r.roc_fpr.findIndex((f) => f >= 0.1);
    curveChart(roc, `Flagging ${fmtPct(r.roc_fpr[at])} of the plays you kept by mistake, the model catches ${fmtPct(r.roc_tpr[at])} of your skips; ` +
      `the artist's skip rate catches ${fmtPct(r.baseline_tpr[at])}. The dotted diagonal is what a coin would catch.`,
    r.roc_fpr, [{ name: "The skip model", values: r.roc_tpr, cls: "s1" }, { name: "The artist's skip rate", values: r.baseline_tpr, cls: "s7" }],
    { xTitle: "kept plays flagged as skips by mistake", yTitle: "skips caught" });
  }
}

INSIGHT_PAGES["skip-model"] = skipModelPage;
