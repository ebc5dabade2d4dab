package store

import (
	"fmt"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"hallq/history"
)

// BenchmarkTrackingOld looks up the tracking code of a ticket four years
// old: the hot file lacks it, so the closed months' facts files are asked
// newest first — 48 files of a large hall's month (65,000 codes each, as
// the sealer writes them) opened, their index read, one block each, until
// the oldest holds it. What follows (the ticket's block of its day's
// segment) is the same as before facts files.
func BenchmarkTrackingOld(b *testing.B) {
	s, err := Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	start := time.Date(2022, 12, 1, 0, 0, 0, 0, time.UTC)
	const months, perMonth = 48, 65000
	var oldest string
	for m := range months {
		month := start.AddDate(0, m, 0).Format("2006-01")
		var kvs []history.KV
		for i := range perMonth {
			code := fmt.Sprintf("%02d%06d", m, i) // codes sort like random ones: spread over the file
			kvs = append(kvs, history.KV{K: append([]byte{'t'}, code...), V: packTracking(month+"-15", uint64(m*perMonth+i), uint64(m*perMonth+i))})
		}
		if m == 0 {
			oldest = string(kvs[perMonth/2].K[1:])
		}
		size, sum, err := history.WriteFacts(history.FactsPathFor(s.hist.dir, month), month, kvs)
		if err != nil {
			b.Fatal(err)
		}
		if err := s.update(func(tx *bolt.Tx) error {
			fb, err := tx.CreateBucketIfNotExists(bFacts)
			if err != nil {
				return err
			}
			raw, _ := sealJSON(factsEntry{Size: size, Sum: sum, Keys: len(kvs)})
			if err := fb.Put([]byte(month), raw); err != nil {
				return err
			}
			raw, _ = sealJSON(factsMark{Month: month})
			return tx.Bucket(bMeta).Put(metaFacts, raw)
		}); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for range b.N {
		var v []byte
		if err := s.view(func(tx *bolt.Tx) (err error) { v, err = s.closedTracking(tx, oldest); return err }); err != nil || v == nil {
			b.Fatalf("lookup: %q %v", v, err)
		}
	}
}
