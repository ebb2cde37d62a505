// More charts over time for the insight pages (line, histogram, calendar grid, stacked shares, life spans), in
// the style of charts.js: each is a <figure> whose caption is its sentence (charts.js figure()), drawn at the
// container's width, colours from CSS classes over the identity's variables, every value in a tooltip.
"use strict";

// Top-level names are functions (a second script declaring the same name replaces it, never breaks the page).
function dayMs() { return 86400000; }

// Text that fits `room` pixels at the 11 px chart font (about 6.2 px a character): cut with "…".
function fitText(text, room) {
  const max = Math.max(3, Math.floor(room / 6.2));
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

// The y axis of a chart `height` high over `top`: gridlines and labels at round steps up to `ceiling`.
function valueAxis(svg, { left, width, top, height, max, shown, ticks = 3 }) {
  const step = niceStep(Math.max(max, 1e-9), ticks);
  const ceiling = Math.max(step, Math.ceil(max / step - 1e-9) * step);
  const y = (v) => top + height - (v / ceiling) * height;
  for (let v = 0; v <= ceiling + 1e-9; v += step) {
    svg.append(svgEl("line", { class: "grid-line", x1: left, x2: width, y1: y(v), y2: y(v) }));
    svg.append(svgEl("text", { class: "axis-label", x: left - 6, y: y(v) + 4, "text-anchor": "end" }, shown(v)));
  }
  return y;
}

// x labels under a time axis: the first point of each label group (years, months), thinned to fit.
function timeLabels(svg, points, xAt, y, plotW) {
  const labels = points.map((p, i) => [i, p.label]).filter(([i, l]) => l && (i === 0 || points[i - 1].label !== l));
  const every = Math.max(1, Math.ceil((labels.length * 44) / plotW));
  labels.forEach(([i, l], j) => {
    if (j % every) return;
    svg.append(svgEl("text", { class: "axis-label", x: xAt(i), y }, l));
  });
}

// A line over time (with a light area under it); `points`: [{key, label, value, tip}], a value of null is a gap.
// `shown(v)`: the axis text; `max`: the axis top (e.g. 1 for shares), else the largest value. `average`: the line
// is the centred mean of this many neighbouring points (a noisy monthly series reads as its trend), each
// point's own value a faint dot.
function lineChart(container, sentence, points, shown, { height = 170, max = null, cls = "", average = 0 } = {}) {
  figure(container, sentence, (width) => {
    const left = 48, bottom = 22, top = 10, plotW = width - left - 8;
    const values = points.map((p) => p.value).filter((v) => v !== null && v !== undefined);
    const svg = svgEl("svg", { viewBox: `0 0 ${width} ${height + bottom + top}`, height: height + bottom + top });
    const y = valueAxis(svg, { left, width, top, height, max: max ?? Math.max(...values, 1e-9), shown });
    const x = (i) => left + (points.length > 1 ? (i * plotW) / (points.length - 1) : plotW / 2);
    const half = Math.floor(average / 2);
    const lineValue = (i) => {
      if (!average) return points[i].value;
      const near = points.slice(Math.max(0, i - half), i + half + 1).map((p) => p.value).filter((v) => v !== null && v !== undefined);
      return near.reduce((a, v) => a + v, 0) / near.length;
    };
    // One path per unbroken run of values, so a month without data is a gap, never a dive to zero.
    let run = [];
    const flush = () => {
      if (run.length > 1) {
        const d = run.map(([i, v], j) => `${j ? "L" : "M"}${x(i).toFixed(1)},${y(v).toFixed(1)}`).join("");
        const base = y(0).toFixed(1);
        svg.append(svgEl("path", { class: `trend-area ${cls}`, d: `${d}L${x(run[run.length - 1][0]).toFixed(1)},${base}L${x(run[0][0]).toFixed(1)},${base}Z` }));
        svg.append(svgEl("path", { class: `trend-line ${cls}`, d }));
      }
      run = [];
    };
    points.forEach((p, i) => { if (p.value === null || p.value === undefined) flush(); else run.push([i, lineValue(i)]); });
    flush();
    const r = points.length > 60 ? 2 : 3;
    points.forEach((p, i) => {
      if (p.value === null || p.value === undefined) return;
      svg.append(withTip(svgEl("circle", { class: `trend-dot ${cls}${average ? " faint" : ""}`, cx: x(i), cy: y(p.value), r,
        "data-key": p.key }), p.tip));
    });
    timeLabels(svg, points, x, top + height + 16, plotW);
    return svg;
  });
}

// Columns in categories (hours of the day, months of the year), each labelled under its middle, each with a
// class of its own (night hours, weekend days): `points`: [{key, label, value, tip, cls}]; a value of null is a
// column left out (too few plays to say), drawn as nothing.
function categoryColumns(container, sentence, points, shown, { height = 150, max = null } = {}) {
  figure(container, sentence, (width) => {
    const left = 48, bottom = 22, top = 8, plotW = width - left - 4, w = plotW / Math.max(1, points.length);
    const svg = svgEl("svg", { viewBox: `0 0 ${width} ${height + bottom + top}`, height: height + bottom + top });
    const values = points.map((p) => p.value).filter((v) => v !== null && v !== undefined);
    const y = valueAxis(svg, { left, width, top, height, max: max ?? Math.max(...values, 1e-9), shown });
    points.forEach((p, i) => {
      if (p.value === null || p.value === undefined) return;
      const h = Math.max(p.value > 0 ? 1 : 0, top + height - y(p.value));
      svg.append(withTip(svgEl("rect", { class: p.cls || "mark", x: left + i * w + (w > 4 ? 1 : 0), y: top + height - h,
        width: Math.max(1, w - (w > 4 ? 2 : 0)), height: h, rx: w > 8 ? 2 : 0, "data-key": p.key }), p.tip));
    });
    const labelled = points.filter((p) => p.label).length;
    const every = Math.max(1, Math.ceil((labelled * 38) / plotW));
    let j = 0;
    points.forEach((p, i) => {
      if (!p.label) return;
      if (j++ % every) return;
      svg.append(svgEl("text", { class: "axis-label", x: left + i * w + w / 2, y: top + height + 15, "text-anchor": "middle" }, p.label));
    });
    return svg;
  });
}

// Columns for a distribution (session lengths, seconds to a skip): each bin labelled under its column (on two
// lines when narrow) with its value written on top. `bins`: [{label, value, text, tip, cls}].
function histogram(container, sentence, bins, { height = 150 } = {}) {
  figure(container, sentence, (width) => {
    const left = 4, top = 18, bottom = 34, plotW = width - left - 4, w = plotW / Math.max(1, bins.length);
    const max = Math.max(1e-9, ...bins.map((b) => b.value));
    const svg = svgEl("svg", { viewBox: `0 0 ${width} ${height + bottom + top}`, height: height + bottom + top });
    svg.append(svgEl("line", { class: "grid-line", x1: left, x2: width - 4, y1: top + height, y2: top + height }));
    bins.forEach((b, i) => {
      const h = Math.max(b.value > 0 ? 2 : 0, (b.value / max) * height), cx = left + i * w + w / 2;
      svg.append(withTip(svgEl("rect", { class: b.cls || "mark", x: left + i * w + 2, y: top + height - h,
        width: Math.max(1, w - 4), height: h, rx: 2, "data-key": b.label }), b.tip || `${b.label}: ${b.text}`));
      svg.append(svgEl("text", { class: "value-label", x: cx, y: top + height - h - 5, "text-anchor": "middle" },
        w < 7 * b.text.length ? fitText(b.text, w) : b.text));
      const words = b.label.split(" ");
      const lines = w < 6.4 * b.label.length && words.length > 1 ? [words.slice(0, -1).join(" "), words[words.length - 1]] : [b.label];
      lines.forEach((line, j) => svg.append(svgEl("text", { class: "axis-label", x: cx, y: top + height + 14 + 12 * j,
        "text-anchor": "middle" }, line)));
    });
    return svg;
  });
}

// Days as a calendar (one row of weeks per year, Monday on top, like a contribution graph): `start` is the
// first day ("YYYY-MM-DD") of `values` (one number a day); `tip(day, value)` writes a day's tooltip. Shades are
// the quartiles of the days with listening, so one huge day does not wash out the rest. `outline`: [first, last]
// ISO days underlined, week by week, under their year's row (a streak).
function calendarGrid(container, sentence, start, values, tip, { outline = null } = {}) {
  const first = new Date(`${start}T00:00:00Z`);
  const dayOf = (i) => new Date(first.getTime() + i * dayMs());
  const years = [];
  for (let y = first.getUTCFullYear(); y <= dayOf(values.length - 1).getUTCFullYear(); y += 1) years.push(y);
  const positive = values.filter((v) => v > 0).sort((a, b) => a - b);
  const q = [0.25, 0.5, 0.75].map((f) => positive[Math.floor(f * (positive.length - 1))] || 0);
  const level = (v) => (v <= 0 ? 0 : v <= q[0] ? 1 : v <= q[1] ? 2 : v <= q[2] ? 3 : 4);
  // Column (week of the year, weeks starting Monday) and row (weekday) of a day.
  const place = (date) => {
    const jan1 = Date.UTC(date.getUTCFullYear(), 0, 1);
    const offset = (new Date(jan1).getUTCDay() + 6) % 7; // Monday = 0
    const doy = Math.round((date.getTime() - jan1) / dayMs());
    return [Math.floor((doy + offset) / 7), (date.getUTCDay() + 6) % 7];
  };
  figure(container, sentence, (width) => {
    const left = 38, top = 16, gap = 10, cell = Math.min(15, (width - left - 2) / 54), rowH = 7 * cell + gap;
    const height = top + years.length * rowH + 22;
    const svg = svgEl("svg", { viewBox: `0 0 ${width} ${height}`, height, class: "calendar-grid" });
    // Month names over the first row, at the week of each month's first day (the same week ±1 every year).
    const yearRef = years[0];
    MONTHS.forEach((m, k) => {
      const [col] = place(new Date(Date.UTC(yearRef, k, 1)));
      if (cell * 4.3 < 24 && k % 3) return; // a narrow phone: every third month
      svg.append(svgEl("text", { class: "axis-label", x: left + col * cell, y: top - 5 }, m));
    });
    years.forEach((year, r) => {
      svg.append(svgEl("text", { class: "axis-label", x: 0, y: top + r * rowH + 3.5 * cell + 4 }, String(year)));
    });
    values.forEach((v, i) => {
      const date = dayOf(i);
      const [col, row] = place(date);
      const r = date.getUTCFullYear() - years[0];
      const iso = date.toISOString().slice(0, 10);
      svg.append(withTip(svgEl("rect", { class: `day level-${level(v)}`, x: left + col * cell + 0.5,
        y: top + r * rowH + row * cell + 0.5, width: Math.max(1, cell - 1), height: Math.max(1, cell - 1), rx: 1,
        "data-day": iso }), tip(iso, v)));
    });
    if (outline) {
      // One underline per year the range touches, from its first to its last week in that year.
      const a = new Date(`${outline[0]}T00:00:00Z`), b = new Date(`${outline[1]}T00:00:00Z`);
      for (let year = a.getUTCFullYear(); year <= b.getUTCFullYear(); year += 1) {
        const from = year === a.getUTCFullYear() ? a : new Date(Date.UTC(year, 0, 1));
        const to = year === b.getUTCFullYear() ? b : new Date(Date.UTC(year, 11, 31));
        const r = year - years[0], yy = top + r * rowH + 7 * cell + 3;
        svg.append(svgEl("line", { class: "streak-line", x1: left + place(from)[0] * cell + 0.5,
          x2: left + (place(to)[0] + 1) * cell - 0.5, y1: yy, y2: yy }));
      }
    }
    // The key: less → more.
    const keyY = height - 14, kx = Math.min(width, left + 54 * cell) - 6 * 14 - 30;
    svg.append(svgEl("text", { class: "axis-label", x: kx - 4, y: keyY + 9, "text-anchor": "end" }, "Less"));
    for (let l = 0; l <= 4; l += 1) {
      svg.append(svgEl("rect", { class: `day level-${l}`, x: kx + l * 14, y: keyY, width: 11, height: 11, rx: 1 }));
    }
    svg.append(svgEl("text", { class: "axis-label", x: kx + 5 * 14 + 2, y: keyY + 9 }, "More"));
    return svg;
  });
}

// Shares stacked to 100% in each column (devices a year): `buckets`: [{key, label, tip}], `series`:
// [{name, cls, values: [share per bucket]}]. A legend under the chart names the colours.
function stackedColumns(container, sentence, buckets, series, { height = 180 } = {}) {
  figure(container, sentence, (width) => {
    const left = 44, bottom = 22, top = 8, plotW = width - left - 4, w = plotW / Math.max(1, buckets.length);
    const svg = svgEl("svg", { viewBox: `0 0 ${width} ${height + bottom + top}`, height: height + bottom + top });
    const y = valueAxis(svg, { left, width, top, height, max: 1, shown: (v) => fmtPct(v), ticks: 2 });
    buckets.forEach((b, i) => {
      let acc = 0;
      series.forEach((s) => {
        const v = s.values[i] || 0;
        if (v <= 0) return;
        svg.append(withTip(svgEl("rect", { class: s.cls, x: left + i * w + (w > 6 ? 1 : 0), y: y(acc + v),
          width: Math.max(1, w - (w > 6 ? 2 : 0)), height: Math.max(0.5, y(acc) - y(acc + v)) }),
          `${b.tip}: ${s.name} ${fmtPct(v)}`));
        acc += v;
      });
    });
    timeLabels(svg, buckets, (i) => left + i * w + (buckets.length < 12 ? w / 2 : 0), top + height + 16, plotW);
    if (buckets.length < 12) svg.querySelectorAll("text:not([text-anchor])").forEach((t) => t.setAttribute("text-anchor", "middle"));
    return svg;
  });
  container.append(colourKey(series));
}

// The legend of a chart's colours: a list of swatches and names (text, so names are data).
function colourKey(series) {
  return el("ul", { class: "legend" }, ...series.map((s) =>
    el("li", {}, el("span", { class: `swatch ${s.cls}`, "aria-hidden": "true" }), s.name)));
}

// Life spans on a time axis (an artist from first to last listen): `rows`: [{label, first, last, tip, cls,
// mark, strength}] with ISO days; `mark` (optional ISO day) is drawn as a dot on the bar (a peak), `strength`
// (0–1, optional) shades the bar (how steadily it was played between its ends).
function lifespanChart(container, sentence, rows, { from = null, to = null } = {}) {
  const t = (iso) => new Date(`${iso.slice(0, 10)}T00:00:00Z`).getTime();
  const lo = t(from || rows.reduce((a, r) => (r.first < a ? r.first : a), rows[0].first));
  const hi = Math.max(lo + dayMs(), t(to || rows.reduce((a, r) => (r.last > a ? r.last : a), rows[0].last)) + dayMs());
  figure(container, sentence, (width) => {
    const rowH = 26, labelW = Math.min(150, Math.floor(width * 0.34)), top = 4, bottom = 22;
    const plotW = width - labelW - 8, x = (ms) => labelW + ((ms - lo) / (hi - lo)) * plotW;
    const height = top + rows.length * rowH + bottom;
    const svg = svgEl("svg", { viewBox: `0 0 ${width} ${height}`, height });
    // Year ticks: as many as fit.
    const y0 = new Date(lo).getUTCFullYear(), y1 = new Date(hi).getUTCFullYear();
    const every = Math.max(1, Math.ceil(((y1 - y0 + 1) * 40) / plotW));
    for (let yr = y0; yr <= y1 + 1; yr += 1) {
      const ms = Date.UTC(yr, 0, 1);
      if (ms < lo || ms > hi) continue;
      svg.append(svgEl("line", { class: "grid-line", x1: x(ms), x2: x(ms), y1: top, y2: top + rows.length * rowH }));
      if ((yr - y0) % every === 0) {
        svg.append(svgEl("text", { class: "axis-label", x: x(ms) + 2, y: height - 6 }, String(yr)));
      }
    }
    if (y0 === y1 || rows.length && (hi - lo) < 400 * dayMs()) {
      // A short span: the months, so the axis still says when.
      for (let ms = Date.UTC(y0, new Date(lo).getUTCMonth() + 1, 1); ms < hi; ms = Date.UTC(new Date(ms).getUTCFullYear(), new Date(ms).getUTCMonth() + 2, 1)) {
        const d = new Date(ms);
        if (d.getUTCMonth() === 0) continue;
        svg.append(svgEl("text", { class: "axis-label", x: x(ms) + 2, y: height - 6 }, MONTHS[d.getUTCMonth()]));
      }
    }
    rows.forEach((r, i) => {
      const yy = top + i * rowH;
      svg.append(withTip(svgEl("text", { class: "value-label name-label", x: 0, y: yy + 17 }, fitText(r.label, labelW - 6)), r.label));
      const a = x(t(r.first)), b = Math.max(a + 3, x(t(r.last) + dayMs()));
      svg.append(withTip(svgEl("rect", { class: r.cls || "mark", x: a, y: yy + 7, width: b - a, height: rowH - 14, rx: 3,
        "fill-opacity": r.strength === undefined ? null : (0.3 + 0.7 * r.strength).toFixed(2) }), r.tip));
      if (r.mark) svg.append(svgEl("circle", { class: "span-mark", cx: x(t(r.mark) + dayMs() / 2), cy: yy + rowH / 2, r: 4 }));
    });
    return svg;
  });
}

// ---- what the family pages share -------------------------------------------------------------------------
// A card with a heading, an optional line under it, and an empty chart figure to draw into.
function chartCard(title, id, note = null) {
  const fig = el("figure", { class: "chart", id });
  const card = el("section", { class: "card fa-card" }, el("h2", { text: title }),
    ...(note ? [el("p", { class: "muted fa-note", text: note })] : []), fig);
  return [card, fig];
}

// The page says in a sentence why there is nothing to draw (never an empty chart).
function tooLittle(text) {
  return el("p", { class: "fa-too-little lead", "data-too-little": "1", text });
}

// A list table (name, a bar, values) for the lists a page shows as lists.
function listTable(label, headers, rows) {
  const table = el("table", { class: "ranking fa-list" });
  fillTable(table, headers, rows);
  table.querySelectorAll("th").forEach((th, i) => {
    const cell = rows.length ? rows[0].children[i] : null;
    // A bar column's header is read by screen readers, not shown (the bar says it).
    if (cell && cell.classList.contains("bar")) {
      th.classList.add("bar");
      th.replaceChildren(el("span", { class: "visually-hidden", text: th.textContent }));
    }
  });
  return el("div", { class: "table-wrap", role: "region", "aria-label": label, tabindex: "0" }, table);
}

function fmtMinutes(minutes) { return fmtH(minutes * 60000); }
// Listening time that is never "0 min" when there was some (a few seconds abroad).
function fmtListened(ms) { return ms > 0 && ms < 30000 ? "<1 min" : fmtH(ms); }
// A country's English name from its ISO code ("US" → "United States"), by the browser's own list.
function countryName(code) {
  if (!code || code === "unknown" || code === "ZZ") return "Not recorded";
  try { return new Intl.DisplayNames(["en"], { type: "region" }).of(code.toUpperCase()) || code; } catch { return code; }
}
// A device's name as a label ("Android phone", "iPhone", "Web player"): deviceName (app.js) capitalised.
function deviceLabel(device) {
  const name = deviceName(device);
  return /^[a-z][a-z ]/.test(name) ? name.charAt(0).toUpperCase() + name.slice(1) : name;
}
