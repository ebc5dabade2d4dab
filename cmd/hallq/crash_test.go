package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"hallq/account"

	"hallq/hall"
	"hallq/hall/store"
	"hallq/queue"
	"hallq/rating"
)

// crashRoundsEnv sets how many times TestCrash kills the server (default
// crashRounds); `HALLQ_CRASH_ROUNDS=100 go test -run TestCrash ./cmd/hallq`
// runs a long soak.
const crashRoundsEnv = "HALLQ_CRASH_ROUNDS"

const crashRounds = 25

// crashChild is a server process started from the test binary (see
// TestCrashChild).
type crashChild struct {
	cmd  *exec.Cmd
	url  string
	demo account.Demo
	err  bytes.Buffer
}

// startCrashChildOn starts a server process on dir serving on addr
// (127.0.0.1:0 when ""). A port the killed process held is free again at
// once, but it is tried a few times in case the kernel is slow to let go.
func startCrashChildOn(t testing.TB, dir, addr string) *crashChild {
	t.Helper()
	for try := 1; ; try++ {
		c, ok := tryCrashChild(t, dir, addr)
		if ok {
			return c
		}
		if try == 10 || !strings.Contains(c.err.String(), "address already in use") {
			t.Fatalf("the server process did not start: %s", c.err.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// tryCrashChild starts one server process; false (and the process gone)
// when it did not serve.
func tryCrashChild(t testing.TB, dir, addr string) (*crashChild, bool) {
	t.Helper()
	c := &crashChild{cmd: exec.Command(childBinary(t), "-test.run=^TestCrashChild$", "-test.count=1")}
	c.cmd.Env = append(os.Environ(), crashChildEnv+"="+dir)
	if addr != "" {
		c.cmd.Env = append(c.cmd.Env, crashChildAddrEnv+"="+addr)
	}
	c.cmd.Stderr = &c.err
	out, err := c.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	found := make(chan crashChildInfo, 1)
	ended := make(chan struct{})
	go func() {
		defer close(ended)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if line, ok := strings.CutPrefix(sc.Text(), crashChildMarker); ok {
				var info crashChildInfo
				if json.Unmarshal([]byte(line), &info) == nil {
					found <- info
				}
			}
		}
		io.Copy(io.Discard, out)
	}()
	select {
	case info := <-found:
		c.url, c.demo = info.URL, info.Demo
		return c, true
	case <-ended: // the process ended without serving
	case <-time.After(60 * time.Second):
	}
	c.kill()
	return c, false
}

// kill sends SIGKILL and waits for the process to be gone.
func (c *crashChild) kill() {
	c.cmd.Process.Signal(syscall.SIGKILL)
	c.cmd.Wait()
}

func (c *crashChild) device(kind string) string {
	return c.deviceAt(kind, 0)
}

// deviceAt returns the token of the demo device of kind at counter n (0:
// the first of the kind).
func (c *crashChild) deviceAt(kind string, n int) string {
	for _, d := range c.demo.Devices {
		if d.Kind == kind && (n == 0 || d.Counter == n) {
			return d.Token
		}
	}
	return ""
}

// crashClient is one HTTP client: a kiosk with its token or a clerk with a
// session cookie.
type crashClient struct {
	http   *http.Client
	base   string
	bearer string
}

func newCrashClient(base, bearer string) *crashClient {
	jar, _ := cookiejar.New(nil)
	// A transport of its own keeps the client's connection alive (the shared
	// default transport keeps only two idle connections per host).
	tr := &http.Transport{MaxIdleConnsPerHost: 2, DisableCompression: true}
	return &crashClient{http: &http.Client{Jar: jar, Timeout: 10 * time.Second, Transport: tr}, base: base, bearer: bearer}
}

// post sends a JSON request; err is set when no response arrived (the
// server was killed), in which case nothing was acknowledged.
func (c *crashClient) post(path string, v any) (status int, body []byte, err error) {
	raw, _ := json.Marshal(v)
	req, _ := http.NewRequest("POST", c.base+path, bytes.NewReader(raw))
	req.Header.Set("Content-Type", "application/json")
	return c.do(req)
}

// get sends a GET request; err as for post.
func (c *crashClient) get(path string) (status int, body []byte, err error) {
	req, _ := http.NewRequest("GET", c.base+path, nil)
	return c.do(req)
}

func (c *crashClient) do(req *http.Request) (status int, body []byte, err error) {
	if c.bearer != "" {
		req.Header.Set("Authorization", "Bearer "+c.bearer)
	}
	res, err := c.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	body, err = io.ReadAll(res.Body)
	if err != nil {
		return 0, nil, err // a cut-off body is no acknowledgement
	}
	return res.StatusCode, body, nil
}

// crashLedger is what the server acknowledged, across every round.
type crashLedger struct {
	mu       sync.Mutex
	issued   map[uint64]queue.Ticket // 201 from POST /tickets
	called   map[uint64]int          // ticket → counter, 200 from call
	finished map[uint64]bool         // 200 from finish
	rated    map[uint64]int          // ticket → score, 201 from POST /ratings
	refused  int                     // ratings refused with 409 (too late, rated, not the last)
	// restored: a restore came between (TestCrashBackupRestore), so the
	// event log's sequence jumps past what the replaced file used.
	restored bool
}

// TestCrash is the fault drill: it kills the server process with SIGKILL
// again and again under the hall's mixed load over HTTP and websockets —
// kiosks take tickets, clerks call and finish them at five counters, each
// counter's keypad rates what its clerk finished, and display screens follow
// the hall live, reconnecting after each kill with since= the last sequence
// they saw, as the page does. After each kill it checks the database: every
// acknowledged ticket is there once with its number, no number of a day is
// used twice, every acknowledged call, finish and rating is recorded (a
// rating once), the event log's sequence has no gap, and bbolt's
// consistency check passes. After the last round a new server runs quiet:
// every display's state, built only from the frames it received, equals the
// server's snapshot, and the events the displays saw are the log's, each
// once and in order. Then the hall carries on: a new ticket is taken and
// called, and the displays follow that too.
func TestCrash(t *testing.T) {
	t.Parallel()
	if os.Getenv(crashChildEnv) != "" {
		t.Skip("inside a server process")
	}
	rounds := crashRounds
	if s := os.Getenv(crashRoundsEnv); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			t.Fatalf("%s=%q: want a positive number", crashRoundsEnv, s)
		}
		rounds = n
	}
	// Each prefix has 999 numbers a day: share them among the rounds.
	budget := min(max(2400/rounds, 20), 240)
	dir := t.TempDir()
	addr := freeAddr(t)
	led := &crashLedger{issued: map[uint64]queue.Ticket{}, called: map[uint64]int{}, finished: map[uint64]bool{}, rated: map[uint64]int{}}
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	var (
		totalAcked, totalErrors int
		displays                []*drillDisplay
	)
	for round := range rounds {
		child := startCrashChildOn(t, dir, addr)
		if round == 0 {
			// The screens start with the hall and stay on through every kill.
			for i := range drillDisplays {
				d := startDrillDisplay(i, addr, child.device(hall.KindDisplay))
				t.Cleanup(d.close)
				displays = append(displays, d)
			}
		}
		d := time.Duration(150+rng.IntN(600)) * time.Millisecond
		last := round == rounds-1
		acked, failed := crashLoadUntil(t, child, led, budget, func() {
			time.Sleep(d)
			// On a busy machine d can pass in every round before a customer
			// has gone from the kiosk to the keypad: the last round is killed
			// only once some rating has been acknowledged, so the drill always
			// covers ratings, however slow the machine (progress, not time).
			if last {
				crashWaitRated(led, 2*time.Minute)
			}
		})
		totalAcked += acked
		totalErrors += failed
		crashVerify(t, dir, led, round)
		if t.Failed() {
			return
		}
	}
	if totalAcked == 0 || len(led.rated) == 0 {
		t.Fatalf("%d operations and %d ratings acknowledged in %d rounds: the drill did not exercise the hall", totalAcked, len(led.rated), rounds)
	}
	t.Logf("%d rounds: %d acknowledged operations, %d requests cut off by a kill, %d tickets, %d finished, %d rated (%d ratings refused with 409)",
		rounds, totalAcked, totalErrors, len(led.issued), len(led.finished), len(led.rated), led.refused)

	// A new server, quiet: every display converges to its state.
	child := startCrashChildOn(t, dir, addr)
	t.Cleanup(child.kill)
	drillConverge(t, child, displays, "after the last restart")

	// The hall carries on: a new ticket is taken and called.
	kiosk := newCrashClient(child.url, child.device(hall.KindKiosk))
	status, body, err := kiosk.post("/api/v1/tickets", map[string]string{"service": "F"})
	if err != nil || status != http.StatusCreated {
		t.Fatalf("issue after the last restart: %d %s %v", status, body, err)
	}
	var ft queue.Ticket
	json.Unmarshal(body, &ft)
	clerk := newCrashClient(child.url, "")
	if status, body, err := clerk.post("/api/v1/login", map[string]any{"user": "clerk6", "password": "clerk6-demo", "counter": 6}); err != nil || status != http.StatusOK {
		t.Fatalf("clerk6 login after the last restart: %d %s %v", status, body, err)
	}
	// Counter 6 may still hold a ticket called before the last kill.
	clerk.post("/api/v1/counters/6/finish", map[string]any{})
	status, body, err = clerk.post("/api/v1/counters/6/call", map[string]any{})
	var got queue.Ticket
	json.Unmarshal(body, &got)
	if err != nil || status != http.StatusOK || got.ID != ft.ID || got.Number != ft.Number || got.Status != queue.Called {
		t.Fatalf("call at counter 6 after the last restart: %d %s %v, want %s called", status, body, err, ft.Number)
	}
	view := drillConverge(t, child, displays, "after the call at counter 6")
	if !strings.Contains(view, fmt.Sprintf("recent %s 6 called", ft.Number)) {
		t.Errorf("the displays' state after the call at counter 6 does not show %s:\n%s", ft.Number, view)
	}

	// The events the displays saw are the log's.
	for _, d := range displays {
		d.close()
	}
	child.kill()
	types := crashVerify(t, dir, led, rounds)
	drillCheckDisplays(t, displays, types)
}

// crashLoad runs kiosks, clerks and keypads against child, kills it after
// d, and returns how many operations were acknowledged and how many requests
// the kill cut off.
func crashLoad(t *testing.T, child *crashChild, led *crashLedger, budget int, d time.Duration) (acked, cut int) {
	t.Helper()
	return crashLoadUntil(t, child, led, budget, func() { time.Sleep(d) })
}

// crashWaitRated returns once the ledger holds a rating, or after max.
func crashWaitRated(led *crashLedger, max time.Duration) {
	for end := time.Now().Add(max); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		led.mu.Lock()
		n := len(led.rated)
		led.mu.Unlock()
		if n > 0 {
			return
		}
	}
}

// crashLoadUntil is crashLoad killing child when wait returns.
func crashLoadUntil(t *testing.T, child *crashChild, led *crashLedger, budget int, wait func()) (acked, cut int) {
	t.Helper()
	var (
		stop     atomic.Bool
		nAcked   atomic.Int64
		nCut     atomic.Int64
		nIssued  atomic.Int64
		wg       sync.WaitGroup
		services = []string{"A", "D", "E"}
	)
	token := child.device(hall.KindKiosk)
	for k := range 12 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := newCrashClient(child.url, token)
			for !stop.Load() {
				if nIssued.Add(1) > int64(budget) {
					time.Sleep(5 * time.Millisecond)
					continue
				}
				status, body, err := c.post("/api/v1/tickets", map[string]string{"service": services[k%len(services)]})
				if err != nil {
					nCut.Add(1)
					return
				}
				if status != http.StatusCreated {
					t.Errorf("issue: %d %s", status, body)
					return
				}
				var tk queue.Ticket
				if err := json.Unmarshal(body, &tk); err != nil || tk.ID == 0 || tk.Number == "" {
					t.Errorf("issue answered %s (%v)", body, err)
					return
				}
				led.mu.Lock()
				led.issued[tk.ID] = tk
				led.mu.Unlock()
				nAcked.Add(1)
				time.Sleep(time.Duration(1+k%4) * time.Millisecond)
			}
		}()
	}
	for n := 1; n <= 5; n++ { // counter 6 is kept for the final check
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := newCrashClient(child.url, "")
			status, body, err := c.post("/api/v1/login", map[string]any{"user": fmt.Sprintf("clerk%d", n), "password": fmt.Sprintf("clerk%d-demo", n), "counter": n})
			if err != nil {
				nCut.Add(1)
				return
			}
			if status != http.StatusOK {
				t.Errorf("clerk%d login: %d %s", n, status, body)
				return
			}
			path := fmt.Sprintf("/api/v1/counters/%d/", n)
			for !stop.Load() {
				status, body, err := c.post(path+"call", map[string]any{})
				if err != nil {
					nCut.Add(1)
					return
				}
				switch status {
				case http.StatusNoContent:
					time.Sleep(2 * time.Millisecond)
					continue
				case http.StatusConflict: // still serving a ticket called before a kill
				case http.StatusOK:
					var tk queue.Ticket
					if err := json.Unmarshal(body, &tk); err != nil || tk.ID == 0 {
						t.Errorf("call answered %s (%v)", body, err)
						return
					}
					led.mu.Lock()
					led.called[tk.ID] = n
					led.mu.Unlock()
					nAcked.Add(1)
				default:
					t.Errorf("counter %d call: %d %s", n, status, body)
					return
				}
				status, body, err = c.post(path+"finish", map[string]any{})
				if err != nil {
					nCut.Add(1)
					return
				}
				if status != http.StatusOK {
					t.Errorf("counter %d finish: %d %s", n, status, body)
					return
				}
				var tk queue.Ticket
				if err := json.Unmarshal(body, &tk); err != nil || tk.ID == 0 || tk.Status != queue.Done {
					t.Errorf("finish answered %s (%v)", body, err)
					return
				}
				led.mu.Lock()
				led.finished[tk.ID] = true
				led.mu.Unlock()
				nAcked.Add(1)
				// The customer turns to the keypad before the next call.
				time.Sleep(time.Duration(rand.IntN(8)) * time.Millisecond)
			}
		}()
	}
	for n := 1; n <= 5; n++ { // each counter's keypad
		wg.Add(1)
		go func() {
			defer wg.Done()
			acked, refused, cutOff := crashKeypad(t, child, led, n, &stop)
			nAcked.Add(int64(acked))
			nCut.Add(int64(cutOff))
			led.mu.Lock()
			led.refused += refused
			led.mu.Unlock()
		}()
	}
	wait()
	child.kill()
	stop.Store(true)
	wg.Wait()
	return int(nAcked.Load()), int(nCut.Load())
}

// crashKeypad is counter n's keypad: it asks for the service to rate, as
// the keypad page does on load, and rates each once through the rating API
// until stop or the kill. A 409 (the window passed, rated already, or the
// clerk finished another since) is a refusal; any other answer but 201 is
// an error.
func crashKeypad(t *testing.T, child *crashChild, led *crashLedger, n int, stop *atomic.Bool) (acked, refused, cut int) {
	c := newCrashClient(child.url, child.deviceAt(hall.KindKeypad, n))
	if c.bearer == "" {
		t.Errorf("no demo keypad at counter %d", n)
		return
	}
	tried := map[uint64]bool{}
	for !stop.Load() {
		status, body, err := c.get("/api/v1/ratings/pending")
		if err != nil {
			return acked, refused, cut + 1
		}
		var st struct {
			Counter int             `json:"counter"`
			Pending *rating.Pending `json:"pending"`
		}
		if status != http.StatusOK || json.Unmarshal(body, &st) != nil || st.Counter != n {
			t.Errorf("keypad %d: pending rating answered %d %s", n, status, body)
			return
		}
		if st.Pending == nil || tried[st.Pending.Ticket] {
			time.Sleep(2 * time.Millisecond)
			continue
		}
		id := st.Pending.Ticket
		tried[id] = true
		score, reason := 1+rand.IntN(5), ""
		if rating.Low(score) && rand.IntN(2) == 0 {
			reason = rating.Reasons[rand.IntN(len(rating.Reasons))]
		}
		status, body, err = c.post("/api/v1/ratings", map[string]any{"ticket": id, "score": score, "reason": reason})
		if err != nil {
			return acked, refused, cut + 1
		}
		switch status {
		case http.StatusCreated:
			var r rating.Rating
			if err := json.Unmarshal(body, &r); err != nil || r.Ticket != id || r.Score != score || r.Counter != n {
				t.Errorf("keypad %d: rating of ticket %d (score %d) answered %s (%v)", n, id, score, body, err)
				return
			}
			led.mu.Lock()
			if old, twice := led.rated[id]; twice {
				t.Errorf("keypad %d: ticket %d rated %d was acknowledged again with %d", n, id, old, score)
			}
			led.rated[id] = score
			led.mu.Unlock()
			acked++
		case http.StatusConflict:
			refused++
		default:
			t.Errorf("keypad %d: rating of ticket %d answered %d %s", n, id, status, body)
			return
		}
	}
	return
}

// crashVerify opens the killed server's database and checks it against the
// acknowledgements. It returns the event log's types by sequence (index
// seq-1).
func crashVerify(t *testing.T, dir string, led *crashLedger, round int) []string {
	t.Helper()
	st, err := store.OpenReadOnly(dir)
	if err != nil {
		t.Fatalf("round %d: reopen after kill: %v", round, err)
	}
	defer st.Close()
	if err := st.Check(); err != nil {
		t.Errorf("round %d: bbolt check: %v", round, err)
	}
	all, err := st.Tickets("2000-01-01", "2999-12-31")
	if err != nil {
		t.Fatalf("round %d: read tickets: %v", round, err)
	}
	byID := map[uint64]queue.Ticket{}
	numbers := map[string]uint64{}
	for _, tk := range all {
		if _, dup := byID[tk.ID]; dup {
			t.Errorf("round %d: ticket id %d stored twice", round, tk.ID)
		}
		byID[tk.ID] = tk
		if tk.TransferredFrom != 0 {
			continue // a transfer keeps its number
		}
		key := tk.Day + " " + tk.Number
		if other, dup := numbers[key]; dup {
			t.Errorf("round %d: number %s used twice on %s (tickets %d and %d)", round, tk.Number, tk.Day, other, tk.ID)
		}
		numbers[key] = tk.ID
	}

	// The event log: sequences 1, 2, 3… with no gap and none twice; a
	// ticket rated at most once.
	var types []string
	var lastSeq uint64
	ratedEvents := map[uint64]int{}
	err = st.EachEvent(0, func(ev queue.Event) error {
		if want := uint64(len(types)) + 1; ev.Seq != want && !(led.restored && ev.Seq > lastSeq) {
			return fmt.Errorf("event %d (%s) where %d was due", ev.Seq, ev.Type, want)
		}
		lastSeq = ev.Seq
		types = append(types, ev.Type)
		if ev.Type == rating.EvRated {
			ratedEvents[ev.Ticket]++
		}
		return nil
	})
	if err != nil {
		t.Errorf("round %d: event log: %v", round, err)
	}
	for id, n := range ratedEvents {
		if n > 1 {
			t.Errorf("round %d: ticket %d rated %d times in the event log", round, id, n)
		}
	}

	led.mu.Lock()
	defer led.mu.Unlock()
	for id, want := range led.issued {
		got, ok := byID[id]
		if !ok {
			t.Errorf("round %d: acknowledged ticket %s (id %d) is missing", round, want.Number, id)
			continue
		}
		if got.Number != want.Number || got.Day != want.Day || got.Service != want.Service || got.Tracking != want.Tracking || !got.IssuedAt.Equal(want.IssuedAt) {
			t.Errorf("round %d: ticket %d stored as %s/%s/%s, acknowledged as %s/%s/%s", round, id, got.Day, got.Number, got.Tracking, want.Day, want.Number, want.Tracking)
		}
	}
	for id, n := range led.called {
		got, ok := byID[id]
		if !ok {
			t.Errorf("round %d: called ticket %d is missing", round, id)
			continue
		}
		if got.Status == queue.Waiting || got.CalledAt == nil || got.Counter != n {
			t.Errorf("round %d: acknowledged call of %s at counter %d is lost: status %s, counter %d", round, got.Number, n, got.Status, got.Counter)
		}
	}
	for id := range led.finished {
		if got := byID[id]; got.Status != queue.Done || got.FinishedAt == nil {
			t.Errorf("round %d: acknowledged finish of %s (id %d) is lost: status %s", round, got.Number, id, got.Status)
		}
	}
	for id, score := range led.rated {
		r, ok, err := st.Record(rating.Kind, rating.Key(id))
		var got rating.Rating
		if err == nil && ok {
			err = json.Unmarshal(r.Data, &got)
		}
		switch {
		case err != nil:
			t.Errorf("round %d: read the rating of ticket %d: %v", round, id, err)
		case !ok:
			t.Errorf("round %d: acknowledged rating %d of ticket %d is lost", round, score, id)
		case got.Score != score || got.Ticket != id || r.Rev != 1:
			t.Errorf("round %d: acknowledged rating %d of ticket %d stored as score %d, revision %d", round, score, id, got.Score, r.Rev)
		case ratedEvents[id] != 1:
			t.Errorf("round %d: acknowledged rating of ticket %d has %d events", round, id, ratedEvents[id])
		}
		if byID[id].Status != queue.Done {
			t.Errorf("round %d: rated ticket %d is %s, not done", round, id, byID[id].Status)
		}
	}
	return types
}
