// hook.js: window.graphlog, the viewer's test hook, for browser tests and
// the curious console.
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

// installHook sets window.graphlog over the viewer's state (app) and its
// parts, and returns it; ready, renderedMs and lastLoad are app.js's to
// set as loads begin and end.
export function installHook(app, { view, scene, panel, chart, whatIf, timeline, playback, live, select }) {
  const hook = {
    ready: false,
    renderedMs: null,
    lastLoad: null,
    get graph() { return app.graph; },
    get mode() { return app.mode; },
    get version() { return app.shown ? app.shown.version : 0; },
    get liveVersion() { return app.live ? app.live.version : 0; },
    follow: (on) => (on ? live.open() : live.close()),
    counts: () => ({ nodes: view.stats.nodes, edges: view.stats.edges }),
    diffCounts: () => ({ added: view.stats.added, removed: view.stats.removed, changed: view.stats.changed }),
    select: (id) => select(id),
    showVersion: (n) => timeline.showVersion(n),
    diff: (from, to) => timeline.showDiff(from, to),
    play: (speed) => playback.play(speed),
    live: () => timeline.goLive(),
    screenPosition: (id) => view.screenPosition(id),
    get settled() { return view.settled; },
    labels: () => ({ ...view.labelStats }),
    transform: () => view.transform,
    zoomTo: (scale) => view.zoomTo(scale),
    fit: () => view.fit(),
    neighbourhood: () => ({ on: app.hood.on, focus: app.hood.focus, hops: app.hood.hops }),
    frames: () => view.frameLog.slice(),
    elementHistory: () => panel.shown(),
    chart: () => chart.shown(),
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
        const p = scene.visit().layout.get(id);
        if (p) out[id] = [p.x, p.y];
      }
      return out;
    },
  };
  window.graphlog = hook;
  return hook;
}
