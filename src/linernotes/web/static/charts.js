// linernotes dashboard charts: small SVG charts drawn here (no chart library, nothing fetched). Colours come
// from CSS classes over the identity's variables; every chart is a <figure> whose caption is its sentence,
// which is also the SVG's accessible name. Charts are drawn at the container's real width, so labels keep
// their size on a phone, and redrawn when the width changes.
"use strict";

const SVG_NS = "http://www.w3.org/2000/svg";
const MS_PER_HOUR = 3600000; // as linernotes.units.MS_PER_HOUR
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

// ---- numbers, as linernotes.formatting and linernotes.units.format_hours write them ----------------------
// Python's format() rounds a tie to the even digit (12.5 → "12"); so do these, so a page writes what the CLI does.
function fixed(x, digits = 0) {
  const scaled = x * 10 ** digits;
  let n = Math.round(scaled);
  if (Math.abs(scaled % 1) === 0.5 && n % 2 !== 0) n -= 1;
  return (n / 10 ** digits).toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}
const fmtInt = (n) => (n === null || n === undefined ? "–" : fixed(Number(n)));
// Hours with one decimal (the overview's stat keeps it always: the CLI's figure).
const fmtHours = (ms) => fixed(ms / MS_PER_HOUR, 1);
// format_hours(ms, unit=" h", whole_from=10, minutes_under_an_hour=True): what a person reads at a glance.
function fmtH(ms) {
  if (ms < MS_PER_HOUR) return `${fixed(ms / 60000)} min`;
  const h = ms / MS_PER_HOUR;
  return h >= 10 ? `${fixed(h)} h` : `${fixed(h, 1)} h`;
}
// format_percent: "<1%" for a small share that is not none.
function fmtPct(x, digits = 0) {
  if (x === null || x === undefined) return "–";
  const v = 100 * x, smallest = 10 ** -digits;
  if (v > 0 && v < smallest) return `<${smallest}%`;
  return `${fixed(v, digits)}%`;
}
// format_date: "25 May 2014".
function fmtDate(iso) {
  if (!iso) return "–";
  const [y, m, d] = iso.slice(0, 10).split("-").map(Number);
  return `${d} ${MONTHS[m - 1]} ${y}`;
}
// format_date_range: "3–9 May 2014", "25 May – 2 Jun 2014", "25 May 2014 – 12 May 2016".
function fmtRange(a, b) {
  if (!a || !b) return "–";
  const [y1, m1, d1] = a.slice(0, 10).split("-").map(Number);
  const [y2, m2, d2] = b.slice(0, 10).split("-").map(Number);
  if (y1 === y2 && m1 === m2 && d1 === d2) return fmtDate(a);
  if (y1 !== y2) return `${fmtDate(a)} – ${fmtDate(b)}`;
  if (m1 !== m2) return `${d1} ${MONTHS[m1 - 1]} – ${fmtDate(b)}`;
  return `${d1}–${fmtDate(b)}`;
}
// count_of: a count with its noun, singular for one ("1 day", "1,500 days").
function countOf(n, noun, many = `${noun}s`) { return `${fmtInt(n)} ${Math.round(Number(n)) === 1 ? noun : many}`; }
const fmtMonth = (key) => { const [y, m] = key.split("-").map(Number); return `${MONTHS[m - 1]} ${y}`; };

// ---- SVG building --------------------------------------------------------------------------------------
function svgEl(tag, attrs = {}, text = null) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== null && v !== undefined) node.setAttribute(k, String(v));
  if (text !== null) node.textContent = text;
  return node;
}

function withTip(node, text) {
  node.append(svgEl("title", {}, text));
  return node;
}

// A round step for an axis: 1, 2 or 5 × 10^n, giving about `ticks` gridlines up to `max`.
function niceStep(max, ticks = 3) {
  const raw = max / ticks, mag = 10 ** Math.floor(Math.log10(raw || 1));
  return [1, 2, 5, 10].map((s) => s * mag).find((s) => s >= raw) || mag;
}

const drawn = [];
let lastWidth = 0;
window.addEventListener("resize", () => {
  if (Math.abs(window.innerWidth - lastWidth) < 20) return;
  lastWidth = window.innerWidth;
  for (const redraw of drawn) redraw();
});

// A figure with its sentence; `draw(width)` returns the SVG. The sentence names the SVG for screen readers.
function figure(container, sentence, draw) {
  const caption = document.createElement("figcaption");
  caption.textContent = sentence;
  const id = `cap-${Math.random().toString(36).slice(2)}`;
  caption.id = id;
  const render = () => {
    const width = Math.max(260, Math.floor(container.clientWidth || 640));
    const svg = draw(width);
    svg.setAttribute("role", "img");
    svg.setAttribute("aria-labelledby", id);
    svg.setAttribute("width", String(width));
    const old = container.querySelector("svg.plot");
    svg.classList.add("plot");
    if (old) old.replaceWith(svg); else container.append(svg);
  };
  container.replaceChildren(caption);
  render();
  drawn.push(render);
  container.dataset.drawn = "1";
}

// Columns over time with a value axis; `points`: [{key, label, value, tip}]; `shown(v)`: axis text.
// `brush(i0, i1)`: called when a range of columns is dragged across (pointer) — the range control.
function columnChart(container, sentence, points, shown, { height = 170, brush = null, selected = null, cls = "mark" } = {}) {
  figure(container, sentence, (width) => {
    const left = 44, bottom = 22, top = 8, plotW = width - left - 4;
    const max = Math.max(1e-9, ...points.map((p) => p.value));
    const step = niceStep(max);
    const svg = svgEl("svg", { viewBox: `0 0 ${width} ${height + bottom + top}`, height: height + bottom + top });
    const ceiling = Math.ceil(max / step) * step;
    const y = (v) => top + height - (v / ceiling) * height;
    for (let v = 0; v <= ceiling + 1e-9; v += step) {
      svg.append(svgEl("line", { class: "grid-line", x1: left, x2: width, y1: y(v), y2: y(v) }));
      svg.append(svgEl("text", { class: "axis-label", x: left - 6, y: y(v) + 4, "text-anchor": "end" }, shown(v)));
    }
    const w = plotW / Math.max(points.length, 1);
    if (selected) {
      const [a, b] = selected;
      svg.append(svgEl("rect", { class: "brush", x: left + a * w, y: top, width: Math.max(2, (b - a + 1) * w), height }));
    }
    points.forEach((p, i) => {
      const h = Math.max(p.value > 0 ? 1 : 0, top + height - y(p.value));
      svg.append(withTip(svgEl("rect", { class: cls, x: left + i * w + (w > 4 ? 0.5 : 0), y: top + height - h,
        width: Math.max(1, w - (w > 4 ? 1 : 0)), height: h, "data-key": p.key }), p.tip));
    });
    // x labels: the first point of each label group (years), thinned to fit
    const labels = points.map((p, i) => [i, p.label]).filter(([i, l]) => l && (i === 0 || points[i - 1].label !== l));
    const every = Math.max(1, Math.ceil((labels.length * 40) / plotW));
    labels.forEach(([i, l], j) => {
      if (j % every) return;
      svg.append(svgEl("text", { class: "axis-label", x: left + i * w, y: top + height + 15 }, l));
    });
    if (brush) {
      const overlay = svgEl("rect", { class: "overlay", x: left, y: top, width: plotW, height });
      const band = svgEl("rect", { class: "brush", x: 0, y: top, width: 0, height, visibility: "hidden" });
      let from = null;
      const at = (event) => {
        const box = svg.getBoundingClientRect();
        const x = ((event.clientX - box.left) * width) / box.width - left;
        return Math.min(points.length - 1, Math.max(0, Math.floor(x / w)));
      };
      const paint = (a, b) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        band.setAttribute("x", String(left + lo * w));
        band.setAttribute("width", String((hi - lo + 1) * w));
        band.setAttribute("visibility", "visible");
      };
      overlay.addEventListener("pointerdown", (e) => { from = at(e); overlay.setPointerCapture(e.pointerId); paint(from, from); });
      overlay.addEventListener("pointermove", (e) => { if (from !== null) paint(from, at(e)); });
      overlay.addEventListener("pointerup", (e) => {
        if (from === null) return;
        const to = at(e), lo = Math.min(from, to), hi = Math.max(from, to);
        from = null;
        brush(lo, hi);
      });
      svg.append(band, overlay);
    }
    return svg;
  });
}

// Horizontal bars with their values written out; `rows`: [{label, value, text, cls}].
function barList(container, sentence, rows) {
  figure(container, sentence, (width) => {
    const rowH = 28, labelW = Math.min(130, width * 0.32), valueW = 110;
    const max = Math.max(1e-9, ...rows.map((r) => r.value));
    const svg = svgEl("svg", { viewBox: `0 0 ${width} ${rows.length * rowH}`, height: rows.length * rowH });
    rows.forEach((r, i) => {
      const y = i * rowH, w = ((width - labelW - valueW) * r.value) / max;
      svg.append(svgEl("text", { class: "value-label", x: 0, y: y + 18 }, r.label));
      svg.append(withTip(svgEl("rect", { class: r.cls || "mark", x: labelW, y: y + 6, width: Math.max(r.value > 0 ? 2 : 0, w),
        height: rowH - 12, rx: 3 }), `${r.label}: ${r.text}`));
      svg.append(svgEl("text", { class: "axis-label", x: labelW + w + 6, y: y + 18 }, r.text));
    });
    return svg;
  });
}

// The hour × weekday heatmap: `grid` is 7 rows (Monday first) × 24 hours of minutes.
function heatmap(container, sentence, grid) {
  figure(container, sentence, (width) => {
    const left = 34, top = 4, bottom = 20, cell = (width - left) / 24, rowH = Math.min(28, Math.max(16, cell));
    const max = Math.max(1e-9, ...grid.flat());
    const svg = svgEl("svg", { viewBox: `0 0 ${width} ${top + 7 * rowH + bottom}`, height: top + 7 * rowH + bottom });
    grid.forEach((row, d) => {
      svg.append(svgEl("text", { class: "axis-label", x: 0, y: top + d * rowH + rowH / 2 + 4 }, WEEKDAYS[d]));
      row.forEach((minutes, h) => {
        const share = minutes / max;
        svg.append(withTip(svgEl("rect", { class: share > 0 ? "mark" : "mark heat-0", x: left + h * cell + 0.5,
          y: top + d * rowH + 0.5, width: Math.max(1, cell - 1), height: rowH - 1,
          "fill-opacity": share > 0 ? (0.12 + 0.88 * share).toFixed(3) : 1, "data-cell": `${d + 1}-${h}` }),
          `${WEEKDAYS[d]} ${String(h).padStart(2, "0")}:00: ${fmtH(minutes * 60000)}`));
      });
    });
    for (const h of [0, 6, 12, 18, 23]) {
      svg.append(svgEl("text", { class: "axis-label", x: left + h * cell + cell / 2, y: top + 7 * rowH + 14,
        "text-anchor": "middle" }, `${String(h).padStart(2, "0")}:00`));
    }
    return svg;
  });
}

// A bar inside a table cell: the share of the row's value in the list's largest.
function cellBar(share, cls = "mark") {
  const svg = svgEl("svg", { viewBox: "0 0 100 10", preserveAspectRatio: "none", "aria-hidden": "true", focusable: "false" });
  svg.append(svgEl("rect", { class: cls, x: 0, y: 0, width: Math.max(0.5, 100 * share), height: 10, rx: 1 }));
  return svg;
}

// Every month from the first to the last of `keys` ("YYYY-MM"), so the x axis is time.
function monthRange(first, last) {
  const out = [];
  let [y, m] = first.split("-").map(Number);
  for (;;) {
    const key = `${y}-${String(m).padStart(2, "0")}`;
    out.push(key);
    if (key >= last) return out;
    m += 1;
    if (m > 12) { m = 1; y += 1; }
  }
}
