// api.js: the viewer's only door to the node, the public HTTP API v1.
//
// Authentication: a node started with --http-token answers 401 to /v1
// requests without "Authorization: Bearer <token>". The first 401 asks the
// user for the token (through the prompt the app installs with
// setTokenPrompt), keeps it in localStorage and retries; every request that
// got a 401 meanwhile waits for that same prompt. Streams are read with
// fetch too (ndjson), so they carry the token in the header as well.
"use strict";

const TOKEN_KEY = "graphlog.token";

let promptForToken = async () => { throw new Error("unauthorized and no way to ask for a token"); };
let pendingPrompt = null;

// setTokenPrompt installs fn(rejected: boolean) → Promise<string>, called
// on a 401; rejected tells whether a stored token was refused.
export function setTokenPrompt(fn) {
  promptForToken = fn;
}

export function token() {
  try {
    return localStorage.getItem(TOKEN_KEY) || "";
  } catch {
    return ""; // storage disabled: the user is asked each time
  }
}

function saveToken(t) {
  try {
    localStorage.setItem(TOKEN_KEY, t);
  } catch {
    // Not fatal: the token is used for this page anyway.
  }
}

// APIError is an answer that is not 2xx: the node's {"error", "code"}.
export class APIError extends Error {
  constructor(status, code, message) {
    super(message || `HTTP ${status}`);
    this.status = status;
    this.code = code;
  }
}

// request fetches path with the token, asking for a new one on 401; with
// body, it POSTs it as JSON (method may say otherwise).
export async function request(path, { signal, method, body } = {}) {
  for (;;) {
    const t = token();
    const headers = t ? { Authorization: "Bearer " + t } : {};
    const init = { headers, signal };
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.method = method || "POST";
      init.body = JSON.stringify(body);
    }
    const res = await fetch(path, init);
    if (res.status !== 401) {
      if (!res.ok) throw await errorOf(res);
      return res;
    }
    await askToken(t, signal);
  }
}

// askToken runs one prompt for all requests that got a 401 with token t.
async function askToken(t, signal) {
  if (t !== token()) return; // someone entered a new one meanwhile: retry with it
  if (!pendingPrompt) {
    pendingPrompt = promptForToken(t !== "").then((entered) => {
      saveToken(entered);
    }).finally(() => { pendingPrompt = null; });
  }
  await pendingPrompt;
  signal?.throwIfAborted();
}

async function errorOf(res) {
  let body = {};
  try {
    body = await res.json();
  } catch {
    // Not the API's JSON (a proxy's page): the status says enough.
  }
  return new APIError(res.status, body.code, body.error);
}

export async function getJSON(path, options) {
  return (await request(path, options)).json();
}

// postJSON posts body as JSON and reads the JSON answer.
export async function postJSON(path, body, options) {
  return (await request(path, { ...options, body })).json();
}

// ndjson yields the objects of a newline-delimited JSON answer as they
// arrive, so a long replay plays while it streams.
export async function* ndjson(path, { signal } = {}) {
  const res = await request(path, { signal });
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buf = "";
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += value;
      let nl;
      while ((nl = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (line) yield JSON.parse(line);
      }
    }
    if (buf.trim()) yield JSON.parse(buf);
  } finally {
    reader.cancel().catch(() => {});
  }
}

// graphPath builds /v1/graphs/{graph}{rest}; graph IDs are
// [A-Za-z0-9_-], but encoding costs nothing and survives a change.
export function graphPath(graph, rest = "") {
  return "/v1/graphs/" + encodeURIComponent(graph) + rest;
}
