// The skips page (/skips): how much you skip, by hour, device, shuffle and who picked the track, how fast, and
// the artists and tracks you skip most. Drawn from /api/insights/skips by app.js's insightPage.
"use strict";

const SKIPS_MIN_PLAYS = 20; // a skip rate of fewer plays is chance

function skipsPage(data) {
  const r = data.result;
  const body = document.getElementById("insight-body");
  if (!r.plays || r.plays < SKIPS_MIN_PLAYS) {
    body.replaceChildren(tooLittle(r.plays
      ? `Only ${countOf(r.plays, "play")} with a record of whether you skipped: too few for skip rates.`
      : "This history does not record which plays you skipped (only Spotify's extended history does), so there are no skip rates to show."));
    return;
  }
  const rateText = (x) => `${fmtPct(x.rate)} of ${fmtInt(x.plays)}`;
  const stats = el("div", { class: "stats" },
    stat("rate", "of music plays skipped", r.rate, fmtPct(r.rate)),
    stat("skips", `skips of ${fmtInt(r.plays)} plays`, r.skips, fmtInt(r.skips)),
    r.median_seconds_to_skip === null ? "" : stat("median_seconds_to_skip", "half the skips come within",
      r.median_seconds_to_skip, `${fmtInt(r.median_seconds_to_skip)} s`));
  const [hourCard, hourFig] = chartCard("By hour", "skips-hour");
  const [howCard, howFig] = chartCard("Who picked the track", "skips-intent");
  const [shuffleCard, shuffleFig] = chartCard("Shuffle", "skips-shuffle");
  const [deviceCard, deviceFig] = chartCard("By device", "skips-device");
  const [fastCard, fastFig] = chartCard("How fast", "skips-time");
  const artists = el("section", { class: "card fa-card", id: "skips-artists" }, el("h2", { text: "Artists you skip most" }));
  const tracks = el("section", { class: "card fa-card", id: "skips-tracks" }, el("h2", { text: "Tracks you skip most" }));
  const always = el("section", { class: "card fa-card", id: "skips-always" }, el("h2", { text: "Always skipped" }));
  body.replaceChildren(stats, hourCard, el("div", { class: "grid" }, howCard, shuffleCard, deviceCard), fastCard,
    el("div", { class: "grid" }, artists, tracks), always);

  // Hours: the rate where there are enough plays to say; an hour with fewer is left empty.
  const hours = r.by_hour.map((h) => ({ ...h, hour: Number(h.name) }));
  const sure = hours.filter((h) => h.plays >= r.min_plays && h.rate !== null);
  const most = sure.reduce((a, b) => (b.rate > a.rate ? b : a), sure[0] || null);
  const least = sure.reduce((a, b) => (b.rate < a.rate ? b : a), sure[0] || null);
  categoryColumns(hourFig, most ? `Share of plays skipped, by the hour they started: the most at ${hourName(most.hour)} ` +
    `(${fmtPct(most.rate)}), the least at ${hourName(least.hour)} (${fmtPct(least.rate)})` +
    `${sure.length < 24 ? `; hours with fewer than ${countOf(r.min_plays, "play")} are left out` : ""}.`
    : `Share of plays skipped, by hour: no hour has ${countOf(r.min_plays, "play")} or more.`,
  hours.map((h) => ({ key: h.name, label: h.hour % 6 === 0 ? hourName(h.hour) : "",
    value: h.plays >= r.min_plays && h.rate !== null ? h.rate : null,
    tip: `${hourName(h.hour)}: ${rateText(h)} plays skipped` })),
  (v) => fmtPct(v), { height: 140 });

  const INTENT = { deliberate: "Picked by you", algorithmic: "Picked for you", other: "Other starts" };
  const intents = r.by_intent.filter((x) => x.plays > 0);
  if (intents.length) {
    barList(howFig, `Skip rate by who chose the track: you (a click or the play button) or the player (autoplay, ` +
      `the next in a list, shuffle).`, intents.map((x, i) => ({ label: INTENT[x.name] || x.name, value: x.rate,
      text: `${rateText(x)} plays`, cls: `s${i % 8}` })));
  } else howFig.replaceChildren(tooLittle("The export does not say how plays started."));
  const shuffle = r.by_shuffle.filter((x) => x.name === "on" || x.name === "off");
  if (shuffle.length) {
    barList(shuffleFig, "Skip rate with shuffle on and off.", shuffle.map((x) => ({ label: x.name === "on" ? "Shuffle on" : "Shuffle off",
      value: x.rate, text: `${rateText(x)} plays`, cls: x.name === "on" ? "s0" : "s1" })));
  } else shuffleFig.replaceChildren(tooLittle("The export does not say when shuffle was on."));
  const devices = r.by_device.filter((x) => x.name !== "unknown" && x.plays > 0);
  if (devices.length) {
    barList(deviceFig, `Skip rate on each device (${fmtInt(devices.length)} recorded).`, devices.map((x, i) => ({
      label: deviceLabel((x.name)), value: x.rate, text: `${rateText(x)} plays`, cls: `s${i % 8}` })));
  } else deviceFig.replaceChildren(tooLittle("The export does not say which device you listened on."));

  const bins = r.time_to_skip.filter((b) => b.skips > 0 || b.hi_s !== null);
  // Bins of a minute or more read in minutes ("2–3 min"), shorter ones in seconds.
  const seconds = (b) => (b.lo_s >= 60 && (b.hi_s === null || b.hi_s % 60 === 0)
    ? (b.hi_s === null ? `${b.lo_s / 60}+ min` : `${b.lo_s / 60}–${b.hi_s / 60} min`)
    : b.hi_s === null ? `${b.lo_s}+ s` : `${b.lo_s}–${b.hi_s} s`);
  histogram(fastFig, `How long a track played before you skipped it: half the skips within ` +
    `${fmtInt(r.median_seconds_to_skip)} seconds.`, bins.map((b) => ({ label: seconds(b), value: b.skips, text: fmtPct(b.share),
    tip: `${seconds(b)}: ${fmtInt(b.skips)} skips (${fmtPct(b.share)})` })));

  const skipTable = (box, label, list, kind, none) => {
    if (!list.length) { box.append(el("p", { class: "muted", text: none })); return; }
    box.append(listTable(label, [kind === "track" ? "Track" : "Artist", "Skipped", "Skip rate, drawn", "Of plays"], list.map((x) => el("tr", {},
      el("td", {}, entityLink(kind, x.name, x.by || undefined), x.by ? el("span", { class: "by", text: x.by }) : ""),
      el("td", { class: "num", "data-value": x.rate, text: fmtPct(x.rate) }),
      el("td", { class: "bar" }, cellBar(x.rate)),
      el("td", { class: "num", text: `${fmtInt(x.skips)} of ${fmtInt(x.plays)}` })))));
  };
  artists.append(el("p", { class: "muted fa-note", text: `Artists with at least ${countOf(r.min_plays, "play")}, by how surely you skip them.` }));
  skipTable(artists, "Artists you skip most", r.by_artist, "artist", "No artist has enough plays to say.");
  tracks.append(el("p", { class: "muted fa-note", text: `Tracks with at least ${countOf(r.min_plays, "play")}.` }));
  skipTable(tracks, "Tracks you skip most", r.by_track, "track", "No track has enough plays to say.");
  always.append(el("p", { class: "muted fa-note", text: `Tracks you skip so reliably that even a cautious estimate puts the rate above ${fmtPct(r.sure_rate)}: they could leave your playlists.` }));
  skipTable(always, "Always skipped", r.always_skipped, "track", "Nothing you always skip: every track gets a fair hearing.");
}


INSIGHT_PAGES.skips = skipsPage;
