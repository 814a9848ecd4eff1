// legend.js: the legend over the drawing (#legend), which says what it
// shows: the neighbourhood drawn, then the diff's colours, or the nodes'
// colours (with the size's meaning) and the edges' types. Text only,
// never HTML: types and property values are user data.
"use strict";

import { BY_NONE, propertyOf } from "/ui/encoding.js";
import { formatNumber } from "/ui/format.js";
import { STATUS_COLORS } from "/ui/view.js";

const MAX_ROWS = 14; // twelve colours, "other" and "(none)"

// renderLegend describes state (the GraphState drawn) coloured by
// colouring (encoding.js's colours). d says the rest: whole (the state it
// is a neighbourhood of, or itself), hood (the neighbourhood view's
// {on, focus, hops}), diff (the diff drawn, or null), stats (the view's
// counts of the last paint), sizeBy (the size chosen) and edgeColors (the
// visit's edge Palette).
export function renderLegend(legend, state, colouring, { whole, hood, diff, stats, sizeBy, edgeColors }) {
  legend.replaceChildren();
  if (hood.on) {
    const hops = hood.hops === 1 ? "1 hop" : `${hood.hops} hops`;
    legend.append(legendTitle(`Neighbourhood of ${hood.focus}, ${hops}`));
    legend.append(legendNote(state.nodes.size === 0
      ? "not in this version"
      : `${state.nodes.size} of ${whole.nodes.size} nodes, ${state.edges.size} of ${whole.edges.size} edges`));
  }
  if (diff) {
    legend.append(legendTitle(diff.title || `Diff v${diff.from} → v${diff.to}`));
    for (const status of ["added", "removed", "changed"]) {
      legend.append(legendRow("dot", STATUS_COLORS[status], status, stats[status], status === "removed" ? 0.4 : 1));
    }
    return;
  }
  const { title, rows, ramp } = colouring.legend;
  if (state.nodes.size > 0) {
    legend.append(legendTitle(title));
    if (ramp) legend.append(rampRow(ramp));
    legendRows(legend, rows, "dot", "values");
    const by = propertyOf(sizeBy);
    if (sizeBy !== BY_NONE) legend.append(legendNote(`size: ${by === null ? "degree" : by}`));
  }
  const counts = new Map();
  for (const e of state.edges.values()) counts.set(e.type, (counts.get(e.type) || 0) + 1);
  if (counts.size === 0) return;
  legend.append(legendTitle(`Edges (${state.edges.size})`));
  const types = [...counts.keys()].sort();
  legendRows(legend, types.map((t) => ({ color: edgeColors.color(t), label: t || "(no type)", count: counts.get(t) })), "line", "types");
}

// legendRows adds at most MAX_ROWS rows, then says how many are left out.
function legendRows(legend, rows, shape, what) {
  for (const r of rows.slice(0, MAX_ROWS)) legend.append(legendRow(shape, r.color, r.label, r.count));
  if (rows.length > MAX_ROWS) legend.append(legendNote(`… ${rows.length - MAX_ROWS} more ${what}`));
}

// rampRow shows a numeric property's colour ramp from its lowest value to
// its highest.
function rampRow({ colors, low, high }) {
  const row = document.createElement("div");
  row.className = "legend-row";
  const lo = document.createElement("span");
  lo.textContent = formatNumber(low);
  const bar = document.createElement("span");
  bar.className = "swatch ramp";
  bar.style.background = `linear-gradient(to right, ${colors.join(", ")})`;
  const hi = document.createElement("span");
  hi.textContent = formatNumber(high);
  row.append(lo, bar, hi);
  return row;
}

function legendNote(text) {
  const d = document.createElement("div");
  d.className = "legend-note";
  d.textContent = text;
  return d;
}

function legendTitle(text) {
  const d = document.createElement("div");
  d.className = "legend-title";
  d.textContent = text;
  return d;
}

function legendRow(shape, color, text, count, alpha = 1) {
  const row = document.createElement("div");
  row.className = "legend-row";
  const sw = document.createElement("span");
  sw.className = "swatch " + shape;
  sw.style.background = color;
  sw.style.opacity = String(alpha);
  const label = document.createElement("span");
  label.textContent = text;
  const n = document.createElement("span");
  n.className = "count";
  n.textContent = String(count);
  row.append(sw, label, n);
  return row;
}
