package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"hallq/account"
	"hallq/internal/halltest"

	"hallq/hall"
	"hallq/hall/config"
	"hallq/hall/store"
	"hallq/queue"
)

var cmdQuiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// run runs one hallq command line with stdin and returns its output.
func cmdRun(t *testing.T, stdin string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errb bytes.Buffer
	err = Dispatch(context.Background(), args, strings.NewReader(stdin), &out, &errb)
	return out.String(), errb.String(), err
}

// openData opens the hall in dir (no server may be running on it) and closes
// it when fn returns.
func cmdOpenData(t *testing.T, dir string, fn func(h *hall.Hall)) {
	t.Helper()
	h, err := hall.Open(hall.Options{Dir: dir, Logger: cmdQuiet})
	if err != nil {
		t.Fatalf("open %s: %v", dir, err)
	}
	defer func() {
		if _, err := h.Store().Verify(); err != nil {
			t.Errorf("store check: %v", err)
		}
		if err := h.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	}()
	fn(h)
}

func cmdUsers(t *testing.T, h *hall.Hall) []string {
	t.Helper()
	us, err := h.Store().Users()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, u := range us {
		names = append(names, u.Name+":"+u.Role)
	}
	return names
}

func cmdDevices(t *testing.T, h *hall.Hall) []string {
	t.Helper()
	ds, err := h.Store().Devices()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, d := range ds {
		out = append(out, fmt.Sprintf("%s:%s:%d:%s", d.Name, d.Kind, d.Counter, d.Printer))
	}
	return out
}

// TestCLIUserAdd: `hallq user add bob --role clerk` with the password on
// standard input creates a clerk who can log in with it.
func TestCLIUserAdd(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	out, _, err := cmdRun(t, "bob-secret-1\n", "user", "add", "bob", "--role", "clerk", "--display", "鲍勃", "--data", dir)
	if err != nil {
		t.Fatalf("user add: %v", err)
	}
	if !strings.Contains(out, "user bob added (clerk)") {
		t.Errorf("user add printed %q", out)
	}
	cmdOpenData(t, dir, func(h *hall.Hall) {
		_, p, err := halltest.Accounts(h).SignIn(context.Background(), account.SignIn{Name: "bob", Password: "bob-secret-1", Counter: 0})
		if err != nil {
			t.Fatalf("bob cannot log in: %v", err)
		}
		if p.Role != hall.RoleClerk || p.Display != "鲍勃" {
			t.Errorf("bob is %+v", p)
		}
		if _, _, err := halltest.Accounts(h).SignIn(context.Background(), account.SignIn{Name: "bob", Password: "bob-secret-1\n", Counter: 0}); err == nil {
			t.Errorf("the newline that ended the password became part of it")
		}
	})
}

// TestCLIUserAddRefusals: a short password, a bad role or name, a taken name:
// each is a clear error and adds no one.
func TestCLIUserAddRefusals(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if _, _, err := cmdRun(t, "alice-secret\n", "user", "add", "alice", "--role", "manager", "--data", dir); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		stdin string
		args  []string
		want  string
	}{
		{"short password", "short\n", []string{"bob", "--role", "clerk"}, "8"},
		{"no password", "", []string{"bob", "--role", "clerk"}, "8"},
		{"bad role", "bob-secret-1\n", []string{"bob", "--role", "boss"}, "role must be clerk, manager or admin"},
		{"no role", "bob-secret-1\n", []string{"bob"}, "role must be clerk, manager or admin"},
		{"bad name", "bob-secret-1\n", []string{"Bob Smith", "--role", "clerk"}, "user name"},
		{"taken name", "other-secret\n", []string{"alice", "--role", "clerk"}, "already exists"},
		{"no name", "bob-secret-1\n", []string{"--role", "clerk"}, "usage: hallq user add"},
		{"unknown flag", "bob-secret-1\n", []string{"bob", "--role", "clerk", "--colour", "red"}, "colour"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"user", "add"}, tc.args...)
			_, _, err := cmdRun(t, tc.stdin, append(args, "--data", dir)...)
			if err == nil {
				t.Fatalf("user add %v succeeded", tc.args)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not say %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "internal") || strings.Contains(err.Error(), "系统内部错误") {
				t.Errorf("error %q is not a clear message", err)
			}
			cmdOpenData(t, dir, func(h *hall.Hall) {
				if got := cmdUsers(t, h); len(got) != 1 || got[0] != "alice:manager" {
					t.Errorf("users after a refused add: %v", got)
				}
			})
		})
	}
	cmdOpenData(t, dir, func(h *hall.Hall) {
		if _, _, err := halltest.Accounts(h).SignIn(context.Background(), account.SignIn{Name: "alice", Password: "alice-secret", Counter: 0}); err != nil {
			t.Errorf("alice lost her password: %v", err)
		}
	})
}

// TestCLIDeviceAdd: `hallq device add` prints a token that authenticates the
// device; a kiosk takes a printer; a counter screen needs --counter.
func TestCLIDeviceAdd(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	out, _, err := cmdRun(t, "", "device", "add", "取号机1", "--kind", "kiosk", "--printer", "tcp://127.0.0.1:9100", "--data", dir)
	if err != nil {
		t.Fatalf("device add kiosk: %v", err)
	}
	// The token alone on the first line; then a one-time pairing URL that
	// does not contain it.
	lines := strings.Split(strings.TrimSpace(out), "\n")
	kioskToken := lines[0]
	if len(kioskToken) < 40 || strings.ContainsAny(kioskToken, " \n") {
		t.Fatalf("device add printed %q, want the token alone on the first line", out)
	}
	if len(lines) != 2 || !strings.Contains(lines[1], "/pair/code/") || strings.Contains(lines[1], kioskToken) {
		t.Fatalf("device add printed %q, want a one-time pairing URL without the token on the second line", out)
	}
	code := lines[1][strings.Index(lines[1], "/pair/code/")+len("/pair/code/"):]
	out, _, err = cmdRun(t, "", "device", "add", "3号评价器", "--kind", "keypad", "--counter", "3", "--data", dir)
	if err != nil {
		t.Fatalf("device add keypad: %v", err)
	}
	keypadToken := strings.Split(out, "\n")[0]

	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"counter without --counter", []string{"窗口屏", "--kind", "counter"}, "--counter"},
		{"keypad at no such counter", []string{"评价器", "--kind", "keypad", "--counter", "42"}, "--counter"},
		{"display bound to a counter", []string{"综合屏", "--kind", "display", "--counter", "1"}, "not bound to a counter"},
		{"printer on a display", []string{"综合屏", "--kind", "display", "--printer", "tcp://127.0.0.1:9100"}, "printer"},
		{"bad printer", []string{"取号机2", "--kind", "kiosk", "--printer", "lpt1"}, "printer"},
		{"bad kind", []string{"x", "--kind", "toaster"}, "kind must be"},
		{"no name", []string{"--kind", "kiosk"}, "usage: hallq device add"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, _, err := cmdRun(t, "", append(append([]string{"device", "add"}, tc.args...), "--data", dir)...)
			if err == nil {
				t.Fatalf("device add %v succeeded: %q", tc.args, out)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not say %q", err, tc.want)
			}
			if out != "" {
				t.Errorf("a refused device add printed %q", out)
			}
		})
	}

	cmdOpenData(t, dir, func(h *hall.Hall) {
		p, err := halltest.Accounts(h).AuthenticateDevice(context.Background(), kioskToken)
		if err != nil || p.Kind != "device" || p.Role != hall.KindKiosk || p.Name != "取号机1" {
			t.Errorf("kiosk token: %+v %v", p, err)
		}
		p, err = halltest.Accounts(h).AuthenticateDevice(context.Background(), keypadToken)
		if err != nil || p.Role != hall.KindKeypad || p.Counter != 3 {
			t.Errorf("keypad token: %+v %v", p, err)
		}
		got := cmdDevices(t, h)
		want := map[string]bool{"取号机1:kiosk:0:tcp://127.0.0.1:9100": true, "3号评价器:keypad:3:": true}
		if len(got) != len(want) {
			t.Errorf("devices %v, want only the two added", got)
		}
		for _, d := range got {
			if !want[d] {
				t.Errorf("unexpected device %s", d)
			}
		}
		// The pairing code pairs one browser as a kiosk like it, once.
		if tok, p, err := halltest.Accounts(h).RedeemPairing(context.Background(), code); err != nil || tok == kioskToken || p.Role != hall.KindKiosk || p.Name != "取号机1" {
			t.Errorf("redeem the printed pairing code: %+v %v", p, err)
		}
		if _, _, err := halltest.Accounts(h).RedeemPairing(context.Background(), code); queue.ErrorCode(err) != queue.ENOTFOUND {
			t.Errorf("the pairing code a second time: %v, want not_found", err)
		}
	})
}

// TestCLIBackup: `hallq backup FILE` writes a database that opens as a hall
// with the same tickets.
func TestCLIBackup(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	h, err := hall.Open(hall.Options{Dir: dir, Logger: cmdQuiet, AlwaysOpen: true})
	if err != nil {
		t.Fatal(err)
	}
	desk := hall.Principal{Kind: "user", Name: "seed", Role: hall.RoleManager}
	for i, svc := range []string{"A", "A", "B", "D"} {
		if _, err := h.Issue(context.Background(), desk, hall.IssueRequest{Service: svc, Phone: fmt.Sprintf("1381234567%d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := h.CancelTicket(context.Background(), desk, 2, "left"); err != nil {
		t.Fatal(err)
	}
	day := h.Now().In(h.Location()).Format(time.DateOnly)
	want, err := h.Store().Tickets("2000-01-01", "2999-12-31")
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Close(); err != nil {
		t.Fatal(err)
	}

	file := filepath.Join(t.TempDir(), "copy", store.FileName)
	if err := os.MkdirAll(filepath.Dir(file), 0o750); err != nil {
		t.Fatal(err)
	}
	out, _, err := cmdRun(t, "", "backup", file, "--data", dir)
	if err != nil {
		t.Fatalf("backup: %v", err)
	}
	if !strings.Contains(out, "backup written to "+file) {
		t.Errorf("backup printed %q", out)
	}
	cmdOpenData(t, filepath.Dir(file), func(b *hall.Hall) {
		got, err := b.Store().Tickets("2000-01-01", "2999-12-31")
		if err != nil {
			t.Fatal(err)
		}
		if !cmdJSONEqual(t, got, want) {
			t.Errorf("backup tickets\n got %s\nwant %s", cmdJSON(t, got), cmdJSON(t, want))
		}
		if snap, _ := b.Snapshot(); snap.Day == day && (snap.Services[0].Waiting != 1 || snap.Services[1].Waiting != 1) {
			t.Errorf("the backup's live queue: A %d B %d waiting, want 1 and 1", snap.Services[0].Waiting, snap.Services[1].Waiting)
		}
	})

	if _, _, err := cmdRun(t, "", "backup", "--data", dir); err == nil || !strings.Contains(err.Error(), "usage: hallq backup FILE") {
		t.Errorf("backup without a file: %v", err)
	}
	missing := filepath.Join(t.TempDir(), "no", "such", "dir", "x.db")
	if _, _, err := cmdRun(t, "", "backup", missing, "--data", dir); err == nil {
		t.Errorf("backup into a missing directory succeeded")
	}
}

func cmdJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func cmdJSONEqual(t *testing.T, a, b any) bool {
	t.Helper()
	return cmdJSON(t, a) == cmdJSON(t, b)
}

// startMain runs a demo hall on 127.0.0.1:0 in dir.
func cmdStartMain(t *testing.T, dir string) (*Main, string) {
	t.Helper()
	var out bytes.Buffer
	m := &Main{Addr: "127.0.0.1:0", DataDir: dir, Demo: true, Stdout: &out, Logger: cmdQuiet,
		BcryptCost: 4}
	if err := m.Run(context.Background()); err != nil {
		m.Close()
		t.Fatalf("run: %v", err)
	}
	t.Cleanup(func() {
		if m.Hall != nil {
			if _, err := m.Hall.Store().Verify(); err != nil {
				t.Errorf("store check: %v", err)
			}
		}
		m.Close()
	})
	return m, out.String()
}

func cmdGet(t *testing.T, url, bearer string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, b
}

func cmdPostJSON(t *testing.T, url string, v any) (int, []byte) {
	t.Helper()
	body, _ := json.Marshal(v)
	res, err := http.Post(url, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatalf("POST %s: %v", url, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, b
}

// TestCLIServeDemo: Main serves /healthz, its banner lists the demo passwords
// and pairing URLs, the command line works through the control socket while
// it runs, and a second Main on the same data dir fails fast with "in use".
func TestCLIServeDemo(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	m, banner := cmdStartMain(t, dir)
	if !strings.HasPrefix(m.URL, "http://127.0.0.1:") {
		t.Fatalf("URL %q", m.URL)
	}

	status, body := cmdGet(t, m.URL+"/healthz", "")
	var health struct{ Status string }
	json.Unmarshal(body, &health)
	if status != http.StatusOK || health.Status != "ok" {
		t.Errorf("healthz: %d %s", status, body)
	}

	if !strings.Contains(banner, "hallq serving") || !strings.Contains(banner, m.URL) {
		t.Errorf("banner lacks the URL %s:\n%s", m.URL, banner)
	}
	if len(m.DemoAccounts.Accounts) < 8 || len(m.DemoAccounts.Devices) < 14 {
		t.Errorf("demo: %d accounts, %d devices", len(m.DemoAccounts.Accounts), len(m.DemoAccounts.Devices))
	}
	for _, a := range m.DemoAccounts.Accounts {
		if !regexp.MustCompile(`\b` + regexp.QuoteMeta(a.User) + ` +/ ` + regexp.QuoteMeta(a.Password) + `\b`).MatchString(banner) {
			t.Errorf("banner lacks %s's password %s:\n%s", a.User, a.Password, banner)
		}
	}
	for _, d := range m.DemoAccounts.Devices {
		if strings.Contains(banner, d.Token) {
			t.Errorf("banner shows the lasting token of %s", d.Name)
		}
		if !regexp.MustCompile(regexp.QuoteMeta(d.Name) + ` +` + regexp.QuoteMeta(m.URL) + `/pair/code/[A-Za-z0-9]+`).MatchString(banner) {
			t.Errorf("banner lacks the one-time pairing URL of %s:\n%s", d.Name, banner)
		}
	}
	// The printed passwords work.
	if status, body := cmdPostJSON(t, m.URL+"/api/v1/login", map[string]any{"user": "clerk1", "password": "clerk1-demo", "counter": 1}); status != http.StatusOK {
		t.Errorf("demo clerk login: %d %s", status, body)
	}

	// A locked-out manager is let in from the hall PC's command line.
	for range account.LoginFailures {
		cmdPostJSON(t, m.URL+"/api/v1/login", map[string]any{"user": "manager", "password": "a-wrong-guess"})
	}
	if status, _ := cmdPostJSON(t, m.URL+"/api/v1/login", map[string]any{"user": "manager", "password": "manager-demo"}); status != http.StatusTooManyRequests {
		t.Errorf("the locked manager's login: %d, want 429", status)
	}
	if out, _, err := cmdRun(t, "", "user", "unlock", "manager", "--data", dir); err != nil || !strings.Contains(out, "unlocked") {
		t.Errorf("user unlock: %q %v", out, err)
	}
	if status, body := cmdPostJSON(t, m.URL+"/api/v1/login", map[string]any{"user": "manager", "password": "manager-demo"}); status != http.StatusOK {
		t.Errorf("the manager's login after the unlock: %d %s", status, body)
	}

	// While the server holds the database, the command line goes through
	// its control socket.
	out, _, err := cmdRun(t, "", "device", "add", "大厅屏2", "--kind", "display", "--data", dir)
	if err != nil {
		t.Fatalf("device add while serving: %v", err)
	}
	if status, body := cmdGet(t, m.URL+"/api/v1/me", strings.Split(out, "\n")[0]); status != http.StatusOK || !strings.Contains(string(body), `"role":"display"`) {
		t.Errorf("the new display's token: %d %s", status, body)
	}
	if _, _, err := cmdRun(t, "", "device", "add", "窗口屏", "--kind", "counter", "--data", dir); err == nil || !strings.Contains(err.Error(), "--counter") {
		t.Errorf("counter screen without --counter while serving: %v", err)
	}
	if _, _, err := cmdRun(t, "bob-secret-1\n", "user", "add", "bob", "--role", "clerk", "--data", dir); err != nil {
		t.Fatalf("user add while serving: %v", err)
	}
	if status, body := cmdPostJSON(t, m.URL+"/api/v1/login", map[string]any{"user": "bob", "password": "bob-secret-1"}); status != http.StatusOK {
		t.Errorf("bob's login: %d %s", status, body)
	}
	if _, _, err := cmdRun(t, "short\n", "user", "add", "carol", "--role", "clerk", "--data", dir); err == nil || !strings.Contains(err.Error(), "8") {
		t.Errorf("short password while serving: %v", err)
	}
	if _, _, err := cmdRun(t, "carol-secret\n", "user", "add", "carol", "--role", "boss", "--data", dir); err == nil || !strings.Contains(err.Error(), "role") {
		t.Errorf("bad role while serving: %v", err)
	}
	if status, _ := cmdPostJSON(t, m.URL+"/api/v1/login", map[string]any{"user": "carol", "password": "carol-secret"}); status != http.StatusUnauthorized {
		t.Errorf("carol was created by a refused user add")
	}
	copyFile := filepath.Join(t.TempDir(), store.FileName)
	out, _, err = cmdRun(t, "", "backup", copyFile, "--data", dir)
	if err != nil || !strings.Contains(out, "online copy") {
		t.Errorf("backup while serving: %q %v", out, err)
	}

	// A second process (here: a second Main) on the same data dir fails
	// with a clear message instead of hanging.
	m2 := &Main{Addr: "127.0.0.1:0", DataDir: dir, Demo: true, Stdout: io.Discard, Logger: cmdQuiet}
	err = m2.Run(context.Background())
	m2.Close()
	if err == nil || !strings.Contains(err.Error(), "in use") {
		t.Errorf("a second Main on the same data dir: %v, want an \"in use\" error", err)
	}
	// ... and leaves the first one working, control socket included.
	if status, _ := cmdGet(t, m.URL+"/healthz", ""); status != http.StatusOK {
		t.Errorf("healthz after the second Main: %d", status)
	}
	if _, _, err := cmdRun(t, "", "device", "add", "大厅屏3", "--kind", "display", "--data", dir); err != nil {
		t.Errorf("control socket after the second Main: %v", err)
	}

	if err := m.Close(); err != nil {
		t.Errorf("close: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, SocketName)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("control socket left behind: %v", err)
	}
	// The backup taken while serving opens with bob in it.
	cmdOpenData(t, filepath.Dir(copyFile), func(h *hall.Hall) {
		if _, _, err := halltest.Accounts(h).SignIn(context.Background(), account.SignIn{Name: "bob", Password: "bob-secret-1", Counter: 0}); err != nil {
			t.Errorf("bob is not in the online backup: %v", err)
		}
	})
	// A restarted demo hall keeps and prints the same demo credentials.
	m3, banner3 := cmdStartMain(t, dir)
	if !strings.Contains(banner3, "clerk1-demo") || len(m3.DemoAccounts.Devices) != len(m.DemoAccounts.Devices) ||
		m3.DemoAccounts.Devices[0].Token != m.DemoAccounts.Devices[0].Token {
		t.Errorf("the restarted demo hall prints other credentials:\n%s", banner3)
	}
}

// cmdSyncBuffer is a bytes.Buffer safe to read while a command writes it.
type cmdSyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *cmdSyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *cmdSyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestCLIServeCommand: `hallq serve --addr --data` serves until its context
// ends and then returns cleanly.
func TestCLIServeCommand(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out cmdSyncBuffer
	done := make(chan error, 1)
	go func() {
		done <- Dispatch(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--data", dir}, strings.NewReader(""), &out, io.Discard)
	}()
	urlRE := regexp.MustCompile(`on (http://127\.0\.0\.1:[0-9]+)`)
	var url string
	for deadline := time.Now().Add(30 * time.Second); url == ""; {
		select {
		case err := <-done:
			t.Fatalf("serve returned early: %v\n%s", err, out.String())
		default:
		}
		if m := urlRE.FindStringSubmatch(out.String()); m != nil {
			url = m[1]
		} else if time.Now().After(deadline) {
			t.Fatalf("serve printed no URL:\n%s", out.String())
		} else {
			time.Sleep(10 * time.Millisecond)
		}
	}
	if status, body := cmdGet(t, url+"/healthz", ""); status != http.StatusOK {
		t.Errorf("healthz: %d %s", status, body)
	}
	if strings.Contains(out.String(), "Demo accounts") {
		t.Errorf("a hall without --demo printed demo accounts:\n%s", out.String())
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("serve after its context ended: %v", err)
	}
	// The data dir is free again.
	cmdOpenData(t, dir, func(h *hall.Hall) {
		if n := len(h.Config().Services); n != len(config.Default().Services) {
			t.Errorf("served hall has %d services", n)
		}
	})
	if _, _, err := cmdRun(t, "", "serve", "--port", "80", "--data", dir); err == nil || !strings.Contains(err.Error(), "port") {
		t.Errorf("serve with an unknown flag: %v", err)
	}
}

// TestCLIUsage: an unknown or missing command is an error that shows the
// usage; help prints it.
func TestCLIUsage(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"unknown command", []string{"frobnicate"}, `unknown command "frobnicate"`},
		{"no command", nil, "no command given"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, err := cmdRun(t, "", tc.args...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want %q", err, tc.want)
			}
			if !strings.Contains(errOut, "Usage:") || !strings.Contains(errOut, "hallq serve") || !strings.Contains(errOut, "hallq user add") {
				t.Errorf("stderr does not show the usage:\n%s", errOut)
			}
			if out != "" {
				t.Errorf("stdout: %q", out)
			}
		})
	}
	for _, args := range [][]string{{"user"}, {"user", "remove", "bob"}, {"device", "list"}} {
		if _, _, err := cmdRun(t, "", args...); err == nil || !strings.Contains(err.Error(), "usage:") {
			t.Errorf("%v: %v, want a usage error", args, err)
		}
	}
	out, _, err := cmdRun(t, "", "help")
	if err != nil || !strings.Contains(out, "Usage:") || !strings.Contains(out, "hallq backup FILE") {
		t.Errorf("help: %v\n%s", err, out)
	}
}
