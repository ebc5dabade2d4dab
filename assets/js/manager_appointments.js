/*
 * The manager console's appointments tab (/manager/appointments,
 * web/view/manager_appointments.templ):
 *   - sends the booking rules to PUT /api/v1/appointments/settings (every
 *     service's plan as one list) and shows the server's refusal, or that
 *     the new settings are live, redrawing the form from the saved values;
 *   - lists a day's bookings from GET /api/v1/appointments?day= (phones come
 *     masked), refreshed on a day change, the button, and every 30 seconds.
 */
(function (window, document) {
	'use strict';
	var P = window.HallPage;
	if (!P) return;
	var el = P.el, t = P.t;
	var $ = function (id) { return document.getElementById(id); };
	var form = $('ma-form');
	if (!form) return;
	var services = [];
	try { services = JSON.parse($('ma-services').textContent) || []; } catch (e) { services = []; }

	function int(input) {
		var v = String(input.value).trim();
		return v === '' ? 0 : Number(v);
	}
	function field(name) { return form.querySelector('[name="' + name + '"]'); }

	function collect() {
		var out = {
			horizon_days: int(field('horizon_days')),
			early_minutes: int(field('early_minutes')),
			late_minutes: int(field('late_minutes')),
			phone_limit: int(field('phone_limit')),
			hours: {open: field('hours.open').value, close: field('hours.close').value},
			plans: []
		};
		[].forEach.call(form.querySelectorAll('tr[data-plan]'), function (tr) {
			out.plans.push({
				service: tr.dataset.plan,
				slot_minutes: int(tr.querySelector('[name=slot_minutes]')),
				capacity: int(tr.querySelector('[name=capacity]'))
			});
		});
		return out;
	}

	function show(s) {
		field('horizon_days').value = s.horizon_days;
		field('early_minutes').value = s.early_minutes;
		field('late_minutes').value = s.late_minutes;
		field('phone_limit').value = s.phone_limit;
		if (s.hours) {
			field('hours.open').value = s.hours.open;
			field('hours.close').value = s.hours.close;
		}
		[].forEach.call(form.querySelectorAll('tr[data-plan]'), function (tr) {
			var pl = (s.plans || []).filter(function (x) { return x.service === tr.dataset.plan; })[0];
			if (pl) {
				tr.querySelector('[name=slot_minutes]').value = pl.slot_minutes;
				tr.querySelector('[name=capacity]').value = pl.capacity;
			}
			markOff(tr);
		});
	}

	function markOff(tr) {
		tr.classList.toggle('ma-off', int(tr.querySelector('[name=capacity]')) <= 0);
	}
	[].forEach.call(form.querySelectorAll('tr[data-plan]'), function (tr) {
		markOff(tr);
		tr.querySelector('[name=capacity]').addEventListener('input', function () { markOff(tr); });
	});

	form.addEventListener('submit', function (ev) {
		ev.preventDefault();
		var err = $('ma-error'), ok = $('ma-ok'), btn = form.querySelector('button[type=submit]');
		err.hidden = true;
		ok.hidden = true;
		btn.disabled = true;
		P.api('PUT', '/api/v1/appointments/settings', collect()).then(function (r) {
			btn.disabled = false;
			if (r.error) {
				var m = P.message(r.error.message);
				err.textContent = m.pri + (m.sec ? ' · ' + m.sec : '');
				err.hidden = false;
				return;
			}
			show(r.data);
			ok.hidden = false;
		}, function () {
			btn.disabled = false;
			err.textContent = t('conn.offline');
			err.hidden = false;
		});
	});

	// --- a day's bookings ------------------------------------------------

	function svcName(prefix) {
		for (var i = 0; i < services.length; i++) {
			if (services[i].prefix === prefix) return prefix + ' ' + P.name(services[i].name_zh, services[i].name_en);
		}
		return prefix;
	}

	function bookedBy(actor) {
		if (!actor || actor === 'anonymous') return t('ma.by.online');
		var i = actor.indexOf(':');
		return i >= 0 && actor.slice(0, i) === 'user' ? t('ma.by.phone', actor.slice(i + 1)) : actor;
	}

	function td(cls, content) { return el('td', cls, content); }

	function load() {
		var day = $('ma-day').value;
		if (!day) return;
		P.api('GET', '/api/v1/appointments?day=' + encodeURIComponent(day)).then(function (r) {
			var body = $('ma-rows');
			if (r.error) {
				var m = P.message(r.error.message);
				$('ma-count').textContent = m.pri;
				return;
			}
			var list = r.data.appointments || [];
			var rows = list.map(function (a) {
				var tr = el('tr', 'ma-row-' + a.status);
				tr.dataset.testid = 'ma-row';
				tr.dataset.code = a.code;
				tr.appendChild(td('', a.slot));
				tr.appendChild(td('', svcName(a.service)));
				tr.appendChild(td('ma-code', a.code));
				tr.appendChild(td('', a.phone));
				tr.appendChild(td('', a.name || ''));
				tr.appendChild(td('', [el('span', 'ma-st ma-st-' + a.status, t('ma.st.' + a.status))]));
				tr.appendChild(td('', a.number || ''));
				tr.appendChild(td('', bookedBy(a.booked_by)));
				return tr;
			});
			if (!rows.length) {
				var empty = el('tr', 'ma-empty');
				var cell = td('', t('ma.none'));
				cell.colSpan = 8;
				empty.appendChild(cell);
				rows = [empty];
			}
			body.replaceChildren.apply(body, rows);
			var live = list.filter(function (a) { return a.status !== 'cancelled'; });
			var came = live.filter(function (a) { return a.status === 'checked_in'; }).length;
			var toCome = live.filter(function (a) { return a.status === 'booked'; }).length;
			$('ma-count').textContent = t('ma.count', live.length, came, toCome);
		});
	}
	$('ma-day').addEventListener('change', load);
	$('ma-refresh').addEventListener('click', load);
	window.setInterval(function () { if (!document.hidden) load(); }, 30000);
	load();
})(window, document);
