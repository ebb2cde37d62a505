// The moments page (/moments): the days and weeks that broke from your normal, on a time line and one by
// one with what was unusual. Drawn from /api/insights/moments.
"use strict";

const MOMENT_KINDS = {
  loud_day: { name: "Big listening days", one: "Big listening day", cls: "s1" },
  loud_week: { name: "Big listening weeks", one: "Big listening week", cls: "s4" },
  quiet_week: { name: "Quiet weeks", one: "Quiet week", cls: "s7" },
  new_artist: { name: "New artists", one: "New artist", cls: "s2" },
  rhythm: { name: "Changes of rhythm", one: "Change of rhythm", cls: "s6" },
};
const momentKind = (k) => MOMENT_KINDS[k] || { name: "Other moments", one: "Moment", cls: "s7" };

function momentsPage(data) {
  const r = data.result;
  const body = document.getElementById("insight-body");
  const moments = r.moments || [];
  if (!moments.length) { fambNote(body, data.summary[0] || "No moments stand out in this period."); return; }
  const kinds = Object.keys(MOMENT_KINDS).filter((k) => (r.by_kind || {})[k]);
  const stats = el("div", { class: "stats" }, stat("found", "moments stand out", r.found, fmtInt(r.found)),
    ...kinds.map((k) => stat(k, momentKind(k).name.toLowerCase(), r.by_kind[k], fmtInt(r.by_kind[k]))));
  const line = fambChart({ id: "moment-timeline" });
  const cards = el("div", { class: "famb-cards", id: "moment-cards" });
  const listed = fambSection(r.found > moments.length ? `The ${fmtInt(moments.length)} strongest` : "Each moment",
    "Strongest first: how far each one broke from the weeks around it.");
  listed.append(cards);
  body.replaceChildren(stats, line, listed);
  const lanes = Object.keys(MOMENT_KINDS).filter((k) => moments.some((m) => m.kind === k)).map((k) => ({ name: momentKind(k).name, cls: momentKind(k).cls }));
  const strongest = Math.max(...moments.map((m) => m.score));
  eventTimeline(line, `The ${countOf(moments.length, "strongest moment")} between ${fmtDate(data.meta.start)} and ${fmtDate(data.meta.end)}; a bigger dot broke further from normal.`,
    lanes, moments.map((m) => ({ lane: momentKind(m.kind).name, day: m.start, end: m.end, size: m.score / strongest, tip: m.sentence })),
    { start: data.meta.start, end: data.meta.end });
  moments.forEach((m) => {
    const kind = momentKind(m.kind);
    const title = m.artist ? entityLink("artist", m.artist) : (m.start === m.end ? fmtDate(m.start) : `Week of ${fmtRange(m.start, m.end)}`);
    const detail = m.detail ? m.detail.charAt(0).toUpperCase() + m.detail.slice(1) : m.sentence;
    cards.append(el("article", { class: `famb-card c${kind.cls.slice(1)}`, "data-kind": m.kind },
      el("p", { class: "kicker", text: m.artist ? `${kind.one} · ${fmtRange(m.start, m.end)}` : kind.one }), el("h3", {}, title), el("p", { text: `${detail}.` })));
  });
}

INSIGHT_PAGES.moments = momentsPage;
