// tokendialog.js: the dialog that asks for the node's token (#auth-dialog),
// the prompt api.js calls on a 401 (setTokenPrompt).
"use strict";

// askToken shows the token dialog until a token is entered; it cannot be
// dismissed, since nothing works without one. rejected tells whether the
// stored token was refused.
export function askToken(rejected) {
  const dialog = document.getElementById("auth-dialog");
  const form = document.getElementById("auth-form"), input = document.getElementById("auth-token");
  document.getElementById("auth-message").textContent = rejected
    ? "The node refused the stored token. Enter the token it was started with (--http-token)."
    : "This node needs a token (--http-token). It is kept in this browser.";
  input.value = "";
  return new Promise((resolve) => {
    const submit = (ev) => {
      ev.preventDefault();
      const t = input.value.trim();
      if (!t) return;
      form.removeEventListener("submit", submit);
      dialog.close();
      resolve(t);
    };
    form.addEventListener("submit", submit);
    dialog.addEventListener("cancel", (ev) => ev.preventDefault(), { once: true });
    dialog.showModal();
    input.focus();
  });
}
