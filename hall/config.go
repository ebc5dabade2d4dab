package hall

import (
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"

	"hallq/queue"
)

//go:embed default_hall.json
var defaultHall []byte

// DefaultConfig returns the embedded default hall: six services (A 电费缴纳 …
// F 投诉建议) and six counters, with realistic opening hours.
func DefaultConfig() queue.Config {
	var c queue.Config
	if err := json.Unmarshal(defaultHall, &c); err != nil {
		panic("embedded default hall: " + err.Error())
	}
	return c
}

// fileConfig is what hall.json may hold: the queue's config, the "disk"
// limits (disk.go), the hall's id and its "region" settings (identity.go),
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

// LoadConfig reads a hall config file; a missing file returns os.ErrNotExist.
// A key the config does not know (a typo) is refused with EINVALID naming its
// path and the nearest known key.
func LoadConfig(path string) (queue.Config, error) {
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

// initialConfig is the config for a new store: the file in the data dir if
// there is one, else the embedded default.
func initialConfig(path string) (queue.Config, string, error) {
	c, err := LoadConfig(path)
	if errors.Is(err, os.ErrNotExist) {
		return DefaultConfig(), "embedded default", nil
	}
	return c, path, err
}

// InitialConfig is the config a new store in dir starts from, as `serve`
// seeds it: dir/hall.json when there is one (refused with its error when it
// is not a valid hall: a typo, a bad value), else the embedded default. from
// names the source.
func InitialConfig(dir string) (c queue.Config, from string, err error) {
	return initialConfig(filepath.Join(dir, ConfigFile))
}
