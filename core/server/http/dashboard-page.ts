/**
 * The dashboard's page and script, served as they are (no build step, no external assets). The
 * script polls `GET /v1/overview` every second and shows each queue's consumers, depth, oldest message,
 * its send, delivery and ack rates (the difference between two overviews) and a minute of its
 * depth as a sparkline. Everything from the broker is put in the page as text, never as HTML.
 * A broker with API keys answers the overview only to a key that manages every queue: the page
 * then asks for one and keeps it for the browser tab (sessionStorage).
 */

export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Spool</title>
<style>
  :root { color-scheme: light dark; --line: #8884; --muted: #888; --bad: #d33; --accent: #2a7ae2; }
  body { font: 14px/1.4 system-ui, sans-serif; margin: 0; }
  header { display: flex; gap: 1.5em; align-items: baseline; padding: 0.8em 1.2em; border-bottom: 1px solid var(--line); flex-wrap: wrap; }
  header h1 { font-size: 1.2em; margin: 0; }
  header .muted { color: var(--muted); }
  #status.bad { color: var(--bad); font-weight: 600; }
  main { padding: 0.8em 1.2em; }
  input { font: inherit; padding: 0.2em 0.4em; }
  table { border-collapse: collapse; width: 100%; margin-top: 0.8em; }
  th, td { padding: 0.3em 0.6em; border-bottom: 1px solid var(--line); white-space: nowrap; }
  th { text-align: left; font-weight: 600; color: var(--muted); }
  td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
  tr.dlq td.name::after { content: " dead letters"; color: var(--muted); font-size: 0.85em; }
  tr.dlq.full td { color: var(--bad); }
  td.link { color: var(--muted); }
  svg { display: block; }
  svg polyline { fill: none; stroke: var(--accent); stroke-width: 1.5; }
  #empty { color: var(--muted); margin-top: 1em; }
</style>
</head>
<body>
<header>
  <h1>Spool</h1>
  <span id="summary" class="muted"></span>
  <span id="status" class="muted">connecting…</span>
</header>
<main>
  <label>Queues starting with <input id="prefix" placeholder="prefix" autocomplete="off"></label>
  <label id="key-field" hidden>API key <input id="key" type="password" autocomplete="off"></label>
  <table>
    <thead><tr>
      <th>Queue</th><th class="n">Consumers</th><th class="n">Ready</th><th class="n">In flight</th><th class="n">Delayed</th>
      <th class="n">Kept</th><th class="n">Oldest</th><th class="n">Sent/s</th><th class="n">Delivered/s</th>
      <th class="n">Acked/s</th><th>Ready, last minute</th><th>Dead letters to</th>
    </tr></thead>
    <tbody id="queues"></tbody>
  </table>
  <p id="empty" hidden>No queues.</p>
  <p class="muted">Message counts are the store's, shared by every broker on it. Consumers, connections and the rates are those of the broker that answered (its id is in the header).</p>
</main>
<script src="/dashboard/app.js"></script>
</body>
</html>
`;

export const DASHBOARD_JS = `'use strict';
const POLL_MS = 1000;
const HISTORY = 60;
const history = new Map();
let previous = null;

const $ = (id) => document.getElementById(id);
const fmt = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });

function age(ms) {
  if (ms === null) return '–';
  const s = Math.max(0, ms / 1000);
  if (s < 60) return fmt.format(Math.floor(s)) + ' s';
  if (s < 3600) return fmt.format(Math.floor(s / 60)) + ' min';
  if (s < 86400) return fmt.format(s / 3600) + ' h';
  return fmt.format(s / 86400) + ' d';
}

function cell(text, className) {
  const td = document.createElement('td');
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

function sparkline(values) {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('width', '120');
  svg.setAttribute('height', '20');
  const max = Math.max(1, ...values);
  const line = document.createElementNS(ns, 'polyline');
  // The newest sample at the right edge; a short history starts part of the way in.
  const start = HISTORY - values.length;
  line.setAttribute('points', values.map((v, i) => ((start + i) * 120) / (HISTORY - 1) + ',' + (19 - (v / max) * 18)).join(' '));
  svg.append(line);
  return svg;
}

function rate(now, before, field, seconds) {
  if (!before || seconds <= 0) return '–';
  return fmt.format(Math.max(0, now.totals[field] - before.totals[field]) / seconds);
}

function render(overview) {
  // Totals are per broker: behind a load balancer the last poll may have reached another one.
  const comparable = previous && previous.broker === overview.broker ? previous : null;
  const before = comparable && new Map(comparable.queues.map((q) => [q.name, q]));
  const seconds = comparable ? (overview.time - comparable.time) / 1000 : 0;
  const deadLetterTargets = new Set(overview.queues.map((q) => q.deadLetterQueue).filter(Boolean));
  const rows = overview.queues.map((q) => {
    const s = q.stats;
    const past = history.get(q.name) || [];
    past.push(s.activeMsgNum);
    if (past.length > HISTORY) past.shift();
    history.set(q.name, past);
    const tr = document.createElement('tr');
    tr.dataset.queue = q.name;
    if (deadLetterTargets.has(q.name)) tr.className = 'dlq' + (s.activeMsgNum + s.inactiveMsgNum + s.delayMsgNum > 0 ? ' full' : '');
    const spark = document.createElement('td');
    spark.append(sparkline(past.length > 1 ? past : [past[0], past[0]]));
    tr.append(
      cell(q.name, 'name'),
      cell(fmt.format(q.consumers), 'n consumers'),
      cell(fmt.format(s.activeMsgNum), 'n ready'),
      cell(fmt.format(s.inactiveMsgNum), 'n inflight'),
      cell(fmt.format(s.delayMsgNum), 'n'),
      cell(fmt.format(s.rewindMsgNum), 'n'),
      cell(age(s.minMsgTime === null ? null : overview.time - s.minMsgTime), 'n'),
      cell(rate(q, before && before.get(q.name), 'sent', seconds), 'n'),
      cell(rate(q, before && before.get(q.name), 'received', seconds), 'n'),
      cell(rate(q, before && before.get(q.name), 'deleted', seconds), 'n'),
      spark,
      cell(q.deadLetterQueue || '', 'link'),
    );
    return tr;
  });
  $('queues').replaceChildren(...rows);
  $('empty').hidden = rows.length > 0;
  const shown = overview.queues.length < overview.total ? overview.queues.length + ' of ' + overview.total : String(overview.total);
  $('summary').textContent = shown + ' queues · broker ' + overview.broker + ': ' + overview.connections + ' WebSocket connections';
  previous = overview;
}

const KEY_STORAGE = 'spool-api-key';
$('key').value = sessionStorage.getItem(KEY_STORAGE) || '';
$('key').addEventListener('change', () => sessionStorage.setItem(KEY_STORAGE, $('key').value.trim()));

async function poll() {
  const prefix = $('prefix').value.trim();
  const key = $('key').value.trim();
  try {
    const headers = key ? { authorization: 'Bearer ' + key } : {};
    const response = await fetch('/v1/overview' + (prefix ? '?prefix=' + encodeURIComponent(prefix) : ''), { cache: 'no-store', headers });
    const body = await response.json();
    if (response.status === 401 || response.status === 403) {
      $('key-field').hidden = false;
      $('status').className = 'bad';
      $('status').textContent = 'an API key that manages every queue is needed (' + body.error.message + ')';
      setTimeout(poll, POLL_MS);
      return;
    }
    if (!response.ok) throw new Error(body.error ? body.error.code + ': ' + body.error.message : 'HTTP ' + response.status);
    render(body);
    $('status').className = 'muted';
    $('status').textContent = 'updated ' + new Date(body.time).toLocaleTimeString();
  } catch (err) {
    $('status').className = 'bad';
    $('status').textContent = 'broker unreachable (' + err.message + '), retrying';
  }
  setTimeout(poll, POLL_MS);
}

$('prefix').addEventListener('input', () => {
  previous = null;
  history.clear();
});
poll();
`;
