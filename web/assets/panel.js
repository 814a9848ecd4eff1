// panel.js: the details panel (#panel) of the selected node or edge: its
// ID, type, ends and properties, in a diff its status and property
// changes, and its history (elementhistory.js), read when another element
// is selected or the live graph has moved on; picking an entry of the
// history shows that version. Text only, never HTML: the values are user
// data.
"use strict";

import { loadHistory, renderHistory } from "/ui/elementhistory.js";
import { showError } from "/ui/errors.js";
import { showValue } from "/ui/format.js";
import { labelOf } from "/ui/view.js";

export class Panel {
  // el holds the panel's elements (panel, kind, title, fields, properties,
  // changes, changesTitle, history, historyNote). app is the viewer's
  // state, which the panel reads (graph, live, shown, mode, selected,
  // diff); on.showVersion(v) shows version v.
  constructor(el, app, on) {
    this.el = el;
    this.app = app;
    this.on = on;
    // The selected element's history: key "graph\nkind\nid" of the one
    // loaded or loading, its changes (null while loading), and the live
    // version it was read at.
    this.history = { key: "", changes: null, truncated: false, at: 0, ctrl: null };
  }

  hide() {
    this.el.panel.hidden = true;
  }

  // render shows the selected element, or hides the panel when there is
  // none in the state shown.
  render() {
    const app = this.app, el = this.el;
    const x = elementOf(app.shown, app.selected);
    el.panel.hidden = !x;
    if (!x) return;
    const kind = app.selected.kind;
    el.kind.textContent = kind === "node" ? "Node" : "Edge";
    el.title.textContent = kind === "node" ? labelOf(x) : x.id;
    const fields = [["ID", x.id], ["Type", x.type || "(no type)"]];
    if (kind === "edge") fields.push(["Source", x.source], ["Target", x.target]);
    const status = app.diff?.[kind].get(x.id);
    if (status) fields.push(["Diff", status]);
    const dl = el.fields;
    dl.replaceChildren();
    for (const [k, v] of fields) {
      const dt = document.createElement("dt");
      dt.textContent = k;
      const dd = document.createElement("dd");
      dd.textContent = v;
      dl.append(dt, dd);
    }
    el.properties.textContent = JSON.stringify(x.properties, null, 2);
    const changes = el.changes;
    changes.replaceChildren();
    if (status === "changed") {
      const side = app.diff.changes[kind + "s"].changed.find((c) => c.id === x.id);
      for (const pc of side?.properties || []) {
        const li = document.createElement("li");
        li.textContent = `${pc.key}: ${showValue(pc.before)} → ${showValue(pc.after)}`;
        changes.append(li);
      }
    }
    el.changesTitle.hidden = changes.childElementCount === 0;
    this.renderElementHistory(kind, x.id);
  }

  // renderElementHistory shows the timeline of the selected element,
  // reading it when another element is selected or the live graph has
  // moved on.
  renderElementHistory(kind, id) {
    const app = this.app, h = this.history, key = `${app.graph}\n${kind}\n${id}`;
    const liveVersion = app.live ? app.live.version : 0;
    if (h.key !== key || (h.changes && h.at < liveVersion && app.mode === "live")) {
      h.ctrl?.abort();
      const ctrl = new AbortController();
      Object.assign(h, { key, changes: h.key === key ? h.changes : null, truncated: false, at: liveVersion, ctrl });
      loadHistory(app.graph, kind, id, { signal: ctrl.signal }).then((res) => {
        if (h.ctrl !== ctrl) return;
        Object.assign(h, { changes: res.changes, truncated: res.truncated, ctrl: null });
        this.render();
      }, (err) => {
        if (h.ctrl !== ctrl) return;
        Object.assign(h, { changes: [], ctrl: null });
        showError(err);
        this.render();
      });
    }
    const list = this.el.history, note = this.el.historyNote;
    const changes = h.changes;
    if (!changes) {
      list.replaceChildren();
      note.hidden = false;
      note.textContent = "Reading its history…";
      return;
    }
    note.hidden = !h.truncated;
    note.textContent = h.truncated ? `The first ${changes.length} changes` : "";
    renderHistory(list, changes, app.shown.version, (v) => {
      if (app.mode === "live" && v === app.live.version) return;
      this.on.showVersion(v);
    });
  }

  // shown is the history the panel lists: {kind, id, loading, versions}.
  shown() {
    const h = this.history, [, kind = "", id = ""] = h.key.split("\n");
    return { kind, id, loading: h.changes === null, versions: (h.changes || []).map((c) => c.version) };
  }
}

// elementOf is the element sel ({kind, id}) names in state, or null.
export function elementOf(state, sel) {
  if (!state || !sel) return null;
  return (sel.kind === "node" ? state.nodes : state.edges).get(sel.id) || null;
}
