/*
 * The desk's case panel (web/view/desk_case.templ). While a ticket is served
 * the clerk types the customer's words (POST /api/v1/classify) or picks an
 * item; the panel shows the class and its guidance, opens a work order or an
 * approval request, and "finish and record" finishes the ticket with the
 * item (the hall records item and class). Approval decisions arrive live on
 * the desk's topic (events approval_decided with this counter) and, as a
 * fallback, by polling while a request is pending.
 *
 * It runs after page.js (DOMContentLoaded fires after every deferred script).
 */
(function (window, document) {
	'use strict';

	function init() {
		var P = window.HallPage;
		var box = document.getElementById('cs-desk');
		if (!P || !box) return;
		var N = Number(box.dataset.counter);
		var $ = function (id) { return document.getElementById(id); };
		var q = function (sel, scope) { return (scope || box).querySelector(sel); };
		var field = function (name) { return q('[data-field="' + name + '"]'); };
		var el = P.el;

		var result = null;     // the classification shown
		var ticket = null;     // the counter's current ticket
		var items = {};        // id → catalog item
		var pendingPoll = null;

		function say(kind, text) {
			var m = $('cs-msg');
			m.dataset.kind = kind;
			m.textContent = text;
		}
		function errText(res) { return P.message(res.error && res.error.message).pri; }

		// The catalog picker.
		P.api('GET', '/api/v1/catalog').then(function (res) {
			if (res.status !== 200) return;
			var sel = $('cs-item');
			var groups = {};
			['immediate', 'cross_department', 'needs_approval', 'must_refuse'].forEach(function (c) {
				groups[c] = el('optgroup');
				groups[c].label = P.t('case.class.' + c);
				sel.appendChild(groups[c]);
			});
			res.data.items.forEach(function (it) {
				items[it.id] = it;
				var o = el('option', '', P.name(it.name_zh, it.name_en) + ' (' + it.service + ')');
				o.value = it.id;
				(groups[it.class] || sel).appendChild(o);
			});
		});

		function classify(payload) {
			say('info', P.t('case.working'));
			return P.api('POST', '/api/v1/classify', payload).then(function (res) {
				if (res.status !== 200) {
					say('error', res.error && res.error.code === 'invalid' && payload.text ? P.t('case.no_match') : errText(res));
					return;
				}
				say('info', '');
				if (payload.text) res.data.text = payload.text;
				show(res.data);
			}, function () { say('error', P.t('case.err.network')); });
		}

		$('cs-find').addEventListener('submit', function (e) {
			e.preventDefault();
			var text = $('cs-text').value.trim();
			if (text) classify({text: text});
		});
		$('cs-item').addEventListener('change', function () {
			if (this.value) classify({item: this.value});
		});
		$('cs-clear').addEventListener('click', clear);

		function fill(list, values) {
			P.replace(list, (values || []).map(function (v) { return el('li', '', v); }));
		}

		function show(r) {
			result = r;
			var cand = $('cs-candidates');
			if (r.weak && r.candidates && r.candidates.length) {
				P.replace(cand, [el('p', 'cs-weak', P.t(r.hint ? 'case.refuse_hint' : 'case.weak'))].concat(r.candidates.map(function (c) {
					var b = el('button', 'cs-cand', [el('span', 'cs-class', P.t('case.class.' + c.class)), ' ' + c.item_name]);
					b.type = 'button';
					b.dataset.item = c.item;
					b.dataset.class = c.class;
					b.addEventListener('click', function () {
						// Record the choice for the managers' review of misses (fire and forget).
						if (r.text) P.api('POST', '/api/v1/classify/choices', {text: r.text, answer: r.item, chosen: c.item, who: 'desk'}).catch(function () {});
						classify({item: c.item});
					});
					return b;
				})));
				cand.hidden = false;
			} else {
				cand.hidden = true;
			}
			var res = $('cs-result');
			res.dataset.class = r.class;
			field('class').textContent = P.t('case.class.' + r.class);
			field('class').dataset.class = r.class;
			field('name').textContent = P.name(r.item_name, r.item_name_en);
			field('why').textContent = P.message(r.why).pri;
			field('script').textContent = r.script;
			fill(field('documents'), r.documents);
			q('[data-block="documents"]').hidden = !(r.documents && r.documents.length);
			['cross_department', 'needs_approval', 'must_refuse'].forEach(function (c) {
				q('[data-block="' + c + '"]').hidden = r.class !== c;
			});
			field('department').textContent = r.department || '';
			field('promised').textContent = r.promised_days ? P.t('case.promised', r.promised_days) : '';
			field('approver').textContent = r.approver || '';
			field('authority').textContent = r.authority || '';
			field('reason').textContent = r.reason || '';
			field('can_do').textContent = r.can_do || '';
			fill(field('alternatives'), r.alternatives);
			['wo-done', 'ap-done', 'wo-qr', 'ap-qr'].forEach(function (n) { field(n).hidden = true; });
			var phone = q('#cs-wo-form [name=phone]');
			phone.value = '';
			res.hidden = false;
			$('cs-item').value = r.item;
			// Bring the guidance into view (the desk's left column scrolls).
			if (res.scrollIntoView) res.scrollIntoView({block: 'nearest'});
		}

		function clear() {
			result = null;
			$('cs-result').hidden = true;
			$('cs-candidates').hidden = true;
			$('cs-text').value = '';
			$('cs-item').value = '';
			$('cs-wo-form').reset();
			$('cs-ap-form').reset();
		}

		// Finish and record. While a case is chosen, the desk's own finish
		// (button or F key) records it too.
		document.addEventListener('click', function (e) {
			var b = e.target.closest && e.target.closest('[data-action="finish"]');
			if (!b || !result) return;
			e.stopImmediatePropagation();
			e.preventDefault();
			finish();
		}, true);
		$('cs-finish').addEventListener('click', finish);
		// "Finish and call next" (Enter) records the chosen item too.
		if (window.HallDesk) window.HallDesk.finishBody = function () { return result ? {item: result.item} : {}; };

		// The counter's common items: one click classifies.
		var quick = $('cs-quick');
		if (quick) quick.addEventListener('click', function (e) {
			var b = e.target.closest('[data-item]');
			if (!b) return;
			b.blur();
			classify({item: b.dataset.item});
		});
		function finish() {
			if (!result) return;
			var item = result.item, name = result.item_name;
			P.api('POST', '/api/v1/counters/' + N + '/finish', {item: item}).then(function (res) {
				if (res.error) return say('error', errText(res));
				say('ok', P.t('case.finished', res.data ? res.data.number : '', name));
				clear();
			}, function () { say('error', P.t('case.err.network')); });
		}

		// Work order.
		$('cs-wo-form').addEventListener('submit', function (e) {
			e.preventDefault();
			if (!result) return;
			var f = e.target;
			var body = {counter: N, item: result.item, phone: f.phone.value.trim(), customer: f.customer.value.trim(), summary: f.summary.value.trim()};
			P.api('POST', '/api/v1/workorders', body).then(function (res) {
				if (res.error) return say('error', errText(res));
				var w = res.data;
				var done = field('wo-done');
				done.textContent = P.t('case.wo.opened', w.id, w.code, P.hallTime(new Date(w.promised_at)).date);
				done.hidden = false;
				qr('wo-qr', w.code);
				say('ok', done.textContent);
			}, function () { say('error', P.t('case.err.network')); });
		});

		// The QR of a tracking code, for the customer's phone.
		function qr(name, code) {
			var img = field(name);
			img.src = '/qr/track/' + encodeURIComponent(code) + '.png';
			img.hidden = false;
		}

		// Approval request.
		$('cs-ap-form').addEventListener('submit', function (e) {
			e.preventDefault();
			if (!result) return;
			var body = {counter: N, item: result.item, request: e.target.request.value.trim()};
			P.api('POST', '/api/v1/approvals', body).then(function (res) {
				if (res.error) return say('error', errText(res));
				var a = res.data;
				var done = field('ap-done');
				done.textContent = P.t('case.ap.sent', a.id, a.code);
				done.hidden = false;
				qr('ap-qr', a.code);
				say('ok', done.textContent);
				loadApprovals();
			}, function () { say('error', P.t('case.err.network')); });
		});

		// The clerk's approval requests of today, with their decisions.
		var known = {};
		function loadApprovals() {
			return P.api('GET', '/api/v1/approvals').then(function (res) {
				if (res.status !== 200) return;
				var list = (res.data.approvals || []).filter(function (a) { return a.counter === N; }).slice(0, 8);
				var ul = $('cs-approvals');
				if (!list.length) {
					P.replace(ul, [el('li', 'cs-empty', P.t('case.ap.none'))]);
				} else {
					P.replace(ul, list.map(function (a) {
						var li = el('li', 'cs-ap', [
							el('span', 'cs-chip', P.t('ap.status.' + a.status)),
							' ' + a.id + ' ' + a.item_name + (a.ticket_number ? ' · ' + a.ticket_number : ''),
							a.decision ? el('div', 'cs-ap-note', P.t('case.ap.decided', P.t('ap.status.' + a.status), a.decision)) : null
						]);
						li.dataset.status = a.status;
						li.dataset.id = a.id;
						li.dataset.testid = 'desk-approval';
						return li;
					}));
				}
				var pending = false;
				list.forEach(function (a) {
					if (known[a.id] === 'pending' && a.status !== 'pending') {
						say(a.status === 'approved' ? 'ok' : 'error', a.id + ' ' + P.t('case.ap.decided', P.t('ap.status.' + a.status), a.decision || ''));
					}
					known[a.id] = a.status;
					if (a.status === 'pending') pending = true;
				});
				clearTimeout(pendingPoll);
				if (pending) pendingPoll = setTimeout(loadApprovals, 5000);
			}, function () {
				clearTimeout(pendingPoll);
				pendingPoll = setTimeout(loadApprovals, 5000);
			});
		}
		loadApprovals();

		// Live: the current ticket (a new customer clears the panel) and
		// approval events of this counter.
		if (window.HallLive && typeof window.HallLive.connect === 'function') {
			var onState = function (state) {
				if (!state || !state.counters) return;
				var c = state.counters.filter(function (k) { return k.number === N; })[0];
				var id = c && c.ticket ? c.ticket.id : null;
				if (ticket !== null && id !== ticket && result) clear();
				ticket = id;
			};
			window.HallLive.connect('desk/' + N, {
				onSnapshot: function (state) { onState(state); },
				onEvent: function (event, state, seq, replay) {
					onState(state);
					if (event && (event.type === 'approval_decided' || event.type === 'approval_requested') && (!event.counter || event.counter === N)) loadApprovals();
				},
				onStatus: function () {}
			});
		}
	}

	// Deferred scripts run in document order and this one sits before
	// page.js: wait for it (DOMContentLoaded fires after every deferred script).
	if (window.HallPage) init();
	else document.addEventListener('DOMContentLoaded', init);
})(window, document);
