// app.js: graphlog's viewer. It lists the node's graphs, draws the chosen
// one, keeps it live with the changes the node computes for each committed
// transaction (live.js), travels through its history (a version slider,
// replay with speed, diff between two versions), and draws what a pending
// transaction would change before it is submitted (whatif.js).
// The selected element's panel lists its history, each entry a way to its
// version (elementhistory.js); under the slider, a chart of a metric over
// the whole history marks the slider's version (chart.js).
// It needs nothing but the public API v1; see api.js for authentication.
//
// Modes, one at a time:
//
//	live     the graph as it is now; the frame of every transaction
//	         (GET .../replay?follow=true, live.js) is applied as it
//	         arrives and what it changed flashed
//	history  the graph as of the slider's version (GET .../graphs/{g}?version=N)
//	diff     what changed from the "compare with" version to the slider's
//	         version (GET .../diff): added green, removed red and faded,
//	         changed amber; everything else grey
//	play     a replay (GET .../replay?every=1, one frame per transaction)
//	         animated at 1×, 4× or 16×; when it ends or is paused the
//	         viewer stays in history at the last frame
//	whatif   a pending transaction's dry run (whatif.js) drawn over the
//	         live graph as a diff from its version to the one the
//	         transaction would get, nothing stored; asked again as the
//	         live graph moves on, until it is submitted or discarded
//
// The live state keeps following in every mode, so "Live"
// returns to the present without a reload. Positions are kept per graph for
// the whole visit (layout.js): a node stays where it is across updates,
// versions and diffs.
//
// Over whichever mode, the header's controls change how the graph is
// drawn, not what version: node size (by degree, none, or a numeric
// property) and colour (by type or a property), with the legend to match
// (encoding.js); a search box that finds a node by ID prefix, centres on
// it and selects it (search.js); and the neighbourhood view, which draws
// only the nodes within k hops of the selected node, in a layout of its
// own with that node in the middle (neighbourhood.js). The neighbourhood
// follows the selection: picking another node moves it there.
//
// The page's address names the graph (#graph=<id>), so a link opens it.
//
// Test hook: window.graphlog, for browser tests and the curious console.
//
//	ready         true when the selected graph's requested view is drawn
//	              and nothing is loading; false from a request to its end
//	renderedMs    performance.now() (ms since navigation start) when the
//	              first selected graph was first fully drawn (fetched, laid
//	              out, painted); null before
//	lastLoad      {fetchMs, layoutMs, drawMs, totalMs, frameMs} of the last
//	              graph selected: reading it from the API, placing its
//	              nodes, painting it, the three together (also kept as
//	              window.__graphlogRenderMs for the first graph of the page,
//	              and as the performance measure "graphlog:render"), and
//	              from its selection to the next frame after the painting
//	              (null until then)
//	settled       true when the layout drawn has stopped moving (a large
//	              graph settles over the frames after its first drawing)
//	graph         the selected graph ID ("" for none)
//	mode          "live", "history", "diff", "play" or "whatif"
//	version       the version drawn (in diff mode the "to" version, in
//	              what-if mode the version the transaction would get)
//	liveVersion   the version of the live state
//	follow(on)    stop following the live graph (false) or follow it
//	              again from the live version (true), as the page does
//	              when it is left and comes back
//	counts()      {nodes, edges}: the elements drawn in the last paint that
//	              exist in the version shown (a diff's removed ghosts are
//	              not counted here)
//	diffCounts()  {added, removed, changed}: elements of each diff status
//	              in the last paint (nodes and edges together; all 0 outside
//	              diff and what-if modes)
//	diffStatuses()
//	              {node: {id: status}, edge: {id: status}} of the diff or
//	              what-if drawn ({} of each outside those modes)
//	whatIf()      {open, state, version, baseVersion, transactionID,
//	              error}: the what-if panel, the version its last dry run
//	              said the transaction would get and was judged on, the
//	              pending transaction's ID, and the refusal shown, if any
//	select(id), showVersion(n), diff(from, to), play(speed), live()
//	              drive the viewer as its controls do; each returns a
//	              Promise that settles when the view is drawn (play: when
//	              the replay ends)
//	elements()    {version, nodes, edges}: the state drawn, elements
//	              sorted by ID as GET /v1/graphs/{graph} lists them
//	flashed()     ["node:id", "edge:id", …]: the elements flashing for a
//	              change just applied
//	positions()   {id: [x, y]} of the nodes drawn, in world units
//	screenPosition(id)
//	              [x, y] of node id in page (CSS) pixels, where a click
//	              picks it; null when it is not drawn
//	labels()      {drawn, inView, all}: node labels written in the last
//	              frame, nodes in view, whether every one gets its label
//	transform()   {scale, tx, ty}: screen = world × scale + t
//	zoomTo(s), fit()
//	              zoom about the centre of the view; fit the graph in it
//	neighbourhood()
//	              {on, focus, hops}: the neighbourhood view
//	frames()      [{at, ms, base}]: the last frames drawn, when each began,
//	              how long it took, and whether it drew the base again
//	elementHistory()
//	              {kind, id, loading, versions}: the versions the selected
//	              element's timeline lists (kind "" when none was selected)
//	chart()       {metric, every, version, points, values, marker}: the
//	              series drawn under the slider (read at live version
//	              version), and the version its marker is at; null before
"use strict";

import { APIError, getJSON, graphPath, ndjson, setTokenPrompt } from "/ui/api.js";
import { BY_DEGREE, BY_NONE, BY_TYPE, colours, importance, propertyChoice, propertyKeys, propertyOf, sizes } from "/ui/encoding.js";
import { Layout } from "/ui/layout.js";
import { LiveFeed } from "/ui/live.js";
import { GraphState, changesFromDiff } from "/ui/model.js";
import { drawSeries, loadSeries, valueAt } from "/ui/chart.js";
import { loadHistory, renderHistory } from "/ui/elementhistory.js";
import { MAX_HOPS, neighbourhood } from "/ui/neighbourhood.js";
import { SearchBox } from "/ui/search.js";
import { WhatIf } from "/ui/whatif.js";
import { STATUS_COLORS, View, edgePalette, labelOf, nodePalette } from "/ui/view.js";

const POLL_MS = 3000; // graph list refresh
const FRAME_MS = 800; // one replay frame at 1×
const SLIDER_DEBOUNCE_MS = 120; // a drag settles before it loads
const FOUND_SCALE = 1.5; // a node found by search is shown at least this close
const KEPT_NEIGHBOURHOODS = 16; // neighbourhood layouts a visit keeps

const $ = (id) => document.getElementById(id);

const app = {
  graph: "",
  live: null, // GraphState following the graph's frames
  shown: null, // GraphState drawn: live itself in live mode
  mode: "live",
  diff: null, // {node: Map id→status, edge: Map, changes, from, to}
  selected: null, // {kind, id}
  hood: { on: false, focus: "", hops: 1 }, // the neighbourhood view
  visits: new Map(), // graph → what visit() keeps: for the session
  times: new Map(), // version → recorded_at, of the selected graph
  heads: {}, // graph → {version, recorded_at} from the list
  feed: null, // the LiveFeed of the selected graph
  streamState: "offline", // "connecting", "live", "reconnecting" or "offline"
  loadSeq: 0, // a newer load makes an older answer moot
  player: null, // AbortController of the running replay
  // The selected element's history: key "graph\nkind\nid" of the one
  // loaded or loading, its changes (null while loading), and the live
  // version it was read at.
  elementHistory: { key: "", changes: null, truncated: false, at: 0, ctrl: null },
  series: null, // {metric, every, version, points} of the chart
  seriesCtrl: null,
  seriesTimer: 0,
};

const view = new View($("canvas"), (hit) => {
  app.selected = hit;
  if (app.hood.on && hit?.kind === "node" && hit.id !== app.hood.focus) {
    app.hood.focus = hit.id;
    renderScene({ fit: true });
    return;
  }
  renderScene();
});

const hook = {
  ready: false,
  renderedMs: null,
  lastLoad: null,
  get graph() { return app.graph; },
  get mode() { return app.mode; },
  get version() { return app.shown ? app.shown.version : 0; },
  get liveVersion() { return app.live ? app.live.version : 0; },
  follow: (on) => (on ? openFeed() : closeFeed()),
  counts: () => ({ nodes: view.stats.nodes, edges: view.stats.edges }),
  diffCounts: () => ({ added: view.stats.added, removed: view.stats.removed, changed: view.stats.changed }),
  select: (id) => selectGraph(id),
  showVersion: (n) => showVersion(n),
  diff: (from, to) => showDiff(from, to),
  play: (speed) => { if (speed) $("speed").value = String(speed); return play(); },
  live: () => goLive(),
  screenPosition: (id) => view.screenPosition(id),
  get settled() { return view.settled; },
  labels: () => ({ ...view.labelStats }),
  transform: () => view.transform,
  zoomTo: (scale) => view.zoomTo(scale),
  fit: () => view.fit(),
  neighbourhood: () => ({ on: app.hood.on, focus: app.hood.focus, hops: app.hood.hops }),
  frames: () => view.frameLog.slice(),
  elementHistory: () => {
    const h = app.elementHistory, [, kind = "", id = ""] = h.key.split("\n");
    return { kind, id, loading: h.changes === null, versions: (h.changes || []).map((c) => c.version) };
  },
  chart: () => {
    const s = app.series;
    return s ? { metric: s.metric, every: s.every, version: s.version, points: s.points.length,
      values: s.points.map((p) => p.value), marker: chartMarker } : null;
  },
  elements: () => {
    const s = app.shown;
    if (!s) return null;
    const byID = (a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
    return { version: s.version, nodes: [...s.nodes.values()].sort(byID), edges: [...s.edges.values()].sort(byID) };
  },
  flashed: () => [...view.flashes.keys()].sort(),
  diffStatuses: () => ({
    node: Object.fromEntries(app.diff?.node || []), edge: Object.fromEntries(app.diff?.edge || []),
  }),
  whatIf: () => ({
    open: whatIf.open, state: whatIf.state, version: whatIf.answer?.version ?? 0,
    baseVersion: whatIf.answer?.base_version ?? 0, transactionID: whatIf.txID, error: whatIf.error,
  }),
  positions: () => {
    const out = {};
    if (!app.shown) return out;
    for (const id of app.shown.nodes.keys()) {
      const p = visit().layout.get(id);
      if (p) out[id] = [p.x, p.y];
    }
    return out;
  },
};
window.graphlog = hook;

const whatIf = new WhatIf({
  panel: $("whatif"), body: $("whatif-body"), result: $("whatif-result"), preview: $("whatif-preview"),
  submit: $("whatif-submit"), discard: $("whatif-discard"), form: $("whatif-add"), kind: $("whatif-kind"),
  id: $("whatif-id"), type: $("whatif-type"), source: $("whatif-source"), target: $("whatif-target"),
}, {
  graph: () => app.graph,
  show: (answer) => showWhatIf(answer),
  submitted: () => goLive(),
  close: () => { if (app.mode === "whatif") goLive(); },
});

// visit is what the viewer keeps about the selected graph across modes:
// its layout, the colours given to types and property values, the size
// and colour chosen, the neighbourhoods' layouts (by focus) and the zoom
// to return to from a neighbourhood.
function visit() {
  let v = app.visits.get(app.graph);
  if (!v) {
    const edgeColors = edgePalette();
    v = {
      layout: new Layout(), nodeColors: nodePalette(), edgeColors, valueColors: new Map(),
      edgeColor: (e) => edgeColors.color(e.type), sizeBy: BY_DEGREE, colorBy: BY_TYPE,
      hoods: new Map(), fullView: null,
    };
    app.visits.set(app.graph, v);
  }
  return v;
}

// ---- selecting and drawing a graph ----

async function selectGraph(id) {
  if (!id) return;
  if (id === app.graph && app.live) return goLive();
  stopPlay();
  closeFeed();
  if (whatIf.open) whatIf.discard();
  app.graph = id;
  app.live = app.shown = app.diff = app.selected = null;
  app.hood.on = false;
  app.mode = "live";
  app.times.clear();
  app.series = null;
  drawChart();
  view.clearFlashes();
  view.show(null);
  $("legend").replaceChildren();
  $("panel").hidden = true;
  if (location.hash !== "#graph=" + encodeURIComponent(id)) {
    history.replaceState(null, "", "#graph=" + encodeURIComponent(id));
  }
  $("graph-title").textContent = id;
  $("empty").hidden = true;
  markSelected();
  const seq = begin();
  const t0 = performance.mark("graphlog:select").startTime;
  const json = await guard(getJSON(graphPath(id)));
  if (seq !== app.loadSeq || !json) return;
  const t1 = performance.now();
  app.live = GraphState.fromJSON(json);
  app.shown = app.live;
  const v = visit();
  v.nodeColors.learn(typesOf(app.live.nodes));
  v.edgeColors.learn(typesOf(app.live.edges));
  v.layout.place(app.live);
  const t2 = performance.now();
  renderScene({ fit: true });
  const t3 = performance.mark("graphlog:drawn").startTime;
  performance.measure("graphlog:render", "graphlog:select", "graphlog:drawn");
  const load = { fetchMs: t1 - t0, layoutMs: t2 - t1, drawMs: t3 - t2, totalMs: t3 - t0, frameMs: null };
  hook.lastLoad = load;
  if (hook.renderedMs === null) {
    hook.renderedMs = t3;
    window.__graphlogRenderMs = load.totalMs;
  }
  // The frame after the painting is when it is on screen.
  requestAnimationFrame(() => setTimeout(() => { load.frameMs = performance.now() - t0; }, 0));
  // The list's head may already know when the live version was recorded;
  // otherwise the label gets its time when the log answers.
  const head = app.heads[id];
  if (head && head.version === app.live.version) app.times.set(head.version, head.recorded_at);
  else timeOf(app.live.version).then(() => updateTimeline());
  openFeed();
  refreshSeries(0);
  finish(seq);
}

// begin starts a load: the view is not ready until finish.
function begin() {
  hook.ready = false;
  return ++app.loadSeq;
}

function finish(seq) {
  if (seq !== app.loadSeq) return;
  updateTimeline();
  hook.ready = true;
}

// renderScene draws app.shown (or its neighbourhood) with the selected
// graph's layout and encodings, and refreshes what describes it (legend,
// details panel, controls). With fit, the view zooms to the drawing.
function renderScene({ fit = false } = {}) {
  if (!app.shown) return;
  const v = visit();
  if (app.selected && !elementOf(app.selected)) app.selected = null;
  let state = app.shown, layout = v.layout;
  if (app.hood.on) {
    state = hoodState();
    layout = hoodLayout(app.hood.focus);
    layout.place(state);
  }
  const colouring = colours(state, app.shown, v.colorBy, v.nodeColors, v.valueColors);
  view.show({
    state, layout, nodeColor: colouring.color, edgeColor: v.edgeColor,
    size: sizes(state, v.sizeBy), importance: importance(state),
    diff: app.diff, selected: app.selected, pinned: app.hood.on ? [app.hood.focus] : [],
  }, { fit });
  renderLegend(state, colouring);
  renderPanel();
  updateControls();
}

// hoodState is the neighbourhood of the focus in app.shown, computed once
// per version of the state, focus and hops.
let hoodCache = null;
function hoodState() {
  const { focus, hops } = app.hood, shown = app.shown;
  const c = hoodCache;
  if (!c || c.shown !== shown || c.revision !== shown.revision || c.focus !== focus || c.hops !== hops) {
    hoodCache = { shown, revision: shown.revision, focus, hops, state: neighbourhood(shown, focus, hops) };
  }
  return hoodCache.state;
}

// hoodLayout is the layout of focus's neighbourhoods: focus in the middle,
// its neighbours around it. Kept per focus, so that going back to a node
// shows its neighbourhood as it was, and a hop more only adds nodes.
function hoodLayout(focus) {
  const hoods = visit().hoods;
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
function setNeighbourhood(on) {
  const v = visit();
  if (on === app.hood.on || !app.shown) return;
  if (on) {
    if (app.selected?.kind !== "node") return;
    v.fullView = view.transform;
    app.hood = { ...app.hood, on: true, focus: app.selected.id };
    renderScene({ fit: true });
    return;
  }
  const focus = app.hood.focus;
  app.hood = { ...app.hood, on: false };
  renderScene();
  if (v.fullView) view.transform = v.fullView;
  if (app.shown.nodes.has(focus)) view.centreOn(focus, 0);
}

// findNode selects node id, centres the view on it and zooms in to read
// its neighbours' labels; in the neighbourhood view it becomes the focus.
function findNode(id) {
  if (!app.shown?.nodes.has(id)) return;
  app.selected = { kind: "node", id };
  if (app.hood.on) app.hood.focus = id;
  renderScene({ fit: app.hood.on });
  view.centreOn(id, FOUND_SCALE);
}

function typesOf(elements) {
  const types = new Set();
  for (const x of elements.values()) types.add(x.type);
  return types;
}

// ---- live ----

// openFeed follows the selected graph from its live version (live.js).
function openFeed() {
  closeFeed();
  if (!app.live) return;
  const graph = app.graph;
  const mine = () => graph === app.graph && app.live;
  app.feed = new LiveFeed(graph, app.live.version, {
    state: (st) => { if (mine()) setStreamState(st); },
    keyframe: (f) => { if (mine()) onKeyframe(f); },
    frame: (f) => { if (mine()) applyLive(f); },
    error: showError,
  });
}

function closeFeed() {
  app.feed?.close();
  app.feed = null;
}

function setStreamState(state) {
  app.streamState = state;
  refreshStatus();
}

// onKeyframe takes the state a (re)opened feed starts from: the live
// version's own, unless the live state is somehow elsewhere.
function onKeyframe(f) {
  if (f.version === app.live.version) return;
  app.live = GraphState.fromJSON(f.state);
  if (f.at) app.times.set(f.version, f.at);
  if (app.mode === "live") {
    app.shown = app.live;
    visit().layout.place(app.live);
    renderScene();
  }
  updateTimeline();
}

// applyLive applies one transaction's frame to the live state, and draws
// what it changed when the present is shown.
function applyLive(f) {
  if (f.version <= app.live.version) return;
  const changes = app.live.applyFrame(f);
  if (f.at) {
    app.times.set(f.version, f.at);
    app.heads[app.graph] = { version: f.version, recorded_at: f.at };
  }
  if (app.mode === "live") {
    visit().layout.place(app.live);
    view.flash(changes);
    renderScene();
  } else if (app.mode === "whatif") {
    whatIf.refresh(); // judged on the version before: ask again
  }
  updateTimeline();
}

// ---- history ----

let sliderTimer = 0;

// showVersion draws the graph as of version n.
async function showVersion(n) {
  if (!app.live) return;
  stopPlay();
  n = clamp(Math.round(n), 1, app.live.version);
  if (app.mode === "diff") return showDiff(Number($("diff-from").value), n);
  app.mode = "history";
  const seq = begin();
  updateTimeline(n);
  const [json] = await Promise.all([guard(getJSON(graphPath(app.graph, "?version=" + n))), timeOf(n)]);
  if (seq !== app.loadSeq || !json) return;
  app.shown = GraphState.fromJSON(json);
  app.diff = null;
  visit().layout.place(app.shown);
  view.clearFlashes();
  renderScene();
  finish(seq);
}

// showDiff draws the graph at version to, with what changed since
// version from marked, and what was removed drawn where it was.
async function showDiff(from, to) {
  if (!app.live) return;
  stopPlay();
  from = clamp(Math.round(from), 1, app.live.version);
  to = clamp(Math.round(to), 1, app.live.version);
  app.mode = "diff";
  const seq = begin();
  updateTimeline(to, from);
  const g = app.graph;
  const [d, json] = await Promise.all([
    guard(getJSON(graphPath(g, `/diff?from=${from}&to=${to}`))),
    guard(getJSON(graphPath(g, "?version=" + to))),
    timeOf(to), timeOf(from),
  ]);
  if (seq !== app.loadSeq || !d || !json) return;
  const changes = changesFromDiff(d);
  app.shown = GraphState.fromJSON(json).withRemoved(changes.nodes.removed, changes.edges.removed);
  app.diff = { node: statuses(changes.nodes), edge: statuses(changes.edges), changes, from, to };
  visit().layout.place(app.shown);
  view.clearFlashes();
  renderScene();
  finish(seq);
}

function statuses(side) {
  const m = new Map();
  for (const status of ["added", "removed", "changed"]) {
    for (const x of side[status]) m.set(x.id, status);
  }
  return m;
}

// showWhatIf draws a dry run's answer over the live graph: what the
// pending transaction would add, remove (faded, where it was) and change,
// as a diff from the live version to the one it would get; null draws the
// live graph, with nothing pending.
function showWhatIf(answer) {
  if (!app.live) return;
  stopPlay();
  const seq = begin();
  app.mode = "whatif";
  if (answer) {
    const after = app.live.clone();
    const changes = after.applyFrame({ nodes: answer.nodes, edges: answer.edges, version: answer.version });
    app.shown = after.withRemoved(changes.nodes.removed, changes.edges.removed);
    app.diff = {
      node: statuses(changes.nodes), edge: statuses(changes.edges), changes, from: answer.base_version, to: answer.version,
      title: `What if: v${answer.base_version} → v${answer.version}, not stored`,
    };
  } else {
    app.shown = app.live;
    app.diff = null;
  }
  visit().layout.place(app.shown);
  view.clearFlashes();
  renderScene();
  finish(seq);
}

function goLive() {
  if (!app.live) return;
  stopPlay();
  const seq = begin();
  app.mode = "live";
  app.diff = null;
  app.shown = app.live;
  visit().layout.place(app.live);
  view.clearFlashes();
  renderScene();
  finish(seq);
}

// timeOf is the recorded time of version n: the time of its transaction's
// first event (GET .../events lists the first transaction whole).
async function timeOf(n) {
  if (n < 1 || app.times.has(n)) return app.times.get(n);
  const graph = app.graph;
  try {
    const page = await getJSON(graphPath(graph, `/events?after_version=${n - 1}&limit=1`));
    const ev = page.events[0];
    if (ev && ev.version === n && graph === app.graph) app.times.set(n, ev.recorded_at);
  } catch {
    // The label goes without a time; the graph is what matters.
  }
  return app.times.get(n);
}

// ---- replay ----

// play animates history from the slider's version (from the beginning
// when the slider is at the present) to the live version, one transaction
// per frame.
async function play() {
  if (!app.live) return;
  const atEnd = app.mode === "live" || app.shown.version >= app.live.version;
  const from = atEnd ? 0 : app.shown.version;
  stopPlay();
  const ctrl = new AbortController();
  app.player = ctrl;
  app.mode = "play";
  app.diff = null;
  begin();
  const graph = app.graph, to = app.live.version;
  updatePlayButton();
  try {
    // A replay the server ends early (its time per request, its frame
    // limit) says so in a last line with next_from: go on from there.
    let start = from, resumed = false;
    for (;;) {
      const query = (start > 0 ? `from=${start}&` : "") + `to=${to}&every=1`;
      let next = 0;
      for await (const f of ndjson(graphPath(graph, "/replay?" + query), { signal: ctrl.signal })) {
        if (f.error) {
          if (!f.next_from || f.next_from <= start) throw new APIError(0, f.code, f.error);
          next = f.next_from;
          break;
        }
        if (f.state) {
          if (!resumed) {
            app.shown = GraphState.fromJSON(f.state);
            view.clearFlashes();
          }
        } else {
          await sleep(FRAME_MS / speed(), ctrl.signal);
          view.flash(app.shown.applyFrame(f));
        }
        if (f.at && f.version > 0) app.times.set(f.version, f.at);
        visit().layout.place(app.shown);
        renderScene();
        updateTimeline(app.shown.version);
      }
      if (!next) break;
      start = next;
      resumed = true;
    }
  } catch (err) {
    if (!ctrl.signal.aborted) showError(err);
  } finally {
    if (app.player === ctrl) {
      app.player = null;
      app.mode = "history";
      finish(app.loadSeq);
      updatePlayButton();
    }
  }
}

function stopPlay() {
  if (!app.player) return;
  const p = app.player;
  app.player = null;
  p.abort();
  app.mode = "history";
  updatePlayButton();
}

function speed() {
  return Number($("speed").value) || 1;
}

// sleep paces replay frames; an abort ends it at once.
function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => { clearTimeout(t); reject(signal.reason); }, { once: true });
  });
}

// ---- timeline controls ----

// updateTimeline sets the slider, labels and buttons for the mode; shown
// (and from, in diff mode) override the versions while one is loading.
function updateTimeline(shown, from) {
  const live = app.live;
  const slider = $("slider"), diffFrom = $("diff-from");
  $("timeline").hidden = !live;
  if (!live) return;
  const max = Math.max(1, live.version);
  slider.max = diffFrom.max = String(max);
  const present = app.mode === "live" || app.mode === "whatif";
  const v = shown ?? (present ? live.version : app.shown?.version ?? live.version);
  slider.value = String(v);
  if (from !== undefined) diffFrom.value = String(from);
  $("diff-row").hidden = app.mode !== "diff";
  $("diff-btn").classList.toggle("active", app.mode === "diff");
  $("whatif-btn").classList.toggle("active", app.mode === "whatif");
  $("live-btn").classList.toggle("active", app.mode === "live");
  $("version-label").textContent = versionLabel(v, live.version);
  $("diff-label").textContent = app.mode === "diff" ? versionLabel(Number(diffFrom.value), live.version) : "";
  if (app.series && app.series.version < live.version && !app.seriesCtrl) refreshSeries(1000);
  drawChart();
  refreshStatus();
}

function versionLabel(v, max) {
  const at = app.times.get(v);
  return `v${v} of ${max}` + (at ? " · " + formatTime(at) : "");
}

function wireControls() {
  const slider = $("slider");
  slider.addEventListener("input", () => {
    // While dragging: say where the thumb is at once, load when it rests.
    $("version-label").textContent = versionLabel(Number(slider.value), app.live?.version ?? 0);
    drawChart();
    clearTimeout(sliderTimer);
    sliderTimer = setTimeout(() => showVersion(Number(slider.value)), SLIDER_DEBOUNCE_MS);
  });
  slider.addEventListener("change", () => {
    clearTimeout(sliderTimer);
    showVersion(Number(slider.value));
  });
  const diffFrom = $("diff-from");
  const diffNow = () => showDiff(Number(diffFrom.value), Number(slider.value));
  diffFrom.addEventListener("input", () => {
    clearTimeout(sliderTimer);
    sliderTimer = setTimeout(diffNow, SLIDER_DEBOUNCE_MS);
  });
  diffFrom.addEventListener("change", () => { clearTimeout(sliderTimer); diffNow(); });
  $("live-btn").addEventListener("click", () => goLive());
  $("play-btn").addEventListener("click", () => (app.player ? stopPlay() : play()));
  $("diff-btn").addEventListener("click", () => {
    if (!app.live) return;
    if (app.mode === "diff") return showVersion(Number(slider.value));
    // Compare the slider's version with the one before it, to start with.
    const to = app.mode === "live" ? app.live.version : Number(slider.value);
    return showDiff(Math.max(1, to - 1), to);
  });
  $("fit-btn").addEventListener("click", () => view.fit());
  $("whatif-btn").addEventListener("click", () => {
    if (!app.live) return;
    const opening = !whatIf.open;
    whatIf.show();
    // The panel takes a column from the drawing: fit it in what is left,
    // once the view has followed the canvas's new size (its resize
    // observer runs after this frame's callbacks).
    if (opening) requestAnimationFrame(() => requestAnimationFrame(() => view.fit()));
  });
  $("metric").addEventListener("change", () => refreshSeries(0));
  window.addEventListener("resize", () => drawChart());
  $("size-by").addEventListener("change", (ev) => { visit().sizeBy = ev.target.value; renderScene(); });
  $("color-by").addEventListener("change", (ev) => { visit().colorBy = ev.target.value; renderScene(); });
  $("hood-btn").addEventListener("click", () => setNeighbourhood(!app.hood.on));
  $("hood-hops").addEventListener("change", (ev) => {
    app.hood.hops = clamp(Number(ev.target.value) || 1, 1, MAX_HOPS);
    if (app.hood.on) renderScene({ fit: true });
  });
  new SearchBox($("node-search"), $("search-results"), {
    state: () => app.shown,
    describe: (id) => labelOf(app.shown.nodes.get(id)),
    choose: findNode,
  });
  // "/" goes to the search box, Escape leaves the neighbourhood, unless
  // the user is typing.
  document.addEventListener("keydown", (ev) => {
    if (ev.target.closest?.("input, select, textarea, dialog")) return;
    if (ev.key === "/") {
      ev.preventDefault();
      $("node-search").focus();
    } else if (ev.key === "Escape" && app.hood.on) {
      setNeighbourhood(false);
    }
  });
  $("graph-filter").addEventListener("input", () => renderGraphList());
  // A page left open in the back/forward cache would keep its stream, and
  // a browser allows only six connections to a host: a few reloads would
  // leave the next page waiting forever. Close it on the way out, and
  // follow again from the live version if the page comes back.
  window.addEventListener("pagehide", () => closeFeed());
  window.addEventListener("pageshow", (ev) => {
    if (ev.persisted && app.live && !app.feed) openFeed();
  });
  window.addEventListener("hashchange", () => {
    const id = graphFromHash();
    if (id && id !== app.graph) selectGraph(id);
  });
}

// updateControls fits the header's controls to the graph drawn: the
// properties to size and colour by, and whether there is a node whose
// neighbourhood to show.
function updateControls() {
  const v = visit();
  const keys = propertyKeys(app.shown);
  fillSelect($("size-by"), [[BY_DEGREE, "degree"], [BY_NONE, "none"]], keys.numeric, v.sizeBy);
  fillSelect($("color-by"), [[BY_TYPE, "type"]], keys.scalar, v.colorBy);
  const b = $("hood-btn");
  b.disabled = !app.hood.on && app.selected?.kind !== "node";
  b.classList.toggle("active", app.hood.on);
  b.setAttribute("aria-pressed", String(app.hood.on));
  $("hood-hops").value = String(app.hood.hops);
  $("node-search").disabled = false;
}

// fillSelect gives a select its fixed options ([value, text]) and one per
// property key (under "node property"), keeping the chosen one even when
// the graph no longer has its property; it rebuilds them only when they
// change, so an open select is not disturbed by live updates.
function fillSelect(select, fixed, keys, chosen) {
  const all = [...keys];
  const chosenKey = propertyOf(chosen);
  if (chosenKey !== null && !all.includes(chosenKey)) all.push(chosenKey);
  const signature = all.join("\n");
  if (select.dataset.keys !== signature) {
    const option = (value, text) => {
      const o = document.createElement("option");
      o.value = value;
      o.textContent = text;
      return o;
    };
    const group = document.createElement("optgroup");
    group.label = "node property";
    group.append(...all.map((k) => option(propertyChoice(k), k)));
    select.replaceChildren(...fixed.map(([value, text]) => option(value, text)), ...(all.length ? [group] : []));
    select.dataset.keys = signature;
  }
  select.value = chosen;
}

function updatePlayButton() {
  const b = $("play-btn");
  b.textContent = app.player ? "❚❚" : "▶";
  b.title = app.player ? "Pause" : "Play the history";
  b.classList.toggle("active", !!app.player);
}

// refreshStatus says in the header what is drawn: the live graph (and
// how its stream is doing) or a moment of its history.
function refreshStatus() {
  const s = $("status");
  const texts = {
    connecting: "connecting…", live: "live", reconnecting: "reconnecting…", offline: "offline, retrying",
    history: "history", diff: "diff", play: "replay", whatif: "what if",
  };
  const kind = !app.graph ? "" : app.mode === "live" ? app.streamState : app.mode;
  s.dataset.kind = kind;
  s.textContent = texts[kind] || "";
}

// ---- graph list ----

let graphIDs = [];

// pollGraphs refreshes the list of graphs with their heads, page by page.
async function pollGraphs() {
  try {
    const ids = [], heads = {};
    let after = "";
    for (let page = 0; page < 100; page++) {
      const res = await getJSON("/v1/graphs?detail=head&limit=1000" + (after ? "&after=" + encodeURIComponent(after) : ""));
      ids.push(...res.graphs);
      Object.assign(heads, res.heads || {});
      if (!res.next) break;
      after = res.next;
    }
    graphIDs = ids;
    for (const [g, h] of Object.entries(heads)) {
      const known = app.heads[g];
      if (!known || known.version <= h.version) app.heads[g] = h;
    }
    $("list-error").hidden = true;
    renderGraphList();
  } catch (err) {
    $("list-error").hidden = false;
    $("list-error").textContent = "Cannot list graphs: " + err.message;
  } finally {
    setTimeout(pollGraphs, POLL_MS);
  }
}

// renderGraphList redraws the list, reusing each graph's row so a poll
// does not flicker or lose focus.
const rows = new Map();
function renderGraphList() {
  const list = $("graph-list");
  const filter = $("graph-filter").value.trim().toLowerCase();
  const shown = graphIDs.filter((id) => id.toLowerCase().includes(filter));
  const keep = new Set(shown);
  for (const [id, row] of rows) if (!keep.has(id)) { row.remove(); rows.delete(id); }
  for (const id of shown) {
    let row = rows.get(id);
    if (!row) {
      row = document.createElement("li");
      const b = document.createElement("button");
      b.type = "button";
      b.dataset.graph = id;
      b.addEventListener("click", () => selectGraph(id));
      const name = document.createElement("span");
      name.className = "name";
      name.textContent = id;
      const meta = document.createElement("span");
      meta.className = "meta";
      b.append(name, meta);
      row.append(b);
      rows.set(id, row);
    }
    list.append(row); // appending an existing row moves it: keeps list order
    const h = app.heads[id];
    const meta = row.querySelector(".meta");
    meta.textContent = h ? `v${h.version} · ${relativeTime(h.recorded_at)}` : "";
    meta.title = h ? formatTime(h.recorded_at) : "";
  }
  $("list-empty").hidden = graphIDs.length > 0;
  markSelected();
}

function markSelected() {
  for (const [id, row] of rows) row.firstChild.classList.toggle("selected", id === app.graph);
}

function graphFromHash() {
  const m = /^#graph=(.+)$/.exec(location.hash);
  return m ? decodeURIComponent(m[1]) : "";
}

// ---- legend and details ----

// renderLegend describes the drawing: the neighbourhood shown, then the
// diff's colours, or the nodes' colours (with the size's meaning) and the
// edges' types.
function renderLegend(state, colouring) {
  const legend = $("legend");
  legend.replaceChildren();
  if (app.hood.on) {
    const hops = app.hood.hops === 1 ? "1 hop" : `${app.hood.hops} hops`;
    legend.append(legendTitle(`Neighbourhood of ${app.hood.focus}, ${hops}`));
    legend.append(legendNote(state.nodes.size === 0
      ? "not in this version"
      : `${state.nodes.size} of ${app.shown.nodes.size} nodes, ${state.edges.size} of ${app.shown.edges.size} edges`));
  }
  if (app.diff) {
    const st = view.stats;
    legend.append(legendTitle(app.diff.title || `Diff v${app.diff.from} → v${app.diff.to}`));
    for (const status of ["added", "removed", "changed"]) {
      legend.append(legendRow("dot", STATUS_COLORS[status], status, st[status], status === "removed" ? 0.4 : 1));
    }
    return;
  }
  const v = visit();
  const { title, rows, ramp } = colouring.legend;
  if (state.nodes.size > 0) {
    legend.append(legendTitle(title));
    if (ramp) legend.append(rampRow(ramp));
    legendRows(legend, rows, "dot", "values");
    const by = propertyOf(v.sizeBy);
    if (v.sizeBy !== BY_NONE) legend.append(legendNote(`size: ${by === null ? "degree" : by}`));
  }
  const counts = new Map();
  for (const e of state.edges.values()) counts.set(e.type, (counts.get(e.type) || 0) + 1);
  if (counts.size === 0) return;
  legend.append(legendTitle(`Edges (${state.edges.size})`));
  const types = [...counts.keys()].sort();
  legendRows(legend, types.map((t) => ({ color: v.edgeColors.color(t), label: t || "(no type)", count: counts.get(t) })), "line", "types");
}

// legendRows adds at most fourteen rows (twelve colours, "other" and
// "(none)"), then says how many are left out.
function legendRows(legend, rows, shape, what) {
  const max = 14;
  for (const r of rows.slice(0, max)) legend.append(legendRow(shape, r.color, r.label, r.count));
  if (rows.length > max) legend.append(legendNote(`… ${rows.length - max} more ${what}`));
}

// rampRow shows a numeric property's colour ramp from its lowest value to
// its highest.
function rampRow({ colors, low, high }) {
  const row = document.createElement("div");
  row.className = "legend-row";
  const lo = document.createElement("span");
  lo.textContent = formatNumber(low);
  const bar = document.createElement("span");
  bar.className = "swatch ramp";
  bar.style.background = `linear-gradient(to right, ${colors.join(", ")})`;
  const hi = document.createElement("span");
  hi.textContent = formatNumber(high);
  row.append(lo, bar, hi);
  return row;
}

function formatNumber(x) {
  return Number.isInteger(x) ? String(x) : x.toPrecision(3);
}

function legendNote(text) {
  const d = document.createElement("div");
  d.className = "legend-note";
  d.textContent = text;
  return d;
}

function legendTitle(text) {
  const d = document.createElement("div");
  d.className = "legend-title";
  d.textContent = text;
  return d;
}

function legendRow(shape, color, text, count, alpha = 1) {
  const row = document.createElement("div");
  row.className = "legend-row";
  const sw = document.createElement("span");
  sw.className = "swatch " + shape;
  sw.style.background = color;
  sw.style.opacity = String(alpha);
  const label = document.createElement("span");
  label.textContent = text;
  const n = document.createElement("span");
  n.className = "count";
  n.textContent = String(count);
  row.append(sw, label, n);
  return row;
}

function elementOf(sel) {
  if (!app.shown || !sel) return null;
  return (sel.kind === "node" ? app.shown.nodes : app.shown.edges).get(sel.id) || null;
}

// renderPanel shows the selected element: ID, type, ends, properties, and
// in a diff its status and property changes. Text only, never HTML: the
// values are user data.
function renderPanel() {
  const panel = $("panel");
  const el = elementOf(app.selected);
  panel.hidden = !el;
  if (!el) return;
  const kind = app.selected.kind;
  $("panel-kind").textContent = kind === "node" ? "Node" : "Edge";
  $("panel-title").textContent = kind === "node" ? labelOf(el) : el.id;
  const fields = [["ID", el.id], ["Type", el.type || "(no type)"]];
  if (kind === "edge") fields.push(["Source", el.source], ["Target", el.target]);
  const status = app.diff?.[kind].get(el.id);
  if (status) fields.push(["Diff", status]);
  const dl = $("panel-fields");
  dl.replaceChildren();
  for (const [k, v] of fields) {
    const dt = document.createElement("dt");
    dt.textContent = k;
    const dd = document.createElement("dd");
    dd.textContent = v;
    dl.append(dt, dd);
  }
  $("panel-properties").textContent = JSON.stringify(el.properties, null, 2);
  const changes = $("panel-changes");
  changes.replaceChildren();
  if (status === "changed") {
    const side = app.diff.changes[kind + "s"].changed.find((c) => c.id === el.id);
    for (const pc of side?.properties || []) {
      const li = document.createElement("li");
      li.textContent = `${pc.key}: ${show(pc.before)} → ${show(pc.after)}`;
      changes.append(li);
    }
  }
  $("panel-changes-title").hidden = changes.childElementCount === 0;
  renderElementHistory(kind, el.id);
}

// renderElementHistory shows the timeline of the selected element, reading
// it when another element is selected or the live graph has moved on.
function renderElementHistory(kind, id) {
  const h = app.elementHistory, key = `${app.graph}\n${kind}\n${id}`;
  const liveVersion = app.live ? app.live.version : 0;
  if (h.key !== key || (h.changes && h.at < liveVersion && app.mode === "live")) {
    h.ctrl?.abort();
    const ctrl = new AbortController();
    Object.assign(app.elementHistory, { key, changes: h.key === key ? h.changes : null, truncated: false, at: liveVersion, ctrl });
    loadHistory(app.graph, kind, id, { signal: ctrl.signal }).then((res) => {
      if (app.elementHistory.ctrl !== ctrl) return;
      Object.assign(app.elementHistory, { changes: res.changes, truncated: res.truncated, ctrl: null });
      renderPanel();
    }, (err) => {
      if (app.elementHistory.ctrl !== ctrl) return;
      Object.assign(app.elementHistory, { changes: [], ctrl: null });
      showError(err);
      renderPanel();
    });
  }
  const list = $("panel-history"), note = $("panel-history-note");
  const changes = app.elementHistory.changes;
  if (!changes) {
    list.replaceChildren();
    note.hidden = false;
    note.textContent = "Reading its history…";
    return;
  }
  note.hidden = !app.elementHistory.truncated;
  note.textContent = app.elementHistory.truncated ? `The first ${changes.length} changes` : "";
  renderHistory(list, changes, app.shown.version, (v) => {
    if (app.mode === "live" && v === app.live.version) return;
    showVersion(v);
  }, formatTime);
}

// ---- the metric chart ----

let chartMarker = 0;

// refreshSeries reads the chosen metric over the whole history, after
// delay ms (live updates come in bursts: one read for the burst).
function refreshSeries(delay) {
  clearTimeout(app.seriesTimer);
  app.seriesTimer = setTimeout(() => {
    if (!app.live) return;
    app.seriesCtrl?.abort();
    const ctrl = new AbortController();
    app.seriesCtrl = ctrl;
    const graph = app.graph;
    loadSeries(graph, $("metric").value, app.live.version, { signal: ctrl.signal }).then((s) => {
      if (app.seriesCtrl !== ctrl || graph !== app.graph) return;
      app.seriesCtrl = null;
      app.series = s;
      drawChart();
      if (app.live && s.version < app.live.version) refreshSeries(1000); // moved on meanwhile
    }, (err) => {
      if (app.seriesCtrl === ctrl) app.seriesCtrl = null;
      showError(err);
    });
  }, delay);
}

// drawChart draws the series with its marker at the slider's version.
function drawChart() {
  const canvas = $("chart");
  chartMarker = Number($("slider").value) || 0;
  drawSeries(canvas, app.series, chartMarker);
  const s = app.series;
  const val = s ? valueAt(s, chartMarker) : null;
  $("chart-label").textContent = s && val !== null
    ? `${s.metric} ${formatNumber(val)} at v${chartMarker}` : "";
}

function show(v) {
  return v === undefined ? "(none)" : JSON.stringify(v);
}

// ---- errors, auth, formatting ----

// guard shows a failed load's error and resolves to null, so callers only
// check for a value.
async function guard(promise) {
  try {
    return await promise;
  } catch (err) {
    showError(err);
    return null;
  }
}

function showError(err) {
  if (err?.name === "AbortError") return;
  const msg = err instanceof APIError ? `${err.message} (${err.status})` : String(err?.message || err);
  const box = $("error");
  box.textContent = msg;
  box.hidden = false;
  clearTimeout(showError.timer);
  showError.timer = setTimeout(() => { box.hidden = true; }, 8000);
}

// askToken shows the token dialog until a token is entered; it cannot be
// dismissed, since nothing works without one.
function askToken(rejected) {
  const dialog = $("auth-dialog"), form = $("auth-form"), input = $("auth-token");
  $("auth-message").textContent = rejected
    ? "The node refused the stored token. Enter the token it was started with (--http-token)."
    : "This node needs a token (--http-token). It is kept in this browser.";
  input.value = "";
  return new Promise((resolve) => {
    const submit = (ev) => {
      ev.preventDefault();
      const t = input.value.trim();
      if (!t) return;
      form.removeEventListener("submit", submit);
      dialog.close();
      resolve(t);
    };
    form.addEventListener("submit", submit);
    dialog.addEventListener("cancel", (ev) => ev.preventDefault(), { once: true });
    dialog.showModal();
    input.focus();
  });
}

function formatTime(iso) {
  const d = new Date(iso);
  return isNaN(d) ? iso : d.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "medium" });
}

function relativeTime(iso) {
  const s = (Date.now() - new Date(iso).getTime()) / 1000;
  if (!(s >= 0)) return formatTime(iso);
  if (s < 60) return `${Math.floor(s)} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return formatTime(iso);
}

function clamp(v, lo, hi) {
  return Math.min(hi, Math.max(lo, v));
}

// ---- start ----

setTokenPrompt(askToken);
wireControls();
updatePlayButton();
pollGraphs();
const initial = graphFromHash();
if (initial) selectGraph(initial);
