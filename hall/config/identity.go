package config

// The hall's identity towards the regional centre: its id, which names it
// in the region's database for ever, and where its feed is shipped.
//
// DATA/hall.json may hold, read at every start (not stored, like "disk"):
//
//	"id": "sz-futian",                     // the hall's id in the region
//	"region": {"ship_to": "postgres://…",  // ship the feed there (hallq serve)
//	           "ship_every_s": 10}
//
// Without "id" the id is derived from the hall's name (DeriveID): set it
// before the first shipment if the name may change.

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"

	"hallq/queue"
)

// RegionSettings are hall.json's "region" section.
type RegionSettings struct {
	// ShipTo is the region's PostgreSQL (postgres://…); "" ships nothing.
	ShipTo string `json:"ship_to"`
	// ShipEveryS is the pause between shipments when the hall is caught up
	// (seconds; 0 means 10).
	ShipEveryS int `json:"ship_every_s"`
}

// Identity is the hall's id and region settings as hall.json gives them.
type Identity struct {
	ID     string // "" when hall.json sets none
	Region RegionSettings
}

// ReadIdentity reads the id and "region" section of DIR/hall.json; a missing
// or unreadable file gives the zero Identity (Load reports bad files).
func ReadIdentity(dir string) Identity {
	var id Identity
	raw, err := os.ReadFile(filepath.Join(dir, File))
	if err != nil {
		return id
	}
	var c struct {
		ID     string          `json:"id"`
		Region *RegionSettings `json:"region"`
	}
	if json.Unmarshal(raw, &c) != nil {
		return id
	}
	id.ID = strings.TrimSpace(c.ID)
	if c.Region != nil {
		id.Region = *c.Region
	}
	return id
}

// DeriveID is the id of a hall whose hall.json names none: its English
// name in lower case with runs of other characters as "-" (at most 48
// characters), or, without an English name, "hall-" and the first 8 hex
// digits of the SHA-256 of its Chinese name.
func DeriveID(cfg queue.Config) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(cfg.NameEN) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
		} else {
			dash = true
		}
		if b.Len() >= 48 {
			break
		}
	}
	if b.Len() > 0 {
		return b.String()
	}
	sum := sha256.Sum256([]byte(cfg.NameZH))
	return "hall-" + hex.EncodeToString(sum[:4])
}

// ValidID reports whether id may name a hall: 1–64 characters of a–z, 0–9,
// ".", "_" and "-", starting with a letter or digit. Errors are EINVALID.
func ValidID(id string) error {
	ok := len(id) > 0 && len(id) <= 64
	for i, r := range id {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
		case (r == '.' || r == '_' || r == '-') && i > 0:
		default:
			ok = false
		}
	}
	if !ok {
		return queue.Err(queue.EINVALID, "err.hall.a_hall_id_is", id)
	}
	return nil
}
