// model.js: a graph's state in the browser, and the one way it changes:
// by the changes the server computed (GraphState.applyFrame). Frames of
// GET .../replay carry, beside their events, the nodes and edges each
// step added, removed and changed, folded on the server by the fold every
// other path uses (docs/ARCHITECTURE.md, "Replays that follow"). The live
// view (live.js follows the graph with a replay that goes on past its
// head), playback and what-if previews all apply them: the viewer has no
// fold of events of its own, so it cannot come to a second idea of what
// an event does.
//
// Elements are never mutated: a change replaces the node or edge object it
// touches. So clone() is cheap (it copies two Maps of references) and a
// frame of history can be kept beside the live state without one leaking
// into the other.
//
// What is derived from a state (its adjacency here; search and style
// indexes elsewhere) is cached against its revision, which every change
// moves on.
"use strict";

export class GraphState {
  constructor(graph = "", version = 0) {
    this.graph = graph;
    this.version = version;
    this.nodes = new Map(); // id → {id, type, properties}
    this.edges = new Map(); // id → {id, source, target, type, properties}
    this.revision = 0; // moves on with every change, for caches of what is derived
    this.adjacent = null; // see adjacency
  }

  // fromJSON reads GET /v1/graphs/{graph} (also the "state" of a replay
  // keyframe).
  static fromJSON(g) {
    const s = new GraphState(g.graph, g.version);
    for (const n of g.nodes || []) s.nodes.set(n.id, nodeOf(n));
    for (const e of g.edges || []) s.edges.set(e.id, edgeOf(e));
    return s;
  }

  clone() {
    const s = new GraphState(this.graph, this.version);
    s.nodes = new Map(this.nodes);
    s.edges = new Map(this.edges);
    return s;
  }

  // applyFrame applies what a frame says its step changed (the "nodes"
  // and "edges" of a replay frame, of a diff or of a dry run: each
  // {added, removed, changed}), takes its version if it has one, and
  // returns the changes as changesFromDiff reads them. Removed elements go
  // first, so an element removed and added again (its type or ends
  // changed) ends as added; a node's removal lists the edges it took. A
  // property change without "after" removes the property. A change of an
  // element this state lacks is skipped, not thrown: the state it would
  // contradict is the server's, not ours.
  applyFrame(frame) {
    for (const [table, side, make] of [[this.nodes, frame.nodes, nodeOf], [this.edges, frame.edges, edgeOf]]) {
      for (const x of side?.removed || []) table.delete(x.id);
      for (const x of side?.added || []) table.set(x.id, make(x));
      for (const ch of side?.changed || []) {
        const old = table.get(ch.id);
        if (!old) continue;
        const properties = { ...old.properties };
        for (const pc of ch.properties || []) {
          if ("after" in pc) properties[pc.key] = pc.after;
          else delete properties[pc.key];
        }
        table.set(ch.id, { ...old, properties });
      }
    }
    if (frame.version !== undefined) this.version = frame.version;
    this.revision++;
    return changesFromDiff(frame);
  }

  // adjacency is {neighbours, degree}: neighbours maps every node to its
  // neighbours, both directions, one entry per edge (a self-loop adds
  // none); degree maps it to the number of edges that touch it. Edges with
  // a missing end count for neither. Built when first asked after a change.
  adjacency() {
    if (this.adjacent?.revision === this.revision) return this.adjacent;
    const neighbours = new Map(), degree = new Map();
    for (const id of this.nodes.keys()) { neighbours.set(id, []); degree.set(id, 0); }
    for (const e of this.edges.values()) {
      const a = neighbours.get(e.source), b = neighbours.get(e.target);
      if (!a || !b) continue;
      degree.set(e.source, degree.get(e.source) + 1);
      if (e.source === e.target) continue;
      degree.set(e.target, degree.get(e.target) + 1);
      a.push(e.target);
      b.push(e.source);
    }
    this.adjacent = { revision: this.revision, neighbours, degree };
    return this.adjacent;
  }

  // withRemoved returns a copy that also holds the given removed elements,
  // so a diff can draw them (faded) where they were.
  withRemoved(nodes, edges) {
    const s = this.clone();
    for (const n of nodes) if (!s.nodes.has(n.id)) s.nodes.set(n.id, n);
    for (const e of edges) if (!s.edges.has(e.id)) s.edges.set(e.id, e);
    s.revision++;
    return s;
  }
}

function nodeOf(n) {
  return { id: n.id, type: n.type || "", properties: n.properties || {} };
}

function edgeOf(e) {
  return { id: e.id, source: e.source, target: e.target, type: e.type || "", properties: e.properties || {} };
}

// changesFromDiff reads the "nodes" and "edges" of GET .../diff (or of a
// replay frame, or of a dry run) into {nodes, edges}, each {added,
// removed, changed}, what the view marks and flashes. An ID both removed and
// added (its type or endpoints changed) counts as changed: it is one
// element in one place on screen.
export function changesFromDiff(diff) {
  const side = (c) => {
    const added = new Map((c?.added || []).map((x) => [x.id, x]));
    const out = { added: [], removed: [], changed: [] };
    for (const x of c?.removed || []) {
      if (added.has(x.id)) {
        out.changed.push(added.get(x.id));
        added.delete(x.id);
      } else {
        out.removed.push(x);
      }
    }
    out.added = [...added.values()];
    for (const ch of c?.changed || []) out.changed.push({ id: ch.id, properties: ch.properties });
    return out;
  };
  return { nodes: side(diff.nodes), edges: side(diff.edges) };
}

// isEmpty tells whether a change set holds nothing.
export function isEmpty(changes) {
  for (const side of [changes.nodes, changes.edges]) {
    if (side.added.length || side.removed.length || side.changed.length) return false;
  }
  return true;
}
