/*
 * The console's 扫码取号与通知 tab (web/view/phone.templ): the forms post
 * through manager.js; here the dead letters' retry and dismiss buttons and
 * the gateway test.
 */
(function (window, document) {
	'use strict';

	var P = window.HallPage;
	if (!P) return;
	document.addEventListener('click', function (ev) {
		var b = ev.target.closest ? ev.target.closest('[data-action]') : null;
		if (!b) return;
		var path;
		switch (b.dataset.action) {
		case 'dl-retry': path = '/api/v1/notify/dead/' + encodeURIComponent(b.dataset.id) + '/retry'; break;
		case 'dl-dismiss': path = '/api/v1/notify/dead/' + encodeURIComponent(b.dataset.id) + '/dismiss'; break;
		case 'notify-test': path = '/api/v1/notify/test'; break;
		default: return;
		}
		b.disabled = true;
		P.api('POST', path).then(function (r) {
			if (r.error) {
				b.disabled = false;
				window.alert(P.message(r.error.message).pri);
				return;
			}
			window.setTimeout(function () { window.location.reload(); }, 300);
		});
	});
})(window, document);
