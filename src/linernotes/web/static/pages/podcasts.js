// The podcasts page (/podcasts): time per show, finished against abandoned episodes, binges, podcast hours
// and new shows month by month. Drawn from /api/insights/podcasts.
"use strict";

function podcastsPage(data) {
  const r = data.result;
  const body = document.getElementById("insight-body");
  const shows = r.by_show || [];
  if (!r.shows || !shows.length) { fambNote(body, data.summary[0] || "No podcasts in this period."); return; }
  const stats = el("div", { class: "stats" },
    stat("ms_played", "of podcasts", r.ms_played, fmtH(r.ms_played)),
    stat("shows", r.shows === 1 ? "show" : "shows", r.shows, fmtInt(r.shows)),
    stat("episodes", "episodes", r.episodes, fmtInt(r.episodes)),
    r.finish_rate === null ? "" : stat("finish_rate", "of episodes finished", r.finish_rate, fmtPct(r.finish_rate)));
  const monthly = fambChart({ id: "podcast-months" });
  const perShow = fambChart({ id: "podcast-shows" });
  body.replaceChildren(stats, monthly, perShow);

  const months = r.monthly || [];
  if (months.length > 1) {
    const byKey = Object.fromEntries(months.map((m) => [m.month, m.ms_played]));
    const peak = months.reduce((a, m) => (m.ms_played > a.ms_played ? m : a), months[0]);
    columnChart(monthly, `Podcast listening month by month; the most in ${fmtMonth(peak.month)} (${fmtH(peak.ms_played)}).`,
      monthRange(months[0].month, months[months.length - 1].month).map((k) => ({ key: k, label: shapeYearLabel(k, months[0].month), value: (byKey[k] || 0) / MS_PER_HOUR,
        tip: `${fmtMonth(k)}: ${fmtH(byKey[k] || 0)}` })), (v) => fmtH(v * MS_PER_HOUR), { height: 140 });
  } else monthly.remove();

  const top = shows.slice(0, 10);
  progressList(perShow, `${top[0].show} took the most time: ${fmtH(top[0].ms_played)} over ${countOf(top[0].episodes, "episode")}.`,
    top.map((s, i) => ({ label: s.show, share: s.ms_played / top[0].ms_played, cls: `s${i % 8}`,
      text: `${fmtH(s.ms_played)} · ${countOf(s.episodes, "episode")}` })));

  const known = shows.filter((s) => s.finished + s.abandoned > 0).slice(0, 10);
  const endBox = fambSection("Finished or abandoned", "An episode is finished when it played to its end; abandoned when you stopped before.");
  body.append(endBox);
  if (known.length) {
    const chart = fambChart({ id: "podcast-finished" });
    endBox.append(chart);
    stackedBars(chart, `You finished ${fmtInt(r.finished)} of ${fmtInt(r.finished + r.abandoned)} episodes whose end is known (${fmtPct(r.finish_rate)}).`,
      known.map((s) => ({ label: s.show, values: [s.finished, s.abandoned],
        text: `${fmtInt(s.finished)} of ${countOf(s.finished + s.abandoned, "episode")} finished` })),
      [{ name: "Finished", cls: "s2" }, { name: "Abandoned", cls: "s1" }]);
    if (r.unknown) endBox.append(el("p", { class: "muted", text: `For ${countOf(r.unknown, "episode")} the history does not say how the play ended.` }));
  } else {
    endBox.append(el("p", { class: "famb-note", text: "This history does not record how episodes ended, so finished and abandoned cannot be told apart." }));
  }

  const binges = r.binges || [];
  if (binges.length) {
    const box = fambSection("Binges", "Days you played several episodes of one show back to back.");
    const list = el("ul", { class: "famb-list", id: "podcast-binges" });
    for (const b of binges.slice(0, 8)) {
      list.append(el("li", {}, el("strong", { text: `${countOf(b.episodes, "episode")} of ` }), entityLink("show", b.show),
        el("span", { class: "by", text: ` · ${fmtDate(b.day)} · ${fmtH(b.ms_played)}` })));
    }
    box.append(list);
    body.append(box);
  }

  const fresh = r.new_by_month || [];
  if (fresh.length) {
    const box = fambSection("New shows", `${countOf(r.new_shows.length, "show")} first played in this period: ${r.new_shows.slice(0, 5).join(", ")}${r.new_shows.length > 5 ? "…" : ""}.`);
    const chart = fambChart({ id: "podcast-new" });
    box.append(chart);
    body.append(box);
    const byKey = Object.fromEntries(fresh.map((m) => [m.month, m.shows]));
    const peak = fresh.reduce((a, m) => (m.shows > a.shows ? m : a), fresh[0]);
    const first = months.length ? months[0].month : fresh[0].month, last = months.length ? months[months.length - 1].month : fresh[fresh.length - 1].month;
    const from = first < fresh[0].month ? first : fresh[0].month;
    columnChart(chart, `New shows by the month you first played them; the most in ${fmtMonth(peak.month)} (${countOf(peak.shows, "show")}).`,
      monthRange(from, last).map((k) => ({ key: k, label: shapeYearLabel(k, from), value: byKey[k] || 0,
        tip: `${fmtMonth(k)}: ${countOf(byKey[k] || 0, "new show")}` })), (v) => (Number.isInteger(v) ? fmtInt(v) : ""), { height: 90, cls: "s4" });
  }
}

INSIGHT_PAGES.podcasts = podcastsPage;
