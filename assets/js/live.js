/*
 * hallq live updates: window.HallLive (protocol: docs/websocket.md).
 *
 *   var sub = HallLive.connect(topic, {
 *     onSnapshot: function (state, seq) {},            // the whole state as of seq
 *     onEvent: function (event, state, seq, replay) {}, // state null for replayed events
 *     onStatus: function (status) {}                   // 'connecting' | 'live' | 'reconnecting'
 *   });
 *   // or HallLive.connect(topic, onSnapshot, onEvent)
 *   sub.seq()    the last sequence seen
 *   sub.close()  stop for good
 *
 * It connects to /ws?topic=TOPIC&since=SEQ and, whenever the connection ends
 * (server restart, lost network, dropped for being slow), reconnects by
 * itself after a capped exponential back-off with jitter (1 s doubling to
 * 30 s), resuming from the last sequence it saw: the server replays what was
 * missed, then sends a fresh snapshot, so the page shows the truth again
 * without a reload. While it is down <body data-live> says so and the class
 * hallq-offline is set on <html> (pages show a discreet notice).
 *
 * After the snapshot, an event frame carries a delta (what the event
 * changed) and `prev`, the sequence it follows; apply() rebuilds the whole
 * state from it, so onEvent always gets the state after the event. A frame
 * that follows one this client missed, or that names a ticket it does not
 * have, makes it resync: it reconnects at once with since=SEQ.
 *
 * Sequence numbers count within the store's epoch (a restore starts a new
 * one): every frame names it, the client resumes with since=SEQ&epoch=E, and
 * a frame of another epoch than the one it holds makes it drop what it has
 * and start again from a snapshot (the server replays nothing across
 * epochs). sub.epoch() is the epoch seen last.
 *
 * A link can die without closing (Wi-Fi gone, a half-open TCP connection):
 * the server sends a heartbeat frame every interval_ms (2 s) and the page
 * answers each one. When nothing at all arrives for three intervals the page
 * gives the connection up, shows 'reconnecting' and dials again, so a dead
 * link shows within 10 s (docs/websocket.md).
 */
(function (window, document) {
	'use strict';

	var BASE_MS = 1000, MAX_MS = 30000;
	// The server's heartbeat interval until its first heartbeat says it; a
	// link silent for DEAD_AFTER intervals is dead.
	var HEARTBEAT_MS = 2000, DEAD_AFTER = 3;

	function delay(attempt) {
		var d = Math.min(MAX_MS, BASE_MS * Math.pow(2, attempt));
		return Math.round(d / 2 + Math.random() * d / 2); // jitter: 50–100 %
	}

	// merge returns item with patch's fields over it (fields named in clear
	// are dropped first, so a patch that omits one empties it).
	function merge(item, patch, clear) {
		var out = {}, k;
		for (k in item) if (Object.prototype.hasOwnProperty.call(item, k)) out[k] = item[k];
		(clear || []).forEach(function (f) { delete out[f]; });
		for (k in patch) if (Object.prototype.hasOwnProperty.call(patch, k)) out[k] = patch[k];
		return out;
	}
	// byKey returns list with each item that shares key with a patch merged.
	function byKey(list, patches, key, clear) {
		if (!patches || !patches.length) return (list || []).slice();
		var idx = {};
		patches.forEach(function (p) { idx[p[key]] = p; });
		return (list || []).map(function (it) { return idx[it[key]] ? merge(it, idx[it[key]], clear) : it; });
	}
	var COUNTER_LIVE = ['state', 'pause_reason', 'paused_at', 'clerk', 'clerk_name', 'staff_no', 'current', 'served_today', 'green_run', 'spoken', 'rev'];

	// apply returns the state after an event frame's delta, or null when the
	// client must resync. docs/websocket.md describes the frame.
	function apply(state, ev, d) {
		if (!state || !ev || !d) return null;
		var tickets = {};
		(state.recent || []).forEach(function (t) { tickets[t.id] = t; });
		(state.counters || []).forEach(function (c) { if (c.ticket) tickets[c.ticket.id] = c.ticket; });
		(ev.tickets || []).forEach(function (t) { tickets[t.id] = t; });
		var out = merge(state, {open: !!d.open});
		out.services = byKey(byKey(state.services, ev.services, 'prefix'), d.services, 'prefix');
		var missing = false;
		out.counters = byKey(state.counters, ev.counters, 'number', COUNTER_LIVE).map(function (c) {
			var t = c.current ? tickets[c.current] : null;
			if (c.current && !t) missing = true;
			return (c.ticket || null) === (t || null) ? c : merge(c, {ticket: t || null});
		});
		var ids = d.recent || (state.recent || []).map(function (t) { return t.id; });
		out.recent = ids.map(function (id) {
			if (!tickets[id]) missing = true;
			return tickets[id];
		});
		if (d.waiting) out.waiting = d.waiting;
		return missing ? null : out;
	}

	function connect(topic, handlers, onEvent) {
		if (typeof handlers === 'function') handlers = {onSnapshot: handlers, onEvent: onEvent};
		handlers = handlers || {};
		var seq = Number(document.body && document.body.dataset.seq) || 0;
		var ws = null, timer = null, attempt = 0, closed = false, status = '';
		var state = null, resync = false, epoch = '';
		var heartbeatMs = HEARTBEAT_MS, watchdog = null;

		function call(fn) {
			if (typeof fn !== 'function') return;
			try {
				fn.apply(null, [].slice.call(arguments, 1));
			} catch (e) {
				if (window.console) console.error('HallLive handler', e);
			}
		}

		function setStatus(s) {
			if (s === status) return;
			status = s;
			if (document.body) document.body.dataset.live = s;
			document.documentElement.classList.toggle('hallq-offline', s !== 'live');
			call(handlers.onStatus, s);
		}

		function url() {
			var proto = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
			var u = proto + '//' + window.location.host + '/ws?topic=' + encodeURIComponent(topic);
			if (seq > 0) u += '&since=' + seq;
			return epoch ? u + '&epoch=' + encodeURIComponent(epoch) : u;
		}

		// alive restarts the watchdog: heard from the server just now.
		function alive() {
			if (watchdog) window.clearTimeout(watchdog);
			watchdog = window.setTimeout(dead, heartbeatMs * DEAD_AFTER);
		}

		// dead gives up a connection that has gone silent: it may never
		// close by itself, so it is dropped without waiting for onclose.
		function dead() {
			watchdog = null;
			if (!ws) return;
			var old = ws;
			ws = null;
			old.onopen = old.onmessage = old.onclose = old.onerror = null;
			try { old.close(); } catch (e) { /* already gone */ }
			retry();
		}

		function open() {
			timer = null;
			if (closed) return;
			setStatus(status === '' || status === 'connecting' ? 'connecting' : 'reconnecting');
			var sock;
			try {
				sock = ws = new window.WebSocket(url());
			} catch (e) {
				retry();
				return;
			}
			alive(); // a connect that hangs counts as silence too
			ws.onmessage = function (msg) {
				var m;
				alive();
				try { m = JSON.parse(msg.data); } catch (e) { return; }
				if (m && m.type === 'heartbeat') {
					if (m.interval_ms > 0) heartbeatMs = m.interval_ms;
					try { sock.send('{"type":"heartbeat"}'); } catch (e) { /* onclose follows */ }
					return;
				}
				if (!m || typeof m.seq !== 'number') return;
				if (m.epoch && epoch && m.epoch !== epoch && m.type !== 'snapshot') {
					// Another history (a restore): what we hold counts in the
					// old one. Start again from a snapshot.
					seq = 0;
					state = null;
					epoch = m.epoch;
					resync = true;
					try { ws.close(); } catch (e) { /* onclose reconnects */ }
					return;
				}
				if (m.type === 'snapshot') {
					if (m.epoch) epoch = m.epoch;
					seq = m.seq;
					state = m.state || null;
					attempt = 0;
					setStatus('live');
					call(handlers.onSnapshot, m.state, m.seq);
				} else if (m.type === 'event') {
					if (m.seq <= seq) return; // already in what we have
					var next = null;
					if (m.replay) {
						next = null;
					} else if (m.state) {
						next = m.state;
					} else if (m.delta) {
						next = typeof m.prev === 'number' && m.prev <= seq ? apply(state, m.event, m.delta) : null;
						if (!next) { // missed a frame: resync from the last one seen
							resync = true;
							try { ws.close(); } catch (e) { /* onclose reconnects */ }
							return;
						}
					}
					seq = m.seq;
					if (next) state = next;
					call(handlers.onEvent, m.event || null, m.replay ? null : next, m.seq, !!m.replay);
				}
			};
			ws.onclose = function () {
				ws = null;
				if (watchdog) window.clearTimeout(watchdog);
				watchdog = null;
				if (resync && !closed) { // at once: the server is there
					resync = false;
					open();
					return;
				}
				retry();
			};
			ws.onerror = function () { /* onclose follows */ };
		}

		function retry() {
			if (closed || timer) return;
			setStatus('reconnecting');
			timer = window.setTimeout(open, delay(attempt));
			attempt++;
		}

		// Back on the network: try at once instead of waiting out the back-off.
		function online() {
			if (closed) return;
			if (ws) {
				try { ws.close(); } catch (e) { /* onclose retries */ }
				return;
			}
			if (timer) {
				window.clearTimeout(timer);
				timer = null;
				open();
			}
		}
		window.addEventListener('online', online);

		setStatus('connecting');
		open();

		return {
			seq: function () { return seq; },
			epoch: function () { return epoch; },
			close: function () {
				closed = true;
				window.removeEventListener('online', online);
				if (timer) window.clearTimeout(timer);
				if (watchdog) window.clearTimeout(watchdog);
				if (ws) ws.close();
			}
		};
	}

	window.HallLive = {connect: connect, delay: delay, apply: apply};
})(window, document);
