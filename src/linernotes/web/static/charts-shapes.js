// More chart shapes for the model pages (scatter map, signed bars, event timelines), in the style of charts.js.
"use strict";
