// labels.js: which node labels a view writes.
//
// Zoomed in (or with few nodes in view), every node in view gets its
// label. Zoomed out, a graph of thousands would be a disc of overlapping
// text, so labels are given out in order of claim, each only where it
// overlaps no label already given:
//
//  1. nodes that must be named: the selected one (a search's pick), the
//     neighbourhood's focus;
//  2. nodes near the pointer (or the view's centre when the pointer is
//     elsewhere), nearest first: what the user is looking at;
//  3. the largest nodes (as drawn, and by degree among equals): what the
//     graph is organised around. Only as many of the largest in view as
//     the view's area allows (AREA_PER_LABEL each) are candidates: one
//     that overlaps a label given is left out, not replaced by a smaller
//     one, which would fill the sparse rim of the drawing with the names
//     of its least nodes.
//
// The choice depends on nothing but its arguments and costs little, so the
// view makes it every frame (the pointer moves) without drawing anything
// else again.
"use strict";

export const ALL_LABELS_SCALE = 1.5; // zoomed in this far, every label
const FEW_NODES = 80; // this few nodes in view get every label from FEW_SCALE
const FEW_SCALE = 0.35;
const NEAR_PX = 90; // "near the pointer"
const NEAR_MAX = 24; // labels given for being near, at most
const AREA_PER_LABEL = 9000; // px² of view per label, zoomed out
const LINE_PX = 14; // a label's height, with room around it
const CELL_PX = 48; // the occupancy grid's cell

// chooseLabels picks labels. c is:
//
//	scale         the view's zoom
//	width, height the view, in CSS pixels
//	inView        node entries in view, each {x, y, rs, text} (screen
//	              position and radius, the label)
//	measure       entry → the width of its label in pixels (measuring
//	              text costs, so only the entries considered are measured)
//	byWeight      the same entries (and others, which are skipped unless
//	              entry.inView) largest first
//	pinned        entries that must be labelled
//	near          {x, y}: the pointer or the view's centre
//
// It returns the entries to label, each with its box's top-left corner in
// entry.lx, entry.ly; all(c) tells whether the view is zoomed in enough
// for every label.
export function chooseLabels(c) {
  const out = [];
  if (all(c)) {
    for (const e of c.inView) place(e);
    return c.inView;
  }
  const grid = new Occupancy(c.width, c.height);
  const give = (e, force) => {
    if (e.chosen) return false;
    place(e);
    if (!force && grid.overlaps(e.lx, e.ly, e.width, LINE_PX)) return false;
    grid.add(e.lx, e.ly, e.width, LINE_PX);
    e.chosen = true;
    out.push(e);
    return true;
  };
  for (const e of c.inView) e.chosen = false;
  for (const e of c.pinned) give(e, true);
  const budget = Math.max(12, Math.round((c.width * c.height) / AREA_PER_LABEL));
  const near = [];
  for (const e of c.inView) {
    const d = Math.hypot(e.x - c.near.x, e.y - c.near.y);
    if (d <= NEAR_PX) near.push([d, e]);
  }
  near.sort((a, b) => a[0] - b[0]);
  let given = 0;
  for (const [, e] of near) {
    if (given >= NEAR_MAX) break;
    if (give(e, false)) given++;
  }
  let candidates = budget;
  for (const e of c.byWeight) {
    if (candidates === 0) break;
    if (!e.inView) continue;
    give(e, false);
    candidates--;
  }
  return out;

  function place(e) {
    e.width ??= c.measure(e);
    e.lx = e.x - e.width / 2;
    e.ly = e.y + e.rs + 2;
  }
}

// all tells whether every node in view gets its label.
export function all(c) {
  return c.scale >= ALL_LABELS_SCALE || (c.inView.length <= FEW_NODES && c.scale >= FEW_SCALE);
}

// Occupancy records the boxes given so far, bucketed in a grid so that a
// test looks at a few cells rather than at every box.
class Occupancy {
  constructor(width, height) {
    this.cols = Math.max(1, Math.ceil(width / CELL_PX));
    this.rows = Math.max(1, Math.ceil(height / CELL_PX));
    this.cells = new Map(); // cell index → [x, y, w, h, ...]
  }

  *cellsOf(x, y, w, h) {
    const c0 = clamp(Math.floor(x / CELL_PX), 0, this.cols - 1), c1 = clamp(Math.floor((x + w) / CELL_PX), 0, this.cols - 1);
    const r0 = clamp(Math.floor(y / CELL_PX), 0, this.rows - 1), r1 = clamp(Math.floor((y + h) / CELL_PX), 0, this.rows - 1);
    for (let r = r0; r <= r1; r++) for (let c = c0; c <= c1; c++) yield r * this.cols + c;
  }

  overlaps(x, y, w, h) {
    for (const cell of this.cellsOf(x, y, w, h)) {
      const boxes = this.cells.get(cell);
      if (!boxes) continue;
      for (let i = 0; i < boxes.length; i += 4) {
        if (x < boxes[i] + boxes[i + 2] && boxes[i] < x + w && y < boxes[i + 1] + boxes[i + 3] && boxes[i + 1] < y + h) return true;
      }
    }
    return false;
  }

  add(x, y, w, h) {
    for (const cell of this.cellsOf(x, y, w, h)) {
      if (!this.cells.has(cell)) this.cells.set(cell, []);
      this.cells.get(cell).push(x, y, w, h);
    }
  }
}

function clamp(v, lo, hi) {
  return Math.min(hi, Math.max(lo, v));
}
