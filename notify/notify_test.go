package notify_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"hallq/notify"
)

const secret = "0123456789abcdef-secret"

// receiver is a real local gateway: it verifies every signature, fails the
// first failFirst requests (failFirst < 0: always) and records the rest.
type receiver struct {
	mu        sync.Mutex
	failFirst int
	calls     int
	badSig    int
	got       []notify.Message
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	ts, _ := strconv.ParseInt(req.Header.Get(notify.TimestampHeader), 10, 64)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls++
	if !notify.Verify(secret, ts, body, req.Header.Get(notify.SignatureHeader)) || req.Header.Get("Content-Type") != "application/json" {
		r.badSig++
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	if r.failFirst < 0 || r.calls <= r.failFirst {
		http.Error(w, "gateway busy", http.StatusServiceUnavailable)
		return
	}
	var m notify.Message
	json.Unmarshal(body, &m)
	r.got = append(r.got, m)
	w.WriteHeader(http.StatusAccepted)
}

func open(t *testing.T, dir, url string) (*notify.Service, *[]time.Duration) {
	t.Helper()
	s, err := notify.Open(dir, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	var waits []time.Duration
	var mu sync.Mutex
	s.Backoff, s.MaxBackoff = time.Second, 4*time.Second
	s.Sleep = func(ctx context.Context, d time.Duration) error {
		mu.Lock()
		waits = append(waits, d)
		mu.Unlock()
		return nil
	}
	if err := s.SaveSettings(notify.Settings{URL: url, Secret: secret, Soon: true, Attempts: 4}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, &waits
}

func msg(id string) notify.Message {
	return notify.Message{ID: id, Kind: notify.KindSoon, Ticket: "A023", Phone: "13800138000", Ahead: 3,
		Text: "您的 A023 号前面还有 3 位，请留意叫号", At: time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)}
}

// TestWebhookRetriesThenDelivers: the gateway fails twice, the third
// attempt goes through; the waits double; every request is signed.
func TestWebhookRetriesThenDelivers(t *testing.T) {
	r := &receiver{failFirst: 2}
	srv := httptest.NewServer(r)
	defer srv.Close()
	s, waits := open(t, t.TempDir(), srv.URL)
	s.Enqueue(msg("m1"))
	s.Wait()
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.calls != 3 || r.badSig != 0 || len(r.got) != 1 || r.got[0].ID != "m1" || r.got[0].Ahead != 3 || r.got[0].Text == "" {
		t.Fatalf("calls=%d badSig=%d got=%+v", r.calls, r.badSig, r.got)
	}
	if want := []time.Duration{time.Second, 2 * time.Second}; len(*waits) != 2 || (*waits)[0] != want[0] || (*waits)[1] != want[1] {
		t.Errorf("back-off waits = %v, want %v", *waits, want)
	}
	if s.Sent() != 1 || len(s.DeadLetters()) != 0 {
		t.Errorf("sent=%d dead=%d", s.Sent(), len(s.DeadLetters()))
	}
}

// TestWebhookDeadLetter: a gateway that always fails gets every attempt
// (back-off capped), then the message is a dead letter that survives a
// restart; retry sends it again once the gateway works, dismiss removes it.
func TestWebhookDeadLetter(t *testing.T) {
	r := &receiver{failFirst: -1}
	srv := httptest.NewServer(r)
	defer srv.Close()
	dir := t.TempDir()
	s, waits := open(t, dir, srv.URL)
	s.Enqueue(msg("m1"))
	s.Enqueue(msg("m2"))
	s.Wait()
	if r.calls != 8 {
		t.Errorf("calls = %d, want 2×4 attempts", r.calls)
	}
	if got := (*waits)[:3]; got[0] != time.Second || got[1] != 2*time.Second || got[2] != 4*time.Second {
		t.Errorf("waits = %v", *waits)
	}
	dl := s.DeadLetters()
	if len(dl) != 2 || dl[0].Message.ID != "m1" || dl[0].Attempts != 4 || dl[0].Error == "" {
		t.Fatalf("dead letters = %+v", dl)
	}
	s.Close()

	s2, _ := open(t, dir, srv.URL)
	if got := s2.DeadLetters(); len(got) != 2 || got[1].Message.ID != "m2" {
		t.Fatalf("after restart: %+v", got)
	}
	r.mu.Lock()
	r.failFirst = 0
	r.mu.Unlock()
	if err := s2.Retry("m1"); err != nil {
		t.Fatal(err)
	}
	s2.Wait()
	if err := s2.Dismiss("m2"); err != nil {
		t.Fatal(err)
	}
	if err := s2.Dismiss("nope"); err != notify.ErrNotFound {
		t.Errorf("dismiss unknown: %v", err)
	}
	if got := s2.DeadLetters(); len(got) != 0 {
		t.Errorf("dead letters left: %+v", got)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.got) != 1 || r.got[0].ID != "m1" || r.badSig != 0 {
		t.Errorf("delivered %+v badSig=%d", r.got, r.badSig)
	}
}

// TestWebhookSignature: a receiver with another secret refuses; the
// signature covers the timestamp and the body.
func TestWebhookSignature(t *testing.T) {
	body := []byte(`{"id":"x"}`)
	sig := notify.Sign(secret, 100, body)
	if !notify.Verify(secret, 100, body, sig) || notify.Verify(secret, 101, body, sig) || notify.Verify("other-secret-0000", 100, body, sig) ||
		notify.Verify(secret, 100, []byte(`{"id":"y"}`), sig) {
		t.Fatal("signature checks wrong")
	}
	s, _ := open(t, t.TempDir(), "")
	for _, bad := range []notify.Settings{{URL: "ftp://x"}, {URL: "http://gw/x", Secret: "short"}, {Attempts: 99}} {
		if err := s.SaveSettings(bad); err == nil {
			t.Errorf("settings %+v accepted", bad)
		}
	}
}
