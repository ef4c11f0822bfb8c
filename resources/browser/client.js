// ws-sse-proxy browser client: many Server-Sent-Events streams over one WebSocket to the proxy,
// each shaped like an EventSource, plus what EventSource lacks (method, headers, body, reconnect
// by the proxy). No dependencies; served by the proxy as /client.js. docs/BROWSER-CLIENT.md is
// the manual, docs/PROTOCOL.md the wire protocol it speaks (requests with an "id", §4).
//
//   import { SseProxy } from "/client.js";
//   const proxy = new SseProxy("ws://localhost:3001/proxy", { token: "..." });
//   const ticks = proxy.open({ url: "http://127.0.0.1:8081/ticks", reconnect: true });
//   ticks.addEventListener("tick", (e) => console.log(e.lastEventId, e.data));
//   ticks.close();

const CONNECTING = 0;
const OPEN = 1;
const CLOSED = 2;

// The proxy sends this as a stream's `closed` reason when it stops (docs/PROTOCOL.md §6); its
// WebSocket closes right after. The stream has not ended, the proxy has: it is resumed on the
// next connection, as after any other loss of the WebSocket.
const SHUTDOWN_REASON = "proxy shutting down";

// An Event with extra read-only fields (status, headers, reason, message, attempt, ...).
export class SseProxyEvent extends Event {
  constructor(type, fields = {}) {
    super(type);
    for (const [name, value] of Object.entries(fields))
      Object.defineProperty(this, name, { value, enumerable: true });
  }
}

// `onfoo` properties like the DOM's event handler attributes: one listener per name, replaced
// by assignment, removed by null.
function defineHandlers(cls, names) {
  for (const name of names) {
    const slot = Symbol(name);
    Object.defineProperty(cls.prototype, "on" + name, {
      get() { return this[slot] ?? null; },
      set(handler) {
        if (this[slot]) this.removeEventListener(name, this[slot]);
        this[slot] = typeof handler === "function" ? handler : null;
        if (this[slot]) this.addEventListener(name, this[slot]);
      },
      configurable: true,
      enumerable: true,
    });
  }
}

// The request fields of docs/PROTOCOL.md §2 from an absolute http(s) URL.
function upstreamFields(url) {
  let parsed;
  try {
    parsed = new URL(url);
  } catch {
    throw new TypeError(`url: not an absolute URL: ${url}`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:")
    throw new TypeError(`url: must be http: or https:, got ${parsed.protocol}`);
  if (parsed.username || parsed.password)
    throw new TypeError("url: no user or password in the URL; send an Authorization header");
  const fields = { protocol: parsed.protocol.slice(0, -1), address: parsed.hostname,
                   path: parsed.pathname + parsed.search };
  if (parsed.port) fields.port = Number(parsed.port);
  return { fields, origin: parsed.origin };
}

// One stream: an upstream SSE request running through the proxy. Made by SseProxy.open().
export class SseStream extends EventTarget {
  static CONNECTING = CONNECTING;
  static OPEN = OPEN;
  static CLOSED = CLOSED;

  #proxy;
  #fields;      // the request as sent, minus Last-Event-ID (added per attempt)
  #origin;
  #readyState = CONNECTING;
  #finished = false; // closed by close() or by the proxy's `closed`: nothing more is dispatched
  #lastEventId;
  #idSeenSinceConnected = false;

  constructor(proxy, id, options) {
    super();
    if (!options || typeof options.url !== "string")
      throw new TypeError("open(): options.url (an http: or https: URL) is required");
    const { fields, origin } = upstreamFields(options.url);
    if (options.method !== undefined) fields.method = String(options.method);
    if (options.headers !== undefined) fields.headers = { ...options.headers };
    if (options.body !== undefined) fields.body = options.body;
    if (options.reconnect !== undefined) fields.reconnect = options.reconnect;
    this.#proxy = proxy;
    this.#fields = fields;
    this.#origin = origin;
    this.#lastEventId = options.lastEventId === undefined ? "" : String(options.lastEventId);
    Object.defineProperty(this, "id", { value: id, enumerable: true });
    Object.defineProperty(this, "url", { value: options.url, enumerable: true });
  }

  get readyState() { return this.#readyState; }
  get CONNECTING() { return CONNECTING; }
  get OPEN() { return OPEN; }
  get CLOSED() { return CLOSED; }
  // The ID of the last event received; sent as Last-Event-ID when the stream is resumed.
  get lastEventId() { return this.#lastEventId; }

  // Stops the stream: the proxy is told to cancel it and no event is dispatched any more.
  close() {
    if (this.#finished) return;
    this.#finished = true;
    this.#readyState = CLOSED;
    this.#proxy._forget(this, true);
  }

  // The request message for one attempt: the stream's own fields, its id, and Last-Event-ID
  // when there is one (it replaces the caller's, which only counts until an event arrives).
  _request() {
    const request = { id: this.id, ...this.#fields };
    if (this.#lastEventId !== "") {
      const headers = {};
      for (const [name, value] of Object.entries(this.#fields.headers ?? {}))
        if (name.toLowerCase() !== "last-event-id") headers[name] = value;
      headers["Last-Event-ID"] = this.#lastEventId;
      request.headers = headers;
    }
    return request;
  }

  // One message from the proxy about this stream (docs/PROTOCOL.md §3).
  _receive(message) {
    if (this.#finished) return;
    const payload = message.payload ?? {};
    switch (message.type) {
    case "connected":
      this.#readyState = OPEN;
      this.#idSeenSinceConnected = false;
      this.dispatchEvent(new SseProxyEvent("open", { status: payload.status, headers: payload.headers ?? {} }));
      break;
    case "sse-event":
      this.#noteEventId(payload.id);
      this.dispatchEvent(new MessageEvent(payload.event ?? "message", {
        data: payload.data ?? "", lastEventId: this.#lastEventId, origin: this.#origin }));
      break;
    case "reconnecting":
      this.#interrupted(payload);
      break;
    case "error":
      // Always followed by `closed`: the stream is over from here.
      this.#readyState = CLOSED;
      this.dispatchEvent(new SseProxyEvent("error", { message: payload.message ?? "" }));
      break;
    case "closed":
      if (payload.reason === SHUTDOWN_REASON) {
        this.#readyState = CONNECTING; // resumed once the proxy is back (see SHUTDOWN_REASON)
        return;
      }
      this.#finished = true;
      this.#readyState = CLOSED;
      this.#proxy._forget(this, false);
      this.dispatchEvent(new SseProxyEvent("close", { reason: payload.reason ?? "" }));
      break;
    }
  }

  // The WebSocket to the proxy was lost; the stream is asked for again on the next one.
  _lost(attempt, delayMs, reason) {
    if (this.#finished) return;
    if (this.#readyState === CLOSED) { // it failed (`error`) and its `closed` was lost with the socket
      this.#finished = true;
      this.#proxy._forget(this, false);
      this.dispatchEvent(new SseProxyEvent("close", { reason }));
      return;
    }
    this.#interrupted({ attempt, delayMs, lastEventId: this.#lastEventId, reason });
  }

  #interrupted(payload) {
    this.#readyState = CONNECTING;
    this.dispatchEvent(new SseProxyEvent("reconnecting", {
      attempt: payload.attempt, delayMs: payload.delayMs,
      lastEventId: payload.lastEventId ?? "", reason: payload.reason ?? "" }));
  }

  // The proxy sends an event's `id` only while the stream's last event ID is not empty. Within
  // one connection its absence after an ID means the upstream reset it (`id:` alone); before any
  // ID it only means this connection has not sent one yet, and the ID we resumed from stands
  // (an EventSource keeps its last event ID across reconnections too).
  #noteEventId(id) {
    if (id !== undefined) {
      this.#lastEventId = String(id);
      this.#idSeenSinceConnected = true;
    } else if (this.#idSeenSinceConnected) {
      this.#lastEventId = "";
    }
  }
}
defineHandlers(SseStream, ["open", "message", "error", "reconnecting", "close"]);

// One WebSocket to one proxy, carrying every stream opened on it. It connects when the first
// stream is opened, and when the connection is lost while streams are open it connects again
// with a growing delay and asks for each stream again from its last event ID.
export class SseProxy extends EventTarget {
  static CONNECTING = CONNECTING;
  static OPEN = OPEN;
  static CLOSED = CLOSED;

  #url;
  #options;
  #WebSocket;
  #socket = null;
  #streams = new Map();   // id -> SseStream, open ones only
  #sentOn = new Map();    // id -> the socket its request went out on
  #nextId = 1;
  #attempt = 0;           // connection attempts since the last one that opened
  #retryTimer = null;
  #closed = false;

  // url: ws:, wss:, or http(s): (mapped to ws(s):), absolute or relative to the page.
  // options.token: for proxy.authTokens, sent as ?token= (browsers cannot set headers on a
  //   WebSocket). options.reconnectDelayMs (500) and options.maxReconnectDelayMs (30000): the
  //   first wait after a lost connection and the cap as it doubles. options.WebSocket: another
  //   implementation (Node, tests).
  constructor(url, options = {}) {
    super();
    const base = globalThis.location?.href;
    const parsed = base ? new URL(url, base) : new URL(url);
    if (parsed.protocol === "http:") parsed.protocol = "ws:";
    else if (parsed.protocol === "https:") parsed.protocol = "wss:";
    if (parsed.protocol !== "ws:" && parsed.protocol !== "wss:")
      throw new TypeError(`SseProxy: ${url} is not a ws:, wss:, http: or https: URL`);
    this.#url = parsed.href;
    this.#options = { reconnectDelayMs: 500, maxReconnectDelayMs: 30000, ...options };
    this.#WebSocket = options.WebSocket ?? globalThis.WebSocket;
  }

  get url() { return this.#url; }
  // CONNECTING: connecting, or waiting to connect again; OPEN: connected; CLOSED: no
  // connection (none needed yet, or close() was called).
  get readyState() {
    if (this.#socket) return this.#socket.readyState === 1 ? OPEN : CONNECTING;
    return this.#retryTimer !== null ? CONNECTING : CLOSED;
  }
  get streams() { return [...this.#streams.values()]; }

  // Starts a stream: { url, method, headers, body, reconnect, lastEventId }.
  open(options) {
    if (this.#closed) throw new DOMException("this SseProxy is closed", "InvalidStateError");
    const stream = new SseStream(this, String(this.#nextId++), options);
    try {
      JSON.stringify(stream._request()); // a body that cannot be sent fails here, not at connect
    } catch (error) {
      throw new TypeError(`open(): the request cannot be sent as JSON: ${error.message}`);
    }
    this.#streams.set(stream.id, stream);
    if (this.#socket?.readyState === 1) this.#send(stream);
    else if (!this.#socket && this.#retryTimer === null) this.#connect();
    return stream;
  }

  // Ends every stream and the connection, for good.
  close() {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
    for (const stream of this.#streams.values()) stream.close();
    if (this.#socket) this.#socket.close(1000, "closed by the client");
  }

  #connect() {
    this.#retryTimer = null;
    if (this.#streams.size === 0) return; // every stream ended during the wait: connect on open()
    const url = new URL(this.#url);
    if (this.#options.token) url.searchParams.set("token", this.#options.token);
    const socket = new this.#WebSocket(url.href);
    this.#socket = socket;
    socket.onopen = () => {
      this.#attempt = 0;
      this.dispatchEvent(new SseProxyEvent("open"));
      for (const stream of this.#streams.values()) this.#send(stream);
    };
    socket.onmessage = (event) => this.#receive(event.data);
    socket.onclose = (event) => this.#onClose(socket, event);
  }

  #send(stream) {
    this.#sentOn.set(stream.id, this.#socket);
    this.#socket.send(JSON.stringify(stream._request()));
  }

  #receive(text) {
    let message;
    try {
      message = JSON.parse(text);
    } catch {
      return; // the proxy sends JSON only
    }
    // Messages without an id are about id-less requests (this client sends none) or the
    // socket as a whole (`closed` when idle): the close that follows says what matters.
    if (typeof message?.id !== "string") return;
    this.#streams.get(message.id)?._receive(message);
  }

  #onClose(socket, event) {
    if (socket !== this.#socket) return;
    this.#socket = null;
    this.#sentOn.clear();
    if (this.#closed || this.#streams.size === 0) {
      this.dispatchEvent(new SseProxyEvent("disconnect", { code: event.code, reason: event.reason, attempt: 0, delayMs: null }));
      return;
    }
    // Doubling from reconnectDelayMs to maxReconnectDelayMs, each wait 80-120 % of that, so
    // clients that lost the same proxy do not all come back in the same millisecond.
    this.#attempt += 1;
    const { reconnectDelayMs, maxReconnectDelayMs } = this.#options;
    const base = Math.min(maxReconnectDelayMs, reconnectDelayMs * 2 ** Math.min(this.#attempt - 1, 30));
    const delayMs = Math.round(base * (0.8 + 0.4 * Math.random()));
    this.#retryTimer = setTimeout(() => this.#connect(), delayMs);
    const reason = `connection to the proxy lost (${event.code}${event.reason ? " " + event.reason : ""})`;
    this.dispatchEvent(new SseProxyEvent("disconnect", { code: event.code, reason: event.reason, attempt: this.#attempt, delayMs }));
    for (const stream of this.#streams.values()) stream._lost(this.#attempt, delayMs, reason);
  }

  // SseStream's: the stream is over. `cancel`: the caller ended it, so tell the proxy (when its
  // request is running on the current socket; a lost socket took it with it).
  _forget(stream, cancel) {
    this.#streams.delete(stream.id);
    const socket = this.#sentOn.get(stream.id);
    this.#sentOn.delete(stream.id);
    if (cancel && socket && socket === this.#socket && socket.readyState === 1)
      socket.send(JSON.stringify({ type: "cancel", id: stream.id }));
  }
}
defineHandlers(SseProxy, ["open", "disconnect"]);
