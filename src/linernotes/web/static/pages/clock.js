// The clock page (/clock): when you listen — hour × weekday, the 24-hour rhythm, weekdays against the weekend,
// the seasons. Drawn from /api/insights/clock by app.js's insightPage.
"use strict";

const CLOCK_MIN_PLAYS = 20; // fewer plays make a pattern of chance, not of habit

function clockPage(data) {
  const r = data.result;
  const body = document.getElementById("insight-body");
  const plays = data.meta.plays || 0;
  if (!r.total_ms) {
    body.replaceChildren(tooLittle(plays
      ? `This history records ${countOf(plays, "play")} but not how long each lasted, so there is no listening time to place on the clock.`
      : "No listening in this period."));
    return;
  }
  if (plays < CLOCK_MIN_PLAYS) {
    body.replaceChildren(tooLittle(`Only ${countOf(plays, "play")} in this period: too few to show when you usually listen.`));
    return;
  }
  const split = r.week_split;
  const stats = el("div", { class: "stats" },
    stat("peak_hour", "peak hour", r.peak_hour, hourName(r.peak_hour)),
    stat("night_share", "at night (22:00–04:59)", r.night_share, fmtPct(r.night_share)),
    stat("weekday_minutes", "a weekday", split.weekday_minutes_per_day, fmtMinutes(split.weekday_minutes_per_day)),
    stat("weekend_minutes", "a weekend day", split.weekend_minutes_per_day, fmtMinutes(split.weekend_minutes_per_day)),
  );
  const [heatCard, heatFig] = chartCard("Hour by weekday", "clock-heatmap");
  const [rhythmCard, rhythmFig] = chartCard("Your 24 hours", "clock-rhythm");
  const [weekCard, weekFig] = chartCard("Weekdays and the weekend", "clock-weekdays");
  const [seasonCard, seasonFig] = chartCard("Through the year", "clock-seasons");
  body.replaceChildren(stats, heatCard, el("div", { class: "grid" }, rhythmCard, weekCard), seasonCard);

  const [peakDay, peakHour] = r.peak_cell || [null, null];
  heatmap(heatFig, peakDay === null ? "Listening by hour and weekday." :
    `Listening by hour and weekday, in minutes: the busiest hour of the week is ${WEEKDAY_NAMES[peakDay - 1]} at ${hourName(peakHour)}.`,
  r.heatmap);

  // The rhythm: hours of listening in each hour of the day; the night hours in their own colour.
  const night = (h) => h >= 22 || h < 5;
  categoryColumns(rhythmFig, `Hours of listening in each hour of the day; the most at ${hourName(r.peak_hour)}, ` +
    `and ${fmtPct(r.night_share)} of it at night (22:00–04:59).`,
  r.hourly_ms.map((ms, h) => ({ key: String(h), label: h % 6 === 0 ? hourName(h) : "", value: ms / MS_PER_HOUR,
    cls: night(h) ? "mark night" : "mark",
    tip: `${hourName(h)}–${String(h).padStart(2, "0")}:59: ${fmtH(ms)}${night(h) ? " (night)" : ""}` })),
  (v) => `${fmtInt(v)} h`, { height: 150 });
  rhythmFig.append(colourKey([{ name: "Day", cls: "mark" }, { name: "Night (22:00–04:59)", cls: "night" }]));

  const days = r.weekdays;
  const busiest = days.reduce((a, b) => (b.minutes_per_day > a.minutes_per_day ? b : a), days[0]);
  barList(weekFig, `Minutes a day by weekday (each day of the period counted, listened or not): ${fmtMinutes(split.weekday_minutes_per_day)} ` +
    `a weekday against ${fmtMinutes(split.weekend_minutes_per_day)} a weekend day; the most on ${busiest.name}s.`,
  days.map((d) => ({ label: d.name, value: d.minutes_per_day, text: `${fmtMinutes(d.minutes_per_day)} a day`,
    cls: d.dow >= 6 ? "night" : "mark" })));
  weekFig.append(colourKey([{ name: "Weekdays", cls: "mark" }, { name: "Weekend", cls: "night" }]));

  const months = r.seasons.filter((m) => m.days_in_period > 0);
  const top = months.reduce((a, b) => (b.minutes_per_day > a.minutes_per_day ? b : a), months[0]);
  // Over more than a year, a month of the year gathers every year's days of it.
  const years = data.meta.start && data.meta.end ? Number(data.meta.end.slice(0, 4)) - Number(data.meta.start.slice(0, 4)) : 0;
  categoryColumns(seasonFig, `Minutes a day in each month of the year${years >= 1 ? ", all years together" : ""}: the most in ${top.name} ` +
    `(${fmtMinutes(top.minutes_per_day)} a day).`,
  months.map((m) => ({ key: String(m.month), label: MONTHS[m.month - 1], value: m.minutes_per_day,
    tip: `${m.name}: ${fmtMinutes(m.minutes_per_day)} a day over ${countOf(m.days_in_period, "day")}` })),
  (v) => `${fmtInt(v)} min`, { height: 140 });
}

const WEEKDAY_NAMES = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

INSIGHT_PAGES.clock = clockPage;
