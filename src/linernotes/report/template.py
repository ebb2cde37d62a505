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
:root { --ink: #1a1a2e; --muted: #4a4a5e; --accent: #1f5fa8; --paper: #ffffff; --tint: #f3f4f8; --line: #d9dbe4;
        font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: var(--paper); line-height: 1.55; font-size: 1.0625rem; }
a { color: var(--accent); }
a:focus-visible, [tabindex]:focus-visible { outline: 3px solid #c2410c; outline-offset: 2px; }
.skip { position: absolute; left: -999px; top: 0; background: var(--paper); padding: .5rem 1rem; }
.skip:focus { left: .5rem; z-index: 10; }
header.top { background: var(--ink); color: #fff; padding: 2rem 1rem 1.5rem; }
header.top h1 { margin: 0 auto; max-width: 60rem; font-size: clamp(1.6rem, 5vw, 2.6rem); line-height: 1.2; }
header.top p { margin: .5rem auto 0; max-width: 60rem; color: #e2e4ee; }
nav.toc { background: var(--tint); border-bottom: 1px solid var(--line); padding: .5rem 1rem; }
nav.toc ul { list-style: none; margin: 0 auto; padding: 0; max-width: 60rem; display: flex; flex-wrap: wrap; gap: .25rem 1rem; }
nav.toc a { display: inline-block; padding: .25rem 0; }
main { max-width: 60rem; margin: 0 auto; padding: 0 1rem 3rem; }
section { padding: 1.5rem 0 1rem; border-bottom: 1px solid var(--line); scroll-margin-top: 1rem; }
h2 { font-size: 1.5rem; margin: 0 0 .75rem; }
h3 { font-size: 1.1rem; margin: 1.25rem 0 .5rem; }
.lead p { margin: .25rem 0; }
.stats { display: grid; grid-template-columns: repeat(auto-fit, minmax(9rem, 1fr)); gap: .75rem; margin: 1rem 0; padding: 0; list-style: none; }
.stats li { background: var(--tint); border-radius: .5rem; padding: .75rem 1rem; }
.stats .value { display: block; font-size: 1.8rem; font-weight: 700; font-variant-numeric: tabular-nums; }
.stats .label { color: var(--muted); font-size: .95rem; }
figure { margin: 1.25rem 0; }
figcaption { color: var(--muted); font-size: .95rem; margin-top: .25rem; }
.chart { width: 100%; min-height: 60px; }
.chart svg { max-width: 100%; height: auto; }
.table-wrap { overflow-x: auto; margin: 1rem 0; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
caption { text-align: left; font-weight: 600; padding-bottom: .4rem; }
th, td { padding: .35rem .5rem; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
th { background: var(--tint); }
td.num, th.num { text-align: right; white-space: nowrap; }
ul.items { padding-left: 1.2rem; }
ul.items li { margin: .3rem 0; }
footer { max-width: 60rem; margin: 0 auto; padding: 1rem; color: var(--muted); font-size: .9rem; }
@media (max-width: 40rem) {
  body { font-size: 1rem; }
  .stats .value { font-size: 1.4rem; }
  th, td { padding: .3rem .35rem; }
}
@media print {
  nav.toc, .skip { display: none; }
  header.top { background: none; color: #000; padding: 0 0 1rem; border-bottom: 2px solid #000; }
  header.top p { color: #000; }
  body { font-size: 11pt; color: #000; }
  section { break-inside: auto; border-bottom: none; }
  figure, table, .stats, h2, h3 { break-inside: avoid; }
  h2, h3 { break-after: avoid; }
  .table-wrap { overflow: visible; }
  a { color: #000; text-decoration: none; }
}
</style>
</head>
<body>
<a class="skip" href="#content">Skip to the report</a>
<header class="top">
  <h1>{{ title }}</h1>
  <p>{{ subtitle }}</p>
</header>
<nav class="toc" aria-label="Sections">
  <ul>
  {%- for s in sections %}
    <li><a href="#{{ s.id }}">{{ s.title }}</a></li>
  {%- endfor %}
  </ul>
</nav>
<main id="content" tabindex="-1">
{%- for s in sections %}
<section id="{{ s.id }}" aria-labelledby="{{ s.id }}-title">
  <h2 id="{{ s.id }}-title">{{ s.title }}</h2>
  <div class="lead">
  {%- for line in s.sentences %}
    <p>{{ line }}</p>
  {%- endfor %}
  </div>
  {%- if s.stats %}
  <ul class="stats">
  {%- for st in s.stats %}
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
    {%- for col in t.columns %}<th scope="col"{% if loop.index0 in t.numeric %} class="num"{% endif %}>{{ col }}</th>{% endfor -%}
    </tr></thead>
    <tbody>
    {%- for row in t.rows %}
      <tr>{% for cell in row %}<td{% if loop.index0 in t.numeric %} class="num"{% endif %}>{{ cell }}</td>{% endfor %}</tr>
    {%- endfor %}
    </tbody>
  </table>
  </div>
  {%- endfor %}
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
<footer>
  <p>{{ footer }}</p>
</footer>
<script type="application/json" id="report-specs">{{ specs_json | safe }}</script>
<script>{{ vega_js | safe }}</script>
<script>
(function () {
  var specs = JSON.parse(document.getElementById("report-specs").textContent);
  var nodes = document.querySelectorAll("[data-chart]");
  Array.prototype.forEach.call(nodes, function (el) {
    var spec = specs[el.getAttribute("data-chart")];
    // No actions menu: it would link to the online editor, and nothing here goes online.
    vegaEmbed(el, spec, {actions: false, renderer: "svg"}).then(function () {
      el.setAttribute("data-rendered", "true");
    }).catch(function (err) {
      el.textContent = "This chart could not be drawn (" + err.message + "); its sentence below says what it shows.";
      console.error(err);
    });
  });
})();
</script>
</body>
</html>
"""
