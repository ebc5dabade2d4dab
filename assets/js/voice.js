/*
 * hallq voice calling: offline Mandarin / English announcements built from the
 * recorded clips under /assets/voice (made by assets/voice/gen.sh; clip names
 * are listed in assets/voice/manifest.json).  Plain script, no dependencies;
 * it defines window.HallVoice.
 *
 *   <script src="/assets/js/voice.js"></script>
 *   HallVoice.init({base: '/assets/voice', lang: 'zh', volume: 0.8, muted: false, repeat: 2});
 *   HallVoice.call('A023', 3);            // chime, 请 A 零二 三号，到三号窗口 办理 (twice)
 *   HallVoice.call('A023', 3, {recall: true}); // A 零二 三号，请 到三号窗口，再次呼叫
 *   HallVoice.call('B007', 12, {lang: 'en', repeat: 1});
 *   HallVoice.call('A023', 8, {place: 'VIP 室'}); // 请 A 零 二 三 号到 [VIP 室办理]: the
 *       counter's spoken name, said by the browser's speech synthesis (a
 *       step 'say:VIP 室办理'); "12号窗口" is read from the clips as counter 12
 *   HallVoice.prompt('rate');             // 请您对我的服务做出评价 / Please rate my service
 *   HallVoice.setVolume(0.5); HallVoice.setMuted(true); HallVoice.setLang('en');
 *
 * Calls and prompts queue: a new one waits until the sequence being spoken
 * has ended, it never cuts it off.  A call that is already waiting (same
 * number, counter and language, not yet started) is not queued a second time.
 *
 * When calls queue up the wait stays short (docs: assets/voice/README.md):
 *   - a call is repeated only while nothing waits: at each repetition the
 *     queue is checked and the sequence ends if a call is waiting;
 *   - a call that starts with others waiting behind it is said once, in the
 *     short form (A 零二 三，三号窗口), at cfg.backlogRate speed, with
 *     no chime when it follows the previous one within cfg.burstGap; so is
 *     a call when others arrive while its chime rings (counters calling at
 *     once: the first call's form is settled after its chime);
 *   - a recall says …号，请到 … 号窗口，再次呼叫 (en: "…, second call");
 *   - a waiting call is dropped when its counter calls again (superseded),
 *     or when it has waited cfg.maxWait (30 s) without starting: its number
 *     is on the screens, and HallVoice.ondrop reports it. With the short
 *     form the sixth of six simultaneous calls (counters 1-6) starts to be
 *     heard 14 s after it was made.
 * Every clip has a safety timeout (its duration + 1.5 s, or 6 s while the
 * duration is unknown) and a clip that fails to load or play is skipped, so
 * one bad clip never stalls the queue.  Muted calls still run through the
 * queue silently (hooks fire, timing is the same).
 *
 * For tests and for the display's own highlighting:
 *   HallVoice.onplay = function (info) {...}  // a sequence starts; info =
 *       {kind: 'call'|'prompt', number, counter, lang, clips}
 *   HallVoice.onidle = function () {...}      // the queue has run empty
 *   HallVoice.ondrop = function (info) {...}  // a waiting call will not be
 *       said (info.why: 'superseded' or 'late')
 *   info also has form ('full', 'short', 'recall') and waited (ms queued);
 *   a full call turns short after its chime when calls arrived meanwhile
 *   (HallVoice.lastSequence is updated then, onplay is not fired again)
 *   HallVoice.lastSequence                    // clip names of the sequence that
 *       started last, e.g. ['chime', 'zh/qing', 'zh/A', 'zh/p02', 'zh/h3', 'zh/c3', 'zh/banli']
 *   HallVoice.queueLength()                   // sequences not yet finished
 *       (the one playing included)
 *   HallVoice.plan(number, counter, opts)     // the clip names a call would
 *       use, without playing anything
 * Clip names are paths below base without '.opus'.  Mandarin clips are whole
 * phrases: zh/pNN a digit pair, zh/hN a last digit with 号, zh/cN 到N号窗口
 * and zh/wN N号窗口 (counters 1-99, the full and the short form).  Pauses (after the chime, the comma after 号, between
 * repetitions) are not clips and are not listed.
 *
 * Autoplay: the hall display runs in kiosk Chromium started with
 * --autoplay-policy=no-user-gesture-required (see deploy/).  In a browser
 * without that flag play() is refused until someone clicks the page; the
 * refused clips are skipped (a console warning says so) and the queue moves
 * on rather than piling up.
 */
(function (window) {
	'use strict';

	var ZH_PHRASES = ['qing', 'banli', 'rate', 'zaici_hujiao', 'h0', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'h7', 'h8', 'h9'];
	var EN_PHRASES = ['number', 'go_to_counter', 'rate', 'counter', 'second_call',
		'10', '11', '12', '13', '14', '15', '16', '17', '18', '19',
		'20', '30', '40', '50', '60', '70', '80', '90'];
	var DIGITS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
	var PROMPTS = {rate: 'rate'};

	var cfg = {
		base: '/assets/voice',
		lang: 'zh',
		volume: 1,
		muted: false,
		repeat: 2,
		preload: true,
		chimePause: 200,     // ms after the chime
		phrasePause: 120,    // ms between the number and the counter (the comma)
		shortPause: 80,      // the same in the short form
		repeatPause: 900,    // ms between repetitions of the sentence
		callPause: 700,      // ms between two queued sequences
		backlogPause: 200,   // ms between two calls of a backlog
		backlogRate: 1.3,    // playback speed of a call with others waiting
		burstGap: 3000,      // ms: a call this soon after the last goes without chime
		maxWait: 30000,      // ms: a call not started by then is dropped
		clipTimeout: 6000    // ms, safety limit for a clip of unknown duration
	};

	// Seams for tests: the clock, timers and the clip player (name, rate,
	// done) can be replaced through init({now, setTimeout, player}).
	var sys = {
		now: function () { return Date.now(); },
		setTimeout: function (fn, ms) { return window.setTimeout(fn, ms); },
		player: null
	};
	var lastEnd = -Infinity; // when the last sequence ended (sys.now)

	var cache = {};        // clip URL -> HTMLAudioElement
	var queue = [];        // sequences waiting
	var current = null;    // sequence being spoken
	var resting = null;    // timer of the pause between two sequences
	var warnedAutoplay = false;

	var HallVoice = {
		onplay: null,
		onidle: null,
		ondrop: null,
		lastSequence: []
	};

	function clampVolume(v) {
		v = Number(v);
		if (!isFinite(v)) return 1;
		return Math.max(0, Math.min(1, v));
	}

	function normLang(lang) {
		return lang === 'en' ? 'en' : 'zh';
	}

	function url(name) {
		return cfg.base.replace(/\/+$/, '') + '/' + name + '.opus';
	}

	// audio returns the cached element for a clip, creating (and so starting
	// to load) it on first use.
	function audio(name) {
		var src = url(name), a = cache[src];
		if (!a) {
			a = new window.Audio();
			a.preload = 'auto';
			a.volume = cfg.volume;
			a.muted = cfg.muted;
			a.src = src;
			cache[src] = a;
		}
		return a;
	}

	function preloadLang(lang) {
		var names = DIGITS.concat(lang === 'en' ? EN_PHRASES : ZH_PHRASES);
		audio('chime');
		for (var i = 0; i < names.length; i++) audio(lang + '/' + names[i]);
	}

	// spell reads letters and digits one by one: A023 -> A 0 2 3.
	function spell(lang, text) {
		var out = [], s = String(text).toUpperCase();
		for (var i = 0; i < s.length; i++) {
			var c = s.charAt(i);
			if ((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z')) out.push(lang + '/' + c);
		}
		return out;
	}

	// zhNumber reads a ticket number in Mandarin as phrase clips ending in
	// 号: letters one by one, the digits before the last in pairs (a
	// leftover single digit alone), the last digit with 号:
	// A023 -> A 零二 三号; A1234 -> A 一二 三 四号; 7 -> 七号.  Without 号
	// (noHao, the short form) the last digit is said alone: A 零二 三.
	function zhNumber(number, noHao) {
		var s = String(number).toUpperCase().replace(/[^0-9A-Z]/g, ''), out = [], i = 0;
		if (!s) return noHao ? [] : ['zh/hao'];
		var last = s.charAt(s.length - 1);
		var body = /[0-9]/.test(last) ? s.slice(0, -1) : s;
		while (i < body.length) {
			var c = body.charAt(i), d = body.charAt(i + 1);
			if (/[0-9]/.test(c) && /[0-9]/.test(d)) {
				out.push('zh/p' + c + d);
				i += 2;
			} else {
				out.push('zh/' + c);
				i++;
			}
		}
		if (body !== s) out.push(noHao ? 'zh/' + last : 'zh/h' + last);
		else if (!noHao) out.push('zh/hao');
		return out;
	}

	// zhCounter is "到 N 号窗口": one clip for counters 1-99 (read the
	// natural way: 三, 十二, 二十一), else 到, the digits one by one, 号窗口.
	// Without 到 (noDao, the short form) it is "N 号窗口" (zh/wN).
	function zhCounter(counter, noDao) {
		var s = String(counter).trim();
		if (/^\d+$/.test(s)) {
			var n = parseInt(s, 10);
			if (n >= 1 && n <= 99) return [(noDao ? 'zh/w' : 'zh/c') + n];
		}
		return (noDao ? [] : ['zh/dao']).concat(spell('zh', s), ['zh/hao_chuangkou']);
	}

	// counterWords reads a counter number in English: one, twelve, twenty
	// one for 1-99, anything else digit by digit.
	function counterWords(lang, counter) {
		var s = String(counter).trim();
		if (!/^\d+$/.test(s)) return spell(lang, s);
		var n = parseInt(s, 10);
		if (n < 1 || n > 99) return spell(lang, String(n));
		var tens = Math.floor(n / 10), units = n % 10, out = [];
		if (n < 20) return ['en/' + n];
		out.push('en/' + tens + '0');
		if (units) out.push('en/' + units);
		return out;
	}

	// sentence is a call's words: form 'full' (请 A023 号，到 3 号窗口办理),
	// 'short' (A023，3 号窗口, for a backlog) or 'recall' (A023 号，请到
	// 3 号窗口，再次呼叫).  Numbers in the list are pauses (ms).
	function sentence(lang, number, counter, form) {
		if (lang === 'en') {
			var n = spell(lang, number), c = counterWords(lang, counter);
			if (form === 'short') return n.concat(['en/counter'], c);
			var s = ['en/number'].concat(n, ['en/go_to_counter'], c);
			return form === 'recall' ? s.concat(['en/second_call']) : s;
		}
		if (form === 'short') return zhNumber(number, true).concat([cfg.shortPause], zhCounter(counter, true));
		var num = zhNumber(number), ctr = zhCounter(counter);
		if (form === 'recall') return num.concat([cfg.phrasePause, 'zh/qing'], ctr, [cfg.phrasePause, 'zh/zaici_hujiao']);
		return ['zh/qing'].concat(num, [cfg.phrasePause], ctr, ['zh/banli']);
	}

	function repeatCount(opts) {
		var r = opts && opts.repeat != null ? opts.repeat : cfg.repeat;
		r = Math.floor(Number(r));
		return isFinite(r) && r >= 1 ? Math.min(r, 5) : 1;
	}

	// REPEAT marks where a repetition starts: the sequence ends there when a
	// call is waiting.
	var REPEAT = {repeat: true};
	// AFTER_CHIME marks the end of a full call's chime: if calls arrived
	// while it rang, the call is said in the short form instead, once.
	var AFTER_CHIME = {afterChime: true};

	// SAY marks a step spoken by the browser's speech synthesis rather than
	// a clip: a counter's spoken name ("VIP 室") that no clip holds.
	var SAY = 'say:';
	function canSay() { return !!(sys.player || (window.speechSynthesis && window.SpeechSynthesisUtterance)); }

	// placeSentence is a call to a counter with a spoken name (opts.place):
	// 请 A023 号到 VIP 室办理; a name of the form "12号窗口" is read from the
	// clips as counter 12.
	function placeSentence(lang, number, place, form) {
		var p = SAY + place;
		if (lang === 'en') {
			var n = spell(lang, number);
			if (form === 'short') return n.concat([p]);
			var s = ['en/number'].concat(n, [SAY + 'please go to ' + place]);
			return form === 'recall' ? s.concat(['en/second_call']) : s;
		}
		if (form === 'short') return zhNumber(number, true).concat([cfg.shortPause, p]);
		var num = zhNumber(number);
		if (form === 'recall') return num.concat([cfg.phrasePause, 'zh/qing', 'zh/dao', p, cfg.phrasePause, 'zh/zaici_hujiao']);
		return ['zh/qing'].concat(num, [cfg.phrasePause, 'zh/dao', p + '办理']);
	}

	// steps: clip names (strings), pauses (numbers, ms) and REPEAT marks.
	// opts.short: the backlog form, said once; opts.chime false: no chime;
	// opts.place: the counter's spoken name.
	function callSteps(number, counter, opts) {
		opts = opts || {};
		var lang = normLang(opts.lang || cfg.lang);
		var form = opts.short ? 'short' : opts.recall ? 'recall' : 'full';
		var place = String(opts.place || '').trim(), m = /^(\d{1,2})\s*号窗口$/.exec(place);
		if (m) counter = m[1];
		var one = place && !m && canSay() ? placeSentence(lang, number, place, form) : sentence(lang, number, counter, form);
		var steps = opts.chime === false ? [] : ['chime', cfg.chimePause];
		if (steps.length && form === 'full') steps.push(AFTER_CHIME);
		for (var i = 0, n = opts.short ? 1 : repeatCount(opts); i < n; i++) {
			if (i > 0) steps.push(REPEAT, cfg.repeatPause);
			steps = steps.concat(one);
		}
		return {lang: lang, form: form, steps: steps};
	}

	function clipsOf(steps) {
		var out = [];
		for (var i = 0; i < steps.length; i++) if (typeof steps[i] === 'string') out.push(steps[i]);
		return out;
	}

	function fire(hook, arg) {
		if (typeof HallVoice[hook] !== 'function') return;
		try {
			HallVoice[hook](arg);
		} catch (e) {
			if (window.console) window.console.error('HallVoice.' + hook + ':', e);
		}
	}

	function enqueue(seq) {
		seq.at = sys.now();
		if (!sys.player) for (var i = 0; i < seq.steps.length; i++) if (typeof seq.steps[i] === 'string' && seq.steps[i].indexOf(SAY) !== 0) audio(seq.steps[i]);
		queue.push(seq);
		pump();
	}

	// callsWaiting: is a call waiting, other than seq's own in another
	// language (the English after the Mandarin of a zh+en display)?
	function callsWaiting(seq) {
		for (var i = 0; i < queue.length; i++) {
			var q = queue[i];
			if (q.kind === 'call' && !(seq && q.number === seq.number && q.counter === seq.counter)) return true;
		}
		return false;
	}

	function info(seq, extra) {
		var o = {kind: seq.kind, number: seq.number, counter: seq.counter, place: seq.place || '', lang: seq.lang,
			form: seq.form || '', waited: sys.now() - seq.at};
		for (var k in extra) if (extra.hasOwnProperty(k)) o[k] = extra[k];
		return o;
	}

	// drop takes the call at queue[i] out, saying why ('superseded' or 'late').
	function drop(i, why) {
		var seq = queue.splice(i, 1)[0];
		if (window.console) window.console.warn('HallVoice: not saying ' + seq.number + ' (' + why + ')');
		fire('ondrop', info(seq, {why: why}));
	}

	function pump() {
		if (current || resting) return;
		var now = sys.now();
		for (var i = 0; i < queue.length;) {
			if (queue[i].kind === 'call' && now - queue[i].at > cfg.maxWait) drop(i, 'late');
			else i++;
		}
		var seq = queue.shift();
		if (!seq) return;
		if (seq.kind === 'call') {
			// The form is chosen now, from what waits behind it.
			var backlog = callsWaiting(seq);
			var c = callSteps(seq.number, seq.counter, {lang: seq.lang, repeat: seq.repeat, recall: seq.recall, place: seq.place,
				short: backlog && !seq.recall, chime: now - lastEnd > cfg.burstGap});
			seq.steps = c.steps;
			seq.form = c.form;
			seq.rate = backlog ? cfg.backlogRate : 1;
		}
		current = seq;
		HallVoice.lastSequence = clipsOf(seq.steps);
		fire('onplay', info(seq, {clips: HallVoice.lastSequence.slice()}));
		next(seq, 0);
	}

	function next(seq, i) {
		if (i >= seq.steps.length) return finish(seq);
		var step = seq.steps[i];
		if (step === REPEAT) {
			if (callsWaiting(seq)) return finish(seq); // the repeat only when nothing waits
			return next(seq, i + 1);
		}
		if (step === AFTER_CHIME) {
			// Several counters called at once: the first call's chime was
			// already ringing when the others arrived; say it short too.
			if (seq.kind === 'call' && callsWaiting(seq)) {
				var c = callSteps(seq.number, seq.counter, {lang: seq.lang, place: seq.place, short: true, chime: false});
				seq.steps = seq.steps.slice(0, i + 1).concat(c.steps);
				seq.form = c.form;
				seq.rate = cfg.backlogRate;
				HallVoice.lastSequence = clipsOf(seq.steps);
			}
			return next(seq, i + 1);
		}
		if (typeof step === 'number') {
			sys.setTimeout(function () { next(seq, i + 1); }, step);
			return;
		}
		var done = function () { next(seq, i + 1); };
		if (sys.player) sys.player(step, seq.rate || 1, done);
		else if (step.indexOf(SAY) === 0) playSay(step.slice(SAY.length), seq.lang, seq.rate || 1, done);
		else playClip(step, seq.rate || 1, done);
	}

	function finish(seq) {
		if (current !== seq) return;
		current = null;
		lastEnd = sys.now();
		if (queue.length === 0) {
			fire('onidle');
			return;
		}
		resting = sys.setTimeout(function () {
			resting = null;
			if (queue.length === 0) fire('onidle'); // cleared meanwhile
			else pump();
		}, callsWaiting() ? cfg.backlogPause : cfg.callPause);
	}

	// playClip plays one clip from its start and calls done exactly once: when
	// it has ended, failed, been refused, or run past its safety timeout.
	function playClip(name, rate, done) {
		var a = audio(name), src = url(name), over = false, timer;
		function end(ev) {
			if (over) return;
			over = true;
			window.clearTimeout(timer);
			a.removeEventListener('ended', end);
			a.removeEventListener('error', end);
			if ((ev && ev.type === 'error') || a.error) {
				if (cache[src] === a) delete cache[src]; // load it afresh next time
			} else if (!a.paused) {
				a.pause();          // timed out: never overlap the next clip
			}
			done();
		}
		a.addEventListener('ended', end);
		a.addEventListener('error', end);
		if (a.error) return end();
		a.volume = cfg.volume;
		a.muted = cfg.muted;
		a.playbackRate = rate; // pitch is preserved
		try {
			a.currentTime = 0;
		} catch (e) { /* not seekable yet: it is at the start anyway */ }
		var d = a.duration;
		timer = window.setTimeout(end, isFinite(d) && d > 0 ? d * 1000 / rate + 1500 : cfg.clipTimeout);
		var p;
		try {
			p = a.play();
		} catch (e) {
			return end();
		}
		if (p && typeof p.then === 'function') {
			p.then(null, function (err) {
				if (err && err.name === 'NotAllowedError' && !warnedAutoplay && window.console) {
					warnedAutoplay = true;
					window.console.warn('HallVoice: autoplay refused; start Chromium with --autoplay-policy=no-user-gesture-required');
				}
				end();
			});
		}
	}

	// playSay speaks text with the browser's speech synthesis and calls done
	// exactly once: when it has ended, failed, or run past a safety timeout.
	function playSay(text, lang, rate, done) {
		var over = false, timer;
		function end() {
			if (over) return;
			over = true;
			window.clearTimeout(timer);
			done();
		}
		timer = window.setTimeout(end, 1500 + 400 * text.length);
		try {
			var u = new window.SpeechSynthesisUtterance(text);
			u.lang = lang === 'en' ? 'en-US' : 'zh-CN';
			u.rate = rate;
			u.volume = cfg.muted ? 0 : cfg.volume;
			u.onend = end;
			u.onerror = end;
			window.speechSynthesis.speak(u);
		} catch (e) {
			end();
		}
	}

	HallVoice.init = function (opts) {
		opts = opts || {};
		if (opts.base != null) cfg.base = String(opts.base);
		if (opts.lang != null) cfg.lang = normLang(opts.lang);
		if (opts.volume != null) cfg.volume = clampVolume(opts.volume);
		if (opts.muted != null) cfg.muted = !!opts.muted;
		if (opts.repeat != null) cfg.repeat = repeatCount(opts);
		if (opts.preload != null) cfg.preload = !!opts.preload;
		['chimePause', 'phrasePause', 'shortPause', 'repeatPause', 'callPause', 'backlogPause', 'backlogRate', 'burstGap', 'maxWait', 'clipTimeout'].forEach(function (k) {
			if (opts[k] != null && isFinite(opts[k]) && opts[k] >= 0) cfg[k] = Number(opts[k]);
		});
		if (typeof opts.now === 'function') sys.now = opts.now;
		if (typeof opts.setTimeout === 'function') sys.setTimeout = opts.setTimeout;
		if (typeof opts.player === 'function') sys.player = opts.player;
		if (cfg.preload) preloadLang(cfg.lang);
		return HallVoice;
	};

	// call queues "请 <number> 号，到 <counter> 号窗口办理" (or the English), said
	// opts.repeat times (default from init, 2) while nothing else waits;
	// opts.recall words it as a recall (号，请到 … 号窗口，再次呼叫); opts.lang
	// overrides the language.  A waiting call of the same counter (another
	// number) is dropped: the counter has moved on.
	HallVoice.call = function (number, counter, opts) {
		opts = opts || {};
		var c = callSteps(number, counter, opts);
		number = String(number);
		counter = String(counter);
		for (var i = 0; i < queue.length; i++) {
			var q = queue[i];
			if (q.kind === 'call' && q.number === number && q.counter === counter && q.lang === c.lang) {
				return HallVoice;
			}
		}
		for (i = 0; i < queue.length;) {
			if (queue[i].kind === 'call' && queue[i].counter === counter && queue[i].number !== number) drop(i, 'superseded');
			else i++;
		}
		enqueue({kind: 'call', number: number, counter: counter, lang: c.lang, steps: c.steps,
			recall: !!opts.recall, repeat: opts.repeat, place: opts.place || ''});
		return HallVoice;
	};

	// prompt queues a fixed prompt; 'rate' = 请您对我的服务做出评价 / Please rate my service.
	HallVoice.prompt = function (which, opts) {
		var clip = PROMPTS.hasOwnProperty(which) ? PROMPTS[which] : null;
		if (!clip) throw new Error('HallVoice.prompt: unknown prompt ' + which);
		var lang = normLang(opts && opts.lang || cfg.lang);
		enqueue({kind: 'prompt', number: '', counter: '', lang: lang, steps: [lang + '/' + clip]});
		return HallVoice;
	};

	HallVoice.plan = function (number, counter, opts) {
		return clipsOf(callSteps(number, counter, opts).steps);
	};

	HallVoice.setVolume = function (v) {
		cfg.volume = clampVolume(v);
		for (var k in cache) if (cache.hasOwnProperty(k)) cache[k].volume = cfg.volume;
		return HallVoice;
	};

	HallVoice.setMuted = function (m) {
		cfg.muted = !!m;
		for (var k in cache) if (cache.hasOwnProperty(k)) cache[k].muted = cfg.muted;
		return HallVoice;
	};

	HallVoice.setLang = function (lang) {
		cfg.lang = normLang(lang);
		if (cfg.preload) preloadLang(cfg.lang);
		return HallVoice;
	};

	// clear drops the sequences still waiting; the one being spoken finishes.
	HallVoice.clear = function () {
		queue.length = 0;
		return HallVoice;
	};

	HallVoice.queueLength = function () {
		return queue.length + (current ? 1 : 0);
	};

	HallVoice.settings = function () {
		return {base: cfg.base, lang: cfg.lang, volume: cfg.volume, muted: cfg.muted, repeat: cfg.repeat};
	};

	window.HallVoice = HallVoice;
})(window);
