// The taste page (/taste): the taste map — your top artists placed so that artists you play alike sit
// together (the taste model's embedding, flattened to two dimensions), coloured by group — mirrored by a
// list of the groups, and your taste month by month. Drawn from /api/insights/taste.
"use strict";

const TASTE_LABELS = 12; // the biggest artists get their name on the map; every one has it in its tooltip

function tastePage(data) {
  const r = data.result;
  const body = document.getElementById("insight-body");
  const points = r.points || [];
  if (points.length < 3) { fambNote(body, data.summary[0] || "Not enough listening to draw a taste map yet."); return; }
  const groupOf = Object.fromEntries(points.map((p) => [p.artist, p.cluster]));
  const groups = r.groups || [];
  const groupName = (cluster) => `Group ${groups.findIndex((g) => g.cluster === cluster) + 1}`;
  const mapBox = fambSection("Your taste map", "Artists you play alike — in the same sessions, the same weeks — sit close together. Colours are groups; a bigger dot is more hours.");
  const map = fambChart({ id: "taste-map" });
  const list = el("ul", { class: "famb-groups", id: "taste-groups" });
  mapBox.append(map, el("h3", { text: "The groups" }), list);
  const monthsBox = fambSection("Your taste month by month", "Each month in the colour of the group its most played artist belongs to.");
  const ribbon = fambChart({ id: "taste-ribbon" });
  const drift = fambChart({ id: "taste-drift" });
  monthsBox.append(ribbon, drift);
  body.replaceChildren(mapBox, monthsBox);

  const biggest = Math.max(...points.map((p) => p.hours));
  const byHours = [...points].sort((a, b) => b.hours - a.hours);
  const labelled = new Set(byHours.slice(0, TASTE_LABELS).map((p) => p.artist));
  scatterMap(map, `Your ${fmtInt(points.length)} top artists in ${countOf(groups.length, "group")}; the most played, ${byHours[0].artist}, sits with ${
    (groups.find((g) => g.cluster === byHours[0].cluster)?.artists || []).filter((a) => a !== byHours[0].artist).slice(0, 2).join(" and ") || "no one close"}.`,
  points.map((p) => ({ x: p.x, y: p.y, size: p.hours / biggest, cls: `s${p.cluster % 8}`, label: p.artist, labelled: labelled.has(p.artist),
    tip: `${p.artist}: ${fmtH(p.hours * MS_PER_HOUR)}, ${countOf(p.plays, "play")} · ${groupName(p.cluster)}` })));
  groups.forEach((g, i) => {
    const names = el("span", { class: "famb-names" });
    g.artists.forEach((a, j) => {
      const name = el("span", { "data-artist": a, text: a });
      // hovering a name lights its dot on the map
      name.addEventListener("mouseenter", () => map.querySelectorAll("circle").forEach((c) => c.classList.toggle("lit", c.dataset.artist === a)));
      name.addEventListener("mouseleave", () => map.querySelectorAll("circle.lit").forEach((c) => c.classList.remove("lit")));
      names.append(name);
      if (j < g.artists.length - 1) names.append(" · ");
    });
    list.append(el("li", { "data-group": String(g.cluster) },
      el("strong", {}, el("span", { class: `swatch s${g.cluster % 8}`, "aria-hidden": "true" }), `Group ${i + 1}`),
      el("span", { class: "muted", text: ` · ${fmtPct(g.share)} of the map's hours` }), el("br"), names));
  });

  const months = r.months || [];
  if (months.length < 2) { monthsBox.append(el("p", { class: "famb-note", text: "One month is not enough to follow your taste over time." })); return; }
  const keyed = Object.fromEntries(months.map((m) => [m.month, m]));
  const all = monthRange(months[0].month, months[months.length - 1].month);
  monthRibbon(ribbon, `${countOf(all.length, "month")} from ${fmtMonth(all[0])} to ${fmtMonth(all[all.length - 1])}; grey: a month led by an artist off the map, or hardly any listening.`,
    all.map((k) => {
      const m = keyed[k], cluster = m && m.top_artist in groupOf ? groupOf[m.top_artist] : null;
      return { key: k, cls: cluster === null ? "track" : `s${cluster % 8}`,
        tip: m ? `${fmtMonth(k)}: ${fmtH(m.hours * MS_PER_HOUR)}, mostly ${m.top_artist}${cluster === null ? "" : ` (${groupName(cluster)})`}` : `${fmtMonth(k)}: no listening` };
    }));
  if (r.mean_drift && r.biggest_shift) {
    const top = keyed[r.biggest_shift];
    columnChart(drift, `How far your taste moved each month, against a typical month: most in ${fmtMonth(r.biggest_shift)} (${(top.drift / r.mean_drift).toFixed(1)} times as far)${top.top_artist ? `, towards ${top.top_artist}` : ""}.`,
      all.map((k) => {
        const m = keyed[k], v = m && m.drift !== null ? m.drift / r.mean_drift : 0;
        return { key: k, label: shapeYearLabel(k, all[0]), value: v,
          tip: m && m.drift !== null ? `${fmtMonth(k)}: ${v.toFixed(1)} times a typical month's move` : `${fmtMonth(k)}: too little listening to tell` };
      }), (v) => (v === 0 ? "0" : `${v.toFixed(v < 1 ? 1 : 0)}×`), { height: 110, cls: "s6" });
  } else drift.remove();
}

INSIGHT_PAGES.taste = tastePage;
