package store

import (
	"bytes"
	"testing"
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
