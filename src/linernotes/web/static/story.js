// Story mode (/story): "your year" (any period) as full-screen slides. (Being built: issue 16.)
"use strict";

async function storyPage() {
  const data = await getJSON(`/api/insights/wrapped?${periodQuery()}`);
  setupPeriod(data.meta);
  document.getElementById("story").replaceChildren(...data.summary.map((line) => el("p", { text: line })));
  document.body.dataset.loaded = "1";
}

PAGES.story = storyPage;
