// The local exchange's web view: one EventSource on /_sandbox/web/stream, whose `directory`,
// `market` and `user` events each carry a whole part of the page; rendering replaces that part.
// Money arrives as fixed-point strings and is shown as sent; numbers are parsed only to draw.
"use strict";

const SVG = "http://www.w3.org/2000/svg";
const LEVELS = 15; // ladder rows per side
const sel = { market: null, user: null };
let source = null;
let directory = null;

function h(tag, attrs = {}, ...children) {
  const el = tag.startsWith("svg:") ? document.createElementNS(SVG, tag.slice(4)) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== null && v !== undefined) el.setAttribute(k, v);
  for (const c of children) el.append(c instanceof Node ? c : document.createTextNode(c ?? ""));
  return el;
}

function rows(tbody, items, cells, attrs = () => ({})) {
  document.querySelector(tbody).replaceChildren(...items.map((x) => h("tr", attrs(x), ...cells(x).map((c) => h("td", {}, c)))));
}

const time = (iso) => (iso ? new Date(iso).toLocaleTimeString() : "");
const text = (id, value) => { document.getElementById(id).textContent = value; };

// ---- selection and the stream

function readHash() {
  const q = new URLSearchParams(location.hash.slice(1));
  sel.market = q.get("market");
  sel.user = q.get("user");
}

function select(change) {
  Object.assign(sel, change);
  history.replaceState(null, "", "#" + query());
  connect();
}

function query() {
  const q = new URLSearchParams();
  for (const k of ["market", "user"]) if (sel[k]) q.set(k, sel[k]);
  return q;
}

function connect() {
  if (source) source.close();
  source = new EventSource("/_sandbox/web/stream?" + query());
  const conn = document.getElementById("conn");
  conn.dataset.state = "connecting";
  conn.textContent = "connecting";
  source.onopen = () => { conn.dataset.state = "live"; conn.textContent = "live"; };
  source.onerror = () => {
    conn.dataset.state = "connecting";
    conn.textContent = "reconnecting";
    // The browser retries dropped streams itself, but gives up on an error answer.
    if (source.readyState === EventSource.CLOSED) setTimeout(recover, 1000);
  };
  for (const [part, render] of Object.entries({ directory: renderDirectory, market: renderMarket, user: renderUser })) {
    source.addEventListener(part, (e) => render(JSON.parse(e.data)));
  }
}

async function recover() {
  const r = await fetch("/_sandbox/web/state?" + query()).catch(() => null);
  if (r && r.status === 404) Object.assign(sel, { market: null, user: null }); // gone: pick anew
  select({});
}

// ---- directory: series > event > market, and the user list

function renderDirectory(d) {
  directory = d;
  const nav = document.getElementById("directory");
  const open = new Set([...nav.querySelectorAll("details[open]")].map((x) => x.dataset.series));
  nav.replaceChildren(...d.series.map((s) => {
    const box = h("details", { "data-series": s.ticker }, h("summary", { title: s.title }, s.ticker));
    box.open = open.has(s.ticker) || s.events.some((e) => e.markets.some((m) => m.ticker === sel.market));
    for (const e of s.events) {
      box.append(h("div", { class: "event", title: e.title }, e.ticker));
      for (const m of e.markets) {
        const b = h("button", { "data-ticker": m.ticker, "aria-current": String(m.ticker === sel.market), title: m.title },
          h("span", {}, m.ticker.slice(e.ticker.length + 1) || m.ticker), h("span", { class: "status" }, m.status));
        b.onclick = () => select({ market: m.ticker });
        box.append(b);
      }
    }
    return box;
  }));
  const users = document.getElementById("user");
  users.replaceChildren(...d.users.map((u) => h("option", { value: u }, u)));
  const first = d.series.flatMap((s) => s.events.flatMap((e) => e.markets)).find((m) => m.status === "active");
  const wanted = { market: sel.market || first?.ticker || null, user: sel.user || (d.users.includes("demo") ? "demo" : d.users[0] || null) };
  users.value = wanted.user || "";
  if (wanted.market !== sel.market || wanted.user !== sel.user) select(wanted);
}

// ---- market: ladder, depth, candles, tape, lifecycle

function renderMarket(p) {
  if (!p) return;
  const m = p.market;
  text("ctl-market", m.ticker);
  document.getElementById("market-head").replaceChildren(
    h("b", {}, m.ticker), h("span", {}, m.title + " · "), h("span", { id: "market-status" }, m.status),
    h("span", {}, ` · bid ${m.yes_bid_dollars} / ask ${m.yes_ask_dollars} · last ${m.last_price_dollars} · volume ${m.volume_fp}`));
  const asks = p.asks.slice(0, LEVELS).reverse();
  const bids = p.bids.slice(0, LEVELS);
  const ladder = [...asks.map(([px, n]) => ["ask", px, n]), ...bids.map(([px, n]) => ["bid", px, n])];
  rows("#ladder tbody", ladder, ([side, px, n]) => [px, side === "bid" ? n : "", side === "ask" ? n : ""],
    ([side, px], i) => ({ class: side + (side === "ask" && i === asks.length - 1 ? " spread" : ""), "data-side": side, "data-price": px }));
  drawDepth(p.bids, p.asks);
  drawCandles(p.candles);
  rows("#tape tbody", p.trades, (t) => [time(t.created_time), t.yes_price_dollars, t.count_fp, t.taker_outcome_side],
    (t) => ({ "data-trade-id": t.trade_id, class: t.taker_outcome_side === "yes" ? "bid" : "ask" }));
  document.getElementById("lifecycle").replaceChildren(...p.lifecycle.map((s) =>
    h("li", { class: s.done ? "done" : "pending" }, `${s.kind} ${s.done ? "" : "(scheduled) "}${new Date(s.time).toLocaleString()} ${s.detail}`)));
}

function drawDepth(bids, asks) {
  const svg = document.getElementById("depth");
  const W = 400, H = 200, pad = 14;
  const side = (levels) => { let sum = 0; return levels.map(([px, n]) => [Number(px), (sum += Number(n))]); };
  const b = side(bids), a = side(asks);
  const top = Math.max(1, ...b.map((x) => x[1]), ...a.map((x) => x[1]));
  const prices = [...b, ...a].map((x) => x[0]);
  const lo = Math.max(0, Math.min(...prices, 1) - 0.05), hi = Math.min(1, Math.max(...prices, 0) + 0.05);
  const x = (px) => pad + ((px - lo) / (hi - lo || 1)) * (W - 2 * pad), y = (n) => H - pad - (n / top) * (H - 2 * pad);
  // Cumulative size from the best price outwards: level i's total holds until level i + 1.
  const path = (pts, edge) => {
    if (!pts.length) return "";
    let d = `M${x(pts[0][0])},${y(0)}`;
    pts.forEach(([, n], i) => { d += `V${y(n)}H${x(i + 1 < pts.length ? pts[i + 1][0] : edge)}`; });
    return d + `V${y(0)}Z`;
  };
  svg.replaceChildren(
    h("svg:path", { class: "bid", d: path(b, lo) }),
    h("svg:path", { class: "ask", d: path(a, hi) }),
    h("svg:text", { x: pad, y: H - 2 }, lo.toFixed(2)), h("svg:text", { x: W - pad - 20, y: H - 2 }, hi.toFixed(2)),
    h("svg:text", { x: pad, y: pad }, `${top}`));
}

function drawCandles(candles) {
  const svg = document.getElementById("candles");
  const W = 400, H = 200, pad = 14;
  const num = (v) => (v === null || v === undefined ? null : Number(v));
  const values = candles.flatMap((c) => [num(c.low), num(c.high), num(c.yes_bid_close), num(c.yes_ask_close)]).filter((v) => v !== null);
  if (!values.length) { svg.replaceChildren(h("svg:text", { x: pad, y: H / 2 }, "no candles yet")); return; }
  let lo = Math.min(...values), hi = Math.max(...values);
  if (hi - lo < 0.02) { lo -= 0.01; hi += 0.01; }
  const step = (W - 2 * pad) / Math.max(candles.length, 1);
  const x = (i) => pad + i * step + step / 2, y = (v) => H - pad - ((v - lo) / (hi - lo)) * (H - 2 * pad);
  const quote = (key) => candles.map((c, i) => `${i ? "L" : "M"}${x(i)},${y(num(c[key]))}`).join("");
  const bars = candles.flatMap((c, i) => {
    const o = num(c.open), cl = num(c.close);
    if (o === null || cl === null) return [];
    const cls = cl >= o ? "up" : "down";
    return [h("svg:line", { class: cls, x1: x(i), x2: x(i), y1: y(num(c.high)), y2: y(num(c.low)) }),
      h("svg:rect", { class: cls, x: x(i) - step * 0.35, width: step * 0.7, y: y(Math.max(o, cl)), height: Math.max(1, Math.abs(y(o) - y(cl))) })];
  });
  svg.replaceChildren(h("svg:path", { class: "quote", d: quote("yes_bid_close") }), h("svg:path", { class: "quote", d: quote("yes_ask_close") }), ...bars,
    h("svg:text", { x: 2, y: pad }, hi.toFixed(2)), h("svg:text", { x: 2, y: H - 2 }, lo.toFixed(2)));
}

// ---- user: balance, positions, orders, fills, groups

function renderUser(u) {
  if (!u) return;
  text("ctl-feed-user", sel.user);
  text("balance", "$" + u.balance_dollars);
  text("balance-by-index", u.balance_by_index.map((b) => `index ${b.exchange_index}: $${b.balance_dollars}`).join(", "));
  text("reserved", "$" + u.reserved_dollars);
  text("portfolio", "$" + u.portfolio_value_dollars);
  text("resting-total", `(${u.resting_total})`);
  rows("#positions tbody", u.positions, (p) => [p.ticker, p.position_fp, p.market_exposure_dollars, p.realized_pnl_dollars]);
  rows("#orders tbody", u.resting_orders, (o) => [o.ticker, o.book_side, o.yes_price_dollars, o.remaining_count_fp], (o) => ({ "data-order-id": o.order_id }));
  rows("#fills tbody", u.fills, (f) => [time(f.created_time), f.ticker, f.book_side, f.yes_price_dollars, f.count_fp], (f) => ({ "data-fill-id": f.fill_id }));
  rows("#groups tbody", u.order_groups, (g) => [g.id.slice(-8), g.contracts_limit_fp, g.triggered ? "triggered" : "active"]);
}

// ---- controls: the control plane's actions (/_sandbox/ctl), shown only while the switch is on

const val = (id) => document.getElementById(id).value.trim();
const CTL = {
  price: () => ["POST", `/markets/${sel.market}/price`, { price: val("ctl-price") }],
  pause: () => ["POST", `/markets/${sel.market}/pause`, {}],
  open: () => ["POST", `/markets/${sel.market}/open`, {}],
  close: () => ["POST", `/markets/${sel.market}/close`, {}],
  "settle-yes": () => ["POST", `/markets/${sel.market}/settle`, { result: "yes" }],
  "settle-no": () => ["POST", `/markets/${sel.market}/settle`, { result: "no" }],
  clock: () => ["POST", "/clock", { advance_seconds: val("ctl-seconds") }],
  faults: () => ["PUT", "/faults", { http_429_rate: val("ctl-429"), seq_gap_rate: val("ctl-gap") }],
  "ws-drop": () => ["POST", "/faults/ws-drop", {}],
  book: () => ["PUT", `/markets/${sel.market}/book`, { yes: levels("ctl-book-yes"), no: levels("ctl-book-no") }],
  series: () => ["POST", "/series", { ticker: val("ctl-series") }],
  event: () => ["POST", "/events", { event_ticker: val("ctl-event"), series_ticker: val("ctl-series") }],
  market: () => ["POST", "/markets", { ticker: val("ctl-new-market"), event_ticker: val("ctl-event") }],
  collection: () => ["POST", "/collections", {
    collection_ticker: val("ctl-collection"), series_ticker: val("ctl-series"), events: words("ctl-collection-events"),
    // Optional legs per combo (the control plane's defaults: 2 to min(events, 4)); a value
    // that is not a whole number goes as sent, and the 400 that follows is shown.
    ...(val("ctl-collection-min") && { size_min: Number(val("ctl-collection-min")) }),
    ...(val("ctl-collection-max") && { size_max: Number(val("ctl-collection-max")) }),
  }],
  user: () => ["POST", "/users", {
    name: val("ctl-user"), balance: val("ctl-balance"), member_type: val("ctl-member-type"), ...(val("ctl-tier") && { tier: val("ctl-tier") }),
  }],
  "feed-on": () => ["PUT", `/users/${encodeURIComponent(sel.user)}/feeds`, { pyth_value: true }],
  "feed-off": () => ["PUT", `/users/${encodeURIComponent(sel.user)}/feeds`, { pyth_value: false }],
  reset: () => ["POST", "/reset", val("ctl-seed") ? { seed: Number(val("ctl-seed")) } : {}],
};
const words = (id) => val(id).split(/[\s,]+/).filter(Boolean);
// "0.40:10 0.38:5" -> [["0.40", "10"], ["0.38", "5"]]; a malformed level goes as typed: the control
// plane's 400 says what is wrong with it.
const levels = (id) => words(id).map((w) => w.split(":"));

async function control(method, path, body) {
  const out = document.getElementById("ctl-result");
  const r = await fetch("/_sandbox/ctl" + path, { method, headers: { "Content-Type": "application/json" }, body: body && JSON.stringify(body) });
  const data = await r.json();
  out.className = r.ok ? "" : "error";
  out.textContent = r.ok ? `${method} ${path}: done` : `${method} ${path}: ${data.error?.message ?? r.status}`;
  if (r.ok && data.activity) showActivity(data.activity);
  return data;
}

function showActivity(a) {
  for (const k of ["makers", "traders", "lifecycle"]) document.getElementById("ctl-" + k).checked = a[k];
}

document.getElementById("controls").addEventListener("change", async (e) => {
  document.getElementById("controls-panel").hidden = !e.target.checked;
  if (e.target.checked) showActivity((await control("GET", "")).activity);
});
document.getElementById("controls-panel").addEventListener("click", (e) => {
  const action = e.target.dataset?.ctl;
  if (!action) return;
  e.preventDefault();
  if (action in CTL) control(...CTL[action]());
});
for (const k of ["makers", "traders", "lifecycle"]) {
  document.getElementById("ctl-" + k).addEventListener("change", (e) => control("PUT", "/activity", { [k]: e.target.checked }));
}

document.getElementById("user").addEventListener("change", (e) => select({ user: e.target.value }));
readHash();
connect();
