'use strict';
// forkd's status page: polls /status and redraws in place. Everything from /status goes into the
// page as text (textContent, attributes of fixed names), never as markup; the CSP and Trusted
// Types would refuse markup anyway.
(function () {
  const INTERVAL_MS = 2000;
  const TIMEOUT_MS = 5000;
  const SVG = 'http://www.w3.org/2000/svg';
  const STATES = ['starting', 'ready', 'draining', 'stopping', 'exited'];
  const numbers = new Intl.NumberFormat('en-US');
  const byId = (id) => document.getElementById(id);
  let lastGood = null;

  function put(id, text) {
    byId(id).textContent = text;
  }

  function isNumber(n) {
    return typeof n === 'number' && Number.isFinite(n);
  }

  function count(n) {
    return isNumber(n) ? numbers.format(n) : '\u2013';
  }

  function bytes(n) {
    if (!isNumber(n)) {
      return '\u2013';
    }
    const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    let v = n;
    let u = 0;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return (u === 0 ? String(v) : v.toFixed(v < 10 ? 1 : 0)) + '\u00a0' + units[u];
  }

  function duration(s) {
    if (!isNumber(s) || s < 0) {
      return '\u2013';
    }
    s = Math.floor(s);
    if (s < 60) {
      return s + 's';
    }
    if (s < 3600) {
      return Math.floor(s / 60) + 'm\u00a0' + (s % 60) + 's';
    }
    if (s < 86400) {
      return Math.floor(s / 3600) + 'h\u00a0' + Math.floor((s % 3600) / 60) + 'm';
    }
    return Math.floor(s / 86400) + 'd\u00a0' + Math.floor((s % 86400) / 3600) + 'h';
  }

  /** ["crash 2", "hang 1"]: the reasons with a count. */
  function reasonParts(byReason) {
    const parts = [];
    if (byReason && typeof byReason === 'object') {
      for (const [reason, n] of Object.entries(byReason)) {
        if (isNumber(n) && n > 0) {
          parts.push(reason + ' ' + numbers.format(n));
        }
      }
    }
    return parts;
  }

  /** "0", "3 (crash 2, hang 1)": as `forkd status` shows restarts by reason. */
  function reasons(total, byReason) {
    const parts = reasonParts(byReason);
    return count(total) + (parts.length ? ' (' + parts.join(', ') + ')' : '');
  }

  function crashes(byReason) {
    return byReason && isNumber(byReason.crash) ? byReason.crash : 0;
  }

  function cell(text, className) {
    const td = document.createElement('td');
    td.textContent = text;
    if (className) {
      td.className = className;
    }
    return td;
  }

  function workerRow(w) {
    const state = STATES.includes(w.state) ? w.state : 'unknown';
    const tr = document.createElement('tr');
    // a replacement started within the minute: its uptime in bold
    tr.className = state + (isNumber(w.uptimeSeconds) && w.uptimeSeconds < 60 && isNumber(w.restarts) && w.restarts > 0 ? ' fresh' : '');
    tr.dataset.id = String(w.id);
    tr.dataset.slot = String(w.slot);
    tr.dataset.pid = String(w.pid);
    tr.dataset.state = state;
    tr.append(
      cell(String(w.id)),
      cell(String(w.slot)),
      cell(isNumber(w.pid) && w.pid > 0 ? String(w.pid) : '\u2013'),
      cell(String(w.state)),
      cell(duration(w.uptimeSeconds)),
      cell(count(w.activeConnections)),
      cell(count(w.connectionsServed)),
      cell(reasons(w.restarts, w.restartsByReason), crashes(w.restartsByReason) > 0 ? 'restarts crashed' : 'restarts'),
      cell(bytes(w.rssBytes)));
    return tr;
  }

  function svg(name, attrs, text) {
    const el = document.createElementNS(SVG, name);
    for (const [k, v] of Object.entries(attrs)) {
      el.setAttribute(k, String(v));
    }
    if (text !== undefined) {
      el.textContent = text;
    }
    return el;
  }

  /** Restarts per minute over the hour, oldest left, crashes drawn over the foot of each bar. */
  function drawChart(recent) {
    const chart = byId('chart');
    const W = 1000;
    const left = 40;
    const right = W - 10;
    const top = 12;
    const bottom = 126;
    const parts = [];
    const restarts = recent && Array.isArray(recent.restarts) ? recent.restarts : null;
    const crashed = recent && Array.isArray(recent.crashes) ? recent.crashes : [];
    parts.push(svg('line', { class: 'axis', x1: left, y1: bottom + 0.5, x2: right, y2: bottom + 0.5 }));
    if (!restarts || restarts.length === 0) {
      parts.push(svg('text', { class: 'empty', x: W / 2, y: 70, 'text-anchor': 'middle' }, 'this forkd does not report its recent restarts'));
      chart.replaceChildren(...parts);
      return;
    }
    const n = restarts.length;
    const minutes = isNumber(recent.bucketSeconds) ? recent.bucketSeconds / 60 : 1;
    const most = Math.max(1, ...restarts.filter(isNumber));
    const step = (right - left) / n;
    const scale = (v) => (isNumber(v) ? (Math.min(v, most) / most) * (bottom - top) : 0);
    parts.push(svg('line', { class: 'axis', x1: left, y1: top + 0.5, x2: right, y2: top + 0.5 }));
    parts.push(svg('text', { x: left - 6, y: top + 4, 'text-anchor': 'end' }, numbers.format(most)));
    parts.push(svg('text', { x: left - 6, y: bottom + 4, 'text-anchor': 'end' }, '0'));
    parts.push(svg('text', { x: left, y: bottom + 18, 'text-anchor': 'start' }, '\u2212' + Math.round(n * minutes) + ' min'));
    parts.push(svg('text', { x: (left + right) / 2, y: bottom + 18, 'text-anchor': 'middle' }, '\u2212' + Math.round((n * minutes) / 2) + ' min'));
    parts.push(svg('text', { x: right, y: bottom + 18, 'text-anchor': 'end' }, 'now'));
    let total = 0;
    for (let k = 0; k < n; k++) {
      const r = isNumber(restarts[k]) ? restarts[k] : 0;
      const c = isNumber(crashed[k]) ? Math.min(crashed[k], r) : 0;
      total += r;
      if (r === 0) {
        continue;
      }
      const ago = Math.round((n - 1 - k) * minutes);
      const g = svg('g', { class: 'minute' });
      g.dataset.ago = String(ago);
      const x = left + k * step + 1;
      const h = Math.max(2, scale(r));
      g.append(svg('title', {}, (ago === 0 ? 'this minute' : ago + ' min ago') + ': ' + r + ' restart' + (r === 1 ? '' : 's')
        + (c > 0 ? ', ' + c + ' crash' + (c === 1 ? '' : 'es') : '')));
      g.append(svg('rect', { class: 'bar', x: x, y: bottom - h, width: Math.max(1, step - 2), height: h }));
      if (c > 0) {
        const ch = Math.max(2, scale(c));
        g.append(svg('rect', { class: 'crash', x: x, y: bottom - ch, width: Math.max(1, step - 2), height: ch }));
      }
      parts.push(g);
    }
    if (total === 0) {
      parts.push(svg('text', { class: 'empty', x: W / 2, y: 70, 'text-anchor': 'middle' }, 'no restarts in the last hour'));
    }
    chart.replaceChildren(...parts);
    chart.dataset.restarts = String(total);
  }

  function render(s) {
    const workers = Array.isArray(s.workers) ? s.workers : [];
    const states = {};
    for (const w of workers) {
      states[w.state] = (states[w.state] || 0) + 1;
    }
    const ready = states.ready || 0;
    const others = Object.entries(states).filter(([k]) => k !== 'ready').map(([k, v]) => v + ' ' + k);
    const c = s.connections || {};
    const sup = s.supervisor || {};

    document.title = 'forkd ' + String(s.listen || '') + ' \u2013 ' + ready + '/' + workers.length + ' ready';
    put('headline', String(s.model) + ' model, handler ' + String(s.handler) + ', listening on ' + String(s.listen)
      + ', up ' + duration(s.uptimeSeconds));
    put('pid', String(s.pid));
    put('uptime', duration(s.uptimeSeconds));
    put('model', String(s.model));
    put('handler', String(s.handler));
    put('listen', String(s.listen));
    put('target-workers', count(s.targetWorkers));
    put('workers-ready', count(ready));
    put('workers-other', others.length ? others.join(', ') : 'none');
    put('restarts-total', count(s.restarts));
    put('restarts-by-reason', reasonParts(s.restartsByReason).join(', ') || 'none');
    put('conn-active', count(c.active));
    put('conn-queued', count(c.queued) + (isNumber(c.queueLimit) ? ' of ' + count(c.queueLimit) : ''));
    put('conn-accepted', count(c.accepted));
    put('conn-rejected', count(c.rejected));
    put('conn-timeouts', count(c.queueTimeouts));
    put('conn-bytes', bytes(c.bytesIn) + ' / ' + bytes(c.bytesOut));
    put('sup-rss', bytes(sup.rssBytes));
    put('sup-heap', bytes(sup.heapUsedBytes) + ' / ' + bytes(sup.heapMaxBytes));
    put('sup-buffers', isNumber(sup.bufferBudgetBytes) ? bytes(sup.bufferBytesUsed) + ' of ' + bytes(sup.bufferBudgetBytes) : '\u2013');
    put('sup-direct', isNumber(sup.directMemoryUsedBytes) ? bytes(sup.directMemoryUsedBytes)
      + (isNumber(sup.directMemoryLimitBytes) ? ' of ' + bytes(sup.directMemoryLimitBytes) : '') : '\u2013');
    put('sup-threads', count(sup.threads));
    put('worker-count', '(' + workers.length + ' listed, ' + ready + ' ready)');
    // by slot: a replacement takes the row of the worker it replaced
    const rows = workers.slice().sort((a, b) => (a.slot - b.slot) || (a.id - b.id));
    byId('worker-rows').replaceChildren(...rows.map(workerRow));
    drawChart(s.recentRestarts);
  }

  function fresh() {
    lastGood = new Date();
    document.body.classList.remove('stale');
    byId('problem').hidden = true;
    put('updated', 'updated ' + lastGood.toTimeString().slice(0, 8));
  }

  function stale(why) {
    document.body.classList.add('stale');
    const p = byId('problem');
    p.textContent = 'Cannot read /status (' + String(why && why.message ? why.message : why) + ')'
      + (lastGood ? '; showing what forkd said at ' + lastGood.toTimeString().slice(0, 8) : '') + '. Trying again every 2 s.';
    p.hidden = false;
  }

  async function poll() {
    const abort = new AbortController();
    const timeout = setTimeout(() => abort.abort(), TIMEOUT_MS);
    try {
      const r = await fetch('/status', { cache: 'no-store', credentials: 'omit', redirect: 'error', signal: abort.signal });
      if (!r.ok) {
        throw new Error('HTTP ' + r.status);
      }
      render(await r.json());
      fresh();
    } catch (e) {
      stale(e);
    } finally {
      clearTimeout(timeout);
      setTimeout(poll, INTERVAL_MS);
    }
  }

  poll();
})();
