// errors.js: what the viewer says when something fails: the page's toast
// (#error), shown for a few seconds. An aborted request (a load made moot
// by a newer one) is not a failure.
"use strict";

import { APIError } from "/ui/api.js";

const SHOWN_MS = 8000;

let hideTimer = 0;

export function showError(err) {
  if (err?.name === "AbortError") return;
  const msg = err instanceof APIError ? `${err.message} (${err.status})` : String(err?.message || err);
  const box = document.getElementById("error");
  box.textContent = msg;
  box.hidden = false;
  clearTimeout(hideTimer);
  hideTimer = setTimeout(() => { box.hidden = true; }, SHOWN_MS);
}

// guard shows a failed load's error and resolves to null, so callers only
// check for a value.
export async function guard(promise) {
  try {
    return await promise;
  } catch (err) {
    showError(err);
    return null;
  }
}
