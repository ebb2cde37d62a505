// The calendar page (/calendar): every day of the period as a calendar grid, streaks and breaks, the busiest
// day, week and month, listening month by month. Drawn from /api/insights/calendar by app.js's insightPage.
"use strict";

const CALENDAR_MIN_DAYS = 7; // a calendar of fewer days with listening shows no habit

function calendarPage(data) {
  const r = data.result;
  const body = document.getElementById("insight-body");
  const daily = r.daily || {};
  if (!daily.start || r.days_listened < CALENDAR_MIN_DAYS) {
    body.replaceChildren(tooLittle(r.days_listened
      ? `Listening on only ${countOf(r.days_listened, "day")} in this period: too few for a calendar, streaks or a busiest day.`
      : "No listening in this period."));
    return;
  }
  // Scrobbles carry no durations: a calendar of them counts plays, and so does one where many days of plays
  // have no listening time (scrobbles merged with a streaming export), so no day looks silent that was not.
  const playedDays = daily.plays.filter((n) => n > 0).length;
  const timed = r.total_ms > 0 && daily.minutes.filter((m) => m > 0).length >= 0.9 * playedDays;
  const values = timed ? daily.minutes : daily.plays;
  const amount = (v) => (timed ? fmtMinutes(v) : countOf(v, "play"));
  const weekday = (iso) => WEEKDAYS[(new Date(`${iso}T00:00:00Z`).getUTCDay() + 6) % 7];

  const streak = r.longest_streak, gap = r.longest_gap;
  // Stray plays far from the rest (an old test, a stray scrobble) are left out of the averages, as the summary
  // says: the days count is the core's, like its sentence.
  const act = r.activity || {};
  const core = act.stray_days && act.core_start ? (act.stretches || []).filter((x) => !x.stray) : null;
  const daysListened = core ? core.reduce((a, x) => a + x.days_listened, 0) : r.days_listened;
  const daysIn = core ? Math.round((Date.parse(act.core_end) - Date.parse(act.core_start)) / dayMs()) + 1 : r.days_in_period;
  const playsPerDay = (core ? core.reduce((a, x) => a + x.plays, 0) : daily.plays.reduce((a, n) => a + n, 0)) / Math.max(1, daysIn);
  const stats = el("div", { class: "stats" },
    stat("days_listened", `of ${countOf(daysIn, "day")} with listening`, daysListened, fmtInt(daysListened)),
    r.total_ms > 0 ? stat("minutes_per_day", "a day on average", r.minutes_per_day, fmtMinutes(r.minutes_per_day)) : "",
    timed ? "" : stat("plays_per_day", "plays a day on average", playsPerDay, fixed(playsPerDay, 1)),
    r.current_streak && r.current_streak.days > 1 ? stat("current_streak", "current streak", r.current_streak.days, countOf(r.current_streak.days, "day")) : "");

  const [gridCard, gridFig] = chartCard("Every day", "calendar-grid");
  const highlights = el("ul", { class: "fa-facts", id: "calendar-highlights" });
  const fact = (key, what, when, how) => highlights.append(el("li", { "data-key": key },
    el("span", { class: "what", text: what }), el("span", { class: "when", text: when }), el("span", { class: "how", text: how })));
  if (streak) fact("longest_streak", "Longest streak", countOf(streak.days, "day"), fmtRange(streak.first_day, streak.last_day));
  if (gap) fact("longest_gap", "Longest break", countOf(gap.days, "day"), fmtRange(gap.first_day, gap.last_day));
  const b = (x) => `${fmtH(x.ms_played)}, ${countOf(x.plays, "play")}`;
  if (r.busiest_day) fact("busiest_day", "Busiest day", `${weekday(r.busiest_day.first_day)} ${fmtDate(r.busiest_day.first_day)}`, b(r.busiest_day));
  if (r.busiest_week) {
    const end = new Date(Date.parse(`${r.busiest_week.first_day}T00:00:00Z`) + 6 * dayMs()).toISOString().slice(0, 10);
    fact("busiest_week", "Busiest week", fmtRange(r.busiest_week.first_day, end), b(r.busiest_week));
  }
  if (r.busiest_month) fact("busiest_month", "Busiest month", fmtMonth(r.busiest_month.label), b(r.busiest_month));
  const [monthCard, monthFig] = chartCard("Month by month", "calendar-months");
  body.replaceChildren(stats, highlights, gridCard, monthCard);

  // No count of days here: the figures above count the days of the history's core (stray plays far from the
  // rest left out) and a day of a few seconds is a day listened, though it rounds to no minute in the grid.
  calendarGrid(gridFig, `Every day from ${fmtDate(daily.start)} to ${fmtDate(daily.end)}: ` +
    `the darker the day, the more ${timed ? "minutes" : "plays"}` +
    `${streak && streak.days > 1 ? `; the line under the days marks your longest streak (${fmtRange(streak.first_day, streak.last_day)})` : ""}.`,
  daily.start, values, (iso, v) => `${weekday(iso)} ${fmtDate(iso)}: ${v > 0 ? amount(v) : "nothing"}`,
  { outline: streak && streak.days > 1 ? [streak.first_day, streak.last_day] : null });

  // Months: the sum of the days.
  const byMonth = new Map();
  const first = Date.parse(`${daily.start}T00:00:00Z`);
  values.forEach((v, i) => {
    const key = new Date(first + i * dayMs()).toISOString().slice(0, 7);
    byMonth.set(key, (byMonth.get(key) || 0) + v);
  });
  const months = monthRange(daily.start.slice(0, 7), daily.end.slice(0, 7));
  const points = months.map((key) => {
    const v = byMonth.get(key) || 0;
    // Long periods: a label at each January (the year); short ones: every month.
    const label = months.length > 18 ? (key.endsWith("-01") ? key.slice(0, 4) : "") : MONTHS[Number(key.slice(5)) - 1];
    return { key, label,
      value: timed ? v / 60 : v, tip: `${fmtMonth(key)}: ${timed ? fmtMinutes(v) : countOf(v, "play")}` };
  });
  const best = points.reduce((a, p) => (p.value > a.value ? p : a), points[0]);
  // A long history is a time series (charts.js's columns); a short one a month per labelled column.
  (months.length > 18 ? columnChart : categoryColumns)(monthFig, `${timed ? "Hours" : "Plays"} each month; the most in ${fmtMonth(best.key)} ` +
    `(${timed ? fmtH(best.value * MS_PER_HOUR) : countOf(best.value, "play")}).`, points,
  (v) => (timed ? `${fmtInt(v)} h` : fmtInt(v)), { height: 140 });
}

INSIGHT_PAGES.calendar = calendarPage;
