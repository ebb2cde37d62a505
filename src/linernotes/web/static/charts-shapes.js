// More chart shapes for the model pages, in the style of charts.js (every one a <figure> through figure(),
// its caption the sentence and the SVG's accessible name; drawn at the container's width, so text keeps its
// size on a phone). Labels sit on their own line above their bar, so long names never squeeze the bars.
// Colours: CSS classes over the identity's variables only (see css/family-b.css).
"use strict";

const SHAPE_DAY_MS = 86400000;
const shapeDayNumber = (iso) => Date.UTC(...iso.slice(0, 10).split("-").map((v, i) => Number(v) - (i === 1 ? 1 : 0))) / SHAPE_DAY_MS;
const shapeShortDay = (iso) => { const [, m, d] = iso.slice(0, 10).split("-").map(Number); return `${d} ${MONTHS[m - 1]}`; };

// A name cut to about `px` pixels of 11 px text (an ellipsis when cut): SVG text does not wrap, and a label
// running past the chart would scroll a phone sideways. The full name stays in the mark's tooltip.
function shapeFit(text, px) {
  const room = Math.max(4, Math.floor(px / 6.6));
  return text.length > room ? `${text.slice(0, room - 1)}…` : text;
}

// A round step for an axis of listening time up to `maxMs` (about three gridlines): 5 min … 12 h.
function shapeTimeStep(maxMs, ticks = 3) {
  const minutes = [5, 10, 15, 30, 60, 120, 180, 240, 360, 480, 720];
  return 60000 * (minutes.find((m) => m * 60000 * ticks >= maxMs) || 720);
}

// Ticks for a time axis from day a to day b (day numbers): years, or months when the span is short.
function shapeTimeTicks(a, b, width) {
  const out = [];
  const start = new Date(a * SHAPE_DAY_MS), end = new Date(b * SHAPE_DAY_MS);
  const years = end.getUTCFullYear() - start.getUTCFullYear();
  if (years >= 2) {
    const every = Math.max(1, Math.ceil((years * 42) / width));
    for (let y = start.getUTCFullYear() + 1; y <= end.getUTCFullYear(); y += 1) {
      if ((y - start.getUTCFullYear() - 1) % every === 0) out.push([Date.UTC(y, 0, 1) / SHAPE_DAY_MS, String(y)]);
    }
    return out;
  }
  const months = (end.getUTCFullYear() - start.getUTCFullYear()) * 12 + end.getUTCMonth() - start.getUTCMonth();
  const every = Math.max(1, Math.ceil((months * 64) / width));
  for (let i = 1; i <= months; i += every) {
    const d = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + i, 1));
    out.push([d.getTime() / SHAPE_DAY_MS, `${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`]);
  }
  return out;
}

// Signed bars around a centre value (e.g. the overall skip rate): a row's bar runs right when its value is
// above the centre, left when below. `rows`: [{heading}] for a group title, or [{label, value, text, tip}].
// `sides`: [left words, right words] written above the axis; `shown(v)`: how a value reads.
function divergingBars(container, sentence, rows, { centre, centreText, sides, shown }) {
  figure(container, sentence, (width) => {
    const top = 40, labelH = 16, barH = 14, gap = 10, headH = 26, pad = 58;
    const spread = Math.max(1e-9, ...rows.filter((r) => !r.heading).map((r) => Math.abs(r.value - centre)));
    const mid = width / 2, half = mid - pad;
    let y = top;
    const parts = [];
    for (const r of rows) {
      if (r.heading) { parts.push(["h", r, y]); y += headH; } else { parts.push(["r", r, y]); y += labelH + barH + gap; }
    }
    const svg = svgEl("svg", { viewBox: `0 0 ${width} ${y}`, height: y });
    svg.append(svgEl("text", { class: "axis-label", x: mid - 8, y: 12, "text-anchor": "end" }, `← ${sides[0]}`));
    svg.append(svgEl("text", { class: "axis-label", x: mid + 8, y: 12 }, `${sides[1]} →`));
    svg.append(svgEl("text", { class: "axis-label", x: mid, y: 28, "text-anchor": "middle" }, centreText));
    for (const [kind, r, at] of parts) {
      if (kind === "h") {
        svg.append(svgEl("text", { class: "group-label", x: 0, y: at + 17 }, shapeFit(r.heading, (width * 6.2) / 8)));
        continue;
      }
      const w = (half * Math.abs(r.value - centre)) / spread, up = r.value >= centre;
      svg.append(svgEl("text", { class: "value-label", x: 0, y: at + 12 }, shapeFit(r.label, width)));
      const x = up ? mid : mid - w;
      // the centre line, drawn row by row so it never crosses a label
      svg.append(svgEl("line", { class: "centre-line", x1: mid, x2: mid, y1: at + labelH - 3, y2: at + labelH + barH + 3 }));
      svg.append(withTip(svgEl("rect", { class: up ? "raise" : "lower", x, y: at + labelH, width: Math.max(1.5, w), height: barH, rx: 2 }), r.tip));
      svg.append(svgEl("text", { class: "axis-label", x: up ? mid + w + 5 : mid - w - 5, y: at + labelH + barH - 3,
        "text-anchor": up ? "start" : "end" }, r.text || shown(r.value)));
    }
    return svg;
  });
}

// Bars on a chosen scale from `min` to `max` (e.g. an AUC from guessing, 0.5, to perfect, 1): [{label, value, text, cls}].
function scaleBars(container, sentence, rows, { min, max, ticks, shown }) {
  figure(container, sentence, (width) => {
    const labelH = 16, barH = 16, gap = 10, bottom = 22, right = 16;
    const h = rows.length * (labelH + barH + gap) + bottom;
    const x = (v) => ((Math.min(max, Math.max(min, v)) - min) / (max - min)) * (width - right);
    const svg = svgEl("svg", { viewBox: `0 0 ${width} ${h}`, height: h });
    const axisY = h - bottom;
    for (const t of ticks) {
      svg.append(svgEl("line", { class: "grid-line", x1: x(t), x2: x(t), y1: 0, y2: axisY }));
      svg.append(svgEl("text", { class: "axis-label", x: x(t), y: axisY + 15, "text-anchor": t === min ? "start" : t === max ? "end" : "middle" }, shown(t)));
    }
    rows.forEach((r, i) => {
      const at = i * (labelH + barH + gap);
      svg.append(svgEl("text", { class: "value-label", x: 0, y: at + 12 }, shapeFit(`${r.label}: ${r.text}`, width)));
      svg.append(withTip(svgEl("rect", { class: r.cls || "mark", x: 0, y: at + labelH, width: Math.max(2, x(r.value)), height: barH, rx: 2 }),
        `${r.label}: ${r.text}`));
    });
    return svg;
  });
}

// Curves over a shared x from 0 to 1 (shares), both axes in percent, with the diagonal a coin would draw:
// `series` [{name, values, cls}] over `xs`; the axis titles say what each share is of.
function curveChart(container, sentence, xs, series, { xTitle, yTitle }) {
  figure(container, sentence, (width) => {
    const left = 44, top = 24, bottom = 38, height = Math.min(260, Math.max(180, width * 0.45)), right = 10;
    const plotW = width - left - right;
    const x = (v) => left + v * plotW, y = (v) => top + height - v * height;
    const svg = svgEl("svg", { viewBox: `0 0 ${width} ${top + height + bottom}`, height: top + height + bottom });
    for (const t of [0, 0.25, 0.5, 0.75, 1]) {
      svg.append(svgEl("line", { class: "grid-line", x1: left, x2: left + plotW, y1: y(t), y2: y(t) }));
      svg.append(svgEl("text", { class: "axis-label", x: left - 6, y: y(t) + 4, "text-anchor": "end" }, fmtPct(t)));
      svg.append(svgEl("text", { class: "axis-label", x: x(t), y: top + height + 14, "text-anchor": t === 0 ? "start" : t === 1 ? "end" : "middle" }, fmtPct(t)));
    }
    svg.append(svgEl("text", { class: "axis-label", x: left + plotW / 2, y: top + height + 32, "text-anchor": "middle" }, xTitle));
    svg.append(svgEl("text", { class: "axis-label", x: left, y: 12 }, `↑ ${yTitle}`));
    svg.append(svgEl("line", { class: "silence", x1: x(0), y1: y(0), x2: x(1), y2: y(1) }));
    series.forEach((sr, i) => {
      const d = xs.map((v, j) => `${j ? "L" : "M"}${x(v).toFixed(1)},${y(sr.values[j]).toFixed(1)}`).join(" ");
      svg.append(withTip(svgEl("path", { class: `curve ${sr.cls}`, d }), sr.name));
      const lx = left + plotW - 176, ly = top + height - 12 - (series.length - 1 - i) * 16;
      svg.append(svgEl("rect", { class: sr.cls, x: lx, y: ly - 9, width: 10, height: 10, rx: 2 }));
      svg.append(svgEl("text", { class: "value-label", x: lx + 14, y: ly }, shapeFit(sr.name, 160)));
    });
    return svg;
  });
}

// One row per item with a bar for a share of a whole on a full-width track (progress, completion):
// `rows`: [{label, sub, share (0..1), text, cls}]; the text sits at the track's right end, above it.
function progressList(container, sentence, rows) {
  figure(container, sentence, (width) => {
    const labelH = 17, barH = 12, gap = 12, step = labelH + barH + gap;
    const svg = svgEl("svg", { viewBox: `0 0 ${width} ${rows.length * step}`, height: rows.length * step });
    rows.forEach((r, i) => {
      const at = i * step;
      const room = width - r.text.length * 6.2 - 12;
      const name = shapeFit(r.label, room), sub = r.sub ? shapeFit(` · ${r.sub}`, room - name.length * 6.2) : "";
      const label = svgEl("text", { class: "value-label", x: 0, y: at + 12 }, name);
      if (sub.length > 4) label.append(svgEl("tspan", { class: "axis-label" }, sub));
      svg.append(label);
      svg.append(svgEl("text", { class: "axis-label", x: width, y: at + 12, "text-anchor": "end" }, r.text));
      svg.append(svgEl("rect", { class: "track", x: 0, y: at + labelH, width, height: barH, rx: 3 }));
      svg.append(withTip(svgEl("rect", { class: r.cls || "mark", x: 0, y: at + labelH, width: Math.max(r.share > 0 ? 3 : 0, width * r.share),
        height: barH, rx: 3 }), `${r.label}: ${r.text}`));
    });
    return svg;
  });
}

// Stacked horizontal bars: `series` [{name, cls}], `rows` [{label, values: [...], text}]; a legend on top.
function stackedBars(container, sentence, rows, series, { shown = fmtInt } = {}) {
  figure(container, sentence, (width) => {
    const legendH = 22, labelH = 16, barH = 14, gap = 10, step = labelH + barH + gap, valueW = 0;
    const max = Math.max(1e-9, ...rows.map((r) => r.values.reduce((a, b) => a + b, 0)));
    const h = legendH + rows.length * step;
    const svg = svgEl("svg", { viewBox: `0 0 ${width} ${h}`, height: h });
    let lx = 0;
    series.forEach((s) => {
      svg.append(svgEl("rect", { class: s.cls, x: lx, y: 3, width: 11, height: 11, rx: 2 }));
      const t = svgEl("text", { class: "axis-label", x: lx + 15, y: 13 }, s.name);
      svg.append(t);
      lx += 24 + s.name.length * 6.5;
    });
    rows.forEach((r, i) => {
      const at = legendH + i * step;
      svg.append(svgEl("text", { class: "value-label", x: 0, y: at + 12 }, shapeFit(r.label, width - r.text.length * 6.2 - 12)));
      svg.append(svgEl("text", { class: "axis-label", x: width, y: at + 12, "text-anchor": "end" }, r.text));
      let x = 0;
      r.values.forEach((v, j) => {
        const w = ((width - valueW) * v) / max;
        if (w <= 0) return;
        svg.append(withTip(svgEl("rect", { class: series[j].cls, x, y: at + labelH, width: w, height: barH }),
          `${r.label}: ${shown(v)} ${series[j].name.toLowerCase()}`));
        x += w;
      });
    });
    return svg;
  });
}

// Spans on a time axis: `rows` [{label, from, to, until, text}] — a solid bar from `from` to `to` (when
// you listened) and a thin dashed line on to `until` (the silence since). Years along the bottom.
function spanChart(container, sentence, rows, { start, end }) {
  figure(container, sentence, (width) => {
    const labelH = 16, barH = 10, gap = 12, step = labelH + barH + gap, bottom = 20;
    const a = shapeDayNumber(start), b = shapeDayNumber(end) + 1;
    const x = (iso) => ((shapeDayNumber(iso) - a) / Math.max(1, b - a)) * width;
    const h = rows.length * step + bottom;
    const svg = svgEl("svg", { viewBox: `0 0 ${width} ${h}`, height: h });
    for (const [d, label] of shapeTimeTicks(a, b, width)) {
      const tx = ((d - a) / (b - a)) * width;
      svg.append(svgEl("line", { class: "grid-line", x1: tx, x2: tx, y1: 0, y2: h - bottom }));
      if (tx > label.length * 3.4 && tx < width - label.length * 3.4) svg.append(svgEl("text", { class: "axis-label", x: tx, y: h - 5, "text-anchor": "middle" }, label));
    }
    rows.forEach((r, i) => {
      const at = i * step, x0 = x(r.from), x1 = Math.max(x0 + 3, x(r.to) + 1);
      const name = shapeFit(r.label, width * 0.6);
      const label = svgEl("text", { class: "value-label", x: 0, y: at + 12 }, name);
      if (r.text) label.append(svgEl("tspan", { class: "axis-label" }, shapeFit(` · ${r.text}`, width - name.length * 6.2)));
      svg.append(label);
      svg.append(svgEl("line", { class: "silence", x1: x1, x2: x(r.until), y1: at + labelH + barH / 2, y2: at + labelH + barH / 2 }));
      svg.append(withTip(svgEl("rect", { class: r.cls || "mark", x: x0, y: at + labelH, width: x1 - x0, height: barH, rx: 2 }),
        `${r.label}: ${fmtRange(r.from, r.to)}`));
    });
    return svg;
  });
}

// One obsession's burst in place: a column per day of the item's time (burst days in colour, the days
// around in grey), over a faint column of all music that day. `days` [{day, ms, total_ms}].
function burstChart(container, sentence, days, { from, to, cls = "mark" }) {
  figure(container, sentence, (width) => {
    const left = 44, top = 8, height = 110, bottom = 34;
    const max = Math.max(1, ...days.map((d) => d.total_ms));
    const stepMs = shapeTimeStep(max);
    const ceiling = Math.ceil(max / stepMs) * stepMs;
    const y = (v) => top + height - (v / ceiling) * height;
    const svg = svgEl("svg", { viewBox: `0 0 ${width} ${top + height + bottom}`, height: top + height + bottom });
    for (let v = 0; v <= ceiling + 1; v += stepMs) {
      svg.append(svgEl("line", { class: "grid-line", x1: left, x2: width, y1: y(v), y2: y(v) }));
      svg.append(svgEl("text", { class: "axis-label", x: left - 6, y: y(v) + 4, "text-anchor": "end" }, fmtH(v)));
    }
    const w = (width - left) / Math.max(days.length, 1), inset = w > 5 ? 1 : 0;
    days.forEach((d, i) => {
      const hot = d.day >= from && d.day <= to, x = left + i * w + inset;
      const tip = `${fmtDate(d.day)}: ${fmtH(d.ms)} of ${fmtH(d.total_ms)} of music`;
      if (d.total_ms > 0) svg.append(withTip(svgEl("rect", { class: "backdrop", x, y: y(d.total_ms), width: Math.max(1, w - 2 * inset), height: top + height - y(d.total_ms) }), tip));
      if (d.ms > 0) svg.append(withTip(svgEl("rect", { class: hot ? cls : "quiet", x, y: y(d.ms), width: Math.max(1, w - 2 * inset), height: Math.max(1, top + height - y(d.ms)) }), tip));
    });
    const i0 = days.findIndex((d) => d.day >= from), i1 = days.map((d) => d.day <= to).lastIndexOf(true);
    const ends = [[0, "start"], [days.length - 1, "end"]];
    for (const [i, anchor] of ends) {
      svg.append(svgEl("text", { class: "axis-label", x: anchor === "start" ? left : width, y: top + height + 14, "text-anchor": anchor }, shapeShortDay(days[i].day)));
    }
    if (i0 >= 0 && i1 >= i0) {
      const cx = left + ((i0 + i1 + 1) / 2) * w;
      svg.append(svgEl("line", { class: "burst-span", x1: left + i0 * w, x2: left + (i1 + 1) * w, y1: top + height + 20, y2: top + height + 20 }));
      svg.append(svgEl("text", { class: "value-label", x: cx, y: top + height + 32, "text-anchor": "middle" }, fmtRange(from, to)));
    }
    return svg;
  });
}

// Events on a time line, one lane per kind: `lanes` [{name, cls}], `events` [{lane, day, end, size, tip}]
// (size 0..1 scales the dot). Years (or months) along the bottom.
function eventTimeline(container, sentence, lanes, events, { start, end }) {
  figure(container, sentence, (width) => {
    const laneH = 46, bottom = 22, pad = 10;
    const a = shapeDayNumber(start), b = shapeDayNumber(end) + 1;
    const x = (iso) => pad + ((shapeDayNumber(iso) - a) / Math.max(1, b - a)) * (width - 2 * pad);
    const h = lanes.length * laneH + bottom;
    const svg = svgEl("svg", { viewBox: `0 0 ${width} ${h}`, height: h });
    for (const [d, label] of shapeTimeTicks(a, b, width)) {
      const tx = pad + ((d - a) / (b - a)) * (width - 2 * pad);
      svg.append(svgEl("line", { class: "grid-line", x1: tx, x2: tx, y1: 0, y2: h - bottom }));
      if (tx > label.length * 3.4 && tx < width - label.length * 3.4) svg.append(svgEl("text", { class: "axis-label", x: tx, y: h - 5, "text-anchor": "middle" }, label));
    }
    lanes.forEach((lane, i) => {
      svg.append(svgEl("text", { class: "value-label", x: 0, y: i * laneH + 12 }, lane.name));
      svg.append(svgEl("line", { class: "lane-line", x1: 0, x2: width, y1: i * laneH + 30, y2: i * laneH + 30 }));
    });
    for (const e of events) {
      const i = lanes.findIndex((l) => l.name === e.lane);
      const cx = (x(e.day) + x(e.end || e.day)) / 2;
      svg.append(withTip(svgEl("circle", { class: `dot ${lanes[i].cls}`, cx, cy: i * laneH + 30, r: 4 + 8 * Math.min(1, e.size) }), e.tip));
    }
    return svg;
  });
}

// A 2-D map: `points` [{x, y, size (0..1), cls, label, tip, labelled}] scaled to fit; labels for the
// `labelled` points, skipped where they would overlap one already written. Hover shows each point's tip.
function scatterMap(container, sentence, points) {
  figure(container, sentence, (width) => {
    const height = Math.round(Math.min(560, Math.max(300, width * 0.62))), pad = 26;
    const xs = points.map((p) => p.x), ys = points.map((p) => p.y);
    const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
    const sx = (v) => pad + ((v - x0) / Math.max(1e-9, x1 - x0)) * (width - 2 * pad);
    const sy = (v) => height - pad - ((v - y0) / Math.max(1e-9, y1 - y0)) * (height - 2 * pad);
    const svg = svgEl("svg", { viewBox: `0 0 ${width} ${height}`, height });
    svg.append(svgEl("rect", { class: "map-frame", x: 0.5, y: 0.5, width: width - 1, height: height - 1, rx: 8 }));
    const order = [...points].sort((p, q) => q.size - p.size);
    for (const p of [...order].reverse()) {
      svg.append(withTip(svgEl("circle", { class: `dot ${p.cls}`, cx: sx(p.x), cy: sy(p.y), r: 3.5 + 9 * Math.sqrt(p.size), "data-artist": p.label }), p.tip));
    }
    const placed = [];
    for (const p of order.filter((q) => q.labelled)) {
      const r = 3.5 + 9 * Math.sqrt(p.size), w = Math.min(150, p.label.length * 6.4), hgt = 13;
      let lx = sx(p.x) + r + 3, anchor = "start";
      if (lx + w > width - 4) { lx = sx(p.x) - r - 3; anchor = "end"; }
      const box = [anchor === "start" ? lx : lx - w, sy(p.y) - 9, w, hgt];
      if (placed.some((q) => box[0] < q[0] + q[2] && q[0] < box[0] + box[2] && box[1] < q[1] + q[3] && q[1] < box[1] + box[3])) continue;
      placed.push(box);
      svg.append(svgEl("text", { class: "map-label", x: lx, y: sy(p.y) + 3, "text-anchor": anchor }, p.label.length > 24 ? `${p.label.slice(0, 23)}…` : p.label));
    }
    return svg;
  });
}

// The year label of a month for charts.js's columnChart: none for the last months of a history's first year
// (its label would sit on the next year's).
const shapeYearLabel = (key, firstKey) => (key.slice(0, 4) === firstKey.slice(0, 4) && firstKey.slice(5) > "09" ? "" : key.slice(0, 4));

// A strip of months, one cell each in the colour of that month's group: `months` [{key, cls, tip}] in order.
function monthRibbon(container, sentence, months) {
  figure(container, sentence, (width) => {
    const h = 30, bottom = 18;
    const w = width / Math.max(1, months.length);
    const svg = svgEl("svg", { viewBox: `0 0 ${width} ${h + bottom}`, height: h + bottom });
    months.forEach((m, i) => {
      svg.append(withTip(svgEl("rect", { class: m.cls, x: i * w, y: 0, width: Math.max(1, w - (w > 4 ? 1 : 0)), height: h }), m.tip));
    });
    let last = -Infinity;
    months.forEach((m, i) => {
      if (i > 0 && months[i - 1].key.slice(0, 4) === m.key.slice(0, 4)) return;
      if (i * w - last < 40 || i * w > width - 30) return; // keep year labels apart
      last = i * w;
      svg.append(svgEl("text", { class: "axis-label", x: i * w, y: h + 14 }, m.key.slice(0, 4)));
    });
    return svg;
  });
}

// ---- small page pieces shared by the family-b pages ----------------------------------------------------
// A sentence in place of charts when there is too little to draw (the insight's own words when it has them).
function fambNote(body, text) {
  body.replaceChildren(el("p", { class: "famb-note", text }));
  // When the page's summary is that one sentence, say it once: in the note, not also in the list above it.
  const list = document.getElementById("summary");
  if (list && list.children.length && [...list.children].every((li) => li.textContent === text)) list.hidden = true;
}

// A titled section with an optional lead sentence.
function fambSection(title, lead = null) {
  const box = el("section", { class: "famb-section" }, el("h2", { text: title }));
  if (lead) box.append(el("p", { class: "muted", text: lead }));
  return box;
}

// A chart's box: give figure() a <figure class="chart"> to draw into.
const fambChart = (attrs = {}) => el("figure", { class: "chart", ...attrs });

// "1 play", "2 plays".
