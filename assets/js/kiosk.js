/*
 * The ticket kiosk (/kiosk): choose a service → optional phone or account
 * number on the on-screen keypad → the ticket, large. Goes back to the start
 * by itself when left alone (body data-idle-s, data-ticket-idle-s). Waiting
 * counts stay live from the `display` topic.
 */
(function (window, document) {
	'use strict';

	var P = window.HallPage;
	var body = document.body;
	var IDLE_S = Number(body.dataset.idleS) || 30;
	var TICKET_S = Number(body.dataset.ticketIdleS) || 15;
	var MAX = {phone: 11, account: 20};
	var VALID = {phone: /^1\d{10}$/, account: /^\d{6,20}$/};

	var $ = function (id) { return document.getElementById(id); };
	// Every <section class="k-screen" id="k-NAME">, slots' screens included.
	var screens = {};
	[].forEach.call(document.querySelectorAll('.k-screen[id^="k-"]'), function (sec) { screens[sec.id.slice(2)] = sec; });
	var field = function (scope, name) { return scope.querySelector('[data-field="' + name + '"]'); };
	var fields = function (scope, name) { return [].slice.call(scope.querySelectorAll('[data-field="' + name + '"]')); };

	var current = 'start';
	var green = false, large = false;
	var picked = null;               // the chosen service button
	var kind = 'phone';
	var entry = {phone: '', account: ''};
	var busy = false;
	var deadline = 0;                // when the idle reset fires (ms, local clock)

	function show(name) {
		current = name;
		Object.keys(screens).forEach(function (k) { screens[k].hidden = k !== name; });
		window.scrollTo(0, 0);
		main.scrollTop = 0;
		touch();
		moreBelow();
	}

	// moreBelow shows "scroll down for more" while the start screen has
	// services or buttons below the fold (a hall with many services).
	var main = document.querySelector('.k-main');
	function moreBelow() {
		$('k-more').hidden = !(current === 'start' && main.scrollHeight - main.scrollTop - main.clientHeight > 8);
	}
	main.addEventListener('scroll', moreBelow, {passive: true});
	window.addEventListener('resize', moreBelow);

	// touch restarts the idle countdown. The start screen needs none unless a
	// toggle is on: the next customer should not inherit large print.
	function touch() {
		if (current === 'start' && !green && !large) {
			deadline = 0;
			return;
		}
		deadline = Date.now() + (current === 'ticket' ? TICKET_S : IDLE_S) * 1000;
	}

	function reset() {
		green = false;
		large = false;
		picked = null;
		entry = {phone: '', account: ''};
		setKind('phone');
		renderToggles();
		show('start');
		emit('hallq:reset', {});
	}

	// emit tells the slots' scripts (see KioskPage in web/view/kiosk.templ).
	function emit(name, detail) {
		try {
			document.dispatchEvent(new window.CustomEvent(name, {detail: detail}));
		} catch (e) { window.console && console.error(name, e); }
	}

	setInterval(function () {
		if (!deadline) return;
		var left = Math.ceil((deadline - Date.now()) / 1000);
		if (current === 'ticket') field(screens.ticket, 'countdown').textContent = P.t('kiosk.countdown', Math.max(left, 0));
		if (left <= 0 && !busy) reset();
	}, 250);
	['pointerdown', 'keydown', 'touchstart'].forEach(function (ev) {
		document.addEventListener(ev, touch, {passive: true});
	});

	function renderToggles() {
		$('k-green').setAttribute('aria-pressed', String(green));
		$('k-large').setAttribute('aria-pressed', String(large));
		body.classList.toggle('large', large);
		body.classList.toggle('green-on', green);
		fields(document, 'green').forEach(function (e) { e.hidden = !green; });
		moreBelow();
	}

	$('k-green').addEventListener('click', function () { green = !green; renderToggles(); touch(); });
	$('k-large').addEventListener('click', function () { large = !large; renderToggles(); touch(); });

	// Choosing a service.
	[].forEach.call(document.querySelectorAll('.k-svc'), function (btn) {
		btn.addEventListener('click', function () {
			picked = btn;
			var c = screens.confirm;
			field(c, 'letter').textContent = btn.dataset.service;
			field(c, 'name').textContent = btn.querySelector('.k-svc-name').textContent;
			field(c, 'alt').textContent = btn.querySelector('.k-svc-alt').textContent;
			entry = {phone: '', account: ''};
			setKind('phone');
			$('k-entry-note').textContent = '';
			show('confirm');
		});
	});

	// The keypad.
	function setKind(k) {
		kind = k;
		[].forEach.call(document.querySelectorAll('.k-tab'), function (tab) {
			tab.setAttribute('aria-selected', String(tab.dataset.kind === k));
		});
		renderEntry();
	}

	function renderEntry() {
		var out = $('k-entry');
		var v = entry[kind];
		out.classList.toggle('empty', v === '');
		out.textContent = v === '' ? out.dataset['placeholder' + (kind === 'phone' ? 'Phone' : 'Account')] : group(v);
		$('k-entry-note').textContent = '';
	}

	// group spaces a phone number 3-4-4 and an account number in fours, as
	// people read them aloud.
	function group(v) {
		if (kind === 'phone') return v.replace(/^(\d{3})(\d{0,4})(\d{0,4})$/, function (_, a, b, c) { return [a, b, c].filter(Boolean).join(' '); });
		return v.replace(/(\d{4})(?=\d)/g, '$1 ');
	}

	[].forEach.call(document.querySelectorAll('.k-tab'), function (tab) {
		tab.addEventListener('click', function () { setKind(tab.dataset.kind); });
	});
	[].forEach.call(document.querySelectorAll('.k-key'), function (key) {
		key.addEventListener('click', function () {
			var k = key.dataset.key, v = entry[kind];
			if (k === 'clear') v = '';
			else if (k === 'back') v = v.slice(0, -1);
			else if (v.length < MAX[kind]) v += k;
			entry[kind] = v;
			renderEntry();
		});
	});

	$('k-back').addEventListener('click', function () { show('start'); });
	$('k-done').addEventListener('click', reset);
	$('k-error-back').addEventListener('click', reset);

	// Issuing.
	$('k-issue').addEventListener('click', function () {
		if (busy || !picked) return;
		for (var k in entry) {
			if (entry[k] !== '' && !VALID[k].test(entry[k])) {
				setKind(k);
				$('k-entry-note').textContent = P.t(k === 'phone' ? 'kiosk.phone_bad' : 'kiosk.account_bad');
				return;
			}
		}
		var req = {service: picked.dataset.service, priority: green ? 'green' : 'normal'};
		if (entry.phone) req.phone = entry.phone;
		if (entry.account) req.account = entry.account;
		busy = true;
		var btn = $('k-issue');
		btn.disabled = true;
		btn.classList.add('busy');
		P.api('POST', '/api/v1/tickets', req).then(function (res) {
			if (res.status === 201) showTicket(res.data);
			else showError(res.error);
		}, function () {
			showError({code: 'network', local: 'kiosk.err.network'});
		}).then(function () {
			busy = false;
			btn.disabled = false;
			btn.classList.remove('busy');
		});
	});

	function showTicket(tk) {
		var s = screens.ticket;
		field(s, 'number').textContent = tk.number;
		field(s, 'service').textContent = picked ? picked.querySelector('.k-svc-name').textContent : tk.service;
		field(s, 'ahead').textContent = String(tk.ahead);
		field(s, 'wait').textContent = P.waitText(tk.estimated_wait_s);
		field(s, 'time').textContent = P.hallTime(new Date(tk.issued_at)).hm;
		field(s, 'tracking').textContent = String(tk.tracking || '').replace(/(.{4})(?=.)/g, '$1 ');
		fields(s, 'green').forEach(function (e) { e.hidden = tk.priority !== 'green'; });
		show('ticket');
		emit('hallq:ticket', tk);
	}

	var TITLES = {limit: 'kiosk.err.limit', closed: 'kiosk.err.closed', invalid: 'kiosk.err.invalid'};

	function showError(err) {
		err = err || {};
		var s = screens.error;
		var title = TITLES[err.code] || 'kiosk.err.other';
		var m = err.local ? {pri: P.t(err.local), sec: P.alt(err.local)} : P.message(err.message);
		field(s, 'title').textContent = P.t(title);
		field(s, 'title-alt').textContent = P.alt(title);
		field(s, 'message').textContent = m.pri;
		field(s, 'message-alt').textContent = m.sec;
		show('error');
	}

	// Live waiting counts and expected waits; the hall's open/closed banner.
	P.live(body.dataset.topic || 'display', function (state) {
		if (!state) return;
		$('k-closed').hidden = !!state.open;
		(state.services || []).forEach(function (svc) {
			var btn = document.querySelector('.k-svc[data-service="' + svc.prefix + '"]');
			if (!btn) return;
			var w = String(svc.waiting), e = P.waitText(svc.estimated_wait_s);
			if (field(btn, 'waiting').textContent !== w) field(btn, 'waiting').textContent = w;
			if (field(btn, 'wait').textContent !== e) field(btn, 'wait').textContent = e;
		});
	});

	renderToggles();
	renderEntry();

	/*
	 * For the slots' scripts (case pre-check, appointment check-in, QR):
	 *   HallKiosk.show('NAME')   show <section class="k-screen" id="k-NAME">
	 *   HallKiosk.reset()        back to the start, toggles off
	 *   HallKiosk.issue(req)     issue {service, priority?, phone?, account?,
	 *                            item?} and show the ticket or the refusal
	 *   HallKiosk.touch()        the customer is still there (idle timer)
	 *   HallKiosk.green()/large() the toggles' state
	 * Events on document: "hallq:ticket" (detail: the issued ticket),
	 * "hallq:reset".
	 */
	window.HallKiosk = {
		show: function (name) { if (screens[name]) show(name); },
		reset: reset,
		touch: touch,
		green: function () { return green; },
		large: function () { return large; },
		issue: function (req) {
			if (busy) return;
			req = Object.assign({priority: green ? 'green' : 'normal'}, req);
			picked = document.querySelector('.k-svc[data-service="' + req.service + '"]') || picked;
			busy = true;
			return P.api('POST', '/api/v1/tickets', req).then(function (res) {
				if (res.status === 201) showTicket(res.data);
				else showError(res.error);
			}, function () {
				showError({code: 'network', local: 'kiosk.err.network'});
			}).then(function () { busy = false; });
		}
	};
})(window, document);
