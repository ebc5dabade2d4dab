package hall

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"hallq/queue"
)

// TestRecordsCommitAndReload checks the record write model: revisions count
// up per key, concurrent commands see each other's records, and a reopened
// hall reads them back from the store.
func TestRecordsCommitAndReload(t *testing.T) {
	dir := t.TempDir()
	opt := Options{Dir: dir, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), AlwaysOpen: true, Tick: time.Hour}
	h, err := Open(opt)
	if err != nil {
		t.Fatal(err)
	}
	type note struct{ N int }
	bump := func(key string) error {
		_, err := h.exec("test", func(e *queue.Engine, now time.Time) (queue.Event, error) {
			var n note
			if r, ok := h.recordLocked("note", key); ok {
				if err := json.Unmarshal(r.Data, &n); err != nil {
					return queue.Event{}, err
				}
			}
			n.N++
			return queue.Event{Type: "note_bumped", At: now, Day: e.Day(), Records: []queue.Record{NewRecord("note", key, n)}}, nil
		})
		return err
	}
	var wg sync.WaitGroup
	for range 20 {
		for _, k := range []string{"a", "b"} {
			wg.Add(1)
			go func() { defer wg.Done(); _ = bump(k) }()
		}
	}
	wg.Wait()
	check := func(h *Hall) {
		t.Helper()
		for _, k := range []string{"a", "b"} {
			r, ok, err := h.Record("note", k)
			if err != nil || !ok {
				t.Fatalf("record %s: ok=%v err=%v", k, ok, err)
			}
			var n note
			json.Unmarshal(r.Data, &n)
			if n.N != 20 || r.Rev != 20 {
				t.Errorf("record %s: N=%d rev=%d, want 20 and 20", k, n.N, r.Rev)
			}
		}
		var keys []string
		h.EachRecord("note", "", func(r queue.Record) bool { keys = append(keys, r.Key); return true })
		if len(keys) != 2 || keys[0] != "a" || keys[1] != "b" {
			t.Errorf("keys %v, want [a b]", keys)
		}
	}
	check(h)
	if err := h.Close(); err != nil {
		t.Fatal(err)
	}
	if h, err = Open(opt); err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	check(h)
	if err := bump("a"); err != nil {
		t.Fatal(err)
	}
	if r, _, _ := h.Record("note", "a"); r.Rev != 21 {
		t.Errorf("after reopen and one more bump: rev %d, want 21", r.Rev)
	}
	if err := h.st.Check(); err != nil {
		t.Fatal(err)
	}
}

// TestRecordCacheBounded: the record cache drops everything past its bound
// and reads the store again, so nothing committed is forgotten.
func TestRecordCacheBounded(t *testing.T) {
	h, err := Open(Options{Dir: t.TempDir(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), AlwaysOpen: true, Tick: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	_, err = h.exec("test", func(e *queue.Engine, now time.Time) (queue.Event, error) {
		return queue.Event{Type: "note_bumped", At: now, Day: e.Day(), Records: []queue.Record{NewRecord("note", "kept", map[string]int{"n": 7})}}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	h.mu.Lock()
	for i := range maxCachedRecords + 10 {
		h.recordLocked("other", fmt.Sprintf("k%06d", i)) // misses, cached as absent
	}
	n := h.recs.Len()
	r, ok := h.recordLocked("note", "kept")
	h.mu.Unlock()
	if n > maxCachedRecords {
		t.Errorf("cache holds %d records, bound %d", n, maxCachedRecords)
	}
	if !ok || r.Rev != 1 || string(r.Data) != `{"n":7}` {
		t.Errorf("after eviction: %+v %v, want the committed record", r, ok)
	}
}
