/*
 * The satisfaction keypad (/keypad, 评价器) at one counter.
 *
 * Screens (#kp-app[data-screen]): idle (the clerk's name and staff number),
 * rate (five keys, 非常满意 … 非常不满意), reason (after 不满意 / 非常不满意),
 * thanks, error. The server renders the pending rating on load
 * (data-ticket, data-deadline); after that the websocket topic keypad/N
 * tells the keypad when its counter finishes a service (service_finished),
 * and GET /api/v1/ratings/pending resyncs after each (re)connect.
 *
 * Keys: a USB keypad's 1–5 (or the number row) choose a score, Enter sends
 * it; on the reason screen 1–7 choose a reason, 0 skips, Enter sends. A tap
 * sends at once. The server decides the window: when it has passed the
 * keypad goes back to idle and the server records 未评价.
 */
(function (window, document) {
	'use strict';

	var P = window.HallPage;
	var body = document.body;
	var N = Number(body.dataset.counter);
	var preview = body.dataset.preview === 'true';
	var app = document.getElementById('kp-app');
	var numberEl = document.getElementById('kp-number');
	var leftEls = [document.getElementById('kp-left'), document.getElementById('kp-left2')];
	var bar = document.getElementById('kp-bar');
	var errText = document.getElementById('kp-error-text');
	var clerkName = document.getElementById('kp-clerk-name');
	var staffBox = document.getElementById('kp-clerk-staff');
	var staffNo = document.getElementById('kp-staff-no');
	var windowS = Number(body.dataset.window) || 120;

	// pending: {ticket, number, deadline (ms, hall clock)} or null.
	var pending = null;
	var score = 0;       // chosen, not yet sent
	var selected = null; // highlighted key (keyboard)
	var busy = false;
	var backTimer = null;

	var voice = window.HallVoice;
	if (voice) {
		try {
			voice.init({base: '/assets/voice', lang: P.lang === 'en' ? 'en' : 'zh', repeat: 1});
		} catch (e) {
			voice = null;
		}
	}

	function screen(name) {
		clearTimeout(backTimer);
		app.dataset.screen = name;
		select(null);
	}

	function select(btn) {
		if (selected) selected.classList.remove('kp-sel');
		selected = btn;
		if (btn) btn.classList.add('kp-sel');
	}

	function idle() {
		pending = null;
		score = 0;
		busy = false;
		app.dataset.ticket = '0';
		screen('idle');
	}

	function ask(p, speak) {
		if (!p || !p.ticket) return;
		if (pending && pending.ticket === p.ticket && app.dataset.screen !== 'idle') return;
		pending = p;
		score = 0;
		busy = false;
		app.dataset.ticket = String(p.ticket);
		numberEl.textContent = p.number || '';
		screen('rate');
		tick(P.now());
		if (speak && voice) {
			try { voice.prompt('rate'); } catch (e) { window.console && console.error('HallVoice.prompt', e); }
		}
	}

	function fromEvent(ev) {
		var tk = (ev.tickets || []).filter(function (t) { return t.id === ev.ticket; })[0];
		if (!tk || !tk.finished_at) return null;
		return {ticket: ev.ticket, number: tk.number, deadline: Date.parse(tk.finished_at) + windowS * 1000};
	}

	function resync() {
		if (preview) return;
		P.api('GET', '/api/v1/ratings/pending').then(function (r) {
			if (r.status !== 200 || !r.data) return;
			if (r.data.window_s) windowS = r.data.window_s;
			var p = r.data.pending;
			if (p) {
				ask({ticket: p.ticket, number: p.number, deadline: Date.parse(p.deadline)}, false);
			} else if (app.dataset.screen === 'rate' || app.dataset.screen === 'reason') {
				idle();
			}
		}).catch(function () { /* the next connect tries again */ });
	}

	function send(reason) {
		if (!pending || busy) return;
		busy = true;
		var req = {ticket: pending.ticket, score: score};
		if (reason) req.reason = reason;
		if (preview) {
			thanks(score);
			return;
		}
		P.api('POST', '/api/v1/ratings', req).then(function (r) {
			if (r.status === 201) {
				thanks(score);
			} else {
				fail(r.error && r.error.message);
			}
		}, function () { fail(''); });
	}

	function thanks(s) {
		pending = null;
		screen('thanks');
		app.dataset.low = s <= 2 ? 'true' : 'false';
		backTimer = setTimeout(idle, 6000);
	}

	function fail(msg) {
		pending = null;
		var m = P.message(msg || P.t('keypad.error'));
		P.replace(errText, [P.el('div', 'pri', P.t('keypad.error')), P.el('div', 'sec', m.pri)]);
		screen('error');
		backTimer = setTimeout(idle, 5000);
	}

	function choose(s) {
		score = s;
		if (s <= 2) {
			screen('reason');
			tick(P.now());
			return;
		}
		send('');
	}

	// Taps send at once.
	app.addEventListener('click', function (e) {
		var k = e.target.closest('.kp-key');
		if (k && app.dataset.screen === 'rate') {
			choose(Number(k.dataset.score));
			return;
		}
		var rsn = e.target.closest('.kp-rsn');
		if (rsn && app.dataset.screen === 'reason') send(rsn.dataset.reason);
	});

	function digit(e) {
		var m = /^(?:Digit|Numpad)(\d)$/.exec(e.code || '');
		if (m) return m[1];
		return /^\d$/.test(e.key) ? e.key : null;
	}

	document.addEventListener('keydown', function (e) {
		var where = app.dataset.screen;
		if (where !== 'rate' && where !== 'reason') return;
		var d = digit(e);
		var enter = e.key === 'Enter' || e.code === 'NumpadEnter';
		if (d !== null) {
			var sel = where === 'rate' ? '.kp-key[data-key="' + d + '"]' : '.kp-rsn[data-key="' + d + '"]';
			var btn = app.querySelector('[data-screen-of="' + where + '"] ' + sel);
			if (btn) select(btn);
			e.preventDefault();
		} else if (enter && selected) {
			e.preventDefault();
			var b = selected;
			if (where === 'rate') choose(Number(b.dataset.score));
			else send(b.dataset.reason);
		}
	});

	function tick(now) {
		var where = app.dataset.screen;
		if (!pending || (where !== 'rate' && where !== 'reason')) return;
		var left = Math.min(windowS, Math.ceil((pending.deadline - now.getTime()) / 1000));
		if (where === 'reason' && left <= 3 && !busy) {
			// Keep the score: send it without a reason before the window shuts.
			send('');
			return;
		}
		if (left <= 0) {
			idle();
			return;
		}
		leftEls.forEach(function (el) { if (el) el.textContent = P.t('keypad.left', left); });
		if (bar) bar.style.width = Math.max(0, Math.min(100, 100 * left / windowS)) + '%';
	}
	P.everySecond(tick);

	function renderClerk(c) {
		if (!c) return;
		clerkName.textContent = c.clerk_name || P.t('keypad.no_clerk');
		staffNo.textContent = c.staff_no || '';
		staffBox.hidden = !c.staff_no;
	}

	// The server-rendered pending rating.
	var t0 = Number(app.dataset.ticket);
	if (t0) ask({ticket: t0, number: app.dataset.number, deadline: Number(app.dataset.deadline)}, true);

	P.live(body.dataset.topic, function (state, seq, ev, replay) {
		if (state) renderClerk((state.counters || []).filter(function (k) { return k.number === N; })[0]);
		if (!ev) {
			resync(); // a (re)connect: the snapshot
			return;
		}
		if (replay) return;
		if (ev.type === 'service_finished' && ev.counter === N) {
			ask(fromEvent(ev), true);
			return;
		}
		// Rated elsewhere (a second keypad of the counter) or recorded 未评价
		// (devices do not see rating records: ask the server).
		if (ev.type === 'service_rated' && pending && !busy && ev.ticket === pending.ticket &&
			(app.dataset.screen === 'rate' || app.dataset.screen === 'reason')) {
			idle();
		} else if (ev.type === 'rating_expired' && pending && !busy) {
			resync();
		}
	});
	window.HallKeypad = {state: function () { return {screen: app.dataset.screen, pending: pending}; }};
})(window, document);
