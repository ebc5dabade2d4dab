/*
 * The managers' call-back page (/callbacks): each open task's form records
 * an outcome through POST /api/v1/callbacks/{ticket}, then the page reloads.
 */
(function (window, document) {
	'use strict';

	var P = window.HallPage;
	[].forEach.call(document.querySelectorAll('.cb-form'), function (form) {
		form.addEventListener('submit', function (e) {
			e.preventDefault();
			var msg = form.querySelector('.cb-msg');
			var req = {outcome: form.elements.outcome.value, note: form.elements.note.value};
			form.querySelector('button').disabled = true;
			P.api('POST', '/api/v1/callbacks/' + form.dataset.ticket, req).then(function (r) {
				if (r.status === 200) {
					window.location.reload();
					return;
				}
				msg.textContent = P.message(r.error && r.error.message).pri;
				form.querySelector('button').disabled = false;
			}, function () {
				msg.textContent = P.t('conn.reconnecting');
				form.querySelector('button').disabled = false;
			});
		});
	});
})(window, document);
