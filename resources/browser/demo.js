// The /demo page: compose requests, open them as streams over one SseProxy, and watch each
// stream's events live in a panel of its own. Everything upstreams send is shown as text
// (textContent), never as markup: upstreams are strangers (docs/SECURITY.md).
import { SseProxy } from "./client.js";

const LOG_ROWS = 60; // events kept on screen per panel

const $ = (id) => document.getElementById(id);
const proxyPath = document.querySelector('meta[name="ws-sse-proxy-path"]').content;

let proxy = null;
let proxyToken = null;
const panels = new Set();

function currentProxy() {
  const token = $("token").value.trim();
  if (proxy && token === proxyToken) return proxy;
  // A new token means a new connection: the token is checked when the WebSocket opens.
  proxy?.close();
  proxyToken = token;
  proxy = new SseProxy(proxyPath, token ? { token } : {});
  $("proxy-url").textContent = proxy.url;
  const show = (state, text) => {
    $("connection").dataset.state = state;
    $("connection-text").textContent = text;
  };
  proxy.onopen = () => show("open", "connected");
  proxy.ondisconnect = (e) => e.delayMs === null
      ? show("closed", "not connected")
      : show("connecting", `connection lost (${e.code}); again in ${(e.delayMs / 1000).toFixed(1)} s`);
  show("connecting", "connecting");
  return proxy;
}

// "Name: value" lines into an object; throws on a line without a colon.
function parseHeaders(text) {
  const headers = {};
  for (const [index, line] of text.split("\n").entries()) {
    if (!line.trim()) continue;
    const colon = line.indexOf(":");
    if (colon <= 0) throw new Error(`headers, line ${index + 1}: expected "Name: value"`);
    headers[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
  }
  return headers;
}

// JSON objects and arrays go as JSON (the proxy sets application/json), anything else as text.
function parseBody(text) {
  if (!text.trim()) return undefined;
  try {
    const value = JSON.parse(text);
    if (value !== null && typeof value === "object") return value;
  } catch { /* text */ }
  return text;
}

function openFromForm() {
  const options = {
    url: $("url").value.trim(),
    method: $("method").value,
    headers: parseHeaders($("headers").value),
    body: parseBody($("body").value),
    reconnect: $("reconnect").checked,
  };
  const stream = currentProxy().open(options);
  panels.add(new StreamPanel(stream, options));
}

const stateNames = ["connecting", "open", "closed"];

// One stream's panel: state, counts per event type, rate, last event ID and the latest events.
// Counting happens per event; drawing at most once per frame, so a fast stream costs the page
// little.
class StreamPanel {
  constructor(stream, options) {
    this.stream = stream;
    this.count = 0;
    this.types = new Map();
    this.pending = [];
    this.times = [];
    this.note = "";
    this.element = $("panel-template").content.firstElementChild.cloneNode(true);
    this.element.dataset.streamId = stream.id;
    this.part(".title").textContent = `#${stream.id} ${options.method} ${new URL(options.url).pathname}`;
    const target = new URL(options.url);
    this.part(".target").textContent = target.host + target.search + (options.reconnect ? " · reconnect" : "");
    this.part(".close").onclick = () => {
      if (this.stream.readyState === this.stream.CLOSED) this.remove();
      else { this.stream.close(); this.log("closed", "closed from this page"); this.draw(); }
    };
    stream.onopen = (e) => this.log("open", `HTTP ${e.status}`);
    stream.onreconnecting = (e) => this.log("reconnecting", `${e.reason}; attempt ${e.attempt}, in ${e.delayMs} ms`);
    stream.onerror = (e) => this.log("error", e.message);
    stream.onclose = (e) => this.log("closed", e.reason);
    // Every event type, named or not: wrap dispatchEvent, since a stream may name any type.
    const dispatch = stream.dispatchEvent.bind(stream);
    stream.dispatchEvent = (event) => {
      if (event instanceof MessageEvent) this.onEvent(event);
      return dispatch(event);
    };
    $("streams").append(this.element);
    $("empty").hidden = true;
    this.draw();
  }

  part(selector) { return this.element.querySelector(selector); }

  onEvent(event) {
    this.count += 1;
    this.types.set(event.type, (this.types.get(event.type) ?? 0) + 1);
    this.times.push(performance.now());
    this.log(event.type, event.data, event.lastEventId);
  }

  log(type, text, id = "") {
    this.pending.push({ type, text, id, time: new Date() });
    if (this.pending.length > LOG_ROWS) this.pending.shift();
    if (!this.frame) this.frame = requestAnimationFrame(() => this.draw());
  }

  draw() {
    this.frame = 0;
    const state = stateNames[this.stream.readyState];
    this.element.dataset.state = state;
    this.part(".state").textContent = state;
    this.part(".close").textContent = state === "closed" ? "remove" : "close";
    this.part(".count").textContent = this.count.toLocaleString();
    const now = performance.now();
    while (this.times.length && now - this.times[0] > 5000) this.times.shift();
    this.part(".rate").textContent = (this.times.length / 5).toFixed(1);
    this.part(".last-id").textContent = this.stream.lastEventId || "–";
    const types = this.part(".types");
    types.replaceChildren(...[...this.types].map(([type, n]) => {
      const chip = document.createElement("span");
      chip.className = "chip";
      chip.textContent = `${type} ${n}`;
      return chip;
    }));
    const log = this.part(".log");
    for (const entry of this.pending) {
      const row = document.createElement("li");
      row.dataset.kind = ["open", "reconnecting", "error", "closed"].includes(entry.type) && !entry.id
          ? entry.type : "event";
      const time = document.createElement("time");
      time.textContent = entry.time.toLocaleTimeString(undefined, { hour12: false }) + "." + String(entry.time.getMilliseconds()).padStart(3, "0");
      const type = document.createElement("b");
      type.textContent = entry.type;
      const text = document.createElement("span");
      text.textContent = entry.id ? `${entry.text}  (${entry.id})` : entry.text;
      row.append(time, type, text);
      log.prepend(row);
    }
    this.pending = [];
    while (log.childElementCount > LOG_ROWS) log.lastElementChild.remove();
  }

  remove() {
    this.element.remove();
    panels.delete(this);
    $("empty").hidden = panels.size > 0;
  }
}

// Rates fall when nothing arrives, so redraw open panels now and then.
setInterval(() => { for (const panel of panels) if (!panel.frame) panel.draw(); }, 1000);

$("compose").addEventListener("submit", (event) => {
  event.preventDefault();
  $("form-error").textContent = "";
  try {
    openFromForm();
  } catch (error) {
    $("form-error").textContent = error.message;
  }
});

$("close-all").addEventListener("click", () => {
  for (const panel of panels) panel.stream.close();
  for (const panel of panels) panel.draw();
});

// Examples keep the scheme, host and port typed in the URL field and replace the rest.
$("presets").addEventListener("click", (event) => {
  const button = event.target.closest("button");
  if (!button) return;
  let origin = "http://localhost:8081";
  try { origin = new URL($("url").value).origin; } catch { /* keep the default */ }
  $("method").value = button.dataset.method;
  $("url").value = origin + button.dataset.path;
  $("headers").value = button.dataset.headers ?? "";
  $("body").value = button.dataset.body ?? "";
  $("reconnect").checked = button.dataset.reconnect === "1";
});

$("proxy-url").textContent = new URL(proxyPath, location.href).href.replace(/^http/, "ws");
