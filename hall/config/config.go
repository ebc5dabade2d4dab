// Package config reads the hall's config file, DATA/hall.json: the queue's
// configuration a new store is seeded from (Initial, or the embedded
// default), checked strictly (a key it does not know is refused with "did you
// mean"), and the sections read apart at every start: the hall's id and
// "region" (identity.go), the "disk" limits (package health) and
// "region_catalog" (package catalogsync). The kernel (package hall) imports
// it; it imports only queue.
package config

import (
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"

	_ "hallq/i18n" // Load's keyed errors (queue.Err) render with the catalog i18n registers
	"hallq/queue"
)

//go:embed default_hall.json
var defaultHall []byte

// File is the optional hall config in the data directory: the queue's
// config read when the store is new, the other sections at every start.
const File = "hall.json"

// Default returns the embedded default hall: six services (A 电费缴纳 …
// F 投诉建议) and six counters, with realistic opening hours.
func Default() queue.Config {
	var c queue.Config
	if err := json.Unmarshal(defaultHall, &c); err != nil {
		panic("embedded default hall: " + err.Error())
	}
	return c
}

// fileConfig is what hall.json may hold: the queue's config, the "disk"
// limits (package health), the hall's id and its "region" settings (identity.go),
// which the hall reads apart at every start.
type fileConfig struct {
	queue.Config
	Disk *struct {
		MinFreeMB  *uint64  `json:"min_free_mb"`
		MinFreePct *float64 `json:"min_free_pct"`
	} `json:"disk"`
	// RegionCatalog is where the hall pulls the region's signed catalog
	// bundle (package catalogsync reads it at every start).
	RegionCatalog *struct {
		URL       string `json:"url"`
		PublicKey string `json:"public_key"`
		EveryS    int    `json:"every_s"`
	} `json:"region_catalog"`
	// ID and Region are read apart at every start too (identity.go).
	ID     *string         `json:"id"`
	Region *RegionSettings `json:"region"`
}

// Load reads a hall config file; a missing file returns os.ErrNotExist.
// A key the config does not know (a typo) is refused with EINVALID naming its
// path and the nearest known key.
func Load(path string) (queue.Config, error) {
	var c queue.Config
	raw, err := os.ReadFile(path)
	if err != nil {
		return c, err
	}
	if err := checkKeys(raw, reflect.TypeFor[fileConfig]()); err != nil {
		return c, fmt.Errorf("hall config %s: %w", path, err)
	}
	if err := json.Unmarshal(raw, &c); err != nil {
		return c, fmt.Errorf("read hall config %s: %w", path, err)
	}
	if err := c.Validate(); err != nil {
		return c, fmt.Errorf("hall config %s: %w", path, err)
	}
	return c, nil
}

// Initial is the config a new store in dir starts from, as `serve` seeds
// it: dir/hall.json when there is one (refused with its error when it is
// not a valid hall: a typo, a bad value), else the embedded default. from
// names the source.
func Initial(dir string) (c queue.Config, from string, err error) {
	path := filepath.Join(dir, File)
	c, err = Load(path)
	if errors.Is(err, os.ErrNotExist) {
		return Default(), "embedded default", nil
	}
	return c, path, err
}
