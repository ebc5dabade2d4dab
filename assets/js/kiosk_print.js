/*
 * The kiosk ticket's QR code and printing (web/view/kiosk_ticket_qr.templ).
 * When kiosk.js shows a ticket (the hallq:ticket event) this shows the QR
 * code of its tracking page, then asks the hall how the kiosk's printer is:
 * - an ESC/POS printer that is in fault: a notice (the ticket and its QR
 *   code stay on screen, the manager is alerted) and a "print again" button;
 * - an ESC/POS printer that works: "printed, take your ticket";
 * - no ESC/POS printer: the browser prints the ticket (print.css), silently
 *   under Chromium's --kiosk-printing.
 */
(function () {
	'use strict';
	var box = document.getElementById('k-qr');
	if (!box) return;
	var img = document.getElementById('k-qr-img');
	var status = document.getElementById('k-print-status');
	var again = document.getElementById('k-reprint');
	var current = null;
	var printer = null; // the kiosk's printer, as GET /api/v1/printer says

	function api(method, path, body) {
		var opts = {method: method, credentials: 'same-origin', headers: {'Accept': 'application/json'}};
		if (body !== undefined) {
			opts.headers['Content-Type'] = 'application/json';
			opts.body = JSON.stringify(body);
		}
		return window.fetch(path, opts).then(function (res) {
			return res.json().catch(function () { return null; }).then(function (data) {
				return {status: res.status, data: data};
			});
		});
	}

	function say(kind, message) {
		status.hidden = false;
		status.className = 'k-print-status k-print-' + kind;
		status.textContent = '';
		var pri = document.createElement('span');
		pri.className = 'pri';
		var sec = document.createElement('span');
		sec.className = 'sec';
		if (message) {
			var parts = String(message).split(' / ');
			pri.textContent = parts[0];
			sec.textContent = parts[1] || '';
		} else {
			pri.textContent = status.dataset[kind + 'Pri'] || '';
			sec.textContent = status.dataset[kind + 'Sec'] || '';
		}
		status.appendChild(pri);
		status.appendChild(sec);
	}

	function loadPrinter(check) {
		return api('GET', '/api/v1/printer' + (check ? '?check=1' : '')).then(function (r) {
			if (r.status === 200) printer = r.data;
			return printer;
		}, function () { return printer; });
	}

	function isFault(p) { return p && p.state !== 'ready' && p.state !== 'none' && p.state !== 'unknown'; }

	// After a ticket, the printer's state tells what the customer should do.
	function afterTicket(tk) {
		if (!printer) return;
		if (printer.state === 'none') {
			document.body.classList.add('k-browser-print');
			window.setTimeout(function () { if (current === tk) window.print(); }, 300);
			return;
		}
		// The hall prints once the ticket is durable; give it a moment, then look.
		window.setTimeout(function () {
			if (current !== tk) return;
			loadPrinter(false).then(function (p) {
				if (current !== tk || !p) return;
				var failed = (p.unprinted || []).indexOf(tk.id) >= 0 || isFault(p);
				again.hidden = false;
				if (failed) say('fault');
				else say('printed');
			});
		}, 1500);
	}

	document.addEventListener('hallq:ticket', function (ev) {
		var tk = ev.detail || {};
		current = tk;
		status.hidden = true;
		again.hidden = true;
		again.disabled = false;
		box.hidden = !tk.tracking;
		if (tk.tracking) img.src = '/qr/track/' + encodeURIComponent(tk.tracking) + '.png';
		afterTicket(tk);
	});

	again.addEventListener('click', function () {
		var tk = current;
		if (!tk || again.disabled) return;
		if (printer && printer.state === 'none') { window.print(); return; }
		again.disabled = true;
		api('POST', '/api/v1/tickets/' + tk.id + '/print', {}).then(function (r) {
			if (current !== tk) return;
			if (r.status === 200) say('printed');
			else say('fault', r.data && r.data.error ? r.data.error.message : '');
		}, function () { say('fault'); }).then(function () {
			window.setTimeout(function () { again.disabled = false; }, 3000);
		});
	});

	loadPrinter(false);
})();
