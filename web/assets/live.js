// live.js: follows one graph as it is committed, with the frames of
// GET .../replay?from=V&follow=true (docs/ARCHITECTURE.md, "Replays that
// follow"): a keyframe with the state at V, then one frame per committed
// transaction with what it changed, as the server computed it. The viewer
// applies those changes (GraphState.applyFrame), the same code its
// playback runs for the frames of a replay.
//
// A stream that ends (the node shut down, the network failed, the node
// refused it) is followed again from the last version received, after a
// delay that grows while it keeps failing; the new keyframe is the state
// at that version, so nothing between is missed or applied twice.
//
// LiveView is the viewer's side of it: the live state it keeps, and what
// the viewer draws as each frame comes.
"use strict";

import { APIError, graphPath, ndjson } from "/ui/api.js";
import { showError } from "/ui/errors.js";
import { GraphState } from "/ui/model.js";

const RETRY_MIN_MS = 1000;
const RETRY_MAX_MS = 15000;

export class LiveFeed {
  // graph is followed from version from on. on.keyframe(frame) receives
  // each keyframe (the first, and one per reconnection), on.frame(frame)
  // each transaction's frame, on.state(s) the feed's state: "connecting",
  // "live", "reconnecting" (the stream ended; following again) or
  // "offline" (the node refused or could not be reached; retrying);
  // on.error(err), if given, a failure that is not the network's.
  constructor(graph, from, on) {
    this.graph = graph;
    this.version = from; // the last version received
    this.on = on;
    this.ctrl = null;
    this.timer = 0;
    this.delay = RETRY_MIN_MS;
    this.closed = false;
    this.run();
  }

  async run() {
    const ctrl = new AbortController();
    this.ctrl = ctrl;
    this.on.state("connecting");
    let ended = "offline";
    try {
      const path = graphPath(this.graph, `/replay?from=${this.version}&follow=true`);
      for await (const f of ndjson(path, { signal: ctrl.signal })) {
        if (ctrl.signal.aborted) return;
        if (f.error) {
          // The stream's last line: where it got to, and why it ends.
          if (f.next_from > this.version) this.version = f.next_from;
          ended = "reconnecting";
          break;
        }
        if (f.state) {
          this.delay = RETRY_MIN_MS;
          ended = "reconnecting";
          this.on.state("live");
          this.on.keyframe(f);
        } else if (f.version > this.version) {
          this.on.frame(f);
        }
        this.version = Math.max(this.version, f.version);
      }
    } catch (err) {
      if (ctrl.signal.aborted) return;
      // A refusal or a lost connection is retried; anything else is a
      // fault to show, and retried too.
      if (!(err instanceof APIError) && !(err instanceof TypeError)) this.on.error?.(err);
    }
    if (ctrl.signal.aborted || this.closed) return;
    this.on.state(ended);
    this.timer = setTimeout(() => { if (!this.closed) this.run(); }, this.delay);
    this.delay = Math.min(this.delay * 2, RETRY_MAX_MS);
  }

  // close stops following; nothing is received after it.
  close() {
    this.closed = true;
    clearTimeout(this.timer);
    this.ctrl?.abort();
  }
}

// LiveView keeps the viewer's live state (app.live) following the
// selected graph with a LiveFeed, and draws what each transaction changed
// when the present is shown. app is the viewer's state: the live view
// reads graph and mode, and sets live, shown (in live mode), times and
// streamState. parts are the scene and view it draws with, the whatIf to
// ask again when the graph under a preview moves on, the timeline to
// update, and the graphs list whose heads it moves on.
export class LiveView {
  constructor(app, parts) {
    this.app = app;
    this.parts = parts;
    this.feed = null; // the LiveFeed of the selected graph
    // A page left open in the back/forward cache would keep its stream, and
    // a browser allows only six connections to a host: a few reloads would
    // leave the next page waiting forever. Close it on the way out, and
    // follow again from the live version if the page comes back.
    window.addEventListener("pagehide", () => this.close());
    window.addEventListener("pageshow", (ev) => {
      if (ev.persisted && app.live && !this.feed) this.open();
    });
  }

  // open follows the selected graph from its live version.
  open() {
    const app = this.app;
    this.close();
    if (!app.live) return;
    const graph = app.graph;
    const mine = () => graph === app.graph && app.live;
    this.feed = new LiveFeed(graph, app.live.version, {
      state: (st) => { if (mine()) this.setStreamState(st); },
      keyframe: (f) => { if (mine()) this.onKeyframe(f); },
      frame: (f) => { if (mine()) this.apply(f); },
      error: showError,
    });
  }

  close() {
    this.feed?.close();
    this.feed = null;
  }

  setStreamState(state) {
    this.app.streamState = state;
    this.parts.timeline.refreshStatus();
  }

  // onKeyframe takes the state a (re)opened feed starts from: the live
  // version's own, unless the live state is somehow elsewhere.
  onKeyframe(f) {
    const app = this.app, { scene, timeline } = this.parts;
    if (f.version === app.live.version) return;
    app.live = GraphState.fromJSON(f.state);
    if (f.at) app.times.set(f.version, f.at);
    if (app.mode === "live") {
      app.shown = app.live;
      scene.visit().layout.place(app.live);
      scene.render();
    }
    timeline.update();
  }

  // apply applies one transaction's frame to the live state, and draws
  // what it changed when the present is shown.
  apply(f) {
    const app = this.app, { scene, view, whatIf, timeline, graphs } = this.parts;
    if (f.version <= app.live.version) return;
    const changes = app.live.applyFrame(f);
    if (f.at) {
      app.times.set(f.version, f.at);
      graphs.heads[app.graph] = { version: f.version, recorded_at: f.at };
    }
    if (app.mode === "live") {
      scene.visit().layout.place(app.live);
      view.flash(changes);
      scene.render();
    } else if (app.mode === "whatif") {
      whatIf.refresh(); // judged on the version before: ask again
    }
    timeline.update();
  }
}
