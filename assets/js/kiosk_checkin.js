/*
 * The kiosk's appointment check-in (预约签到, web/view/kiosk_checkin.templ):
 * booking code, or phone and the code's last 4 digits, on the on-screen keypad → POST
 * /api/v1/appointments/check-in → the appointment ticket (201), or when to
 * come back (early), or a normal ticket offered (late). Uses window.HallKiosk.
 */
(function (window, document) {
	'use strict';

	var P = window.HallPage, K = window.HallKiosk;
	if (!P || !K || !document.getElementById('k-checkin')) return;
	var $ = function (id) { return document.getElementById(id); };
	var res = $('k-checkin-result');
	var f = function (name) { return res.querySelector('[data-kc="' + name + '"]'); };
	var en = document.body.dataset.lang === 'en';
	var S = $('kc-strings').dataset;
	var pair = function (k) { return en ? {pri: S[k + 'En'], sec: S[k + 'Zh']} : {pri: S[k + 'Zh'], sec: S[k + 'En']}; };
	// By phone, the last 4 digits of the booking code follow the 11 digits of
	// the number: a phone number alone finds no one's booking.
	var MAX = {code: 8, phone: 15};

	var kind = 'code', entry = '', busy = false, service = '';

	function render() {
		var out = $('kc-entry');
		out.textContent = entry || out.dataset['hint' + (kind === 'code' ? 'Code' : 'Phone')];
		out.classList.toggle('empty', !entry);
		[].forEach.call(document.querySelectorAll('[data-kc-kind]'), function (b) {
			b.setAttribute('aria-selected', String(b.dataset.kcKind === kind));
		});
	}

	function open() {
		kind = 'code';
		entry = '';
		$('kc-note').textContent = '';
		render();
		K.show('checkin');
	}

	$('kc-open').addEventListener('click', open);
	$('kc-back').addEventListener('click', function () { K.reset(); });
	$('kc-done').addEventListener('click', function () { K.reset(); });
	$('kc-normal').addEventListener('click', function () { if (service) K.issue({service: service}); });
	[].forEach.call(document.querySelectorAll('[data-kc-kind]'), function (b) {
		b.addEventListener('click', function () {
			kind = b.dataset.kcKind;
			entry = '';
			$('kc-note').textContent = '';
			render();
			K.touch();
		});
	});
	[].forEach.call(document.querySelectorAll('[data-kc-key]'), function (b) {
		b.addEventListener('click', function () {
			var k = b.dataset.kcKey;
			if (k === 'clear') entry = '';
			else if (k === 'back') entry = entry.slice(0, -1);
			else if (entry.length < MAX[kind]) entry += k;
			$('kc-note').textContent = '';
			render();
			K.touch();
		});
	});

	function showResult(outcome, title, msg, r) {
		var box = res.querySelector('.kc-result');
		box.dataset.kcOutcome = outcome;
		f('title').textContent = title.pri;
		f('title-alt').textContent = title.sec;
		f('message').textContent = msg.pri;
		f('message-alt').textContent = msg.sec;
		var tk = r && r.ticket;
		f('ticket').hidden = !tk;
		if (tk) {
			f('number').textContent = tk.number;
			f('tracking').textContent = String(tk.tracking || '').replace(/(.{4})(?=.)/g, '$1 ');
		}
		var a = r && r.appointment;
		f('slot').textContent = a ? a.day + ' ' + a.slot : '';
		var docs = (a && a.documents) || [];
		f('docs-box').hidden = !tk || docs.length === 0;
		var ul = f('docs');
		ul.textContent = '';
		docs.forEach(function (d) { var li = document.createElement('li'); li.textContent = d; ul.appendChild(li); });
		service = a ? a.service : '';
		$('kc-normal').hidden = outcome !== 'late';
		K.show('checkin-result');
	}

	$('kc-go').addEventListener('click', function () {
		if (busy) return;
		if (entry.length !== MAX[kind]) {
			var m = pair(kind === 'code' ? 'shortCode' : 'shortPhone');
			$('kc-note').textContent = m.pri;
			return;
		}
		busy = true;
		var req = kind === 'code' ? {code: entry} : {phone: entry.slice(0, 11), code_part: entry.slice(11)};
		P.api('POST', '/api/v1/appointments/check-in', req).then(function (r) {
			if (r.status === 201) showResult('ticket', pair('ok'), P.message(r.data.message), r.data);
			else if (r.status === 200) showResult(r.data.outcome, pair(r.data.outcome === 'early' ? 'early' : 'late'), P.message(r.data.message), r.data);
			else showResult('error', pair('err'), P.message(r.error && r.error.message), null);
		}, function () {
			showResult('error', pair('err'), {pri: '', sec: ''}, null);
		}).then(function () { busy = false; });
	});
})(window, document);
