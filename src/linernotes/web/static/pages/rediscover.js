// The rediscover page (/rediscover): forgotten favourites — when you played them, and the silence since —
// and what you played on this day in earlier years. Drawn from /api/insights/rediscover.
"use strict";

function yearsOrDays(days) {
  if (days >= 365) return `${(days / 365.25).toFixed(1)} years`;
  if (days >= 60) return `${fmtInt(days / 30.44)} months`;
  return countOf(days, "day");
}

function rediscoverPage(data) {
  const r = data.result;
  const body = document.getElementById("insight-body");
  const favs = r.favourites || [];
  const days = r.on_this_day || [];
  if (!favs.length && !days.length) { fambNote(body, data.summary[0] || "Nothing forgotten yet: keep listening."); return; }
  body.replaceChildren();
  if (favs.length) {
    const box = fambSection("Forgotten favourites", `Artists you played a lot, then not at all for months, as of ${fmtDate(r.as_of)}. The bar is when you listened; the dotted line, the silence since.`);
    const chart = fambChart({ id: "rediscover-spans" });
    const cards = el("div", { class: "famb-cards", id: "rediscover-cards" });
    box.append(chart, cards);
    body.append(box);
    const first = favs.reduce((a, f) => (f.first_day < a ? f.first_day : a), favs[0].first_day);
    const top = favs[0];
    spanChart(chart, `${top.artist}: ${fmtH(top.hours * MS_PER_HOUR)} from ${fmtDate(top.first_day)} to ${fmtDate(top.last_day)}, then silent for ${yearsOrDays(top.absence_days)}.`,
      favs.map((f, i) => ({ label: f.artist, from: f.first_day, to: f.last_day, until: r.as_of, cls: `s${i % 8}`,
        text: `${fmtH(f.hours * MS_PER_HOUR)}, silent ${yearsOrDays(f.absence_days)}` })),
      { start: first, end: r.as_of });
    favs.slice(0, 6).forEach((f, i) => {
      cards.append(el("article", { class: `famb-card c${i % 8}`, "data-artist": f.artist },
        el("p", { class: "kicker", text: `Silent for ${yearsOrDays(f.absence_days)}` }),
        el("h3", {}, entityLink("artist", f.artist)),
        el("p", {}, el("span", { class: "famb-big", text: fmtH(f.hours * MS_PER_HOUR) }), ` then; nothing since ${fmtDate(f.last_day)}`),
        facts([["Then", `${countOf(f.plays, "play")}, ${fmtRange(f.first_day, f.last_day)}`],
          ["Best month", `${fmtMonth(f.peak_month)}: ${fmtH(f.peak_month_hours * MS_PER_HOUR)}`],
          ["Now", f.stray_plays ? `${countOf(f.stray_plays, "stray play")} since` : "not played since"],
          ["Try again", (f.top_tracks || []).join(" · ")]])));
    });
  }
  const box = fambSection("On this day", `What you played on ${fmtDate(r.as_of).replace(/ \d+$/, "")} in earlier years.`);
  body.append(box);
  if (!days.length) {
    box.append(el("p", { class: "famb-note", text: `You did not listen on this day in earlier years of this history.` }));
    return;
  }
  const chart = fambChart({ id: "rediscover-days" });
  const list = el("ul", { class: "famb-list", id: "rediscover-on-this-day" });
  box.append(chart, list);
  const most = days.reduce((a, d) => (d.ms_played > a.ms_played ? d : a), days[0]);
  barList(chart, `The most on this day: ${fmtDate(most.date)}, ${fmtH(most.ms_played)}.`,
    days.map((d) => ({ label: `${d.date.slice(0, 4)} (${countOf(d.years_ago, "year")} ago)`, value: d.ms_played, text: fmtH(d.ms_played), cls: "s5" })));
  for (const d of days) {
    const tops = (d.top || []).slice(0, 3).map((t) => `${t.name}${t.by ? ` by ${t.by}` : ""}`);
    list.append(el("li", {}, el("strong", { text: fmtDate(d.date) }), el("span", { class: "by", text: ` · ${countOf(d.plays, "play")} · ${fmtH(d.ms_played)}` }),
      el("div", { text: tops.join(" · ") })));
  }
}

INSIGHT_PAGES.rediscover = rediscoverPage;
