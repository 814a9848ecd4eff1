// neighbourhood.js: the part of a graph around one node.
//
// The neighbourhood of a node within k hops is the subgraph induced by
// the nodes at most k edges away from it, following edges in both
// directions: those nodes, and every edge between two of them. It is
// computed here, in the browser, from the state the viewer has loaded, so
// it follows live updates and history like the rest of the drawing.
"use strict";

import { GraphState } from "/ui/model.js";

export const MAX_HOPS = 3;

// neighbourhood returns the neighbourhood of node focus within k hops of
// state as a GraphState of its own (same graph and version), with hops:
// node ID → distance from focus. A focus state lacks gives an empty one.
export function neighbourhood(state, focus, k) {
  const sub = new GraphState(state.graph, state.version);
  sub.hops = new Map();
  if (!state.nodes.has(focus)) return sub;
  const { neighbours } = state.adjacency();
  sub.hops.set(focus, 0);
  let frontier = [focus];
  for (let d = 1; d <= k && frontier.length > 0; d++) {
    const next = [];
    for (const id of frontier) {
      for (const m of neighbours.get(id)) {
        if (!sub.hops.has(m)) { sub.hops.set(m, d); next.push(m); }
      }
    }
    frontier = next;
  }
  for (const id of sub.hops.keys()) sub.nodes.set(id, state.nodes.get(id));
  for (const e of state.edges.values()) {
    if (sub.hops.has(e.source) && sub.hops.has(e.target)) sub.edges.set(e.id, e);
  }
  return sub;
}
