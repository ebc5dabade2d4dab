/*
 * hallq page helpers, shared by kiosk.js, display.js, counter.js, desk.js and
 * login.js; defines window.HallPage.
 *
 * The page gives its data in attributes of <body> (data-lang, data-tz,
 * data-now = server time in ms, data-topic, …) and its strings in
 * <script type="application/json" id="hallq-i18n">{"lang","msgs":{key:[zh,en]}}</script>
 * (from web/i18n.go). Formats use %d / %s, filled in order.
 *
 *   HallPage.t(key, args...)      the string in the page's language
 *   HallPage.alt(key, args...)    … in the other language (bilingual pages)
 *   HallPage.live(topic, fn)      fn(state, seq, event, replay) on every snapshot
 *                                 and event (state null for replayed events);
 *                                 shows #conn while the connection is down
 *   HallPage.api(method, path, body) → Promise of {status, data, error}
 */
(function (window, document) {
	'use strict';

	var body = document.body;
	var bundle = {};
	try {
		bundle = JSON.parse(document.getElementById('hallq-i18n').textContent);
	} catch (e) { /* a page without strings still works, showing keys */ }
	var lang = bundle.lang === 'en' ? 'en' : 'zh';
	var msgs = bundle.msgs || {};
	// Timers and the clock run on the server's time: a device whose own clock
	// is off still counts waits right.
	var offset = (Number(body.dataset.now) || Date.now()) - Date.now();

	function fill(s, args) {
		var i = 0;
		return s.replace(/%[ds]/g, function () { return i < args.length ? String(args[i++]) : ''; });
	}

	function pick(key, en) {
		var m = msgs[key];
		if (!m) return key;
		return en ? m[1] : m[0];
	}

	function t(key) { return fill(pick(key, lang === 'en'), [].slice.call(arguments, 1)); }
	function alt(key) { return fill(pick(key, lang !== 'en'), [].slice.call(arguments, 1)); }

	// name picks a service or counter name by language; altName is the other
	// one ('' when it would repeat).
	function name(zh, en) { return lang === 'en' && en ? en : zh; }
	function altName(zh, en) {
		if (lang === 'en') return en ? zh : '';
		return en || '';
	}

	// message splits a bilingual API message "中文 / English" into the page's
	// language and the other one.
	// The halves split at the first "/ " after a space or a non-ASCII
	// character with Chinese before it ("…（已重呼 0 次）/ recall …"), as
	// queue.MessageIn does on the server.
	function message(msg) {
		msg = String(msg || '');
		var re = /(?:^|[ \u0080-\uffff])\/ /g, m;
		while ((m = re.exec(msg))) {
			var cut = m.index + m[0].length - 2;
			var zh = msg.slice(0, cut).trim(), en = msg.slice(cut + 2).trim();
			if (zh && en && /[\u3400-\u9fff]/.test(zh)) return lang === 'en' ? {pri: en, sec: zh} : {pri: zh, sec: en};
			re.lastIndex = m.index + 1;
		}
		return {pri: msg, sec: ''};
	}

	function now() { return new Date(Date.now() + offset); }

	function minutes(s) { return Math.ceil((Number(s) || 0) / 60); }
	function waitText(s) { return s > 0 ? t('wait.minutes', minutes(s)) : t('wait.none'); }

	// duration formats milliseconds as m:ss or h:mm:ss.
	function duration(msec) {
		var s = Math.max(0, Math.floor(msec / 1000));
		var h = Math.floor(s / 3600), m = Math.floor(s / 60) % 60, ss = s % 60;
		var two = function (n) { return (n < 10 ? '0' : '') + n; };
		return h > 0 ? h + ':' + two(m) + ':' + two(ss) : m + ':' + two(ss);
	}

	// span formats milliseconds as people say a wait: "45 秒", "13 分钟",
	// "1 小时 5 分" ("45 s", "13 min", "1 h 5 min"; web/view mgSpan).
	function span(msec) {
		var s = Math.max(0, Math.floor(msec / 1000));
		if (s < 60) return t('dur.s', s);
		if (s < 3600) return t('dur.m', Math.floor(s / 60));
		return t('dur.hm', Math.floor(s / 3600), Math.floor(s / 60) % 60);
	}

	// el builds an element: el('span', 'cls', 'text' | [children]).
	function el(tag, cls, content) {
		var e = document.createElement(tag);
		if (cls) e.className = cls;
		if (content == null) return e;
		if (!Array.isArray(content)) content = [content];
		content.forEach(function (c) {
			if (c == null || c === '') return;
			e.appendChild(typeof c === 'object' ? c : document.createTextNode(String(c)));
		});
		return e;
	}

	// bi is a bilingual pair of spans from a string key.
	function bi(key) {
		var args = [].slice.call(arguments, 1);
		return [el('span', 'pri', t.apply(null, [key].concat(args))), el('span', 'sec', alt.apply(null, [key].concat(args)))];
	}

	function replace(node, children) {
		while (node.firstChild) node.removeChild(node.firstChild);
		(children || []).forEach(function (c) { if (c) node.appendChild(c); });
	}

	// The hall's clock, in the hall's time zone.
	var WEEKDAYS = ['星期日', '星期一', '星期二', '星期三', '星期四', '星期五', '星期六'];
	var EN_DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
	var EN_MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
	var partsFmt = null;
	try {
		partsFmt = new Intl.DateTimeFormat('en-US', {
			timeZone: body.dataset.tz || undefined, hourCycle: 'h23',
			year: 'numeric', month: 'numeric', day: 'numeric', weekday: 'short',
			hour: '2-digit', minute: '2-digit', second: '2-digit'
		});
	} catch (e) { partsFmt = null; }

	function hallTime(d) {
		var p = {};
		if (partsFmt) {
			partsFmt.formatToParts(d).forEach(function (x) { p[x.type] = x.value; });
		} else {
			p = {year: d.getFullYear(), month: d.getMonth() + 1, day: d.getDate(), weekday: EN_DAYS[d.getDay()],
				hour: String(d.getHours()), minute: String(d.getMinutes()), second: String(d.getSeconds())};
		}
		var two = function (v) { v = String(Number(v)); return v.length < 2 ? '0' + v : v; };
		var hour = two(Number(p.hour) % 24); // some engines say 24 at midnight
		var wd = EN_DAYS.indexOf(p.weekday);
		return {
			hm: hour + ':' + two(p.minute),
			hms: hour + ':' + two(p.minute) + ':' + two(p.second),
			date: lang === 'en'
				? EN_DAYS[wd] + ' ' + Number(p.day) + ' ' + EN_MONTHS[Number(p.month) - 1] + ' ' + p.year
				: p.year + '年' + Number(p.month) + '月' + Number(p.day) + '日 ' + WEEKDAYS[wd]
		};
	}

	var tickers = [];
	function everySecond(fn) { tickers.push(fn); fn(now()); }
	function tick() {
		var n = now();
		tickers.forEach(function (fn) { try { fn(n); } catch (e) { window.console && console.error(e); } });
		setTimeout(tick, 1000 - (Date.now() + offset) % 1000 + 5);
	}

	everySecond(function (n) {
		var h = hallTime(n);
		[].forEach.call(document.querySelectorAll('[data-clock=time]'), function (e) {
			var v = e.dataset.seconds ? h.hms : h.hm;
			if (e.textContent !== v) e.textContent = v;
		});
		[].forEach.call(document.querySelectorAll('[data-clock=date]'), function (e) {
			if (e.textContent !== h.date) e.textContent = h.date;
		});
	});
	setTimeout(tick, 1000 - (Date.now() + offset) % 1000 + 5);

	// The connection indicator: shown only when the connection stays down for
	// a moment, so a quick reconnect does not blink.
	var conn = document.getElementById('conn');
	var connText = conn && conn.querySelector('.conn-text');
	var connTimer = null;
	function connDown(key) {
		if (!conn) return;
		connText.textContent = t(key);
		if (connTimer || !conn.hidden) return;
		connTimer = setTimeout(function () { connTimer = null; conn.hidden = false; }, 1500);
	}
	function connUp() {
		clearTimeout(connTimer);
		connTimer = null;
		if (conn) conn.hidden = true;
	}
	var UP = {open: 1, connected: 1, live: 1, online: 1, ok: 1, synced: 1};

	// live subscribes to a topic through HallLive (assets/js/live.js). Without
	// it (an old cached page, a script that failed to load) the page polls the
	// JSON API instead, so it never shows stale numbers for long.
	function live(topic, fn) {
		if (window.HallLive && typeof window.HallLive.connect === 'function') {
			return window.HallLive.connect(topic, {
				onSnapshot: function (state, seq) { connUp(); fn(state, seq, null, false); },
				onEvent: function (event, state, seq, replay) {
					if (state) connUp();
					fn(state || null, seq, event, !!replay);
				},
				onStatus: function (status) {
					if (UP[status]) connUp();
					else connDown(status === 'connecting' ? 'conn.connecting' : 'conn.reconnecting');
				}
			});
		}
		connDown('conn.offline');
		poll(topic, fn);
		return null;
	}

	function poll(topic, fn) {
		var desk = /^desk\/(\d+)$/.exec(topic);
		var last = 0, epoch = '';
		function once() {
			api('GET', '/api/v1/queue').then(function (q) {
				if (q.status !== 200) return null;
				var state = q.data;
				if (!desk) return state;
				return api('GET', '/api/v1/counters/' + desk[1] + '/waiting').then(function (w) {
					state.waiting = w.status === 200 ? w.data : [];
					return state;
				});
			}).then(function (state) {
				// A new epoch (a restore) numbers afresh: take its state whole.
				if (state && (state.seq >= last || state.epoch !== epoch)) {
					last = state.seq;
					epoch = state.epoch;
					fn(state, state.seq, null, false);
				}
			}).catch(function () { /* next round */ }).then(function () { setTimeout(once, 4000); });
		}
		once();
	}

	// api calls the JSON API with the page's cookies. The promise resolves to
	// {status, data, error} for every HTTP answer, error being the API's
	// {code, message}; it rejects only when the network fails.
	var BILINGUAL = {kiosk: 1, keypad: 1, display: 1, counter: 1};
	function api(method, path, payload) {
		var opts = {method: method, credentials: 'same-origin', headers: {'Accept': 'application/json'}};
		// Errors in the page's language (web/server.go apiLang); the
		// customer devices show both languages and ask for both.
		if (!BILINGUAL[body.dataset.page]) opts.headers['Accept-Language'] = lang;
		if (payload !== undefined) {
			opts.headers['Content-Type'] = 'application/json';
			opts.body = JSON.stringify(payload);
		}
		return window.fetch(path, opts).then(function (res) {
			if (res.status === 204) return {status: 204, data: null, error: null};
			return res.json().catch(function () { return null; }).then(function (data) {
				if (res.ok) return {status: res.status, data: data, error: null};
				var err = data && data.error ? data.error : {code: 'http_' + res.status, message: res.statusText};
				return {status: res.status, data: null, error: err};
			});
		});
	}

	window.HallPage = {
		lang: lang,
		t: t,
		alt: alt,
		name: name,
		altName: altName,
		message: message,
		now: now,
		minutes: minutes,
		waitText: waitText,
		duration: duration,
		span: span,
		hallTime: hallTime,
		el: el,
		bi: bi,
		replace: replace,
		everySecond: everySecond,
		live: live,
		api: api
	};
})(window, document);
