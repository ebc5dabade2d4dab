/*
 * The customer's tracking page (/t/CODE): rendered on the server. The hub's
 * topic ticket/CODE sends the ticket as it changes: the people ahead and the
 * expected wait are updated in place; a new status or counter, or an event
 * about the code's work orders and approvals, reloads the page (at most every
 * few seconds). Without a live connection the page refreshes every half
 * minute.
 */
(function (window, document) {
	'use strict';

	var body = document.body;
	var pending = null;
	var loadedAt = Date.now();
	var card = document.querySelector('[data-testid=track-ticket]');
	var rendered = card ? card.dataset.status : '';

	function reload() {
		if (pending) return;
		var wait = Math.max(0, 4000 - (Date.now() - loadedAt));
		pending = setTimeout(function () { window.location.reload(); }, wait);
	}

	// Alerts (扫码取号): when few are ahead and when called, the phone
	// vibrates (navigator.vibrate), beeps (Web Audio) and the title and a
	// banner say it, once each; the banner shows even where the browser
	// refuses vibration or sound until the page was touched.
	var alerted = {};
	var baseTitle = document.title;
	var banner = document.querySelector('[data-testid=track-alert]');
	function beep() {
		try {
			var AC = window.AudioContext || window.webkitAudioContext;
			if (!AC) return;
			var ac = new AC(), o = ac.createOscillator(), g = ac.createGain();
			o.frequency.value = 880;
			g.gain.value = 0.2;
			o.connect(g);
			g.connect(ac.destination);
			o.start();
			o.stop(ac.currentTime + 0.6);
		} catch (e) { /* no sound: the banner and title still say it */ }
	}
	function alertOnce(kind, text) {
		if (alerted[kind]) return;
		alerted[kind] = true;
		if (navigator.vibrate) {
			try { navigator.vibrate(kind === 'called' ? [400, 200, 400, 200, 400] : [200, 100, 200]); } catch (e) { /* ignored */ }
		}
		beep();
		document.title = '【' + text + '】' + baseTitle;
		body.dataset.alert = kind;
		if (banner) {
			banner.textContent = text;
			banner.hidden = false;
		}
	}
	function fmt(s, n) { return String(s || '').replace('%d', String(n)); }
	function check(t) {
		if (!t) return;
		var soon = Number(body.dataset.alertAhead || 3);
		if ((t.status === 'called' || t.status === 'serving') && t.counter) alertOnce('called', fmt(body.dataset.alertCalled, t.counter));
		else if (t.status === 'waiting' && typeof t.ahead === 'number' && t.ahead <= soon) alertOnce('soon', fmt(body.dataset.alertSoon, t.ahead));
	}
	if (card) {
		var ah = document.querySelector('[data-testid=track-ahead]');
		var go = document.querySelector('[data-testid=track-go]');
		check({status: card.dataset.status, ahead: ah ? Number(ah.textContent) : undefined,
			counter: go ? Number((go.textContent.match(/\d+/) || [0])[0]) : 0});
	}

	var remote = document.querySelector('[data-testid=track-remote]');

	function apply(t) {
		if (!t || !t.status) return;
		// A phone ticket checked in (到店签到) elsewhere: show it.
		if (remote && remote.dataset.arrived === 'false' && t.arrived_at) return reload();
		check(t);
		if (!card || t.status !== rendered) return reload();
		var ahead = document.querySelector('[data-testid=track-ahead]');
		if (ahead && ahead.textContent !== String(t.ahead)) ahead.textContent = String(t.ahead);
		var wait = document.querySelector('[data-testid=track-wait]');
		if (wait && window.HallPage) {
			var w = window.HallPage.waitText(t.estimated_wait_s);
			if (wait.textContent !== w) wait.textContent = w;
		}
	}

	if (window.HallLive && typeof window.HallLive.connect === 'function') {
		window.HallLive.connect(body.dataset.topic, {
			onSnapshot: function (state) { apply(state); },
			onEvent: function (event, state, seq, replay) {
				if (replay) return;
				if (state) apply(state);
				if (event && /^(workorder|approval)_/.test(event.type || '')) reload();
			},
			// connecting | live | reconnecting, for whoever looks (tests).
			onStatus: function (status) { body.dataset.live = status; }
		});
	}
	setInterval(reload, 30000);
})(window, document);
