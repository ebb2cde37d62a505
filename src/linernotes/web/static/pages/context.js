// The context page (/context): where and how you listen — devices over time, shuffle, offline and private
// listening, countries and trips abroad. Drawn from /api/insights/context by app.js's insightPage.
"use strict";

function contextPage(data) {
  const r = data.result;
  const body = document.getElementById("insight-body");
  const plays = data.meta.plays || 0;
  if (!r.total_ms) {
    body.replaceChildren(tooLittle(plays
      ? `This history records ${countOf(plays, "play")} but not how long each lasted, nor the device or country: there is no context to show.`
      : "No listening in this period."));
    return;
  }
  const { known, knownMs, colour, group } = deviceGroups(r);
  // A setting's share only where the export records it (Account data and scrobbles record none: their 0% is
  // not a finding); a share over partly recorded plays says on how many it stands.
  const rec = r.recorded || { shuffle: 0, offline: 0, incognito: 0 };
  const coverage = (n, base) => (base ? n / base : 0);
  const settings = [
    ["shuffle", "of music time on shuffle", r.shuffle, rec.shuffle],
    ["offline", "of listening offline", r.offline, rec.offline],
    ["incognito", "in private sessions", r.incognito, rec.incognito],
  ].filter(([, , , n]) => n > 0);
  const stats = el("div", { class: "stats" },
    ...settings.map(([key, label, x]) => stat(key, label, x.time_share, fmtPct(x.time_share))),
    r.home_country && r.countries.some((c) => c.country !== "unknown")
      ? stat("abroad", `abroad (home: ${countryName(r.home_country)})`, r.abroad_share, fmtPct(r.abroad_share)) : "");
  const partial = settings.filter(([, , x, n]) => coverage(n, x.base_plays) < 0.95);
  const notes = [];
  if (!settings.length) notes.push("The export does not record shuffle, offline or private listening (Spotify's extended streaming history does).");
  else if (partial.length) {
    notes.push(`Shuffle, offline and private listening are recorded for ${fmtPct(coverage(settings[0][3], settings[0][2].base_plays))} ` +
      "of the plays (the rest come from exports that do not say); their shares count the others as neither.");
  }
  const countries = (r.countries || []).filter((c) => c.country !== "unknown");
  if (!settings.length && !knownMs && !countries.length) {
    body.replaceChildren(tooLittle("This export records no device, country, shuffle, offline or private listening " +
      "(Spotify's extended streaming history does), so there is no context to show."));
    return;
  }
  const parts = [...(stats.children.length ? [stats] : []), ...notes.map((text) => el("p", { class: "muted fa-note", "data-note": "recorded", text }))];
  if (knownMs > 0) {
    const [overCard, overFig] = chartCard("Devices over time", "context-devices-time");
    const [devCard, devFig] = chartCard("Devices", "context-devices");
    parts.push(overCard, devCard);
    drawDevices(r, known, knownMs, colour, group, overFig, devFig);
  } else {
    parts.push(tooLittle("The export does not say which devices you listened on."));
  }
  if (countries.length) {
    const [countryCard, countryFig] = chartCard("Countries", "context-countries");
    const trips = el("section", { class: "card fa-card", id: "context-trips" }, el("h2", { text: "Trips abroad" }));
    parts.push(el("div", { class: "grid" }, countryCard, trips));
    const knownCountry = countries.reduce((a, c) => a + c.ms_played, 0);
    const rows = countries.slice(0, 10).map((c) => ({ label: `${countryName(c.country)}${c.country === r.home_country ? " (home)" : ""}`, value: c.ms_played,
      text: `${fmtPct(c.ms_played / knownCountry)} · ${countOf(c.days, "day")}`, cls: c.country === r.home_country ? "mark" : "s0" }));
    pendingDraws.push(() => barList(countryFig, `Listening by the country you were in: most in ${countryName(countries[0].country)} ` +
      `(${fmtPct(countries[0].ms_played / knownCountry)} of the time whose country is recorded)` +
      `${countries.length > 10 ? `; the 10 with the most of ${fmtInt(countries.length)}` : ""}.`, rows));
    const list = r.trips || [];
    if (!list.length) trips.append(el("p", { class: "muted", text: "No listening away from home." }));
    else {
      trips.append(el("p", { class: "muted fa-note", text: `Stretches of days listening from another country than ${countryName(r.home_country)}, the earliest first (${fmtInt(list.length)}).` }),
        listTable("Trips abroad", ["Country", "When", "Days", "Listening"], list.map((t) => el("tr", {},
          el("td", { text: countryName(t.country) }), el("td", { class: "date", text: fmtRange(t.first_day, t.last_day) }),
          el("td", { class: "num", text: fmtInt(t.days) }),
          el("td", { class: "num", text: t.ms_played ? fmtListened(t.ms_played) : countOf(t.plays, "play") })))));
    }
  } else {
    parts.push(tooLittle("The export does not say which country you listened from."));
  }
  body.replaceChildren(...parts);
  // Charts are drawn once their boxes are in the page (they take the box's width).
  for (const draw of pendingDraws.splice(0)) draw();
}

const pendingDraws = [];

// Devices as the charts show them: one colour each (the same in both charts), time whose device is not recorded
// in the grey last one; beyond the colours there are, the least played devices together as "Other devices".
function deviceGroups(r) {
  const recorded = (r.devices || []).filter((d) => d.device !== "unknown");
  const slots = recorded.length < (r.devices || []).length ? 7 : 8;
  const own = recorded.length > slots ? recorded.slice(0, slots - 1) : recorded;
  const group = new Map(own.map((d) => [d.device, d.device]));
  for (const d of recorded.slice(own.length)) group.set(d.device, "other");
  group.set("unknown", "unknown");
  const known = own.map((d) => ({ ...d }));
  const rest = recorded.slice(own.length);
  if (rest.length) known.push({ device: "other", ms_played: rest.reduce((a, d) => a + d.ms_played, 0) });
  const colour = new Map(known.map((d, i) => [d.device, `s${i}`]));
  colour.set("unknown", "s7");
  return { known, knownMs: known.reduce((a, d) => a + d.ms_played, 0), colour, group };
}

const groupLabel = (device) => (device === "unknown" ? "Not recorded" : device === "other" ? "Other devices" : deviceLabel(device));

function drawDevices(r, known, knownMs, colour, group, overFig, devFig) {
  pendingDraws.push(() => {
    const buckets = [...new Set(r.devices_over_time.map((x) => x.bucket))].sort();
    const monthly = r.bucket === "month";
    const points = buckets.map((b) => ({ key: b, label: monthly ? (buckets.length > 18 ? (b.endsWith("-01") ? b.slice(0, 4) : "") : MONTHS[Number(b.slice(5)) - 1]) : b,
      tip: monthly ? fmtMonth(b) : b }));
    const order = [...known.map((d) => d.device), "unknown"];
    const share = new Map();
    for (const x of r.devices_over_time) {
      const key = `${x.bucket} ${group.get(x.device) || "other"}`;
      share.set(key, (share.get(key) || 0) + x.share);
    }
    const series = order.map((device) => ({ name: groupLabel(device), cls: colour.get(device),
      values: buckets.map((b) => share.get(`${b} ${device}`) || 0) }))
      .filter((s) => s.values.some((v) => v > 0));
    const lead = (b) => {
      const rows = r.devices_over_time.filter((x) => x.bucket === b && x.device !== "unknown");
      return rows.length ? rows.reduce((a, x) => (x.share > a.share ? x : a)).device : null;
    };
    const firstLead = lead(buckets[0]), lastLead = lead(buckets[buckets.length - 1]);
    const story = firstLead && lastLead && firstLead !== lastLead
      ? `from your ${deviceName(firstLead)} at first to your ${deviceName(lastLead)} at the end`
      : firstLead ? `mostly your ${deviceName(firstLead)}` : "mostly not recorded";
    stackedColumns(overFig, `Each ${monthly ? "month" : "year"}'s listening time by device: ${story}.`, points, series);
    const unknownMs = r.total_ms - knownMs;
    barList(devFig, `Listening time by device: most on your ${deviceName(known[0].device)} ` +
      `(${fmtPct(known[0].ms_played / knownMs)} of the time whose device is recorded` +
      `${unknownMs > 0 ? `; the export does not say for ${fmtPct(unknownMs / r.total_ms)} of all listening` : ""}).`,
    known.map((d) => ({ label: groupLabel(d.device), value: d.ms_played, cls: colour.get(d.device),
      text: `${fmtH(d.ms_played)} · ${fmtPct(d.ms_played / knownMs)}` })));
  });
}

INSIGHT_PAGES.context = contextPage;
