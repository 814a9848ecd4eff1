// layout.js: where each node sits, in world units.
//
// The layout is incremental and deterministic. A node keeps its position
// for as long as the viewer shows its graph (through live updates, history
// and diffs, and even after it is removed, so it comes back where it was);
// only nodes without a position are placed, and only they move while they
// settle. Nothing here uses Math.random: the same graph gives the same
// picture.
//
// Placing has two steps:
//
//  1. Seeding, at once and in O(n): a new node starts next to its placed
//     neighbours, breadth first. A part of the graph with no placed node
//     (every part, on a first load) starts on the rim of what is drawn and
//     grows out from its best-connected node; then its nodes are spread
//     to an even density, keeping each one's direction from that node and
//     the order of their distances. That start is already readable, and it
//     is what the first drawing shows.
//  2. Relaxation: force-directed steps that move the new nodes only. A
//     small job runs to its end inside place; a large one (a first load of
//     thousands of nodes) is left pending, and the view runs it in slices
//     of a few milliseconds a frame (step), so the drawing appears at once
//     and settles while the user can already pan. A job's outcome does not
//     depend on how it is sliced.
//
// Forces are Fruchterman–Reingold's repulsion k²/d between nodes, cut off
// beyond a few edge lengths and found through a uniform grid, so a step
// costs O(n) rather than O(n²); and along edges a pull d, linear (as in
// ForceAtlas2) rather than FR's d²/k: both balance the push at d = k, but
// d²/k lets the long edges of a large graph crush it into a ball, where a
// linear pull keeps its clusters apart.
"use strict";

export const EDGE_LENGTH = 40; // k: the length an edge relaxes to
const CUTOFF = 2.5 * EDGE_LENGTH; // repulsion range, and the grid's cell size
const GRAVITY = 0.01; // pulls loose parts toward the origin
const MAX_CELLS = 512; // grid cells a side, at most
const SPACING = EDGE_LENGTH / 2; // a fresh part of n nodes is spread over a disc of radius SPACING·√n
const SYNC_WORK = 60000; // node-steps (nodes × iterations) a job may run inside place

export class Layout {
  constructor() {
    this.pos = new Map(); // node id → {x, y}; a node's object is kept, and moved in place
    this.roots = 0; // parts placed with no placed neighbour, for spacing them out
    this.job = null; // the pending Relaxation, if any
  }

  get(id) {
    return this.pos.get(id);
  }

  // pending tells whether nodes are still settling (see step).
  get pending() {
    return this.job !== null;
  }

  // pin puts node id at (x, y) unless it has a position: a node placed
  // before the others, which they grow around.
  pin(id, x, y) {
    if (!this.pos.has(id)) this.pos.set(id, { x, y });
  }

  // place gives every node of state a position and returns how many it
  // placed. Existing positions never move, except those of nodes still
  // settling from an earlier place.
  place(state) {
    const fresh = [];
    for (const id of state.nodes.keys()) if (!this.pos.has(id)) fresh.push(id);
    if (fresh.length === 0) return 0;
    fresh.sort(cmp);
    const adj = state.adjacency().neighbours;
    // Mostly new nodes (a first load, a neighbourhood around its one
    // pinned node, a large import) are a first layout: they need room to
    // untangle; a few new nodes among fixed ones only need to settle.
    const first = fresh.length * 2 > state.nodes.size;
    this.seed(state, fresh, adj, first);
    const n = state.nodes.size;
    let iterations = first ? clamp(Math.round(400000 / n), 120, 300) : 60;
    let heat = first ? 2 * EDGE_LENGTH : EDGE_LENGTH;
    const mobile = new Set(fresh);
    if (this.job) {
      // Nodes still settling go on settling with the new ones, in the
      // current state's forces.
      for (const id of this.job.mobileIDs()) if (state.nodes.has(id)) mobile.add(id);
      iterations = Math.max(iterations, this.job.left());
      heat = Math.max(heat, this.job.heatNow());
    }
    this.job = new Relaxation(state, this.pos, mobile, iterations, heat);
    if (this.job.work() <= SYNC_WORK) this.step(Infinity);
    return fresh.length;
  }

  // step relaxes the pending job for about ms milliseconds (at least one
  // iteration) and returns whether it is still pending.
  step(ms) {
    if (!this.job) return false;
    if (this.job.run(performance.now() + ms)) this.job = null;
    return this.job !== null;
  }

  // seed puts each fresh node near its neighbours, breadth first, so a new
  // branch grows out of the node it hangs on; a part with no placed node
  // starts on the rim. In a first layout, every part grown is spread
  // evenly.
  seed(state, fresh, adj, first) {
    const pending = new Set(fresh);
    const queue = [];
    const visit = () => {
      const placed = [];
      for (let head = 0; head < queue.length; head++) {
        const id = queue[head];
        if (!pending.has(id)) continue;
        pending.delete(id);
        this.pos.set(id, this.nearNeighbours(id, adj.get(id)));
        placed.push(id);
        for (const m of adj.get(id)) if (pending.has(m)) queue.push(m);
      }
      queue.length = 0;
      return placed;
    };
    const anchors = new Set(); // placed nodes the fresh ones hang on
    for (const id of fresh) {
      const placed = adj.get(id).filter((m) => this.pos.has(m));
      if (placed.length === 0) continue;
      queue.push(id);
      for (const m of placed) anchors.add(m);
    }
    const grown = visit();
    if (first && anchors.size > 0) spread(grown, centreOf([...anchors].map((id) => this.pos.get(id))), this.pos);
    if (pending.size === 0) return;
    let extent = this.extent(state);
    const roots = [...pending].sort((a, b) => adj.get(b).length - adj.get(a).length || cmp(a, b));
    for (const root of roots) {
      if (!pending.has(root)) continue;
      pending.delete(root);
      const size = componentSize(root, adj, pending);
      const reach = SPACING * Math.sqrt(size);
      const centre = this.outside(extent, reach);
      this.pos.set(root, centre);
      for (const m of adj.get(root)) if (pending.has(m)) queue.push(m);
      spread(visit(), centre, this.pos);
      // The drawn area grows by the part's: a run of loose nodes makes a
      // ring around what is drawn, not a spiral out to far away.
      extent = extent === 0 ? reach : Math.sqrt(extent * extent + 2 * size * SPACING * SPACING);
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

  // outside is the centre for a new part reaching reach from it: the
  // origin for the first, else just beyond extent, on a golden-angle
  // spiral so that a run of loose nodes fills a ring instead of a line.
  outside(extent, reach) {
    const i = this.roots++;
    if (i === 0 && extent === 0) return { x: 0, y: 0 };
    const r = extent + Math.max(reach, EDGE_LENGTH);
    const a = i * 2.399963229728653; // the golden angle
    return { x: Math.cos(a) * r, y: Math.sin(a) * r };
  }

  // extent is how far from the origin the placed nodes of state reach.
  extent(state) {
    let r2 = 0;
    for (const id of state.nodes.keys()) {
      const p = this.pos.get(id);
      if (p) r2 = Math.max(r2, p.x * p.x + p.y * p.y);
    }
    return Math.sqrt(r2);
  }
}

// Relaxation is one force-directed job over a state's nodes and edges, as
// they were when it began: the mobile nodes move, every node pushes and
// pulls. Its heat bounds a step's move and cools linearly to 0 over its
// iterations; each run writes the positions back into the layout's
// objects.
class Relaxation {
  constructor(state, pos, mobile, iterations, heat) {
    this.ids = [...state.nodes.keys()];
    const n = this.ids.length;
    const index = new Map(this.ids.map((id, i) => [id, i]));
    this.points = this.ids.map((id) => pos.get(id));
    this.xs = new Float64Array(n);
    this.ys = new Float64Array(n);
    this.dx = new Float64Array(n);
    this.dy = new Float64Array(n);
    this.moves = new Uint8Array(n);
    this.mobile = 0;
    this.points.forEach((p, i) => {
      this.xs[i] = p.x; this.ys[i] = p.y;
      if (mobile.has(this.ids[i])) { this.moves[i] = 1; this.mobile++; }
    });
    const springs = [];
    for (const e of state.edges.values()) {
      const a = index.get(e.source), b = index.get(e.target);
      if (a !== undefined && b !== undefined && a !== b) springs.push(a, b);
    }
    this.springs = Int32Array.from(springs);
    this.grid = new Grid(n);
    this.it = 0;
    this.iterations = iterations;
    this.heat = heat;
  }

  work() {
    return (this.mobile + this.ids.length / 4) * (this.iterations - this.it);
  }

  left() {
    return this.iterations - this.it;
  }

  heatNow() {
    return this.heat * (1 - this.it / this.iterations);
  }

  *mobileIDs() {
    for (let i = 0; i < this.ids.length; i++) if (this.moves[i]) yield this.ids[i];
  }

  // run iterates until done or past deadline (a performance.now() time),
  // writes the positions back and returns whether it is done.
  run(deadline) {
    do {
      this.iterate();
    } while (this.it < this.iterations && performance.now() < deadline);
    const { xs, ys, moves, points } = this;
    for (let i = 0; i < points.length; i++) {
      if (moves[i]) { points[i].x = xs[i]; points[i].y = ys[i]; }
    }
    return this.it >= this.iterations;
  }

  iterate() {
    const { xs, ys, dx, dy, moves, springs } = this;
    const n = xs.length;
    dx.fill(0); dy.fill(0);
    this.grid.repel(xs, ys, moves, dx, dy);
    for (let s = 0; s < springs.length; s += 2) {
      const a = springs[s], b = springs[s + 1];
      const vx = xs[b] - xs[a], vy = ys[b] - ys[a];
      const d = Math.sqrt(vx * vx + vy * vy) || 0.01;
      const f = 1; // d/d: the unit vector folded in
      if (moves[a]) { dx[a] += vx * f; dy[a] += vy * f; }
      if (moves[b]) { dx[b] -= vx * f; dy[b] -= vy * f; }
    }
    const t = this.heatNow();
    for (let i = 0; i < n; i++) {
      if (!moves[i]) continue;
      dx[i] -= xs[i] * GRAVITY;
      dy[i] -= ys[i] * GRAVITY;
      const d = Math.sqrt(dx[i] * dx[i] + dy[i] * dy[i]);
      if (d > t) { dx[i] *= t / d; dy[i] *= t / d; }
      xs[i] += dx[i]; ys[i] += dy[i];
    }
    this.it++;
  }
}

// Grid finds, for repulsion, the nodes within CUTOFF of each node: nodes
// are bucketed into CUTOFF-sized cells (a counting sort into typed arrays,
// rebuilt every step), so each node looks only at the nine cells around
// its own. Its arrays are kept between steps.
class Grid {
  constructor(n) {
    this.cellX = new Int32Array(n);
    this.cellY = new Int32Array(n);
    this.members = new Int32Array(n);
    this.start = new Int32Array(1);
  }

  // repel adds to dx, dy the push of every node within CUTOFF on each
  // mobile node.
  repel(xs, ys, moves, dx, dy) {
    const n = xs.length;
    const { cellX, cellY, members } = this;
    let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
    for (let i = 0; i < n; i++) {
      minX = Math.min(minX, xs[i]); maxX = Math.max(maxX, xs[i]);
      minY = Math.min(minY, ys[i]); maxY = Math.max(maxY, ys[i]);
    }
    // A far outlier would make the grid huge: beyond MAX_CELLS a side,
    // nodes share the border cells, which costs time, never correctness.
    const cols = Math.min(MAX_CELLS, Math.floor((maxX - minX) / CUTOFF) + 1);
    const rows = Math.min(MAX_CELLS, Math.floor((maxY - minY) / CUTOFF) + 1);
    const cells = cols * rows;
    if (this.start.length < cells + 1) this.start = new Int32Array(cells + 1);
    const start = this.start;
    start.fill(0, 0, cells + 1);
    for (let i = 0; i < n; i++) {
      cellX[i] = Math.min(cols - 1, Math.floor((xs[i] - minX) / CUTOFF));
      cellY[i] = Math.min(rows - 1, Math.floor((ys[i] - minY) / CUTOFF));
      start[cellY[i] * cols + cellX[i] + 1]++;
    }
    for (let c = 0; c < cells; c++) start[c + 1] += start[c];
    const fill = start.slice(0, cells);
    for (let i = 0; i < n; i++) members[fill[cellY[i] * cols + cellX[i]]++] = i;

    // Each pair is met once: within a cell, and between a cell and the
    // four of its neighbours that come after it (right, and the three
    // below, which are contiguous in members).
    for (let cy = 0; cy < rows; cy++) {
      for (let cx = 0; cx < cols; cx++) {
        const c = cy * cols + cx;
        for (let m = start[c]; m < start[c + 1]; m++) {
          const i = members[m];
          pairs(i, members, m + 1, start[c + 1 + (cx + 1 < cols ? 1 : 0)], xs, ys, moves, dx, dy);
          if (cy + 1 < rows) {
            const below = (cy + 1) * cols;
            pairs(i, members, start[below + Math.max(0, cx - 1)], start[below + Math.min(cols - 1, cx + 1) + 1], xs, ys, moves, dx, dy);
          }
        }
      }
    }
  }
}

// pairs adds the push between node i and each node members[from..to)
// within CUTOFF, to whichever of the two is mobile.
function pairs(i, members, from, to, xs, ys, moves, dx, dy) {
  const k2 = EDGE_LENGTH * EDGE_LENGTH, cut2 = CUTOFF * CUTOFF;
  const x = xs[i], y = ys[i], mi = moves[i];
  let fx = 0, fy = 0;
  for (let m = from; m < to; m++) {
    const j = members[m];
    if (!mi && !moves[j]) continue;
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
    dx[j] -= vx * f; dy[j] -= vy * f;
  }
  dx[i] += fx; dy[i] += fy;
}

// spread evens out the density of a freshly seeded part: its nodes,
// ordered by distance from centre, are moved to distances growing as √rank
// (the disc of radius SPACING·√n filled evenly), each keeping its
// direction. Seeding alone piles a large part up around its root.
function spread(part, centre, pos) {
  if (part.length < 2) return;
  const ranked = part.map((id) => {
    const p = pos.get(id);
    const vx = p.x - centre.x, vy = p.y - centre.y;
    return { p, d: vx * vx + vy * vy, a: vx === 0 && vy === 0 ? angleOf(id) : Math.atan2(vy, vx), id };
  });
  ranked.sort((a, b) => a.d - b.d || cmp(a.id, b.id));
  ranked.forEach((r, rank) => {
    const d = SPACING * Math.sqrt(rank + 1);
    r.p.x = centre.x + Math.cos(r.a) * d;
    r.p.y = centre.y + Math.sin(r.a) * d;
  });
}

function centreOf(points) {
  let x = 0, y = 0;
  for (const p of points) { x += p.x; y += p.y; }
  return { x: x / points.length, y: y / points.length };
}

// componentSize counts the nodes of pending reachable from root (root
// itself included, though it is no longer pending).
function componentSize(root, adj, pending) {
  const seen = new Set([root]);
  const queue = [root];
  for (let head = 0; head < queue.length; head++) {
    for (const m of adj.get(queue[head])) {
      if (pending.has(m) && !seen.has(m)) { seen.add(m); queue.push(m); }
    }
  }
  return seen.size;
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

function clamp(v, lo, hi) {
  return Math.min(hi, Math.max(lo, v));
}
