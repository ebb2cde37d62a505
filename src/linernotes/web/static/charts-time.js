// More charts over time for the insight pages (line, histogram, calendar grid), in the style of charts.js.
"use strict";
