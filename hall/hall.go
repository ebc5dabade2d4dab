// Package hall runs one hall as a service: it opens the store, applies queue
// commands so that each change is committed (records + event, one bbolt
// transaction shared by concurrent callers) before anyone is told, and only
// then publishes the event, in sequence order, to listeners such as the
// websocket hub.
package hall

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"runtime/debug"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"hallq/hall/config"
	"hallq/hall/diskerr"
	"hallq/hall/heldclock"
	"hallq/hall/reccache"
	"hallq/hall/store"
	_ "hallq/i18n" // queue.Err renders its keys with the catalog that i18n registers in its init
	"hallq/queue"
)

// Options configure Open.
type Options struct {
	Dir    string           // data directory (the bbolt file and optional hall.json)
	Now    func() time.Time // clock; time.Now when nil
	Logger *slog.Logger
	// Tick is how often the hall checks for the local day's end without any
	// command arriving; 0 means every 30 seconds.
	Tick time.Duration
	// AlwaysOpen seeds a new store without opening hours (demo halls), so
	// tickets can be taken at any hour.
	AlwaysOpen bool
	// Init creates a new hall even in a data directory that holds other
	// files (backups, a replaced database) but no database; without it a
	// new hall is created only in an empty directory. An existing file is
	// never replaced either way (store.OpenWith).
	Init bool
}

// Hall is one open hall. All methods are safe for concurrent use.
type Hall struct {
	st    *store.Store
	now   func() time.Time // clock.Now: never before the last event (heldclock)
	clock *heldclock.Clock
	log   *slog.Logger
	cfg   queue.Config   // the seed of rebuilds: written under mu (SaveSettings)
	loc   *time.Location // the hall's time zone, fixed at open (settings never change it)

	// Write side: commands are decided and applied here under mu, then
	// committed outside it.
	mu  sync.Mutex
	eng *queue.Engine
	// closedRoll: a day rollover now is that of a hall that was not
	// running at midnight (set while Open rolls the stored day over).
	closedRoll bool
	seq        uint64
	inflight   sync.WaitGroup
	commits    commitQueue // commits in sequence order (commit.go)
	// recs is the write model of the hall's other records (work orders,
	// ratings, …) by kind and key, read from the store on first use.
	recs *reccache.Cache

	// Read side: the committed state, advanced in sequence order.
	pmu       sync.RWMutex
	view      *queue.Engine
	published uint64
	pending   map[uint64]*queue.Event // nil value: that sequence failed to commit
	listeners map[int]func(queue.Event, *queue.Engine)
	nextL     int

	panics atomic.Uint64 // panics recovered (Panics)

	bg sync.WaitGroup // the scheduled jobs (Every), which Close waits for

	tick  time.Duration // the jobs' default period (Every): Options.Tick, or 30 s
	hooks hooks         // what features registered (hooks.go)

	id string // hall.json's "id" ("" when none: ID derives it)

	stop chan struct{} // closed by Close: the scheduled jobs end
}

// Open opens the hall in opt.Dir, seeding a new store from hall.json in the
// directory or the embedded default, and rebuilds today's live queue.
func Open(opt Options) (*Hall, error) {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	st, err := store.OpenWith(opt.Dir, store.OpenOptions{Init: opt.Init, Logger: opt.Logger})
	if err != nil {
		return nil, err
	}
	clk := heldclock.New(opt.Now, opt.Logger)
	h := &Hall{st: st, now: clk.Now, clock: clk, log: opt.Logger,
		recs: reccache.New(maxCachedRecords), pending: map[uint64]*queue.Event{}, listeners: map[int]func(queue.Event, *queue.Engine){},
		stop: make(chan struct{})}
	h.id = config.ReadIdentity(opt.Dir).ID
	if err := h.load(opt.Dir, opt.AlwaysOpen); err != nil {
		st.Close()
		return nil, err
	}
	h.tick = opt.Tick
	if h.tick == 0 {
		h.tick = 30 * time.Second
	}
	h.Every("day rollover", 0, h.rollover) // the day's end, though no command arrives
	return h, nil
}

func (h *Hall) load(dir string, alwaysOpen bool) error {
	var cfg queue.Config
	found, err := h.st.GetMeta("config", &cfg)
	if err != nil {
		return fmt.Errorf("read hall config: %w", err)
	}
	if !found {
		c, from, err := config.Initial(dir)
		if err != nil {
			return err
		}
		if alwaysOpen {
			c.Hours = nil
		}
		if _, err := h.st.Seed(c, c.Services, c.Counters); err != nil {
			return fmt.Errorf("seed hall: %w", err)
		}
		h.log.Info("new hall created", "from", from, "name", c.NameZH)
		cfg = c
	}
	h.cfg = h.withSavedSettings(cfg)
	h.loc = zoneOf(h.cfg.TimeZone)
	if err := h.rebuild(); err != nil {
		return err
	}
	// Close yesterday's queue if the hall was down at midnight: no one is
	// at a counter any more (queue.Engine.RollClosed).
	h.closedRoll = true
	_, err = h.exec("system", func(*queue.Engine, time.Time) (queue.Event, error) { return queue.Event{}, errNothing })
	h.closedRoll = false
	if err != nil && !errors.Is(err, errNothing) {
		return err
	}
	return nil
}

// rebuild restores the write and read models from the store. Call with mu
// held (or before the hall is shared) and nothing in flight.
func (h *Hall) rebuild() error {
	// The last event's time first: a clock behind it at start is held
	// there (and logged) before anything reads the time.
	last, err := h.st.Load("0000-00-00") // no day: the high marks only
	if err != nil {
		return fmt.Errorf("load store: %w", err)
	}
	h.clock.See(last.LastAt)
	now := h.now()
	eng, err := queue.New(h.cfg, now)
	if err != nil {
		return fmt.Errorf("hall config: %w", err)
	}
	today := eng.Day()
	day := today
	if last.LastDay != "" && last.LastDay < today {
		day = last.LastDay // roll it over through the normal path
	}
	view, _ := queue.New(h.cfg, now)
	ls, err := h.st.LoadLive(day, h.doneSince(last.LastAt))
	if err != nil {
		return fmt.Errorf("load store: %w", err)
	}
	h.restore(eng, day, ls)
	h.restore(view, day, ls)
	st := ls.State
	for _, r := range eng.Repairs() {
		h.log.Warn("queue repaired on load", "what", r)
	}
	h.eng = eng
	h.pmu.Lock()
	h.view = view
	if st.LastSeq > h.seq {
		h.seq = st.LastSeq
	}
	h.published = h.seq
	h.pending = map[uint64]*queue.Event{}
	h.pmu.Unlock()
	return nil
}

// rollover rolls the day over if it has ended (exec does, before any
// command): the kernel's own scheduled job.
func (h *Hall) rollover(context.Context) error {
	_, err := h.exec("system", func(*queue.Engine, time.Time) (queue.Event, error) { return queue.Event{}, errNothing })
	return err
}

// Close stops the hall: the scheduled jobs (Every: the day rollover and the
// features'), then what features registered with OnClose, last first; then
// it closes the store.
func (h *Hall) Close() error {
	h.hooks.mu.Lock()
	first := !h.hooks.stopped
	h.hooks.stopped = true
	closers := h.hooks.closers
	h.hooks.closers = nil
	h.hooks.mu.Unlock()
	if first {
		close(h.stop)
	}
	h.bg.Wait()
	for i := len(closers) - 1; i >= 0; i-- {
		closers[i]()
	}
	h.mu.Lock()
	h.inflight.Wait()
	defer h.mu.Unlock()
	return h.st.Close()
}

// Dir is the hall's data directory (the database file's folder).
func (h *Hall) Dir() string { return filepath.Dir(h.st.Path()) }

// Log is the hall's logger, for its features.
func (h *Hall) Log() *slog.Logger { return h.log }

// Store returns the underlying store, for the features (backups, health,
// reports), cmd/hallq and tests; web goes through the kernel and the features.
func (h *Hall) Store() *store.Store { return h.st }

// Epoch names the store's current history of sequence numbers and ticket
// ids (store/epoch.go): new on a new store and on every restore. A client
// that remembered a sequence of another epoch must start again from a
// snapshot.
func (h *Hall) Epoch() string { return h.st.Epoch() }

// ID returns the hall's id in the region: hall.json's "id", else
// config.DeriveID of its config.
func (h *Hall) ID() string {
	if h.id != "" {
		return h.id
	}
	return config.DeriveID(h.Config())
}

// Now returns the hall's clock reading.
func (h *Hall) Now() time.Time { return h.now() }

// Config returns the hall's configuration as committed (managers change its
// settings live; see SaveSettings).
func (h *Hall) Config() queue.Config {
	h.pmu.RLock()
	defer h.pmu.RUnlock()
	return h.view.Config()
}

// Services returns the hall's services as they are now (Config holds those
// the store started with).
func (h *Hall) Services() []queue.Service {
	h.pmu.RLock()
	defer h.pmu.RUnlock()
	return h.view.Services()
}

// errNothing tells exec that a command found nothing to do (no one waits).
var errNothing = errors.New("nothing to do")

// exec decides a command on the write model, commits the resulting event (and
// a day rollover before it, if the day changed) and publishes it. The event is
// returned only once it is durable.
func (h *Hall) exec(actor string, fn func(e *queue.Engine, now time.Time) (queue.Event, error)) (queue.Event, error) {
	req, evs, err := h.decide(actor, fn)
	if req == nil {
		return queue.Event{}, err
	}
	<-req.done // committed and published, or failed
	cerr := req.err
	h.inflight.Done()
	if cerr != nil {
		h.recover()
		h.log.Error("commit failed", "type", evs[len(evs)-1].Type, "err", cerr)
		return queue.Event{}, diskerr.Commit(evs[len(evs)-1].Type, cerr) // a full, read-only or failing disk: EUNAVAILABLE
	}
	if err != nil {
		return queue.Event{}, err
	}
	return evs[len(evs)-1], nil
}

// decide runs fn (after a day rollover, if due) on the write model under
// h.mu and queues the resulting events for commit; req is nil when there is
// nothing to commit. A panic in the engine or in fn is recovered here, under
// the lock it happened in: it is logged with its stack, the write model
// (which it may have left half changed) is reloaded from the store, the lock
// is released, and the command fails with an internal error. The hall keeps
// serving.
func (h *Hall) decide(actor string, fn func(e *queue.Engine, now time.Time) (queue.Event, error)) (req *commitReq, evs []queue.Event, err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	defer func() {
		if r := recover(); r != nil {
			id := NewCode(8)
			h.panics.Add(1)
			h.log.Error("command panicked; the queue is reloaded from the store", "id", id, "actor", actor,
				"panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			h.reloadLocked()
			req, evs, err = nil, nil, fmt.Errorf("command panicked (%s): %v", id, r)
		}
	}()
	now := h.now()
	roll := h.eng.Roll
	if h.closedRoll {
		roll = h.eng.RollClosed
	}
	if ev, ok := roll(now); ok {
		ev.Actor = "system"
		evs = append(evs, ev)
	}
	ev, err := fn(h.eng, now)
	if err == nil {
		ev.Actor = actor
		for i := range ev.Records {
			r := &ev.Records[i]
			old, _ := h.recordLocked(r.Kind, r.Key)
			r.Rev = old.Rev + 1
			h.cacheLocked(r.Kind, r.Key, *r)
		}
		evs = append(evs, ev)
	}
	if len(evs) == 0 {
		return nil, nil, err
	}
	for i := range evs {
		h.seq++
		evs[i].Seq = h.seq
		h.clock.See(evs[i].At)
	}
	run := h.eng.Running()
	run.Seq = h.seq
	h.inflight.Add(1)
	return h.queueCommit(evs, &run), evs, err // under mu: in sequence order (commit.go)
}

// recover reloads the write model from the store after a failed commit, once
// every commit in flight has ended, so the hall goes on from what is durable
// (see commitQueue). Until it succeeds every command fails.
func (h *Hall) recover() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.reloadLocked()
}

// reloadLocked is recover with h.mu held.
func (h *Hall) reloadLocked() {
	h.inflight.Wait()
	now := h.now()
	eng, _ := queue.New(h.cfg, now)
	h.pmu.RLock()
	day := h.view.Day()
	h.pmu.RUnlock()
	ls, err := h.st.LoadLive(day, h.doneSince(h.eng.Last()))
	if err != nil {
		h.log.Error("reload after failed commit", "err", err)
		return
	}
	h.restore(eng, day, ls)
	st := ls.State
	h.eng = eng
	h.recs.Reset()
	// Nothing is in flight: go on right after the last durable event (the
	// failed ones were skipped by publish and never reached anyone).
	h.seq = st.LastSeq
	h.pmu.Lock()
	h.published = st.LastSeq
	clear(h.pending)
	h.pmu.Unlock()
	h.commits.mend()
}

// restore rebuilds e from what LoadLive read: from the open tickets and the
// running figures when the store holds them, else from every ticket of the
// day. Either way e then reads a finished ticket it does not hold from the
// store (queue.Engine.SetLookup).
func (h *Hall) restore(e *queue.Engine, day string, ls store.LiveState) {
	st := ls.State
	tickets := slices.Clone(st.Tickets)
	if ls.Running != nil {
		e.RestoreRunning(day, st.Services, st.Counters, tickets, st.MaxID, *ls.Running, ls.Phones, ls.Done)
	} else {
		e.Restore(day, st.Services, st.Counters, tickets, st.MaxID)
	}
	e.SetLookup(func(day string, id uint64) (queue.Ticket, bool) {
		t, ok, err := h.st.TicketOf(day, id)
		if err != nil {
			h.log.Error("read a finished ticket", "id", id, "err", err)
		}
		return t, ok && err == nil
	})
}

// The kernel reads one record of a feature, at Open, before any feature
// registers: the rating window of the rating feature (rating.KindSettings,
// its field window_s, by default rating.DefaultSettings' 120 s). A restart
// keeps the finished tickets whose window is still open, so a keypad may
// rate them and "expire ratings" records the unanswered ones.
const (
	kindRatingSettings = "rating_settings" // = rating.KindSettings (stored data: never change it)
	defaultRatingS     = 120               // = rating.DefaultSettings.WindowS
)

// doneSince is how far back a restart keeps the finished tickets in the
// queue: those whose rating window may not have passed before last, the
// time of the last stored event, or was passed after it without the job
// "expire ratings" having recorded it yet.
func (h *Hall) doneSince(last time.Time) time.Time {
	s := struct {
		WindowS int `json:"window_s"`
	}{defaultRatingS}
	if r, ok, err := h.st.Record(kindRatingSettings, "hall"); err == nil && ok {
		json.Unmarshal(r.Data, &s)
	}
	return last.Add(-time.Duration(s.WindowS)*time.Second - 2*time.Minute)
}

// recordLocked returns the write model's record kind/key. Call it with h.mu
// held: inside a command passed to exec. Records are read from the store on
// first use and kept (absent ones too) until the cache grows past
// maxCachedRecords, so a year of ratings is not held in memory.
func (h *Hall) recordLocked(kind, key string) (queue.Record, bool) {
	if r, ok, cached := h.recs.Get(kind, key); cached {
		return r, ok
	}
	// Once the commits in flight have landed the store holds every record
	// decided so far; h.mu keeps new ones from starting.
	h.inflight.Wait()
	r, ok, err := h.st.Record(kind, key)
	if err != nil {
		h.log.Error("read record", "kind", kind, "key", key, "err", err)
	}
	if !ok {
		r = queue.Record{}
	}
	h.cacheLocked(kind, key, r)
	return r, ok
}

// maxCachedRecords bounds the write model's record cache.
const maxCachedRecords = 20000

func (h *Hall) cacheLocked(kind, key string, r queue.Record) {
	if h.recs.Full() {
		h.inflight.Wait() // everything dropped is in the store
		h.recs.Reset()
	}
	h.recs.Put(kind, key, r)
}

// recordsLocked returns every record of kind, in key order. Call it with
// h.mu held. It reads the store (authoritative once the commits in flight
// have landed): use it for small kinds only.
func (h *Hall) recordsLocked(kind string) []queue.Record {
	h.inflight.Wait()
	var out []queue.Record
	if err := h.st.EachRecord(kind, "", func(r queue.Record) bool { out = append(out, r); return true }); err != nil {
		h.log.Error("load records", "kind", kind, "err", err)
	}
	return out
}

// NewRecord makes a record of kind/key holding v as JSON, for an event's
// Records; the hall sets its revision when it commits.
func NewRecord(kind, key string, v any) queue.Record {
	raw, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("record %s/%s: %v", kind, key, err)) // only plain data structs are recorded
	}
	return queue.Record{Kind: kind, Key: key, Data: raw}
}

// ClosedOnWrite names record kinds that are final once written (a rating, a
// case record): they leave the hot file with the day that wrote them, into
// its history segment, and Record, EachRecord and Tx.Record read them there
// alike. Kinds of open work (work orders, approvals, bookings, call-backs)
// must not be named: they stay hot until closed.
func (h *Hall) ClosedOnWrite(kinds ...string) { h.st.SealRecords(kinds...) }

// Record returns the committed record kind/key; ok is false if there is none.
func (h *Hall) Record(kind, key string) (r queue.Record, ok bool, err error) {
	return h.st.Record(kind, key)
}

// EachRecord calls fn with every committed record of kind in key order, from
// key start on, until fn returns false.
func (h *Hall) EachRecord(kind, start string, fn func(r queue.Record) bool) error {
	return h.st.EachRecord(kind, start, fn)
}

// publish advances the read model and tells listeners, strictly in sequence
// order: an event committed early waits for the ones before it.
func (h *Hall) publish(evs []queue.Event, ok bool) {
	h.pmu.Lock()
	defer h.pmu.Unlock()
	for i := range evs {
		if ok {
			h.pending[evs[i].Seq] = &evs[i]
		} else {
			h.pending[evs[i].Seq] = nil
		}
	}
	for {
		ev, present := h.pending[h.published+1]
		if !present {
			return
		}
		delete(h.pending, h.published+1)
		h.published++
		if ev == nil {
			continue
		}
		h.view.Apply(*ev)
		pub := withFigures(*ev, h.view)
		for _, l := range h.listeners {
			h.tell(l, pub)
		}
	}
}

// withFigures is ev as listeners get it: a finish stores no image of its
// service (the service-time figure is a running figure, learnt from the
// ticket), so the service as view has it after ev is put back for the
// screens and the websocket, which show it as they did when the event
// carried it.
func withFigures(ev queue.Event, view *queue.Engine) queue.Event {
	if ev.Type != queue.EvFinished || len(ev.Services) > 0 || len(ev.Tickets) == 0 {
		return ev
	}
	if s, ok := view.Service(ev.Tickets[0].Service); ok {
		ev.Services = []queue.Service{s}
	}
	return ev
}

// tell calls one listener; a panic in it is logged, not passed on to the
// committer (which would end the process).
func (h *Hall) tell(l func(queue.Event, *queue.Engine), ev queue.Event) {
	defer func() {
		if r := recover(); r != nil {
			h.panics.Add(1)
			h.log.Error("listener panicked", "seq", ev.Seq, "type", ev.Type, "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
		}
	}()
	l(ev, h.view)
}

// Listen registers fn to receive every committed event in sequence order,
// with the committed state just after it. fn runs with the read model locked:
// it must not block, keep view, or call back into the hall. The returned
// function unregisters it.
func (h *Hall) Listen(fn func(ev queue.Event, view *queue.Engine)) (cancel func()) {
	h.pmu.Lock()
	id := h.nextL
	h.nextL++
	h.listeners[id] = fn
	h.pmu.Unlock()
	return func() {
		h.pmu.Lock()
		delete(h.listeners, id)
		h.pmu.Unlock()
	}
}

// Read calls fn with the committed state and its sequence number, under the
// read lock, so a snapshot and a subscription can be taken consistently.
func (h *Hall) Read(fn func(view *queue.Engine, seq uint64)) {
	h.pmu.RLock()
	defer h.pmu.RUnlock()
	fn(h.view, h.published)
}

// Snapshot returns the committed live state and its sequence number.
func (h *Hall) Snapshot() (snap queue.Snapshot, seq uint64) {
	now := h.now()
	h.Read(func(v *queue.Engine, s uint64) { snap, seq = v.Snapshot(now), s })
	return snap, seq
}

// Events returns up to limit committed events after sequence since.
func (h *Hall) Events(since uint64, limit int) ([]queue.Event, error) {
	return h.st.Events(since, limit)
}

// LastEvent returns the last committed event (ok false on a new store).
func (h *Hall) LastEvent() (ev queue.Event, ok bool, err error) { return h.st.LastEvent() }

// Panics counts the panics recovered inside the hall (a command, the
// committer, a listener, a scheduled job) since it opened, for /metrics;
// each is logged with its stack.
func (h *Hall) Panics() uint64 { return h.panics.Load() }

// Ping checks that the store answers.
func (h *Hall) Ping(ctx context.Context) error { return h.st.Ping() }

// NewCode returns an unguessable code of n base32 characters.
func NewCode(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b)[:n]
}

// Location returns the hall's time zone. It reads no field SaveSettings
// writes: the race detector caught the daily health job reading h.cfg while
// a manager saved the settings.
func (h *Hall) Location() *time.Location { return h.loc }

// zoneOf is the time zone named tz, the default one when tz is empty or unknown.
func zoneOf(tz string) *time.Location {
	loc, err := time.LoadLocation(tz)
	if err != nil || tz == "" {
		loc, _ = time.LoadLocation(queue.DefaultTimeZone)
	}
	return loc
}
