package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"hallq/account"
	"hallq/casework"
	"hallq/hall"
)

// axeEnv names the axe-core script (axe.min.js) the accessibility test
// injects. `make test` installs axe-core from npm into a cache directory
// outside the repository (make axe) and sets it.
const axeEnv = "HALLQ_AXE"

// a11yState is one page state the accessibility test audits: a tab (one per
// device or person, reused), the viewport, the path (?lang= is added), the
// steps that reach the state, and the smallest text it may show (13 px on
// staff pages, 16 px on customer pages). Phone pages also check that every
// target is at least 44×44 px.
type a11yState struct {
	name  string
	tab   string
	w, h  int
	path  string
	steps func(lang string) []action
	min   float64
	phone bool
}

// a11yReport is what the audit script returns for one state.
type a11yReport struct {
	Violations []struct {
		ID     string   `json:"id"`
		Impact string   `json:"impact"`
		Nodes  int      `json:"nodes"`
		Sample []string `json:"sample"`
	} `json:"violations"`
	Review int      `json:"review"` // colour contrast axe could not judge
	Small  []string `json:"small"`
	Tiny   []string `json:"tiny"`
}

// a11yScript runs axe-core (WCAG 2.0/2.1 A and AA rules) on the page and
// measures its text sizes and touch targets; %v is the minimum text size,
// %v whether targets must be 44×44.
const a11yScript = `(async function (minFont, phone) {
	await document.fonts.ready;
	var r = await axe.run(document, {
		runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
		resultTypes: ["violations", "incomplete"], performanceTimer: false
	});
	var out = { violations: [], review: 0, small: [], tiny: [] };
	r.violations.forEach(function (v) {
		if (v.impact !== "critical" && v.impact !== "serious") return;
		out.violations.push({ id: v.id, impact: v.impact, nodes: v.nodes.length,
			sample: v.nodes.slice(0, 4).map(function (n) {
				var why = (n.failureSummary || "").split("\n").slice(1).join(" ").trim();
				return n.target.join(" ") + (why ? " — " + why.slice(0, 160) : "");
			}) });
	});
	r.incomplete.forEach(function (v) { if (v.id === "color-contrast") out.review += v.nodes.length; });
	function shown(e) {
		if (!e.getClientRects().length) return false;
		var s = getComputedStyle(e);
		return s.visibility !== "hidden" && s.display !== "none";
	}
	function name(e) {
		var n = e.tagName.toLowerCase();
		if (e.id) return n + "#" + e.id;
		var c = (typeof e.className === "string" ? e.className : (e.getAttribute("class") || "")).trim().split(/\s+/)[0];
		return n + (c ? "." + c : "");
	}
	var walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
	var seen = new Set();
	for (var t = walker.nextNode(); t; t = walker.nextNode()) {
		var e = t.parentElement;
		if (!e || seen.has(e) || !t.textContent.trim()) continue;
		seen.add(e);
		if (e.closest("option, script, style, noscript, title") || !shown(e)) continue;
		var fs = parseFloat(getComputedStyle(e).fontSize);
		if (fs < minFont) out.small.push(name(e) + " " + fs + "px “" + t.textContent.trim().slice(0, 20) + "”");
	}
	if (phone) {
		document.querySelectorAll("a[href], button, input:not([type=hidden]), select, textarea, [role=button], [tabindex]:not([tabindex='-1'])").forEach(function (e) {
			if (!shown(e) || e.disabled) return;
			var b = e.getBoundingClientRect();
			if (b.width < 44 || b.height < 44) out.tiny.push(name(e) + " " + Math.round(b.width) + "×" + Math.round(b.height));
		});
	}
	return JSON.stringify(out);
})(%v, %v)`

// TestAccessibility audits every page state of the hall — the kiosk, the
// keypad at both upright and landscape sizes, the display, the counter
// screen, the desk with a called ticket, login, the manager's tabs, reports,
// call-backs, the case pages and the customer's phone pages — at each
// device's size, in Chinese and English, with axe-core's WCAG 2.1 A and AA
// rules in the browser tests' Chromium. It fails on any critical or serious
// violation, on staff text under 13 px or customer text under 16 px, on a
// phone target under 44×44 px, and on an active-looking desk button that
// cannot act. The states run in groups side by side (their own tabs on the
// one hall). Without HALLQ_AXE (plain go test) it skips; `make test` sets
// it, and a missing file fails.
func TestAccessibility(t *testing.T) {
	// Not t.Parallel: the longest browser test runs first, its groups side by
	// side, and not as the tail after every other test (where go test may
	// resume it).
	path := os.Getenv(axeEnv)
	if path == "" {
		t.Skipf("%s is not set: run `make test` (or `make axe` and set %s to axe.min.js) for the accessibility audit", axeEnv, axeEnv)
	}
	axeJS, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("the accessibility test needs axe-core at %s=%s (make axe installs it): %v", axeEnv, path, err)
	}
	// axe once per page, in the same round trip as the audit.
	inject := "if (typeof axe === \"undefined\") {\n" + string(axeJS) + "\n}\n"
	start := time.Now()
	h := newTestHall(t)
	h.TabTimeout = 12 * time.Minute // a tab serves many states (the run itself is bounded by go test's -timeout)
	stageHall(t, h)
	ctx := context.Background()
	hl := h.Main.Hall
	mgrP := hall.Principal{Kind: "user", Name: "manager", Role: hall.RoleManager, Display: "周主任"}
	wo, err := h.Main.Features.Casework.OpenWorkOrder(ctx, mgrP, casework.OpenWorkOrder{Item: "voltage_quality", Phone: "13812345678", Customer: "张先生", Summary: "晚上灯光发暗"})
	if err != nil {
		t.Fatal(err)
	}
	kioskP, err := h.Main.Features.Account.AuthenticateDevice(ctx, h.Device(hall.KindKiosk, 0))
	if err != nil {
		t.Fatal(err)
	}
	tracked, err := hl.Issue(ctx, kioskP, hall.IssueRequest{Service: "A", Phone: "13912345678"})
	if err != nil {
		t.Fatal(err)
	}
	// The keypad of counter 5 rates clerk5's services.
	_, clerk5, err := h.Main.Features.Account.SignIn(ctx, account.SignIn{Name: "clerk5", Password: h.Password("clerk5"), Counter: 5})
	if err != nil {
		t.Fatal(err)
	}
	finish5 := func(lang string) []action {
		return []action{func(ctx context.Context, _ *chromedp.Target) (chromedp.Void, error) {
			if lang != "zh" {
				return chromedp.Void{}, nil // once, before the first language
			}
			for _, a := range []string{"call", "start", "finish"} {
				if _, err := hl.Operate(ctx, clerk5, 5, hall.CounterOp{Action: a}); err != nil {
					return chromedp.Void{}, fmt.Errorf("counter 5 %s: %w", a, err)
				}
			}
			return chromedp.Void{}, nil
		}}
	}
	screen := func(s string) action {
		return waitJS(`document.querySelector("[data-testid=keypad]").dataset.screen === "`+s+`"`, "the keypad's "+s+" screen")
	}
	kioskStart := func(lang string) []action {
		return []action{waitJS(`document.querySelector("[data-testid=kiosk-start]") && document.querySelector("[data-testid=kiosk-service-A]")`, "the kiosk's services")}
	}
	none := func(string) []action { return nil }
	states := []a11yState{
		{name: "kiosk start", tab: "kiosk", w: 1080, h: 1920, path: "/kiosk", min: 16, steps: kioskStart},
		{name: "kiosk phone entry", tab: "kiosk", w: 1080, h: 1920, path: "/kiosk", min: 16, steps: func(lang string) []action {
			return append(kioskStart(lang), chromedp.Click(chromedp.CSS("[data-testid=kiosk-service-A]")),
				waitJS(`document.querySelector("[data-testid=kiosk-entry]") && document.querySelector("[data-testid=kiosk-entry]").getClientRects().length`, "the phone entry"))
		}},
		{name: "kiosk ticket", tab: "kiosk", w: 1080, h: 1920, path: "/kiosk", min: 16, steps: func(lang string) []action {
			return append(kioskStart(lang), chromedp.Click(chromedp.CSS("[data-testid=kiosk-service-A]")),
				waitJS(`document.querySelector("[data-testid=kiosk-issue]").getClientRects().length`, "the issue button"),
				chromedp.Click(chromedp.CSS("[data-testid=kiosk-issue]")),
				waitJS(`document.querySelector("[data-testid=kiosk-ticket-number]") && document.querySelector("[data-testid=kiosk-ticket-number]").textContent.trim()`, "the ticket"))
		}},
		{name: "kiosk pre-check", tab: "kiosk", w: 1080, h: 1920, path: "/kiosk", min: 16, steps: func(lang string) []action {
			return append(kioskStart(lang), chromedp.Click(chromedp.CSS("[data-testid=kiosk-precheck-open]")),
				waitJS(`document.querySelector("[data-testid=kiosk-precheck-items] button")`, "the pre-check's items"))
		}},
		{name: "kiosk large print", tab: "kiosk", w: 1080, h: 1920, path: "/kiosk", min: 16, steps: func(lang string) []action {
			return append(kioskStart(lang), chromedp.Click(chromedp.CSS("[data-testid=kiosk-large]")),
				waitJS(`document.body.classList.contains("large")`, "large print"))
		}},
		{name: "keypad idle 800x1280", tab: "keypad", w: 800, h: 1280, path: "/keypad", min: 16, steps: func(string) []action { return []action{screen("idle")} }},
		{name: "keypad idle 1280x800", tab: "keypad", w: 1280, h: 800, path: "/keypad", min: 16, steps: func(string) []action { return []action{screen("idle")} }},
		{name: "keypad rating 800x1280", tab: "keypad", w: 800, h: 1280, path: "/keypad", min: 16, steps: func(lang string) []action {
			return append(finish5(lang), open("/keypad?lang="+lang), screen("rate"))
		}},
		{name: "keypad reason 800x1280", tab: "keypad", w: 800, h: 1280, path: "/keypad", min: 16, steps: func(string) []action {
			return []action{screen("rate"), chromedp.KeyEvent("4"), chromedp.KeyEvent("\r"), screen("reason")}
		}},
		{name: "keypad rating 1280x800", tab: "keypad", w: 1280, h: 800, path: "/keypad", min: 16, steps: func(string) []action { return []action{screen("rate")} }},
		{name: "keypad reason 1280x800", tab: "keypad", w: 1280, h: 800, path: "/keypad", min: 16, steps: func(string) []action {
			return []action{screen("rate"), chromedp.KeyEvent("4"), chromedp.KeyEvent("\r"), screen("reason")}
		}},
		{name: "display", tab: "display", w: 1920, h: 1080, path: "/display", min: 16, steps: func(string) []action {
			return []action{waitJS(`document.querySelector("[data-testid=display-number]") && document.querySelector("[data-testid=display-number]").textContent.trim()`, "a call on the display")}
		}},
		{name: "counter screen", tab: "counter", w: 1280, h: 400, path: "/counter", min: 16, steps: func(string) []action {
			return []action{waitText("[data-testid=counter-clerk]", "GD")}
		}},
		{name: "desk with a called ticket", tab: "desk", w: 1440, h: 900, path: "/desk", min: 13, steps: func(string) []action {
			return []action{waitJS(`document.querySelector("[data-testid=desk-current-number]").textContent.trim() && document.querySelector("[data-testid=desk-case-item] option")`, "the called ticket")}
		}},
		{name: "login", tab: "anon", w: 1440, h: 900, path: "/login", min: 13, steps: none},
		{name: "manager monitor", tab: "manager", w: 1440, h: 900, path: "/manager", min: 13, steps: mgrReady},
		{name: "manager services", tab: "manager", w: 1440, h: 900, path: "/manager/services", min: 13, steps: mgrReady},
		{name: "manager hall", tab: "manager", w: 1440, h: 900, path: "/manager/hall", min: 13, steps: mgrReady},
		{name: "manager appointments", tab: "manager", w: 1440, h: 900, path: "/manager/appointments", min: 13, steps: mgrReady},
		{name: "manager staff", tab: "manager", w: 1440, h: 900, path: "/manager/staff", min: 13, steps: mgrReady},
		{name: "manager devices", tab: "manager", w: 1440, h: 900, path: "/manager/devices", min: 13, steps: mgrReady},
		{name: "manager audit", tab: "manager", w: 1440, h: 900, path: "/manager/audit", min: 13, steps: mgrReady},
		{name: "reports", tab: "manager", w: 1440, h: 900, path: "/reports", min: 13, steps: func(string) []action {
			return []action{waitJS(`document.body.dataset.chartsReady === "1"`, "the charts")}
		}},
		{name: "call-backs", tab: "manager", w: 1440, h: 900, path: "/callbacks", min: 13, steps: mgrReady},
		{name: "work orders", tab: "manager", w: 1440, h: 900, path: "/cases/workorders", min: 13, steps: func(string) []action {
			return []action{waitText("[data-testid=wo-list]", wo.ID)}
		}},
		{name: "work order", tab: "manager", w: 1440, h: 900, path: "/cases/workorders/" + wo.ID, min: 13, steps: func(string) []action {
			return []action{waitText("[data-testid=wo-detail]", "13812345678")}
		}},
		{name: "approvals", tab: "manager", w: 1440, h: 900, path: "/cases/approvals", min: 13, steps: mgrReady},
		{name: "catalog", tab: "manager", w: 1440, h: 900, path: "/cases/catalog", min: 13, steps: func(string) []action {
			return []action{waitJS(`document.querySelector("[data-testid=cat-item-queue_jump]")`, "the catalog"),
				chromedp.Click(chromedp.CSS("[data-testid=cat-item-queue_jump]")),
				waitJS(`document.querySelector("[data-testid=cat-script]").value.length > 0`, "an item in the form")}
		}},
		{name: "book", tab: "phone", w: 390, h: 844, path: "/book", min: 16, phone: true, steps: func(string) []action {
			return []action{waitJS(`document.querySelector("[data-testid=book-service-A]")`, "the services")}
		}},
		{name: "track ticket", tab: "phone", w: 390, h: 844, path: "/t/" + tracked.Tracking, min: 16, phone: true, steps: func(string) []action {
			return []action{waitJS(`document.body.dataset.live === "live"`, "the live page")}
		}},
	}

	// The states run in groups side by side, each group in its own tabs (one
	// per device or person, reused within the group, in order): the
	// keypad's states follow one another, the others only need their tab.
	// The manager's many pages are split over two signed-in tabs.
	group := func(s a11yState) string {
		switch s.tab {
		case "kiosk", "keypad", "phone":
			return s.tab
		case "manager":
			if strings.HasPrefix(s.path, "/cases") || strings.HasPrefix(s.path, "/callbacks") || strings.HasPrefix(s.path, "/reports") {
				return "manager cases and reports"
			}
			return "manager"
		}
		return "display, counter, desk and login"
	}
	var groups []string
	byGroup := map[string][]a11yState{}
	for _, s := range states {
		g := group(s)
		if _, ok := byGroup[g]; !ok {
			groups = append(groups, g)
		}
		byGroup[g] = append(byGroup[g], s)
	}

	var mu sync.Mutex // the figures below, from every group
	var critical, serious, failing int
	var auditTime time.Duration
	perRule := map[string]int{}
	audit := func(t *testing.T, states []a11yState) {
		tabs := map[string]context.Context{}
		tabOf := func(name string) context.Context {
			if tab, ok := tabs[name]; ok {
				return tab
			}
			tab := h.Browser(t)
			switch name {
			case "kiosk":
				h.run(t, tab, pairAs(h.Device(hall.KindKiosk, 0)))
			case "keypad":
				h.run(t, tab, pairAs(h.Device(hall.KindKeypad, 5)))
			case "display":
				h.run(t, tab, pairAs(h.Device(hall.KindDisplay, 0)))
			case "counter":
				h.run(t, tab, pairAs(h.Device(hall.KindCounter, 4)))
			case "desk": // counter 4 has a called ticket (stageHall)
				h.run(t, tab, loginAs("clerk4", h.Password("clerk4"), 4))
			case "manager":
				h.run(t, tab, loginAs("manager", h.Password("manager"), 0))
			}
			tabs[name] = tab
			return tab
		}
		for _, s := range states {
			for _, lang := range []string{"zh", "en"} {
				name := s.name + " (" + lang + ")"
				tab := tabOf(s.tab)
				sep := "?"
				if strings.Contains(s.path, "?") {
					sep = "&"
				}
				steps := []action{setViewport(s.w, s.h), open(s.path + sep + "lang=" + lang)}
				steps = append(steps, s.steps(lang)...)
				steps = append(steps, waitJS(`document.documentElement.lang === `+jsString(map[string]string{"zh": "zh-CN", "en": "en"}[lang]), "the page in "+lang))
				h.run(t, tab, steps...)
				if s.name == "desk with a called ticket" {
					// State is never carried by opacity alone: what cannot act
					// while a ticket is called is disabled.
					for _, a := range []string{"call", "pause"} {
						if !eval[bool](t, tab, `document.querySelector("[data-testid=desk-`+a+`]").disabled`) {
							t.Errorf("%s: the %s button cannot act while a ticket is called, yet is not disabled", name, a)
						}
					}
				}
				if dir := os.Getenv("HALLQ_A11Y_SHOTS"); dir != "" { // pictures of every state, to look at
					h.run(t, tab, screenshot(t, filepath.Join(dir, strings.NewReplacer(" ", "-", "/", "-").Replace(s.name)+"."+lang+".png")))
				}
				reached := time.Now()
				out, err := chromedp.Run(tab, chromedp.Evaluate[string](inject+fmt.Sprintf(a11yScript, s.min, s.phone), chromedp.EvalAwaitPromise))
				if err != nil {
					t.Fatalf("%s: axe: %v\n%s", name, err, describeTab(tab))
				}
				took := time.Since(reached)
				var r a11yReport
				if err := json.Unmarshal([]byte(out), &r); err != nil {
					t.Fatalf("%s: axe's report: %v", name, err)
				}
				mu.Lock()
				auditTime += took
				for _, v := range r.Violations {
					switch v.Impact {
					case "critical":
						critical++
					case "serious":
						serious++
					}
					perRule[v.ID+" ("+v.Impact+")"] += v.Nodes
					t.Errorf("%s: %s %s on %d elements: %s", name, v.Impact, v.ID, v.Nodes, strings.Join(v.Sample, "; "))
				}
				if len(r.Violations) > 0 || len(r.Small) > 0 || len(r.Tiny) > 0 {
					failing++
				}
				mu.Unlock()
				if len(r.Small) > 0 {
					t.Errorf("%s: %d texts under %v px: %s", name, len(r.Small), s.min, strings.Join(first(r.Small, 6), "; "))
				}
				if len(r.Tiny) > 0 {
					t.Errorf("%s: %d targets under 44×44 px: %s", name, len(r.Tiny), strings.Join(first(r.Tiny, 6), "; "))
				}
				if r.Review > 0 {
					t.Logf("%s: %d elements' contrast axe could not judge", name, r.Review)
				}
			}
		}
	}
	// The groups run in parallel subtests; the summary waits for them all.
	t.Run("groups", func(t *testing.T) {
		for _, g := range groups {
			t.Run(g, func(t *testing.T) {
				t.Parallel()
				audit(t, byGroup[g])
			})
		}
	})
	rules := make([]string, 0, len(perRule))
	for id, n := range perRule {
		rules = append(rules, fmt.Sprintf("%s: %d elements", id, n))
	}
	sort.Strings(rules)
	t.Logf("axe and the measures took %s of the run", auditTime.Round(100*time.Millisecond))
	t.Logf("%d states in %s: %d failing; %d critical and %d serious rule violations; %s",
		2*len(states), time.Since(start).Round(100*time.Millisecond), failing, critical, serious, strings.Join(rules, ", "))
}

// mgrReady waits for a staff page's main content.
func mgrReady(string) []action {
	return []action{waitJS(`document.readyState === "complete"`, "the page")}
}

func first(s []string, n int) []string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
