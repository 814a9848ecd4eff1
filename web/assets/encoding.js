// encoding.js: what a node's size and colour say.
//
// Size is a weight in [0, 1] per node, which the view turns into a
// radius: by degree (the default: hubs stand out when zoomed out), by a
// numeric node property (area grows with the value), or none (all alike).
// Colour is by type (the default), or by a node property: its values get
// a colour each, the most frequent first, until the colours run out, and
// the rest share "other"; a value keeps its colour for the visit, in the
// whole graph and in a neighbourhood alike. A numeric property with many
// values gets a ramp from its lowest to its highest value instead. Each
// encoding comes with its legend.
//
// Everything here is derived from a state and cached against its revision
// (model.js), so redrawing the same state costs nothing.
"use strict";

export const BY_DEGREE = "degree";
export const BY_NONE = "none";
export const BY_TYPE = "type";
const PROPERTY = "property:"; // prefix of a choice that names a property

// Colours for values: Tableau 10 without its grey, which means "other",
// and three more of Tableau 20, which tell twelve values apart.
const VALUE_PALETTE = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2",
  "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#a0cbe8", "#8cd17d", "#d37295"];
const OTHER = "#b4bac2"; // values beyond the palette
const MISSING = "#dde1e6"; // nodes without the property
// A sequential ramp (viridis at five stops), low to high.
const RAMP = ["#440154", "#3b528b", "#21918c", "#5ec962", "#fde725"];
const MAX_CATEGORIES = 12; // distinct numeric values beyond which a ramp is used

export function propertyChoice(key) {
  return PROPERTY + key;
}

// propertyOf is the property a choice names, or null.
export function propertyOf(choice) {
  return choice.startsWith(PROPERTY) ? choice.slice(PROPERTY.length) : null;
}

const caches = new WeakMap(); // state → {revision, [name]: value}

// cached computes fn(state) once per state revision under name.
function cached(state, name, fn) {
  let c = caches.get(state);
  if (!c || c.revision !== state.revision) {
    c = { revision: state.revision };
    caches.set(state, c);
  }
  if (!(name in c)) c[name] = fn(state);
  return c[name];
}

// propertyKeys lists the node property keys of state, sorted: all of
// those with a scalar value somewhere, and those with a number somewhere.
export function propertyKeys(state) {
  return cached(state, "keys", () => {
    const scalar = new Set(), numeric = new Set();
    for (const n of state.nodes.values()) {
      for (const [k, v] of Object.entries(n.properties)) {
        if (typeof v === "number" && Number.isFinite(v)) numeric.add(k);
        if (v === null || typeof v !== "object") scalar.add(k);
      }
    }
    return { scalar: [...scalar].sort(), numeric: [...numeric].sort() };
  });
}

// sizes maps each node of state to a weight in [0, 1] for the choice
// (BY_DEGREE, BY_NONE or a property choice), or is null for BY_NONE.
// Weights grow as the square root, so that areas grow with the value.
export function sizes(state, choice) {
  if (choice === BY_NONE) return null;
  return cached(state, "size " + choice, () => {
    const key = propertyOf(choice);
    const values = new Map();
    if (key === null) {
      for (const [id, d] of state.adjacency().degree) values.set(id, d);
      return spreadOut(values, 0);
    }
    for (const n of state.nodes.values()) {
      const v = n.properties[key];
      if (typeof v === "number" && Number.isFinite(v)) values.set(n.id, v);
    }
    const out = spreadOut(values);
    for (const id of state.nodes.keys()) if (!out.has(id)) out.set(id, 0);
    return out;
  });
}

// importance is the degree weight of every node, whatever the size shows:
// it decides which labels a zoomed-out view keeps.
export function importance(state) {
  return sizes(state, BY_DEGREE);
}

// spreadOut maps values to √((v − lo)/(hi − lo)), lo being the least
// value unless given.
function spreadOut(values, lo) {
  let min = Infinity, max = -Infinity;
  for (const v of values.values()) { min = Math.min(min, v); max = Math.max(max, v); }
  if (lo !== undefined) min = Math.min(min, lo);
  const out = new Map();
  for (const [id, v] of values) out.set(id, max > min ? Math.sqrt((v - min) / (max - min)) : 0);
  return out;
}

// colours returns how to colour the nodes of state for the choice (BY_TYPE
// or a property choice): {color(node) → CSS colour, legend}. The legend is
// {title, rows: [{color, label, count}]} or, for a ramp, {title, ramp:
// {colors, low, high}, rows} (rows then only for nodes without the
// property). whole is the graph state is part of (a neighbourhood is part
// of the graph shown), which decides the colours; typeColors is the
// visit's palette of types, valueColors maps a property key to the
// colours its values were given in the visit.
export function colours(state, whole, choice, typeColors, valueColors) {
  const key = propertyOf(choice);
  return cached(state, "colour " + choice, () => {
    if (key === null) {
      const counts = countBy(state, (n) => n.type);
      const rows = [...counts.keys()].sort().map((t) => ({ color: typeColors.color(t), label: t || "(no type)", count: counts.get(t) }));
      return { color: (n) => typeColors.color(n.type), legend: { title: `Nodes (${state.nodes.size})`, rows } };
    }
    const all = countBy(whole, (n) => valueKey(n.properties[key]));
    all.delete(undefined);
    if (all.size > MAX_CATEGORIES && [...all.keys()].every((v) => typeof v === "number")) return ramp(state, key, all);
    // Values are given colours in order of frequency in the whole graph;
    // once given, a colour stays.
    if (!valueColors.has(key)) valueColors.set(key, new Map());
    const given = valueColors.get(key);
    for (const v of [...all.keys()].sort((a, b) => all.get(b) - all.get(a) || compareValues(a, b))) {
      if (given.size >= VALUE_PALETTE.length) break;
      if (!given.has(v)) given.set(v, VALUE_PALETTE[given.size]);
    }
    const counts = countBy(state, (n) => valueKey(n.properties[key]));
    const missing = counts.get(undefined) || 0;
    counts.delete(undefined);
    const ranked = [...counts.keys()].sort((a, b) => counts.get(b) - counts.get(a) || compareValues(a, b));
    const rows = ranked.filter((v) => given.has(v)).map((v) => ({ color: given.get(v), label: String(v), count: counts.get(v) }));
    const others = ranked.filter((v) => !given.has(v));
    if (others.length > 0) {
      rows.push({ color: OTHER, label: `other (${others.length} values)`, count: others.reduce((s, v) => s + counts.get(v), 0) });
    }
    if (missing > 0) rows.push({ color: MISSING, label: "(none)", count: missing });
    return {
      color: (n) => {
        const v = valueKey(n.properties[key]);
        return v === undefined ? MISSING : given.get(v) || OTHER;
      },
      legend: { title: `Nodes by ${key}`, rows },
    };
  });
}

// ramp colours a numeric property along RAMP, from its lowest value in
// the whole graph (all: value → count) to its highest.
function ramp(state, key, all) {
  let low = Infinity, high = -Infinity;
  for (const v of all.keys()) { low = Math.min(low, v); high = Math.max(high, v); }
  let missing = 0;
  for (const n of state.nodes.values()) if (valueKey(n.properties[key]) === undefined) missing++;
  const color = (n) => {
    const v = n.properties[key];
    if (typeof v !== "number" || !Number.isFinite(v)) return MISSING;
    return rampColor((v - low) / (high - low));
  };
  const rows = missing > 0 ? [{ color: MISSING, label: "(none)", count: missing }] : [];
  return { color, legend: { title: `Nodes by ${key}`, ramp: { colors: RAMP, low, high }, rows } };
}

// rampColor is the colour at t in [0, 1] along RAMP.
function rampColor(t) {
  const x = Math.min(1, Math.max(0, t)) * (RAMP.length - 1);
  const i = Math.min(RAMP.length - 2, Math.floor(x));
  const a = hex(RAMP[i]), b = hex(RAMP[i + 1]), f = x - i;
  const c = a.map((v, k) => Math.round(v + (b[k] - v) * f));
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}

function hex(s) {
  return [1, 3, 5].map((i) => parseInt(s.slice(i, i + 2), 16));
}

// valueKey is what a property value is counted as: numbers and strings as
// they are, other scalars and structures by their JSON; undefined when
// the property is missing.
function valueKey(v) {
  if (v === undefined) return undefined;
  if (typeof v === "number" || typeof v === "string") return v;
  return JSON.stringify(v);
}

function compareValues(a, b) {
  if (typeof a === "number" && typeof b === "number") return a - b;
  const x = String(a), y = String(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

function countBy(state, keyOf) {
  const counts = new Map();
  for (const n of state.nodes.values()) {
    const k = keyOf(n);
    counts.set(k, (counts.get(k) || 0) + 1);
  }
  return counts;
}
