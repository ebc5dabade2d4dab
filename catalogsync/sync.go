package catalogsync

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"hallq/casework"
	"hallq/casework/cases"
	"hallq/hall"
	"hallq/hall/config"
	"hallq/queue"
)

// BundlePath is where the region console serves the newest signed bundle,
// below the region's URL.
const BundlePath = "/region/v1/catalog/bundle"

// MaxBundle is the largest bundle a hall reads.
const MaxBundle = 8 << 20

// Principal is who applies a pulled bundle in the hall's audit and events
// when no manager asked for it.
var Principal = hall.Principal{Kind: "user", Name: "region", Role: hall.RoleManager}

// Current returns the record catalog/region: the bundle the hall runs
// (Version 0 before the first).
func Current(cw *casework.Service) (State, error) {
	st, _, err := hall.Load[State](cw.Hall(), casework.KindCatalog, casework.CatalogRegionKey)
	if err != nil {
		return State{}, err // names the record
	}
	return st, nil
}

// Apply verifies a signed bundle and merges it into the hall. It returns
// the state the hall runs afterwards and whether anything was applied (a
// bundle of the version the hall runs is not applied again). A bundle that
// does not verify is EINVALID (ErrSignature), an older one ECONFLICT
// (ErrOlder); a merge the hall's own overrides make invalid is EINVALID; in
// each case nothing changes. Services are saved first, then the catalog and
// the new base in one transaction: a crash between them leaves the old base,
// and the same bundle applies again cleanly (the merge is idempotent).
func Apply(ctx context.Context, cw *casework.Service, p hall.Principal, pub ed25519.PublicKey, data []byte) (State, bool, error) {
	h := cw.Hall()
	b, err := Open(pub, data)
	if err != nil {
		return State{}, false, err
	}
	st, err := Current(cw)
	if err != nil {
		return State{}, false, err
	}
	if err := checkVersion(st.Version, b.Version); err != nil || b.Version == st.Version {
		return st, false, err
	}
	baseCat, baseSvc := base(st)
	// Dry run: the merged catalog must be valid before anything is saved.
	if _, err := mergedCatalog(baseCat, cw.Catalog(), b); err != nil {
		return st, false, err
	}
	changes := MergeServices(baseSvc, h.Services(), b.Services)
	cfg := h.Config()
	cfg.Services = h.Services()
	for _, ch := range changes {
		if ch.Create {
			cfg.Services = append(cfg.Services, ch.Service)
		}
	}
	if err := cfg.Validate(); err != nil {
		return st, false, fmt.Errorf("catalog bundle %d: %w", b.Version, err)
	}
	for _, ch := range changes {
		if _, err := h.SaveService(ctx, p, ch.Service, ch.Create); err != nil {
			return st, false, fmt.Errorf("catalog bundle %d: %w", b.Version, err)
		}
	}
	next := State{Version: b.Version, Catalog: b.Catalog, Services: b.Services}
	if !b.Issued.IsZero() {
		next.Issued = b.Issued.UTC().Format(time.RFC3339)
	}
	_, err = cw.MergeCatalog(p, fmt.Sprintf("region catalog %d", b.Version), func(cur *cases.Catalog, raw []byte) (*cases.Catalog, any, error) {
		var now State
		if raw != nil {
			if err := json.Unmarshal(raw, &now); err != nil {
				return nil, nil, fmt.Errorf("read catalog/region: %w", err)
			}
		}
		if err := checkVersion(now.Version, b.Version); err != nil {
			return nil, nil, err
		}
		bc, _ := base(now)
		m, err := mergedCatalog(bc, cur, b)
		return m, next, err
	})
	if err != nil {
		return st, false, err
	}
	return next, true, nil
}

func checkVersion(running, got int64) error {
	if got < running {
		return fmt.Errorf("%w%w", queue.Err(queue.ECONFLICT, "err.catalogsync.version_is_older_than", got, running), ErrOlder)
	}
	return nil
}

// base is what the hall's own edits are measured against: the last bundle
// applied, or the catalog and services shipped in the binary.
func base(st State) (*cases.Catalog, []queue.Service) {
	if st.Catalog == nil {
		return cases.DefaultCatalog(), config.Default().Services
	}
	return st.Catalog, st.Services
}

func mergedCatalog(base, cur *cases.Catalog, b Bundle) (*cases.Catalog, error) {
	m, err := MergeCatalog(base, cur, b.Catalog)
	if err != nil {
		return nil, queue.Err(queue.EINVALID, "err.catalogsync.bundle_does_not_merge", b.Version, err)
	}
	if err := m.Validate(); err != nil {
		return nil, queue.Err(queue.EINVALID, "err.catalogsync.bundle_conflicts_with_hall", b.Version, firstLine(err.Error()))
	}
	return m, nil
}

// Source is where a hall pulls its catalog from (hall.json "region_catalog").
type Source struct {
	URL       string            // the region console's base URL
	PublicKey ed25519.PublicKey // the region's signing key
	Every     time.Duration     // between pulls when all is well; 0: 5 minutes
}

// Status is what the manager console and /api/v1/catalog/region show.
type Status struct {
	Configured bool      `json:"configured"`
	URL        string    `json:"url,omitempty"`
	Version    int64     `json:"version"`
	Issued     string    `json:"issued,omitempty"`
	LastPull   time.Time `json:"last_pull,omitzero"`
	LastOK     time.Time `json:"last_ok,omitzero"`
	LastError  string    `json:"last_error,omitempty"`
	Overrides  []string  `json:"overrides"`
}

// Syncer pulls the region's bundle for one hall: periodically, outbound,
// with back-off while the centre cannot be reached, and on a manager's
// "pull now".
type Syncer struct {
	cw     *casework.Service
	src    Source
	client *http.Client
	log    *slog.Logger

	pull sync.Mutex // one pull at a time
	mu   sync.Mutex
	last Status
}

// New returns a syncer; src.URL empty means the hall has no region (Pull
// answers EINVALID, Run returns at once).
func New(cw *casework.Service, src Source, log *slog.Logger) *Syncer {
	if src.Every <= 0 {
		src.Every = 5 * time.Minute
	}
	if log == nil {
		log = slog.Default()
	}
	src.URL = strings.TrimRight(src.URL, "/")
	return &Syncer{cw: cw, src: src, log: log, client: &http.Client{Timeout: 30 * time.Second}}
}

// Status returns the version the hall runs, the last pull and the hall's
// own overrides.
func (s *Syncer) Status() Status {
	s.mu.Lock()
	out := s.last
	s.mu.Unlock()
	out.Configured, out.URL = s.src.URL != "", s.src.URL
	st, err := Current(s.cw)
	if err == nil {
		out.Version, out.Issued = st.Version, st.Issued
		out.Overrides = Overrides(st, s.cw.Catalog(), s.cw.Hall().Services())
	}
	if out.Overrides == nil {
		out.Overrides = []string{}
	}
	return out
}

// Pull fetches the newest bundle and applies it as p.
func (s *Syncer) Pull(ctx context.Context, p hall.Principal) (Status, error) {
	if s.src.URL == "" {
		return s.Status(), queue.Err(queue.EINVALID, "err.catalogsync.no_region_configured")
	}
	s.pull.Lock()
	defer s.pull.Unlock()
	data, err := s.fetch(ctx)
	var applied bool
	var st State
	if err == nil {
		st, applied, err = Apply(ctx, s.cw, p, s.src.PublicKey, data)
	}
	now := time.Now()
	s.mu.Lock()
	s.last.LastPull = now
	if err != nil {
		s.last.LastError = queue.ErrorMessage(err)
	} else {
		s.last.LastOK, s.last.LastError = now, ""
	}
	s.mu.Unlock()
	if err != nil {
		s.log.Warn("catalog pull", "url", s.src.URL, "err", err)
		return s.Status(), err
	}
	if applied {
		s.log.Info("catalog bundle applied", "version", st.Version, "by", p.Actor())
	}
	return s.Status(), nil
}

func (s *Syncer) fetch(ctx context.Context) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.src.URL+BundlePath, nil)
	if err != nil {
		return nil, queue.Err(queue.EINVALID, "err.catalogsync.region_url_is_invalid")
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", queue.Err(queue.EUNAVAILABLE, "err.catalogsync.region_cannot_be_reached"), err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, queue.Err(queue.EUNAVAILABLE, "err.catalogsync.region_answered", resp.StatusCode)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, MaxBundle+1))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", queue.Err(queue.EUNAVAILABLE, "err.catalogsync.download_broke_off"), err)
	}
	if len(data) > MaxBundle {
		return nil, queue.Err(queue.EINVALID, "err.catalogsync.bundle_is_too_large")
	}
	return data, nil
}

// Run pulls at start and every src.Every until ctx ends; after a failure it
// tries again sooner, backing off from 15 s to src.Every.
func (s *Syncer) Run(ctx context.Context) {
	if s.src.URL == "" {
		return
	}
	wait := time.Duration(0)
	backoff := 15 * time.Second
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		_, err := s.Pull(ctx, Principal)
		if err != nil && queue.ErrorCode(err) == queue.EUNAVAILABLE {
			wait = backoff
			backoff = min(2*backoff, s.src.Every)
			continue
		}
		wait, backoff = s.src.Every, 15*time.Second
	}
}

// LoadSource reads the "region_catalog" section of DIR/hall.json:
//
//	"region_catalog": {"url": "http://region.example:8090",
//	                   "public_key": "BASE64", "every_s": 300}
//
// No file or no section is a hall without a region (Source.URL empty); a
// section with a bad key or URL is EINVALID.
func LoadSource(dir string) (Source, error) {
	raw, err := os.ReadFile(filepath.Join(dir, config.File))
	if errors.Is(err, os.ErrNotExist) {
		return Source{}, nil
	} else if err != nil {
		return Source{}, fmt.Errorf("read %s: %w", config.File, err)
	}
	var c struct {
		RegionCatalog *struct {
			URL       string `json:"url"`
			PublicKey string `json:"public_key"`
			EveryS    int    `json:"every_s"`
		} `json:"region_catalog"`
	}
	if err := json.Unmarshal(raw, &c); err != nil {
		return Source{}, fmt.Errorf("read %s: %w", config.File, err)
	}
	rc := c.RegionCatalog
	if rc == nil || rc.URL == "" {
		return Source{}, nil
	}
	if u, err := url.Parse(rc.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return Source{}, queue.Err(queue.EINVALID, "err.catalogsync.url_must_be_http")
	}
	pub, err := ParsePublicKey(rc.PublicKey)
	if err != nil {
		return Source{}, fmt.Errorf("hall.json region_catalog.public_key: %w", err)
	}
	return Source{URL: rc.URL, PublicKey: pub, Every: time.Duration(rc.EveryS) * time.Second}, nil
}

// PullErr is the error Pull answers on a hall without a region.
func (s *Syncer) PullErr() error {
	_, err := s.Pull(context.Background(), Principal)
	return err
}
