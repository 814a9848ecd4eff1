// elementhistory.js: the selected element's history as a timeline, from
// GET .../nodes/{id}/history or .../edges/{id}/history: one entry per
// transaction that touched it (version, time, change, author, property
// changes), newest last. Picking an entry asks the app to show that
// version. Text only, never HTML: the values are user data.
"use strict";

import { getJSON, graphPath } from "/ui/api.js";
import { formatTime, showValue } from "/ui/format.js";

const PAGE = 1000;
const MAX_PAGES = 20; // 20,000 entries: more is not a timeline one reads

// loadHistory reads every page of kind ("node" or "edge") id's history in
// graph; truncated tells whether it stopped before the end.
export async function loadHistory(graph, kind, id, { signal } = {}) {
  const base = graphPath(graph, `/${kind}s/${encodeURIComponent(id)}/history?limit=${PAGE}`);
  const changes = [];
  let after = 0;
  for (let page = 0; page < MAX_PAGES; page++) {
    const res = await getJSON(base + (after ? `&after=${after}` : ""), { signal });
    changes.push(...(res.changes || []));
    if (!res.next_after || res.next_after <= after) return { changes, truncated: false };
    after = res.next_after;
  }
  return { changes, truncated: true };
}

// renderHistory fills list with one item per change; the entry of the
// version shown (the last change at or before it) is marked current.
// pick(version) is called when an entry is clicked.
export function renderHistory(list, changes, shownVersion, pick) {
  list.replaceChildren();
  let current = -1;
  changes.forEach((c, i) => { if (c.version <= shownVersion) current = i; });
  changes.forEach((c, i) => {
    const li = document.createElement("li");
    li.dataset.version = String(c.version);
    li.classList.toggle("current", i === current);
    li.tabIndex = 0;
    li.title = `Show version ${c.version}`;
    const head = document.createElement("div");
    head.className = "history-head";
    const v = document.createElement("span");
    v.className = "history-version";
    v.textContent = `v${c.version}`;
    const kind = document.createElement("span");
    kind.className = "history-change";
    kind.dataset.change = c.change || "";
    kind.textContent = c.change || "";
    head.append(v, kind);
    const meta = document.createElement("div");
    meta.className = "history-meta";
    const author = c.metadata?.author;
    meta.textContent = [c.recorded_at ? formatTime(c.recorded_at) : "", author ? `by ${author}` : ""].filter(Boolean).join(" · ");
    li.append(head, meta);
    for (const pc of c.properties || []) {
      const p = document.createElement("div");
      p.className = "history-prop";
      p.textContent = `${pc.key}: ${showValue(pc.before)} → ${showValue(pc.after)}`;
      li.append(p);
    }
    const go = () => pick(c.version);
    li.addEventListener("click", go);
    li.addEventListener("keydown", (ev) => { if (ev.key === "Enter") go(); });
    list.append(li);
  });
}
