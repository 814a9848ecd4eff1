// scene.js: what the canvas shows of the viewer's state: app.shown, or the
// neighbourhood of one of its nodes, drawn with the selected graph's
// layout and encodings, and what describes it refreshed with it (the
// legend, the details panel, the header's controls).
//
// Positions are kept per graph for the whole visit (layout.js): a node
// stays where it is across updates, versions and diffs. The neighbourhood
// view draws only the nodes within k hops of the selected node, in a
// layout of its own with that node in the middle (neighbourhood.js). It
// follows the selection: picking another node moves it there.
"use strict";

import { BY_DEGREE, BY_TYPE, colours, importance, sizes } from "/ui/encoding.js";
import { Layout } from "/ui/layout.js";
import { renderLegend } from "/ui/legend.js";
import { neighbourhood } from "/ui/neighbourhood.js";
import { elementOf } from "/ui/panel.js";
import { edgePalette, nodePalette } from "/ui/view.js";

const FOUND_SCALE = 1.5; // a node found by search is shown at least this close
const KEPT_NEIGHBOURHOODS = 16; // neighbourhood layouts a visit keeps

export class Scene {
  // app is the viewer's state: the scene reads graph, shown and diff, and
  // changes selected (a pick, a search, a selection the state no longer
  // has) and hood (the neighbourhood view's {on, focus, hops}). view is
  // the View it draws on, legend the legend's element, panel the Panel;
  // controls() fits the header's controls to what is drawn.
  constructor(app, view, { legend, panel, controls }) {
    this.app = app;
    this.view = view;
    this.legend = legend;
    this.panel = panel;
    this.controls = controls;
    this.visits = new Map(); // graph → what visit() keeps: for the session
    this.hoodCache = null; // see hoodState
  }

  // visit is what the viewer keeps about the selected graph across modes:
  // its layout, the colours given to types and property values, the size
  // and colour chosen, the neighbourhoods' layouts (by focus) and the zoom
  // to return to from a neighbourhood.
  visit() {
    const app = this.app;
    let v = this.visits.get(app.graph);
    if (!v) {
      const edgeColors = edgePalette();
      v = {
        layout: new Layout(), nodeColors: nodePalette(), edgeColors, valueColors: new Map(),
        edgeColor: (e) => edgeColors.color(e.type), sizeBy: BY_DEGREE, colorBy: BY_TYPE,
        hoods: new Map(), fullView: null,
      };
      this.visits.set(app.graph, v);
    }
    return v;
  }

  // pick selects what the user clicked (hit: {kind, id}, or null for the
  // background).
  pick(hit) {
    const app = this.app;
    app.selected = hit;
    if (app.hood.on && hit?.kind === "node" && hit.id !== app.hood.focus) {
      app.hood.focus = hit.id;
      this.render({ fit: true });
      return;
    }
    this.render();
  }

  // render draws app.shown (or its neighbourhood) with the selected
  // graph's layout and encodings, and refreshes what describes it (legend,
  // details panel, controls). With fit, the view zooms to the drawing.
  render({ fit = false } = {}) {
    const app = this.app;
    if (!app.shown) return;
    const v = this.visit();
    if (app.selected && !elementOf(app.shown, app.selected)) app.selected = null;
    let state = app.shown, layout = v.layout;
    if (app.hood.on) {
      state = this.hoodState();
      layout = this.hoodLayout(app.hood.focus);
      layout.place(state);
    }
    const colouring = colours(state, app.shown, v.colorBy, v.nodeColors, v.valueColors);
    this.view.show({
      state, layout, nodeColor: colouring.color, edgeColor: v.edgeColor,
      size: sizes(state, v.sizeBy), importance: importance(state),
      diff: app.diff, selected: app.selected, pinned: app.hood.on ? [app.hood.focus] : [],
    }, { fit });
    renderLegend(this.legend, state, colouring, {
      whole: app.shown, hood: app.hood, diff: app.diff, stats: this.view.stats, sizeBy: v.sizeBy, edgeColors: v.edgeColors,
    });
    this.panel.render();
    this.controls();
  }

  // hoodState is the neighbourhood of the focus in app.shown, computed once
  // per version of the state, focus and hops.
  hoodState() {
    const { focus, hops } = this.app.hood, shown = this.app.shown;
    const c = this.hoodCache;
    if (!c || c.shown !== shown || c.revision !== shown.revision || c.focus !== focus || c.hops !== hops) {
      this.hoodCache = { shown, revision: shown.revision, focus, hops, state: neighbourhood(shown, focus, hops) };
    }
    return this.hoodCache.state;
  }

  // hoodLayout is the layout of focus's neighbourhoods: focus in the middle,
  // its neighbours around it. Kept per focus, so that going back to a node
  // shows its neighbourhood as it was, and a hop more only adds nodes.
  hoodLayout(focus) {
    const hoods = this.visit().hoods;
    let layout = hoods.get(focus);
    if (layout) {
      hoods.delete(focus); // and set again: the most recent is last
    } else {
      layout = new Layout();
      layout.pin(focus, 0, 0);
      if (hoods.size >= KEPT_NEIGHBOURHOODS) hoods.delete(hoods.keys().next().value);
    }
    hoods.set(focus, layout);
    return layout;
  }

  // setNeighbourhood turns the neighbourhood view on (around the selected
  // node) or off, returning to the whole graph as it was zoomed, centred on
  // the focus.
  setNeighbourhood(on) {
    const app = this.app, view = this.view;
    const v = this.visit();
    if (on === app.hood.on || !app.shown) return;
    if (on) {
      if (app.selected?.kind !== "node") return;
      v.fullView = view.transform;
      app.hood = { ...app.hood, on: true, focus: app.selected.id };
      this.render({ fit: true });
      return;
    }
    const focus = app.hood.focus;
    app.hood = { ...app.hood, on: false };
    this.render();
    if (v.fullView) view.transform = v.fullView;
    if (app.shown.nodes.has(focus)) view.centreOn(focus, 0);
  }

  // findNode selects node id, centres the view on it and zooms in to read
  // its neighbours' labels; in the neighbourhood view it becomes the focus.
  findNode(id) {
    const app = this.app;
    if (!app.shown?.nodes.has(id)) return;
    app.selected = { kind: "node", id };
    if (app.hood.on) app.hood.focus = id;
    this.render({ fit: app.hood.on });
    this.view.centreOn(id, FOUND_SCALE);
  }
}
