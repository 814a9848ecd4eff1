// view.js: draws a graph state on a <canvas> and turns the mouse into
// zoom, pan and picks.
//
// A canvas rather than SVG: a few thousand elements redraw in a few
// milliseconds, where as many DOM nodes would make every pan crawl. To
// stay fast, elements are drawn in batches, one path per colour; labels
// and arrowheads only once they are big enough to read.
//
// The view draws a Scene: the state, the layout, the colours, and
// optionally a diff (a status per element) and the selection. Flashes
// (what a live transaction or a replay frame changed) fade out over
// FLASH_MS, animated with requestAnimationFrame while any is showing.
"use strict";

const NODE_RADIUS = 6; // world units
const FLASH_MS = 1600;
const MIN_SCALE = 0.02, MAX_SCALE = 8;

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
    this.onPick = onPick;
    this.scene = null;
    this.scale = 1;
    this.tx = 0; // screen = world * scale + t
    this.ty = 0;
    this.flashes = new Map(); // "node:id" / "edge:id" → {color, until}
    this.ghosts = []; // removed elements fading out: {node | edge, from, to, until}
    this.stats = { nodes: 0, edges: 0, added: 0, removed: 0, changed: 0 };
    this.frameRequested = false;
    this.listen();
    new ResizeObserver(() => this.resize()).observe(canvas);
    this.resize();
  }

  // show sets the scene and draws it now (not on the next frame), so a
  // caller knows the picture is on screen when show returns.
  show(scene) {
    this.scene = scene;
    this.draw();
  }

  resize() {
    const dpr = window.devicePixelRatio || 1;
    const w = this.canvas.clientWidth, h = this.canvas.clientHeight;
    this.canvas.width = Math.max(1, Math.round(w * dpr));
    this.canvas.height = Math.max(1, Math.round(h * dpr));
    this.draw();
  }

  // fit zooms and pans so every node of the scene is in view.
  fit() {
    const s = this.scene;
    if (!s) return;
    let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
    for (const id of s.state.nodes.keys()) {
      const p = s.layout.get(id);
      if (!p) continue;
      minX = Math.min(minX, p.x); maxX = Math.max(maxX, p.x);
      minY = Math.min(minY, p.y); maxY = Math.max(maxY, p.y);
    }
    const w = this.canvas.clientWidth, h = this.canvas.clientHeight;
    if (minX === Infinity) {
      this.scale = 1; this.tx = w / 2; this.ty = h / 2;
    } else {
      const pad = 60;
      const bw = maxX - minX + 2 * NODE_RADIUS, bh = maxY - minY + 2 * NODE_RADIUS;
      this.scale = clamp(Math.min((w - pad) / bw, (h - pad) / bh), MIN_SCALE, 2);
      this.tx = w / 2 - ((minX + maxX) / 2) * this.scale;
      this.ty = h / 2 - ((minY + maxY) / 2) * this.scale;
    }
    this.draw();
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
      this.draw();
    });
  }

  // draw paints the whole scene and counts what it drew into stats.
  draw() {
    const ctx = this.ctx, dpr = window.devicePixelRatio || 1;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
    const stats = { nodes: 0, edges: 0, added: 0, removed: 0, changed: 0 };
    const s = this.scene;
    if (!s) { this.stats = stats; return; }
    ctx.setTransform(dpr * this.scale, 0, 0, dpr * this.scale, dpr * this.tx, dpr * this.ty);
    const now = performance.now();
    this.drawEdges(s, stats);
    this.drawNodes(s, stats);
    const animating = this.drawFlashes(s, now);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    this.drawLabels(s);
    this.stats = stats;
    if (animating) this.requestFrame();
  }

  // style is how an element is drawn: its colour and opacity, from its
  // diff status when there is a diff, else from its type.
  style(s, kind, el, stats) {
    const status = s.diff ? s.diff[kind].get(el.id) : undefined;
    if (status) stats[status]++;
    if (status !== "removed") stats[kind + "s"]++;
    if (!s.diff) {
      return { color: (kind === "node" ? s.nodeColors : s.edgeColors).color(el.type), alpha: 1 };
    }
    if (!status) return { color: UNCHANGED, alpha: 0.45 };
    return { color: STATUS_COLORS[status], alpha: status === "removed" ? 0.35 : 1 };
  }

  drawEdges(s, stats) {
    const ctx = this.ctx;
    const batches = new Map(); // "color|alpha" → [edge, from, to, ...]
    for (const e of s.state.edges.values()) {
      const a = s.layout.get(e.source), b = s.layout.get(e.target);
      if (!a || !b) continue;
      const st = this.style(s, "edge", e, stats);
      const key = st.color + "|" + st.alpha;
      if (!batches.has(key)) batches.set(key, []);
      batches.get(key).push(e, a, b);
    }
    const arrows = NODE_RADIUS * this.scale >= 3;
    ctx.lineWidth = Math.max(1 / this.scale, 1.2);
    for (const [key, list] of batches) {
      const [color, alpha] = key.split("|");
      ctx.globalAlpha = Number(alpha);
      ctx.strokeStyle = color;
      ctx.fillStyle = color;
      ctx.beginPath();
      for (let i = 0; i < list.length; i += 3) segment(ctx, list[i + 1], list[i + 2]);
      ctx.stroke();
      if (arrows) {
        ctx.beginPath();
        for (let i = 0; i < list.length; i += 3) arrowhead(ctx, list[i + 1], list[i + 2], 1 / this.scale);
        ctx.fill();
      }
    }
    ctx.globalAlpha = 1;
  }

  drawNodes(s, stats) {
    const ctx = this.ctx;
    const batches = new Map();
    for (const n of s.state.nodes.values()) {
      const p = s.layout.get(n.id);
      if (!p) continue;
      const st = this.style(s, "node", n, stats);
      const key = st.color + "|" + st.alpha;
      if (!batches.has(key)) batches.set(key, []);
      batches.get(key).push(p);
    }
    // Keep a node a visible dot however far one zooms out.
    const r = Math.max(NODE_RADIUS, 1.5 / this.scale);
    ctx.lineWidth = 1 / this.scale;
    ctx.strokeStyle = "#ffffff";
    for (const [key, list] of batches) {
      const [color, alpha] = key.split("|");
      ctx.globalAlpha = Number(alpha);
      ctx.fillStyle = color;
      ctx.beginPath();
      for (const p of list) {
        ctx.moveTo(p.x + r, p.y);
        ctx.arc(p.x, p.y, r, 0, 2 * Math.PI);
      }
      ctx.fill();
      if (r * this.scale > 3) ctx.stroke();
    }
    ctx.globalAlpha = 1;
    this.drawSelection(s, r);
  }

  drawSelection(s, r) {
    const sel = s.selected;
    if (!sel) return;
    const ctx = this.ctx;
    ctx.strokeStyle = "#1a1d21";
    ctx.lineWidth = 2.5 / this.scale;
    ctx.beginPath();
    if (sel.kind === "node") {
      const p = s.layout.get(sel.id);
      if (!p || !s.state.nodes.has(sel.id)) return;
      ctx.arc(p.x, p.y, r + 3 / this.scale, 0, 2 * Math.PI);
    } else {
      const e = s.state.edges.get(sel.id);
      const a = e && s.layout.get(e.source), b = e && s.layout.get(e.target);
      if (!a || !b) return;
      segment(ctx, a, b);
    }
    ctx.stroke();
  }

  // drawFlashes draws fading rings on changed elements and fading ghosts of
  // removed ones; it returns whether any is still showing.
  drawFlashes(s, now) {
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
        const p = s.layout.get(id);
        if (!p || !s.state.nodes.has(id)) continue;
        ctx.lineWidth = 3 / this.scale;
        ctx.arc(p.x, p.y, NODE_RADIUS + (4 + 8 * (1 - left)) / this.scale, 0, 2 * Math.PI);
      } else {
        const e = s.state.edges.get(id);
        const a = e && s.layout.get(e.source), b = e && s.layout.get(e.target);
        if (!a || !b) continue;
        ctx.lineWidth = 4 / this.scale;
        segment(ctx, a, b);
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
        ctx.arc(g.at.x, g.at.y, NODE_RADIUS, 0, 2 * Math.PI);
        ctx.fill();
      } else {
        ctx.lineWidth = 2 / this.scale;
        segment(ctx, g.from, g.to);
        ctx.stroke();
      }
    }
    ctx.globalAlpha = 1;
    return live;
  }

  // drawLabels writes node names (and edge types when zoomed in far),
  // in screen space so text keeps its size, and only for what is in view.
  drawLabels(s) {
    const few = s.state.nodes.size <= 80;
    if (!(this.scale >= 0.7 || (few && this.scale >= 0.35))) return;
    const ctx = this.ctx;
    const w = this.canvas.clientWidth, h = this.canvas.clientHeight;
    ctx.font = "11px system-ui, sans-serif";
    ctx.textBaseline = "middle";
    ctx.lineJoin = "round";
    ctx.lineWidth = 3;
    ctx.strokeStyle = "rgba(255,255,255,0.9)";
    ctx.fillStyle = "#1a1d21";
    const dy = NODE_RADIUS * this.scale + 8;
    // Edge types are in the legend; on the edges they help only when
    // zoomed in far enough that they do not cover one another.
    if (this.scale >= 2.5) {
      ctx.textAlign = "center";
      ctx.fillStyle = "#5b6470";
      for (const e of s.state.edges.values()) {
        const a = s.layout.get(e.source), b = s.layout.get(e.target);
        if (!a || !b || !e.type) continue;
        const x = ((a.x + b.x) / 2) * this.scale + this.tx, y = ((a.y + b.y) / 2) * this.scale + this.ty;
        if (x < -50 || y < -20 || x > w + 50 || y > h + 20) continue;
        ctx.strokeText(e.type, x, y);
        ctx.fillText(e.type, x, y);
      }
      ctx.fillStyle = "#1a1d21";
    }
    ctx.textAlign = "center";
    for (const n of s.state.nodes.values()) {
      const p = s.layout.get(n.id);
      if (!p) continue;
      const x = p.x * this.scale + this.tx, y = p.y * this.scale + this.ty + dy;
      if (x < -100 || y < -20 || x > w + 100 || y > h + 20) continue;
      const text = labelOf(n);
      ctx.strokeText(text, x, y);
      ctx.fillText(text, x, y);
    }
  }

  // screenPosition is where node id is drawn, in page pixels.
  screenPosition(id) {
    const p = this.scene?.layout.get(id);
    if (!p || !this.scene.state.nodes.has(id)) return null;
    const box = this.canvas.getBoundingClientRect();
    return [box.left + p.x * this.scale + this.tx, box.top + p.y * this.scale + this.ty];
  }

  // pick finds the node, else the edge, under screen point (x, y).
  pick(x, y) {
    const s = this.scene;
    if (!s) return null;
    const wx = (x - this.tx) / this.scale, wy = (y - this.ty) / this.scale;
    const slop = 4 / this.scale;
    let best = null, bestD = Infinity;
    for (const id of s.state.nodes.keys()) {
      const p = s.layout.get(id);
      if (!p) continue;
      const d = Math.hypot(p.x - wx, p.y - wy);
      if (d <= Math.max(NODE_RADIUS, 1.5 / this.scale) + slop && d < bestD) { best = { kind: "node", id }; bestD = d; }
    }
    if (best) return best;
    for (const e of s.state.edges.values()) {
      const a = s.layout.get(e.source), b = s.layout.get(e.target);
      if (!a || !b) continue;
      const d = distanceToSegment(wx, wy, a, b);
      if (d <= slop && d < bestD) { best = { kind: "edge", id: e.id }; bestD = d; }
    }
    return best;
  }

  // listen wires wheel zoom (about the pointer), drag to pan and click to
  // pick. A press that moves more than a few pixels is a drag, not a click.
  listen() {
    const c = this.canvas;
    c.addEventListener("wheel", (ev) => {
      ev.preventDefault();
      const factor = Math.exp(-ev.deltaY * 0.0015);
      this.zoomAt(ev.offsetX, ev.offsetY, factor);
    }, { passive: false });
    let drag = null;
    c.addEventListener("pointerdown", (ev) => {
      drag = { x: ev.clientX, y: ev.clientY, tx: this.tx, ty: this.ty, moved: false };
      c.setPointerCapture(ev.pointerId);
    });
    c.addEventListener("pointermove", (ev) => {
      if (!drag) return;
      const mx = ev.clientX - drag.x, my = ev.clientY - drag.y;
      if (!drag.moved && Math.hypot(mx, my) < 4) return;
      drag.moved = true;
      c.classList.add("dragging");
      this.tx = drag.tx + mx;
      this.ty = drag.ty + my;
      this.requestFrame();
    });
    c.addEventListener("pointerup", (ev) => {
      if (drag && !drag.moved) this.onPick(this.pick(ev.offsetX, ev.offsetY));
      drag = null;
      c.classList.remove("dragging");
    });
    c.addEventListener("pointercancel", () => { drag = null; c.classList.remove("dragging"); });
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

// labelOf is what a node is called on screen: a name-like property when
// it has one, else its ID; long ones are cut.
export function labelOf(n) {
  const p = n.properties || {};
  let text = [p.name, p.label, p.title].find((v) => typeof v === "string" && v !== "") ?? n.id;
  if (text.length > 24) text = text.slice(0, 23) + "…";
  return text;
}

function segment(ctx, a, b) {
  ctx.moveTo(a.x, a.y);
  ctx.lineTo(b.x, b.y);
}

// arrowhead adds a triangle at b's rim pointing from a to b; unit is one
// screen pixel in world units.
function arrowhead(ctx, a, b, unit) {
  const vx = b.x - a.x, vy = b.y - a.y;
  const d = Math.hypot(vx, vy);
  if (d < NODE_RADIUS * 3) return;
  const ux = vx / d, uy = vy / d;
  const tipX = b.x - ux * NODE_RADIUS, tipY = b.y - uy * NODE_RADIUS;
  const len = Math.max(7 * unit, 4), half = len * 0.45;
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
