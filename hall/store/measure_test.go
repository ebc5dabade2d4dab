package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
)

// bbolt's group commit as the baseline runs it: a put waits at most
// maxBatchDelay for others to share its transaction (and fsync).
const (
	maxBatchDelay = 2 * time.Millisecond
	maxBatchSize  = 2000
)

// MeasureBatchPuts measures the raw durable write rate of bbolt on the disk
// of dir, the baseline of the store's benchmarks (bench_test.go; a test file
// of package store, so only tests see it): it creates a fresh bbolt file in
// dir (removed afterwards), starts writers goroutines that each put
// perWriter values of valueSize bytes one after another, every put in its
// own db.Batch call with maxBatchDelay and maxBatchSize (so concurrent puts
// share transactions and fsyncs), and returns the puts per second over the
// whole run. dir must exist.
func MeasureBatchPuts(dir string, writers, perWriter, valueSize int) (putsPerSec float64, err error) {
	if writers < 1 || perWriter < 1 || valueSize < 0 {
		return 0, errors.New("measure batch puts: writers and perWriter must be positive")
	}
	f, err := os.CreateTemp(dir, "measure-*.db")
	if err != nil {
		return 0, fmt.Errorf("measure batch puts: %w", err)
	}
	path := f.Name()
	f.Close()
	os.Remove(path) // bbolt creates and initialises the file itself
	defer os.Remove(path)
	db, err := bolt.Open(filepath.Clean(path), 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		return 0, fmt.Errorf("measure batch puts: %w", err)
	}
	defer db.Close()
	db.MaxBatchDelay, db.MaxBatchSize = maxBatchDelay, maxBatchSize
	bucket := []byte("measure")
	if err := db.Update(func(tx *bolt.Tx) error {
		_, err := tx.CreateBucket(bucket)
		return err
	}); err != nil {
		return 0, fmt.Errorf("measure batch puts: %w", err)
	}

	value := make([]byte, valueSize)
	for i := range value {
		value[i] = byte('a' + i%26)
	}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
	)
	start := time.Now()
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perWriter {
				key := make([]byte, 8)
				binary.BigEndian.PutUint64(key, uint64(i)*uint64(writers)+uint64(w))
				if err := db.Batch(func(tx *bolt.Tx) error { return tx.Bucket(bucket).Put(key, value) }); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
					return
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if first != nil {
		return 0, fmt.Errorf("measure batch puts: %w", first)
	}
	return float64(writers*perWriter) / elapsed.Seconds(), nil
}
