package main

import (
	"encoding/json"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"testing"

	"hallq/assets"
	"hallq/hall"
)

// voiceDurations are the clips' lengths in ms from assets/voice/manifest.json,
// by clip name ("chime", "zh/qing", …).
func voiceDurations(t *testing.T) map[string]int {
	t.Helper()
	b, err := os.ReadFile("../../assets/voice/manifest.json")
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Chime struct{ MS int } `json:"chime"`
		Langs map[string]struct {
			Clips map[string]struct{ MS int } `json:"clips"`
		} `json:"langs"`
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	out := map[string]int{"chime": m.Chime.MS}
	for lang, l := range m.Langs {
		for name, c := range l.Clips {
			out[lang+"/"+name] = c.MS
		}
	}
	return out
}

type voiceLog struct {
	Ev     string  `json:"ev"`
	T      float64 `json:"t"`
	Number string  `json:"number"`
	Form   string  `json:"form"`
	Waited float64 `json:"waited"`
	Why    string  `json:"why"`
	Clips  string  `json:"clips"`
}

// TestBrowserVoiceBacklog runs the display's HallVoice on a simulated clock
// with the real clips' durations (no audio, no waiting): a lone call is said
// twice after the chime; six counters calling at once are each said once,
// in the short form (A 零二 三，一号窗口), only the first with a chime, and
// the sixth customer's number starts within 15 s of the six calls; a recall
// is worded 号请到 … 再次呼叫; a waiting call is dropped when its counter
// calls the next number; on a zh+en display the English of a call does not
// cut its Mandarin repeat.
func TestBrowserVoiceBacklog(t *testing.T) {
	t.Parallel()
	h := newTestHall(t)
	durations, _ := json.Marshal(voiceDurations(t))
	tab := h.Browser(t, 1280, 720)
	h.run(t, tab, pairAs(h.Device(hall.KindDisplay, 0)), waitJS(`window.HallVoice`, "the voice"))
	raw := eval[string](t, tab, `JSON.stringify((function(){
		var ms = `+string(durations)+`, t = 0, timers = [], log = [];
		function later(fn, d) { timers.push({t: t + d, fn: fn}); }
		function run() { while (timers.length) { timers.sort(function (a, b) { return a.t - b.t; }); var x = timers.shift(); t = x.t; x.fn(); } }
		HallVoice.clear();
		HallVoice.init({lang: "zh", repeat: 2, muted: true, preload: false, now: function () { return t; }, setTimeout: later,
			player: function (name, rate, done) { if (!(name in ms)) throw new Error("no clip " + name); log.push({ev: "clip", t: t, clips: name}); later(done, ms[name] / rate); }});
		HallVoice.onplay = function (i) { log.push({ev: "play", t: t, number: i.number + (i.lang === "en" ? " en" : ""), form: i.form, waited: i.waited, clips: i.clips.join(" ")}); };
		HallVoice.ondrop = function (i) { log.push({ev: "drop", t: t, number: i.number, why: i.why, waited: i.waited}); };
		HallVoice.onidle = function () { log.push({ev: "idle", t: t}); };
		HallVoice.call("A001", 1); run();
		t += 60000;
		log.push({ev: "burst", t: t});
		["A023", "B007", "C002", "D004", "E005", "F006"].forEach(function (n, i) { HallVoice.call(n, i + 1); });
		run();
		t += 60000;
		log.push({ev: "burst2", t: t});
		["A111", "B112", "C113", "D114", "E115", "F116"].forEach(function (n, i) { HallVoice.call(n, i + 11); });
		run();
		t += 60000;
		HallVoice.call("A023", 1, {recall: true}); run();
		t += 60000;
		HallVoice.call("A030", 1); HallVoice.call("B010", 2); HallVoice.call("B011", 2); run();
		t += 60000;
		HallVoice.call("A040", 1); HallVoice.call("A040", 1, {lang: "en", repeat: 1}); run();
		return log;})())`)
	var log []voiceLog
	if err := json.Unmarshal([]byte(raw), &log); err != nil {
		t.Fatal(err)
	}
	plays := map[string]voiceLog{}
	drops := map[string]voiceLog{}
	played := map[string][]string{} // the clips really played, by call
	heard := map[string]float64{}   // when a call's first word (not the chime) started
	var playing string
	var burst, burst2 float64
	for _, l := range log {
		switch l.Ev {
		case "burst":
			burst = l.T
		case "burst2":
			burst2 = l.T
		case "clip":
			played[playing] = append(played[playing], l.Clips)
			if _, ok := heard[playing]; !ok && l.Clips != "chime" {
				heard[playing] = l.T
			}
			continue
		case "play":
			if _, dup := plays[l.Number]; dup && l.Number != "A023" {
				t.Errorf("%s said twice", l.Number)
			}
			if l.Number == "A023" && l.Form == "recall" {
				plays["A023 recall"] = l
				playing = "A023 recall"
				continue
			}
			plays[l.Number] = l
			playing = l.Number
		case "drop":
			drops[l.Number] = l
		}
		t.Logf("%+v", l)
	}
	// A lone call: chime, the full sentence twice.
	if p := plays["A001"]; p.Form != "full" || !strings.HasPrefix(p.Clips, "chime zh/qing") || strings.Count(p.Clips, "zh/qing") != 2 {
		t.Errorf("a lone call: %+v, want the full form twice after the chime", p)
	}
	// Six at once: every one heard (none dropped for being late), the
	// sixth customer's number starting within 15 s of the calls; the first
	// said short after its chime (the others arrived while it rang), the
	// next four short too, none but the first with a chime.
	if got, want := strings.Join(played["A023"], " "), "chime zh/A zh/p02 zh/3 zh/w1"; got != want {
		t.Errorf("the first of six simultaneous calls played %q, want %q", got, want)
	}
	for i, n := range []string{"A023", "B007", "C002", "D004", "E005", "F006"} {
		p, ok := plays[n]
		if !ok {
			t.Errorf("%s was not said (dropped: %+v)", n, drops[n])
			continue
		}
		if at, ok := heard[n]; !ok || at-burst > 15000 {
			t.Errorf("%s (the %d. of six calls at once) heard %.2f s after the call, want ≤ 15 s", n, i+1, (at-burst)/1000)
		}
		// The last of them has nothing behind it: said in full, repeated.
		if n != "A023" && n != "F006" && (p.Form != "short" || strings.HasPrefix(p.Clips, "chime")) {
			t.Errorf("%s in a backlog: %+v, want the short form without chime", n, p)
		}
		if n == "F006" && strings.HasPrefix(p.Clips, "chime") {
			t.Errorf("%s right after a backlog: %+v, want no chime", n, p)
		}
	}
	var at1, at2 []string
	for i, n := range []string{"A023", "B007", "C002", "D004", "E005", "F006"} {
		at1 = append(at1, strconv.FormatFloat((heard[n]-burst)/1000, 'f', 2, 64))
		m := []string{"A111", "B112", "C113", "D114", "E115", "F116"}[i]
		at2 = append(at2, strconv.FormatFloat((heard[m]-burst2)/1000, 'f', 2, 64))
	}
	// Counters 11-16 (longer names, 十二号窗口) are only logged: the bar is
	// set for the six counters of a typical hall.
	t.Logf("six calls at once, each number heard after (s): counters 1-6: %s; counters 11-16: %s",
		strings.Join(at1, ", "), strings.Join(at2, ", "))
	if b := plays["B007"]; b.Waited > 7500 {
		t.Errorf("the second call waited %.1f s: the first was repeated although calls waited", b.Waited/1000)
	}
	// A recall is worded differently.
	if r := plays["A023 recall"]; !strings.Contains(r.Clips, "zh/A zh/p02 zh/h3 zh/qing zh/c1 zh/zaici_hujiao") {
		t.Errorf("recall: %+v, want A 零二 三号，请 到一号窗口，再次呼叫", r)
	}
	// Counter 2 called B011 before B010 was said: B010 is dropped.
	if d := drops["B010"]; d.Why != "superseded" {
		t.Errorf("B010: %+v, want dropped as superseded", d)
	}
	if _, ok := plays["B011"]; !ok {
		t.Error("B011 not said")
	}
	// A zh+en display: the English of the same call does not cut the
	// Mandarin's repeat short.
	zh, en := plays["A040"], plays["A040 en"]
	if strings.Count(zh.Clips, "zh/qing") != 2 || en.Form != "full" || en.T-zh.T < 10000 {
		t.Errorf("zh+en: %+v then %+v, want the Mandarin twice, then the English", zh, en)
	}
}

// TestBrowserVoiceClips asks the display's HallVoice which clips it would
// play for every ticket prefix, every digit pair and last digit, counters
// 1–120 and a named counter, in each form and language, and checks that each
// one is an embedded clip listed in the manifest (assets' TestVoiceClips
// checks that those decode and last what the manifest says); and that a
// Mandarin call in full, said once, takes at most 5 s for counters 1–9 and
// 5.6 s for two-digit counters (到三十三号窗口), so that a burst of calls is
// heard quickly.
func TestBrowserVoiceClips(t *testing.T) {
	t.Parallel()
	h := newTestHall(t)
	ms := voiceDurations(t)
	tab := h.Browser(t, 1280, 720)
	h.run(t, tab, pairAs(h.Device(hall.KindDisplay, 0)), waitJS(`window.HallVoice`, "the voice"))
	type plan struct {
		Clips  []string `json:"clips"`
		Pauses int      `json:"pauses"`
		Form   string   `json:"form"`
		Lang   string   `json:"lang"`
		Number string   `json:"number"`
	}
	raw := eval[string](t, tab, `JSON.stringify((function(){
		var out = [], numbers = [], counters = [];
		for (var l = 0; l < 26; l++) numbers.push(String.fromCharCode(65 + l) + "0" + (l % 10) + (l % 7));
		for (var n = 0; n < 1000; n += 1) numbers.push("A" + ("00" + n).slice(-3));
		numbers.push("B7", "C1234", "12", "AB01", "A02B", "");
		for (var c = 1; c <= 120; c++) counters.push(c);
		counters.push("VIP", "0", "007");
		[["zh", {}], ["zh", {short: true}], ["zh", {recall: true}], ["en", {}], ["en", {short: true}], ["en", {recall: true}]].forEach(function (f) {
			var opts = {lang: f[0], repeat: 1, chime: false, short: f[1].short, recall: f[1].recall};
			var form = f[1].short ? "short" : f[1].recall ? "recall" : "full";
			numbers.forEach(function (num, i) {
				var c = counters[i % counters.length];
				out.push({clips: HallVoice.plan(num, c, opts), form: form, lang: f[0], number: num + "@" + c});
			});
			counters.forEach(function (c) {
				out.push({clips: HallVoice.plan("A023", c, opts), form: form, lang: f[0], number: "A023@" + c});
			});
		});
		return out;})())`)
	var plans []plan
	if err := json.Unmarshal([]byte(raw), &plans); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	longest, longestCall := map[bool]int{}, map[bool]string{}
	for _, p := range plans {
		total := 0
		for _, c := range p.Clips {
			if !seen[c] {
				seen[c] = true
				if _, err := fs.Stat(assets.FS, "voice/"+c+".opus"); err != nil {
					t.Errorf("%s (%s, %s %s) is not an embedded clip: %v", c, p.Number, p.Lang, p.Form, err)
				}
				if _, ok := ms[c]; !ok {
					t.Errorf("%s (%s) is not in the manifest", c, p.Number)
				}
			}
			total += ms[c]
		}
		if len(p.Clips) == 0 {
			t.Errorf("%s %s %s: no clips", p.Number, p.Lang, p.Form)
		}
		var num, ctr string
		if i := strings.LastIndex(p.Number, "@"); i >= 0 {
			num, ctr = p.Number[:i], p.Number[i+1:]
		}
		if n, err := strconv.Atoi(ctr); err == nil && n >= 1 && n <= 99 && len(num) == 4 && p.Lang == "zh" && p.Form == "full" {
			if total > longest[n < 10] {
				longest[n < 10], longestCall[n < 10] = total, p.Number
			}
		}
	}
	// The phrase pause (the comma after 号) comes on top of the clips.
	for oneDigit, limit := range map[bool]int{true: 5000, false: 5600} {
		if d := longest[oneDigit] + 120; d > limit {
			t.Errorf("the longest full Mandarin call (%s) takes %d ms, want ≤ %d", longestCall[oneDigit], d, limit)
		}
	}
	t.Logf("%d plans, %d distinct clips; longest full call %s: %d ms (counters 1-9: %s, %d ms)", len(plans), len(seen),
		longestCall[false], longest[false]+120, longestCall[true], longest[true]+120)
}
