// The audiobooks page (/audiobooks): each book with its progress bar, the finished ones marked.
// Drawn from /api/insights/audiobooks.
"use strict";

function audiobooksPage(data) {
  const r = data.result;
  const body = document.getElementById("insight-body");
  const books = r.by_book || [];
  if (!books.length) { fambNote(body, data.summary[0] || "No audiobooks in this period."); return; }
  const stats = el("div", { class: "stats" },
    stat("ms_played", "of audiobooks", r.ms_played, fmtH(r.ms_played)),
    stat("books", books.length === 1 ? "book" : "books", r.books, fmtInt(r.books)),
    stat("finished_books", "finished", r.finished_books, fmtInt(r.finished_books)),
    stat("sessions", "listening sessions", r.sessions, fmtInt(r.sessions)));
  const chart = fambChart({ id: "book-progress" });
  const progress = fambSection("How far you got", "Progress counts the chapters you heard to their end, of the chapters this history knows of.");
  progress.append(chart);
  const when = fambChart({ id: "book-spans" });
  const cards = el("div", { class: "famb-cards", id: "book-cards" });
  body.replaceChildren(stats, progress, when, fambSection("Book by book"), cards);
  const top = books[0];
  progressList(chart, `${top.book}: ${fmtH(top.ms_played)}, ${top.finished ? "finished" : `${fmtPct(top.progress)} through`}.`,
    books.map((b, i) => ({ label: b.book, sub: b.finished ? "finished" : null, share: b.progress || 0, cls: b.finished ? "s2" : `s${(i + 3) % 8}`,
      text: `${fmtInt(b.chapters_heard)} of ${countOf(b.chapters_known, "chapter")}` })));
  const first = books.reduce((a, b) => (b.first_day < a ? b.first_day : a), books[0].first_day);
  const last = books.reduce((a, b) => (b.last_day > a ? b.last_day : a), books[0].last_day);
  const longest = books.reduce((a, b) => (shapeDayNumber(b.last_day) - shapeDayNumber(b.first_day) > shapeDayNumber(a.last_day) - shapeDayNumber(a.first_day) ? b : a), books[0]);
  spanChart(when, `When you listened: ${longest.book} stretched the longest, ${fmtRange(longest.first_day, longest.last_day)}.`,
    books.map((b, i) => ({ label: b.book, from: b.first_day, to: b.last_day, until: b.last_day, cls: b.finished ? "s2" : `s${(i + 3) % 8}`,
      text: countOf(b.days, "day") })), { start: first, end: last });
  books.forEach((b, i) => {
    const title = el("h3", {}, entityLink("show", b.book));
    if (b.finished) title.append(el("span", { class: "famb-badge", text: "finished" }));
    cards.append(el("article", { class: `famb-card c${b.finished ? 2 : (i + 3) % 8}`, "data-book": b.book },
      el("p", { class: "kicker", text: fmtRange(b.first_day, b.last_day) }), title,
      el("p", {}, el("span", { class: "famb-big", text: fmtH(b.ms_played) }), ` in ${countOf(b.sessions, "session")}`),
      facts([["Progress", `${fmtPct(b.progress)} (${fmtInt(b.chapters_heard)} of ${countOf(b.chapters_known, "chapter")} heard to the end)`],
        ["Chapters played", fmtInt(b.chapters_played)], ["Days", fmtInt(b.days)],
        ["Typical session", fmtH(b.minutes_per_session * 60000)]])));
  });
}

INSIGHT_PAGES.audiobooks = audiobooksPage;
