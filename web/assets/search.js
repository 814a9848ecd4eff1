// search.js: the box that finds a node by its ID.
//
// Typing lists the nodes whose ID starts with what was typed (ignoring
// case), in ID order, at most LIMIT of them; Enter or a click picks one
// (the first unless the arrow keys moved on), Escape closes the list. The
// IDs are kept sorted per state (a binary search finds the first match),
// so a keystroke costs the matches, not the graph.
"use strict";

const LIMIT = 12;

const indexes = new WeakMap(); // state → {revision, keys}

// searchIndex is the node IDs of state as [lowercased ID, ID] pairs,
// sorted.
export function searchIndex(state) {
  let ix = indexes.get(state);
  if (!ix || ix.revision !== state.revision) {
    const keys = [...state.nodes.keys()].map((id) => [id.toLowerCase(), id]);
    keys.sort((a, b) => cmp(a[0], b[0]) || cmp(a[1], b[1]));
    ix = { revision: state.revision, keys };
    indexes.set(state, ix);
  }
  return ix.keys;
}

// prefixMatches returns {ids, total}: the first limit IDs of keys (a
// searchIndex) that start with prefix, ignoring case, and how many do.
export function prefixMatches(keys, prefix, limit = LIMIT) {
  const p = prefix.toLowerCase();
  const from = lowerBound(keys, p);
  const to = lowerBound(keys, p + "\uffff");
  const ids = [];
  for (let i = from; i < Math.min(to, from + limit); i++) ids.push(keys[i][1]);
  return { ids, total: to - from };
}

function lowerBound(keys, k) {
  let lo = 0, hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (keys[mid][0] < k) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

// SearchBox drives an <input> and the list under it. state() is the
// GraphState to search (or null), describe(id) a node's label, and
// choose(id) is called with the node picked.
export class SearchBox {
  constructor(input, list, { state, describe, choose }) {
    this.input = input;
    this.list = list;
    this.state = state;
    this.describe = describe;
    this.choose = choose;
    this.ids = [];
    this.active = 0;
    input.addEventListener("input", () => this.update());
    input.addEventListener("focus", () => this.update());
    input.addEventListener("keydown", (ev) => this.key(ev));
    input.addEventListener("blur", () => { list.hidden = true; });
    // A press on the list must not blur the input before its click lands.
    list.addEventListener("pointerdown", (ev) => ev.preventDefault());
    list.addEventListener("click", (ev) => {
      const b = ev.target.closest("button[data-node]");
      if (b) this.pick(b.dataset.node);
    });
  }

  update() {
    const state = this.state();
    const text = this.input.value.trim();
    if (!state || text === "") {
      this.ids = [];
      this.list.hidden = true;
      return;
    }
    const { ids, total } = prefixMatches(searchIndex(state), text);
    this.ids = ids;
    this.active = 0;
    this.list.replaceChildren();
    ids.forEach((id, i) => {
      const li = document.createElement("li");
      li.setAttribute("role", "option");
      const b = document.createElement("button");
      b.type = "button";
      b.dataset.node = id;
      const name = document.createElement("span");
      name.className = "id";
      name.textContent = id;
      b.append(name);
      const label = this.describe(id);
      if (label && label !== id) {
        const l = document.createElement("span");
        l.className = "label";
        l.textContent = label;
        b.append(l);
      }
      li.append(b);
      li.setAttribute("aria-selected", String(i === this.active));
      this.list.append(li);
    });
    const note = document.createElement("li");
    note.className = "note";
    note.textContent = total === 0 ? "No node ID starts so" : total > ids.length ? `${total - ids.length} more…` : "";
    if (note.textContent) this.list.append(note);
    this.list.hidden = false;
  }

  key(ev) {
    if (ev.key === "Escape") {
      this.input.value = "";
      this.update();
      this.input.blur();
      return;
    }
    if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
      ev.preventDefault();
      if (this.ids.length === 0) return;
      this.active = (this.active + (ev.key === "ArrowDown" ? 1 : this.ids.length - 1)) % this.ids.length;
      this.list.querySelectorAll("li[role=option]").forEach((li, i) => li.setAttribute("aria-selected", String(i === this.active)));
      return;
    }
    if (ev.key === "Enter") {
      ev.preventDefault();
      if (this.ids.length > 0) this.pick(this.ids[this.active]);
    }
  }

  pick(id) {
    this.input.value = id;
    this.list.hidden = true;
    this.choose(id);
  }
}

function cmp(a, b) {
  return a < b ? -1 : a > b ? 1 : 0;
}
