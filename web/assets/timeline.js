// timeline.js: which moment of the selected graph is drawn, and the
// footer that chooses it (the version slider, Live, Diff and its "compare
// with" slider, What if) with the header's status. Modes, one at a time:
//
//	live     the graph as it is now, kept so by live.js: the frame of
//	         every transaction is applied as it arrives and what it
//	         changed flashed
//	history  the graph as of the slider's version (GET .../graphs/{g}?version=N)
//	diff     what changed from the "compare with" version to the slider's
//	         version (GET .../diff): added green, removed red and faded,
//	         changed amber; everything else grey
//	play     a replay of the history (playback.js)
//	whatif   a pending transaction's dry run (whatif.js) drawn over the
//	         live graph as a diff from its version to the one the
//	         transaction would get, nothing stored; asked again as the
//	         live graph moves on, until it is submitted or discarded
//
// The live state keeps following in every mode, so "Live" returns to the
// present without a reload.
"use strict";

import { getJSON, graphPath } from "/ui/api.js";
import { guard } from "/ui/errors.js";
import { clamp, formatTime } from "/ui/format.js";
import { GraphState, changesFromDiff } from "/ui/model.js";

const SLIDER_DEBOUNCE_MS = 120; // a drag settles before it loads

export class Timeline {
  // el holds the footer's elements (timeline, slider, diffFrom, diffRow,
  // diffLabel, versionLabel, liveBtn, diffBtn, whatifBtn) and the header's
  // status. app is the viewer's state: the timeline reads graph, live,
  // loadSeq and streamState, and sets mode, shown, diff and times. parts
  // are the scene, view, playback, chart and whatIf it drives, and
  // begin() and finish(seq), which mark a load (see app.js).
  constructor(el, app, parts) {
    this.el = el;
    this.app = app;
    this.parts = parts;
    this.sliderTimer = 0;
    this.wire();
  }

  wire() {
    const el = this.el, app = this.app, { chart, view, whatIf } = this.parts;
    const slider = el.slider;
    slider.addEventListener("input", () => {
      // While dragging: say where the thumb is at once, load when it rests.
      el.versionLabel.textContent = this.versionLabel(Number(slider.value), app.live?.version ?? 0);
      chart.draw();
      clearTimeout(this.sliderTimer);
      this.sliderTimer = setTimeout(() => this.showVersion(Number(slider.value)), SLIDER_DEBOUNCE_MS);
    });
    slider.addEventListener("change", () => {
      clearTimeout(this.sliderTimer);
      this.showVersion(Number(slider.value));
    });
    const diffFrom = el.diffFrom;
    const diffNow = () => this.showDiff(Number(diffFrom.value), Number(slider.value));
    diffFrom.addEventListener("input", () => {
      clearTimeout(this.sliderTimer);
      this.sliderTimer = setTimeout(diffNow, SLIDER_DEBOUNCE_MS);
    });
    diffFrom.addEventListener("change", () => { clearTimeout(this.sliderTimer); diffNow(); });
    el.liveBtn.addEventListener("click", () => this.goLive());
    el.diffBtn.addEventListener("click", () => {
      if (!app.live) return;
      if (app.mode === "diff") return this.showVersion(Number(slider.value));
      // Compare the slider's version with the one before it, to start with.
      const to = app.mode === "live" ? app.live.version : Number(slider.value);
      return this.showDiff(Math.max(1, to - 1), to);
    });
    el.whatifBtn.addEventListener("click", () => {
      if (!app.live) return;
      const opening = !whatIf.open;
      whatIf.show();
      // The panel takes a column from the drawing: fit it in what is left,
      // once the view has followed the canvas's new size (its resize
      // observer runs after this frame's callbacks).
      if (opening) requestAnimationFrame(() => requestAnimationFrame(() => view.fit()));
    });
  }

  // showVersion draws the graph as of version n.
  async showVersion(n) {
    const app = this.app, { playback, scene, view } = this.parts;
    if (!app.live) return;
    playback.stop();
    n = clamp(Math.round(n), 1, app.live.version);
    if (app.mode === "diff") return this.showDiff(Number(this.el.diffFrom.value), n);
    app.mode = "history";
    const seq = this.parts.begin();
    this.update(n);
    const [json] = await Promise.all([guard(getJSON(graphPath(app.graph, "?version=" + n))), this.timeOf(n)]);
    if (seq !== app.loadSeq || !json) return;
    app.shown = GraphState.fromJSON(json);
    app.diff = null;
    scene.visit().layout.place(app.shown);
    view.clearFlashes();
    scene.render();
    this.parts.finish(seq);
  }

  // showDiff draws the graph at version to, with what changed since
  // version from marked, and what was removed drawn where it was.
  async showDiff(from, to) {
    const app = this.app, { playback, scene, view } = this.parts;
    if (!app.live) return;
    playback.stop();
    from = clamp(Math.round(from), 1, app.live.version);
    to = clamp(Math.round(to), 1, app.live.version);
    app.mode = "diff";
    const seq = this.parts.begin();
    this.update(to, from);
    const g = app.graph;
    const [d, json] = await Promise.all([
      guard(getJSON(graphPath(g, `/diff?from=${from}&to=${to}`))),
      guard(getJSON(graphPath(g, "?version=" + to))),
      this.timeOf(to), this.timeOf(from),
    ]);
    if (seq !== app.loadSeq || !d || !json) return;
    const changes = changesFromDiff(d);
    app.shown = GraphState.fromJSON(json).withRemoved(changes.nodes.removed, changes.edges.removed);
    app.diff = { node: statuses(changes.nodes), edge: statuses(changes.edges), changes, from, to };
    scene.visit().layout.place(app.shown);
    view.clearFlashes();
    scene.render();
    this.parts.finish(seq);
  }

  // showWhatIf draws a dry run's answer over the live graph: what the
  // pending transaction would add, remove (faded, where it was) and change,
  // as a diff from the live version to the one it would get; null draws the
  // live graph, with nothing pending.
  showWhatIf(answer) {
    const app = this.app, { playback, scene, view } = this.parts;
    if (!app.live) return;
    playback.stop();
    const seq = this.parts.begin();
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
    scene.visit().layout.place(app.shown);
    view.clearFlashes();
    scene.render();
    this.parts.finish(seq);
  }

  // goLive draws the live graph again.
  goLive() {
    const app = this.app, { playback, scene, view } = this.parts;
    if (!app.live) return;
    playback.stop();
    const seq = this.parts.begin();
    app.mode = "live";
    app.diff = null;
    app.shown = app.live;
    scene.visit().layout.place(app.live);
    view.clearFlashes();
    scene.render();
    this.parts.finish(seq);
  }

  // timeOf is the recorded time of version n: the time of its transaction's
  // first event (GET .../events lists the first transaction whole).
  async timeOf(n) {
    const app = this.app;
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

  // update sets the slider, labels and buttons for the mode; shown (and
  // from, in diff mode) override the versions while one is loading.
  update(shown, from) {
    const app = this.app, el = this.el;
    const live = app.live;
    const slider = el.slider, diffFrom = el.diffFrom;
    el.timeline.hidden = !live;
    if (!live) return;
    const max = Math.max(1, live.version);
    slider.max = diffFrom.max = String(max);
    const present = app.mode === "live" || app.mode === "whatif";
    const v = shown ?? (present ? live.version : app.shown?.version ?? live.version);
    slider.value = String(v);
    if (from !== undefined) diffFrom.value = String(from);
    el.diffRow.hidden = app.mode !== "diff";
    el.diffBtn.classList.toggle("active", app.mode === "diff");
    el.whatifBtn.classList.toggle("active", app.mode === "whatif");
    el.liveBtn.classList.toggle("active", app.mode === "live");
    el.versionLabel.textContent = this.versionLabel(v, live.version);
    el.diffLabel.textContent = app.mode === "diff" ? this.versionLabel(Number(diffFrom.value), live.version) : "";
    this.parts.chart.follow(live.version);
    this.refreshStatus();
  }

  versionLabel(v, max) {
    const at = this.app.times.get(v);
    return `v${v} of ${max}` + (at ? " · " + formatTime(at) : "");
  }

  // refreshStatus says in the header what is drawn: the live graph (and
  // how its stream is doing) or a moment of its history.
  refreshStatus() {
    const app = this.app, s = this.el.status;
    const texts = {
      connecting: "connecting…", live: "live", reconnecting: "reconnecting…", offline: "offline, retrying",
      history: "history", diff: "diff", play: "replay", whatif: "what if",
    };
    const kind = !app.graph ? "" : app.mode === "live" ? app.streamState : app.mode;
    s.dataset.kind = kind;
    s.textContent = texts[kind] || "";
  }
}

// statuses maps each element of a side of a change set ({added, removed,
// changed}) to its status.
function statuses(side) {
  const m = new Map();
  for (const status of ["added", "removed", "changed"]) {
    for (const x of side[status]) m.set(x.id, status);
  }
  return m;
}
