// The genres page (/genres): which part of the music has a genre (and from which export), the top genres by
// time, their shares month by month (or year by year), and how spread out they are. Only some exports name a
// genre per play (Apple Music does; Spotify and the scrobblers do not), so every chart says the share of the
// music it is about. Drawn from /api/insights/genres by app.js's insightPage.
"use strict";

const GENRES_MIN_BUCKETS = 2; // fewer months (or years) with genres make no chart over time
const GENRES_MIN_SPREAD = 3; // fewer make no line of the spread

function genresPage(data) {
  const r = data.result;
  const body = document.getElementById("insight-body");
  if (!r.music_plays && !r.music_ms) { fambNote(body, data.summary[0] || "No music in this period."); return; }
  // No genre at all: the insight's own sentence (which exports record none), no empty charts.
  if (!r.genre_plays) { fambNote(body, data.summary[0]); return; }
  const unit = r.bucket === "year" ? "year" : "month";
  const known = fmtPct(r.genre_time_share);
  const buckets = r.over_time || [];
  const label = (key) => (unit === "year" ? key : (buckets.length > 18 ? (key.endsWith("-01") ? key.slice(0, 4) : "") : MONTHS[Number(key.slice(5)) - 1]));
  const when = (key) => (unit === "year" ? key : fmtMonth(key));

  const stats = el("div", { class: "stats" },
    stat("genre_time_share", "of your music time has a genre", r.genre_time_share, known),
    stat("genre_plays", `of ${countOf(r.music_plays, "music play")} have one`, r.genre_plays, fmtInt(r.genre_plays)),
    r.effective_genres === null ? "" : stat("effective_genres", `equally played genres, of ${fmtInt(r.genres)}`,
      r.effective_genres, fixed(r.effective_genres, 1)));
  body.replaceChildren(stats);

  // Coverage: per export, the part of its music time with a genre; then month by month.
  const [cover, perSource] = chartCard("Which music has a genre", "genres-sources",
    "A genre is known only where the export names one for the play; every figure on this page is about that part.");
  body.append(cover);
  const sources = r.sources || [];
  // Services as a sentence names them, each once ("Spotify" for both of Spotify's exports).
  const services = (list) => [...new Set(list.map((s) => s.service || s.name))];
  const carriers = services(sources.filter((s) => s.genre_plays > 0));
  const without = services(sources.filter((s) => !s.genre_plays)).filter((n) => !carriers.includes(n));
  progressList(perSource, `Genres are known for ${known} of your music time, from ${carriers.join(" and ")}` +
    `${without.length ? `; ${without.join(" and ")} ${without.length === 1 ? "records" : "record"} none` : ""}.`,
  sources.map((s, i) => {
    const share = s.ms_played ? s.genre_ms / s.ms_played : (s.plays ? s.genre_plays / s.plays : 0);
    return { label: s.name, share, cls: `s${i % 8}`,
      text: s.ms_played ? `${fmtPct(share)} of ${fmtH(s.ms_played)}` : `${fmtInt(s.genre_plays)} of ${countOf(s.plays, "play")}` };
  }));
  const withMusic = buckets.filter((b) => b.ms_played > 0);
  if (withMusic.length >= GENRES_MIN_BUCKETS) {
    const over = el("figure", { class: "chart", id: "genres-coverage" });
    cover.append(over);
    lineChart(over, `Share of each ${unit}'s music time that has a genre (${known} over the whole period): it rises ` +
      "where an export that names genres covers the time.",
    buckets.map((b) => ({ key: b.bucket, label: label(b.bucket), value: b.ms_played ? b.genre_share : null,
      tip: b.ms_played ? `${when(b.bucket)}: ${fmtPct(b.genre_share)} of ${fmtH(b.ms_played)} has a genre` : `${when(b.bucket)}: no music` })),
    (v) => fmtPct(v), { height: 120, max: 1, cls: "alt" });
  }

  if (!r.top.length) {
    // Too few plays with a genre to rank them: the insight's sentence says so.
    body.append(tooLittle(data.summary.find((s) => s.startsWith("Only ")) || data.summary[data.summary.length - 1]));
    return;
  }

  const [topCard, topFig] = chartCard("Top genres", "genres-top", `Shares of the ${known} of your music time that has a genre.`);
  body.append(topCard);
  const first = r.top[0];
  barList(topFig, `Hours with each of your top ${countOf(r.top.length, "genre")}; ${first.name} leads with ` +
    `${fmtH(first.ms_played)} (${fmtPct(first.share)} of the music time with a genre).`,
  r.top.map((g, i) => ({ label: g.name, value: g.ms_played, cls: `s${i % 8}`,
    text: `${fmtH(g.ms_played)} · ${fmtPct(g.share)}` })));

  const withGenres = buckets.filter((b) => b.genre_ms > 0);
  if (withGenres.length >= GENRES_MIN_BUCKETS) {
    const [timeCard, timeFig] = chartCard(`Genres ${unit} by ${unit}`, "genres-time",
      `Each column is the ${unit}'s music with a genre, split by genre (the top ${r.series.length}${buckets.some((b) => b.other_ms) ? " and the rest" : ""}).`);
    body.append(timeCard);
    const names = [...r.series, ...(buckets.some((b) => b.other_ms) ? ["Other genres"] : [])];
    const series = names.map((name, i) => ({ name, cls: `s${i % 8}`,
      values: buckets.map((b) => (b.genre_ms ? ([...b.values, b.other_ms][i] || 0) / b.genre_ms : 0)) }));
    const led = buckets.filter((b) => b.leading);
    const counts = {};
    for (const b of led) counts[b.leading] = (counts[b.leading] || 0) + 1;
    const lead = Object.keys(counts).sort((a, b) => counts[b] - counts[a] || (a < b ? -1 : 1))[0];
    stackedColumns(timeFig, `Each genre's share of the music with a genre, ${unit} by ${unit}` +
      (lead ? `; ${lead} led ${fmtInt(counts[lead])} of ${countOf(led.length, unit)}` : "") +
      `. Genres are known for ${known} of your music time.`,
    buckets.map((b) => ({ key: b.bucket, label: label(b.bucket),
      tip: b.genre_ms ? `${when(b.bucket)} (${fmtH(b.genre_ms)} with a genre)` : `${when(b.bucket)}: no genre` })), series);
  }

  const spread = buckets.filter((b) => b.effective_genres !== null);
  const [spreadCard, spreadFig] = chartCard("How spread out", "genres-spread",
    "The effective number of genres: if your music time with a genre were shared equally among this many genres, " +
    "it would be just as varied. One favourite genre gives a number near 1; wide, even listening a large one.");
  body.append(spreadCard);
  if (spread.length >= GENRES_MIN_SPREAD) {
    lineChart(spreadFig, `Effective number of genres each ${unit}: ${fixed(r.effective_genres, 1)} over the whole period ` +
      `(of ${countOf(r.genres, "genre")}), among the ${known} of your music time with a genre.`,
    buckets.map((b) => ({ key: b.bucket, label: label(b.bucket), value: b.effective_genres,
      tip: b.effective_genres === null ? `${when(b.bucket)}: no genre` : `${when(b.bucket)}: like ${fixed(b.effective_genres, 1)} equally played genres` })),
    (v) => fixed(v, 1), { height: 140 });
  } else {
    spreadFig.replaceWith(tooLittle(`Your music with a genre was spread like ${fixed(r.effective_genres, 1)} equally ` +
      `played genres (of ${countOf(r.genres, "genre")}); ${countOf(spread.length, unit)} with genres are too few to follow it over time.`));
  }
}

INSIGHT_PAGES.genres = genresPage;
