/*
 * The hall display (/display): the latest call, huge; each counter's current
 * number (or 暂停服务); the calls before it and the missed numbers (过号),
 * each ticket once; waiting counts and expected waits; a scrolling notices
 * line; the clock.
 * Every new call (ticket_called) and recall (ticket_recalled) flashes and is
 * announced with HallVoice (assets/js/voice.js), once; see announceOnce.
 */
(function (window, document) {
	'use strict';

	var P = window.HallPage;
	var el = P.el;
	var body = document.body;
	var RECENT = Number(body.dataset.recent) || 6;
	var FRESH_MS = 30000;
	var callBox = document.getElementById('d-call');
	var recentList = document.getElementById('d-recent');
	var board = document.getElementById('d-board');
	var missedList = document.getElementById('d-missed');
	var MISSED = 8;
	var servicesBox = document.getElementById('d-services');

	// The voice: the manager's settings (GET /api/v1/voice), followed live;
	// this display's own ?volume= / ?mute=1 stay in force.
	var voice = window.HallVoice;
	var voiceLang = body.dataset.voiceLang || 'zh'; // zh, en or zh+en
	var localMute = /[?&]mute=1(&|$)/.test(window.location.search);
	var localVolume = /[?&]volume=(\d+)/.exec(window.location.search);
	if (voice) {
		try {
			voice.init({
				base: '/assets/voice',
				lang: voiceLang === 'en' ? 'en' : 'zh',
				volume: body.dataset.voiceVolume ? Number(body.dataset.voiceVolume) : 1,
				muted: body.dataset.voiceMuted === 'true',
				repeat: Number(body.dataset.voiceRepeat) || 2
			});
		} catch (e) {
			voice = null;
			window.console && console.error('HallVoice.init', e);
		}
	}

	function applyVoice(v) {
		if (!voice || !v) return;
		voiceLang = v.lang || 'zh';
		var vol = localVolume ? Number(localVolume[1]) : Number(v.volume);
		voice.init({lang: voiceLang === 'en' ? 'en' : 'zh', repeat: Number(v.repeat) || 2});
		voice.setVolume(vol / 100);
		voice.setMuted(localMute || vol === 0);
	}

	// spoken is each counter's spoken name ("VIP 室"), from the state.
	var spoken = {};
	function announce(number, counter, recall) {
		if (!voice) return;
		try {
			var place = spoken[counter] || '';
			voice.call(number, counter, {recall: recall, place: place});
			if (voiceLang === 'zh+en') voice.call(number, counter, {lang: 'en', repeat: 1, recall: recall, place: place});
		} catch (e) { window.console && console.error('HallVoice.call', e); }
	}

	// The notices line: the manager's notices (GET /api/v1/notices) before
	// the standing ones the server rendered; both runs of the marquee carry
	// the same notices, and its speed stays the same whatever their length.
	var ticker = document.getElementById('d-ticker');
	var standing = [].map.call(ticker.querySelector('.d-ticker-run').querySelectorAll('.d-notice:not(.d-notice-mgr)'),
		function (n) { return n.cloneNode(true); });
	var noticesKey = '';

	function renderNotices(list) {
		var key = JSON.stringify(list);
		if (key === noticesKey) return;
		noticesKey = key;
		[].forEach.call(ticker.querySelectorAll('.d-ticker-run'), function (run) {
			var mgr = list.map(function (n) {
				var text = P.name(n.text_zh, n.text_en), other = P.altName(n.text_zh, n.text_en);
				var span = el('span', 'd-notice d-notice-mgr', [text, other ? el('span', 'd-notice-alt', other) : null]);
				span.dataset.manager = '';
				return span;
			});
			P.replace(run, mgr.concat(standing.map(function (n) { return n.cloneNode(true); })));
		});
		pace();
	}

	function pace() {
		var run = ticker.querySelector('.d-ticker-run');
		var speed = window.innerHeight * 0.1; // px per second: a tenth of the screen's height
		if (run && run.scrollWidth) ticker.style.animationDuration = Math.max(20, run.scrollWidth / speed) + 's';
	}

	function loadNotices() {
		P.api('GET', '/api/v1/notices').then(function (res) {
			if (res.status === 200 && Array.isArray(res.data)) renderNotices(res.data);
		}, function () { /* next time */ });
	}
	function loadVoice() {
		P.api('GET', '/api/v1/voice').then(function (res) {
			if (res.status === 200) applyVoice(res.data);
		}, function () { /* next time */ });
	}
	pace();
	// Notices start and end by the clock too.
	setInterval(loadNotices, 60000);

	function renderCall(state) {
		var cur = calls(state.recent).cur;
		var key = cur ? cur.id + '@' + cur.counter + '@' + cur.last_called_at : (state.open ? 'idle' : 'closed');
		if (callBox.dataset.key === key) return;
		callBox.dataset.key = key;
		if (!cur) {
			P.replace(callBox, [el('div', 'd-call-idle', [
				el('div', 'd-idle-pri', P.t('display.welcome')),
				el('div', 'd-idle-sec', P.alt('display.welcome')),
				el('div', 'd-idle-hint', P.bi(state.open ? 'display.take_ticket' : 'display.closed'))
			])]);
			return;
		}
		var num = el('span', 'd-num', cur.number);
		num.dataset.testid = 'display-number';
		var ctr = el('span', 'd-ctr', String(cur.counter));
		ctr.dataset.testid = 'display-counter';
		P.replace(callBox, [
			el('div', 'd-call-label', P.bi('display.now_calling')),
			el('div', 'd-call-main', [
				el('div', 'd-call-line', [el('span', 'd-w', P.t('call.please')), num, el('span', 'd-w', P.t('call.number_suffix'))]),
				el('div', 'd-call-line', [el('span', 'd-w', P.t('call.to')), ctr, el('span', 'd-w', P.t('call.counter_suffix'))])
			]),
			el('div', 'd-call-alt', P.alt('call.sentence', cur.number, cur.counter))
		]);
	}

	// calls splits the recent calls (newest first) as view.DisplayCalls
	// does: the current one, those before it and the missed numbers (only
	// there), each ticket once at its latest call.
	function calls(recent) {
		var seen = {}, out = {cur: null, before: [], missed: []};
		(recent || []).forEach(function (t) {
			if (seen[t.id]) return;
			seen[t.id] = true;
			if (t.status === 'no_show') {
				if (out.missed.length < MISSED) out.missed.push(t);
			} else if (!out.cur) {
				out.cur = t;
			} else if (out.before.length < RECENT) {
				out.before.push(t);
			}
		});
		return out;
	}

	function renderRecent(state) {
		var c = calls(state.recent);
		P.replace(recentList, c.before.map(function (r) {
			return el('li', 'd-recent-item', [
				el('span', 'd-recent-num', r.number),
				el('span', 'd-recent-ctr', P.t('counter.name_short', r.counter))
			]);
		}));
		P.replace(missedList, c.missed.map(function (r) { return el('li', 'd-missed-num', r.number); }));
	}

	// renderBoard: each counter's current number, or 暂停服务 / closed / free.
	function renderBoard(state) {
		P.replace(board, (state.counters || []).map(function (k) {
			var what = k.state === 'paused' ? 'paused' : k.state === 'closed' ? 'closed' : k.ticket ? 'busy' : 'free';
			var val = what === 'busy' ? k.ticket.number : P.t(what === 'paused' ? 'counter.paused' :
				what === 'closed' ? 'display.counter_closed' : 'display.counter_free');
			var li = el('li', 'd-bc d-bc-' + what, [el('span', 'd-bc-no', P.t('counter.name_short', k.number)), el('span', 'd-bc-val', val)]);
			li.dataset.counter = String(k.number);
			return li;
		}));
	}

	function render(state) {
		renderCall(state);
		renderBoard(state);
		renderRecent(state);
		renderServices(state);
	}

	function renderServices(state) {
		var svcs = state.services || [];
		var tiles = servicesBox.querySelectorAll('.d-svc');
		var same = tiles.length === svcs.length && svcs.every(function (s, i) { return tiles[i].dataset.service === s.prefix; });
		if (!same) {
			P.replace(servicesBox, svcs.map(function (s) {
				var tile = el('div', 'd-svc', [
					el('div', 'd-svc-name', [el('span', 'd-svc-letter', s.prefix), el('span', 'pri', P.name(s.name_zh, s.name_en))]),
					el('div', 'd-svc-alt', P.altName(s.name_zh, s.name_en)),
					el('div', 'd-svc-figs', [
						el('span', 'd-svc-waiting', [field('b', 'waiting'), el('small', '', P.t('display.waiting_unit'))]),
						field('span', 'wait', 'd-svc-wait')
					])
				]);
				tile.dataset.service = s.prefix;
				return tile;
			}));
			tiles = servicesBox.querySelectorAll('.d-svc');
		}
		svcs.forEach(function (s, i) {
			set(tiles[i].querySelector('[data-field=waiting]'), String(s.waiting));
			set(tiles[i].querySelector('[data-field=wait]'), P.waitText(s.estimated_wait_s));
		});
	}

	function field(tag, name, cls) {
		var e = el(tag, cls || '');
		e.dataset.field = name;
		return e;
	}

	function set(e, text) {
		if (e && e.textContent !== text) e.textContent = text;
	}

	var flashTimer = null;
	function flash() {
		callBox.classList.remove('flash');
		void callBox.offsetWidth; // restart the animation
		callBox.classList.add('flash');
		clearTimeout(flashTimer);
		flashTimer = setTimeout(function () { callBox.classList.remove('flash'); }, 6000);
	}

	// Announcing: every call (and recall) once. Calls come as events; a
	// call made while the display was reconnecting (a server restart, a lost
	// network) arrives only in the state, and is announced too if it is less
	// than FRESH_MS old, so nobody misses their turn. The calls shown when the
	// page loads are not announced again.
	var announced = {};
	var seenState = false;
	function callKey(t, counter) { return t.id + '@' + (counter || t.counter) + '@' + (t.last_called_at || ''); }
	function fresh(iso) { return !!iso && P.now() - new Date(iso) < FRESH_MS; }
	// A recall (ticket_recalled, or a ticket called before) is worded as one.
	function announceOnce(t, counter, recall) {
		var key = callKey(t, counter);
		if (announced[key]) return;
		announced[key] = true;
		flash();
		announce(t.number, counter || t.counter, recall || t.recalls > 0);
	}

	P.live(body.dataset.topic || 'display', function (state, seq, ev, replay) {
		if (ev && !replay && (ev.type === 'ticket_called' || ev.type === 'ticket_recalled')) {
			var tk = (ev.tickets || []).filter(function (t) { return t.id === ev.ticket; })[0];
			var counter = ev.counter || (tk && tk.counter);
			if (tk && counter) announceOnce(tk, counter, ev.type === 'ticket_recalled');
		}
		if (state) {
			(state.counters || []).forEach(function (k) { spoken[k.number] = k.spoken || ''; });
			render(state);
			var recent = (state.recent || []).slice().reverse(); // oldest first
			recent.forEach(function (t) {
				if (!seenState) announced[callKey(t)] = true;
				else if (fresh(t.last_called_at)) announceOnce(t);
			});
			seenState = true;
		}
		if (!ev) {
			// A (re)connection: the notices and the voice may have changed
			// while the display was away.
			loadNotices();
			loadVoice();
			return;
		}
		if ((ev.records || []).some(function (r) { return r.kind === 'notice'; })) loadNotices();
		if (ev.type === 'config_changed' || ev.type === 'config') loadVoice();
	});
	// render draws a state as a snapshot would (tests feed it states).
	window.HallDisplay = {render: render};
})(window, document);
