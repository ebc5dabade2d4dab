/*
 * The clerk desk (/desk): every counter action on a button and a key, the
 * current ticket with a running timer, the counter's waiting list, today's
 * served count. Live from the topic desk/N (its state carries `waiting`);
 * after each action the desk also reloads the state over the JSON API, so it
 * stays right even while the socket is reconnecting. Every answer of the API,
 * refusals included, is shown in the status bar at the bottom.
 *
 * Keys: Enter finish and call next · F1 or Space call next · R recall · S start · F finish · N no-show ·
 * T transfer · P postpone · H pause/resume · / type a number to call ·
 * Esc close a panel. In the transfer panel a service letter or a counter
 * digit chooses; in the pause panel 1–4 choose a reason.
 */
(function (window, document) {
	'use strict';

	var P = window.HallPage;
	var el = P.el;
	var body = document.body;
	var $ = function (id) { return document.getElementById(id); };

	function logout() {
		P.api('POST', '/api/v1/logout').then(function () { window.location.href = '/login'; },
			function () { window.location.href = '/login'; });
	}
	var logoutBtn = $('dk-logout');
	if (logoutBtn) logoutBtn.addEventListener('click', logout);
	if (body.dataset.page !== 'desk') return; // the counter chooser needs no more

	var N = Number(body.dataset.counter);
	var base = '/api/v1/counters/' + N + '/';
	var statusBar = $('dk-status');
	var statusText = statusBar.querySelector('.dk-status-text');
	var actions = $('dk-actions');
	var panels = {transfer: $('dk-transfer'), pause: $('dk-pause')};
	var numberInput = $('dk-number');

	var lastSeq = 0;
	var counter = null;   // the counter as last rendered
	var services = {};    // prefix → service
	var busy = false;

	// The status bar.
	function say(kind, text) {
		statusBar.dataset.kind = kind;
		statusText.textContent = P.hallTime(P.now()).hms + '  ' + text;
	}

	// An action of the API. Actions run one at a time in the order the
	// clerk gave them: a key pressed while the previous action is still on
	// its way waits for it, it is never dropped.
	// then, an action [name, payload], runs next when this one succeeds
	// (finish, then call: a refused finish calls no one).
	var pending = [];
	function act(action, payload, then) {
		if (busy) {
			pending.push([action, payload, then]);
			return;
		}
		busy = true;
		actions.classList.add('busy');
		say('info', P.t('desk.working'));
		P.api('POST', base + action, payload || {}).then(function (res) {
			if (res.status === 204) {
				say('info', P.t('desk.nobody'));
			} else if (res.error) {
				if (res.status === 401) {
					say('error', P.t('desk.err.session'));
					setTimeout(function () {
						window.location.href = '/login?next=' + encodeURIComponent(window.location.pathname + window.location.search);
					}, 2500);
				} else {
					say('error', P.message(res.error.message).pri);
				}
			} else {
				var number = res.data && res.data.number ? res.data.number : '';
				say('ok', P.t('desk.ok.' + action, number));
				// Only the panel's own action closes it: a panel opened
				// while an earlier action was on its way stays open.
				if (action === 'transfer' || action === 'pause') closePanels();
				if (then) pending.unshift(then);
			}
			refresh();
		}, function () {
			say('error', P.t('desk.err.network'));
		}).then(function () {
			busy = false;
			actions.classList.remove('busy');
			var next = pending.shift();
			if (next) act(next[0], next[1], next[2]);
		});
	}

	// refresh reloads the desk's state over the API; the socket usually got
	// there first, and an older answer is dropped.
	function refresh() {
		Promise.all([P.api('GET', '/api/v1/queue'), P.api('GET', base + 'waiting')]).then(function (r) {
			if (r[0].status !== 200 || r[1].status !== 200) return;
			var state = r[0].data;
			state.waiting = r[1].data || [];
			if (state.seq >= lastSeq) render(state, state.seq);
		}, function () { /* the socket will bring it */ });
	}

	// finishNext finishes the current customer (recording the case panel's
	// item, when one is chosen) and then calls the next; with no one at the
	// counter it just calls.
	function finishNext() {
		if (!counter || !counter.ticket) return act('call');
		var hook = window.HallDesk && window.HallDesk.finishBody;
		act('finish', (hook && hook()) || {}, ['call']);
	}

	// Panels.
	function openPanel(name) {
		closePanels();
		panels[name].hidden = false;
		if (name === 'pause') $('dk-reason').value = '';
	}
	function closePanels() {
		Object.keys(panels).forEach(function (k) { panels[k].hidden = true; });
	}
	function openPanelName() {
		for (var k in panels) if (!panels[k].hidden) return k;
		return '';
	}
	[].forEach.call(document.querySelectorAll('[data-close]'), function (b) { b.addEventListener('click', closePanels); });

	// The buttons.
	// press runs a button's action: its click, or its key (also while the
	// button is disabled, so the API's refusal says why it cannot act).
	function press(btn) {
		btn.blur(); // so that Space next time means "call next", not "press this again"
		var a = btn.dataset.action;
		if (!a) return btn.click();
		if (a === 'finish-next') return finishNext();
		if (a === 'transfer') {
			if (!counter || !counter.ticket) return say('error', P.t('desk.no_current'));
			return openPanel('transfer');
		}
		if (a === 'pause') {
			if (counter && counter.state === 'paused') return act('resume');
			return openPanel('pause');
		}
		act(a);
	}
	[].forEach.call(actions.querySelectorAll('.dk-act'), function (btn) {
		btn.addEventListener('click', function () { press(btn); });
	});
	[].forEach.call(panels.transfer.querySelectorAll('.dk-choice'), function (b) {
		b.addEventListener('click', function () {
			closePanels(); // chosen: the desk's keys are the desk's again at once
			if (b.dataset.service) act('transfer', {service: b.dataset.service});
			else act('transfer', {counter: Number(b.dataset.counter)});
		});
	});
	[].forEach.call(panels.pause.querySelectorAll('.dk-choice'), function (b) {
		b.addEventListener('click', function () {
			// Closed as soon as a reason is chosen, not when the answer comes:
			// the socket often shows the pause first, and an H pressed then
			// (resume) went to the still open panel, which has no H, and was lost.
			closePanels();
			act('pause', {reason: b.dataset.reason});
		});
	});
	$('dk-reason-form').addEventListener('submit', function (e) {
		e.preventDefault();
		var reason = $('dk-reason').value.trim();
		if (!reason) return say('error', P.t('desk.reason_empty'));
		closePanels();
		act('pause', {reason: reason});
	});
	$('dk-named').addEventListener('submit', function (e) {
		e.preventDefault();
		// Only letters and digits: the "/" that opened the field, spaces or a
		// dash typed out of habit ("A-012") are not part of a number.
		var number = numberInput.value.toUpperCase().replace(/[^A-Z0-9]/g, '');
		if (!number) return say('error', P.t('desk.named_empty'));
		numberInput.value = '';
		numberInput.blur();
		act('call', {number: number});
	});
	// 过号顺延: the typed number, missed and come back, goes back in the
	// queue behind the first few (POST /api/v1/tickets/return).
	$('dk-return').addEventListener('click', function () {
		var number = numberInput.value.toUpperCase().replace(/[^A-Z0-9]/g, '');
		if (!number) return say('error', P.t('desk.named_empty'));
		numberInput.value = '';
		P.api('POST', '/api/v1/tickets/return', {number: number}).then(function (res) {
			if (res.error) say('error', P.message(res.error.message).pri);
			else say('ok', P.t('desk.ok.return', res.data.number, res.data.ahead));
			refresh();
		}, function () { say('error', P.t('desk.err.network')); });
	});
	$('dk-list').addEventListener('click', function (e) {
		var b = e.target.closest('[data-call]');
		if (!b) return;
		b.blur();
		act('call', {ticket: Number(b.dataset.call)});
	});

	// The keyboard.
	document.addEventListener('keydown', function (e) {
		if (e.ctrlKey || e.altKey || e.metaKey || e.repeat || e.defaultPrevented) return;
		var tag = e.target && e.target.tagName;
		var typing = tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT';
		if (e.key === 'Escape') {
			closePanels();
			if (typing) e.target.blur();
			return;
		}
		if (typing) return;
		if (tag === 'BUTTON' && (e.key === ' ' || e.key === 'Enter')) return; // the button's own click
		var key = e.key === ' ' ? 'Space' : e.key.length === 1 ? e.key.toLowerCase() : e.key;
		var panel = openPanelName();
		var scope = panel ? panels[panel] : actions;
		var btn = [].filter.call(scope.querySelectorAll('[data-keys]'), function (b) {
			return b.dataset.keys.toLowerCase().split(' ').indexOf(key.toLowerCase()) >= 0;
		})[0];
		if (!btn && !panel && e.key === '/') {
			e.preventDefault();
			numberInput.focus();
			return;
		}
		if (btn) {
			e.preventDefault();
			if (scope === actions) press(btn);
			else btn.click();
		}
	});

	// Rendering.
	function serviceName(prefix) {
		var s = services[prefix];
		return s ? P.name(s.name_zh, s.name_en) : prefix;
	}

	function ms(iso) { return iso ? String(new Date(iso).getTime()) : ''; }

	function chip(text, cls, status) {
		var c = el('span', 'dk-chip' + (cls ? ' ' + cls : ''), text);
		if (status) c.dataset.status = status;
		return c;
	}

	function renderCurrent(tk) {
		var box = $('dk-current');
		var key = tk ? [tk.id, tk.status, tk.recalls, tk.last_called_at, tk.started_at].join('|') : 'none';
		if (box.dataset.key === key) return;
		box.dataset.key = key;
		if (!tk) {
			P.replace(box, [el('div', 'dk-cur-empty', [
				el('div', 'dk-cur-idle', P.t('desk.no_current')),
				el('div', 'dk-cur-hint', P.t('desk.no_current_hint'))
			])]);
			return;
		}
		var num = el('div', 'dk-cur-num', tk.number);
		num.dataset.testid = 'desk-current-number';
		var facts = [el('div', '', [el('dt', '', P.t('desk.issued')), el('dd', '', P.hallTime(new Date(tk.issued_at)).hm)])];
		if (tk.phone) facts.push(el('div', '', [el('dt', '', P.t('kiosk.phone')), el('dd', '', tk.phone)]));
		if (tk.account) facts.push(el('div', '', [el('dt', '', P.t('kiosk.account')), el('dd', '', tk.account)]));
		var since = tk.status === 'serving' && tk.started_at ? tk.started_at : (tk.last_called_at || tk.issued_at);
		var timer = el('span', 'dk-timer-value', '0:00');
		timer.dataset.since = ms(since);
		timer.dataset.testid = 'desk-timer';
		var cur = el('div', 'dk-cur', [
			num,
			el('div', 'dk-cur-info', [
				el('div', 'dk-cur-line', [
					chip(P.t('status.' + tk.status), '', tk.status),
					tk.priority === 'green' ? chip(P.t('kiosk.green'), 'dk-green') : null,
					tk.priority === 'appointment' ? chip(P.t('desk.appointment'), 'dk-appt') : null,
					tk.recalls > 0 ? chip(P.t('desk.recalls', tk.recalls), 'dk-recalls') : null
				]),
				el('div', 'dk-cur-svc', serviceName(tk.service)),
				el('dl', 'dk-cur-facts', facts)
			]),
			el('div', 'dk-timer', [
				el('span', 'dk-timer-label', P.t(tk.status === 'serving' ? 'desk.timer_serving' : 'desk.timer_called')),
				timer
			])
		]);
		cur.dataset.status = tk.status;
		P.replace(box, [cur]);
		tickTimers(P.now());
	}

	function renderWaiting(list) {
		var ol = $('dk-list');
		var key = list.map(function (t) { return t.id + (t.postponed ? 'p' : '') + t.service; }).join(',');
		var waiting = list.filter(function (t) { return !t.postponed; }).length;
		$('dk-count').textContent = P.t('desk.waiting_count', waiting);
		if (ol.dataset.key === key) return;
		ol.dataset.key = key;
		if (!list.length) {
			P.replace(ol, [el('li', 'dk-empty', P.t('desk.none_waiting'))]);
			return;
		}
		P.replace(ol, list.map(function (t) {
			var btn = el('button', 'dk-row-call', P.t(t.postponed ? 'desk.callback' : 'desk.call_this'));
			btn.type = 'button';
			btn.dataset.call = String(t.id);
			btn.dataset.number = t.number;
			var wait = el('span', 'dk-row-wait');
			wait.dataset.since = ms(t.issued_at);
			var li = el('li', 'dk-row' + (t.postponed ? ' dk-row-held' : '') + (t.priority === 'green' ? ' dk-row-green' : ''), [
				el('span', 'dk-row-num', t.number),
				el('span', 'dk-row-svc', [
					serviceName(t.service),
					t.priority === 'green' ? chip(P.t('desk.green_short'), 'dk-green') : null,
					t.postponed ? chip(P.t('desk.postponed'), 'dk-held') : null,
					t.returns > 0 ? chip(P.t('desk.returned_chip'), 'dk-returned') : null,
					t.target_counter && !t.postponed ? chip(P.t('desk.transferred_here')) : null
				]),
				wait,
				btn
			]);
			li.dataset.id = String(t.id);
			return li;
		}));
		tickTimers(P.now());
	}

	function renderCounter(c) {
		body.classList.toggle('dk-serving', !!c.ticket);
		var st = $('dk-state');
		st.dataset.state = c.state;
		var text = c.state === 'paused' ? P.t('desk.state.paused') + (c.pause_reason ? ' · ' + c.pause_reason : '')
			: c.state === 'closed' ? P.t('desk.state.closed') : P.t('desk.state.open');
		if (st.textContent !== text) st.textContent = text;
		$('dk-served').textContent = String(c.served_today || 0);
		var pause = actions.querySelector('[data-action=pause] .dk-act-label');
		pause.textContent = c.state === 'paused' ? pause.dataset.labelResume : pause.dataset.labelPause;
		// Disable what cannot act now (deskApplies in desk.templ has the same
		// rules); its key still reaches the API, whose refusal says why.
		var tk = c.ticket, called = tk && tk.status === 'called';
		var applies = {
			call: c.state === 'open' && !tk, 'finish-next': c.state === 'open', recall: called, start: called, finish: !!tk,
			'no-show': called, transfer: !!tk, postpone: !!tk, pause: c.state === 'paused' || (c.state === 'open' && !tk)
		};
		[].forEach.call(actions.querySelectorAll('[data-action]'), function (b) {
			b.disabled = !applies[b.dataset.action];
		});
	}

	function render(state, seq) {
		lastSeq = Math.max(lastSeq, seq || 0);
		(state.services || []).forEach(function (s) { services[s.prefix] = s; });
		var c = (state.counters || []).filter(function (k) { return k.number === N; })[0];
		if (c) {
			counter = c;
			renderCounter(c);
			renderCurrent(c.ticket);
		}
		if (state.waiting) renderWaiting(state.waiting);
		try {
			document.dispatchEvent(new window.CustomEvent('hallq:desk', {detail: {state: state, seq: seq, counter: c || null}}));
		} catch (e) { window.console && console.error('hallq:desk', e); }
	}

	function tickTimers(now) {
		[].forEach.call(document.querySelectorAll('[data-since]'), function (e) {
			var since = Number(e.dataset.since);
			if (!since) return;
			var text = P.duration(now.getTime() - since);
			if (e.textContent !== text) e.textContent = text;
		});
	}
	P.everySecond(tickTimers);

	// Today's rating figures follow the clerk's finished services and the
	// customers' ratings (GET /api/v1/ratings/mine: the signed-in clerk's).
	var ratings = document.querySelector('[data-testid=desk-ratings]');
	var ratingEvents = {service_finished: true, service_rated: true, rating_expired: true, day_rolled: true};
	function pct(v, n) { return n ? (v * 100).toFixed(1) + '%' : '—'; }
	function fill(node, args) {
		var i = 0;
		node.textContent = node.dataset.format.replace(/%d/g, function () { return String(args[i++]); });
	}
	function refreshRatings() {
		if (!ratings) return;
		P.api('GET', '/api/v1/ratings/mine').then(function (res) {
			if (res.status !== 200 || !res.data) return;
			var r = res.data;
			ratings.querySelector('[data-testid=desk-rating-satisfaction]').textContent = pct(r.satisfaction, r.rated);
			ratings.querySelector('[data-testid=desk-rating-participation]').textContent = pct(r.participation, r.served);
			fill(ratings.querySelector('[data-testid=desk-rating-counts]'), [r.rated, r.served]);
			var low = ratings.querySelector('[data-testid=desk-rating-low]');
			fill(low, [r.low]);
			low.hidden = !r.low;
		}, function () { /* the next event tries again */ });
	}

	P.live(body.dataset.topic, function (state, seq, event) {
		if (state && (seq || 0) >= lastSeq) render(state, seq);
		if (event && ratingEvents[event.type]) refreshRatings();
	});

	/*
	 * For the slots' scripts (the case panel, ratings; see DeskPage in
	 * web/view/desk.templ):
	 *   HallDesk.counter          this desk's counter number
	 *   HallDesk.current()        the counter as last rendered (its .ticket)
	 *   HallDesk.act(action, body) a counter action, shown in the status bar
	 *   HallDesk.say(kind, text)  a line in the status bar (info|ok|error)
	 *   HallDesk.refresh()        reload the state over the API
	 *   HallDesk.finishBody       set by a slot: () → the body of the
	 *                             finish that "finish and call next" sends
	 * Event on document: "hallq:desk" after every render, detail {state,
	 * seq, counter}. Keys the desk does not use are free for slots; a slot
	 * handling one should call preventDefault().
	 */
	window.HallDesk = {
		counter: N,
		current: function () { return counter; },
		act: act,
		say: say,
		refresh: refresh
	};

	// The server rendered the first state; apply the dimming rules to it.
	refresh();
})(window, document);
