package reccache_test

import (
	"testing"

	"hallq/hall/reccache"
	"hallq/queue"
)

// TestCache: absent records are cached as absent, the bound is counted in
// records, and Reset forgets everything.
func TestCache(t *testing.T) {
	c := reccache.New(2)
	if !c.Full() {
		t.Fatal("a new cache must be Reset before its first Put")
	}
	c.Reset()
	if _, _, cached := c.Get("k", "a"); cached {
		t.Fatal("an empty cache knows a record")
	}
	c.Put("k", "a", queue.Record{Kind: "k", Key: "a", Rev: 3})
	c.Put("k", "b", queue.Record{}) // absent
	if r, ok, cached := c.Get("k", "a"); !ok || !cached || r.Rev != 3 {
		t.Errorf("a: %+v %v %v", r, ok, cached)
	}
	if _, ok, cached := c.Get("k", "b"); ok || !cached {
		t.Errorf("b: ok %v cached %v, want known absent", ok, cached)
	}
	c.Put("k", "a", queue.Record{Kind: "k", Key: "a", Rev: 4}) // a replacement is not a new record
	if c.Len() != 2 || !c.Full() {
		t.Errorf("len %d full %v, want 2 and full", c.Len(), c.Full())
	}
	c.Reset()
	if _, _, cached := c.Get("k", "a"); cached || c.Len() != 0 {
		t.Error("Reset kept a record")
	}
}
