/*
 * The phone page (扫码取号, web/view/phone.templ): the service and the mobile
 * number → POST /api/v1/remote/tickets → the ticket's tracking page /t/CODE,
 * which follows the queue live and alerts the phone. Opened from the door's
 * QR (data-door), the ticket is checked in at once.
 */
(function (window, document) {
	'use strict';

	var P = window.HallPage;
	var form = document.getElementById('ph-form');
	if (!P || !form) return;
	var err = document.getElementById('ph-error');
	var busy = false;

	form.addEventListener('submit', function (ev) {
		ev.preventDefault();
		if (busy) return;
		var svc = form.querySelector('input[name=service]:checked');
		var req = {service: svc ? svc.value : '', phone: form.phone.value.trim()};
		if (document.body.dataset.door) req.door = document.body.dataset.door;
		busy = true;
		err.hidden = true;
		P.api('POST', '/api/v1/remote/tickets', req).then(function (r) {
			busy = false;
			if (r.error) {
				var m = P.message(r.error.message);
				err.textContent = m.pri;
				err.hidden = false;
				return;
			}
			var lang = document.body.dataset.lang;
			window.location.assign(r.data.track_url + (lang ? '?lang=' + lang : ''));
		}, function () {
			busy = false;
			err.textContent = '网络不可用 / offline';
			err.hidden = false;
		});
	});
})(window, document);
