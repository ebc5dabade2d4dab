package main

// Browser-test harness: the real program (Main, as `hallq serve --demo`)
// and Debian's headless Chromium driven by chromedp. Shared by every
// browser test; use it rather than starting servers or browsers yourself.
//
//	func TestSomething(t *testing.T) {
//		h := newTestHall(t)                       // Main on 127.0.0.1:0, temp data dir, demo accounts (bcrypt cost 4)
//		kiosk := h.Browser(t)                     // a tab with its own cookies (one per device/person)
//		desk := h.Browser(t)
//		h.run(t, kiosk, pairAs(h.Device("kiosk", 0)), waitText("[data-testid=kiosk-services]", "电费"))
//		h.run(t, desk, loginAs("clerk1", h.Password("clerk1"), 1), waitText("body", "叫号"))
//		h.Restart(t)                              // same address, same data dir: open pages reconnect by themselves
//		h.run(t, kiosk, screenshot(t, "docs/screenshots/kiosk.zh.png"))
//	}
//
// What it gives you:
//   - newTestHall(t): the server; h.URL, h.Dir, h.Demo (accounts and device
//     tokens), h.Main (Hall, Server). h.Device(kind, counter) is a demo device
//     token ("kiosk", "display", "counter"/N, "keypad"/N); h.Password(user) a
//     demo password (admin, manager, clerk1..clerk6 sitting at counters 1..6).
//     h.Stop / h.Start / h.Restart stop and start the program on the same
//     address and data dir (a server restart as pages see it).
//   - h.Browser(t[, w, h]): a new tab in the package's headless Chromium
//     (one process for every test of the run, started on first use, closed by
//     TestMain; lang zh-CN, 1440×900 unless sized), in a fresh browser
//     context, so every tab has its own cookie jar: pair one as the kiosk,
//     sign in another as a clerk. The tab's context ends with the test or
//     after browserTimeout. Uncaught JavaScript exceptions and CSP refusals
//     in any tab fail the test (set h.AllowJSErrors to accept them).
//   - Actions, composable with chromedp's own (chromedp.Click, …):
//     pairAs(token), loginAs(user, pass, counter), open(path) (relative to
//     the hall's URL), waitText(sel, text), waitGone(sel, text),
//     waitJS(expr, what), waitJSWithin(limit, expr, what),
//     setViewport(w, h), screenshot(t, path) (PNG of the viewport; relative
//     paths are taken from the repository root, directories made).
//   - h.run(t, ctx, actions...) runs actions and fails the test with the
//     page's URL and visible text when one fails; textOf(t, ctx, sel) reads
//     an element's text.
//
// Chromium must be installed (/usr/bin/chromium, with fonts-noto-cjk for the
// Chinese text): `make test` installs both. Without it the tests fail; they
// never skip.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"hallq/account"

	"hallq/web"
)

// browserTimeout bounds a tab (a hang guard for the actions without a
// limit of their own, such as a click waiting for its node); waitTimeout
// one wait. The tab's limit is a guard and never a measure: a busy machine
// with -race, with the package's browser tests side by side, took 256 s
// for a test that takes 50 s alone (a 3-minute guard failed it), so it
// stays well below go test's -timeout only, where a hang still fails with
// the tab's URL and text. One wait's limit is a guard too: 30 s failed the
// kiosk's pre-check (a classification over HTTP by a -race server) at a load
// average of 34, so it is 2 minutes.
const (
	browserTimeout = 10 * time.Minute
	waitTimeout    = 2 * time.Minute
)

// chromiumPath is Debian's Chromium, which `make test` installs.
const chromiumPath = "/usr/bin/chromium"

// testHall is the real program serving a demo hall for one test.
type testHall struct {
	URL  string
	Dir  string
	Demo account.Demo
	Main *Main

	// AllowJSErrors accepts uncaught exceptions and CSP refusals in pages.
	AllowJSErrors bool
	// TabTimeout bounds each tab of h.Browser (browserTimeout when zero), for
	// a test that keeps one tab through many pages.
	TabTimeout time.Duration
	// Web are the web options of the next Start. newTestHall sets the kiosk's
	// idle resets to an hour, so no step of a test races the kiosk's timer
	// on a slow machine; a test of the reset sets them short and restarts.
	Web web.Options

	addr string

	mu       sync.Mutex
	jsErrors []string
}

type hallCtxKey struct{}

// newTestHall starts Main (the code of `hallq serve --demo`) on a free
// loopback port with a temporary data dir and stops it when the test ends.
// The port is below the kernel's ephemeral range (freeAddr): a restart
// takes the same port again, and no client connection of a test running
// alongside can hold it as its own local port meanwhile.
func newTestHall(t testing.TB) *testHall {
	t.Helper()
	h := &testHall{Dir: t.TempDir(),
		Web: web.Options{KioskIdle: time.Hour, KioskTicketIdle: time.Hour}}
	h.Start(t)
	t.Cleanup(func() {
		h.mu.Lock()
		errs := h.jsErrors
		h.mu.Unlock()
		if len(errs) > 0 && !h.AllowJSErrors {
			t.Errorf("JavaScript errors in the pages:\n  %s", strings.Join(errs, "\n  "))
		}
		h.Stop(t)
	})
	return h
}

// Start runs the program (again) on the hall's address and data dir.
func (h *testHall) Start(t testing.TB) {
	t.Helper()
	if h.Main != nil {
		t.Fatal("testHall.Start: already running")
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	var err error
	// The port of a just-closed listener may take a moment to be free again;
	// a first start takes another free port instead.
	for deadline := time.Now().Add(5 * time.Second); ; {
		addr := h.addr
		if addr == "" {
			addr = freeAddr(t)
		}
		m := &Main{Addr: addr, DataDir: h.Dir, Demo: true, Stdout: io.Discard, Logger: logger,
			BcryptCost: 4, Web: h.Web}
		if err = m.Run(context.Background()); err == nil {
			h.Main = m
			break
		}
		m.Close()
		if time.Now().After(deadline) || !isAddrInUse(err) {
			t.Fatalf("start hallq: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	h.URL, h.Demo = h.Main.URL, h.Main.DemoAccounts
	h.addr = strings.TrimPrefix(h.URL, "http://")
}

func isAddrInUse(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) || strings.Contains(err.Error(), "address already in use")
}

// Stop stops the program (pages stay open and see the server gone).
func (h *testHall) Stop(t testing.TB) {
	t.Helper()
	if h.Main == nil {
		return
	}
	// The full store check on what the test left behind (cheap at a test's size).
	if _, err := h.Main.Hall.Store().Verify(); err != nil {
		t.Errorf("store check: %v", err)
	}
	if err := h.Main.Close(); err != nil {
		t.Errorf("stop hallq: %v", err)
	}
	h.Main = nil
}

// Restart stops and starts the program on the same address and data.
func (h *testHall) Restart(t testing.TB) {
	t.Helper()
	h.Stop(t)
	h.Start(t)
}

// Device is the token of a demo device: kind "kiosk", "display", "counter"
// or "keypad"; counter 0 for the kiosk and the display.
func (h *testHall) Device(kind string, counter int) string {
	for _, d := range h.Demo.Devices {
		if d.Kind == kind && d.Counter == counter {
			return d.Token
		}
	}
	panic(fmt.Sprintf("no demo device %s/%d", kind, counter))
}

// Password is the demo password of user.
func (h *testHall) Password(user string) string {
	for _, a := range h.Demo.Accounts {
		if a.User == user {
			return a.Password
		}
	}
	panic("no demo account " + user)
}

// Browser opens a new tab with its own cookies in the package's Chromium,
// sized 1440×900 or size[0]×size[1].
func (h *testHall) Browser(t testing.TB, size ...int) context.Context {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Fatalf("browser tests need Debian's Chromium at %s (and fonts-noto-cjk): run `make test`, which installs them (%v)", chromiumPath, err)
	}
	w, ht := 1440, 900
	if len(size) == 2 {
		w, ht = size[0], size[1]
	}
	browser, err := sharedChromium()
	if err != nil {
		t.Fatalf("start chromium (%s): %v — run `make test`, which installs it", chromiumPath, err)
	}

	tab, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	if err := chromedp.Do(tab); err != nil {
		t.Fatalf("open a chromium tab: %v", err)
	}
	go func() {
		for m, err := range chromedp.Console(tab) {
			if err != nil {
				return
			}
			switch {
			case m.IsException():
				h.jsError(fmt.Sprintf("%s (%s:%d)", m.Text, m.URL, m.Line+1))
			case m.Source == "security":
				h.jsError(m.Text)
			case testing.Verbose() && m.Type == chromedp.ConsoleError:
				t.Logf("console: %s", m.Text)
			}
		}
	}()
	// The tab's context (not the browser's) ends after browserTimeout.
	limit := browserTimeout
	if h.TabTimeout > 0 {
		limit = h.TabTimeout
	}
	tctx, tcancel := context.WithTimeout(tab, limit)
	t.Cleanup(tcancel)
	tctx = context.WithValue(tctx, hallCtxKey{}, h)
	if err := chromedp.Do(tctx, setViewport(w, ht)); err != nil {
		t.Fatalf("size a chromium tab: %v", err)
	}
	return tctx
}

// chromium is the package's one Chromium: starting one per test cost a
// second or more of a loaded machine each time, for no isolation that the
// tabs' own browser contexts (cookies, storage, cache) do not give.
var chromium struct {
	mu     sync.Mutex
	ctx    context.Context // the browser's first tab; its children are new tabs
	cancel func()
}

// sharedChromium is the package's Chromium, started on first use and again
// when it has gone (a crash fails the test that saw it, not every test after).
func sharedChromium() (context.Context, error) {
	chromium.mu.Lock()
	defer chromium.mu.Unlock()
	if chromium.ctx != nil && chromium.ctx.Err() == nil {
		return chromium.ctx, nil
	}
	if chromium.cancel != nil {
		chromium.cancel()
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath),
		chromedp.NoSandbox,
		chromedp.Headless,
		chromedp.DisableGPU,
		chromedp.WindowSize(1920, 1080),
		chromedp.Flag("lang", "zh-CN"),
		chromedp.Flag("accept-lang", "zh-CN,zh"),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("autoplay-policy", "no-user-gesture-required"),
		chromedp.Flag("mute-audio", true),
	)
	// No timeout on the browser's own context (chromedp.Run's rule); the
	// tabs get one.
	actx, acancel := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, bcancel := chromedp.NewContext(actx)
	if err := chromedp.Do(bctx); err != nil { // starts Chromium
		bcancel()
		acancel()
		chromium.ctx, chromium.cancel = nil, nil
		return nil, err
	}
	chromium.ctx, chromium.cancel = bctx, func() { bcancel(); acancel() }
	return bctx, nil
}

// closeChromium ends the package's Chromium (TestMain, after every test).
func closeChromium() {
	chromium.mu.Lock()
	defer chromium.mu.Unlock()
	if chromium.cancel != nil {
		chromium.cancel()
	}
	chromium.ctx, chromium.cancel = nil, nil
}

func (h *testHall) jsError(s string) {
	h.mu.Lock()
	h.jsErrors = append(h.jsErrors, s)
	h.mu.Unlock()
}

// hallOf is the hall a tab belongs to.
func hallOf(ctx context.Context) *testHall {
	h, _ := ctx.Value(hallCtxKey{}).(*testHall)
	if h == nil {
		panic("not a testHall tab: use h.Browser(t)")
	}
	return h
}

// action is a step in a tab (chromedp.Action[chromedp.Void]).
type action = chromedp.Action[chromedp.Void]

// run runs actions in a tab and fails the test when one fails, with where
// the tab was and what it showed.
func (h *testHall) run(t testing.TB, ctx context.Context, actions ...action) {
	t.Helper()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatalf("%v\n%s", err, describeTab(ctx))
	}
}

// eval evaluates a JavaScript expression in a tab.
func eval[T any](t testing.TB, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluate %s: %v\n%s", expr, err, describeTab(ctx))
	}
	return v
}

// describeTab is a tab's URL and the start of its visible text, for failures.
func describeTab(ctx context.Context) string {
	c, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	url, err := chromedp.Run(c, chromedp.Location())
	if err != nil {
		return "(tab unreadable: " + err.Error() + ")"
	}
	text, _ := chromedp.Run(c, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
	// Status lines first: they say why an action was refused.
	status, _ := chromedp.Run(c, chromedp.Evaluate[string](`[].map.call(document.querySelectorAll("[role=status]:not([hidden]), [role=alert]:not([hidden])"),
		function (e) { return e.textContent.replace(/\s+/g, " ").trim(); }).filter(Boolean).join(" | ")`))
	if status != "" {
		text = "[status: " + status + "] " + text
	}
	text = strings.Join(strings.Fields(text), " ")
	if r := []rune(text); len(r) > 600 {
		text = string(r[:600]) + "…"
	}
	return fmt.Sprintf("tab at %s shows: %s", url, text)
}

// open navigates to a path of the hall (or a full URL).
func open(path string) action {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		u := path
		if strings.HasPrefix(path, "/") {
			u = hallOf(ctx).URL + path
		}
		return chromedp.Navigate(u)(ctx, t)
	}
}

// pairAs pairs the tab as a device like the one of token, through a
// one-time pairing code (/pair/code/CODE: the token is never in a URL), and
// waits for the device's page.
func pairAs(token string) action {
	return chromedp.Steps(func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		code, err := hallOf(ctx).Main.Features.Account.PairingForDevice(ctx, token)
		if err != nil {
			return chromedp.Void{}, fmt.Errorf("pairing code: %w", err)
		}
		return open("/pair/code/"+code)(ctx, t)
	},
		waitJS(`document.readyState === "complete" && !location.pathname.startsWith("/pair/")`,
			"a device page after /pair/…"))
}

// loginAs signs the tab in through the login form (counter 0: none) and
// waits for the page after it (the desk). A refused sign-in fails with the
// form's message.
func loginAs(user, pass string, counter int) action {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		err := chromedp.Steps(
			open(fmt.Sprintf("/login?counter=%d", counter)),
			chromedp.WaitVisible(chromedp.ID("lg-user")),
			chromedp.SetValue(chromedp.ID("lg-user"), user),
			chromedp.SetValue(chromedp.ID("lg-password"), pass),
			chromedp.SetValue(chromedp.ID("lg-counter"), fmt.Sprint(counter)),
			chromedp.Click(chromedp.ID("lg-submit")),
			waitJS(`(function(){var e=document.getElementById("lg-error");
				if (e && !e.hidden && e.textContent) return true;
				return location.pathname !== "/login" && document.readyState === "complete";})()`,
				"the page after signing in"),
		)
		if _, err := err(ctx, t); err != nil {
			return chromedp.Void{}, err
		}
		msg, _ := chromedp.Evaluate[string](`(function(){var e=document.getElementById("lg-error");
			return e && !e.hidden && location.pathname === "/login" ? e.textContent : "";})()`)(ctx, t)
		if msg != "" {
			return chromedp.Void{}, fmt.Errorf("sign in as %s at counter %d refused: %s", user, counter, msg)
		}
		return chromedp.Void{}, nil
	}
}

// waitJS polls a JavaScript expression until it is true (waitTimeout).
func waitJS(expr, what string) action { return waitJSWithin(waitTimeout, expr, what) }

// waitJSWithin is waitJS with its own time limit, for what takes long by
// nature (a spoken announcement is 10–15 s).
func waitJSWithin(limit time.Duration, expr, what string) action {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		deadline := time.Now().Add(limit)
		for {
			ok, err := chromedp.Evaluate[bool](`!!(`+expr+`)`)(ctx, t)
			if err == nil && ok {
				return chromedp.Void{}, nil
			}
			if time.Now().After(deadline) {
				if err != nil {
					return chromedp.Void{}, fmt.Errorf("waiting for %s: %w", what, err)
				}
				return chromedp.Void{}, fmt.Errorf("waited %s for %s", limit, what)
			}
			select {
			case <-ctx.Done():
				return chromedp.Void{}, fmt.Errorf("waiting for %s: %w", what, ctx.Err())
			case <-time.After(50 * time.Millisecond):
			}
		}
	}
}

// jsString is s as a JavaScript string literal.
func jsString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20 || r == 0x2028 || r == 0x2029:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// textCond is JavaScript, true when a rendered element matching sel
// contains text (whitespace collapsed).
func textCond(sel, text string) string {
	return `Array.prototype.some.call(document.querySelectorAll(` + jsString(sel) + `), function (e) {
		return e.getClientRects().length > 0 && e.textContent.replace(/\s+/g, " ").indexOf(` + jsString(text) + `) >= 0; })`
}

// waitText waits until a rendered element matching the CSS selector sel
// contains text.
func waitText(sel, text string) action {
	return waitJS(textCond(sel, text), fmt.Sprintf("%q in %s", text, sel))
}

// waitGone waits until no rendered element matching sel contains text.
func waitGone(sel, text string) action {
	return waitJS(`!(`+textCond(sel, text)+`)`, fmt.Sprintf("%q gone from %s", text, sel))
}

// textOf is the text of the first element matching sel, whitespace
// collapsed ("" if there is none).
func textOf(t testing.TB, ctx context.Context, sel string) string {
	t.Helper()
	return eval[string](t, ctx, `(function(){var e=document.querySelector(`+jsString(sel)+`);
		return e ? e.textContent.replace(/\s+/g, " ").trim() : "";})()`)
}

// setViewport sizes the tab's page (CSS pixels, scale 1).
func setViewport(w, h int) action {
	return chromedp.EmulateViewport(int64(w), int64(h))
}

// screenshot saves the tab's viewport as a PNG. Relative paths are from the
// repository root (tests run in cmd/hallq).
func screenshot(t testing.TB, path string) action {
	return func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		if !filepath.IsAbs(path) {
			path = filepath.Join("..", "..", path)
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return chromedp.Void{}, err
		}
		// Web fonts and late layout settle before the picture.
		if _, err := chromedp.Evaluate[bool](`document.fonts.ready.then(function () { return true; })`,
			chromedp.EvalAwaitPromise)(ctx, tg); err != nil {
			return chromedp.Void{}, err
		}
		buf, err := chromedp.CaptureScreenshot()(ctx, tg)
		if err != nil {
			return chromedp.Void{}, err
		}
		t.Logf("screenshot %s (%d KB)", path, len(buf)/1024)
		return chromedp.Void{}, os.WriteFile(path, buf, 0o644)
	}
}

// shotPath is where a test's screenshot name goes: docs/screenshots with
// -screenshots, else a temporary directory (a plain test run never changes
// the committed pictures).
func shotPath(t testing.TB, name string) string {
	if *updateScreenshots {
		return filepath.Join("docs/screenshots", name)
	}
	return filepath.Join(t.TempDir(), name)
}
