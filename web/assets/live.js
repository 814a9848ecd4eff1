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
"use strict";

import { APIError, graphPath, ndjson } from "/ui/api.js";

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
