// The chapters page (/chapters): drawn from /api/insights/chapters by app.js's insightPage.
"use strict";

async function chaptersPage(data) {
  const r = data.result;
  const body = document.getElementById("insight-body");
  const chapters = r.chapters || [];
  if (!chapters.length) { body.replaceChildren(el("p", { text: r.reason || "Not enough listening for chapters yet." })); return; }
  const first = new Date(chapters[0].start), last = new Date(chapters[chapters.length - 1].end);
  const span = Math.max(1, last - first);
  // The timeline: one band per chapter, as wide as its time, in the chapter's colour (identity.series_color).
  const line = el("div", { class: "timeline" });
  chapters.forEach((c, i) => {
    const a = el("a", { href: `#chapter-${c.index}`, class: `s${i % 8}`,
      title: `${fmtRange(c.start, c.end)}: ${c.title}`, "aria-label": `Chapter ${c.index}: ${fmtRange(c.start, c.end)}, ${c.title}` });
    a.style.flexGrow = String(Math.max(1, (new Date(c.end) - new Date(c.start)) / span * 1000));
    line.append(a);
  });
  const ends = el("div", { class: "range-note" }, `${fmtDate(chapters[0].start)} → ${fmtDate(chapters[chapters.length - 1].end)}`);
  const fig = el("figure", { class: "chart", id: "chapter-timeline" },
    el("figcaption", { text: `${fmtInt(chapters.length)} chapters from ${fmtDate(chapters[0].start)} to ${fmtDate(chapters[chapters.length - 1].end)}.` }),
    line, ends);
  const cards = el("div", { class: "grid" });
  body.replaceChildren(fig, cards);
  await Promise.all(chapters.map(async (c, i) => {
    const card = el("article", { class: `card chapter c${i % 8}`, id: `chapter-${c.index}`, "data-chapter": c.index });
    cards.append(card);
    const tq = new URLSearchParams({ entity: "tracks", by: "plays", limit: "3", from: c.start, to: c.end });
    const signature = (c.distinctive || []).map((x) => x.artist);
    card.append(
      el("h2", {}, el("span", { class: `swatch s${i % 8}`, "aria-hidden": "true" }), `${c.index}. ${c.title}`),
      el("p", { class: "muted", text: `${fmtRange(c.start, c.end)}${c.current ? " · now" : ""}` }),
      el("p", { text: c.paragraph || "" }),
      // Scrobbles carry no durations: a chapter of them has plays but no hours to show.
      facts([["Listening", c.hours ? `${fmtH(c.hours * MS_PER_HOUR)} (${fmtH(c.hours_per_week * MS_PER_HOUR)} a week)` : null],
        ["Music", c.music_hours ? fmtH(c.music_hours * MS_PER_HOUR) : null], ["Plays", fmtInt(c.plays)],
        ["New artists", c.new_artists === undefined ? null : fmtInt(c.new_artists)],
        ["Peak hours", (c.peak_hours || []).map(hourName).join(" · ")],
        // Night and weekend shares are shares of the time: none without durations.
        ["At night", c.hours ? fmtPct(c.night_share) : null], ["Weekends", c.hours ? fmtPct(c.weekend_share) : null],
        ["Devices", (c.devices || []).map((d) => `${deviceName(d.device)} ${fmtPct(d.share)}`).join(" · ")]]),
      el("h3", { text: "Signature artists" }),
      el("ol", { class: "names" }, ...signature.map((n) => el("li", {}, entityLink("artist", n)))),
      el("h3", { text: "Most played artists" }),
      el("p", { text: (c.top_artists || []).join(" · ") }));
    const tracksBox = el("ol", { class: "names" });
    card.append(el("h3", { text: "Signature tracks" }), tracksBox);
    const top = await getJSON(`/api/insights/top?${tq}`).catch(() => null);
    for (const t of top ? top.result.rows : []) {
      tracksBox.append(el("li", {}, entityLink("track", t.name, t.by), el("span", { class: "muted", text: t.by ? ` · ${t.by}` : "" })));
    }
  }));
}

INSIGHT_PAGES.chapters = chaptersPage;
