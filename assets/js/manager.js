/*
 * The manager console (web/view/manager.templ): every tab is rendered on the
 * server; this script
 *   - sends the console's forms to the JSON API (data-method, data-path),
 *     shows a refusal's message in the form, and reloads on success;
 *   - runs the buttons (data-action: open/close a counter, move or cancel a
 *     ticket, revoke a device, delete a notice, make a backup);
 *   - keeps the live monitor live: each event on the websocket `monitor`
 *     topic (HallPage.live, which polls without live.js) refetches
 *     /api/v1/monitor and redraws totals, alerts, services, counters and
 *     the waiting tickets; waits and serving times tick every second.
 */
(function (window, document) {
	'use strict';
	var P = window.HallPage;
	if (!P) return;
	var el = P.el, t = P.t;
	var body = document.body;

	// --- forms -----------------------------------------------------------

	function setPath(obj, path, value) {
		var keys = path.split('.');
		var o = obj;
		for (var i = 0; i < keys.length - 1; i++) {
			if (typeof o[keys[i]] !== 'object' || o[keys[i]] === null) o[keys[i]] = {};
			o = o[keys[i]];
		}
		o[keys[keys.length - 1]] = value;
	}

	// prune drops nested objects whose values are all empty strings (a
	// counter without its own hours, a weekday the hall is closed).
	function prune(o) {
		Object.keys(o).forEach(function (k) {
			var v = o[k];
			if (v && typeof v === 'object' && !Array.isArray(v)) {
				prune(v);
				var empty = Object.keys(v).every(function (kk) { return v[kk] === ''; });
				if (empty || Object.keys(v).length === 0) delete o[k];
			}
		});
		return o;
	}

	function value(input) {
		var type = input.dataset.type;
		if (type === 'bool') return input.checked;
		var v = input.value;
		if (type === 'int') return v.trim() === '' ? 0 : Number(v);
		if (type === 'min') return v.trim() === '' ? 0 : Math.round(Number(v) * 60);
		if (type === 'list') return v.split(/[\n,，、;；]+/).map(function (s) { return s.trim(); }).filter(Boolean);
		return v;
	}

	function collect(form) {
		var out = {};
		[].forEach.call(form.querySelectorAll('input[name], select[name], textarea[name]'), function (input) {
			if (input.disabled) return;
			setPath(out, input.name, value(input));
		});
		return prune(out);
	}

	function showError(box, err) {
		if (!box) return;
		var m = P.message(err && err.message);
		box.textContent = m.pri + (m.sec ? ' · ' + m.sec : '');
		box.hidden = false;
	}

	function onSubmit(ev) {
		var form = ev.target;
		if (!form.matches || !form.matches('form[data-path]')) return;
		ev.preventDefault();
		var box = form.querySelector('[data-role=error]');
		if (box) box.hidden = true;
		var btn = form.querySelector('button');
		if (btn) btn.disabled = true;
		P.api(form.dataset.method || 'POST', form.dataset.path, collect(form)).then(function (r) {
			if (btn) btn.disabled = false;
			if (r.error) return showError(box, r.error);
			if (form.dataset.result === 'pairing') return showPairing(r.data);
			if (form.dataset.reload === 'no') {
				form.reset();
				if (box) { box.textContent = t('mg.saved'); box.hidden = false; box.classList.add('mg-ok'); }
				return;
			}
			window.location.reload();
		}, function () {
			if (btn) btn.disabled = false;
			showError(box, {message: t('conn.offline')});
		});
	}
	document.addEventListener('submit', onSubmit);

	function showPairing(data) {
		var box = document.getElementById('mg-pairing');
		if (!box || !data) return;
		box.querySelector('img').src = data.qr;
		box.querySelector('code').textContent = data.url;
		box.hidden = false;
	}

	// --- buttons ---------------------------------------------------------

	var actionError = document.getElementById('mg-action-error');

	function act(method, path, payload, after) {
		if (actionError) actionError.hidden = true;
		return P.api(method, path, payload).then(function (r) {
			if (r.error) {
				if (actionError) showError(actionError, r.error);
				else window.alert(P.message(r.error.message).pri);
				return;
			}
			(after || function () { window.location.reload(); })(r);
		});
	}

	document.addEventListener('click', function (ev) {
		var b = ev.target.closest ? ev.target.closest('[data-action]') : null;
		if (!b) return;
		var d = b.dataset;
		switch (d.action) {
		case 'release':
			if (!window.confirm(t('mg.ctr.releaseHint'))) break;
			/* falls through */
		case 'open':
		case 'close':
			act('POST', '/api/v1/config/counters/' + d.n + '/' + d.action, undefined, refresh);
			break;
		case 'move':
			var sel = document.querySelector('select[data-move="' + d.id + '"]');
			if (sel && sel.value) act('POST', '/api/v1/tickets/' + d.id + '/move', {service: sel.value}, refresh);
			break;
		case 'cancel':
			if (window.confirm(t('mg.tk.confirmCancel', d.number))) act('POST', '/api/v1/tickets/' + d.id + '/cancel', {reason: '值班长取消'}, refresh);
			break;
		case 'revoke':
			if (window.confirm(t('mg.dev.confirmRevoke'))) act('POST', '/api/v1/devices/' + d.id + '/revoke');
			break;
		case 'delete-notice':
			act('DELETE', '/api/v1/config/notices/' + encodeURIComponent(d.id));
			break;
		case 'backup-now':
			act('POST', '/api/v1/backups');
			break;
		}
	});

	// --- the live monitor ------------------------------------------------

	if (body.dataset.tab !== 'monitor') return;

	var services = [];
	try { services = JSON.parse(document.getElementById('mg-services-json').textContent) || []; } catch (e) { services = []; }

	function mins(s) { return s > 0 ? t('mg.min', Math.floor(s / 60)) : '0'; }
	function svcLabel(prefix) {
		for (var i = 0; i < services.length; i++) {
			if (services[i].prefix === prefix) return prefix + ' ' + P.name(services[i].name_zh, services[i].name_en);
		}
		return prefix;
	}
	function since(ts) {
		var s = el('span', '', P.span(P.now() - ts));
		s.dataset.since = String(ts);
		return s;
	}
	function td(cls, content) { return el('td', cls, content); }
	function btn(cls, action, label, data) {
		var b = el('button', 'mg-btn ' + cls, label);
		b.type = 'button';
		b.dataset.action = action;
		Object.keys(data).forEach(function (k) { b.dataset[k] = data[k]; });
		return b;
	}
	function tid(node, id) { node.dataset.testid = id; return node; }

	function drawTotals(m) {
		var tot = m.totals;
		['issued', 'waiting', 'served', 'no_show', 'cancelled'].forEach(function (k) {
			var b = document.querySelector('[data-total="' + k + '"]');
			if (b) b.textContent = String(tot[k] || 0);
		});
		var sat = document.querySelector('[data-testid=total-satisfaction]');
		if (sat) {
			sat.querySelector('b').textContent = tot.rated > 0 ? Math.round(tot.satisfaction * 100) + '%' : t('mg.none');
			sat.querySelector('.mg-total-sub').textContent = t('mg.totals.rated', tot.rated || 0);
		}
	}

	function drawAlerts(m) {
		var ul = document.getElementById('mg-alerts');
		if (!ul) return;
		var items = (m.alerts || []).map(function (a) {
			var text = P.name(a.text_zh, a.text_en);
			var li = el('li', 'mg-alert mg-alert-' + a.kind, a.link ? null : text);
			if (a.link) { var link = el('a', '', text); link.href = a.link; li.appendChild(link); }
			return tid(li, 'alert-' + a.kind);
		});
		if (!items.length) items = [el('li', 'mg-ok', t('mg.alerts.none'))];
		P.replace(ul, items);
	}

	function drawServices(m) {
		var tb = document.getElementById('mg-services');
		if (!tb) return;
		P.replace(tb, m.snapshot.services.map(function (s) {
			var cls = s.target_wait_s > 0 && s.waiting > 0 && s.longest_wait_s > s.target_wait_s ? 'mg-late'
				: (s.target_wait_s > 0 && s.estimated_wait_s > s.target_wait_s ? 'mg-warn' : '');
			var tr = el('tr', cls, [
				td('', [el('b', 'mg-prefix', s.prefix), ' ' + P.name(s.name_zh, s.name_en)]),
				tid(td('num', String(s.waiting)), 'waiting'),
				td('num', s.waiting > 0 ? P.span(s.longest_wait_s * 1000) : t('mg.none')), td('num', mins(s.estimated_wait_s)),
				td('num', mins(s.target_wait_s)), td('num', String(s.open_counters))
			]);
			return tid(tr, 'mon-svc-' + s.prefix);
		}));
	}

	function drawCounters(m) {
		var tb = document.getElementById('mg-counters');
		if (!tb) return;
		P.replace(tb, m.snapshot.counters.map(function (c) {
			var state = el('td', '', [el('span', 'mg-state', t('mg.state.' + c.state))]);
			state.firstChild.dataset.state = c.state;
			if (c.state === 'paused' && c.paused_at) {
				var ps = el('div', 'mg-sub', t('mg.paused.for', c.pause_reason || '', P.span(P.now() - Date.parse(c.paused_at))));
				ps.dataset.since = String(Date.parse(c.paused_at));
				ps.dataset.fmt = 'paused';
				ps.dataset.reason = c.pause_reason || '';
				state.appendChild(ps);
			}
			var tk = c.ticket;
			var action = c.state === 'closed'
				? tid(btn('', 'open', t('mg.ctr.open'), {n: c.number}), 'open-' + c.number)
				: tid(btn('mg-btn-quiet', 'close', t('mg.ctr.close'), {n: c.number}), 'close-' + c.number);
			if (c.clerk) action = [action, ' ', tid(btn('mg-btn-quiet', 'release', t('mg.ctr.release'), {n: c.number}), 'release-' + c.number)];
			var tr = el('tr', '', [
				td('', [el('b', '', String(c.number)), ' ', el('span', 'mg-sub', (c.services || []).join('·'))]),
				state,
				td('', [c.clerk_name || '', ' ', el('span', 'mg-sub', c.staff_no || '')]),
				td('', tk ? el('b', 'mg-num', tk.number) : null),
				td('num', tk && tk.started_at ? since(Date.parse(tk.started_at)) : null),
				td('num', String(c.served_today || 0)),
				td('', action)
			]);
			tr.dataset.state = c.state;
			return tid(tr, 'mon-ctr-' + c.number);
		}));
	}

	function drawWaiting(list) {
		var tb = document.getElementById('mg-waiting');
		if (!tb) return;
		if (!list.length) {
			var empty = el('td', 'mg-empty', t('mg.waiting.none'));
			empty.colSpan = 5;
			return P.replace(tb, [el('tr', '', [empty])]);
		}
		P.replace(tb, list.map(function (k) {
			var sel = el('select');
			sel.dataset.move = String(k.id);
			sel.setAttribute('aria-label', t('mg.tk.move'));
			services.forEach(function (s) {
				if (s.prefix === k.service) return;
				var o = el('option', '', s.prefix + ' ' + P.name(s.name_zh, s.name_en));
				o.value = s.prefix;
				sel.appendChild(o);
			});
			return tid(el('tr', '', [
				td('', el('b', 'mg-num', k.number)),
				tid(td('', svcLabel(k.service)), 'wait-svc'),
				td('', t('mg.pri.' + k.priority)),
				td('num', since(Date.parse(k.issued_at))),
				td('mg-actions', [sel,
					tid(btn('', 'move', t('mg.tk.moveBtn'), {id: k.id}), 'move-' + k.number),
					tid(btn('mg-btn-danger', 'cancel', t('mg.tk.cancel'), {id: k.id, number: k.number}), 'cancel-' + k.number)])
			]), 'wait-' + k.number);
		}));
	}

	var pending = null, inflight = false, again = false;
	function refresh() {
		if (inflight) { again = true; return; }
		inflight = true;
		Promise.all([P.api('GET', '/api/v1/monitor'), P.api('GET', '/api/v1/monitor/waiting'), P.api('GET', '/api/v1/config')]).then(function (rs) {
			if (rs[2].status === 200) services = rs[2].data.services || services;
			if (rs[0].status === 200) {
				var m = rs[0].data;
				drawTotals(m); drawAlerts(m); drawServices(m); drawCounters(m);
				body.dataset.seq = String(m.seq);
			}
			if (rs[1].status === 200) drawWaiting(rs[1].data || []);
		}).catch(function () { /* the next event or round */ }).then(function () {
			inflight = false;
			if (again) { again = false; refresh(); }
		});
	}
	function soon() {
		clearTimeout(pending);
		pending = setTimeout(refresh, 150);
	}

	P.live('monitor', function () { soon(); });
	setInterval(refresh, 20000); // alerts that come with time alone (waits past target)

	P.everySecond(function (now) {
		[].forEach.call(document.querySelectorAll('[data-since]'), function (e) {
			var ts = Number(e.dataset.since);
			if (!ts) return;
			var d = P.span(now - ts);
			e.textContent = e.dataset.fmt === 'paused' ? t('mg.paused.for', e.dataset.reason || '', d) : d;
		});
	});
})(window, document);
