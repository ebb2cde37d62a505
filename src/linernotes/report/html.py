"""Render sections into the one self-contained HTML file: template, chart specs and the Vega JavaScript inline."""

from __future__ import annotations

import contextlib
import json
import re
from importlib.metadata import version

import jinja2
from markupsafe import Markup

from linernotes.atomicfile import write_atomic
from linernotes.identity import LIGHT, css_variables
from linernotes.report.charts import CONFIGS
from linernotes.report.sections import Move, Section, Stat, Table
from linernotes.report.template import REPORT

VEGA_LITE_VERSION = "6.4"  # the Vega-Lite major altair 6 writes specs for
GLOBALS = "window.vegaEmbed = vegaEmbed; window.vegaLite = vegaLite; window.vega = vega;"  # for the page's script


def vega_javascript() -> str:
    """Vega, Vega-Lite and vega-embed as one script, built by vl-convert (no CDN) and cached on disk:
    bundling takes a second or more, the file never changes for a given vl-convert version."""
    import vl_convert

    from linernotes.engine.model_cache import cache_dir

    path = cache_dir() / f"vega-bundle-{version('vl-convert-python')}-{VEGA_LITE_VERSION}.js"
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        pass
    bundle = vl_convert.javascript_bundle(GLOBALS, vl_version=VEGA_LITE_VERSION)
    # A cache (durable=False: bundled again when lost); a read-only one costs the next report the same second.
    with contextlib.suppress(OSError):
        write_atomic(path, bundle, durable=False)
    return bundle


def _json_in_script(value: object) -> str:
    """JSON that cannot end, or change the parsing of, the <script> element it sits in.

    Names are data: "</script>" would end the element, and "<!--<script>" switches the HTML parser into a state
    where the next "</script>" no longer ends it (the page's own script is swallowed and no chart renders).
    Escaping every <, > and & as \\u003c, \\u003e, \\u0026 leaves no markup at all; a JSON reader reads the same
    text. U+2028/U+2029 are escaped too, for readers that take the JSON as JavaScript.
    """
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text.translate(_SCRIPT_SAFE)


_SCRIPT_SAFE = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028",
                              "\u2029": "\\u2029"})


def _js_in_script(code: str) -> str:
    """Guard the bundle like the JSON, but only where it matters: a blanket "</" replacement would break
    regular expressions such as /</g, and the bundle holds no "</script" or "<!--" today."""
    return re.sub(r"</(script)", r"<\\/\1", code, flags=re.IGNORECASE).replace("<!--", "<\\!--")


def _cell_class(table: Table, column: int, cell: object = None) -> Markup:
    """The class attribute of a table cell: numbers right-aligned, names kept readable on a phone, secondary
    columns (the rank a move started from) left out there."""
    classes = ["num" if column in table.numeric else "move-cell" if isinstance(cell, Move) else "text"]
    if column in table.secondary:
        classes.append("secondary")
    return Markup(f' class="{" ".join(classes)}"')  # fixed words only: nothing from the data


def render(sections: list[Section], *, title: str, subtitle: str, footer: str) -> str:
    """The whole page as a string."""
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    specs = {c.id: c.spec for s in sections for c in s.charts}
    headline: list[Stat] = [st for s in sections for st in s.stats if st.headline]
    # The header's band shows the period's chapters in their colours (the identity's series when there are none).
    band = [card.slot for s in sections for card in s.cards] or list(range(len(LIGHT.series)))
    return env.from_string(REPORT).render(
        title=title,
        subtitle=subtitle,
        footer=footer,
        sections=sections,
        headline=headline,
        cell_class=_cell_class,
        band=band,
        series=range(len(LIGHT.series)),
        css_variables=css_variables(),
        # Both themes' chart configs travel with the specs: the page draws with the one the system asks for.
        specs_json=_json_in_script({"specs": specs, "configs": CONFIGS}),
        vega_js=_js_in_script(vega_javascript()) if specs else "",
    )
