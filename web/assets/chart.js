// chart.js: a metric of the graph over its history (GET .../series), drawn
// as a line on a canvas under the time slider, with a marker at the
// version shown. No library: a few lines of canvas. SeriesChart keeps the
// series of the selected graph and reads it again as the graph grows.
"use strict";

import { getJSON, graphPath } from "/ui/api.js";
import { showError } from "/ui/errors.js";
import { formatNumber } from "/ui/format.js";

export const METRICS = ["nodes", "edges", "components", "density"];
const MAX_POINTS = 200;

// everyFor is the step that keeps a series of a graph at version at most
// MAX_POINTS points long.
export function everyFor(version) {
  return Math.max(1, Math.ceil(version / MAX_POINTS));
}

export async function loadSeries(graph, metric, version, { signal } = {}) {
  const every = everyFor(version);
  const res = await getJSON(graphPath(graph, `/series?metric=${encodeURIComponent(metric)}&every=${every}`), { signal });
  return { metric, every, version, points: res.points || [] };
}

// drawSeries draws series on canvas (sized to its CSS box), with a marker
// at version marker; it returns the marker's x in CSS pixels (null when
// there is nothing to draw).
export function drawSeries(canvas, series, marker) {
  const dpr = window.devicePixelRatio || 1;
  const w = canvas.clientWidth, h = canvas.clientHeight;
  if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
    canvas.width = Math.round(w * dpr);
    canvas.height = Math.round(h * dpr);
  }
  const ctx = canvas.getContext("2d");
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, w, h);
  const pts = (series?.points || []).filter((p) => typeof p.value === "number");
  if (pts.length === 0 || w === 0) return null;
  const pad = 3;
  const v0 = Math.min(...pts.map((p) => p.version)), v1 = Math.max(...pts.map((p) => p.version), v0 + 1);
  const y0 = Math.min(0, ...pts.map((p) => p.value)), y1 = Math.max(...pts.map((p) => p.value), y0 + 1e-9);
  const x = (v) => pad + ((v - v0) / (v1 - v0)) * (w - 2 * pad);
  const y = (val) => h - pad - ((val - y0) / (y1 - y0)) * (h - 2 * pad);
  ctx.beginPath();
  pts.forEach((p, i) => (i ? ctx.lineTo(x(p.version), y(p.value)) : ctx.moveTo(x(p.version), y(p.value))));
  ctx.strokeStyle = "#4c8bf5";
  ctx.lineWidth = 1.5;
  ctx.stroke();
  const mx = x(Math.min(Math.max(marker, v0), v1));
  ctx.beginPath();
  ctx.moveTo(mx, 0);
  ctx.lineTo(mx, h);
  ctx.strokeStyle = "#e8a33d";
  ctx.lineWidth = 1;
  ctx.stroke();
  return mx;
}

// valueAt is the series' value at version: the last point at or before it.
export function valueAt(series, version) {
  let val = null;
  for (const p of series?.points || []) if (p.version <= version) val = p.value;
  return val;
}

// SeriesChart is the chart under the slider. el holds the canvas, label,
// metric (the <select> of the metric) and slider (whose version the
// marker is at); app is the viewer's state, which it reads (graph, live).
export class SeriesChart {
  constructor(el, app) {
    this.el = el;
    this.app = app;
    this.series = null; // {metric, every, version, points} drawn
    this.ctrl = null; // of the read under way
    this.timer = 0;
    this.marker = 0; // the version the marker was last drawn at
    el.metric.addEventListener("change", () => this.refresh(0));
    window.addEventListener("resize", () => this.draw());
  }

  // reset forgets the series (another graph is selected).
  reset() {
    this.series = null;
    this.draw();
  }

  // refresh reads the chosen metric over the whole history, after delay
  // ms (live updates come in bursts: one read for the burst).
  refresh(delay) {
    const app = this.app;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      if (!app.live) return;
      this.ctrl?.abort();
      const ctrl = new AbortController();
      this.ctrl = ctrl;
      const graph = app.graph;
      loadSeries(graph, this.el.metric.value, app.live.version, { signal: ctrl.signal }).then((s) => {
        if (this.ctrl !== ctrl || graph !== app.graph) return;
        this.ctrl = null;
        this.series = s;
        this.draw();
        if (app.live && s.version < app.live.version) this.refresh(1000); // moved on meanwhile
      }, (err) => {
        if (this.ctrl === ctrl) this.ctrl = null;
        showError(err);
      });
    }, delay);
  }

  // follow draws the chart for the live version liveVersion, reading the
  // series again (soon) when it is older and no read is under way.
  follow(liveVersion) {
    if (this.series && this.series.version < liveVersion && !this.ctrl) this.refresh(1000);
    this.draw();
  }

  // draw draws the series with its marker at the slider's version.
  draw() {
    this.marker = Number(this.el.slider.value) || 0;
    drawSeries(this.el.canvas, this.series, this.marker);
    const s = this.series;
    const val = s ? valueAt(s, this.marker) : null;
    this.el.label.textContent = s && val !== null
      ? `${s.metric} ${formatNumber(val)} at v${this.marker}` : "";
  }

  // shown is what the chart draws: {metric, every, version, points,
  // values, marker}, or null before its first series.
  shown() {
    const s = this.series;
    return s ? { metric: s.metric, every: s.every, version: s.version, points: s.points.length,
      values: s.points.map((p) => p.value), marker: this.marker } : null;
  }
}
