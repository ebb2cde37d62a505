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

const fmtInt = (n) => (n === null || n === undefined ? "–" : Number(n).toLocaleString("en-US"));
const MS_PER_HOUR = 3600000; // as linernotes.units.MS_PER_HOUR
const fmtHours = (ms) => (ms / MS_PER_HOUR).toLocaleString("en-US", { maximumFractionDigits: 1, minimumFractionDigits: 1 });
const fmtPct = (x) => (x === null || x === undefined ? "–" : (100 * x).toFixed(1) + "%");
const fmtDate = (iso) => (iso ? iso.slice(0, 10) : "–");

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

// Period: ?from=&to= on the page's URL, passed on to every API call and every link.
function periodQuery() {
  const q = new URLSearchParams();
  for (const key of ["from", "to"]) if (params.get(key)) q.set(key, params.get(key));
  return q;
}

function setupPeriod(meta) {
  const form = document.getElementById("period");
  if (!form) return;
  form.elements.from.value = params.get("from") || "";
  form.elements.to.value = params.get("to") || "";
  if (meta && meta.start) {
    document.getElementById("period-shown").textContent = `${meta.start} → ${meta.end}`;
  }
  if (form.dataset.ready) return;
  form.dataset.ready = "1";
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    for (const key of ["from", "to"]) {
      if (form.elements[key].value) params.set(key, form.elements[key].value);
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
  table.replaceChildren(el("thead", {}, el("tr", {}, ...headers.map((h) => el("th", { text: h })))),
    el("tbody", {}, ...rows));
}

function summary(lines) {
  const list = document.getElementById("summary");
  if (!list) return;
  list.replaceChildren(...lines.map((line) => el("li", { text: line })));
  list.removeAttribute("aria-busy");
}

// ---- overview ------------------------------------------------------------------------------------------
async function overview() {
  const q = periodQuery();
  const data = await getJSON(`/api/insights/overview?${q}`);
  setupPeriod(data.meta);
  summary(data.summary);
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
  const kinds = { artists: "artist", tracks: "track", albums: "album", shows: "show" };
  await Promise.all(Object.entries(kinds).map(async ([entity, kind]) => {
    const tq = periodQuery();
    tq.set("entity", entity);
    tq.set("limit", "10");
    const top = await getJSON(`/api/insights/top?${tq}`);
    const rows = top.result.rows.map((r) => el("tr", { "data-name": r.name },
      el("td", { "data-key": "rank", "data-value": r.rank, text: r.rank }),
      el("td", {}, entityLink(kind, r.name, r.by), r.by ? el("span", { class: "muted", text: ` · ${r.by}` }) : ""),
      el("td", { class: "num", "data-key": "plays", "data-value": r.plays, text: fmtInt(r.plays) }),
      el("td", { class: "num", "data-key": "ms_played", "data-value": r.ms_played, text: fmtHours(r.ms_played) + " h" })));
    const table = document.getElementById(`top-${entity}`);
    fillTable(table, ["#", entity.slice(0, -1), "plays", "hours"], rows);
    table.dataset.loaded = "1";
  }));
  document.body.dataset.loaded = "1";
}

// ---- artist / track / album / show -------------------------------------------------------------------
function everyMonth(points) {
  // Months without listening get an empty bar, so the x axis is time.
  if (!points.length) return points;
  const byMonth = new Map(points.map((p) => [p.month, p]));
  const out = [];
  let [y, m] = points[0].month.split("-").map(Number);
  const last = points[points.length - 1].month;
  for (;;) {
    const key = `${y}-${String(m).padStart(2, "0")}`;
    out.push(byMonth.get(key) || { month: key, plays: 0, ms_played: 0 });
    if (key >= last) return out;
    m += 1;
    if (m > 12) { m = 1; y += 1; }
  }
}

function monthSentence(points) {
  if (!points.length) return "No listening by month in this period.";
  const peak = points.reduce((a, b) => (b.ms_played > a.ms_played ? b : a));
  const silent = points.filter((p) => !p.ms_played).length;
  return `Hours listened each month, ${points[0].month} to ${points[points.length - 1].month}: ` +
    `the most in ${peak.month} (${fmtHours(peak.ms_played)} h, ${fmtInt(peak.plays)} plays)` +
    (silent ? `; ${fmtInt(silent)} months without any.` : ".");
}

function barChart(container, monthly) {
  // One bar per month (SVG, drawn here: no chart library, nothing fetched).
  const points = everyMonth(monthly);
  const ns = "http://www.w3.org/2000/svg";
  const width = 760, height = 160, max = Math.max(1, ...points.map((p) => p.ms_played));
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", `0 0 ${width} ${height + 20}`);
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", monthSentence(points)); // the chart's text alternative: what it shows, in words
  const step = width / Math.max(points.length, 1);
  points.forEach((p, i) => {
    const h = p.ms_played ? Math.max(1, (p.ms_played / max) * height) : 0;
    const bar = document.createElementNS(ns, "rect");
    bar.setAttribute("x", String(i * step + 1));
    bar.setAttribute("y", String(height - h));
    bar.setAttribute("width", String(Math.max(1, step - 2)));
    bar.setAttribute("height", String(h));
    bar.setAttribute("data-month", p.month);
    const tip = document.createElementNS(ns, "title");
    tip.textContent = `${p.month}: ${fmtHours(p.ms_played)} h, ${fmtInt(p.plays)} plays`;
    bar.append(tip);
    svg.append(bar);
  });
  for (const [i, p] of [[0, points[0]], [points.length - 1, points[points.length - 1]]]) {
    if (!p) continue;
    const label = document.createElementNS(ns, "text");
    label.setAttribute("x", String(i === 0 ? 0 : width));
    label.setAttribute("y", String(height + 16));
    label.setAttribute("text-anchor", i === 0 ? "start" : "end");
    label.textContent = p.month;
    svg.append(label);
  }
  container.replaceChildren(svg);
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
  document.getElementById("entity-by").textContent = d.by ? `${kind} by ${d.by}` : kind;
  const stats = document.getElementById("stats");
  if (!d.found) {
    stats.replaceChildren(el("p", { text: "No listening to this in the period." }));
    stats.removeAttribute("aria-busy");
    document.body.dataset.loaded = "1";
    return;
  }
  stats.replaceChildren(
    stat("rank", "rank", d.rank, d.rank ? `#${d.rank}` : "–"),
    stat("plays", "plays", d.plays, fmtInt(d.plays)),
    stat("hours", "hours", (d.ms_played / MS_PER_HOUR).toFixed(1), fmtHours(d.ms_played)),
    stat("first_listen", "first listen", d.first_listen, fmtDate(d.first_listen)),
    stat("last_listen", "last listen", d.last_listen, fmtDate(d.last_listen)),
    stat("skip_rate", "skipped", d.skip_rate, fmtPct(d.skip_rate)),
    stat("sessions", "sessions", d.sessions, fmtInt(d.sessions)),
  );
  stats.dataset.msPlayed = String(d.ms_played);
  stats.removeAttribute("aria-busy");
  barChart(document.getElementById("by-month"), d.by_month);
  fillTable(document.getElementById("rank-by-year"), ["year", "rank", "plays", "hours"],
    d.rank_by_year.map((r) => el("tr", {}, el("td", { text: r.year }), el("td", { text: `#${r.rank} of ${fmtInt(r.of)}` }),
      el("td", { class: "num", text: fmtInt(r.plays) }), el("td", { class: "num", text: fmtHours(r.ms_played) }))));
  fillTable(document.getElementById("recent-sessions"), ["started", "streams", "of it", "hours"],
    d.recent_sessions.map((s) => el("tr", {}, el("td", { text: s.start.slice(0, 16).replace("T", " ") }),
      el("td", { class: "num", text: fmtInt(s.streams) }), el("td", { class: "num", text: fmtInt(s.streams_of_this) }),
      el("td", { class: "num", text: fmtHours(s.ms_played) }))));
  document.body.dataset.loaded = "1";
}

// ---- chapters, modes: any insight, shown generically -------------------------------------------------
function scalar(v) {
  return v === null || ["string", "number", "boolean"].includes(typeof v);
}

function showValue(key, value) {
  if (Array.isArray(value) && value.length && value.every((r) => r && typeof r === "object" && !Array.isArray(r))) {
    const cols = Object.keys(value[0]).filter((k) => value.some((r) => scalar(r[k]))).slice(0, 8);
    const table = el("table", { class: "ranking", "data-key": key });
    fillTable(table, cols, value.map((r) => el("tr", {}, ...cols.map((c) => {
      const v = r[c];
      const shown = Array.isArray(v) ? v.slice(0, 6).map((x) => (scalar(x) ? x : x.name || "…")).join(", ")
        : v === null || v === undefined ? "–" : typeof v === "number" ? fmtInt(Math.round(v * 1000) / 1000) : String(v);
      return el("td", { text: shown });
    }))));
    // A wide table scrolls in its own box (reachable by keyboard), never the page.
    const label = key.replaceAll("_", " ");
    return el("section", {}, el("h2", { text: label }),
      el("div", { class: "table-wrap", role: "region", "aria-label": label, tabindex: "0" }, table));
  }
  if (scalar(value)) return el("p", {}, el("strong", { text: key.replaceAll("_", " ") + ": " }), String(value ?? "–"));
  return null;
}

async function insightPage() {
  const name = document.body.dataset.insight;
  const data = await getJSON(`/api/insights/${name}?${periodQuery()}`);
  setupPeriod(data.meta);
  summary(data.summary);
  const body = document.getElementById("insight-body");
  body.replaceChildren(...Object.entries(data.result).map(([k, v]) => showValue(k, v)).filter(Boolean));
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
  fillTable(document.getElementById("search-results"), ["name", "kind", "hours"], data.results.map((r) =>
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
    fillTable(table, ["rules"], [el("tr", {}, el("td", { text: "No rules: every play counts." }))]);
    return;
  }
  fillTable(table, ["#", "rule", ""], rules.map((r) => el("tr", { "data-rule": r.rule_id },
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
  fillTable(document.getElementById("import-files"), ["file", "format", "stored", "duplicates", "dropped"],
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
  fillTable(document.getElementById("crowd-table"), ["metric", "you", "percentile", "uncertainty"], rows);
  const list = (id, items) => document.getElementById(id).replaceChildren(...items.map((t) => el("li", { text: t })));
  list("crowd-top", data.top_artists.slice(0, 10).map((a) => `${a.artist} (~${fmtInt(a.contributors)})`));
  list("crowd-recs", data.recommendations.map((r) => r.artist));
  document.body.dataset.loaded = "1";
}

const PAGES = { crowd: crowdPage, overview, entity, insight: insightPage, search: searchPage, ask: askPage, rules: rulesPage, import: importPage };

document.addEventListener("DOMContentLoaded", () => {
  const run = PAGES[document.body.dataset.page];
  if (!run) return;
  Promise.resolve(run()).catch((err) => { showError(err.message); document.body.dataset.loaded = "error"; });
});
