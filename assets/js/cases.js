/*
 * The case pages (web/view/cases.templ): work-order actions, the approval
 * inbox (decisions; live from the monitor topic for managers) and the
 * catalog editor, whose saves are checked for forbidden phrases by the
 * server (422 names the phrase and its position; the field is marked).
 */
(function (window, document) {
	'use strict';

	var P = window.HallPage;
	var body = document.body;
	var page = body.dataset.page;
	var $ = function (id) { return document.getElementById(id); };
	var msg = $('cz-msg');

	function say(kind, text) {
		if (!msg) return;
		msg.dataset.kind = kind;
		msg.textContent = text;
	}
	function errText(res) { return P.message(res.error && res.error.message).pri; }
	function net() { say('error', P.t('case.err.network')); }

	// Reload when nobody is typing; used for live updates.
	function reloadIfIdle() {
		var typing = [].some.call(document.querySelectorAll('textarea[data-note], #wo-note'), function (t) { return t.value.trim() !== ''; });
		if (!typing) window.location.reload();
	}

	if (page === 'cases-workorders') {
		var actions = $('wo-actions');
		if (actions) {
			[].forEach.call(actions.querySelectorAll('[data-wo]'), function (b) {
				b.addEventListener('click', function () {
					var payload = {note: $('wo-note').value.trim()};
					if (b.dataset.wo === 'callback') {
						payload.reached = $('wo-reached').checked;
						payload.satisfied = $('wo-satisfied').checked;
					}
					P.api('POST', '/api/v1/workorders/' + encodeURIComponent(actions.dataset.id) + '/' + b.dataset.wo, payload).then(function (res) {
						if (res.error) return say('error', errText(res));
						window.location.reload();
					}, net);
				});
			});
		} else {
			setInterval(reloadIfIdle, 60000); // the list's overdue marks follow the clock
		}
	}

	if (page === 'cases-approvals') {
		[].forEach.call(document.querySelectorAll('[data-decide]'), function (b) {
			b.addEventListener('click', function () {
				var card = b.closest('[data-id]');
				var note = card.querySelector('[data-note]').value.trim();
				if (!note) {
					card.querySelector('[data-note]').focus();
					return say('error', P.t('ap.note'));
				}
				P.api('POST', '/api/v1/approvals/' + encodeURIComponent(card.dataset.id) + '/decide', {approve: b.dataset.decide === 'approve', note: note}).then(function (res) {
					if (res.error) return say('error', errText(res));
					window.location.reload();
				}, net);
			});
		});
		if (body.dataset.staff === 'true' && window.HallLive && typeof window.HallLive.connect === 'function') {
			window.HallLive.connect('monitor', {
				onSnapshot: function () {},
				onEvent: function (event, state, seq, replay) {
					if (!replay && event && (event.type === 'approval_requested' || event.type === 'approval_decided')) reloadIfIdle();
				},
				onStatus: function () {}
			});
		}
		setInterval(reloadIfIdle, 20000);
	}

	if (page === 'cases-catalog') catalogEditor();

	function catalogEditor() {
		var data = JSON.parse($('cat-data').textContent);
		var form = $('cat-form');
		var formMsg = $('cat-msg');
		var editing = null;
		var lines = function (v) { return (v || []).join('\n'); };
		var unlines = function (v) { return v.split('\n').map(function (s) { return s.trim(); }).filter(Boolean); };

		function showFor(cls) {
			[].forEach.call(form.querySelectorAll('[data-for]'), function (l) { l.hidden = l.dataset.for !== cls; });
		}
		function mark(name) {
			[].forEach.call(form.querySelectorAll('.cz-bad'), function (e) { e.classList.remove('cz-bad'); });
			if (!name) return;
			var f = form.elements[name.replace(/\[\d+\]$/, '')];
			if (f) { f.classList.add('cz-bad'); f.focus(); }
		}
		function edit(it) {
			editing = it ? it.id : null;
			form.hidden = false;
			var f = form.elements;
			it = it || {id: '', class: 'immediate', service: 'D', keywords: [{words: ['']}]};
			['id', 'name_zh', 'name_en', 'service', 'department', 'approver', 'authority', 'script', 'reason', 'can_do'].forEach(function (k) { f[k].value = it[k] || ''; });
			f['class'].value = it.class;
			f.promised_days.value = it.promised_days || '';
			f.documents.value = lines(it.documents);
			f.alternatives.value = lines(it.alternatives);
			f.keywords.value = JSON.stringify(it.keywords || [], null, 1);
			f.examples.value = lines(it.examples);
			f.id.readOnly = !!editing;
			formMsg.textContent = '';
			mark('');
			showFor(it.class);
			[].forEach.call(document.querySelectorAll('.cz-cat-item'), function (b) { b.classList.toggle('on', b.dataset.id === editing); });
		}
		form.elements['class'].addEventListener('change', function () { showFor(this.value); });
		[].forEach.call(document.querySelectorAll('.cz-cat-item'), function (b) {
			b.addEventListener('click', function () {
				edit(data.items.filter(function (x) { return x.id === b.dataset.id; })[0]);
			});
		});
		$('cat-new').addEventListener('click', function () { edit(null); });

		form.addEventListener('submit', function (e) {
			e.preventDefault();
			var f = form.elements;
			var kw;
			try { kw = JSON.parse(f.keywords.value || '[]'); } catch (err) {
				formMsg.textContent = P.t('cat.bad_keywords');
				return mark('keywords');
			}
			var it = {id: f.id.value.trim(), name_zh: f.name_zh.value.trim(), name_en: f.name_en.value.trim(), 'class': f['class'].value,
				service: f.service.value.trim().toUpperCase(), documents: unlines(f.documents.value), keywords: kw, script: f.script.value.trim()};
			if (it['class'] === 'cross_department') { it.department = f.department.value.trim(); it.promised_days = Number(f.promised_days.value) || 0; }
			if (it['class'] === 'needs_approval') { it.approver = f.approver.value.trim(); it.authority = f.authority.value.trim(); }
			if (it['class'] === 'must_refuse') { it.reason = f.reason.value.trim(); it.can_do = f.can_do.value.trim(); it.alternatives = unlines(f.alternatives.value); }
			it.examples = unlines(f.examples.value);
			// The English texts are not edited here: keep the stored ones.
			var old = data.items.filter(function (x) { return x.id === editing; })[0] || {};
			['script_en', 'authority_en', 'reason_en', 'can_do_en'].forEach(function (k) { if (old[k]) it[k] = old[k]; });
			if (old.alternatives_en && it.alternatives && old.alternatives_en.length === it.alternatives.length) it.alternatives_en = old.alternatives_en;
			P.api('PUT', '/api/v1/catalog/items/' + encodeURIComponent(it.id), it).then(function (res) {
				if (res.error) {
					var e2 = res.error;
					formMsg.dataset.kind = 'error';
					formMsg.textContent = e2.phrase ? P.t('cat.phrase_at', P.t('cat.f.' + String(e2.field || 'script').replace(/\[\d+\]$/, '')), e2.phrase, e2.pos + 1) : errText(res);
					return mark(e2.field || '');
				}
				formMsg.dataset.kind = 'ok';
				formMsg.textContent = P.t('cat.saved');
				var i = data.items.map(function (x) { return x.id; }).indexOf(res.data.id);
				if (i >= 0) data.items[i] = res.data; else { data.items.push(res.data); window.location.reload(); }
				editing = res.data.id;
				form.elements.id.readOnly = true;
				mark('');
			}, net);
		});
		$('cat-delete').addEventListener('click', function () {
			if (!editing || !window.confirm(P.t('cat.confirm_delete'))) return;
			P.api('DELETE', '/api/v1/catalog/items/' + encodeURIComponent(editing)).then(function (res) {
				if (res.error) return say('error', errText(res));
				window.location.reload();
			}, net);
		});
		// A reviewed miss: its words become an example of the chosen item.
		document.addEventListener('click', function (e) {
			var b = e.target.closest && e.target.closest('[data-adopt]');
			if (!b) return;
			b.disabled = true;
			P.api('POST', '/api/v1/classify/choices/' + encodeURIComponent(b.dataset.adopt) + '/adopt', {}).then(function (res) {
				if (res.error) {
					b.disabled = false;
					$('cat-miss-msg').textContent = errText(res);
					return;
				}
				b.replaceWith(document.createTextNode(P.t('cat.m.adopted')));
			}, function () { b.disabled = false; net(); });
		});
		$('cat-reset').addEventListener('click', function () {
			if (!window.confirm(P.t('cat.confirm_reset'))) return;
			P.api('POST', '/api/v1/catalog/reset', {}).then(function (res) {
				if (res.error) return say('error', errText(res));
				window.location.reload();
			}, net);
		});
		if ($('cat-pull')) $('cat-pull').addEventListener('click', function (e) {
			e.target.disabled = true;
			P.api('POST', '/api/v1/catalog/region/pull', {}).then(function (res) {
				e.target.disabled = false;
				if (res.error) return say('error', errText(res));
				window.location.reload();
			}, function () { e.target.disabled = false; net(); });
		});
		$('cat-forbidden').addEventListener('submit', function (e) {
			e.preventDefault();
			P.api('PUT', '/api/v1/catalog/forbidden', {phrases: unlines(e.target.phrases.value)}).then(function (res) {
				if (res.error) {
					return say('error', res.error.phrase ? res.error.item + ' · ' + P.t('cat.phrase_at', P.t('cat.f.' + String(res.error.field).replace(/\[\d+\]$/, '')), res.error.phrase, res.error.pos + 1) : errText(res));
				}
				say('ok', P.t('cat.saved'));
			}, net);
		});
	}
})(window, document);
