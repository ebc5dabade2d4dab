/*
 * The counter screen (/counter): the counter's current number, big; the
 * clerk's name and staff number; 暂停服务 with the reason; 窗口未开放 when
 * closed. Live from the topic counter/N; a call to this counter flashes.
 */
(function (window, document) {
	'use strict';

	var P = window.HallPage;
	var el = P.el;
	var body = document.body;
	var N = Number(body.dataset.counter);
	var app = document.getElementById('c-app');
	var main = document.getElementById('c-main');
	var clerk = document.getElementById('c-clerk');

	function status(cls, children) {
		var d = el('div', 'c-status ' + cls, children);
		d.dataset.testid = 'counter-status';
		return d;
	}

	function renderMain(c) {
		var tk = c.ticket;
		var key = c.state + '|' + (c.pause_reason || '') + '|' + (tk ? tk.id + tk.status : '');
		if (main.dataset.key === key) return;
		main.dataset.key = key;
		app.dataset.state = c.state;
		var node;
		if (c.state === 'closed') {
			node = status('c-closed', [
				el('div', 'c-big-word', P.t('counter.closed')),
				el('div', 'c-alt', P.alt('counter.closed')),
				el('div', 'c-hint', P.bi('counter.closed_hint'))
			]);
		} else if (c.state === 'paused') {
			var reason = c.pause_reason ? el('div', 'c-reason', c.pause_reason) : null;
			if (reason) reason.dataset.testid = 'counter-reason';
			node = status('c-paused', [
				el('div', 'c-big-word', P.t('counter.paused')),
				el('div', 'c-alt', P.alt('counter.paused')),
				reason,
				el('div', 'c-hint', P.bi('counter.paused_hint'))
			]);
		} else if (tk) {
			var num = el('div', 'c-num', tk.number);
			num.dataset.testid = 'counter-ticket';
			node = status('c-serving', [
				el('div', 'c-label', P.bi(tk.status === 'serving' ? 'counter.serving' : 'counter.calling')),
				num
			]);
		} else {
			node = status('c-idle', [
				el('div', 'c-big-word c-welcome', P.t('counter.welcome')),
				el('div', 'c-alt', P.alt('counter.welcome')),
				el('div', 'c-hint', P.bi('counter.idle_hint'))
			]);
		}
		P.replace(main, [node]);
	}

	function renderClerk(c) {
		var key = (c.clerk_name || '') + '|' + (c.staff_no || '');
		if (clerk.dataset.key === key) return;
		clerk.dataset.key = key;
		if (!c.clerk_name) {
			P.replace(clerk, []);
			return;
		}
		var parts = [
			el('span', 'c-clerk-avatar', Array.from(c.clerk_name)[0]),
			el('span', 'c-clerk-text', [el('span', 'c-clerk-label', P.t('counter.clerk')), el('span', 'c-clerk-name', c.clerk_name)])
		];
		if (c.staff_no) {
			parts.push(el('span', 'c-clerk-text', [el('span', 'c-clerk-label', P.t('counter.staff_no')), el('span', 'c-clerk-staff', c.staff_no)]));
		}
		P.replace(clerk, parts);
	}

	function flash() {
		main.classList.remove('flash');
		void main.offsetWidth;
		main.classList.add('flash');
	}

	P.live(body.dataset.topic, function (state, seq, ev, replay) {
		if (state) {
			var c = (state.counters || []).filter(function (k) { return k.number === N; })[0];
			if (c) {
				renderMain(c);
				renderClerk(c);
			}
		}
		if (ev && !replay && ev.counter === N && (ev.type === 'ticket_called' || ev.type === 'ticket_recalled')) flash();
	});
})(window, document);
