/*
 * The customer's booking page (/book, web/view/book.templ): service → day →
 * slot → phone → booking code and documents to bring; look up, move or
 * cancel a booking by code and phone. Talks to /api/v1/appointments/*.
 */
(function (window, document) {
	'use strict';

	var P = window.HallPage;
	var $ = function (id) { return document.getElementById(id); };
	var S = $('bk-strings').dataset;
	var en = document.body.dataset.lang === 'en';
	// A signed-in clerk or manager books for callers (phone booking): each
	// new booking is for another caller, so the form starts empty.
	var agent = !!document.body.dataset.agent;
	if (agent) {
		$('bk-phone').setAttribute('autocomplete', 'off');
		$('bk-name').setAttribute('autocomplete', 'off');
	}
	var fill = function (s) {
		var args = [].slice.call(arguments, 1), i = 0;
		return String(s).replace(/%[ds]/g, function () { return i < args.length ? String(args[i++]) : ''; });
	};
	var info = null, service = null, day = null, slot = null;
	var found = null; // the booking being managed

	function button(text, sub, onClick, testid) {
		var b = document.createElement('button');
		b.type = 'button';
		b.className = 'bk-choice';
		var m = document.createElement('span');
		m.className = 'bk-choice-main';
		m.textContent = text;
		b.appendChild(m);
		if (sub) {
			var s = document.createElement('small');
			s.textContent = sub;
			b.appendChild(s);
		}
		if (testid) b.dataset.testid = testid;
		b.addEventListener('click', onClick);
		return b;
	}

	function select(box, b) {
		[].forEach.call(box.children, function (c) { c.setAttribute('aria-pressed', String(c === b)); });
	}

	function days() {
		var out = [], wd = S.weekdays.split(',');
		var base = new Date(info.today + 'T00:00:00Z');
		for (var i = 0; i <= info.horizon_days; i++) {
			var d = new Date(base.getTime() + i * 86400000);
			var iso = d.toISOString().slice(0, 10);
			out.push({iso: iso, label: i === 0 ? S.today : iso.slice(5), sub: (en ? '' : '周') + wd[d.getUTCDay()]});
		}
		return out;
	}

	function renderDays(box, onPick) {
		box.textContent = '';
		days().forEach(function (d) {
			var b = button(d.label, d.sub, function () { select(box, b); onPick(d.iso); }, 'book-day-' + d.iso);
			box.appendChild(b);
		});
	}

	function loadSlots(box, svc, dy, onPick) {
		box.textContent = '';
		return P.api('GET', '/api/v1/appointments/slots?service=' + encodeURIComponent(svc) + '&day=' + encodeURIComponent(dy)).then(function (r) {
			if (r.status !== 200) { box.textContent = P.message(r.error && r.error.message).pri; return; }
			if (!r.data.slots.length) { box.textContent = S.none; return; }
			r.data.slots.forEach(function (sl) {
				var b = button(sl.slot, sl.available > 0 ? fill(S.left, sl.available) : S.full, function () { select(box, b); onPick(sl.slot); }, 'book-slot-' + sl.slot);
				b.disabled = sl.available <= 0;
				box.appendChild(b);
			});
		});
	}

	function svcName(p) {
		var s = (info.services || []).filter(function (x) { return x.prefix === p; })[0];
		return s ? (en ? s.name_en : s.name_zh) : p;
	}

	P.api('GET', '/api/v1/appointments/services').then(function (r) {
		if (r.status !== 200) return;
		info = r.data;
		var box = $('bk-services');
		info.services.forEach(function (s) {
			var b = button(s.prefix + ' ' + (en ? s.name_en : s.name_zh), en ? s.name_zh : s.name_en, function () {
				select(box, b);
				service = s.prefix;
				slot = null;
				if (day) loadSlots($('bk-slots'), service, day, function (v) { slot = v; });
			}, 'book-service-' + s.prefix);
			box.appendChild(b);
		});
		renderDays($('bk-days'), function (d) {
			day = d;
			slot = null;
			if (service) loadSlots($('bk-slots'), service, day, function (v) { slot = v; });
		});
	});

	$('bk-form').addEventListener('submit', function (ev) {
		ev.preventDefault();
		var err = $('bk-error');
		err.textContent = '';
		if (!service || !day || !slot) { err.textContent = S.pickSlot; return; }
		var req = {service: service, day: day, slot: slot, phone: $('bk-phone').value, name: $('bk-name').value};
		$('bk-submit').disabled = true;
		P.api('POST', '/api/v1/appointments', req).then(function (r) {
			if (r.status !== 201) { err.textContent = P.message(r.error && r.error.message).pri; return; }
			var a = r.data;
			$('bk-code').textContent = a.code;
			$('bk-when').textContent = fill(S.when, a.day, a.slot, svcName(a.service));
			$('bk-window').textContent = fill(S.window, info.early_minutes, info.late_minutes);
			var ul = $('bk-docs');
			ul.textContent = '';
			(a.documents || []).forEach(function (d) { var li = document.createElement('li'); li.textContent = d; ul.appendChild(li); });
			$('bk-new').hidden = true;
			$('bk-done').hidden = false;
			window.scrollTo(0, 0);
		}).then(function () { $('bk-submit').disabled = false; });
	});

	$('bk-again').addEventListener('click', function () {
		slot = null;
		if (agent) { $('bk-phone').value = ''; $('bk-name').value = ''; }
		$('bk-done').hidden = true;
		$('bk-new').hidden = false;
		if (service && day) loadSlots($('bk-slots'), service, day, function (v) { slot = v; });
	});

	function showFound(a, note) {
		found = a;
		$('bk-found').hidden = false;
		// data-status-checked_in is dataset.statusChecked_in
		var st = S['status' + a.status.charAt(0).toUpperCase() + a.status.slice(1)] || a.status;
		$('bk-found-text').textContent = (note ? note + ' · ' : '') + a.code + ' · ' + fill(S.when, a.day, a.slot, svcName(a.service)) + ' · ' + st;
		var box = $('bk-move-slots');
		box.textContent = '';
		$('bk-cancel').hidden = a.status !== 'booked';
		if (a.status !== 'booked') return;
		var p = document.createElement('p');
		p.className = 'bk-hint';
		p.textContent = S.move;
		box.appendChild(p);
		var dbox = document.createElement('div');
		dbox.className = 'bk-choices';
		var sbox = document.createElement('div');
		sbox.className = 'bk-choices bk-slots';
		box.appendChild(dbox);
		box.appendChild(sbox);
		renderDays(dbox, function (d) {
			loadSlots(sbox, a.service, d, function (v) {
				P.api('POST', '/api/v1/appointments/' + a.code + '/reschedule', {phone: $('bk-find-phone').value, day: d, slot: v}).then(function (r) {
					if (r.status !== 200) { $('bk-find-error').textContent = P.message(r.error && r.error.message).pri; return; }
					showFound(r.data, S.moved);
				});
			});
		});
	}

	$('bk-find').addEventListener('submit', function (ev) {
		ev.preventDefault();
		$('bk-find-error').textContent = '';
		$('bk-found').hidden = true;
		var code = $('bk-find-code').value.trim(), phone = $('bk-find-phone').value.trim();
		P.api('GET', '/api/v1/appointments/' + encodeURIComponent(code) + '?phone=' + encodeURIComponent(phone)).then(function (r) {
			if (r.status !== 200) { $('bk-find-error').textContent = P.message(r.error && r.error.message).pri; return; }
			showFound(r.data, '');
		});
	});

	$('bk-cancel').addEventListener('click', function () {
		if (!found) return;
		P.api('POST', '/api/v1/appointments/' + found.code + '/cancel', {phone: $('bk-find-phone').value}).then(function (r) {
			if (r.status !== 200) { $('bk-find-error').textContent = P.message(r.error && r.error.message).pri; return; }
			showFound(r.data, S.cancelled);
		});
	});
})(window, document);
