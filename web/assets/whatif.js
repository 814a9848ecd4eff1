// whatif.js: the viewer's what-if mode (docs/ARCHITECTURE.md, "What-if").
// The user writes a pending transaction, the body POST .../transactions
// takes ({"events": [...]}, with transaction_id, expected_version and
// metadata if wanted), as JSON or with a small form that adds a node, an
// edge or a removal to it. Each version of it is asked of the node as a
// dry run (POST .../transactions?dry_run=true), which answers what it
// would change and the version it would get, storing nothing; the app
// draws that over the current graph. Submit sends the same body for real,
// with the same transaction ID, expecting the version the preview was
// judged on, so what lands is what was shown (a graph that moved on in
// between answers 409, and the preview is asked again); Discard drops it.
"use strict";

import { APIError, graphPath, postJSON } from "/ui/api.js";

const PREVIEW_DEBOUNCE_MS = 400; // typing settles before a dry run

// What the form adds, by its kind, and the fields each needs.
const FORMS = {
  node: { fields: ["id", "type"], event: (v) => ({ type: "NodeAdded", node_id: v.id, node_type: v.type }) },
  edge: {
    fields: ["id", "type", "source", "target"],
    event: (v) => ({ type: "EdgeAdded", edge_id: v.id, source_id: v.source, target_id: v.target, edge_type: v.type }),
  },
  "remove-node": { fields: ["id"], event: (v) => ({ type: "NodeRemoved", node_id: v.id }) },
  "remove-edge": { fields: ["id"], event: (v) => ({ type: "EdgeRemoved", edge_id: v.id }) },
};

export class WhatIf {
  // el holds the panel's elements (panel, body, result, preview, submit,
  // discard, form, kind, and the form's inputs id, type, source, target);
  // app gives graph() (the selected graph ID), show(answer) (draw a dry
  // run's answer over the live graph; null: nothing pending),
  // submitted(result) and close().
  constructor(el, app) {
    this.el = el;
    this.app = app;
    this.state = "idle"; // "previewing", "ready", "error", "submitting", "submitted"
    this.answer = null; // the last dry run's answer, for the text it was asked with
    this.asked = ""; // the text of the body the answer is for
    this.error = null; // {status, code, message} of the last refusal
    this.txID = newID();
    this.seq = 0;
    this.timer = 0;
    this.wire();
    this.fitForm();
  }

  get open() {
    return !this.el.panel.hidden;
  }

  // show opens the panel with an empty transaction, or the pending one.
  show() {
    this.el.panel.hidden = false;
    if (!this.el.body.value.trim()) this.el.body.value = format({ events: [] });
    this.preview();
  }

  wire() {
    const el = this.el;
    el.form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      this.add();
    });
    el.kind.addEventListener("change", () => this.fitForm());
    el.body.addEventListener("input", () => {
      this.setState("idle");
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.preview(), PREVIEW_DEBOUNCE_MS);
    });
    el.preview.addEventListener("click", () => this.preview());
    el.submit.addEventListener("click", () => this.submit());
    el.discard.addEventListener("click", () => this.discard());
  }

  // fitForm shows the inputs the chosen kind of event needs.
  fitForm() {
    const need = FORMS[this.el.kind.value].fields;
    for (const f of ["id", "type", "source", "target"]) this.el[f].hidden = !need.includes(f);
  }

  // add appends the form's event to the pending transaction and asks again.
  add() {
    const form = FORMS[this.el.kind.value];
    const v = {};
    for (const f of form.fields) v[f] = this.el[f].value.trim();
    if (!v.id || (v.source === "" || v.target === "")) {
      this.report(`Give the ${form.fields.filter((f) => f !== "type").join(", ")} of the event to add.`);
      return;
    }
    let body;
    try {
      body = this.body();
    } catch (err) {
      this.report(err.message);
      return;
    }
    const event = form.event(v);
    if (event.node_type === "" || event.edge_type === "") {
      delete event.node_type;
      delete event.edge_type;
    }
    body.events = [...(body.events || []), event];
    this.el.body.value = format(body);
    this.el.id.value = this.el.source.value = this.el.target.value = "";
    this.el.id.focus();
    this.preview();
  }

  // body reads the pending transaction: a JSON object.
  body() {
    const text = this.el.body.value.trim() || "{}";
    let body;
    try {
      body = JSON.parse(text);
    } catch (err) {
      throw new Error(`The transaction is not JSON: ${err.message}`);
    }
    if (body === null || typeof body !== "object" || Array.isArray(body)) {
      throw new Error('The transaction is a JSON object: {"events": [...]}');
    }
    return body;
  }

  // request is the body as sent: the pending transaction's ID unless the
  // user gave one.
  request() {
    const body = this.body();
    if (!body.transaction_id) body.transaction_id = this.txID;
    return body;
  }

  // preview asks the dry run of the pending transaction and draws its
  // answer; a transaction the node refuses (400, 409, 422…) says why and
  // draws the graph as it is.
  async preview() {
    clearTimeout(this.timer);
    if (!this.open) return;
    const seq = ++this.seq;
    let body;
    try {
      body = this.request();
    } catch (err) {
      this.report(err.message);
      return;
    }
    if (!body.events?.length) {
      this.answer = null;
      this.setState("idle");
      this.say("Add events to see what they would change.");
      this.app.show(null);
      return;
    }
    this.setState("previewing");
    const text = this.el.body.value;
    try {
      const answer = await postJSON(graphPath(this.app.graph(), "/transactions?dry_run=true"), body);
      if (seq !== this.seq) return;
      this.answer = answer;
      this.asked = text;
      this.error = null;
      this.setState("ready");
      this.say(answer.committed
        ? `Committed already, as version ${answer.version}: submitting it changes nothing.`
        : `Would be version ${answer.version} (the graph is at ${answer.base_version}).`);
      this.app.show(answer);
    } catch (err) {
      if (seq !== this.seq) return;
      this.refused(err);
    }
  }

  // submit sends the previewed transaction for real.
  async submit() {
    if (this.state !== "ready" || this.el.body.value !== this.asked) return;
    const body = this.request();
    const pinned = body.expected_version === undefined && !this.answer.committed;
    if (pinned) body.expected_version = this.answer.base_version;
    const seq = ++this.seq;
    this.setState("submitting");
    try {
      const res = await postJSON(graphPath(this.app.graph(), "/transactions"), body);
      if (seq !== this.seq) return;
      this.reset();
      this.setState("submitted");
      this.say(`Stored as version ${res.version}.`);
      this.app.submitted(res);
    } catch (err) {
      if (seq !== this.seq) return;
      // A conflict on the version the preview was judged on: the graph
      // moved on since, and what lands would not be what was drawn.
      const moved = pinned && err instanceof APIError && err.code === "conflict";
      this.refused(err, moved ? " The graph moved on since the preview: Preview again." : "");
    }
  }

  // discard drops the pending transaction and closes the panel.
  discard() {
    this.reset();
    this.setState("idle");
    this.say("");
    this.el.panel.hidden = true;
    this.app.close();
  }

  // refresh asks again, when the graph under the preview has moved on.
  refresh() {
    if (this.open && (this.state === "ready" || this.state === "error")) {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.preview(), PREVIEW_DEBOUNCE_MS);
    }
  }

  reset() {
    ++this.seq;
    clearTimeout(this.timer);
    this.txID = newID();
    this.answer = null;
    this.asked = "";
    this.error = null;
    this.el.body.value = format({ events: [] });
  }

  refused(err, hint = "") {
    const status = err instanceof APIError ? err.status : 0;
    this.error = { status, code: err.code || "", message: err.message };
    this.answer = null;
    this.setState("error");
    this.say((status ? `${status} ${err.code || ""}: ` : "") + err.message + hint, true);
    this.app.show(null);
  }

  // report says what is wrong with the text before anything is asked.
  report(message) {
    this.answer = null;
    this.error = { status: 0, code: "", message };
    this.setState("error");
    this.say(message, true);
    this.app.show(null);
  }

  say(text, bad = false) {
    this.el.result.textContent = text;
    this.el.result.classList.toggle("error", bad);
  }

  setState(state) {
    this.state = state;
    this.el.submit.disabled = state !== "ready" || !!this.answer?.committed;
    this.el.panel.dataset.state = state;
  }
}

function format(body) {
  return JSON.stringify(body, null, 2);
}

// newID is a transaction ID for a pending transaction: 16 random bytes in
// hex (crypto.randomUUID needs a secure context; a node's page may not be
// one).
function newID() {
  const b = crypto.getRandomValues(new Uint8Array(16));
  return "whatif-" + [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
}
