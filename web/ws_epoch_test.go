package web_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/fasthttp/websocket"

	"hallq/hall"
)

// TestWSEpochResume: every frame names the store's epoch, and a client
// resuming with a sequence of another epoch (a restore came between) gets
// no replay of this epoch's events as if they followed its own — only the
// snapshot. A client of the current epoch still gets its replay.
func TestWSEpochResume(t *testing.T) {
	e := wsEnv(t)
	epoch := e.hall.Epoch()
	if epoch == "" {
		t.Fatal("the hall has no epoch")
	}
	display := e.device(hall.KindDisplay, 0)
	e.wsIssue(1)
	_, s := e.hall.Snapshot()
	e.wsIssue(3)
	_, latest := e.hall.Snapshot()

	t.Run("same epoch replays", func(t *testing.T) {
		c := e.wsDial("display", s, display)
		f := wsRead(t, c)
		if f.Type != "event" || !f.Replay || f.Epoch != epoch {
			t.Fatalf("first frame %s replay %v epoch %q, want a replayed event of epoch %q", f.Type, f.Replay, f.Epoch, epoch)
		}
	})

	t.Run("another epoch gets the snapshot", func(t *testing.T) {
		u := e.wsURL("display", s) + "&epoch=" + url.QueryEscape("20200101T000000Z-000000000000")
		conn, res, err := (&websocket.Dialer{HandshakeTimeout: 10 * time.Second}).Dial(u, wsHeader(display, ""))
		if err != nil {
			t.Fatalf("dial: %v", err)
		}
		res.Body.Close()
		t.Cleanup(func() { conn.Close() })
		f := wsRead(t, conn)
		if f.Type != "snapshot" || f.Seq != latest || f.Epoch != epoch {
			t.Fatalf("first frame %s seq %d epoch %q replay %v, want the snapshot %d of epoch %q", f.Type, f.Seq, f.Epoch, f.Replay, latest, epoch)
		}
		e.wsIssue(1)
		if f := wsRead(t, conn); f.Type != "event" || f.Epoch != epoch {
			t.Errorf("live frame %s epoch %q, want an event of epoch %q", f.Type, f.Epoch, epoch)
		}
	})

	t.Run("healthz, queue and events name it", func(t *testing.T) {
		for _, path := range []string{"/healthz", "/api/v1/queue"} {
			r := e.do("GET", path, e.login("manager", 0), nil)
			if got := r.Map(t)["epoch"]; got != epoch {
				t.Errorf("%s: epoch %v, want %q", path, got, epoch)
			}
		}
		integ := e.integration()
		r := e.do("GET", "/api/v1/events?since=0", integ, nil)
		if r.Status != http.StatusOK {
			t.Fatalf("events: %d %s", r.Status, r.Body)
		}
		n := 0
		sc := bufio.NewScanner(bytes.NewReader(r.Body))
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var line struct {
				Seq   uint64 `json:"seq"`
				Epoch string `json:"epoch"`
			}
			if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
				t.Fatal(err)
			}
			if line.Epoch != epoch {
				t.Fatalf("event %d: epoch %q, want %q", line.Seq, line.Epoch, epoch)
			}
			n++
		}
		// Resuming in another epoch starts from the beginning of this one.
		again := e.do("GET", fmt.Sprintf("/api/v1/events?since=%d&epoch=other", latest), integ, nil)
		if m := bytes.Count(again.Body, []byte("\n")); m != n {
			t.Errorf("since=%d of another epoch: %d lines, want the whole log (%d)", latest, m, n)
		}
		same := e.do("GET", fmt.Sprintf("/api/v1/events?since=%d&epoch=%s", latest, url.QueryEscape(epoch)), integ, nil)
		if m := bytes.Count(same.Body, []byte("\n")); m >= n {
			t.Errorf("since=%d of this epoch: %d lines, want only the later ones", latest, m)
		}
	})
}
