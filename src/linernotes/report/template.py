"""The report's Jinja template: one HTML file, its CSS and JavaScript inline.

Kept as a Python string (not a package data file) so it ships with the code in every install layout.
The Content-Security-Policy makes the no-network promise enforceable by the browser: nothing may be
fetched, only inline styles and scripts run ('unsafe-eval' because Vega compiles its expressions).
"""

# ruff: noqa: E501  (HTML and CSS lines read better unbroken)

REPORT = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy"
      content="default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; img-src data:; font-src 'none'; connect-src 'none'">
<meta name="generator" content="linernotes">
<title>{{ title }}</title>
<style>
{{ css_variables | safe }}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; color: var(--fg); background: var(--bg); font-family: var(--font); line-height: 1.55;
       font-size: var(--size-body); overflow-wrap: break-word; }
a { color: var(--accent); }
a:focus-visible, [tabindex]:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
.skip { position: absolute; left: -999px; top: 0; background: var(--card); color: var(--fg); padding: .5rem 1rem; }
.skip:focus { left: .5rem; z-index: 10; }
.sr-only { position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
.wrap { max-width: 62rem; margin: 0 auto; padding: 0 1.25rem; }
/* The header: the period in big type, then the headline numbers, over a band of the chapter colours. */
header.top { padding: 3rem 0 2rem; background: var(--card); border-bottom: 1px solid var(--line); }
header.top .eyebrow { margin: 0 0 .5rem; color: var(--accent); font-weight: 700; letter-spacing: .12em; text-transform: uppercase; font-size: var(--size-small); }
header.top h1 { margin: 0; font-size: clamp(var(--size-h1), 7vw, 3.4rem); line-height: 1.08; letter-spacing: -.02em; }
header.top .subtitle { margin: .75rem 0 0; color: var(--muted); font-size: var(--size-lead); }
.headline { display: grid; grid-template-columns: repeat(auto-fit, minmax(10rem, 1fr)); gap: 1.5rem; margin: 2rem 0 0; padding: 0; list-style: none; }
.headline li { border-top: 3px solid var(--fg); padding-top: .6rem; }
.headline .value { display: block; font-size: clamp(2.2rem, 9vw, 3.6rem); font-weight: 800; line-height: 1; letter-spacing: -.03em; font-variant-numeric: tabular-nums; }
.headline .label { display: block; margin-top: .35rem; color: var(--muted); }
.band { display: flex; height: .5rem; margin-top: 2rem; border-radius: .25rem; overflow: hidden; }
.band span { flex: 1; }
{%- for i in series %}
.s{{ i }} { --swatch: var(--series-{{ i }}); }
{%- endfor %}
.band span, .swatch { background: var(--swatch); }
nav.toc { position: sticky; top: 0; z-index: 5; background: var(--bg); border-bottom: 1px solid var(--line); }
nav.toc ul { list-style: none; margin: 0 auto; padding: .4rem 1.25rem; max-width: 62rem; display: flex; flex-wrap: wrap; gap: .1rem 1rem; font-size: var(--size-small); }
nav.toc a { display: inline-block; padding: .3rem 0; text-decoration: none; color: var(--muted); }
nav.toc a:hover { color: var(--accent); text-decoration: underline; }
main { padding-bottom: 3rem; }
section { padding: 3rem 0 1.5rem; border-bottom: 1px solid var(--line); scroll-margin-top: 5.5rem; }  /* clear of the sticky section links */
section .number { margin: 0; color: var(--accent); font-weight: 700; font-size: var(--size-small); letter-spacing: .12em; font-variant-numeric: tabular-nums; }
h2 { font-size: var(--size-h2); line-height: 1.2; margin: .2rem 0 1rem; letter-spacing: -.01em; }
@media (min-width: 40rem) { h2 { font-size: calc(var(--size-h2) * 1.3); } }
h3 { font-size: var(--size-h3); margin: 1.75rem 0 .75rem; }
.lead { max-width: 44rem; }
.lead p { margin: .35rem 0; }
.lead p:first-child { font-size: var(--size-lead); }
.stats { display: grid; grid-template-columns: repeat(auto-fit, minmax(9rem, 1fr)); gap: .75rem; margin: 1.25rem 0; padding: 0; list-style: none; }
.stats li { background: var(--card); border: 1px solid var(--line); border-radius: .75rem; padding: .9rem 1rem; }
.stats .value { display: block; font-size: var(--size-h1); font-weight: 750; line-height: 1.15; font-variant-numeric: tabular-nums; }
.stats .label { color: var(--muted); font-size: var(--size-small); }
figure { margin: 1.5rem 0; padding: 1rem 1rem .75rem; background: var(--card); border: 1px solid var(--line); border-radius: .75rem; }
figcaption { color: var(--muted); font-size: var(--size-small); margin-top: .5rem; }
.chart { width: 100%; min-height: 60px; }
.chart svg { max-width: 100%; height: auto; }
.table-wrap { position: relative; /* holds the screen-reader-only words of its cells */ overflow-x: auto; margin: 1.5rem 0; background: var(--card); border: 1px solid var(--line); border-radius: .75rem; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
caption { text-align: left; font-weight: 650; padding: .75rem .75rem .5rem; }
th, td { padding: .45rem .75rem; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
tbody tr:last-child td { border-bottom: none; }
th { color: var(--muted); font-weight: 600; font-size: var(--size-small); }
td.num, th.num { text-align: right; white-space: nowrap; }
td.text { min-width: 7rem; }
.move { white-space: nowrap; }
.move .arrow { display: inline-block; min-width: 1em; }
.move.up .arrow { color: var(--series-2); }
.move.down .arrow { color: var(--series-1); }
.move.new { font-size: var(--size-small); font-weight: 650; color: var(--accent); }
ul.items { padding-left: 1.2rem; max-width: 48rem; }
ul.items li { margin: .4rem 0; }
ol.cards { list-style: none; padding: 0; margin: 0; display: grid; gap: .75rem; }
ol.cards li { background: var(--card); border: 1px solid var(--line); border-left: .5rem solid var(--swatch); border-radius: .75rem; padding: .9rem 1.1rem; }
ol.cards h4 { margin: 0; font-size: var(--size-lead); }
ol.cards .meta { margin: .15rem 0 .4rem; color: var(--muted); font-size: var(--size-small); }
ol.cards p { margin: 0; }
footer { color: var(--muted); font-size: var(--size-small); padding: 1.5rem 0 3rem; }
@media (max-width: 40rem) {
  .wrap { padding: 0 1rem; }
  header.top { padding: 2rem 0 1.5rem; }
  .headline { gap: 1rem; grid-template-columns: repeat(2, 1fr); }
  section { padding-top: 2rem; }
  figure { padding: .75rem .5rem .5rem; margin-left: -.25rem; margin-right: -.25rem; }
  th, td { padding: .35rem .45rem; }
  td.text { min-width: 5.5rem; }
  .secondary { display: none; }  /* a phone keeps the move and drops the rank it moved from */
  nav.toc { position: static; }
  nav.toc ul { flex-wrap: nowrap; overflow-x: auto; padding: .4rem 1rem; }
  nav.toc li { flex: none; }
}
@media print {
  nav.toc, .skip { display: none; }
  header.top { background: none; padding: 0 0 1rem; border-bottom: 2px solid #000; }
  body { font-size: 11pt; color: #000; background: #fff; }
  section { break-inside: auto; border-bottom: none; }
  figure, table, .stats, .headline, h2, h3, ol.cards li { break-inside: avoid; }
  h2, h3 { break-after: avoid; }
  .table-wrap { overflow: visible; }
  a { color: #000; text-decoration: none; }
}
</style>
</head>
<body>
<a class="skip" href="#content">Skip to the report</a>
<header class="top">
  <div class="wrap">
  <p class="eyebrow">linernotes · your listening</p>
  <h1>{{ title }}</h1>
  <p class="subtitle">{{ subtitle }}</p>
  {%- if headline %}
  <ul class="headline">
  {%- for st in headline %}
    <li data-metric="{{ st.metric }}"><span class="value">{{ st.value }}</span> <span class="label">{{ st.label }}</span></li>
  {%- endfor %}
  </ul>
  {%- endif %}
  {%- if band %}
  <div class="band" aria-hidden="true">{% for slot in band %}<span class="s{{ slot }}"></span>{% endfor %}</div>
  {%- endif %}
  </div>
</header>
<nav class="toc" aria-label="Sections">
  <ul>
  {%- for s in sections %}
    <li><a href="#{{ s.id }}">{{ s.title }}</a></li>
  {%- endfor %}
  </ul>
</nav>
<main id="content" tabindex="-1" class="wrap">
{%- for s in sections %}
<section id="{{ s.id }}" aria-labelledby="{{ s.id }}-title">
  <p class="number" aria-hidden="true">{{ "%02d" | format(loop.index) }}</p>
  <h2 id="{{ s.id }}-title">{{ s.title }}</h2>
  <div class="lead">
  {%- for line in s.sentences %}
    <p>{{ line }}</p>
  {%- endfor %}
  </div>
  {%- set stats = s.stats | rejectattr("headline") | list %}
  {%- if stats %}
  <ul class="stats">
  {%- for st in stats %}
    <li data-metric="{{ st.metric }}"><span class="value">{{ st.value }}</span> <span class="label">{{ st.label }}</span></li>
  {%- endfor %}
  </ul>
  {%- endif %}
  {%- for c in s.charts %}
  <figure class="figure" aria-labelledby="{{ c.id }}-caption">
    <div class="chart" id="{{ c.id }}" data-chart="{{ c.id }}" role="img" aria-label="{{ c.sentence }}"></div>
    <figcaption id="{{ c.id }}-caption">{{ c.sentence }}</figcaption>
  </figure>
  {%- endfor %}
  {%- for t in s.tables %}
  <div class="table-wrap" role="region" aria-label="{{ t.caption }}" tabindex="0">
  <table>
    <caption>{{ t.caption }}</caption>
    <thead><tr>
    {%- for col in t.columns %}<th scope="col"{{ cell_class(t, loop.index0) }}>{{ col }}</th>{% endfor -%}
    </tr></thead>
    <tbody>
    {%- for row in t.rows %}
      <tr>{% for cell in row %}<td{{ cell_class(t, loop.index0, cell) }}>{% if cell.words is defined %}<span class="move {{ cell.direction }}"><span aria-hidden="true"><span class="arrow">{{ cell.arrow }}</span>{% if cell.arrow and cell.short %} {% endif %}{{ cell.short }}</span><span class="sr-only">{{ cell.words }}</span></span>{% else %}{{ cell }}{% endif %}</td>{% endfor %}</tr>
    {%- endfor %}
    </tbody>
  </table>
  </div>
  {%- endfor %}
  {%- if s.cards %}
  {%- if s.subtitle %}<h3>{{ s.subtitle }}</h3>{% endif %}
  <ol class="cards">
  {%- for card in s.cards %}
    <li class="s{{ card.slot }}"><h4>{{ card.title }}</h4><p class="meta">{{ card.meta }}</p><p>{{ card.text }}</p></li>
  {%- endfor %}
  </ol>
  {%- endif %}
  {%- if s.items %}
  {%- if s.subtitle %}<h3>{{ s.subtitle }}</h3>{% endif %}
  <ul class="items">
  {%- for item in s.items %}
    <li>{{ item }}</li>
  {%- endfor %}
  </ul>
  {%- endif %}
</section>
{%- endfor %}
<noscript><p>The charts need JavaScript; every chart's sentence above says what it shows.</p></noscript>
</main>
<footer class="wrap">
  <p>{{ footer }}</p>
</footer>
<script type="application/json" id="report-specs">{{ specs_json | safe }}</script>
<script>{{ vega_js | safe }}</script>
<script>
(function () {
  var data = JSON.parse(document.getElementById("report-specs").textContent);
  var nodes = document.querySelectorAll("[data-chart]");
  var scheme = window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;
  var views = {};
  function draw() {
    var theme = scheme && scheme.matches ? "dark" : "light";
    Array.prototype.forEach.call(nodes, function (el) {
      var id = el.getAttribute("data-chart");
      var spec = JSON.parse(JSON.stringify(data.specs[id]));
      // The theme's colours, and shorter axis labels where the chart is phone-narrow.
      spec.config = JSON.parse(JSON.stringify(data.configs[theme]));
      if (el.clientWidth < 520) { spec.config.axis.labelLimit = 110; }
      if (views[id]) { views[id].finalize(); }
      // No actions menu: it would link to the online editor, and nothing here goes online.
      vegaEmbed(el, spec, {actions: false, renderer: "svg"}).then(function (result) {
        views[id] = result;
        el.setAttribute("data-rendered", "true");
        el.setAttribute("data-theme", theme);
      }).catch(function (err) {
        el.textContent = "This chart could not be drawn (" + err.message + "); its sentence below says what it shows.";
        console.error(err);
      });
    });
  }
  draw();
  if (scheme && scheme.addEventListener) { scheme.addEventListener("change", draw); }
})();
</script>
</body>
</html>
"""
