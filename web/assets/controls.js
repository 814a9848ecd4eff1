// controls.js: the header's controls, which change how the graph is
// drawn, not what version: node size (by degree, none, or a numeric
// property) and colour (by type or a property) (encoding.js); the search
// box that finds a node by ID prefix, centres on it and selects it
// (search.js; "/" goes to it); the neighbourhood view, its hops and
// Escape to leave it; and Fit.
"use strict";

import { BY_DEGREE, BY_NONE, BY_TYPE, propertyChoice, propertyKeys, propertyOf } from "/ui/encoding.js";
import { clamp } from "/ui/format.js";
import { MAX_HOPS } from "/ui/neighbourhood.js";
import { SearchBox } from "/ui/search.js";
import { labelOf } from "/ui/view.js";

export class Controls {
  // el holds the controls (sizeBy, colorBy, hood, hops, search, results,
  // fit). app is the viewer's state: the controls read shown and selected
  // and set the neighbourhood's hops; scene is the Scene they change (its
  // visit's size and colour, its neighbourhood), view the View Fit fits.
  constructor(el, app, scene, view) {
    this.el = el;
    this.app = app;
    this.scene = scene;
    el.fit.addEventListener("click", () => view.fit());
    el.sizeBy.addEventListener("change", (ev) => { scene.visit().sizeBy = ev.target.value; scene.render(); });
    el.colorBy.addEventListener("change", (ev) => { scene.visit().colorBy = ev.target.value; scene.render(); });
    el.hood.addEventListener("click", () => scene.setNeighbourhood(!app.hood.on));
    el.hops.addEventListener("change", (ev) => {
      app.hood.hops = clamp(Number(ev.target.value) || 1, 1, MAX_HOPS);
      if (app.hood.on) scene.render({ fit: true });
    });
    new SearchBox(el.search, el.results, {
      state: () => app.shown,
      describe: (id) => labelOf(app.shown.nodes.get(id)),
      choose: (id) => scene.findNode(id),
    });
    // "/" goes to the search box, Escape leaves the neighbourhood, unless
    // the user is typing.
    document.addEventListener("keydown", (ev) => {
      if (ev.target.closest?.("input, select, textarea, dialog")) return;
      if (ev.key === "/") {
        ev.preventDefault();
        el.search.focus();
      } else if (ev.key === "Escape" && app.hood.on) {
        scene.setNeighbourhood(false);
      }
    });
  }

  // update fits the controls to the graph drawn: the properties to size
  // and colour by, and whether there is a node whose neighbourhood to show.
  update() {
    const app = this.app, el = this.el;
    const v = this.scene.visit();
    const keys = propertyKeys(app.shown);
    fillSelect(el.sizeBy, [[BY_DEGREE, "degree"], [BY_NONE, "none"]], keys.numeric, v.sizeBy);
    fillSelect(el.colorBy, [[BY_TYPE, "type"]], keys.scalar, v.colorBy);
    const b = el.hood;
    b.disabled = !app.hood.on && app.selected?.kind !== "node";
    b.classList.toggle("active", app.hood.on);
    b.setAttribute("aria-pressed", String(app.hood.on));
    el.hops.value = String(app.hood.hops);
    el.search.disabled = false;
  }
}

// fillSelect gives a select its fixed options ([value, text]) and one per
// property key (under "node property"), keeping the chosen one even when
// the graph no longer has its property; it rebuilds them only when they
// change, so an open select is not disturbed by live updates.
function fillSelect(select, fixed, keys, chosen) {
  const all = [...keys];
  const chosenKey = propertyOf(chosen);
  if (chosenKey !== null && !all.includes(chosenKey)) all.push(chosenKey);
  const signature = all.join("\n");
  if (select.dataset.keys !== signature) {
    const option = (value, text) => {
      const o = document.createElement("option");
      o.value = value;
      o.textContent = text;
      return o;
    };
    const group = document.createElement("optgroup");
    group.label = "node property";
    group.append(...all.map((k) => option(propertyChoice(k), k)));
    select.replaceChildren(...fixed.map(([value, text]) => option(value, text)), ...(all.length ? [group] : []));
    select.dataset.keys = signature;
  }
  select.value = chosen;
}
