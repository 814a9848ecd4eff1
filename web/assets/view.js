// view.js: draws a graph state on a <canvas> and turns the mouse into
// zoom, pan and picks.
//
// A canvas rather than SVG: ten thousand elements redraw in tens of
// milliseconds, where as many DOM nodes would make every pan crawl. The
// drawing has two layers:
//
//	base     edges and nodes, drawn into an offscreen canvas when the
//	         scene, the layout or the zoom changes. Drawing it is what
//	         costs (in a software-rendered browser, about 25 ms for 4,000
//	         nodes and 6,000 edges), so while the user drags or zooms a
//	         drawing that takes longer than a frame, frames reuse the last
//	         one, moved and scaled, and it is drawn again when the gesture
//	         rests.
//	overlay  what changes often or must stay sharp: the selection,
//	         flashes, labels. Drawn over the base every frame.
//
// Level of detail: nodes are sized by a weight (the scene's size, the
// degree by default) and never shrink below a few pixels, bigger for
// bigger nodes, so that hubs show when zoomed out; tiny nodes are squares
// (a tenth of the cost of arcs, and alike at that size). Edges are one
// device pixel wide and fade as they cover more of the view, so a dense
// graph reads as a haze with its nodes on top; arrowheads only once there
// is room. Labels are chosen by labels.js.
//
// The view draws a Scene (see show). Flashes (what a live transaction or
// a replay frame changed) fade out over FLASH_MS; a layout that is still
// settling (layout.js) is stepped a slice a frame. Both are animated with
// requestAnimationFrame while they last.
"use strict";

import { chooseLabels, all as allLabels } from "/ui/labels.js";

export const NODE_RADIUS = 6; // world units, when all nodes are alike
const R_MIN = 3, R_MAX = 12; // world units, for size weights 0 and 1
const PX_MIN = 1.5, PX_HUB = 4.5; // screen radius at least, for weights 0 and 1
const SQUARE_PX = 2.5; // below this screen radius a node is a square
const RIM_PX = 4; // from this screen radius a disc has a white rim
const FLASH_MS = 1600;
const MIN_SCALE = 0.02, MAX_SCALE = 8;
const FIT_MAX_SCALE = 1.6; // a small graph is fitted no closer
const CHEAP_MS = 10; // a base drawn this fast is redrawn every frame of a gesture
const GESTURE_REST_MS = 150; // a wheel gesture has ended after this long without a turn
const LAYOUT_SLICE_MS = 8; // layout steps a frame, at least
const DENSE_EDGES = 800; // this many edges in view are drawn one pixel wide
const FULL_INK = 0.25; // edges covering this share of the view are drawn opaque
const LABEL_FONT = "11px system-ui, sans-serif";

// Status colours of diffs and flashes.
export const STATUS_COLORS = { added: "#2e9e44", removed: "#d64545", changed: "#e0a100" };
const UNCHANGED = "#9aa3ad";

// Tableau 10: distinct, and readable on white, for node types; edge types
// get a muted version of the same hues so nodes stand out.
const NODE_PALETTE = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2",
  "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#86bcb6"];
const EDGE_PALETTE = ["#8aa4c4", "#f3b77b", "#93c08c", "#eb9a9b", "#a8d0cc",
  "#e6d18a", "#c9a9c1", "#f5c2c7", "#bca593", "#b3d3cf"];

// Palette gives each type a colour the first time it is seen and keeps
// it, so a type does not change colour when another appears.
export class Palette {
  constructor(colors) {
    this.colors = colors;
    this.byType = new Map();
  }

  color(type) {
    let c = this.byType.get(type);
    if (!c) {
      c = this.colors[this.byType.size % this.colors.length];
      this.byType.set(type, c);
    }
    return c;
  }

  // learn assigns colours to types in sorted order, so the first drawing
  // of a graph colours the same way every time.
  learn(types) {
    for (const t of [...types].sort()) this.color(t);
  }
}

export function nodePalette() { return new Palette(NODE_PALETTE); }
export function edgePalette() { return new Palette(EDGE_PALETTE); }

export class View {
  // onPick receives {kind: "node"|"edge", id} or null for a click on the
  // background.
  constructor(canvas, onPick) {
    this.canvas = canvas;
    this.ctx = canvas.getContext("2d");
    this.base = document.createElement("canvas");
    this.baseCtx = this.base.getContext("2d");
    this.onPick = onPick;
    this.scene = null;
    this.prepared = null; // what prepare derived from the scene
    this.scale = 1;
    this.tx = 0; // screen = world * scale + t, in CSS pixels
    this.ty = 0;
    this.size = null; // {w, h} of the canvas, in CSS pixels
    this.autoFit = false; // fit again as the layout settles, until the user moves
    this.shownUnmoved = false; // a new scene waits a frame before its layout moves
    this.baseAt = null; // {scale, tx, ty} the base was drawn at; null: draw it
    this.baseMs = 0; // how long the last base took
    this.pointer = null; // {x, y} over the canvas, in CSS pixels
    this.drag = null;
    this.gestureUntil = 0; // a wheel gesture lasts until then
    this.restTimer = 0;
    this.flashes = new Map(); // "node:id" / "edge:id" → {color, until}
    this.ghosts = []; // removed elements fading out: {node | edge, from, to, until}
    this.stats = { nodes: 0, edges: 0, added: 0, removed: 0, changed: 0 };
    this.labelStats = { drawn: 0, inView: 0, all: false };
    this.frameLog = []; // the last frames: {at, ms, base}
    this.frameRequested = false;
    this.listen();
    new ResizeObserver(() => this.resize()).observe(canvas);
    this.resize();
  }

  // show sets the scene and draws it now (not on the next frame), so a
  // caller knows the picture is on screen when show returns; with fit, the
  // view first zooms to it. A Scene is:
  //
  //	state       the GraphState to draw
  //	layout      its Layout
  //	nodeColor   node → CSS colour; edgeColor the same for edges
  //	size        Map node ID → weight in [0, 1], or null: all alike
  //	importance  Map node ID → weight in [0, 1]: which labels to keep
  //	diff        {node: Map id → status, edge: Map} or null
  //	selected    {kind, id} or null
  //	pinned      node IDs whose labels always show
  //
  // Only a change of state (or its revision), layout, colours, sizes or
  // diff draws the base again; a new selection redraws the overlay only.
  show(scene, { fit = false } = {}) {
    const old = this.scene;
    this.scene = scene;
    if (!scene) {
      this.prepared = null;
    } else if (!old || !this.prepared || ["state", "layout", "nodeColor", "edgeColor", "size", "importance", "diff"].some((k) => old[k] !== scene[k]) ||
        this.prepared.revision !== scene.state.revision) {
      this.prepared = prepare(scene);
      this.stats = this.prepared.stats;
      this.baseAt = null;
      this.shownUnmoved = true;
    }
    if (fit) {
      this.fitTransform();
      this.autoFit = !!scene?.layout.pending;
    }
    this.frame(false);
  }

  // settled tells whether the layout drawn has stopped moving.
  get settled() {
    return !this.scene || !this.scene.layout.pending;
  }

  // resize follows the canvas's size, keeping what was in the middle of
  // the view there (the timeline appearing under a fitted graph must not
  // cut off its bottom).
  resize() {
    const dpr = window.devicePixelRatio || 1;
    const w = this.canvas.clientWidth, h = this.canvas.clientHeight;
    if (this.size) {
      this.tx += (w - this.size.w) / 2;
      this.ty += (h - this.size.h) / 2;
    }
    this.size = { w, h };
    this.canvas.width = this.base.width = Math.max(1, Math.round(w * dpr));
    this.canvas.height = this.base.height = Math.max(1, Math.round(h * dpr));
    this.baseAt = null;
    this.frame(false);
  }

  // fit zooms and pans so every node of the scene is in view.
  fit() {
    this.fitTransform();
    this.autoFit = !!this.scene?.layout.pending;
    this.frame(false);
  }

  fitTransform() {
    const p = this.prepared;
    if (!p) return;
    let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
    for (const e of p.nodes) {
      minX = Math.min(minX, e.p.x - e.r); maxX = Math.max(maxX, e.p.x + e.r);
      minY = Math.min(minY, e.p.y - e.r); maxY = Math.max(maxY, e.p.y + e.r);
    }
    const w = this.canvas.clientWidth, h = this.canvas.clientHeight;
    if (minX === Infinity) {
      this.scale = 1; this.tx = w / 2; this.ty = h / 2;
      return;
    }
    // Room around, and below for the labels under the lowest nodes.
    const padX = 60, padY = 90;
    this.scale = clamp(Math.min((w - padX) / (maxX - minX), (h - padY) / (maxY - minY)), MIN_SCALE, FIT_MAX_SCALE);
    this.tx = w / 2 - ((minX + maxX) / 2) * this.scale;
    this.ty = h / 2 - ((minY + maxY) / 2) * this.scale - 8;
  }

  // centreOn pans to node id and zooms in to at least minScale.
  centreOn(id, minScale) {
    const e = this.prepared?.byID.get(id);
    if (!e) return;
    this.autoFit = false;
    this.scale = clamp(Math.max(this.scale, minScale), MIN_SCALE, MAX_SCALE);
    this.tx = this.canvas.clientWidth / 2 - e.p.x * this.scale;
    this.ty = this.canvas.clientHeight / 2 - e.p.y * this.scale;
    this.frame(false);
  }

  // zoomTo sets the zoom, about the centre of the view.
  zoomTo(scale) {
    this.zoomAt(this.canvas.clientWidth / 2, this.canvas.clientHeight / 2, scale / this.scale);
    this.frame(false);
  }

  // transform is how the world maps to the screen and back, as a setting
  // to restore later.
  get transform() {
    return { scale: this.scale, tx: this.tx, ty: this.ty };
  }

  set transform(t) {
    Object.assign(this, { scale: t.scale, tx: t.tx, ty: t.ty, autoFit: false });
    this.requestFrame();
  }

  // flash highlights what a transaction changed (the shape
  // GraphState.apply returns); removed elements fade out where they were.
  flash(changes) {
    const until = performance.now() + FLASH_MS;
    const layout = this.scene?.layout;
    for (const [kind, side] of [["node", changes.nodes], ["edge", changes.edges]]) {
      for (const x of side.added) this.flashes.set(kind + ":" + x.id, { color: STATUS_COLORS.added, until });
      for (const x of side.changed) this.flashes.set(kind + ":" + x.id, { color: STATUS_COLORS.changed, until });
      if (!layout) continue;
      for (const x of side.removed) {
        if (kind === "node" && layout.get(x.id)) this.ghosts.push({ node: x, at: layout.get(x.id), until });
        if (kind === "edge" && layout.get(x.source) && layout.get(x.target)) {
          this.ghosts.push({ edge: x, from: layout.get(x.source), to: layout.get(x.target), until });
        }
      }
    }
    this.requestFrame();
  }

  clearFlashes() {
    this.flashes.clear();
    this.ghosts = [];
  }

  requestFrame() {
    if (this.frameRequested) return;
    this.frameRequested = true;
    requestAnimationFrame(() => {
      this.frameRequested = false;
      this.frame(true);
    });
  }

  // gesturing tells whether the user is dragging or zooming.
  gesturing(now) {
    return !!this.drag?.moved || now < this.gestureUntil;
  }

  // frame draws one frame: a slice of layout (animating only: not in a
  // synchronous draw, which must be quick), the base if it is out of date
  // and affordable, then the base and the overlay on screen.
  frame(animating) {
    const t0 = performance.now();
    const s = this.scene, p = this.prepared;
    const ctx = this.ctx, dpr = window.devicePixelRatio || 1;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
    if (!s || !p) { this.labelStats = { drawn: 0, inView: 0, all: false }; return; }
    const gesturing = this.gesturing(t0);
    let more = false;
    // A new scene's first frame shows it as placed: the layout moves from
    // the next one on.
    if (animating && this.shownUnmoved) {
      this.shownUnmoved = false;
    } else if (animating && s.layout.pending && !gesturing) {
      more = s.layout.step(clamp(this.baseMs, LAYOUT_SLICE_MS, 30));
      this.baseAt = null;
      if (this.autoFit) this.fitTransform();
    }
    this.project(p);
    const at = this.baseAt;
    const stale = !at || at.scale !== this.scale || at.tx !== this.tx || at.ty !== this.ty;
    const drawBase = stale && (!gesturing || this.baseMs <= CHEAP_MS || !at);
    const tb = performance.now();
    if (drawBase) this.drawBase(p, dpr);
    // The base as drawn, moved and scaled to the present transform. (The
    // copy is also when a browser that records canvas commands runs the
    // base's, so the base's time is taken after it.)
    const b = this.baseAt, k = this.scale / b.scale;
    ctx.drawImage(this.base, dpr * (this.tx - b.tx * k), dpr * (this.ty - b.ty * k), this.base.width * k, this.base.height * k);
    if (drawBase) this.baseMs = performance.now() - tb;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    this.drawSelection(s, p);
    const flashing = this.drawFlashes(s, p, performance.now());
    this.drawLabels(s, p);
    this.logFrame(t0, drawBase);
    if (flashing || more || s.layout.pending) this.requestFrame();
  }

  logFrame(t0, base) {
    const now = performance.now();
    this.frameLog.push({ at: t0, ms: now - t0, base });
    if (this.frameLog.length > 600) this.frameLog.splice(0, 300);
  }

  // project puts every node on the screen: its position and radius in CSS
  // pixels, and whether it is in view.
  project(p) {
    const w = this.canvas.clientWidth, h = this.canvas.clientHeight;
    const s = this.scale;
    for (const e of p.nodes) {
      e.x = e.p.x * s + this.tx;
      e.y = e.p.y * s + this.ty;
      e.rs = Math.max(e.r * s, PX_MIN + (PX_HUB - PX_MIN) * e.weight);
      e.inView = e.x + e.rs >= 0 && e.y + e.rs >= 0 && e.x - e.rs <= w && e.y - e.rs <= h;
    }
  }

  // drawBase draws edges and nodes into the base canvas at the present
  // transform.
  drawBase(p, dpr) {
    const ctx = this.baseCtx;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, this.base.width, this.base.height);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    this.drawEdges(ctx, p, dpr);
    this.drawNodes(ctx, p);
    this.baseAt = { scale: this.scale, tx: this.tx, ty: this.ty };
  }

  // drawEdges draws the edges in view, one batch per colour, in paths of
  // at most a thousand segments (a rasteriser slows down on longer ones).
  drawEdges(ctx, p, dpr) {
    const w = this.canvas.clientWidth, h = this.canvas.clientHeight;
    let count = 0, ink = 0;
    const seen = [];
    for (const [style, list] of p.edgeBatches) {
      const ends = [];
      for (const { a, b } of list) {
        if (Math.max(a.x, b.x) < 0 || Math.min(a.x, b.x) > w || Math.max(a.y, b.y) < 0 || Math.min(a.y, b.y) > h) continue;
        ends.push(a, b);
        ink += Math.min(Math.hypot(a.x - b.x, a.y - b.y), w + h);
      }
      count += ends.length / 2;
      if (ends.length) seen.push([style, ends]);
    }
    // Lines wider than a device pixel cost many times more to draw, and
    // thousands of them would bury the nodes: a dense drawing gets thin
    // lines, fainter the more of the view they cover.
    const coverage = ink / (w * h);
    const dense = count > DENSE_EDGES;
    const fade = clamp(FULL_INK / Math.max(coverage, 1e-9), 0.12, 1);
    ctx.lineWidth = dense ? 1 / dpr : 1.2;
    const arrows = !dense && NODE_RADIUS * this.scale >= 3;
    for (const [style, ends] of seen) {
      ctx.globalAlpha = style.alpha * fade;
      ctx.strokeStyle = ctx.fillStyle = style.color;
      for (let from = 0; from < ends.length; from += 2000) {
        ctx.beginPath();
        for (let i = from; i < Math.min(ends.length, from + 2000); i += 2) {
          ctx.moveTo(ends[i].x, ends[i].y);
          ctx.lineTo(ends[i + 1].x, ends[i + 1].y);
        }
        ctx.stroke();
      }
      if (arrows) {
        ctx.beginPath();
        for (let i = 0; i < ends.length; i += 2) arrowhead(ctx, ends[i], ends[i + 1]);
        ctx.fill();
      }
    }
    ctx.globalAlpha = 1;
  }

  // drawNodes draws the nodes in view, one batch per colour: squares where
  // they are tiny, discs otherwise, with a white rim (which sets apart
  // discs that overlap) from RIM_PX.
  drawNodes(ctx, p) {
    ctx.strokeStyle = "#ffffff";
    ctx.lineWidth = 1;
    for (const [style, list] of p.nodeBatches) {
      ctx.globalAlpha = style.alpha;
      ctx.fillStyle = style.color;
      let discs = 0, rims = 0;
      for (const e of list) {
        if (!e.inView) continue;
        if (e.rs < SQUARE_PX) {
          const half = e.rs * 0.886; // a square of the disc's area
          ctx.fillRect(e.x - half, e.y - half, 2 * half, 2 * half);
        } else {
          discs++;
          if (e.rs >= RIM_PX) rims++;
        }
      }
      if (discs > 0) {
        ctx.beginPath();
        for (const e of list) if (e.inView && e.rs >= SQUARE_PX) circle(ctx, e);
        ctx.fill();
      }
      if (rims > 0) {
        ctx.beginPath();
        for (const e of list) if (e.inView && e.rs >= RIM_PX) circle(ctx, e);
        ctx.stroke();
      }
    }
    ctx.globalAlpha = 1;
  }

  drawSelection(s, p) {
    const sel = s.selected;
    if (!sel) return;
    const ctx = this.ctx;
    ctx.strokeStyle = "#1a1d21";
    ctx.lineWidth = 2.5;
    ctx.beginPath();
    if (sel.kind === "node") {
      const e = p.byID.get(sel.id);
      if (!e) return;
      ctx.arc(e.x, e.y, e.rs + 3, 0, 2 * Math.PI);
    } else {
      const e = p.edgeByID.get(sel.id);
      if (!e) return;
      segment(ctx, e.a, e.b);
    }
    ctx.stroke();
  }

  // drawFlashes draws fading rings on changed elements and fading ghosts of
  // removed ones; it returns whether any is still showing.
  drawFlashes(s, p, now) {
    const ctx = this.ctx;
    let live = false;
    for (const [key, f] of this.flashes) {
      const left = (f.until - now) / FLASH_MS;
      if (left <= 0) { this.flashes.delete(key); continue; }
      live = true;
      const [kind, id] = splitKey(key);
      ctx.globalAlpha = left;
      ctx.strokeStyle = f.color;
      ctx.beginPath();
      if (kind === "node") {
        const e = p.byID.get(id);
        if (!e) continue;
        ctx.lineWidth = 3;
        ctx.arc(e.x, e.y, e.rs + 4 + 8 * (1 - left), 0, 2 * Math.PI);
      } else {
        const e = p.edgeByID.get(id);
        if (!e) continue;
        ctx.lineWidth = 4;
        segment(ctx, e.a, e.b);
      }
      ctx.stroke();
    }
    this.ghosts = this.ghosts.filter((g) => g.until > now);
    for (const g of this.ghosts) {
      live = true;
      ctx.globalAlpha = 0.6 * (g.until - now) / FLASH_MS;
      ctx.strokeStyle = ctx.fillStyle = STATUS_COLORS.removed;
      ctx.beginPath();
      if (g.node) {
        ctx.arc(g.at.x * this.scale + this.tx, g.at.y * this.scale + this.ty, Math.max(NODE_RADIUS * this.scale, PX_MIN), 0, 2 * Math.PI);
        ctx.fill();
      } else {
        ctx.lineWidth = 2;
        segment(ctx, this.toScreen(g.from), this.toScreen(g.to));
        ctx.stroke();
      }
    }
    ctx.globalAlpha = 1;
    return live;
  }

  toScreen(pt) {
    return { x: pt.x * this.scale + this.tx, y: pt.y * this.scale + this.ty };
  }

  // drawLabels writes node labels as labels.js chooses them (and edge
  // types when zoomed in far), in screen space so text keeps its size.
  drawLabels(s, p) {
    const ctx = this.ctx;
    const w = this.canvas.clientWidth, h = this.canvas.clientHeight;
    ctx.font = LABEL_FONT;
    ctx.lineJoin = "round";
    ctx.lineWidth = 3;
    ctx.strokeStyle = "rgba(255,255,255,0.9)";
    // Edge types are in the legend; on the edges they help only when
    // zoomed in far enough that they do not cover one another.
    if (this.scale >= 2.5) {
      ctx.textAlign = "center";
      ctx.textBaseline = "middle";
      ctx.fillStyle = "#5b6470";
      for (const { edge, a, b } of p.edges) {
        const x = (a.x + b.x) / 2, y = (a.y + b.y) / 2;
        if (!edge.type || x < -50 || y < -20 || x > w + 50 || y > h + 20) continue;
        ctx.strokeText(edge.type, x, y);
        ctx.fillText(edge.type, x, y);
      }
    }
    const inView = p.nodes.filter((e) => e.inView);
    const pinned = [];
    for (const id of [s.selected?.kind === "node" ? s.selected.id : null, ...(s.pinned || [])]) {
      const e = id !== null && p.byID.get(id);
      if (e && e.inView) pinned.push(e);
    }
    const c = {
      scale: this.scale, width: w, height: h, inView, byWeight: p.byWeight, pinned,
      measure: (e) => ctx.measureText(e.text).width,
      near: this.pointer || { x: w / 2, y: h / 2 },
    };
    const chosen = chooseLabels(c);
    ctx.textAlign = "left";
    ctx.textBaseline = "top";
    ctx.fillStyle = "#1a1d21";
    for (const e of chosen) {
      ctx.strokeText(e.text, e.lx, e.ly);
      ctx.fillText(e.text, e.lx, e.ly);
    }
    this.labelStats = { drawn: chosen.length, inView: inView.length, all: allLabels(c) };
  }

  // screenPosition is where node id is drawn, in page pixels.
  screenPosition(id) {
    const e = this.prepared?.byID.get(id);
    if (!e) return null;
    const box = this.canvas.getBoundingClientRect();
    return [box.left + e.p.x * this.scale + this.tx, box.top + e.p.y * this.scale + this.ty];
  }

  // pick finds the node, else the edge, under screen point (x, y).
  pick(x, y) {
    const p = this.prepared;
    if (!p) return null;
    this.project(p);
    const slop = 4;
    let best = null, bestD = Infinity;
    for (const e of p.nodes) {
      if (!e.inView) continue;
      const d = Math.hypot(e.x - x, e.y - y);
      if (d <= e.rs + slop && d < bestD) { best = { kind: "node", id: e.id }; bestD = d; }
    }
    if (best) return best;
    for (const e of p.edges) {
      const d = distanceToSegment(x, y, e.a, e.b);
      if (d <= slop && d < bestD) { best = { kind: "edge", id: e.edge.id }; bestD = d; }
    }
    return best;
  }

  // listen wires wheel zoom (about the pointer), drag to pan and click to
  // pick. A press that moves more than a few pixels is a drag, not a click.
  listen() {
    const c = this.canvas;
    c.addEventListener("wheel", (ev) => {
      ev.preventDefault();
      this.gesture();
      this.zoomAt(ev.offsetX, ev.offsetY, Math.exp(-ev.deltaY * 0.0015));
    }, { passive: false });
    c.addEventListener("pointerdown", (ev) => {
      this.drag = { x: ev.clientX, y: ev.clientY, tx: this.tx, ty: this.ty, moved: false };
      c.setPointerCapture(ev.pointerId);
    });
    c.addEventListener("pointermove", (ev) => {
      this.pointer = { x: ev.offsetX, y: ev.offsetY };
      const drag = this.drag;
      if (!drag) {
        // The labels near the pointer follow it; the base stays.
        if (this.labelsFollowPointer()) this.requestFrame();
        return;
      }
      const mx = ev.clientX - drag.x, my = ev.clientY - drag.y;
      if (!drag.moved && Math.hypot(mx, my) < 4) return;
      drag.moved = true;
      this.autoFit = false;
      c.classList.add("dragging");
      this.tx = drag.tx + mx;
      this.ty = drag.ty + my;
      this.requestFrame();
    });
    c.addEventListener("pointerleave", () => {
      this.pointer = null;
      if (this.labelsFollowPointer()) this.requestFrame();
    });
    c.addEventListener("pointerup", (ev) => {
      const drag = this.drag;
      this.drag = null;
      c.classList.remove("dragging");
      if (drag && !drag.moved) this.onPick(this.pick(ev.offsetX, ev.offsetY));
      else this.requestFrame(); // the base, at rest
    });
    c.addEventListener("pointercancel", () => {
      this.drag = null;
      c.classList.remove("dragging");
      this.requestFrame();
    });
  }

  // labelsFollowPointer tells whether the labels drawn depend on where the
  // pointer is: when not every label shows.
  labelsFollowPointer() {
    return !!this.prepared && !this.labelStats.all;
  }

  // gesture notes a turn of the wheel: until it rests, frames may reuse
  // the base; at rest, one more frame draws it anew.
  gesture() {
    this.autoFit = false;
    this.gestureUntil = performance.now() + GESTURE_REST_MS;
    clearTimeout(this.restTimer);
    this.restTimer = setTimeout(() => this.requestFrame(), GESTURE_REST_MS + 10);
  }

  zoomAt(x, y, factor) {
    const scale = clamp(this.scale * factor, MIN_SCALE, MAX_SCALE);
    // Keep the world point under (x, y) where it is.
    this.tx = x - ((x - this.tx) / this.scale) * scale;
    this.ty = y - ((y - this.ty) / this.scale) * scale;
    this.scale = scale;
    this.requestFrame();
  }
}

// prepare derives from a scene what every frame needs: an entry per node
// (its position object, radius, weight, label) and per edge (its ends'
// entries), batched by style, with the counts the view reports.
function prepare(s) {
  const stats = { nodes: 0, edges: 0, added: 0, removed: 0, changed: 0 };
  const nodes = [], byID = new Map(), nodeBatches = new Map();
  const styles = new Map(); // "color|alpha" → style, so batches key on objects
  const styleOf = (kind, el) => {
    const st = style(s, kind, el, stats);
    const key = st.color + "|" + st.alpha;
    if (!styles.has(key)) styles.set(key, st);
    return styles.get(key);
  };
  for (const n of s.state.nodes.values()) {
    const pt = s.layout.get(n.id);
    if (!pt) continue;
    const weight = s.size ? s.size.get(n.id) ?? 0 : 0;
    const degree = s.importance?.get(n.id) ?? 0;
    const e = {
      id: n.id, p: pt, weight, rank: s.size ? weight + degree / 1000 : degree,
      r: s.size ? R_MIN + (R_MAX - R_MIN) * weight : NODE_RADIUS,
      text: labelOf(n), width: undefined, x: 0, y: 0, rs: 0, inView: false,
    };
    nodes.push(e);
    byID.set(n.id, e);
    const st = styleOf("node", n);
    if (!nodeBatches.has(st)) nodeBatches.set(st, []);
    nodeBatches.get(st).push(e);
  }
  const edges = [], edgeByID = new Map(), edgeBatches = new Map();
  for (const edge of s.state.edges.values()) {
    const a = byID.get(edge.source), b = byID.get(edge.target);
    if (!a || !b) continue;
    const e = { edge, a, b };
    edges.push(e);
    edgeByID.set(edge.id, e);
    const st = styleOf("edge", edge);
    if (!edgeBatches.has(st)) edgeBatches.set(st, []);
    edgeBatches.get(st).push(e);
  }
  const byWeight = [...nodes].sort((x, y) => y.rank - x.rank || (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
  return { revision: s.state.revision, nodes, byID, nodeBatches, edges, edgeByID, edgeBatches, byWeight, stats };
}

// style is how an element is drawn: its colour and opacity, from its
// diff status when there is a diff, else from the scene's colours; it
// counts the element into stats.
function style(s, kind, el, stats) {
  const status = s.diff ? s.diff[kind].get(el.id) : undefined;
  if (status) stats[status]++;
  if (status !== "removed") stats[kind + "s"]++;
  if (!s.diff) return { color: kind === "node" ? s.nodeColor(el) : s.edgeColor(el), alpha: 1 };
  if (!status) return { color: UNCHANGED, alpha: 0.45 };
  return { color: STATUS_COLORS[status], alpha: status === "removed" ? 0.35 : 1 };
}

// labelOf is what a node is called on screen: a name-like property when
// it has one, else its ID; long ones are cut.
export function labelOf(n) {
  const p = n.properties || {};
  let text = [p.name, p.label, p.title].find((v) => typeof v === "string" && v !== "") ?? n.id;
  if (text.length > 24) text = text.slice(0, 23) + "…";
  return text;
}

function circle(ctx, e) {
  ctx.moveTo(e.x + e.rs, e.y);
  ctx.arc(e.x, e.y, e.rs, 0, 2 * Math.PI);
}

function segment(ctx, a, b) {
  ctx.moveTo(a.x, a.y);
  ctx.lineTo(b.x, b.y);
}

// arrowhead adds a triangle at b's rim pointing from a to b, in screen
// space (a and b are node entries, projected).
function arrowhead(ctx, a, b) {
  const vx = b.x - a.x, vy = b.y - a.y;
  const d = Math.hypot(vx, vy);
  if (d < b.rs * 3) return;
  const ux = vx / d, uy = vy / d;
  const tipX = b.x - ux * b.rs, tipY = b.y - uy * b.rs;
  const len = 7, half = len * 0.45;
  ctx.moveTo(tipX, tipY);
  ctx.lineTo(tipX - ux * len - uy * half, tipY - uy * len + ux * half);
  ctx.lineTo(tipX - ux * len + uy * half, tipY - uy * len - ux * half);
  ctx.closePath();
}

function distanceToSegment(x, y, a, b) {
  const vx = b.x - a.x, vy = b.y - a.y;
  const len2 = vx * vx + vy * vy;
  const t = len2 === 0 ? 0 : clamp(((x - a.x) * vx + (y - a.y) * vy) / len2, 0, 1);
  return Math.hypot(a.x + t * vx - x, a.y + t * vy - y);
}

function splitKey(key) {
  const i = key.indexOf(":");
  return [key.slice(0, i), key.slice(i + 1)];
}

function clamp(v, lo, hi) {
  return Math.min(hi, Math.max(lo, v));
}
