// The variety page (/diversity): how many artists your listening is spread over, month by month (the effective
// number of artists), and how much of it the top 10 take. Drawn from /api/insights/diversity by app.js's
// insightPage.
"use strict";

const DIVERSITY_MIN_MONTHS = 3; // fewer months make no line

function diversityPage(data) {
  const r = data.result;
  const body = document.getElementById("insight-body");
  const t = r.total || {};
  const plays = data.meta.plays || 0;
  if (!t.ms_played) {
    body.replaceChildren(tooLittle(plays
      ? `This history records ${countOf(plays, "play")} but not how long each lasted (or no music among them); variety weighs each artist by listening time, so there is nothing to weigh.`
      : "No music in this period."));
    return;
  }
  const months = r.months || [];
  const withMusic = months.filter((m) => m.ms_played > 0);
  const trend = (r.trends || []).find((x) => x.metric === "effective_artists");
  const stats = el("div", { class: "stats" },
    stat("effective_artists", "effective number of artists", t.effective_artists, fixed(t.effective_artists, 1)),
    stat("artists", "artists played", t.artists, fmtInt(t.artists)),
    stat("top10_share", "of the time on the top 10", t.top10_share, fmtPct(t.top10_share)),
    !trend ? "" : trend.direction === "steady"
      ? stat("trend", `month by month over ${fmtInt(trend.months)} months`, trend.slope_per_year, "Steady")
      : stat("trend", "effective artists a year", trend.slope_per_year,
        `${trend.slope_per_year > 0 ? "+" : "−"}${fixed(Math.abs(trend.slope_per_year), 1)}`));
  const explain = el("p", { class: "muted", text: "The effective number of artists: if your listening time were shared " +
    "equally among this many artists, it would be just as varied. A few favourites played a lot give a small " +
    "number; wide, even listening a large one." });
  if (withMusic.length < DIVERSITY_MIN_MONTHS) {
    body.replaceChildren(stats, explain, tooLittle(`Music in only ${fmtInt(withMusic.length)} ` +
      `${withMusic.length === 1 ? "month" : "months"}: too few to follow your variety month by month.`));
    return;
  }
  const [effCard, effFig] = chartCard("Variety, month by month", "diversity-effective");
  const [topCard, topFig] = chartCard("The top 10's share", "diversity-top10");
  const [extremesCard] = [el("ul", { class: "fa-facts", id: "diversity-extremes" })];
  body.replaceChildren(stats, explain, effCard, topCard, extremesCard);

  const all = monthRange(months[0].month, months[months.length - 1].month);
  const byMonth = new Map(withMusic.map((m) => [m.month, m]));
  const label = (key) => (all.length > 18 ? (key.endsWith("-01") ? key.slice(0, 4) : "") : MONTHS[Number(key.slice(5)) - 1]);
  const trendWords = !trend ? `(a trend needs at least 12 months with music; there are ${fmtInt(withMusic.length)})`
    : trend.direction === "steady" ? `it held steady over ${fmtInt(trend.months)} months`
      : `it ${trend.direction === "rising" ? "widened" : "narrowed"} by ${fixed(Math.abs(trend.slope_per_year), 1)} effective artists a year over ${fmtInt(trend.months)} months`;
  lineChart(effFig, `Effective number of artists each month (a month is narrower than the whole period: favourites ` +
    `come and go): ${fixed(t.effective_artists, 1)} over the whole period; ${trendWords}` +
    `${all.length > 24 ? "; the line is a three-month average, the dots the months" : ""}.`,
    all.map((key) => {
      const m = byMonth.get(key);
      return { key, label: label(key), value: m ? m.effective_artists : null,
        tip: m ? `${fmtMonth(key)}: like ${fixed(m.effective_artists, 1)} equally played artists (${fmtInt(m.artists)} played, ${fmtH(m.ms_played)})`
          : `${fmtMonth(key)}: no music` };
    }), (v) => fmtInt(v), { height: 160, average: all.length > 24 ? 3 : 0 });
  const topTrend = (r.trends || []).find((x) => x.metric === "top10_share");
  lineChart(topFig, `Share of each month's music time on that month's 10 most played artists: ${fmtPct(t.top10_share)} ` +
    `over the whole period${topTrend && topTrend.direction !== "steady" ? `, ${topTrend.direction} by ${fixed(100 * Math.abs(topTrend.slope_per_year))} percentage points a year` : ""}` +
    `${all.length > 24 ? "; the line is a three-month average, the dots the months" : ""}.`,
  all.map((key) => {
    const m = byMonth.get(key);
    return { key, label: label(key), value: m ? m.top10_share : null,
      tip: m ? `${fmtMonth(key)}: ${fmtPct(m.top10_share)} on the top 10 of ${fmtInt(m.artists)} artists` : `${fmtMonth(key)}: no music` };
  }), (v) => fmtPct(v), { height: 140, max: 1, cls: "alt", average: all.length > 24 ? 3 : 0 });

  // The most varied and most focused months, among months with at least a typical amount of music (a month of
  // a few plays is "focused" by accident).
  const sorted = withMusic.map((m) => m.ms_played).sort((a, b) => a - b);
  const typical = sorted[Math.floor(sorted.length / 2)];
  const solid = withMusic.filter((m) => m.ms_played >= typical);
  const widest = solid.reduce((a, m) => (m.effective_artists > a.effective_artists ? m : a), solid[0]);
  const narrowest = solid.reduce((a, m) => (m.effective_artists < a.effective_artists ? m : a), solid[0]);
  const fact = (key, what, m, how) => extremesCard.append(el("li", { "data-key": key, "data-month": m.month },
    el("span", { class: "what", text: what }), el("span", { class: "when", text: fmtMonth(m.month) }), el("span", { class: "how", text: how })));
  fact("widest", "Most varied month", widest, `like ${fixed(widest.effective_artists, 1)} equally played artists, of ${fmtInt(widest.artists)}`);
  fact("narrowest", "Most focused month", narrowest, `like ${fixed(narrowest.effective_artists, 1)} artists; the top 10 had ${fmtPct(narrowest.top10_share)}`);
  extremesCard.append(el("li", { class: "muted" }, el("span", { class: "how", text: `Among the ${fmtInt(solid.length)} months with at least ${fmtH(typical)} of music (half of all months with music).` })));
}

INSIGHT_PAGES.diversity = diversityPage;
