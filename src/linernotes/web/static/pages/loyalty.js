// The loyalty page (/loyalty): artist lifecycles from first to last listen — your top artists of the period and
// your longest, steadiest loves —, old acquaintances still in rotation, and one-week wonders. Drawn from
// /api/insights/loyalty by app.js's insightPage.
"use strict";

function loyaltyPage(data) {
  const r = data.result;
  const body = document.getElementById("insight-body");
  const lifecycles = r.lifecycles || [], loved = r.longest_loved || [];
  if (!lifecycles.length) { body.replaceChildren(tooLittle("No music in this period, so no artists to follow.")); return; }
  if (lifecycles.length < 3 && !loved.length) {
    body.replaceChildren(tooLittle(`Only ${fmtInt(lifecycles.length)} ${lifecycles.length === 1 ? "artist" : "artists"} ` +
      "in this history: too little to tell a lifecycle, a long love or a one-week wonder."));
    return;
  }
  const timed = lifecycles.some((a) => a.total_ms > 0);
  const amount = (ms, plays) => (timed ? `${fmtH(ms)}, ${countOf(plays, "play")}` : countOf(plays, "play"));
  const stats = el("div", { class: "stats" },
    stat("long_known", `artists known for ${fmtInt(r.years)}+ years`, r.long_known, fmtInt(r.long_known)),
    r.long_known ? stat("in_rotation_count", "of them still played in the last 90 days", r.in_rotation_count, fmtInt(r.in_rotation_count)) : "",
    stat("one_week_wonder_count", "one-week wonders", r.one_week_wonder_count, fmtInt(r.one_week_wonder_count)));
  const cards = [];
  let lovedFig = null;
  if (loved.length) {
    const [card, fig] = chartCard("Longest loved", "loyalty-loved",
      "Artists you kept coming back to, from the first listen to the last: the stronger the bar, the more of the quarters between had plays.");
    cards.push(card);
    lovedFig = fig;
  }
  const [lifeCard, lifeFig] = chartCard("Your top artists' lifecycles", "loyalty-lifecycles",
    "The artists you played most in this period, over your whole history: first listen to last, the dot at their busiest month.");
  cards.push(lifeCard);
  const rotation = el("section", { class: "card fa-card", id: "loyalty-rotation" }, el("h2", { text: "Old friends still in rotation" }));
  const wonders = el("section", { class: "card fa-card", id: "loyalty-wonders" }, el("h2", { text: "One-week wonders" }));
  body.replaceChildren(stats, ...cards, el("div", { class: "grid" }, rotation, wonders));

  if (lovedFig) {
    const top = loved[0];
    lifespanChart(lovedFig, `Your longest steady loves: ${top.artist} for ${fixed(top.span_days / 365.25, 1)} years ` +
      `(${fmtRange(top.first_day, top.last_day)}), played in ${fmtInt(top.active_quarters)} of ${fmtInt(top.quarters)} quarters.`,
    loved.map((a) => ({ label: a.artist, first: a.first_day, last: a.last_day, strength: a.coverage, cls: "s0",
      tip: `${a.artist}: ${fmtRange(a.first_day, a.last_day)}, played in ${fmtInt(a.active_quarters)} of ${fmtInt(a.quarters)} quarters (${fmtPct(a.coverage)}); ${amount(a.total_ms, a.plays)}` })));
  }
  const top = lifecycles[0];
  lifespanChart(lifeFig, `Your most played artist here, ${top.artist}, runs from ${fmtDate(top.first_day)} to ` +
    `${fmtDate(top.last_day)}${top.peak_month ? `, busiest in ${fmtMonth(top.peak_month)}` : ""}.`,
  lifecycles.map((a) => ({ label: a.artist, first: a.first_day, last: a.last_day,
    mark: a.peak_month ? `${a.peak_month}-15` : null,
    tip: `${a.artist}: ${fmtRange(a.first_day, a.last_day)}${a.peak_month ? `, busiest in ${fmtMonth(a.peak_month)}` : ""}; ${amount(a.total_ms, a.plays)} in all` })));

  const stayers = r.in_rotation || [];
  if (!stayers.length) {
    rotation.append(el("p", { class: "muted", text: r.long_known
      ? `Not one of the ${fmtInt(r.long_known)} artists you have known for ${fmtInt(r.years)}+ years was played in the last 90 days.`
      : `No artist goes back ${fmtInt(r.years)} years in this history yet.` }));
  } else {
    rotation.append(el("p", { class: "muted fa-note", text: `Artists you first heard ${fmtInt(r.years)}+ years ago and still played in the last 90 days (${fmtInt(r.in_rotation_count)} in all), the oldest first.` }),
      listTable("Old friends still in rotation", ["Artist", "Since", "Years", "Last 90 days"], stayers.map((a) => el("tr", {},
        el("td", {}, entityLink("artist", a.artist)), el("td", { class: "date", text: fmtDate(a.first_day) }),
        el("td", { class: "num", text: fixed(a.years, 1) }),
        el("td", { class: "num", text: a.recent_ms ? fmtListened(a.recent_ms) : countOf(a.recent_plays, "play") })))));
  }
  const list = r.one_week_wonders || [];
  if (!list.length) {
    wonders.append(el("p", { class: "muted", text: "No one-week wonders: no artist you met here was played a lot for a few days and then never again." }));
  } else {
    wonders.append(el("p", { class: "muted fa-note", text: `Artists you played at least ${countOf(data.meta.params.wonder_plays || 3, "play")} within a week and never again (${fmtInt(r.one_week_wonder_count)} in all).` }),
      listTable("One-week wonders", ["Artist", "When", "Plays"], list.map((a) => el("tr", {},
        el("td", {}, entityLink("artist", a.artist)), el("td", { class: "date", text: fmtRange(a.first_day, a.last_day) }),
        el("td", { class: "num", text: fmtInt(a.plays) })))));
  }
}

INSIGHT_PAGES.loyalty = loyaltyPage;
