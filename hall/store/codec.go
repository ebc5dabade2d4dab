package store

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
)

// Every record and event value is stored sealed: one mark byte (sealMark),
// the CRC-32C (Castagnoli) of the JSON in 4 big-endian bytes, then the JSON.
// Reads verify the checksum, so a changed byte in a ticket is a "damaged
// record tickets/…" error instead of a customer silently gone from the
// queue; Verify checks every value the same way.
//
// Values written before checksums (schema 1 stores) are plain JSON, which
// starts with '{': they are accepted as they are and gain their checksum
// when next rewritten. Stores are not rewritten at open, so that read-only
// commands (check, backup, export) work on any store and a large store does
// not rewrite years of history in one transaction; check counts them.
//
// Not sealed: the rollups (facts derived from the events, rebuilt from them
// by RebuildRollups), the tracking index (ticket keys, which check resolves)
// and the fixed-width counters of the meta bucket.
const sealMark = 0x01

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// sealJSON encodes v as a sealed value.
func sealJSON(v any) ([]byte, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return seal(raw), nil
}

// seal returns the sealed value of a JSON payload.
func seal(payload []byte) []byte {
	out := make([]byte, 5+len(payload))
	out[0] = sealMark
	binary.BigEndian.PutUint32(out[1:5], crc32.Checksum(payload, castagnoli))
	copy(out[5:], payload)
	return out
}

var (
	errChecksum = errors.New("checksum mismatch: the stored bytes changed")
	errFormat   = errors.New("unknown value format")
)

// unseal returns the JSON payload of a stored value; legacy is true for a
// value written before checksums.
func unseal(v []byte) (payload []byte, legacy bool, err error) {
	switch {
	case len(v) == 0:
		return nil, false, errors.New("empty value")
	case v[0] == sealMark:
		if len(v) < 5 {
			return nil, false, errors.New("value cut short")
		}
		if crc32.Checksum(v[5:], castagnoli) != binary.BigEndian.Uint32(v[1:5]) {
			return nil, false, errChecksum
		}
		return v[5:], false, nil
	case v[0] == '{':
		return v, true, nil
	}
	return nil, false, errFormat
}

// DamagedError is a stored value that fails its checksum or does not
// decode: which bucket, which key, and why. It wraps ErrDamaged.
type DamagedError struct {
	Bucket string
	Key    string
	Err    error
}

func (e *DamagedError) Error() string {
	return fmt.Sprintf("damaged record %s/%s: %v", e.Bucket, e.Key, e.Err)
}

func (e *DamagedError) Unwrap() []error { return []error{ErrDamaged, e.Err} }

// decode verifies and decodes the value stored under bucket/key into into.
func decode(bucket string, key string, v []byte, into any) error {
	p, _, err := unseal(v)
	if err == nil {
		err = json.Unmarshal(p, into)
	}
	if err != nil {
		return &DamagedError{Bucket: bucket, Key: key, Err: err}
	}
	return nil
}

// seqName shows a sequence key (events, counters) as a number.
func seqName(k []byte) string {
	if len(k) == 8 {
		return fmt.Sprint(binary.BigEndian.Uint64(k))
	}
	return fmt.Sprintf("%x", k)
}
