/*
 * The kiosk's 到店签到 of a phone ticket (web/view/kiosk_arrive.templ): the
 * tracking code typed on the on-screen keys or typed by a scanner (which
 * ends with Enter) → POST /api/v1/arrivals → the number and "wait for the
 * call", or the refusal. Uses window.HallKiosk.
 */
(function (window, document) {
	'use strict';

	var P = window.HallPage, K = window.HallKiosk;
	if (!P || !K || !document.getElementById('k-arrive')) return;
	var $ = function (id) { return document.getElementById(id); };
	var entry = $('ka-entry'), note = $('ka-note');
	var S = $('ka-strings').dataset;
	var en = document.body.dataset.lang === 'en';
	var busy = false;

	$('ka-open').addEventListener('click', function () {
		entry.value = '';
		note.textContent = '';
		delete note.dataset.outcome;
		K.show('arrive');
		entry.focus();
	});
	$('ka-back').addEventListener('click', function () { K.reset(); });
	[].forEach.call(document.querySelectorAll('[data-ka-key]'), function (b) {
		b.addEventListener('click', function () {
			var k = b.dataset.kaKey;
			if (k === 'clear') entry.value = '';
			else if (k === 'back') entry.value = entry.value.slice(0, -1);
			else entry.value += k;
			K.touch();
		});
	});

	function go() {
		if (busy || !entry.value.trim()) return;
		busy = true;
		P.api('POST', '/api/v1/arrivals', {code: entry.value}).then(function (r) {
			busy = false;
			if (r.error) {
				var m = P.message(r.error.message);
				note.textContent = m.pri + (m.sec ? ' · ' + m.sec : '');
				note.dataset.outcome = 'error';
				return;
			}
			var pre = r.data.changed ? (en ? S.okEn : S.okZh) : (en ? S.alreadyEn : S.alreadyZh);
			note.textContent = pre + r.data.ticket.number;
			note.dataset.outcome = r.data.changed ? 'ok' : 'already';
			entry.value = '';
			setTimeout(function () { if (note.dataset.outcome !== 'error') K.reset(); }, 8000);
		}, function () { busy = false; });
	}
	$('ka-go').addEventListener('click', go);
	entry.addEventListener('keydown', function (ev) {
		K.touch();
		if (ev.key === 'Enter') { ev.preventDefault(); go(); }
	});
})(window, document);
