// app.js: graphlog's viewer. It starts the viewer and connects its parts;
// each part is a module of its own (web/doc.go lists them):
//
//	graphlist.js  the sidebar: the node's graphs, and the page's address
//	scene.js      the drawing of the state shown, with legend.js and the
//	              details panel (panel.js)
//	controls.js   the header's controls: size, colour, search, neighbourhood
//	timeline.js   which version is drawn (live, history, diff, what if) and
//	              the footer that chooses it, with playback.js and the
//	              metric chart (chart.js)
//	live.js       the live state, following the graph as it is committed
//	whatif.js     the what-if panel
//	hook.js       window.graphlog, the test hook
//
// It needs nothing but the public API v1; see api.js for authentication.
//
// The viewer's state is the object app below, which app.js makes and
// hands to the parts. Each part reads what it needs of it and changes
// only what its module says it does; what a part keeps for itself (the
// graph list's heads, the visits' layouts, the chart's series, the
// element history read, the replay running, the live feed) it owns.
"use strict";

import { getJSON, graphPath, setTokenPrompt } from "/ui/api.js";
import { SeriesChart } from "/ui/chart.js";
import { Controls } from "/ui/controls.js";
import { guard } from "/ui/errors.js";
import { GraphList, graphFromHash, showInAddress } from "/ui/graphlist.js";
import { installHook } from "/ui/hook.js";
import { LiveView } from "/ui/live.js";
import { GraphState } from "/ui/model.js";
import { Panel } from "/ui/panel.js";
import { Playback } from "/ui/playback.js";
import { Scene } from "/ui/scene.js";
import { Timeline } from "/ui/timeline.js";
import { askToken } from "/ui/tokendialog.js";
import { View } from "/ui/view.js";
import { WhatIf } from "/ui/whatif.js";

const $ = (id) => document.getElementById(id);

const app = {
  graph: "",
  live: null, // GraphState following the graph's frames (live.js)
  shown: null, // GraphState drawn: live itself in live mode
  mode: "live", // see timeline.js
  diff: null, // {node: Map id→status, edge: Map, changes, from, to, title}
  selected: null, // {kind, id}
  hood: { on: false, focus: "", hops: 1 }, // the neighbourhood view
  times: new Map(), // version → recorded_at, of the selected graph
  streamState: "offline", // "connecting", "live", "reconnecting" or "offline"
  loadSeq: 0, // a newer load makes an older answer moot
};

const view = new View($("canvas"), (hit) => scene.pick(hit));
const graphs = new GraphList({ list: $("graph-list"), filter: $("graph-filter"), error: $("list-error"), empty: $("list-empty") }, {
  selected: () => app.graph,
  select: (id) => selectGraph(id),
});
const chart = new SeriesChart({ canvas: $("chart"), label: $("chart-label"), metric: $("metric"), slider: $("slider") }, app);
const panel = new Panel({
  panel: $("panel"), kind: $("panel-kind"), title: $("panel-title"), fields: $("panel-fields"),
  properties: $("panel-properties"), changes: $("panel-changes"), changesTitle: $("panel-changes-title"),
  history: $("panel-history"), historyNote: $("panel-history-note"),
}, app, { showVersion: (v) => timeline.showVersion(v) });
const scene = new Scene(app, view, { legend: $("legend"), panel, controls: () => controls.update() });
const controls = new Controls({
  sizeBy: $("size-by"), colorBy: $("color-by"), hood: $("hood-btn"), hops: $("hood-hops"),
  search: $("node-search"), results: $("search-results"), fit: $("fit-btn"),
}, app, scene, view);
const playback = new Playback({ button: $("play-btn"), speed: $("speed") }, app, scene, view, {
  begin, finish, showing: (v) => timeline.update(v),
});
const whatIf = new WhatIf({
  panel: $("whatif"), body: $("whatif-body"), result: $("whatif-result"), preview: $("whatif-preview"),
  submit: $("whatif-submit"), discard: $("whatif-discard"), form: $("whatif-add"), kind: $("whatif-kind"),
  id: $("whatif-id"), type: $("whatif-type"), source: $("whatif-source"), target: $("whatif-target"),
}, {
  graph: () => app.graph,
  show: (answer) => timeline.showWhatIf(answer),
  submitted: () => timeline.goLive(),
  close: () => { if (app.mode === "whatif") timeline.goLive(); },
});
const timeline = new Timeline({
  timeline: $("timeline"), slider: $("slider"), diffFrom: $("diff-from"), diffRow: $("diff-row"),
  diffLabel: $("diff-label"), versionLabel: $("version-label"), liveBtn: $("live-btn"), diffBtn: $("diff-btn"),
  whatifBtn: $("whatif-btn"), status: $("status"),
}, app, { scene, view, playback, chart, whatIf, begin, finish });
const live = new LiveView(app, { scene, view, whatIf, timeline, graphs });
const hook = installHook(app, { view, scene, panel, chart, whatIf, timeline, playback, live, select: selectGraph });

// selectGraph shows graph id, live, from a fresh read of it; the graph
// shown already goes back to the present.
async function selectGraph(id) {
  if (!id) return;
  if (id === app.graph && app.live) return timeline.goLive();
  playback.stop();
  live.close();
  if (whatIf.open) whatIf.discard();
  app.graph = id;
  app.live = app.shown = app.diff = app.selected = null;
  app.hood.on = false;
  app.mode = "live";
  app.times.clear();
  chart.reset();
  view.clearFlashes();
  view.show(null);
  $("legend").replaceChildren();
  panel.hide();
  showInAddress(id);
  $("graph-title").textContent = id;
  $("empty").hidden = true;
  graphs.markSelected();
  const seq = begin();
  const t0 = performance.mark("graphlog:select").startTime;
  const json = await guard(getJSON(graphPath(id)));
  if (seq !== app.loadSeq || !json) return;
  const t1 = performance.now();
  app.live = GraphState.fromJSON(json);
  app.shown = app.live;
  const v = scene.visit();
  v.nodeColors.learn(typesOf(app.live.nodes));
  v.edgeColors.learn(typesOf(app.live.edges));
  v.layout.place(app.live);
  const t2 = performance.now();
  scene.render({ fit: true });
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
  const head = graphs.heads[id];
  if (head && head.version === app.live.version) app.times.set(head.version, head.recorded_at);
  else timeline.timeOf(app.live.version).then(() => timeline.update());
  live.open();
  chart.refresh(0);
  finish(seq);
}

// begin starts a load: the view is not ready until finish.
function begin() {
  hook.ready = false;
  return ++app.loadSeq;
}

function finish(seq) {
  if (seq !== app.loadSeq) return;
  timeline.update();
  hook.ready = true;
}

function typesOf(elements) {
  const types = new Set();
  for (const x of elements.values()) types.add(x.type);
  return types;
}

// ---- start ----

setTokenPrompt(askToken);
playback.updateButton();
graphs.poll();
const initial = graphFromHash();
if (initial) selectGraph(initial);
