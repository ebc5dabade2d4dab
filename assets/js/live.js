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

	function connect(topic, handlers, onEvent) {
		if (typeof handlers === 'function') handlers = {onSnapshot: handlers, onEvent: onEvent};
		handlers = handlers || {};
		var seq = Number(document.body && document.body.dataset.seq) || 0;
		var ws = null, timer = null, attempt = 0, closed = false, status = '';
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
			return seq > 0 ? u + '&since=' + seq : u;
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
				if (m.type === 'snapshot') {
					seq = m.seq;
					attempt = 0;
					setStatus('live');
					call(handlers.onSnapshot, m.state, m.seq);
				} else if (m.type === 'event') {
					if (m.seq <= seq) return; // already in what we have
					seq = m.seq;
					call(handlers.onEvent, m.event || null, m.replay ? null : (m.state || null), m.seq, !!m.replay);
				}
			};
			ws.onclose = function () {
				ws = null;
				if (watchdog) window.clearTimeout(watchdog);
				watchdog = null;
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
			close: function () {
				closed = true;
				window.removeEventListener('online', online);
				if (timer) window.clearTimeout(timer);
				if (watchdog) window.clearTimeout(watchdog);
				if (ws) ws.close();
			}
		};
	}

	window.HallLive = {connect: connect, delay: delay};
})(window, document);
