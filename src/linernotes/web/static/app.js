// linernotes dashboard: fills the page from /api. Text only ever goes in through textContent (names in an
// export are data, never markup). Raw numbers are kept in data-value attributes next to the shown text.
"use strict";

const params = new URLSearchParams(location.search);
const CHANGE = { "X-Linernotes": "1" };

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined) continue;
    if (k === "text") node.textContent = v;
    else if (k === "on") for (const [ev, fn] of Object.entries(v)) node.addEventListener(ev, fn);
    else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c);
  return node;
}

// Numbers and dates: fmtInt, fmtHours, fmtH, fmtPct, fmtDate, fmtRange (static/charts.js).

function showError(message) {
  const box = document.getElementById("error");
  box.textContent = message;
  box.hidden = false;
}

async function getJSON(url, options = {}) {
  const response = await fetch(url, { credentials: "same-origin", ...options });
  const body = await response.json().catch(() => ({ error: response.statusText }));
  if (!response.ok) throw new Error(body.error || response.statusText);
  return body;
}

// Period: ?from=&to= on the page's URL, passed on to every API call and every link; so is ?source= (the plays
// of some services only: one timeline, split by service).
function periodQuery() {
  const q = new URLSearchParams();
  for (const key of ["from", "to", "source"]) if (params.get(key)) q.set(key, params.get(key));
  return q;
}

// The service filter: offered when the library holds plays from more than one service.
async function setupSourcePick(form) {
  const pick = document.getElementById("source-pick");
  if (!pick) return;
  const status = await getJSON("/api/status").catch(() => null);
  const held = status ? Object.entries(status.by_source || {}) : [];
  if (held.length < 2 && !params.get("source")) return;
  const select = form.elements.source;
  select.replaceChildren(el("option", { value: "", text: "All services" }),
    ...held.map(([value, s]) => el("option", { value, text: s.name })));
  select.value = params.get("source") || "";
  pick.hidden = false;
}

function setupPeriod(meta) {
  const form = document.getElementById("period");
  if (!form) return;
  form.elements.from.value = params.get("from") || "";
  form.elements.to.value = params.get("to") || "";
  if (meta && meta.start) {
    document.getElementById("period-shown").textContent = fmtRange(meta.start, meta.end);
  }
  if (form.dataset.ready) return;
  form.dataset.ready = "1";
  setupSourcePick(form);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    for (const key of ["from", "to", "source"]) {
      if (form.elements[key] && form.elements[key].value) params.set(key, form.elements[key].value);
      else params.delete(key);
    }
    location.search = params.toString();
  });
  document.getElementById("all-time").addEventListener("click", (event) => {
    event.preventDefault();
    params.delete("from");
    params.delete("to");
    location.search = params.toString();
  });
}

function stat(key, label, value, shown) {
  return el("div", { class: "stat", "data-key": key, "data-value": value === null ? "" : String(value) },
    el("span", { class: "value", text: shown }), el("span", { class: "label", text: label }));
}

function entityLink(kind, name, by) {
  const q = periodQuery();
  q.set("name", name);
  if (by) q.set("by", by);
  return el("a", { href: `/${kind}?${q}`, text: name });
}

function fillTable(table, headers, rows) {
  // A column of numbers is right-aligned, its header too.
  const cells = rows.length ? [...rows[0].children] : [];
  table.replaceChildren(el("thead", {}, el("tr", {}, ...headers.map((h, i) => el("th", {
    text: h, scope: "col", class: cells[i] && cells[i].classList.contains("num") ? "num" : null })))),
  el("tbody", {}, ...rows));
}

function summary(lines) {
  const list = document.getElementById("summary");
  if (!list) return;
  list.replaceChildren(...lines.map((line) => el("li", { text: line })));
  list.hidden = false;  // a page's empty state may have hidden it (fambNote); a new period starts afresh
  list.removeAttribute("aria-busy");
}

// ---- overview ------------------------------------------------------------------------------------------
const KIND_LABELS = { track: "Music", episode: "Podcasts", audiobook: "Audiobooks", chapter: "Audiobooks", video: "Videos", unknown: "Other" };
const ENTITY_LABELS = { artists: "Artist", tracks: "Track", albums: "Album", shows: "Show" };

function navigateTo(from, to) {
  if (from) params.set("from", from); else params.delete("from");
  if (to) params.set("to", to); else params.delete("to");
  location.search = params.toString();
}

function lastDayOf(month) {
  const [y, m] = month.split("-").map(Number);
  return `${month}-${String(new Date(Date.UTC(y, m, 0)).getUTCDate()).padStart(2, "0")}`;
}

// Listening over the whole history, a column a month: drag across it (or pick a year) to choose the period.
async function timeChart(period) {
  const whole = new URLSearchParams();  // the whole history (of the chosen services): the chart picks a period
  if (params.get("source")) whole.set("source", params.get("source"));
  const cal = await getJSON(`/api/insights/calendar?${whole}`);
  const daily = cal.result.daily;
  const box = document.getElementById("time-chart");
  if (!daily || !daily.start || !daily.minutes.length) { box.replaceChildren(); return []; }
  const start = new Date(`${daily.start}T00:00:00Z`);
  const byMonth = new Map();
  daily.minutes.forEach((minutes, i) => {
    const day = new Date(start.getTime() + i * 86400000).toISOString().slice(0, 7);
    byMonth.set(day, (byMonth.get(day) || 0) + minutes);
  });
  const months = monthRange(daily.start.slice(0, 7), daily.end.slice(0, 7));
  const points = months.map((key) => {
    const ms = (byMonth.get(key) || 0) * 60000;
    return { key, label: key.slice(0, 4), value: ms / MS_PER_HOUR, tip: `${fmtMonth(key)}: ${fmtH(ms)}` };
  });
  const best = points.reduce((a, b) => (b.value > a.value ? b : a), points[0]);
  let selected = null;
  if (period.from || period.to) {
    const lo = months.findIndex((k) => !period.from || k >= period.from.slice(0, 7));
    const hiFrom = months.map((k) => !period.to || k <= period.to.slice(0, 7)).lastIndexOf(true);
    if (lo >= 0 && hiFrom >= lo) selected = [lo, hiFrom];
  }
  const sentence = `Listening a month, ${fmtMonth(months[0])} to ${fmtMonth(months[months.length - 1])}: ` +
    `the most in ${fmtMonth(best.key)} (${fmtH(best.value * MS_PER_HOUR)}). Drag across the chart to pick a period.`;
  columnChart(box, sentence, points, (v) => `${fmtInt(v)} h`, {
    selected,
    brush: (a, b) => navigateTo(`${months[a]}-01`, lastDayOf(months[b])),
  });
  // Years as links: the same range control for the keyboard.
  const years = [...new Set(months.map((k) => k.slice(0, 4)))];
  // The whole history's streak is a highlight of the whole history only.
  const highlights = period.from || period.to ? [] : cal.summary.slice(1, 2);
  document.getElementById("years").replaceChildren(el("span", { class: "muted", text: "Years: " }),
    ...years.flatMap((y) => [el("a", { href: `/?from=${y}-01-01&to=${y}-12-31${whole.size ? `&${whole}` : ""}`,
      text: y }), " "]));
  return highlights;
}

async function heatmapChart() {
  const clock = await getJSON(`/api/insights/clock?${periodQuery()}`);
  const r = clock.result;
  const box = document.getElementById("heatmap");
  if (!r.total_ms) {  // nothing played, or only scrobbles: they record no listening time to place in the week
    noChart(box, clock.summary[0] || "No listening time recorded in this period.");
    return [];
  }
  heatmap(box, clock.summary[0] || "When you listen, by hour and weekday.", r.heatmap);
  return clock.summary.slice(1, 2);
}

function kindsChart(totals) {
  const byLabel = new Map();
  for (const k of totals.by_kind || []) {
    const label = KIND_LABELS[k.kind] || k.kind;
    byLabel.set(label, (byLabel.get(label) || 0) + (k.ms_played || 0));
  }
  const total = [...byLabel.values()].reduce((a, b) => a + b, 0) || 1;
  const rows = [...byLabel.entries()].sort((a, b) => b[1] - a[1])
    .map(([label, ms], i) => ({ label, value: ms, text: `${fmtH(ms)} · ${fmtPct(ms / total)}`, cls: `s${i % 8}` }));
  const box = document.getElementById("kinds");
  if (!rows.length) { box.replaceChildren(); return; }
  const sentence = rows.map((r, i) => `${i ? r.label.toLowerCase() : r.label} ${fmtPct(r.value / total)}`).join(", ") +
    " of your listening time.";
  barList(box, sentence, rows);
}

// Each service the period's plays come from: a bar of its plays, then a table of its span, hours and what
// counts as a play of it (sources differ: a scrobble records no listening time).
async function sourcesCard() {
  const data = await getJSON(`/api/insights/sources?${periodQuery()}`);
  const rows = data.result.sources;
  const card = document.getElementById("sources-card");
  const box = document.getElementById("sources");
  card.removeAttribute("aria-busy");
  if (!rows.length) { noChart(box, data.summary[0] || "No plays in this period."); return; }
  barList(box, data.summary.join(" "), rows.map((r, i) => ({ label: r.name, value: r.plays,
    text: `${countOf(r.plays, "play")} · ${fmtPct(r.share)}`, cls: `s${i % 8}` })));
  const table = document.getElementById("sources-table");
  fillTable(table, ["Service", "Span", "Plays", "Hours", "What counts as a play"], rows.map((r) =>
    el("tr", { "data-source": r.source },
      el("td", { text: r.name }),
      el("td", { text: fmtRange(r.first_day, r.last_day) }),
      el("td", { class: "num", "data-key": "plays", "data-value": r.plays, text: fmtInt(r.plays) }),
      el("td", { class: "num", "data-key": "ms_played", "data-value": r.ms_played ?? "",
        text: r.ms_played === null ? "not recorded" : fmtH(r.ms_played) }),
      el("td", { text: r.play_meaning }))));
  table.dataset.loaded = "1";
}

function moveCell(r, hasPrevious) {
  if (!hasPrevious) return null;
  let text = "new", cls = "up", label = "new in this period";
  if (r.previous_rank !== null && r.previous_rank !== undefined) {
    const change = r.rank_change || 0;
    text = change > 0 ? `▲ ${change}` : change < 0 ? `▼ ${-change}` : "=";
    cls = change > 0 ? "up" : change < 0 ? "down" : "muted";
    label = change ? `${change > 0 ? "up" : "down"} ${Math.abs(change)} from #${r.previous_rank}` : "same rank as before";
  }
  return el("td", { class: `move ${cls}`, "data-key": "rank_change", "data-value": r.rank_change ?? "",
    title: label }, el("span", { "aria-hidden": "true", text }), el("span", { class: "visually-hidden", text: label }));
}

async function topList(entity, kind) {
  const tq = periodQuery();
  tq.set("entity", entity);
  tq.set("limit", "10");
  const top = await getJSON(`/api/insights/top?${tq}`);
  const rows = top.result.rows;
  const hasPrevious = Boolean(top.result.previous_start);
  const max = Math.max(1, ...rows.map((r) => r.ms_played || 0));
  const table = document.getElementById(`top-${entity}`);
  const headers = ["#", ENTITY_LABELS[entity], "Share", "Hours", "Plays", ...(hasPrevious ? ["Move"] : [])];
  fillTable(table, headers, rows.map((r) => el("tr", { "data-name": r.name },
    el("td", { "data-key": "rank", "data-value": r.rank, text: r.rank }),
    el("td", {}, entityLink(kind, r.name, r.by), r.by ? el("span", { class: "by", text: r.by }) : ""),
    el("td", { class: "bar" }, cellBar((r.ms_played || 0) / max)),
    el("td", { class: "num", "data-key": "ms_played", "data-value": r.ms_played, text: fmtH(r.ms_played || 0) }),
    el("td", { class: "num", "data-key": "plays", "data-value": r.plays, text: fmtInt(r.plays) }),
    moveCell(r, hasPrevious) || "")));
  table.querySelectorAll("th").forEach((th, i) => { if (i === 2) th.classList.add("bar"); });
  const caption = document.getElementById(`top-${entity}-sentence`);
  caption.textContent = rows.length ? top.summary[0] || "" : "Nothing in this period.";
  // An empty ranking is a sentence, not a chart (no podcasts in a Last.fm-only period, say).
  table.closest("figure").classList.toggle("chart", rows.length > 0);
  table.hidden = !rows.length;
  if (!hasPrevious && rows.length) caption.textContent += " Pick a period to see rank moves against the one before.";
  table.dataset.loaded = "1";
}

async function overview() {
  const q = periodQuery();
  const data = await getJSON(`/api/insights/overview?${q}`);
  setupPeriod(data.meta);
  const t = data.result.totals;
  const stats = document.getElementById("stats");
  stats.replaceChildren(
    stat("hours", "hours", (t.ms_played / MS_PER_HOUR).toFixed(1), fmtHours(t.ms_played)),
    stat("plays", "plays", t.plays, fmtInt(t.plays)),
    stat("streams", "streams", t.streams, fmtInt(t.streams)),
    stat("artists", "artists", t.artists, fmtInt(t.artists)),
    stat("tracks", "tracks", t.tracks, fmtInt(t.tracks)),
    stat("days_listened", "days with music", t.days_listened, fmtInt(t.days_listened)),
  );
  stats.removeAttribute("aria-busy");
  kindsChart(t);
  const period = { from: params.get("from"), to: params.get("to") };
  const kinds = { artists: "artist", tracks: "track", albums: "album", shows: "show" };
  const [calendarLines, clockLines] = await Promise.all([
    timeChart(period),
    heatmapChart(),
    sourcesCard(),
    ...Object.entries(kinds).map(([entity, kind]) => topList(entity, kind)),
  ]);
  summary([...data.summary, ...clockLines, ...calendarLines]);
  document.body.dataset.loaded = "1";
}

// ---- artist / track / album / show -------------------------------------------------------------------
// A month per column, from the first month with listening to the last: hours (plays for a track, whose
// plays are what a person counts).
function monthChart(container, monthly, kind) {
  if (!monthly.length) { container.replaceChildren(); return; }
  const byPlays = kind === "track";
  const byMonth = new Map(monthly.map((p) => [p.month, p]));
  const months = monthRange(monthly[0].month, monthly[monthly.length - 1].month);
  const points = months.map((key) => {
    const p = byMonth.get(key) || { plays: 0, ms_played: 0 };
    // Few months: each named, January by its year (so two Marches are told apart).
    const short = key.endsWith("-01") ? key.slice(0, 4) : MONTHS[Number(key.slice(5)) - 1];
    return { key, label: months.length > 18 ? key.slice(0, 4) : short,
      value: byPlays ? p.plays : p.ms_played / MS_PER_HOUR,
      tip: `${fmtMonth(key)}: ${fmtInt(p.plays)} plays, ${fmtH(p.ms_played)}` };
  });
  const best = points.reduce((a, b) => (b.value > a.value ? b : a), points[0]);
  const active = points.filter((p) => p.value > 0).length;
  const most = byPlays ? `${fmtInt(best.value)} plays` : fmtH(best.value * MS_PER_HOUR);
  const axis = byPlays ? (v) => fmtInt(v) : (v) => (v < 10 && v % 1 ? `${v.toFixed(1)} h` : `${fmtInt(v)} h`);
  const unit = byPlays ? " Plays a month." : " Hours a month.";
  const sentence = points.length === 1 ? `All of it in ${fmtMonth(best.key)} (${most}).${unit}`
    : `${byPlays ? "Played" : "Listened"} in ${fmtInt(active)} of ${fmtInt(points.length)} months from ` +
      `${fmtMonth(months[0])} to ${fmtMonth(months[months.length - 1])}; the most in ${fmtMonth(best.key)} (${most}).${unit}`;
  columnChart(container, sentence, points, axis);
}

function namedTable(table, kind, heading, rows) {
  const max = Math.max(1, ...rows.map((r) => r.ms_played));
  fillTable(table, ["#", heading, "Share", "Hours", "Plays"], rows.map((r, i) => el("tr", { "data-name": r.name },
    el("td", { text: i + 1 }), el("td", {}, entityLink(kind, r.name, r.by)),
    el("td", { class: "bar" }, cellBar(r.ms_played / max)),
    el("td", { class: "num", "data-value": r.ms_played, text: fmtH(r.ms_played) }),
    el("td", { class: "num", "data-value": r.plays, text: fmtInt(r.plays) }))));
  table.querySelectorAll("th").forEach((th, i) => { if (i === 2) th.classList.add("bar"); });
}

async function similarArtists(name) {
  const box = document.getElementById("similar");
  if (!box) return;
  try {
    const s = await getJSON(`/api/insights/similar?artist=${encodeURIComponent(name)}&limit=8`);
    const rows = s.result.neighbours || s.result.rows || [];
    box.replaceChildren(el("p", { class: "muted", text: s.summary[0] || "" }),
      el("ol", { class: "names" }, ...rows.map((r) => el("li", {}, entityLink("artist", r.artist),
        el("span", { class: "muted", text: ` · ${fmtH((r.lifetime_hours || 0) * MS_PER_HOUR)} in all` })))));
  } catch (err) {
    box.replaceChildren(el("p", { class: "muted", text: err.message }));
  }
}

// Too little to draw: the sentence alone, and the figure is no longer a chart (never an empty one).
function noChart(container, sentence) {
  container.classList.remove("chart");
  container.replaceChildren(el("p", { class: "muted", text: sentence }));
}

// How a track's streams ended (entity.py's OUTCOME_SQL), each with its series colour and its words.
const OUTCOMES = [["through", "played to the end", "s0"], ["skipped", "skipped", "s1"], ["stopped", "stopped early", "s3"],
  ["unknown", "ending not recorded", "s7"]];

// A bar a year split by how the streams ended, with the counts written out and a legend.
function outcomesChart(container, years) {
  const total = (key) => years.reduce((sum, y) => sum + y[key], 0);
  const streams = total("streams");
  if (!streams) { noChart(container, "No plays of it in this period."); return; }
  const known = streams - total("unknown");
  if (!known) {
    noChart(container, `Your export does not say how its ${fmtInt(streams)} streams ended (played through or skipped).`);
    return;
  }
  // A year stands out when its skip share is at least 5 points above the lowest year's (each year with at
  // least 10 known endings).
  const rate = (y) => y.skipped / (y.streams - y.unknown);
  const rated = years.filter((y) => y.streams - y.unknown >= 10);
  const worst = rated.length > 1 ? rated.reduce((a, b) => (rate(b) > rate(a) ? b : a)) : null;
  const best = rated.length > 1 ? rated.reduce((a, b) => (rate(b) < rate(a) ? b : a)) : null;
  const standsOut = worst && rate(worst) - rate(best) >= 0.05;
  const sentence = `Of ${fmtInt(known)} streams whose ending is known, ${fmtPct(total("through") / known)} played to ` +
    `the end and ${fmtPct(total("skipped") / known)} were skipped` +
    (standsOut ? `; skipped most in ${worst.year} (${fmtPct(rate(worst))}).` : ".");
  figure(container, sentence, (width) => {
    const rowH = 26, labelW = 44, valueW = 70, barW = Math.max(60, width - labelW - valueW);
    const svg = svgEl("svg", { viewBox: `0 0 ${width} ${years.length * rowH}`, height: years.length * rowH });
    years.forEach((y, i) => {
      const top = i * rowH;
      svg.append(svgEl("text", { class: "value-label", x: 0, y: top + 17 }, String(y.year)));
      let x = labelW;
      for (const [key, words, cls] of OUTCOMES) {
        const w = (barW * y[key]) / y.streams;
        if (y[key]) {
          svg.append(withTip(svgEl("rect", { class: cls, x, y: top + 5, width: Math.max(1, w), height: rowH - 10,
            "data-outcome": key }), `${y.year}: ${fmtInt(y[key])} ${words} (${fmtPct(y[key] / y.streams)})`));
        }
        x += w;
      }
      svg.append(svgEl("text", { class: "axis-label", x: labelW + barW + 6, y: top + 17 }, `${fmtInt(y.streams)} streams`));
    });
    return svg;
  });
  container.append(el("ul", { class: "legend" }, ...OUTCOMES.filter(([key]) => total(key)).map(([key, words, cls]) =>
    el("li", {}, el("span", { class: `swatch ${cls}`, "aria-hidden": "true" }), `${words} ${fmtInt(total(key))}`))));
}

function hourChart(container, hours) {
  const total = hours.reduce((a, b) => a + b, 0);
  if (!total) { noChart(container, "No plays of it in this period."); return; }
  const peak = hours.indexOf(Math.max(...hours));
  // The four hours around the peak: "mostly late at night" is a window, not one hour.
  const window = [-1, 0, 1, 2].reduce((sum, d) => sum + hours[(peak + d + 24) % 24], 0);
  const points = hours.map((n, h) => ({ key: String(h), label: h % 6 ? "" : hourName(h), value: n,
    tip: `${hourName(h)}–${hourName((h + 1) % 24)}: ${fmtInt(n)} streams` }));
  columnChart(container, `Played most at ${hourName(peak)}–${hourName((peak + 1) % 24)} (${fmtInt(hours[peak])} streams); ` +
    `${fmtPct(window / total)} of its streams were between ${hourName((peak + 23) % 24)} and ${hourName((peak + 3) % 24)}. ` +
    "Streams by hour of the day.", points, (v) => fmtInt(v), { height: 120 });
}

function deviceChart(container, devices) {
  const total = devices.reduce((a, d) => a + d.streams, 0);
  if (!total) { noChart(container, "No plays of it in this period."); return; }
  if (devices.every((d) => d.device === "unknown")) { noChart(container, "Your export does not record the device."); return; }
  const rows = devices.slice(0, 6).map((d, i) => ({ label: deviceName(d.device), value: d.streams,
    text: `${fmtInt(d.streams)} · ${fmtPct(d.streams / total)}`, cls: `s${i % 8}` }));
  const first = rows[0];
  barList(container, devices.length === 1 ? `Every stream on ${first.label === "not recorded" ? "a device not recorded" : `the ${first.label}`}.`
    : `Most streams on the ${first.label} (${fmtPct(first.value / total)}), on ${fmtInt(devices.length)} kinds of device in all.`, rows);
}

// An album's tracks or a show's episodes: plays, time, how often played to the end, the last listen.
function itemsTable(table, d) {
  const items = d.items || [];
  const max = Math.max(1, ...items.map((r) => r.plays));
  const episodes = d.kind === "show";
  fillTable(table, ["#", episodes ? "Episode" : "Track", "Plays", "Hours", "Played to the end", "Last listen"],
    items.map((r, i) => el("tr", { "data-name": r.name },
      el("td", { text: i + 1 }),
      el("td", {}, episodes ? r.name : entityLink("track", r.name, d.by), el("span", { class: "item-bar" }, cellBar(r.plays / max))),
      el("td", { class: "num", "data-value": r.plays, text: fmtInt(r.plays) }),
      el("td", { class: "num", "data-value": r.ms_played, text: fmtH(r.ms_played) }),
      el("td", { class: "num", "data-value": r.completion ?? "", text: r.completion === null ? "not recorded" : fmtPct(r.completion) }),
      el("td", { class: "num", text: fmtDate(r.last_listen) }))));
  const known = items.filter((r) => r.ending_known >= 5);
  const best = known.reduce((a, b) => (!a || b.completion > a.completion ? b : a), null);
  const sentence = document.getElementById("items-sentence");
  const noun = episodes ? "episode" : "track";
  sentence.textContent = !items.length ? `No ${noun}s played in this period.`
    : `${fmtInt(items.length)} ${noun}${items.length === 1 ? "" : "s"} played, most often “${items[0].name}” (${fmtInt(items[0].plays)} plays)` +
      (best && known.length > 1 ? `; the most often played to the end: “${best.name}” (${fmtPct(best.completion)}).` : ".");
}

async function entity() {
  const kind = document.body.dataset.kind;
  const q = periodQuery();
  q.set("name", params.get("name") || "");
  if (params.get("by")) q.set("by", params.get("by"));
  setupPeriod(null);
  const d = await getJSON(`/api/entity/${kind}?${q}`);
  setupPeriod(d);
  document.getElementById("title").textContent = d.name;
  document.title = `${d.name} · linernotes`;
  const byLine = document.getElementById("entity-by");
  const kindName = { artist: "Artist", track: "Track", album: "Album", show: "Show" }[kind] || kind;
  byLine.replaceChildren(kindName);
  if (d.by) byLine.append(" by ", entityLink("artist", d.by));
  if (d.album) byLine.append(", from the album ", entityLink("album", d.album, d.by));
  const stats = document.getElementById("stats");
  for (const node of document.querySelectorAll("[data-for]")) node.hidden = !node.dataset.for.split(" ").includes(kind);
  if (!d.found) {
    for (const node of document.querySelectorAll("[data-for]")) node.hidden = true;
    stats.replaceChildren(el("p", { text: "No listening to this in the period." }));
    stats.removeAttribute("aria-busy");
    document.body.dataset.loaded = "1";
    return;
  }
  const through = (d.outcomes_by_year || []).reduce((a, y) => a + y.through, 0);
  const ended = (d.outcomes_by_year || []).reduce((a, y) => a + y.streams - y.unknown, 0);
  stats.replaceChildren(
    stat("rank", "rank", d.rank, d.rank ? `#${fmtInt(d.rank)}` : "–"),
    stat("plays", "plays", d.plays, fmtInt(d.plays)),
    stat("hours", "hours", (d.ms_played / MS_PER_HOUR).toFixed(1), fmtHours(d.ms_played)),
    stat("first_listen", "first listen", d.first_listen, fmtDate(d.first_listen)),
    stat("last_listen", "last listen", d.last_listen, fmtDate(d.last_listen)),
    ...(kind === "track" && ended ? [stat("through", "played to the end", through / ended, fmtPct(through / ended))] : []),
    ...(d.skip_rate === null ? [] : [stat("skip_rate", "skipped", d.skip_rate, fmtPct(d.skip_rate))]),
    stat("sessions", "sessions it came up in (skips too)", d.sessions, fmtInt(d.sessions)),
  );
  stats.dataset.msPlayed = String(d.ms_played);
  stats.removeAttribute("aria-busy");
  monthChart(document.getElementById("by-month"), d.by_month, kind);
  if (kind === "artist") {
    namedTable(document.getElementById("top-songs"), "track", "Song", d.top_tracks || []);
    namedTable(document.getElementById("top-albums"), "album", "Album", d.top_albums || []);
  }
  if (kind === "track") {
    outcomesChart(document.getElementById("outcomes"), d.outcomes_by_year);
    hourChart(document.getElementById("by-hour"), d.streams_by_hour);
    deviceChart(document.getElementById("devices"), d.devices);
    document.getElementById("versions-section").hidden = !d.versions.length;
    namedTable(document.getElementById("versions"), "track", "Version", d.versions);
  }
  if (kind === "album" || kind === "show") itemsTable(document.getElementById("items"), d);
  fillTable(document.getElementById("rank-by-year"), ["Year", "Rank", "Hours", "Plays"],
    d.rank_by_year.map((r) => el("tr", {}, el("td", { text: r.year }), el("td", { text: `#${fmtInt(r.rank)} of ${fmtInt(r.of)}` }),
      el("td", { class: "num", text: fmtH(r.ms_played) }), el("td", { class: "num", text: fmtInt(r.plays) }))));
  fillTable(document.getElementById("recent-sessions"), ["Started", "Plays", "Of these", "Hours"],
    d.recent_sessions.map((s) => el("tr", {}, el("td", { text: `${fmtDate(s.start_local)} ${s.start_local.slice(11, 16)}` }),
      el("td", { class: "num", text: fmtInt(s.streams) }), el("td", { class: "num", text: fmtInt(s.streams_of_this) }),
      el("td", { class: "num", text: fmtH(s.ms_played) }))));
  document.body.dataset.loaded = "1";
  if (kind === "artist") await similarArtists(d.name);
}

// ---- insight pages: each designed page is static/pages/NAME.js, which sets INSIGHT_PAGES[NAME] to a
// function drawing the page from the insight's JSON (loaded after this file: see templates/insight.html).
// An insight without its own page gets a readable generic view.
const INSIGHT_PAGES = {};
const DEVICE_LABELS = { phone_android: "Android phone", phone_ios: "iPhone", phone: "phone", desktop_mac: "Mac",
  desktop_windows: "Windows PC", desktop_linux: "Linux PC", desktop: "computer", speaker: "speaker", cast: "Chromecast",
  tv: "TV", car: "car", web: "web player", tablet: "tablet", console: "game console", watch: "watch",
  unknown: "not recorded" };
const deviceName = (d) => DEVICE_LABELS[d] || String(d).replaceAll("_", " ");
const hourName = (h) => `${String(h).padStart(2, "0")}:00`;

function facts(pairs) {
  return el("dl", { class: "facts" }, ...pairs.filter(([, v]) => v !== null && v !== undefined && v !== "")
    .flatMap(([k, v]) => [el("dt", { text: k }), el("dd", { text: v })]));
}

// A readable view of any other insight's result: human labels, hours for durations, percents for shares.
function humanKey(key) {
  const k = key.replace(/_ms$|^ms_/, "").replace(/_share$/, "").replaceAll("_", " ");
  return k.charAt(0).toUpperCase() + k.slice(1);
}

function humanValue(key, v) {
  if (v === null || v === undefined) return "–";
  if (typeof v === "number") {
    if (/ms/.test(key)) return fmtH(v);
    if (/share|rate/.test(key)) return fmtPct(v);
    if (/hours/.test(key)) return fmtH(v * MS_PER_HOUR);
    if (/minutes/.test(key)) return fmtH(v * 60000);
    return Number.isInteger(v) ? fmtInt(v) : v.toLocaleString("en-US", { maximumFractionDigits: 1 });
  }
  if (Array.isArray(v)) return v.slice(0, 6).map((x) => (scalar(x) ? x : x.name || x.artist || "…")).join(", ");
  if (/^\d{4}-\d\d-\d\d/.test(String(v))) return fmtDate(String(v));
  return String(v);
}

function scalar(v) {
  return v === null || ["string", "number", "boolean"].includes(typeof v);
}

function showValue(key, value) {
  if (Array.isArray(value) && value.length && value.every((r) => r && typeof r === "object" && !Array.isArray(r))) {
    const cols = Object.keys(value[0]).filter((k) => value.some((r) => scalar(r[k]) || Array.isArray(r[k]))).slice(0, 7);
    const table = el("table", { class: "ranking", "data-key": key });
    fillTable(table, cols.map(humanKey), value.map((r) => el("tr", {}, ...cols.map((c) => el("td", { text: humanValue(c, r[c]) })))));
    // A wide table scrolls in its own box (reachable by keyboard), never the page.
    const label = humanKey(key);
    return el("section", {}, el("h2", { text: label }),
      el("div", { class: "table-wrap", role: "region", "aria-label": label, tabindex: "0" }, table));
  }
  return null;
}

async function insightPage() {
  const name = document.body.dataset.insight;
  const data = await getJSON(`/api/insights/${name}?${periodQuery()}`);
  setupPeriod(data.meta);
  summary(data.summary);
  const draw = INSIGHT_PAGES[name];
  if (draw) await draw(data);
  else {
    const body = document.getElementById("insight-body");
    body.replaceChildren(...Object.entries(data.result).map(([k, v]) => showValue(k, v)).filter(Boolean));
  }
  document.body.dataset.loaded = "1";
}

// ---- search --------------------------------------------------------------------------------------------
async function searchPage() {
  const input = document.getElementById("search-q");
  input.value = params.get("q") || "";
  document.getElementById("search").addEventListener("submit", (event) => {
    event.preventDefault();
    location.search = new URLSearchParams({ q: input.value }).toString();
  });
  if (!input.value) { document.body.dataset.loaded = "1"; return; }
  const data = await getJSON(`/api/search?q=${encodeURIComponent(input.value)}`);
  fillTable(document.getElementById("search-results"), ["Name", "Kind", "Hours"], data.results.map((r) =>
    el("tr", {}, el("td", {}, entityLink(r.kind === "audiobook" ? "show" : r.kind, r.name, r.by),
      r.by ? el("span", { class: "muted", text: ` · ${r.by}` }) : ""),
    el("td", { text: r.kind }), el("td", { class: "num", text: r.hours.toFixed(1) }))));
  if (!data.results.length) showError(`Nothing called “${input.value}”.`);
  document.body.dataset.loaded = "1";
}

// ---- ask -----------------------------------------------------------------------------------------------
async function askPage() {
  const form = document.getElementById("ask");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const q = form.elements.q.value.trim();
    if (!q) return;
    document.getElementById("error").hidden = true;
    try {
      const a = await getJSON(`/api/ask?q=${encodeURIComponent(q)}`);
      document.getElementById("answer-sentence").textContent = a.sentence;
      const value = document.getElementById("answer-value");
      value.textContent = a.value === null ? "–" : `${a.value}${a.unit === "%" ? "%" : a.unit ? " " + a.unit : ""}`;
      value.dataset.value = a.value === null ? "" : String(a.value);
      document.getElementById("answer-how").textContent = a.understood
        ? `insight: ${a.insight} · period: ${a.period}${a.start || a.end ? ` (${a.start || "…"} → ${a.end || "…"})` : ""}`
        : `I can answer, for example: ${(a.can_answer || []).join(" · ")}`;
      document.getElementById("answer-command").textContent = a.command || "";
      document.getElementById("answer").hidden = false;
      document.body.dataset.answered = String(Number(document.body.dataset.answered || 0) + 1);
    } catch (err) {
      showError(err.message);
    }
  });
  document.body.dataset.loaded = "1";
}

// ---- exclusion rules -----------------------------------------------------------------------------------
async function loadRules() {
  const rules = await getJSON("/api/exclusions");
  const table = document.getElementById("rules");
  if (!rules.length) {
    fillTable(table, ["Rules"], [el("tr", {}, el("td", { text: "No rules: every play counts." }))]);
    return;
  }
  fillTable(table, ["#", "Rule", "Remove"], rules.map((r) => el("tr", { "data-rule": r.rule_id },
    el("td", { text: r.rule_id }), el("td", { text: r.description }),
    el("td", {}, el("button", { type: "button", class: "remove", text: "Remove", on: { click: () => removeRule(r.rule_id) } })))));
}

async function removeRule(id) {
  try {
    const r = await getJSON(`/api/exclusions/${id}`, { method: "DELETE", headers: CHANGE });
    document.getElementById("rule-message").textContent = `Rule ${r.rule_id} removed: ${r.description}`;
    await loadRules();
  } catch (err) { showError(err.message); }
}

async function rulesPage() {
  await loadRules();
  const form = document.getElementById("rule-form");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    document.getElementById("error").hidden = true;
    const body = {};
    for (const [k, v] of new FormData(form).entries()) if (String(v).trim()) body[k] = String(v).trim();
    try {
      const r = await getJSON("/api/exclusions", { method: "POST", headers: { ...CHANGE, "Content-Type": "application/json" },
        body: JSON.stringify(body) });
      const message = document.getElementById("rule-message");
      message.textContent = `Rule ${r.rule_id} added: ${r.description} — excludes ${fmtInt(r.plays_excluded)} of ${fmtInt(r.plays)} plays.`;
      message.dataset.excluded = String(r.plays_excluded);
      form.reset();
      await loadRules();
    } catch (err) { showError(err.message); }
  });
  document.body.dataset.loaded = "1";
}

// ---- import --------------------------------------------------------------------------------------------
function upload(file) {
  const box = document.getElementById("import-progress");
  const bar = document.getElementById("progress-bar");
  const text = document.getElementById("progress-text");
  document.getElementById("error").hidden = true;
  document.getElementById("import-report").hidden = true;
  box.hidden = false;
  let poll = null;
  const xhr = new XMLHttpRequest();
  xhr.open("POST", `/api/import?filename=${encodeURIComponent(file.name)}`);
  xhr.setRequestHeader("X-Linernotes", "1");
  xhr.setRequestHeader("Content-Type", "application/octet-stream");
  xhr.upload.addEventListener("progress", (e) => {
    if (e.lengthComputable) { bar.value = (100 * e.loaded) / e.total; text.textContent = `uploading ${Math.round(bar.value)}%`; }
  });
  xhr.upload.addEventListener("load", () => {
    text.textContent = "importing…";
    bar.removeAttribute("value");
    poll = setInterval(async () => {
      const p = await getJSON("/api/import/progress").catch(() => null);
      if (p && p.running && p.total) { bar.value = (100 * p.done) / p.total; text.textContent = `importing: ${p.stage} ${p.done}/${p.total}`; }
    }, 300);
  });
  xhr.addEventListener("loadend", () => {
    if (poll) clearInterval(poll);
    let body = {};
    try { body = JSON.parse(xhr.responseText); } catch { body = { error: xhr.statusText || "the upload failed" }; }
    if (xhr.status !== 200) {
      box.hidden = true;
      showError(body.error || `the import failed (${xhr.status})`);
      document.body.dataset.imported = "error";
      return;
    }
    bar.value = 100;
    text.textContent = "done";
    showReport(body);
  });
  xhr.send(file);
}

function showReport(r) {
  const t = r.totals;
  const line = document.getElementById("import-summary");
  line.textContent = `${fmtInt(t.stored)} new plays stored (${fmtInt(r.plays_after)} in the library; ` +
    `${fmtInt(t.duplicates + t.near_duplicates)} duplicates, ${fmtInt(t.dropped)} rows dropped) in ${r.seconds} s.`;
  line.dataset.stored = String(t.stored);
  line.dataset.playsAfter = String(r.plays_after);
  fillTable(document.getElementById("import-files"), ["File", "Format", "Stored", "Duplicates", "Dropped"],
    r.files.map((f) => el("tr", {}, el("td", { text: f.file }), el("td", { text: f.format }),
      el("td", { class: "num", text: fmtInt(f.stored) }), el("td", { class: "num", text: fmtInt(f.duplicates) }),
      el("td", { class: "num", text: fmtInt(f.dropped_total) }))));
  document.getElementById("import-report").hidden = false;
  document.body.dataset.imported = "ok";
}

function importPage() {
  const drop = document.getElementById("drop");
  const input = document.getElementById("file");
  input.addEventListener("change", () => { if (input.files.length) upload(input.files[0]); });
  drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => {
    e.preventDefault();
    drop.classList.remove("over");
    if (e.dataTransfer.files.length) upload(e.dataTransfer.files[0]);
  });
  document.body.dataset.loaded = "1";
}

// ---- you vs. the crowd ---------------------------------------------------------------------------------
async function crowdPage() {
  const data = await getJSON("/api/crowd");
  const fmt = (x) => Number(x).toFixed(1);
  summary([`Release ${data.release_id} (${fmtDate(data.published)}), ~${fmtInt(data.contributors.benchmarks)} contributors, ` +
    `differentially private (ε = ${data.epsilon}). A percentile is the share of contributors below you.`]);
  const rows = data.metrics.map((m) => el("tr", { "data-metric": m.metric },
    el("td", { text: m.metric.replaceAll("_", " "), title: m.meaning }),
    el("td", { class: "num", "data-value": m.value, text: `${Number(m.value).toPrecision(3)} ${m.unit}` }),
    el("td", { class: "num", "data-value": m.percentile, text: fmt(m.percentile) }),
    el("td", { class: "num", "data-value": m.uncertainty, text: `± ${fmt(m.uncertainty)}` })));
  fillTable(document.getElementById("crowd-table"), ["Measure", "You", "Percentile", "Uncertainty"], rows);
  const list = (id, items) => document.getElementById(id).replaceChildren(...items.map((t) => el("li", { text: t })));
  list("crowd-top", data.top_artists.slice(0, 10).map((a) => `${a.artist} (~${fmtInt(a.contributors)})`));
  list("crowd-recs", data.recommendations.map((r) => r.artist));
  document.body.dataset.loaded = "1";
}

// A page's function, by the body's data-page; a page with its own script (story) adds itself here.
const PAGES = { crowd: crowdPage, overview, entity, insight: insightPage, search: searchPage, ask: askPage,
  rules: rulesPage, import: importPage, insights: () => { document.body.dataset.loaded = "1"; } };

document.addEventListener("DOMContentLoaded", () => {
  const run = PAGES[document.body.dataset.page];
  if (!run) return;
  Promise.resolve(run()).catch((err) => { showError(err.message); document.body.dataset.loaded = "error"; });
});
