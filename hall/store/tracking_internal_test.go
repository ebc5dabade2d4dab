package store

import (
	"bytes"
	"fmt"
	"testing"

	"hallq/queue"
)

// TestPackTracking: a sealed ticket's tracking value gives back its tickets
// key and sequence, in the packed form and in the 24-byte form earlier
// sealers wrote; a hot ticket's value (the tickets key) and junk are not
// taken for sealed ones.
func TestPackTracking(t *testing.T) {
	key := append(dayKey("2026-11-04"), u64(123456)...)
	cases := []struct {
		name string
		v    []byte
		ok   bool
	}{
		{"packed", packTracking("2026-11-04", 123456, 9876543), true},
		{"24 bytes", append(bytes.Clone(key), u64(9876543)...), true},
		{"hot", key, false},
		{"junk", []byte{0, 0x80}, false},
		{"trailing bytes", append(packTracking("2026-11-04", 123456, 9876543), 1), false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			k, seq, ok := unpackTracking(c.v)
			if ok != c.ok {
				t.Fatalf("ok %v, want %v", ok, c.ok)
			}
			if ok && (!bytes.Equal(k, key) || seq != 9876543) {
				t.Errorf("key %q seq %d, want %q 9876543", k, seq, key)
			}
		})
	}
	if n := len(packTracking("2026-11-04", 123456, 9876543)); n > 11 {
		t.Errorf("packed value of %d bytes", n)
	}
}

// TestRecordsNotInEvents: a moved record whose last image in the day's
// events is the same (revision and bytes) is read back from the events; one
// whose image differs, or that no event holds, is carried by the segment.
func TestRecordsNotInEvents(t *testing.T) {
	rec := func(key string, rev int, data string) queue.Record {
		return queue.Record{Kind: "rating", Key: key, Rev: rev, Data: []byte(data)}
	}
	evs := []queue.Event{
		{Seq: 1, Records: []queue.Record{rec("a", 1, `{"s":1}`), rec("b", 1, `{"s":1}`)}},
		{Seq: 2, Records: []queue.Record{rec("b", 2, `{"s":2}`)}},
	}
	moved := []queue.Record{rec("a", 1, `{"s":1}`), rec("b", 2, `{"s":3}`), rec("c", 1, `{}`), rec("b", 1, `{"s":1}`)}
	got := recordsNotInEvents(evs, moved)
	var keys []string
	for _, r := range got {
		keys = append(keys, fmt.Sprintf("%s/%d", r.Key, r.Rev))
	}
	if fmt.Sprint(keys) != "[b/2 c/1 b/1]" {
		t.Errorf("carried %v, want [b/2 c/1 b/1]", keys)
	}
}
