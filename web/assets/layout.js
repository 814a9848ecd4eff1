// layout.js: where each node sits, in world units.
//
// The layout is incremental and deterministic. A node keeps its position
// for as long as the viewer shows its graph (through live updates, history
// and diffs, and even after it is removed, so it comes back where it was);
// only nodes without a position are placed. A new node starts next to its
// placed neighbours (or, with none, just outside what is drawn), then a
// bounded number of force-directed steps moves the new nodes only. The
// first load is the same operation with every node new. Nothing here uses
// Math.random: the same graph gives the same picture.
//
// Forces are Fruchterman–Reingold's (attraction d²/k along edges,
// repulsion k²/d between nodes), with repulsion cut off beyond a few edge
// lengths and found through a uniform grid, so a step costs O(n) rather
// than O(n²): 2,000 elements lay out in tens of milliseconds.
"use strict";

export const EDGE_LENGTH = 40; // k: the length an edge relaxes to
const CUTOFF = 2.5 * EDGE_LENGTH; // repulsion range, and the grid's cell size
const GRAVITY = 0.01; // pulls loose parts toward the origin
const MAX_CELLS = 512; // grid cells a side, at most

export class Layout {
  constructor() {
    this.pos = new Map(); // node id → {x, y}
    this.roots = 0; // nodes placed with no placed neighbour, for spacing them out
  }

  get(id) {
    return this.pos.get(id);
  }

  // place gives every node of state a position and returns how many it
  // placed. Existing positions never move.
  place(state) {
    const fresh = [];
    for (const id of state.nodes.keys()) if (!this.pos.has(id)) fresh.push(id);
    if (fresh.length === 0) return 0;
    fresh.sort();
    const adj = adjacency(state);
    const everything = fresh.length === state.nodes.size;
    this.seed(state, fresh, adj);
    const n = state.nodes.size;
    // A first layout needs room to untangle; a few new nodes among fixed
    // ones only need to settle.
    const iterations = everything ? Math.max(40, Math.min(200, Math.round(100000 / n))) : 60;
    const heat = everything ? EDGE_LENGTH * Math.max(2, Math.sqrt(n) / 4) : EDGE_LENGTH;
    this.relax(state, new Set(fresh), iterations, heat);
    return fresh.length;
  }

  // seed puts each fresh node near its neighbours, breadth first, so a new
  // branch grows out of the node it hangs on. A part of the graph with no
  // placed node starts at its best-connected node, just outside the
  // drawing.
  seed(state, fresh, adj) {
    const pending = new Set(fresh);
    const queue = [];
    const visit = () => {
      for (let head = 0; head < queue.length; head++) {
        const id = queue[head];
        if (!pending.has(id)) continue;
        pending.delete(id);
        this.pos.set(id, this.nearNeighbours(id, adj.get(id)));
        for (const m of adj.get(id)) if (pending.has(m)) queue.push(m);
      }
      queue.length = 0;
    };
    for (const id of fresh) {
      if (adj.get(id).some((m) => this.pos.has(m))) queue.push(id);
    }
    visit();
    let radius = this.radius(state);
    const roots = [...pending].sort((a, b) => adj.get(b).length - adj.get(a).length || cmp(a, b));
    for (const root of roots) {
      if (!pending.has(root)) continue;
      pending.delete(root);
      this.pos.set(root, this.outside(root, radius));
      for (const m of adj.get(root)) if (pending.has(m)) queue.push(m);
      visit();
      radius = this.radius(state);
    }
  }

  // nearNeighbours is a spot one edge length from the centre of the placed
  // neighbours, in a direction given by the node's ID.
  nearNeighbours(id, neighbours) {
    let x = 0, y = 0, k = 0;
    for (const m of neighbours) {
      const p = this.pos.get(m);
      if (p) { x += p.x; y += p.y; k++; }
    }
    const a = angleOf(id);
    return { x: x / k + Math.cos(a) * EDGE_LENGTH, y: y / k + Math.sin(a) * EDGE_LENGTH };
  }

  // outside is a spot at the rim of what is drawn, on a golden-angle
  // spiral: each spot adds about two edge lengths squared of area, so a
  // run of loose nodes fills a ring instead of a line.
  outside(id, radius) {
    const i = this.roots++;
    const r = i === 0 && radius === 0 ? 0 : Math.sqrt(radius * radius + 2 * EDGE_LENGTH * EDGE_LENGTH);
    const a = i * 2.399963229728653; // the golden angle
    return { x: Math.cos(a) * r, y: Math.sin(a) * r };
  }

  // radius is how far from the origin the placed nodes of state reach.
  radius(state) {
    let r2 = 0;
    for (const id of state.nodes.keys()) {
      const p = this.pos.get(id);
      if (p) r2 = Math.max(r2, p.x * p.x + p.y * p.y);
    }
    return Math.sqrt(r2);
  }

  // relax runs force-directed steps that move only the nodes in mobile;
  // every node pushes and pulls. heat bounds a step's move and cools to 0.
  relax(state, mobile, iterations, heat) {
    const ids = [...state.nodes.keys()];
    const index = new Map(ids.map((id, i) => [id, i]));
    const n = ids.length;
    const xs = new Float64Array(n), ys = new Float64Array(n);
    const dx = new Float64Array(n), dy = new Float64Array(n);
    const moves = new Uint8Array(n);
    ids.forEach((id, i) => {
      const p = this.pos.get(id);
      xs[i] = p.x; ys[i] = p.y;
      moves[i] = mobile.has(id) ? 1 : 0;
    });
    const springs = [];
    for (const e of state.edges.values()) {
      const a = index.get(e.source), b = index.get(e.target);
      if (a !== undefined && b !== undefined && a !== b) springs.push(a, b);
    }
    const k2 = EDGE_LENGTH * EDGE_LENGTH;
    for (let it = 0; it < iterations; it++) {
      dx.fill(0); dy.fill(0);
      repel(xs, ys, moves, dx, dy, k2);
      for (let s = 0; s < springs.length; s += 2) {
        const a = springs[s], b = springs[s + 1];
        const vx = xs[b] - xs[a], vy = ys[b] - ys[a];
        const d = Math.sqrt(vx * vx + vy * vy) || 0.01;
        const f = d / EDGE_LENGTH; // (d²/k)/d: the unit vector folded in
        if (moves[a]) { dx[a] += vx * f; dy[a] += vy * f; }
        if (moves[b]) { dx[b] -= vx * f; dy[b] -= vy * f; }
      }
      const t = heat * (1 - it / iterations);
      for (let i = 0; i < n; i++) {
        if (!moves[i]) continue;
        dx[i] -= xs[i] * GRAVITY;
        dy[i] -= ys[i] * GRAVITY;
        const d = Math.sqrt(dx[i] * dx[i] + dy[i] * dy[i]);
        if (d > t) { dx[i] *= t / d; dy[i] *= t / d; }
        xs[i] += dx[i]; ys[i] += dy[i];
      }
    }
    ids.forEach((id, i) => {
      if (moves[i]) this.pos.set(id, { x: xs[i], y: ys[i] });
    });
  }
}

// repel adds to dx, dy the push of every node within CUTOFF on each mobile
// node. Nodes are bucketed into a grid of CUTOFF-sized cells (a counting
// sort into typed arrays, rebuilt every step), so each node looks only at
// the nine cells around its own.
function repel(xs, ys, moves, dx, dy, k2) {
  const n = xs.length;
  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
  for (let i = 0; i < n; i++) {
    minX = Math.min(minX, xs[i]); maxX = Math.max(maxX, xs[i]);
    minY = Math.min(minY, ys[i]); maxY = Math.max(maxY, ys[i]);
  }
  // A far outlier would make the grid huge: beyond MAX_CELLS a side, nodes
  // share the border cells, which costs time, never correctness.
  const cols = Math.min(MAX_CELLS, Math.floor((maxX - minX) / CUTOFF) + 1);
  const rows = Math.min(MAX_CELLS, Math.floor((maxY - minY) / CUTOFF) + 1);
  const cellX = new Int32Array(n), cellY = new Int32Array(n);
  const start = new Int32Array(cols * rows + 1);
  for (let i = 0; i < n; i++) {
    cellX[i] = Math.min(cols - 1, Math.floor((xs[i] - minX) / CUTOFF));
    cellY[i] = Math.min(rows - 1, Math.floor((ys[i] - minY) / CUTOFF));
    start[cellY[i] * cols + cellX[i] + 1]++;
  }
  for (let c = 0; c < cols * rows; c++) start[c + 1] += start[c];
  const fill = start.slice(0, cols * rows);
  const members = new Int32Array(n);
  for (let i = 0; i < n; i++) members[fill[cellY[i] * cols + cellX[i]]++] = i;

  const cut2 = CUTOFF * CUTOFF;
  for (let i = 0; i < n; i++) {
    if (!moves[i]) continue;
    const x = xs[i], y = ys[i];
    let fx = 0, fy = 0;
    for (let cy = Math.max(0, cellY[i] - 1); cy <= Math.min(rows - 1, cellY[i] + 1); cy++) {
      for (let cx = Math.max(0, cellX[i] - 1); cx <= Math.min(cols - 1, cellX[i] + 1); cx++) {
        const c = cy * cols + cx;
        for (let m = start[c]; m < start[c + 1]; m++) {
          const j = members[m];
          if (j === i) continue;
          let vx = x - xs[j], vy = y - ys[j];
          let d2 = vx * vx + vy * vy;
          if (d2 > cut2) continue;
          if (d2 < 0.01) {
            // Two nodes on one spot: part them along a direction fixed by
            // their indices, so the result does not depend on chance.
            vx = Math.cos(i * 7 + j); vy = Math.sin(i * 7 + j); d2 = 1;
          }
          const f = k2 / d2; // (k²/d)/d: the unit vector folded in
          fx += vx * f; fy += vy * f;
        }
      }
    }
    dx[i] += fx; dy[i] += fy;
  }
}

// adjacency maps every node of state to its neighbours (both directions).
function adjacency(state) {
  const adj = new Map();
  for (const id of state.nodes.keys()) adj.set(id, []);
  for (const e of state.edges.values()) {
    const a = adj.get(e.source), b = adj.get(e.target);
    if (a && b && e.source !== e.target) { a.push(e.target); b.push(e.source); }
  }
  return adj;
}

// angleOf turns an ID into a direction: FNV-1a of its UTF-16 code units.
export function angleOf(id) {
  return (hash(id) / 4294967296) * 2 * Math.PI;
}

export function hash(s) {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function cmp(a, b) {
  return a < b ? -1 : a > b ? 1 : 0;
}
