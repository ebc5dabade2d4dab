/*
 * The kiosk's 过号顺延 (web/view/kiosk_return.templ): the customer types the
 * missed number on the keypad (service letter, digits), or scans the
 * ticket's QR code with the kiosk's scanner (it types the tracking URL and
 * Enter; a tracking URL scanned on any screen opens this one), → POST /api/v1/tickets/return → the number back in the queue with
 * the people ahead, or why not. Uses window.HallKiosk.
 */
(function (window, document) {
	'use strict';

	var P = window.HallPage, K = window.HallKiosk;
	if (!P || !K || !document.getElementById('k-return')) return;
	var $ = function (id) { return document.getElementById(id); };
	var en = document.body.dataset.lang === 'en';
	var S = $('kr-strings').dataset;
	var entry = '', scanned = '', busy = false;

	function fill(s, args) {
		var i = 0;
		return s.replace(/%[sd]/g, function () { return String(args[i++]); });
	}

	function say(pri, sec) {
		$('kr-message').textContent = pri || '';
		$('kr-message-alt').textContent = sec || '';
	}

	function render() {
		var out = $('kr-entry');
		out.textContent = entry || out.dataset.hint;
		out.classList.toggle('empty', !entry);
	}

	function open() {
		entry = '';
		scanned = '';
		say('', '');
		render();
		K.show('return');
	}

	function send(req) {
		if (busy) return;
		busy = true;
		P.api('POST', '/api/v1/tickets/return', req).then(function (r) {
			if (r.error) {
				var m = P.message(r.error.message);
				say(m.pri, m.sec);
				return;
			}
			var zh = fill(S.okZh, [r.data.number, r.data.ahead]), enText = fill(S.okEn, [r.data.number, r.data.ahead]);
			say(en ? enText : zh, en ? zh : enText);
			entry = '';
			render();
		}, function () {
			say(en ? 'Network error; please try again' : '网络异常，请重试', '');
		}).then(function () { busy = false; K.touch(); });
	}

	$('kr-open').addEventListener('click', open);
	$('kr-back').addEventListener('click', function () { K.reset(); });
	$('kr-go').addEventListener('click', function () {
		if (!/^[A-Z][0-9]{1,6}$/.test(entry)) {
			say(en ? 'Type the number on your ticket, e.g. A023' : '请输入小票上的号码，如 A023', '');
			return;
		}
		send({number: entry});
	});
	[].forEach.call(document.querySelectorAll('[data-kr-key]'), function (b) {
		b.addEventListener('click', function () {
			var k = b.dataset.krKey;
			if (k === 'clear') entry = '';
			else if (k === 'back') entry = entry.slice(0, -1);
			else if (/[A-Z]/.test(k)) entry = k; // a letter starts a number
			else if (entry && entry.length < 7) entry += k;
			say('', '');
			render();
			K.touch();
		});
	});
	// A scanner types the QR code's text, then Enter: on this screen, or on
	// any other when it is a ticket's tracking URL (…/t/CODE).
	document.addEventListener('keydown', function (e) {
		if (e.key === 'Enter') {
			var text = scanned;
			scanned = '';
			if (!text) return;
			if ($('k-return').hidden) {
				if (text.indexOf('/t/') < 0) return;
				open();
			}
			send({code: text});
			return;
		}
		if (e.key && e.key.length === 1) scanned = (scanned + e.key).slice(-200);
	});
})(window, document);
