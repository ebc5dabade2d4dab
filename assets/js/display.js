/*
 * The hall display (/display): the latest call, huge; the calls before it;
 * waiting counts and expected waits; a scrolling notices line; the clock.
 * Every new call (ticket_called) and recall (ticket_recalled) flashes and is
 * announced with HallVoice (assets/js/voice.js). Replayed events after a
 * reconnect are not announced: they are old news.
 */
(function (window, document) {
	'use strict';

	var P = window.HallPage;
	var el = P.el;
	var body = document.body;
	var RECENT = Number(body.dataset.recent) || 6;
	var callBox = document.getElementById('d-call');
	var recentList = document.getElementById('d-recent');
	var servicesBox = document.getElementById('d-services');

	var voice = window.HallVoice;
	if (voice) {
		try {
			voice.init({
				base: '/assets/voice',
				lang: body.dataset.voiceLang === 'en' ? 'en' : 'zh',
				volume: body.dataset.voiceVolume ? Number(body.dataset.voiceVolume) : 1,
				muted: body.dataset.voiceMuted === 'true',
				repeat: 2
			});
		} catch (e) {
			voice = null;
			window.console && console.error('HallVoice.init', e);
		}
	}

	function renderCall(state) {
		var cur = (state.recent || [])[0];
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

	function renderRecent(state) {
		var items = (state.recent || []).slice(1, 1 + RECENT).map(function (r) {
			return el('li', 'd-recent-item', [
				el('span', 'd-recent-num', r.number),
				el('span', 'd-recent-ctr', P.t('counter.name_short', r.counter))
			]);
		});
		P.replace(recentList, items);
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

	P.live(body.dataset.topic || 'display', function (state, seq, ev, replay) {
		if (state) {
			renderCall(state);
			renderRecent(state);
			renderServices(state);
		}
		if (!ev || replay || (ev.type !== 'ticket_called' && ev.type !== 'ticket_recalled')) return;
		var tk = (ev.tickets || []).filter(function (t) { return t.id === ev.ticket; })[0];
		var counter = ev.counter || (tk && tk.counter);
		if (!tk || !counter) return;
		flash();
		if (voice) {
			try { voice.call(tk.number, counter); } catch (e) { window.console && console.error('HallVoice.call', e); }
		}
	});
})(window, document);
