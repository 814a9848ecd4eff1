// playback.js: the play button, which animates the selected graph's
// history (GET .../replay?every=1, one frame per transaction) at 1×, 4×
// or 16×, applying each frame's changes as the live view does
// (GraphState.applyFrame) and flashing them. When it ends or is paused
// the viewer stays in history at the last frame.
"use strict";

import { APIError, graphPath, ndjson } from "/ui/api.js";
import { showError } from "/ui/errors.js";
import { GraphState } from "/ui/model.js";

const FRAME_MS = 800; // one replay frame at 1×

export class Playback {
  // el holds the button and the speed <select>. app is the viewer's
  // state: playback reads graph and live, and sets mode, shown, diff and
  // times while it plays. scene is the Scene it draws with, view the View
  // it flashes changes on; on.begin() and on.finish(seq) mark a load (see
  // app.js), on.showing(v) moves the timeline to version v.
  constructor(el, app, scene, view, on) {
    this.el = el;
    this.app = app;
    this.scene = scene;
    this.view = view;
    this.on = on;
    this.player = null; // AbortController of the running replay
    el.button.addEventListener("click", () => (this.player ? this.stop() : this.play()));
  }

  get playing() {
    return this.player !== null;
  }

  // play animates history from the slider's version (from the beginning
  // when the slider is at the present) to the live version, one
  // transaction per frame; with speed, at that speed. It resolves when
  // the replay ends.
  async play(speed) {
    const app = this.app, view = this.view;
    if (speed) this.el.speed.value = String(speed);
    if (!app.live) return;
    const atEnd = app.mode === "live" || app.shown.version >= app.live.version;
    const from = atEnd ? 0 : app.shown.version;
    this.stop();
    const ctrl = new AbortController();
    this.player = ctrl;
    app.mode = "play";
    app.diff = null;
    this.on.begin();
    const graph = app.graph, to = app.live.version;
    this.updateButton();
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
            await sleep(FRAME_MS / this.speed(), ctrl.signal);
            view.flash(app.shown.applyFrame(f));
          }
          if (f.at && f.version > 0) app.times.set(f.version, f.at);
          this.scene.visit().layout.place(app.shown);
          this.scene.render();
          this.on.showing(app.shown.version);
        }
        if (!next) break;
        start = next;
        resumed = true;
      }
    } catch (err) {
      if (!ctrl.signal.aborted) showError(err);
    } finally {
      if (this.player === ctrl) {
        this.player = null;
        app.mode = "history";
        this.on.finish(app.loadSeq);
        this.updateButton();
      }
    }
  }

  // stop ends the replay, if one runs, leaving the viewer in history.
  stop() {
    if (!this.player) return;
    const p = this.player;
    this.player = null;
    p.abort();
    this.app.mode = "history";
    this.updateButton();
  }

  speed() {
    return Number(this.el.speed.value) || 1;
  }

  updateButton() {
    const b = this.el.button;
    b.textContent = this.player ? "❚❚" : "▶";
    b.title = this.player ? "Pause" : "Play the history";
    b.classList.toggle("active", !!this.player);
  }
}

// sleep paces replay frames; an abort ends it at once.
function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => { clearTimeout(t); reject(signal.reason); }, { once: true });
  });
}
