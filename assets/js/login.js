/*
 * The sign-in page (/login): POST /api/v1/login {"user","password","counter"}
 * and on to data-next (a local path, /desk by default). The desk PC remembers
 * the counter chosen last time.
 */
(function (window, document) {
	'use strict';

	var P = window.HallPage;
	var $ = function (id) { return document.getElementById(id); };
	var form = $('lg-form');
	var select = $('lg-counter');
	var errBox = $('lg-error');
	var submit = $('lg-submit');
	var KEY = 'hallq.counter';

	try {
		var saved = window.localStorage.getItem(KEY);
		if (select.dataset.preset === '0' && saved && select.querySelector('option[value="' + saved + '"]')) select.value = saved;
	} catch (e) { /* storage may be off */ }

	function fail(text) {
		errBox.textContent = text;
		errBox.hidden = false;
	}

	// next is where to go after signing in: only a path on this server.
	function next() {
		var n = form.dataset.next || '';
		return /^\/(?![\/\\])/.test(n) ? n : '/desk';
	}

	form.addEventListener('submit', function (e) {
		e.preventDefault();
		var user = $('lg-user').value.trim(), password = $('lg-password').value;
		if (!user || !password) return fail(P.t('login.err.empty'));
		errBox.hidden = true;
		submit.disabled = true;
		submit.textContent = P.t('login.signing_in');
		var counter = Number(select.value) || 0;
		P.api('POST', '/api/v1/login', {user: user, password: password, counter: counter}).then(function (res) {
			if (res.error) {
				fail(P.message(res.error.message).pri);
				$('lg-password').select();
				return;
			}
			try { window.localStorage.setItem(KEY, String(counter)); } catch (err) { /* fine */ }
			window.location.href = next();
		}, function () {
			fail(P.t('login.err.network'));
		}).then(function () {
			submit.disabled = false;
			submit.textContent = P.t('login.submit');
		});
	});
})(window, document);
