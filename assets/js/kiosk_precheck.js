/*
 * The kiosk's pre-check (web/view/kiosk_precheck.templ): a full-screen layer
 * over the kiosk. The customer taps a plain-language topic and question (the
 * guide, web/view/kiosk_guide.templ), types what they came for (POST
 * /api/v1/classify) or taps an item (GET /api/v1/catalog; the public list
 * leaves out must_refuse items: a refusal surfaces only when the customer's
 * own words lead there). A must_refuse item is answered on one screen —
 * what we can do, why, the alternatives with 95598, the app and the
 * consultation counters — and a consultation ticket is offered; any other item shows its service and the
 * documents to bring, and its ticket (POST /api/v1/tickets with "item")
 * lists them again. Closes by itself when left alone.
 *
 * It runs after page.js (DOMContentLoaded fires after every deferred script).
 */
(function (window, document) {
	'use strict';

	var IDLE_MS = 45000, TICKET_MS = 20000;

	function init() {
		var P = window.HallPage;
		var layer = document.getElementById('kp');
		if (!P || !layer) return;
		var $ = function (id) { return document.getElementById(id); };
		var el = P.el;
		var screens = {ask: $('kp-ask'), refuse: $('kp-refuse'), route: $('kp-route'), ticket: $('kp-ticket')};
		var field = function (scope, name) { return scope.querySelector('[data-field="' + name + '"]'); };
		var CONSULT = layer.dataset.consult || 'D';

		var items = {};          // id → item
		var services = {};       // prefix → service (names)
		var counters = [];       // the hall's counters (numbers, services)
		var current = null;      // the classification shown
		var busy = false;
		var idle = null;

		function touch(ms) {
			clearTimeout(idle);
			if (!layer.hidden) idle = setTimeout(close, ms || IDLE_MS);
		}
		['pointerdown', 'keydown', 'input'].forEach(function (ev) {
			layer.addEventListener(ev, function () { touch(); }, {passive: true});
		});

		function show(name) {
			Object.keys(screens).forEach(function (k) { screens[k].hidden = k !== name; });
			layer.scrollTop = 0;
			touch(name === 'ticket' ? TICKET_MS : IDLE_MS);
		}
		function open() {
			layer.hidden = false;
			$('kp-text').value = '';
			$('kp-note').textContent = '';
			$('kp-candidates').hidden = true;
			guide(null);
			show('ask');
		}
		function close() {
			clearTimeout(idle);
			layer.hidden = true;
			current = null;
		}
		$('kp-open').addEventListener('click', open);
		[].forEach.call(layer.querySelectorAll('[data-close]'), function (b) { b.addEventListener('click', close); });
		[].forEach.call(layer.querySelectorAll('[data-back]'), function (b) { b.addEventListener('click', function () { show('ask'); }); });

		function itemButton(id, name, cls) {
			var b = el('button', 'kp-item', name);
			b.type = 'button';
			b.dataset.item = id;
			b.dataset.class = cls;
			b.dataset.testid = 'kiosk-precheck-item-' + id;
			b.addEventListener('click', function () { classify({item: id}); });
			return b;
		}

		// The guide: a topic shows its questions; a question is its item.
		function guide(topic) {
			$('kg-topics').hidden = !!topic;
			[].forEach.call(layer.querySelectorAll('[data-topic-of]'), function (q) { q.hidden = q.dataset.topicOf !== topic; });
		}
		layer.addEventListener('click', function (e) {
			var b = e.target.closest('[data-topic], [data-guide-item], [data-guide-back]');
			if (!b) return;
			if (b.dataset.topic) guide(b.dataset.topic);
			else if (b.dataset.guideItem) classify({item: b.dataset.guideItem});
			else guide(null);
		});

		// The items by service, for tapping: what a customer can come for.
		Promise.all([P.api('GET', '/api/v1/catalog'), P.api('GET', '/api/v1/queue')]).then(function (r) {
			if (r[1].status === 200) {
				(r[1].data.services || []).forEach(function (s) { services[s.prefix] = s; });
				counters = r[1].data.counters || [];
			}
			if (r[0].status !== 200) return;
			var by = {};
			r[0].data.items.forEach(function (it) {
				items[it.id] = it;
				if (it.class === 'must_refuse') return;
				(by[it.service] = by[it.service] || []).push(it);
			});
			// A guide question whose item this hall's catalog lacks (or
			// refuses) is not offered.
			[].forEach.call(layer.querySelectorAll('[data-guide-item]'), function (b) {
				var it = items[b.dataset.guideItem];
				b.hidden = !it || it.class === 'must_refuse';
			});
			P.replace($('kp-groups'), Object.keys(by).sort().map(function (prefix) {
				var s = services[prefix];
				return el('div', 'kp-group', [
					el('h3', '', [el('span', 'kp-letter', prefix), ' ' + (s ? P.name(s.name_zh, s.name_en) : prefix)]),
					el('div', 'kp-items', by[prefix].map(function (it) { return itemButton(it.id, P.name(it.name_zh, it.name_en), it.class); }))
				]);
			}));
		});

		// consultCounters names the counters a consultation ticket goes to
		// ("4、5 号窗口"), or the enquiries counter when none is set up.
		function consultCounters() {
			var ns = counters.filter(function (c) { return (c.services || []).indexOf(CONSULT) >= 0; })
				.map(function (c) { return String(c.number); });
			return ns.length ? P.t('kp.r_counter_n', ns.join(P.lang === 'en' ? ', ' : '、')) : P.t('kp.r_counter_any');
		}

		function serviceName(prefix) {
			var s = services[prefix];
			return prefix + ' · ' + (s ? P.name(s.name_zh, s.name_en) : '');
		}

		function classify(payload) {
			if (busy) return;
			busy = true;
			P.api('POST', '/api/v1/classify', payload).then(function (res) {
				if (res.status !== 200) {
					$('kp-note').textContent = payload.text ? P.t('kp.no_match') : P.message(res.error && res.error.message).pri;
					$('kp-candidates').hidden = true;
					return;
				}
				var r = res.data;
				if (r.weak && r.candidates && r.candidates.length > 1) {
					$('kp-note').textContent = '';
					P.replace($('kp-cand-items'), r.candidates.map(function (c) {
						var b = itemButton(c.item, P.name(c.item_name, c.item_name_en), c.class);
						// Record the customer's choice for the managers' review (fire and forget).
						b.addEventListener('click', function () {
							P.api('POST', '/api/v1/classify/choices', {text: payload.text, answer: r.item, chosen: c.item, who: 'kiosk'}).catch(function () {});
						});
						return b;
					}));
					$('kp-candidates').hidden = false;
					return;
				}
				answer(r);
			}, function () {
				$('kp-note').textContent = P.t('kp.err');
			}).then(function () { busy = false; });
		}

		function list(ul, values) {
			P.replace(ul, (values || []).map(function (v) { return el('li', '', v); }));
		}

		function answer(r) {
			current = r;
			var name = P.name(r.item_name, r.item_name_en);
			if (r.class === 'must_refuse') {
				var s = screens.refuse;
				// English text where the catalog has it (P.name falls back to Chinese).
				var reason = P.name(r.reason || '', r.reason_en);
				field(s, 'can_do').textContent = P.name(r.can_do || '', r.can_do_en) || P.name(r.script || '', r.script_en) || '';
				field(s, 'reason').textContent = reason;
				field(s, 'reason').parentNode.hidden = !reason;
				list(field(s, 'alternatives'), P.name('', 'en') === 'en' && r.alternatives_en && r.alternatives_en.length ? r.alternatives_en : r.alternatives);
				field(s, 'counter').textContent = consultCounters();
				show('refuse');
				return;
			}
			var s2 = screens.route;
			field(s2, 'name').textContent = name;
			field(s2, 'service').textContent = serviceName(r.service);
			field(s2, 'note').textContent = r.class === 'immediate' ? '' : P.t('kp.note.' + r.class);
			var docs = r.documents && r.documents.length ? r.documents : [P.t('kp.bring_none')];
			list(field(s2, 'documents'), docs);
			show('route');
		}

		function issue(service, item) {
			if (busy) return;
			busy = true;
			P.api('POST', '/api/v1/tickets', {service: service, priority: 'normal', item: item}).then(function (res) {
				if (res.status !== 201) {
					$('kp-note').textContent = P.message(res.error && res.error.message).pri || P.t('kp.err');
					show('ask');
					return;
				}
				var tk = res.data, s = screens.ticket;
				field(s, 'number').textContent = tk.number;
				field(s, 'service').textContent = serviceName(tk.service) + (current ? ' · ' + P.name(current.item_name, current.item_name_en) : '');
				field(s, 'ahead').textContent = String(tk.ahead);
				field(s, 'wait').textContent = P.waitText(tk.estimated_wait_s);
				field(s, 'tracking').textContent = String(tk.tracking || '').replace(/(.{4})(?=.)/g, '$1 ');
				var qr = field(s, 'qr');
				qr.hidden = !tk.tracking;
				if (tk.tracking) qr.src = '/qr/track/' + encodeURIComponent(tk.tracking) + '.png';
				var docs = current && current.class !== 'must_refuse' && current.documents && current.documents.length ? current.documents : [P.t('kp.bring_none')];
				list(field(s, 'documents'), docs);
				show('ticket');
			}, function () {
				$('kp-note').textContent = P.t('kp.err');
				show('ask');
			}).then(function () { busy = false; });
		}

		$('kp-find').addEventListener('submit', function (e) {
			e.preventDefault();
			var text = $('kp-text').value.trim();
			if (text) classify({text: text});
		});
		$('kp-issue').addEventListener('click', function () { if (current) issue(current.service, current.item); });
		$('kp-consult').addEventListener('click', function () { if (current) issue(CONSULT, current.item); });
	}

	// Deferred scripts run in document order and this one sits before
	// page.js: wait for it (DOMContentLoaded fires after every deferred script).
	if (window.HallPage) init();
	else document.addEventListener('DOMContentLoaded', init);
})(window, document);
