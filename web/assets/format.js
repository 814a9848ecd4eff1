// format.js: how the viewer writes times, numbers and property values as
// text (always text, never HTML: the values are user data), and clamp,
// which keeps a version or a hop count the user gave in range.
"use strict";

// formatTime writes a recorded time in the browser's locale; a time it
// cannot read is written as it came.
export function formatTime(iso) {
  const d = new Date(iso);
  return isNaN(d) ? iso : d.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "medium" });
}

// relativeTime writes a recent time as how long ago it was, an older one
// as formatTime does.
export function relativeTime(iso) {
  const s = (Date.now() - new Date(iso).getTime()) / 1000;
  if (!(s >= 0)) return formatTime(iso);
  if (s < 60) return `${Math.floor(s)} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return formatTime(iso);
}

export function formatNumber(x) {
  return Number.isInteger(x) ? String(x) : x.toPrecision(3);
}

// showValue writes a property's value as JSON, "(none)" for a property
// that is not there (one side of a change).
export function showValue(v) {
  return v === undefined ? "(none)" : JSON.stringify(v);
}

export function clamp(v, lo, hi) {
  return Math.min(hi, Math.max(lo, v));
}
