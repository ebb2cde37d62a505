// Story mode (/story): a period told as full-screen slides, like a year-end Wrapped (issue 16). The slides come
// from /api/story (each one finding: a title, a big figure, its sentence and a chart, all written by the server);
// this file lays them out as a carousel (WAI-ARIA APG: a region of slides, previous/next buttons, a slide picker),
// steps through them by keyboard, swipe, tap or click, keeps the slide in the URL (#3) and offers each slide as
// a share card (/api/story/card, a PNG). Names are data: text only ever goes in through textContent (el()).
"use strict";

const SWIPE_PX = 40; // a horizontal drag at least this long (and longer than it is tall) turns the slide

// ---- one slide's chart, from the marks the server wrote ---------------------------------------------------

// Bars with their names above them (a name can be long: shortened to fit, with the whole name in its tooltip and
// in the chart's caption), each bar in the slide's colour or its own series colour (a chapter's).
function slideBars(container, chart) {
  figure(container, chart.caption, (width) => {
    const marks = chart.marks;
    const full = chart.full || Math.max(1e-9, ...marks.map((m) => m.value));
    // A bold 13 px name is about 8 px a character, a 12 px value 6.6. A row is its name and value on one line over
    // the bar; when both do not fit side by side (a phone, a chapter's dates), the value gets a line of its own.
    const rows = marks.map((m) => ({ m, split: m.label.length * 8 + m.text.length * 6.6 + 14 > width }));
    const heightOf = (r) => (r.split ? 62 : 46);
    const total = rows.reduce((sum, r) => sum + heightOf(r), 0);
    const svg = svgEl("svg", { viewBox: `0 0 ${width} ${total}`, height: total });
    let y = 0;
    for (const { m, split } of rows) {
      const room = Math.floor(split ? width / 8 : (width - m.text.length * 6.6 - 14) / 8);
      const name = m.label.length > room ? `${m.label.slice(0, Math.max(4, room - 1))}…` : m.label;
      svg.append(withTip(svgEl("text", { class: "value-label story-bar-label", x: 0, y: y + 16 }, name), m.label));
      svg.append(svgEl("text", { class: "axis-label story-bar-value", x: width, y: y + (split ? 32 : 16),
        "text-anchor": "end" }, m.text));
      const barY = y + (split ? 40 : 24);
      svg.append(svgEl("rect", { class: "story-track", x: 0, y: barY, width, height: 12, rx: 6 }));
      svg.append(withTip(svgEl("rect", { class: m.series === null ? "mark" : `s${m.series % 8}`, x: 0, y: barY,
        width: Math.max(m.value > 0 ? 4 : 0, (width * m.value) / full), height: 12, rx: 6 }), `${m.label}: ${m.text}`));
      y += heightOf({ split });
    }
    return svg;
  });
}

// A long caption (a list of names) shows its first clause; the rest stays in the caption for screen readers, so
// the chart's text alternative is whole while the slide stays short.
function shortenCaption(container) {
  const caption = container.querySelector("figcaption");
  const text = caption.textContent, cut = text.indexOf(": ");
  if (cut < 0 || text.length < 90) return;
  caption.replaceChildren(el("span", { text: `${text.slice(0, cut)}.` , "aria-hidden": "true" }),
    el("span", { class: "visually-hidden", text }));
}

function drawChart(container, chart) {
  if (chart.kind === "heatmap" && chart.grid) {
    heatmap(container, chart.caption, chart.grid);
  } else if (chart.kind === "columns" && chart.marks.length) {
    const points = chart.marks.map((m, i) => ({ key: String(i), label: m.label, value: m.value, tip: m.text }));
    const shown = chart.unit === "h" ? (v) => `${fmtInt(v)} h` : (v) => fmtInt(v);
    columnChart(container, chart.caption, points, shown, { height: 190, selected: chart.selected });
  } else if (chart.kind === "bars" && chart.marks.length) {
    slideBars(container, chart);
    shortenCaption(container);
  } else {
    container.replaceChildren(el("p", { class: "muted", text: chart.caption }));
  }
  container.dataset.width = String(container.clientWidth);
}

// ---- the carousel ------------------------------------------------------------------------------------------

function cardLink(story, slide, size, text) {
  const q = periodQuery();
  q.set("slide", slide.id);
  q.set("size", size);
  q.set("theme", matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light");
  const name = `${slide.id}-${size}.png`;
  return el("a", { class: "story-export", href: `/api/story/card?${q}`, download: name, text });
}

function slideNode(story, slide, i, total) {
  const chart = el("figure", { class: "chart story-chart", "data-chart": slide.id });
  return el("article", { class: `story-slide k${slide.series % 8}`, role: "group", "aria-roledescription": "slide",
    "aria-label": `${i + 1} of ${total}: ${slide.title}`, id: `slide-${i + 1}`, "data-slide": slide.id, tabindex: "-1",
    hidden: "" },
  el("div", { class: "story-words" },
    el("p", { class: "story-kicker" }, el("span", { text: slide.title }), el("span", { class: "story-when", text: story.meta.period })),
    el("p", { class: slide.figure_is_name ? "story-figure is-name" : "story-figure", text: slide.figure }),
    el("p", { class: "story-label", text: slide.label }),
    el("p", { class: "story-sentence", text: slide.sentence }),
    el("p", { class: "story-actions" },
      cardLink(story, slide, "square", "Export as card"), cardLink(story, slide, "story", "Story size"))),
  chart);
}

async function storyPage() {
  const story = await getJSON(`/api/story?${periodQuery()}`);
  setupPeriod(story.meta);
  const box = document.getElementById("story-slides");
  const slides = story.slides;
  box.removeAttribute("aria-busy");
  if (!slides.length) {
    box.replaceChildren(el("p", { class: "story-empty", text: "Nothing was played in this period: there is no story to tell yet." }));
    document.body.dataset.loaded = "1";
    return;
  }
  const nodes = slides.map((s, i) => slideNode(story, s, i, slides.length));
  box.replaceChildren(...nodes);
  const prev = document.getElementById("story-prev"), next = document.getElementById("story-next");
  const dots = slides.map((s, i) => el("button", { type: "button", class: "story-dot", "aria-label": `Slide ${i + 1}: ${s.title}`,
    "aria-controls": "story-slides", on: { click: () => show(i) } }, el("span", { class: "story-dot-fill" })));
  document.getElementById("story-progress").replaceChildren(...dots);
  let current = -1;

  function show(i, { fromHash = false } = {}) {
    const target = Math.max(0, Math.min(slides.length - 1, i));
    if (target === current) return;
    const leaving = current >= 0 ? nodes[current] : null;
    const hadFocus = leaving && leaving.contains(document.activeElement);
    const forward = target > current;
    current = target;
    nodes.forEach((node, k) => { node.hidden = k !== target; });
    const node = nodes[target];
    node.classList.remove("from-left", "from-right");
    if (leaving) { // the first slide is simply there; the next ones enter (not when reduced motion is asked for)
      void node.offsetWidth; // restart the animation
      node.classList.add(forward ? "from-right" : "from-left");
    }
    const chart = node.querySelector(".story-chart");
    if (!chart.dataset.drawn || chart.dataset.width !== String(chart.clientWidth)) {
      drawChart(chart, slides[target].chart);
    }
    dots.forEach((dot, k) => {
      dot.classList.toggle("done", k <= target);
      if (k === target) dot.setAttribute("aria-current", "step"); else dot.removeAttribute("aria-current");
    });
    prev.disabled = target === 0;
    next.disabled = target === slides.length - 1;
    // The focus never stays on a slide that is gone: it moves to the one shown.
    if (hadFocus || (document.activeElement && document.activeElement.disabled)) node.focus({ preventScroll: true });
    if (!fromHash) history.replaceState(null, "", `${location.pathname}${location.search}#${target + 1}`);
  }
  const step = (by) => show(current + by);

  prev.disabled = false;
  next.disabled = false;
  prev.addEventListener("click", () => step(-1));
  next.addEventListener("click", () => step(1));

  document.addEventListener("keydown", (event) => {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    const t = event.target;
    if (t.closest && t.closest("input, select, textarea, form")) return; // the period's date fields use the arrows
    const onControl = t.closest && t.closest("a, button");
    const keys = { ArrowRight: 1, ArrowLeft: -1, PageDown: 1, PageUp: -1 };
    if (event.key in keys) { event.preventDefault(); step(keys[event.key]); }
    else if (event.key === " " && !onControl) { event.preventDefault(); step(event.shiftKey ? -1 : 1); }
    else if (event.key === "Home" && !onControl) { event.preventDefault(); show(0); }
    else if (event.key === "End" && !onControl) { event.preventDefault(); show(slides.length - 1); }
  });

  // A tap or click on the left third goes back, elsewhere forward; a horizontal swipe turns the slide.
  let start = null, swiped = false;
  box.addEventListener("pointerdown", (e) => { start = { x: e.clientX, y: e.clientY }; swiped = false; });
  box.addEventListener("pointerup", (e) => {
    if (!start) return;
    const dx = e.clientX - start.x, dy = e.clientY - start.y;
    start = null;
    if (Math.abs(dx) >= SWIPE_PX && Math.abs(dx) > Math.abs(dy)) { swiped = true; step(dx < 0 ? 1 : -1); }
  });
  box.addEventListener("pointercancel", () => { start = null; });
  box.addEventListener("click", (e) => {
    if (swiped) { swiped = false; return; }
    if (e.target.closest("a, button") || String(getSelection()).length) return;
    const rect = box.getBoundingClientRect();
    step(e.clientX - rect.left < rect.width / 3 ? -1 : 1);
  });

  const fromHash = () => {
    const n = parseInt(location.hash.slice(1), 10);
    return Number.isFinite(n) ? n - 1 : 0;
  };
  window.addEventListener("hashchange", () => show(fromHash(), { fromHash: true }));
  show(fromHash());
  document.body.dataset.loaded = "1";
}

PAGES.story = storyPage;
