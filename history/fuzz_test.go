package history_test

import (
	"errors"
	"testing"

	"hallq/history"
	"hallq/queue"
)

// readEverything opens data as a segment and reads all of it; it returns
// the first error. Bad input must give an error, never a panic or a hang.
func readEverything(t *testing.T, data []byte) error {
	seg, err := history.OpenBytes("fuzz.seg", data)
	if err != nil {
		if !errors.Is(err, history.ErrDamaged) {
			t.Fatalf("a bad segment gave %v, not a damaged-segment error", err)
		}
		return err
	}
	if err := seg.EachEvent(0, func(ev *queue.Event) error { return nil }); err != nil {
		return err
	}
	if err := seg.EachRecord(func(r *queue.Record) error { return nil }); err != nil {
		return err
	}
	return seg.Verify()
}

// FuzzOpen feeds whole files to the reader.
func FuzzOpen(f *testing.F) {
	for _, opt := range []history.WriteOptions{{BlockEvents: 3}, {}} {
		data, _, err := history.Encode(handDay(), opt)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	empty, _, _ := history.Encode(&history.Day{Day: "2026-12-06"}, history.WriteOptions{})
	f.Add(empty)
	f.Add([]byte("hallqseg"))
	f.Fuzz(func(t *testing.T, data []byte) {
		readEverything(t, data)
	})
}

// FuzzBlock feeds block contents, framed with a valid checksum, to the
// event and record decoders.
func FuzzBlock(f *testing.F) {
	f.Add(false, 1, uint64(1), uint64(1), []byte{1, 0, 1, 'x', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})
	f.Add(true, 1, uint64(0), uint64(0), []byte{0, 1, 'k', 0, 1, 'k', 2, 1, 1, 0, 1, 'a', 1, '1'})
	f.Add(false, 2, uint64(5), uint64(9), []byte{5, 0, 1, 't', 1, 1, 1, 0, 0, 2, 0, 1, 7, 1, 2, 0, 0, 0, 0, 0, 4, 1, 1, 1, 0, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, records bool, count int, first, last uint64, raw []byte) {
		if count < 0 {
			count = -count
		}
		readEverything(t, history.SegmentOfBlock("2026-12-04", records, count%1000, first, last, raw))
	})
}
