// The decades page (/eras): which part of the music has a release year (from “linernotes enrich”, MusicBrainz),
// the decades it comes from, those decades month by month (or year by year), how old the music was when you
// played it, and the countries of its artists. No export records release years, so every chart says the share of
// the music it is about. Drawn from /api/insights/eras by app.js's insightPage.
"use strict";

const ERAS_MIN_BUCKETS = 2; // fewer months (or years) with release years make no chart over time

function erasPage(data) {
  const r = data.result;
  const body = document.getElementById("insight-body");
  if (!r.music_plays && !r.music_ms) { fambNote(body, data.summary[0] || "No music in this period."); return; }
  // Not enriched, or nothing of this period enriched: the insight's one sentence, no empty charts.
  if (!r.enriched || (!r.year_plays && !r.country_plays)) { fambNote(body, data.summary[0]); return; }
  const byTime = r.measure === "time";
  const ofMusic = byTime ? "of your music time" : "of your music plays";
  const known = fmtPct(r.year_share);
  const amount = (ms, plays) => (byTime ? fmtH(ms) : countOf(plays, "play"));
  const unit = r.bucket === "year" ? "year" : "month";
  const buckets = r.over_time || [];
  const label = (key) => (unit === "year" ? key : (buckets.length > 18 ? (key.endsWith("-01") ? key.slice(0, 4) : "") : MONTHS[Number(key.slice(5)) - 1]));
  const when = (key) => (unit === "year" ? key : fmtMonth(key));
  const years = (n) => (n <= 0 ? "under a year" : countOf(n, "year"));

  body.replaceChildren(el("div", { class: "stats" },
    stat("year_share", `${ofMusic} has a release year`, r.year_share, known),
    r.median_year === null ? "" : stat("median_year", "median release year", r.median_year, String(r.median_year)),
    r.median_age === null ? "" : stat("median_age", "median age when played", r.median_age, years(r.median_age)),
    r.decade_count ? stat("decade_count", "decades you play", r.decade_count, fmtInt(r.decade_count)) : ""));

  // Coverage: per export, the part of its music with a release year.
  const [cover, perSource] = chartCard("Which music has a release year", "eras-sources",
    "Release years come from MusicBrainz (“linernotes enrich”), by the recording id an export gives or a search for " +
    "artist and title; every figure on this page is about the music that has one.");
  body.append(cover);
  progressList(perSource, `Release years are known for ${known} ${ofMusic}` +
    (r.untrusted_plays ? `; ${countOf(r.untrusted_plays, "play")} whose year found is later than the play are left out.` : "."),
  (r.sources || []).map((s, i) => {
    const share = byTime ? (s.ms_played ? s.year_ms / s.ms_played : 0) : (s.plays ? s.year_plays / s.plays : 0);
    return { label: s.name, share, cls: `s${i % 8}`,
      text: byTime ? `${fmtPct(share)} of ${fmtH(s.ms_played)}` : `${fmtInt(s.year_plays)} of ${countOf(s.plays, "play")}` };
  }));

  if (!r.decades.length) {
    if (r.year_plays) body.append(tooLittle(data.summary.find((s) => s.startsWith("Only ")) || data.summary[0]));
  } else {
    const top = [...r.decades].sort((a, b) => b.share - a.share || a.decade - b.decade)[0];
    const [decCard, decFig] = chartCard("Decades of the music you play", "eras-decades",
      `Shares of the ${known} ${ofMusic} that has a release year, by the decade it was first released.`);
    body.append(decCard);
    barList(decFig, `${byTime ? "Hours" : "Plays"} of music from each decade of release; the ${top.label} lead with ` +
      `${fmtPct(top.share)} of the music with a release year (${amount(top.ms_played, top.plays)}).`,
    r.decades.map((d, i) => ({ label: d.label, value: byTime ? d.ms_played : d.plays, cls: `s${i % 8}`,
      text: `${amount(d.ms_played, d.plays)} · ${fmtPct(d.share)}` })));
    const ly = r.listening_years || [];
    if (ly.length) {
      decCard.append(el("p", { class: "lead", text: ly.map((y) => `Your ${y.year}: ${fmtPct(y.share)} music from the ${y.label}`).join(" · ") + "." }));
    }

    const withYears = buckets.filter((b) => b.values.some((v) => v > 0) || b.other > 0);
    if (withYears.length >= ERAS_MIN_BUCKETS) {
      const [timeCard, timeFig] = chartCard(`Decades ${unit} by ${unit}`, "eras-time",
        `Each column is the ${unit}'s music with a release year, split by the decade it comes from.`);
      body.append(timeCard);
      const other = buckets.some((b) => b.other > 0);
      const names = [...r.series, ...(other ? ["Other decades"] : [])];
      const total = (b) => b.values.reduce((a, v) => a + v, 0) + b.other;
      const series = names.map((name, i) => ({ name, cls: `s${i % 8}`,
        values: buckets.map((b) => (total(b) ? ([...b.values, b.other][i] || 0) / total(b) : 0)) }));
      stackedColumns(timeFig, `Each decade's share of the music with a release year, ${unit} by ${unit}. ` +
        `Release years are known for ${known} ${ofMusic}.`,
      buckets.map((b) => ({ key: b.bucket, label: label(b.bucket),
        tip: total(b) ? `${when(b.bucket)} (${fmtPct(b.year_share)} with a release year)` : `${when(b.bucket)}: no release year` })), series);
    }

    const aged = buckets.filter((b) => b.median_age !== null);
    const [ageCard, ageFig] = chartCard("How old the music was when you played it", "eras-age",
      "The median age of the music with a release year: the year you played it minus the year it came out.");
    body.append(ageCard);
    if (aged.length >= ERAS_MIN_BUCKETS) {
      lineChart(ageFig, `Median age of your music with a release year each ${unit}: ${years(r.median_age)} over the ` +
        `whole period, among the ${known} ${ofMusic} with a release year.`,
      buckets.map((b) => ({ key: b.bucket, label: label(b.bucket), value: b.median_age,
        tip: b.median_age === null ? `${when(b.bucket)}: too few plays with a release year` : `${when(b.bucket)}: a median ${years(b.median_age)} old` })),
      (v) => `${fixed(v)} y`, { height: 140 });
    } else {
      ageFig.replaceWith(tooLittle(`Your music with a release year was a median ${years(r.median_age)} old when you ` +
        `played it; ${countOf(aged.length, unit)} with enough plays with a year are too few to follow it over time.`));
    }
    if (r.oldest.length) {
      const [oldCard] = chartCard("The oldest music you play a lot", "eras-oldest");
      oldCard.querySelector("figure").replaceWith(listTable("The oldest music you play a lot", ["Track", "Artist", "Released", "Plays"],
        r.oldest.map((o) => el("tr", {}, el("td", { text: o.track }), el("td", { text: o.artist }),
          el("td", { class: "num", text: String(o.year) }), el("td", { class: "num", text: fmtInt(o.plays) })))));
      body.append(oldCard);
    }
  }

  if (r.country_plays) {
    const knownC = fmtPct(r.country_share);
    const [cCard, cFig] = chartCard("Where the artists come from", "eras-countries",
      `The artist's country on MusicBrainz, known for ${knownC} ${ofMusic}.`);
    body.append(cCard);
    if (r.countries.length) {
      const first = r.countries[0];
      const home = r.home_country && r.home_share !== null
        ? ` Artists from your home country make ${fmtPct(r.home_share)} of it.` : "";
      barList(cFig, `${byTime ? "Hours" : "Plays"} by the artist's country, over the ${knownC} ${ofMusic} whose ` +
        `artist's country is known; ${first.name} leads with ${fmtPct(first.share)}.${home}`,
      r.countries.map((c, i) => ({ label: c.name, value: byTime ? c.ms_played : c.plays, cls: `s${i % 8}`,
        text: `${amount(c.ms_played, c.plays)} · ${fmtPct(c.share)}` })));
    } else {
      cFig.replaceWith(tooLittle(data.summary.find((s) => s.startsWith("Artists' countries")) || ""));
    }
  }
}

INSIGHT_PAGES.eras = erasPage;
