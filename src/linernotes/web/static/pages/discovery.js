// The discovery page (/discovery): new artists month by month, how much of your time goes to fresh finds, and
// the discoveries that became favourites. Drawn from /api/insights/discovery by app.js's insightPage.
"use strict";

const DISCOVERY_FIRST_MONTHS = 3; // the first months of a history are all "new": no pattern in them

function discoveryPage(data) {
  const r = data.result;
  const body = document.getElementById("insight-body");
  const months = (r.months || []).filter((m) => m.new_artists > 0 || m.ms_played > 0);
  if (!r.new_artists) {
    body.replaceChildren(tooLittle("No music in this period, so no new artists to show."));
    return;
  }
  // The whole history (no period picked) starts with months where everything is new; a period later in the
  // history is measured against all that came before it, so its first months count like any other.
  const fromStart = !params.get("from");
  const firstMonths = fromStart ? DISCOVERY_FIRST_MONTHS : 0;
  if (months.length < Math.max(2, firstMonths)) {
    body.replaceChildren(tooLittle(`Music in only ${fmtInt(months.length)} ${months.length === 1 ? "month" : "months"}` +
      (fromStart ? ": everything is new at the start of a history, so there is no discovery pattern to show yet."
        : ": too few to follow discovery month by month.")));
    return;
  }
  const timed = r.ms_played > 0;
  const stats = el("div", { class: "stats" },
    stat("new_artists", "new artists", r.new_artists, fmtInt(r.new_artists)),
    stat("new_tracks", "new tracks", r.new_tracks, fmtInt(r.new_tracks)),
    timed ? stat("became_favourites", `became a top-${fmtInt(r.top_n)} artist`, r.became_favourites, fmtInt(r.became_favourites)) : "",
    timed && r.median_days_to_favourite !== null ? stat("median_days_to_favourite", "from first listen to favourite (median)",
      r.median_days_to_favourite, countOf(r.median_days_to_favourite, "day")) : "",
    timed && r.fresh_share !== null ? stat("fresh_share", `of music time on artists found in the ${fmtInt(r.fresh_days)} days before`,
      r.fresh_share, fmtPct(r.fresh_share)) : "");
  const [newCard, newFig] = chartCard("New artists each month", "discovery-months");
  const cards = [newCard];
  let freshFig = null;
  if (timed) {
    const [card, fig] = chartCard("Time on fresh finds", "discovery-fresh");
    cards.push(card);
    freshFig = fig;
  }
  const finds = el("section", { class: "card fa-card", id: "discovery-finds" }, el("h2", { text: "Your biggest finds" }));
  body.replaceChildren(stats, ...cards, finds);

  const all = monthRange(r.months[0].month, r.months[r.months.length - 1].month);
  const byMonth = new Map(r.months.map((m) => [m.month, m]));
  const label = (key) => (all.length > 18 ? (key.endsWith("-01") ? key.slice(0, 4) : "") : MONTHS[Number(key.slice(5)) - 1]);
  const best = r.months.reduce((a, m) => (m.new_artists > a.new_artists ? m : a), r.months[0]);
  // The first months of a history are all discovery: the sentence names the busiest month after them.
  const later = r.months.slice(firstMonths);
  const bestLater = later.length ? later.reduce((a, m) => (m.new_artists > a.new_artists ? m : a), later[0]) : best;
  const after = firstMonths ? `; after the first ${fmtInt(firstMonths)} months (when everything is new) the most in` : "; the most in";
  (all.length > 18 ? columnChart : categoryColumns)(newFig, `Artists heard for the first time, each month: ` +
    `${fmtInt(r.new_artists)} in all${after} ${fmtMonth(bestLater.month)} (${fmtInt(bestLater.new_artists)}).`,
  all.map((key) => {
    const m = byMonth.get(key) || { new_artists: 0, new_tracks: 0 };
    return { key, label: label(key), value: m.new_artists,
      tip: `${fmtMonth(key)}: ${fmtInt(m.new_artists)} new artists, ${fmtInt(m.new_tracks)} new tracks` };
  }), (v) => fmtInt(v), { height: 150 });

  if (freshFig) {
    // Share of each month's music time on artists first heard in the fresh_days before; the first months of the
    // history (all fresh by definition) and months without music are left out.
    const skip = fromStart ? Math.ceil(r.fresh_days / 30) : 0;
    const points = all.map((key, i) => {
      const m = byMonth.get(key);
      const value = i >= skip && m && m.ms_played > 0 && m.fresh_share !== null ? m.fresh_share : null;
      return { key, label: label(key), value, tip: value === null ? `${fmtMonth(key)}: not counted` :
        `${fmtMonth(key)}: ${fmtPct(value)} of ${fmtH(m.ms_played)}` };
    });
    const shown = points.filter((p) => p.value !== null);
    if (shown.length >= 2) {
      const avg = shown.reduce((a, p) => a + p.value, 0) / shown.length;
      lineChart(freshFig, `Share of each month's music time on artists you first heard in the ${fmtInt(r.fresh_days)} days ` +
        `before: ${fmtPct(avg)} in an average month${skip ? " (the first months, all new by definition, are left out)" : ""}` +
        `${points.length > 24 ? "; the line is a three-month average, the dots the months" : ""}.`,
      points, (v) => fmtPct(v), { max: 1, height: 150, average: points.length > 24 ? 3 : 0 });
    } else freshFig.replaceChildren(tooLittle("Too few months to follow how much time goes to fresh finds."));
  }

  const rows = r.discoveries || [];
  if (!rows.length) { finds.append(el("p", { class: "muted", text: "No discoveries to list." })); return; }
  const favourite = (d) => (d.favourite_on === null ? "not yet"
    : d.days_to_favourite === 0 ? "the same day" : d.days_to_favourite < 7 ? "the same week"
      : `${countOf(d.days_to_favourite, "day")} later`);
  const max = Math.max(1, ...rows.map((d) => (timed ? d.ms_played : d.plays)));
  finds.append(el("p", { class: "muted fa-note", text: timed
    ? `The artists you found in this period that you played most, and when each became one of your top ${fmtInt(r.top_n)} (over ${fmtInt(r.window_weeks)} weeks).`
    : "The artists you found in this period that you played most." }),
  listTable("Your biggest finds", timed ? ["Artist", "First heard", "Became a favourite", "Listening", "Listening, drawn"]
    : ["Artist", "First heard", "Plays", "Plays, drawn"], rows.map((d) => el("tr", { "data-name": d.artist },
    el("td", {}, entityLink("artist", d.artist)),
    el("td", { class: "date", text: fmtDate(d.first_day) }),
    ...(timed ? [el("td", { "data-key": "favourite_on", "data-value": d.favourite_on || "", text: favourite(d) })] : []),
    el("td", { class: "num", text: timed ? fmtH(d.ms_played) : fmtInt(d.plays) }),
    el("td", { class: "bar" }, cellBar((timed ? d.ms_played : d.plays) / max))))));
}

INSIGHT_PAGES.discovery = discoveryPage;
