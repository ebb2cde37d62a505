// The sessions page (/sessions): how long your sessions last and how many plays they hold, how they start, on
// which devices, and the longest ones. Drawn from /api/insights/sessions by app.js's insightPage.
"use strict";

const SESSIONS_MIN = 10; // fewer sessions make no distribution
// How a session's first play started (Spotify's reason_start), in words.
const SESSION_STARTS = { trackdone: "Previous track ended", clickrow: "A click on a track", playbtn: "The play button",
  fwdbtn: "A skip forward", backbtn: "Going back a track", appload: "Opening the app", remote: "A remote control",
  trackerror: "A playback error", endplay: "The end of a play", autoplay: "Autoplay", popup: "A pop-up",
  uriopen: "Opening a link", persisted: "Resuming where you left off", clickside: "A click in the side panel",
  "switched-to-audio": "Switching from video", "switched-to-video": "Switching to video" };
const startName = (reason) => SESSION_STARTS[reason] || String(reason).replaceAll("_", " ").replaceAll("-", " ");

function sessionsPage(data) {
  const r = data.result;
  const body = document.getElementById("insight-body");
  if (r.count < SESSIONS_MIN) {
    body.replaceChildren(tooLittle(r.count
      ? `Only ${fmtInt(r.count)} ${r.count === 1 ? "session" : "sessions"} in this period: too few to show how your sessions usually go.`
      : "No listening in this period."));
    return;
  }
  const stats = el("div", { class: "stats" },
    stat("count", "sessions", r.count, fmtInt(r.count)),
    stat("median_duration", "half last this long or less", r.median_duration_s, fmtH(r.median_duration_s * 1000)),
    stat("median_streams", "half hold this many or fewer", r.median_streams, countOf(r.median_streams, "play")),
    stat("per_day", "sessions a day you listen", r.sessions_per_active_day, fixed(r.sessions_per_active_day, 1)));
  const [lengthCard, lengthFig] = chartCard("How long", "sessions-length");
  const [playsCard, playsFig] = chartCard("How many plays", "sessions-plays");
  const cards = [el("div", { class: "grid" }, lengthCard, playsCard)];
  const where = el("div", { class: "grid" });

  const shareText = (n, share) => `${fmtInt(n)} · ${fmtPct(share)}`;
  const longestBin = r.by_duration.reduce((a, b) => (b.sessions > a.sessions ? b : a), r.by_duration[0]);
  // The last bin is open ("240+ min"): written as such.
  const binLabel = (b, unit) => (b.high === null ? `${b.low}+ ${unit}` : `${b.low}–${b.high} ${unit}`);
  const minutes = (b) => (b.low >= 60 && (b.high === null || b.high % 60 === 0)
    ? (b.high === null ? `${b.low / 60}+ h` : `${b.low / 60}–${b.high / 60} h`) : binLabel(b, "min"));
  const plays = (b) => (b.high === null ? `${b.low}+ plays` : b.high - b.low === 1 ? countOf(b.low, "play") : `${b.low}–${b.high - 1} plays`);

  // Starts and devices: what the export records (an unrecorded start or device is said, not drawn).
  const starters = r.starters.filter((s) => s.reason_start !== "unknown");
  const knownStarts = starters.reduce((a, s) => a + s.sessions, 0);
  let startFig = null, deviceFig = null;
  if (knownStarts >= SESSIONS_MIN) {
    const [card, fig] = chartCard("How they start", "sessions-starts");
    where.append(card);
    startFig = fig;
  }
  const devices = r.devices.filter((d) => d.device !== "unknown");
  const knownDevices = devices.reduce((a, d) => a + d.sessions, 0);
  if (knownDevices >= SESSIONS_MIN) {
    const [card, fig] = chartCard("On which device", "sessions-devices");
    where.append(card);
    deviceFig = fig;
  }
  const longest = el("section", { class: "card fa-card", id: "sessions-longest" }, el("h2", { text: "The longest sessions" }));
  body.replaceChildren(stats, ...cards, ...(where.children.length ? [where] : []), longest);

  histogram(lengthFig, `Sessions by length (a session ends after ${fmtInt(r.gap_minutes)} minutes of silence): half last ` +
    `${fmtH(r.median_duration_s * 1000)} or less; the most common length is ${minutes(longestBin)}.`,
  r.by_duration.map((b) => ({ label: minutes(b), value: b.sessions, text: fmtPct(b.share),
    tip: `${minutes(b)}: ${fmtInt(b.sessions)} sessions (${fmtPct(b.share)})` })));
  histogram(playsFig, `Sessions by the number of plays in them: half hold ${countOf(r.median_streams, "play")} or fewer.`,
    r.by_streams.map((b) => ({ label: plays(b), value: b.sessions, text: fmtPct(b.share),
      tip: `${plays(b)}: ${fmtInt(b.sessions)} sessions (${fmtPct(b.share)})` })));

  if (startFig) {
    const rows = starters.map((s, i) => ({ label: startName(s.reason_start), value: s.sessions,
      text: shareText(s.sessions, s.sessions / knownStarts), cls: `s${i % 8}` }));
    const unrecorded = r.count - knownStarts;
    barList(startFig, `What started the first play of a session: most often ${rows[0].label.toLowerCase()} ` +
      `(${fmtPct(starters[0].sessions / knownStarts)} of the sessions whose start is recorded` +
      `${unrecorded > 0 ? `; ${fmtInt(unrecorded)} more do not say` : ""}).`, rows);
  }
  if (deviceFig) {
    const rows = devices.map((d, i) => ({ label: deviceLabel(d.device), value: d.sessions,
      text: `${shareText(d.sessions, d.sessions / knownDevices)}`, cls: `s${i % 8}` }));
    barList(deviceFig, `Sessions by device: most on your ${deviceName(devices[0].device)} ` +
      `(${fmtPct(devices[0].sessions / knownDevices)} of the sessions whose device is recorded).`, rows);
  }

  const rows = r.longest || [];
  const max = Math.max(1, ...rows.map((s) => s.duration_s));
  longest.append(listTable("The longest sessions", ["Started", "Length", "Length, compared", "Plays", "Mostly"], rows.map((s) => el("tr", {},
    el("td", { class: "date", text: `${fmtDate(s.start)}, ${s.start.slice(11, 16)}` }),
    el("td", { class: "num", "data-value": s.duration_s, text: fmtH(s.duration_s * 1000) }),
    el("td", { class: "bar" }, cellBar(s.duration_s / max)),
    el("td", { class: "num", text: fmtInt(s.streams) }),
    el("td", {}, s.main_artist ? entityLink("artist", s.main_artist) : "",
      s.device && s.device !== "unknown" ? el("span", { class: "by", text: `on your ${deviceName(s.device)}` }) : "")))));
}

INSIGHT_PAGES.sessions = sessionsPage;
