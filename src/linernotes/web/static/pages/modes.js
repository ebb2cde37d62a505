// The modes page (/modes): drawn from /api/insights/modes by app.js's insightPage.
"use strict";

function modesPage(data) {
  const r = data.result;
  const body = document.getElementById("insight-body");
  const modes = r.modes || [];
  if (!modes.length) { body.replaceChildren(el("p", { text: "Not enough sessions for modes yet." })); return; }
  const rows = modes.map((m, i) => ({ label: `Mode ${i + 1}`, value: m.session_share, text: `${fmtPct(m.session_share)} of sessions`, cls: `s${i % 8}` }));
  const fig = el("figure", { class: "chart", id: "modes-share" });
  const cards = el("div", { class: "grid" });
  body.replaceChildren(fig, cards);
  barList(fig, `${fmtInt(modes.length)} modes across ${fmtInt(r.sessions)} sessions; the most common: ` +
    `${modes[0].description} (${fmtPct(modes[0].session_share)} of sessions).`, rows);
  modes.forEach((m, i) => {
    const hours = m.hours || [];
    const peak = hours.length ? hours.indexOf(Math.max(...hours)) : null;
    const hourBox = el("figure", { class: "chart" });
    const card = el("article", { class: `card chapter c${i % 8}`, "data-mode": m.mode },
      el("h2", {}, el("span", { class: `swatch s${i % 8}`, "aria-hidden": "true" }), `Mode ${i + 1}: ${m.description}`),
      el("p", { class: "muted", text: `${fmtPct(m.session_share)} of sessions, ${fmtPct(m.time_share)} of the time` }),
      el("h3", { text: "When" }),
      facts([["Peak hour", peak === null ? null : hourName(peak)], ["Weekends", fmtPct(m.weekend_share)],
        ["Typical session", fmtH((m.median_minutes || 0) * 60000)]]),
      hourBox,
      el("h3", { text: "Where" }),
      facts([["Devices", (m.devices || []).map((d) => `${deviceName(d.name)} ${fmtPct(d.share)}`).join(" · ")]]),
      el("h3", { text: "What" }),
      facts([["Artists", (m.top_artists || []).join(" · ")], ["Spoken word", fmtPct(m.spoken_share)],
        ["Skipped", m.skip_rate === null ? "not recorded" : fmtPct(m.skip_rate)], ["On shuffle", fmtPct(m.shuffle_share)], ["Listening", fmtH(m.ms_played || 0)]]));
    cards.append(card);
    if (hours.length === 24) {
      columnChart(hourBox, `Sessions of this mode by starting hour; most start at ${hourName(peak)}.`,
        hours.map((n, h) => ({ key: String(h), label: h % 6 === 0 ? hourName(h) : "", value: n, tip: `${hourName(h)}: ${fmtInt(n)} sessions` })),
        (v) => fmtInt(v), { height: 60, cls: `s${i % 8}` });
    }
  });
}

INSIGHT_PAGES.modes = modesPage;
