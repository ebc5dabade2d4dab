/*
 * hallq voice calling: offline Mandarin / English announcements built from the
 * recorded clips under /assets/voice (made by assets/voice/gen.sh; clip names
 * are listed in assets/voice/manifest.json).  Plain script, no dependencies;
 * it defines window.HallVoice.
 *
 *   <script src="/assets/js/voice.js"></script>
 *   HallVoice.init({base: '/assets/voice', lang: 'zh', volume: 0.8, muted: false, repeat: 2});
 *   HallVoice.call('A023', 3);            // chime, 请 A 零 二 三 号到 三 号窗口办理 (twice)
 *   HallVoice.call('A023', 3);            // recall: queued, said again after the first
 *   HallVoice.call('B007', 12, {lang: 'en', repeat: 1});
 *   HallVoice.prompt('rate');             // 请您对我的服务做出评价 / Please rate my service
 *   HallVoice.setVolume(0.5); HallVoice.setMuted(true); HallVoice.setLang('en');
 *
 * Calls and prompts queue: a new one waits until the sequence being spoken
 * has ended, it never cuts it off.  A call that is already waiting (same
 * number, counter and language, not yet started) is not queued a second time.
 * Every clip has a safety timeout (its duration + 1.5 s, or 6 s while the
 * duration is unknown) and a clip that fails to load or play is skipped, so
 * one bad clip never stalls the queue.  Muted calls still run through the
 * queue silently (hooks fire, timing is the same).
 *
 * For tests and for the display's own highlighting:
 *   HallVoice.onplay = function (info) {...}  // a sequence starts; info =
 *       {kind: 'call'|'prompt', number, counter, lang, clips}
 *   HallVoice.onidle = function () {...}      // the queue has run empty
 *   HallVoice.lastSequence                    // clip names of the sequence that
 *       started last, e.g. ['chime', 'zh/qing', 'zh/A', 'zh/0', ...]
 *   HallVoice.queueLength()                   // sequences not yet finished
 *       (the one playing included)
 *   HallVoice.plan(number, counter, opts)     // the clip names a call would
 *       use, without playing anything
 * Clip names are paths below base without '.opus'.  Pauses (after the chime,
 * between repetitions) are not clips and are not listed.
 *
 * Autoplay: the hall display runs in kiosk Chromium started with
 * --autoplay-policy=no-user-gesture-required (see deploy/).  In a browser
 * without that flag play() is refused until someone clicks the page; the
 * refused clips are skipped (a console warning says so) and the queue moves
 * on rather than piling up.
 */
(function (window) {
	'use strict';

	var ZH_PHRASES = ['qing', 'hao_dao', 'hao_chuangkou_banli', 'rate', 'shi'];
	var EN_PHRASES = ['number', 'go_to_counter', 'rate',
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
		chimePause: 250,     // ms after the chime
		repeatPause: 900,    // ms between repetitions of the sentence
		callPause: 700,      // ms between two queued sequences
		clipTimeout: 6000    // ms, safety limit for a clip of unknown duration
	};

	var cache = {};        // clip URL -> HTMLAudioElement
	var queue = [];        // sequences waiting
	var current = null;    // sequence being spoken
	var resting = null;    // timer of the pause between two sequences
	var warnedAutoplay = false;

	var HallVoice = {
		onplay: null,
		onidle: null,
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

	// counterWords reads a counter number the natural way for 1-99
	// (zh: 3 三, 10 十, 12 十二, 20 二十, 21 二十一; en: three, twelve,
	// twenty one) and anything else digit by digit.
	function counterWords(lang, counter) {
		var s = String(counter).trim();
		if (!/^\d+$/.test(s)) return spell(lang, s);
		var n = parseInt(s, 10);
		if (n < 1 || n > 99) return spell(lang, String(n));
		var tens = Math.floor(n / 10), units = n % 10, out = [];
		if (lang === 'en') {
			if (n < 20) return ['en/' + n];
			out.push('en/' + tens + '0');
			if (units) out.push('en/' + units);
			return out;
		}
		if (tens > 1) out.push('zh/' + tens);
		if (tens > 0) out.push('zh/shi');
		if (units) out.push('zh/' + units);
		return out;
	}

	function sentence(lang, number, counter) {
		if (lang === 'en') {
			return ['en/number'].concat(spell('en', number), ['en/go_to_counter'], counterWords('en', counter));
		}
		return ['zh/qing'].concat(spell('zh', number), ['zh/hao_dao'], counterWords('zh', counter), ['zh/hao_chuangkou_banli']);
	}

	function repeatCount(opts) {
		var r = opts && opts.repeat != null ? opts.repeat : cfg.repeat;
		r = Math.floor(Number(r));
		return isFinite(r) && r >= 1 ? Math.min(r, 5) : 1;
	}

	// steps: clip names (strings) and pauses (numbers, ms).
	function callSteps(number, counter, opts) {
		var lang = normLang(opts && opts.lang || cfg.lang);
		var one = sentence(lang, number, counter);
		var steps = ['chime', cfg.chimePause];
		for (var i = 0, n = repeatCount(opts); i < n; i++) {
			if (i > 0) steps.push(cfg.repeatPause);
			steps = steps.concat(one);
		}
		return {lang: lang, steps: steps};
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
		for (var i = 0; i < seq.steps.length; i++) if (typeof seq.steps[i] === 'string') audio(seq.steps[i]);
		queue.push(seq);
		pump();
	}

	function pump() {
		if (current || resting) return;
		var seq = queue.shift();
		if (!seq) return;
		current = seq;
		HallVoice.lastSequence = clipsOf(seq.steps);
		fire('onplay', {
			kind: seq.kind,
			number: seq.number,
			counter: seq.counter,
			lang: seq.lang,
			clips: HallVoice.lastSequence.slice()
		});
		next(seq, 0);
	}

	function next(seq, i) {
		if (i >= seq.steps.length) return finish(seq);
		var step = seq.steps[i];
		if (typeof step === 'number') {
			window.setTimeout(function () { next(seq, i + 1); }, step);
			return;
		}
		playClip(step, function () { next(seq, i + 1); });
	}

	function finish(seq) {
		if (current !== seq) return;
		current = null;
		if (queue.length === 0) {
			fire('onidle');
			return;
		}
		resting = window.setTimeout(function () {
			resting = null;
			if (queue.length === 0) fire('onidle'); // cleared meanwhile
			else pump();
		}, cfg.callPause);
	}

	// playClip plays one clip from its start and calls done exactly once: when
	// it has ended, failed, been refused, or run past its safety timeout.
	function playClip(name, done) {
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
		try {
			a.currentTime = 0;
		} catch (e) { /* not seekable yet: it is at the start anyway */ }
		var d = a.duration;
		timer = window.setTimeout(end, isFinite(d) && d > 0 ? d * 1000 + 1500 : cfg.clipTimeout);
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

	HallVoice.init = function (opts) {
		opts = opts || {};
		if (opts.base != null) cfg.base = String(opts.base);
		if (opts.lang != null) cfg.lang = normLang(opts.lang);
		if (opts.volume != null) cfg.volume = clampVolume(opts.volume);
		if (opts.muted != null) cfg.muted = !!opts.muted;
		if (opts.repeat != null) cfg.repeat = repeatCount(opts);
		if (opts.preload != null) cfg.preload = !!opts.preload;
		['chimePause', 'repeatPause', 'callPause', 'clipTimeout'].forEach(function (k) {
			if (opts[k] != null && isFinite(opts[k]) && opts[k] >= 0) cfg[k] = Number(opts[k]);
		});
		if (cfg.preload) preloadLang(cfg.lang);
		return HallVoice;
	};

	// call queues "请 <number> 号到 <counter> 号窗口办理" (or the English), said
	// opts.repeat times (default from init, 2).  opts.lang overrides the language.
	HallVoice.call = function (number, counter, opts) {
		var c = callSteps(number, counter, opts);
		for (var i = 0; i < queue.length; i++) {
			var q = queue[i];
			if (q.kind === 'call' && q.number === String(number) && q.counter === String(counter) && q.lang === c.lang) {
				return HallVoice;
			}
		}
		enqueue({kind: 'call', number: String(number), counter: String(counter), lang: c.lang, steps: c.steps});
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
