// The albums page (/albums): albums heard start to finish against albums only sampled, with completion
// bars. Drawn from /api/insights/albums.
"use strict";

function albumsPage(data) {
  const r = data.result;
  const body = document.getElementById("insight-body");
  const albums = r.albums || [];
  if (!albums.length) { fambNote(body, data.summary[0] || "No albums in this period."); return; }
  const stats = el("div", { class: "stats" },
    stat("listen_throughs", "album listen-throughs", r.listen_throughs, fmtInt(r.listen_throughs)),
    stat("albums_heard_through", "different albums heard through", r.albums_heard_through, fmtInt(r.albums_heard_through)),
    r.completion_rate === null ? "" : stat("completion_rate", "of albums you put on, finished", r.completion_rate, fmtPct(r.completion_rate)),
    stat("albums_played", "albums played at all", r.albums_played, fmtInt(r.albums_played)));
  body.replaceChildren(stats);
  const started = albums.filter((a) => a.starts > 0).sort((a, b) => b.listen_throughs - a.listen_throughs || b.completion - a.completion);
  if (started.length) {
    const box = fambSection("Albums you put on from the first track", "A listen-through is an album played in order in one sitting, at least 80% of its tracks.");
    const chart = fambChart({ id: "album-completion" });
    box.append(chart);
    body.append(box);
    const best = started[0];
    progressList(chart, `${best.album} by ${best.artist} was heard through most often: ${fmtInt(best.listen_throughs)} of ${fmtInt(best.starts)} times you started it.`,
      started.slice(0, 12).map((a) => ({ label: a.album, sub: a.artist, share: a.completion || 0, cls: "s0",
        text: `${fmtInt(a.listen_throughs)} of ${countOf(a.starts, "time")}` })));
  } else {
    body.append(el("p", { class: "famb-note", text: r.listen_throughs === 0 && albums.every((a) => !a.ms_played)
      ? "This history does not record how long each play lasted, so no album can be told heard through from sampled."
      : "No album was heard start to finish in one sitting in this period." }));
  }
  const sampled = (r.sampled || []).slice(0, 10);
  if (sampled.length) {
    const box = fambSection("Played a lot, never straight through", "Albums you know by a few tracks: many plays, but never in a run from the top.");
    const chart = fambChart({ id: "album-sampled" });
    box.append(chart);
    body.append(box);
    const top = sampled[0];
    progressList(chart, `${top.album} by ${top.artist}: ${countOf(top.plays, "play")} of ${countOf(top.tracks_played, "track")}, never in a run.`,
      sampled.map((a) => ({ label: a.album, sub: a.artist, share: a.plays / top.plays, cls: "s7",
        text: `${countOf(a.plays, "play")} · ${fmtInt(a.tracks_played)} of ${countOf(a.known_tracks, "track")}` })));
  }
  const recent = r.recent_listen_throughs || [];
  if (recent.length) {
    const box = fambSection("Your latest listen-throughs");
    const list = el("ul", { class: "famb-list", id: "album-recent" });
    for (const a of recent.slice(0, 10)) {
      list.append(el("li", {}, el("strong", { text: a.album }), el("span", { class: "by", text: ` · ${a.artist}` }),
        el("span", { class: "by", text: ` · ${fmtDate(a.day)} · ${fmtInt(a.tracks_heard)} of ${countOf(a.known_tracks, "track")} · ${fmtH(a.ms_played)}` })));
    }
    box.append(list);
    body.append(box);
  }
}

INSIGHT_PAGES.albums = albumsPage;
