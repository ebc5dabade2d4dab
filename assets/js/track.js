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

	function apply(t) {
		if (!t || !t.status) return;
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
