// graphlist.js: the sidebar, the node's graphs each with its version and
// when it last changed (GET /v1/graphs?detail=head, polled, page by page),
// and a filter; and the page's address, which names the graph shown
// (#graph=<id>) so that a link opens it.
"use strict";

import { getJSON } from "/ui/api.js";
import { formatTime, relativeTime } from "/ui/format.js";

const POLL_MS = 3000; // graph list refresh

export class GraphList {
  // el holds the list, filter, error and empty elements. on.selected() is
  // the graph shown ("" for none), on.select(id) shows another (a click
  // on its row, or an address that names it).
  constructor(el, on) {
    this.el = el;
    this.on = on;
    this.ids = [];
    // graph → {version, recorded_at}: the list's heads, and newer ones the
    // live view noted.
    this.heads = {};
    this.rows = new Map(); // graph → its <li>, reused across polls
    el.filter.addEventListener("input", () => this.render());
    window.addEventListener("hashchange", () => {
      const id = graphFromHash();
      if (id && id !== on.selected()) on.select(id);
    });
  }

  // poll refreshes the list of graphs with their heads, then again every
  // POLL_MS.
  async poll() {
    const el = this.el;
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
      this.ids = ids;
      for (const [g, h] of Object.entries(heads)) {
        const known = this.heads[g];
        if (!known || known.version <= h.version) this.heads[g] = h;
      }
      el.error.hidden = true;
      this.render();
    } catch (err) {
      el.error.hidden = false;
      el.error.textContent = "Cannot list graphs: " + err.message;
    } finally {
      setTimeout(() => this.poll(), POLL_MS);
    }
  }

  // render redraws the list, reusing each graph's row so a poll does not
  // flicker or lose focus.
  render() {
    const list = this.el.list, rows = this.rows;
    const filter = this.el.filter.value.trim().toLowerCase();
    const shown = this.ids.filter((id) => id.toLowerCase().includes(filter));
    const keep = new Set(shown);
    for (const [id, row] of rows) if (!keep.has(id)) { row.remove(); rows.delete(id); }
    for (const id of shown) {
      let row = rows.get(id);
      if (!row) {
        row = document.createElement("li");
        const b = document.createElement("button");
        b.type = "button";
        b.dataset.graph = id;
        b.addEventListener("click", () => this.on.select(id));
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
      const h = this.heads[id];
      const meta = row.querySelector(".meta");
      meta.textContent = h ? `v${h.version} · ${relativeTime(h.recorded_at)}` : "";
      meta.title = h ? formatTime(h.recorded_at) : "";
    }
    this.el.empty.hidden = this.ids.length > 0;
    this.markSelected();
  }

  markSelected() {
    const graph = this.on.selected();
    for (const [id, row] of this.rows) row.firstChild.classList.toggle("selected", id === graph);
  }
}

// graphFromHash is the graph the page's address names, or "".
export function graphFromHash() {
  const m = /^#graph=(.+)$/.exec(location.hash);
  return m ? decodeURIComponent(m[1]) : "";
}

// showInAddress makes the page's address name graph id, without a new
// entry in the browser's history.
export function showInAddress(id) {
  if (location.hash !== "#graph=" + encodeURIComponent(id)) {
    history.replaceState(null, "", "#graph=" + encodeURIComponent(id));
  }
}
