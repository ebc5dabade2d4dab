package region

import (
	"bufio"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"hallq/casework/cases"
	"hallq/hall"
	"hallq/region/feed"
)

// HallInfo is what the region stores about a hall besides its events.
type HallInfo struct {
	ID       string
	NameZH   string
	NameEN   string
	Timezone string
	// Epoch is the store's current epoch: its id, the last sequence
	// number before it (a restore's floor) and the epoch before it.
	Epoch feed.Epoch
	// Head is the hall's newest event when Info answered (the lag is
	// known even while the region is unreachable).
	Head Head
}

// Head is the newest event a hall has committed.
type Head struct {
	Seq uint64
	At  time.Time
}

// Source is one hall's feed as the shipper reads it.
type Source interface {
	// Info names the hall and its current epoch.
	Info(ctx context.Context) (HallInfo, error)
	// Read returns up to limit lines after since, and the hall's head.
	Read(ctx context.Context, since uint64, limit int) ([]feed.Line, Head, error)
}

// LocalSource reads a hall in the same process (hallq serve with
// region.ship_to): straight from the store's read transactions, never
// under the hall's command lock.
type LocalSource struct {
	Hall *hall.Hall
	// Catalog is the hall's business catalog (casework.Service.Catalog):
	// the case class of each line. Nil: the default catalog.
	Catalog func() *cases.Catalog
}

// Info implements Source.
func (s LocalSource) Info(context.Context) (HallInfo, error) {
	cfg := s.Hall.Config()
	info := HallInfo{ID: s.Hall.ID(), NameZH: cfg.NameZH, NameEN: cfg.NameEN, Timezone: cfg.TimeZone, Epoch: feed.EpochOf(s.Hall)}
	last, ok, err := s.Hall.Store().LastEvent()
	if ok {
		info.Head = Head{Seq: last.Seq, At: last.At}
	}
	return info, err
}

// Read implements Source.
func (s LocalSource) Read(_ context.Context, since uint64, limit int) ([]feed.Line, Head, error) {
	var head Head
	last, ok, err := s.Hall.Store().LastEvent()
	if err != nil {
		return nil, head, err
	}
	if ok {
		head = Head{Seq: last.Seq, At: last.At}
	}
	evs, err := s.Hall.Store().Events(since, limit)
	if err != nil {
		return nil, head, err
	}
	src := feed.HallSource(s.Hall, s.Catalog)
	out := make([]feed.Line, len(evs))
	for i, ev := range evs {
		out[i] = src.Line(ev)
	}
	return out, head, nil
}

// HTTPSource reads a hall over its API (hallq ship --from http://hall):
// GET /api/v1/events?since=&limit= with an integration token, gzip.
type HTTPSource struct {
	URL    string // the hall's base URL
	Token  string // a device token of kind integration
	Client *http.Client
}

func (s HTTPSource) get(ctx context.Context, since uint64, limit int) (*http.Response, error) {
	u := strings.TrimRight(s.URL, "/") + "/api/v1/events?since=" + strconv.FormatUint(since, 10) + "&limit=" + strconv.Itoa(limit)
	req, err := http.NewRequestWithContext(ctx, "GET", u, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+s.Token)
	req.Header.Set("Accept-Encoding", "gzip")
	c := s.Client
	if c == nil {
		c = &http.Client{Timeout: 2 * time.Minute}
	}
	res, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	if res.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(res.Body, 4096))
		res.Body.Close()
		return nil, fmt.Errorf("hall %s: %s: %s", s.URL, res.Status, strings.TrimSpace(string(b)))
	}
	return res, nil
}

// Info implements Source (from the headers of an empty page).
func (s HTTPSource) Info(ctx context.Context) (HallInfo, error) {
	res, err := s.get(ctx, 1<<62, 1)
	if err != nil {
		return HallInfo{}, err
	}
	res.Body.Close()
	name, _ := url.QueryUnescape(res.Header.Get("X-Hallq-Hall-Name"))
	info := HallInfo{ID: res.Header.Get("X-Hallq-Hall"), NameZH: name, Timezone: res.Header.Get("X-Hallq-Timezone")}
	info.Epoch.ID, info.Epoch.Prev = res.Header.Get("X-Hallq-Epoch"), res.Header.Get("X-Hallq-Epoch-Prev")
	info.Epoch.From, _ = strconv.ParseUint(res.Header.Get("X-Hallq-Epoch-From"), 10, 64)
	info.Head.Seq, _ = strconv.ParseUint(res.Header.Get("X-Hallq-Head-Seq"), 10, 64)
	info.Head.At, _ = time.Parse(time.RFC3339Nano, res.Header.Get("X-Hallq-Head-At"))
	if info.ID == "" {
		return info, errors.New("the hall's answer names no hall (X-Hallq-Hall): is it a hallq older than the region feed?")
	}
	return info, nil
}

// Read implements Source.
func (s HTTPSource) Read(ctx context.Context, since uint64, limit int) ([]feed.Line, Head, error) {
	var head Head
	res, err := s.get(ctx, since, limit)
	if err != nil {
		return nil, head, err
	}
	defer res.Body.Close()
	head.Seq, _ = strconv.ParseUint(res.Header.Get("X-Hallq-Head-Seq"), 10, 64)
	head.At, _ = time.Parse(time.RFC3339Nano, res.Header.Get("X-Hallq-Head-At"))
	var body io.Reader = res.Body
	if res.Header.Get("Content-Encoding") == "gzip" && !res.Uncompressed {
		zr, err := gzip.NewReader(res.Body)
		if err != nil {
			return nil, head, err
		}
		body = zr
	}
	var out []feed.Line
	sc := bufio.NewScanner(body)
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	for sc.Scan() {
		var l feed.Line
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			return nil, head, fmt.Errorf("hall %s: line after seq %d: %w", s.URL, since, err)
		}
		out = append(out, l)
	}
	if err := sc.Err(); err != nil {
		return nil, head, fmt.Errorf("hall %s: %w", s.URL, err)
	}
	return out, head, nil
}
