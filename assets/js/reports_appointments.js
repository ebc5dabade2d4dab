/*
 * The appointment figures of the report (/reports, reportAppointments in
 * web/view/reports.templ): booked, checked in, no-show, to come, cancelled
 * and the average wait of appointment tickets against walk-ins, from
 * GET /api/v1/reports/appointments?from=&to= for the report's days.
 */
(function (window, document) {
	'use strict';
	var P = window.HallPage;
	var box = document.getElementById('rp-appt');
	if (!P || !box) return;
	var t = P.t;

	function set(id, text) {
		var e = box.querySelector('[data-testid="' + id + '"]');
		if (!e) return;
		var b = e.querySelector('b') || e;
		b.textContent = text;
	}
	function mins(s, n) { return n > 0 ? (s / 60).toFixed(1) : '—'; }

	var status = document.getElementById('rp-appt-status');
	var q = 'from=' + encodeURIComponent(box.dataset.from) + '&to=' + encodeURIComponent(box.dataset.to);
	P.api('GET', '/api/v1/reports/appointments?' + q).then(function (r) {
		if (r.error) {
			var m = P.message(r.error.message);
			status.textContent = m.pri;
			status.classList.add('rp-bad');
			return;
		}
		var f = r.data;
		['booked', 'checked_in', 'no_show', 'pending', 'cancelled'].forEach(function (k) { set('rp-appt-' + k, String(f[k] || 0)); });
		var came = (f.checked_in || 0), due = came + (f.no_show || 0);
		set('rp-appt-show_rate', due > 0 ? (came / due * 100).toFixed(1) + '%' : '—');
		set('rp-appt-appt-tickets', String(f.appointment_tickets || 0));
		set('rp-appt-appt-wait', mins(f.appointment_avg_wait_s, f.appointment_tickets));
		set('rp-appt-walkin-tickets', String(f.walk_in_tickets || 0));
		set('rp-appt-walkin-wait', mins(f.walk_in_avg_wait_s, f.walk_in_tickets));
		status.textContent = '';
		box.dataset.loaded = 'true';
	}, function () {
		status.textContent = t('conn.offline');
	});
})(window, document);
