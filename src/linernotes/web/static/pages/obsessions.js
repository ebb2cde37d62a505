// The obsessions page (/obsessions): every burst as a card with its days drawn in place, and all of them on
// a time line. Drawn from /api/insights/obsessions by app.js's insightPage.
"use strict";

const OBSESSION_KINDS = { track: { lane: "Tracks on repeat", kicker: "Track on repeat", cls: "s1", card: "c1" },
  artist: { lane: "Artist binges", kicker: "Artist binge", cls: "s0", card: "c0" } };

function obsessionUsual(o) {
  if (o.ratio === null || o.baseline_ms <= 0) return "not played at all in the three months either side";
  if (o.ratio >= 20) return `hardly played in the three months either side (${fmtPct(o.usual_share, 1)} of your music there)`;
  return `${fmtInt(o.ratio)} times its usual share of ${fmtPct(o.usual_share, 1)}`;
}

function obsessionsPage(data) {
  const r = data.result;
  const body = document.getElementById("insight-body");
  const found = r.obsessions || [];
  if (!found.length) {
    fambNote(body, data.summary[0] || "No obsessions in this period.");
    if ((r.withheld || []).length) body.append(el("p", { class: "muted", text:
      `${countOf(r.withheld.length, "burst")} could not be judged: too little music in the months around ${r.withheld.length === 1 ? "it" : "them"}.` }));
    return;
  }
  const tracks = found.filter((o) => o.type === "track").length;
  const stats = el("div", { class: "stats" },
    stat("obsessions", "obsessions", found.length, fmtInt(found.length)),
    stat("tracks", "tracks on repeat", tracks, fmtInt(tracks)),
    stat("artists", "artist binges", found.length - tracks, fmtInt(found.length - tracks)),
    stat("plays", "plays during them", found.reduce((a, o) => a + o.plays, 0), fmtInt(found.reduce((a, o) => a + o.plays, 0))));
  const line = fambChart({ id: "obsession-timeline" });
  const cards = el("div", { class: "famb-cards", id: "obsession-cards" });
  body.replaceChildren(stats, line, fambSection("Each obsession, day by day",
    "The coloured columns are the obsession's own listening each day; the grey behind them is all your music that day, two weeks either side."), cards);
  const lanes = ["track", "artist"].filter((t) => found.some((o) => o.type === t)).map((t) => ({ name: OBSESSION_KINDS[t].lane, cls: OBSESSION_KINDS[t].cls }));
  const strongest = Math.max(...found.map((o) => o.plays));
  eventTimeline(line, `${countOf(found.length, "obsession")} between ${fmtDate(data.meta.start)} and ${fmtDate(data.meta.end)}; a bigger dot is more plays.`,
    lanes, found.map((o) => ({ lane: OBSESSION_KINDS[o.type].lane, day: o.start, end: o.end, size: o.plays / strongest,
      tip: `${o.type === "track" ? `${o.name} by ${o.artist}` : o.name}: ${fmtRange(o.start, o.end)}, ${countOf(o.plays, "play")}` })),
    { start: data.meta.start, end: data.meta.end });
  found.forEach((o, i) => {
    const kind = OBSESSION_KINDS[o.type];
    const chart = fambChart();
    const card = el("article", { class: `famb-card ${kind.card}`, "data-obsession": String(i) },
      el("p", { class: "kicker", text: kind.kicker }),
      el("h3", {}, o.type === "track" ? entityLink("track", o.name, o.artist) : entityLink("artist", o.name)),
      o.type === "track" ? el("p", { class: "muted" }, "by ", entityLink("artist", o.artist)) : "",
      el("p", {}, el("span", { class: "famb-big", text: fmtPct(o.share) }), ` of your music, ${fmtRange(o.start, o.end)}`),
      facts([["Plays", fmtInt(o.plays)], ["Listening", fmtH(o.ms_played)], ["Days", `${fmtInt(o.hot_days)} of ${countOf(o.days, "day")} taken over`],
        ["Sessions", fmtInt(o.sessions)], ["Around it", obsessionUsual(o)]]),
      chart);
    cards.append(card);
    if ((o.around || []).length) {
      const peak = o.around.reduce((a, d) => (d.ms > a.ms ? d : a), o.around[0]);
      burstChart(chart, `Its biggest day: ${fmtDate(peak.day)}, ${fmtH(peak.ms)} of ${fmtH(peak.total_ms)} of music.`, o.around,
        { from: o.start, to: o.end, cls: kind.cls });
    }
  });
}

INSIGHT_PAGES.obsessions = obsessionsPage;
