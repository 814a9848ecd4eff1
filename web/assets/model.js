// model.js: a graph's state in the browser and the one fold that applies
// events to it. Live updates, replay frames and catch-up reads all go
// through GraphState.apply, as on the server every path goes through
// graph.Apply: the viewer never keeps two ideas of what an event does.
//
// Elements are never mutated: an event replaces the node or edge object it
// touches. So clone() is cheap (it copies two Maps of references) and a
// frame of history can be kept beside the live state without one leaking
// into the other.
//
// What is derived from a state (its adjacency here; search and style
// indexes elsewhere) is cached against its revision, which every apply
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
    for (const n of g.nodes || []) {
      s.nodes.set(n.id, { id: n.id, type: n.type || "", properties: n.properties || {} });
    }
    for (const e of g.edges || []) {
      s.edges.set(e.id, {
        id: e.id, source: e.source, target: e.target,
        type: e.type || "", properties: e.properties || {},
      });
    }
    return s;
  }

  clone() {
    const s = new GraphState(this.graph, this.version);
    s.nodes = new Map(this.nodes);
    s.edges = new Map(this.edges);
    return s;
  }

  // apply folds one transaction's events (the items of GET .../events, of
  // a stream message or of a replay frame) and returns what changed, as
  // the server's diff would say it: comparing each touched element before
  // the first event and after the last, so a node added then updated in
  // one transaction is "added", and one added then removed is nothing.
  // The server validated the transaction before committing it; an event
  // that does not fit (an update of a missing node) is skipped, not thrown,
  // because the state it would contradict is the server's, not ours.
  apply(events, version) {
    const before = { nodes: new Map(), edges: new Map() };
    const touchNode = (id) => {
      if (!before.nodes.has(id)) before.nodes.set(id, this.nodes.get(id));
    };
    const touchEdge = (id) => {
      if (!before.edges.has(id)) before.edges.set(id, this.edges.get(id));
    };
    for (const ev of events) {
      switch (ev.type) {
        case "NodeAdded":
          touchNode(ev.node_id);
          this.nodes.set(ev.node_id, {
            id: ev.node_id, type: ev.node_type || "", properties: { ...(ev.properties || {}) },
          });
          break;
        case "NodeUpdated":
          touchNode(ev.node_id);
          this.updateElement(this.nodes, ev.node_id, ev);
          break;
        case "NodeRemoved":
          touchNode(ev.node_id);
          // Removing a node removes its edges, as graph.Apply does.
          for (const e of this.edgesOf(ev.node_id)) {
            touchEdge(e.id);
            this.edges.delete(e.id);
          }
          this.nodes.delete(ev.node_id);
          break;
        case "EdgeAdded":
          touchEdge(ev.edge_id);
          this.edges.set(ev.edge_id, {
            id: ev.edge_id, source: ev.source_id, target: ev.target_id,
            type: ev.edge_type || "", properties: { ...(ev.properties || {}) },
          });
          break;
        case "EdgeUpdated":
          touchEdge(ev.edge_id);
          this.updateElement(this.edges, ev.edge_id, ev);
          break;
        case "EdgeRemoved":
          touchEdge(ev.edge_id);
          this.edges.delete(ev.edge_id);
          break;
        default:
          // "Unknown": written past the API by a newer producer; the
          // server skipped it too.
      }
    }
    if (version !== undefined) this.version = version;
    this.revision++;
    return {
      nodes: compare(before.nodes, this.nodes),
      edges: compare(before.edges, this.edges),
    };
  }

  // updateElement replaces element id of table with a copy whose
  // properties have ev.set written and ev.unset deleted.
  updateElement(table, id, ev) {
    const old = table.get(id);
    if (!old) return;
    const properties = { ...old.properties, ...(ev.set || {}) };
    for (const key of ev.unset || []) delete properties[key];
    table.set(id, { ...old, properties });
  }

  // edgesOf lists the edges that start or end at node id. A scan, not an
  // index: removals are rare next to reads, and an index would have to be
  // cloned with every frame.
  edgesOf(id) {
    const out = [];
    for (const e of this.edges.values()) {
      if (e.source === id || e.target === id) out.push(e);
    }
    return out;
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

// compare sorts the elements touched by a transaction into added, removed
// (with the element as it was, to draw its ghost) and changed.
function compare(before, table) {
  const out = { added: [], removed: [], changed: [] };
  for (const [id, old] of before) {
    const now = table.get(id);
    if (!old && now) out.added.push(now);
    else if (old && !now) out.removed.push(old);
    else if (old && now && old !== now) out.changed.push(now);
  }
  return out;
}

// changesFromDiff reads the "nodes" and "edges" of GET .../diff (or of a
// replay frame) into the same shape apply returns. An ID both removed and
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
