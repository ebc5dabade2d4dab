package store

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterr "go.etcd.io/bbolt/errors"

	"hallq/queue"
)

// Summary describes a verified database: what it holds and, when the check
// found any, the problems (the first maxProblems of them; More counts the
// rest).
type Summary struct {
	Path    string `json:"path"`
	Bytes   int64  `json:"bytes"`
	Schema  uint64 `json:"schema"`
	Tickets int    `json:"tickets"`
	Days    int    `json:"days"`
	Events  int    `json:"events"`
	LastSeq uint64 `json:"last_seq"`
	Records int    `json:"records"`
	Users   int    `json:"users"`
	Devices int    `json:"devices"`
	// Segments counts the sealed days' history segments checked.
	Segments int `json:"segments,omitempty"`
	// Legacy counts values written before checksums (accepted as they are;
	// see codec.go).
	Legacy   int       `json:"legacy,omitempty"`
	Problems []Problem `json:"problems,omitempty"`
	More     int       `json:"more,omitempty"`
}

func (s Summary) String() string {
	out := fmt.Sprintf("%s: %d bytes, schema %d, %d tickets over %d days, %d events (last %d), %d records, %d users, %d devices",
		s.Path, s.Bytes, s.Schema, s.Tickets, s.Days, s.Events, s.LastSeq, s.Records, s.Users, s.Devices)
	if s.Legacy > 0 {
		out += fmt.Sprintf(", %d values from before checksums", s.Legacy)
	}
	return out
}

// Damaged reports whether any problem found is damage to the file (as
// opposed to a rule of the hall's data that the records break).
func (s Summary) Damaged() bool {
	for _, p := range s.Problems {
		if p.Damage {
			return true
		}
	}
	return false
}

// Problem is one finding of a check: which bucket and key, which rule, and
// whether it is damage to the file (bytes that no hallq writes: a bad page, a
// checksum that does not match, a value that does not decode or is stored
// under the wrong key) or a broken rule of the data (two tickets with one
// number that no transfer links, say), which a backup of the same hall would
// share.
type Problem struct {
	Bucket string `json:"bucket"`
	Key    string `json:"key,omitempty"`
	Rule   string `json:"rule"`
	Damage bool   `json:"damage"`
	Detail string `json:"detail"`
}

func (p Problem) String() string {
	what := "record"
	if p.Damage {
		what = "damaged record"
	}
	at := p.Bucket
	if p.Key != "" {
		at += "/" + p.Key
	}
	return fmt.Sprintf("%s %s: %s [%s]", what, at, p.Detail, p.Rule)
}

// Rules a check applies. Integrity rules hold for any file hallq wrote;
// data rules hold for any history the queue engine made.
const (
	RulePages    = "pages"         // bbolt's page-level consistency check
	RuleLayout   = "layout"        // a bucket or the schema version is missing
	RuleChecksum = "checksum"      // the value's CRC-32C does not match
	RuleDecode   = "decode"        // the value does not decode
	RuleKey      = "key"           // the value is stored under another key
	RuleValue    = "value"         // a field holds what hallq never writes
	RuleNumber   = "number-unique" // a number repeats within a day outside a transfer chain
	RuleTransfer = "transfer-link" // the two tickets of a transfer do not point at each other
	RuleTicketID = "id-unique"     // a ticket id is stored on two days
	RuleTracking = "tracking"      // a tracking code points at no ticket
	RuleSegment  = "segment"       // a sealed day's history segment is damaged or missing
	RuleWAL      = "wal"           // the write-ahead log is damaged in its middle
	maxProblems  = 50
)

// ErrDamaged marks a database whose file is damaged: bytes that no hallq
// wrote. A backup taken before the damage holds the good bytes.
var ErrDamaged = errors.New("the hall database is damaged")

// ErrInconsistent marks a database whose file is intact but whose records
// break a rule of the hall's data; a backup of the same hall holds the same.
var ErrInconsistent = errors.New("the hall's records are inconsistent")

// ErrIncomplete marks a file cut short: what a backup, download or restore
// interrupted midway leaves. It comes wrapped with ErrDamaged.
var ErrIncomplete = errors.New("incomplete (a copy cut short, as an interrupted backup, download or restore leaves it)")

// TempSuffixes end the names of the files a backup or restore writes before
// renaming them into place: such a file is never a backup.
var TempSuffixes = []string{".tmp", ".restoring"}

// IsTempName reports whether path names a backup's or restore's temporary
// file.
func IsTempName(path string) bool {
	for _, s := range TempSuffixes {
		if strings.HasSuffix(path, s) {
			return true
		}
	}
	return false
}

// checker collects problems.
type checker struct {
	sum   *Summary
	rules bool // apply the data rules, not only integrity
}

func (c *checker) add(p Problem) {
	if len(c.sum.Problems) < maxProblems {
		c.sum.Problems = append(c.sum.Problems, p)
	} else {
		c.sum.More++
	}
}

func (c *checker) damage(bucket, key, rule, format string, args ...any) {
	c.add(Problem{Bucket: bucket, Key: key, Rule: rule, Damage: true, Detail: fmt.Sprintf(format, args...)})
}

// value verifies and decodes one stored value into into; a problem is
// reported (and false returned) when its checksum fails or it does not
// decode.
func (c *checker) value(bucket, key string, v []byte, into any) bool {
	p, legacy, err := unseal(v)
	if err != nil {
		rule := RuleChecksum
		if err == errFormat {
			rule = RuleDecode
		}
		c.damage(bucket, key, rule, "%v", err)
		return false
	}
	if legacy {
		c.sum.Legacy++
	}
	if err := json.Unmarshal(p, into); err != nil {
		c.damage(bucket, key, RuleDecode, "%v", err)
		return false
	}
	return true
}

func (c *checker) broken(bucket, key, rule, format string, args ...any) {
	c.add(Problem{Bucket: bucket, Key: key, Rule: rule, Detail: fmt.Sprintf(format, args...)})
}

// Verify checks the whole database and returns what it holds with every
// problem found (see Problem): bbolt's page-level check, the buckets and
// schema, then every value — its checksum, that it decodes, that it is
// stored under its own key, that its fields hold values hallq writes — and
// the rules of the hall's data that the queue engine keeps: a ticket number
// repeats within a day only along a transfer chain (a transfer ends the
// ticket and opens a second one with the same number), both tickets of a
// transfer point at each other, a ticket id is stored on one day only, and
// every tracking code points at a stored ticket.
//
// The error is nil when nothing was found; it wraps ErrDamaged when any
// problem is damage, else ErrInconsistent, and names the first problems.
func (s *Store) Verify() (Summary, error) { return s.verify(true) }

// VerifyIntegrity checks only that the file is what hallq wrote: bbolt's
// page check, the buckets and schema, and that every value passes its
// checksum, decodes, is stored under its own key and holds values hallq
// writes. It applies no rule of the data, so it never refuses a file hallq
// made; restore uses it. Errors wrap ErrDamaged.
func (s *Store) VerifyIntegrity() (Summary, error) { return s.verify(false) }

func (s *Store) verify(rules bool) (sum Summary, err error) {
	sum.Path = s.path
	if fi, err := os.Stat(s.path); err == nil {
		sum.Bytes = fi.Size()
	}
	c := &checker{sum: &sum, rules: rules}
	func() {
		defer panicOnFault()()
		defer func() {
			// bbolt panics on some kinds of damaged pages; that is a finding, not a crash.
			if r := recover(); r != nil {
				c.damage("file", "", RulePages, "bbolt: %v", r)
			}
		}()
		if err := s.Check(); err != nil {
			c.damage("file", "", RulePages, "%v", err)
			return
		}
		if err := s.view(func(tx *bolt.Tx) error { c.walk(tx); return nil }); err != nil {
			c.damage("file", "", RulePages, "%v", err)
		}
		if s.hist != nil {
			c.history(s, time.Now())
		}
		if s.walErr != nil {
			c.damage(WALName, "", RuleWAL, "%v", s.walErr)
		}
	}()
	return sum, sum.err()
}

// err turns the problems into an error naming the first few.
func (s *Summary) err() error {
	if len(s.Problems) == 0 {
		return nil
	}
	kind := ErrInconsistent
	if s.Damaged() {
		kind = ErrDamaged
	}
	var b strings.Builder
	for i, p := range s.Problems {
		if i == 5 {
			fmt.Fprintf(&b, "; … %d more", len(s.Problems)-5+s.More)
			break
		}
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(p.String())
	}
	return fmt.Errorf("%w: %s", kind, b.String())
}

// walk reads every bucket once.
func (c *checker) walk(tx *bolt.Tx) {
	for _, b := range buckets {
		if tx.Bucket(b) == nil {
			c.damage(string(b), "", RuleLayout, "bucket %q is missing", b)
		}
	}
	if len(c.sum.Problems) > 0 {
		return
	}
	if raw := tx.Bucket(bMeta).Get([]byte("schema")); len(raw) == 8 {
		c.sum.Schema = binary.BigEndian.Uint64(raw)
	} else {
		c.damage("meta", "schema", RuleLayout, "the schema version is missing")
	}
	tx.Bucket(bMeta).ForEach(func(k, v []byte) error {
		if len(v) == 8 && v[0] != sealMark && v[0] != '{' {
			return nil // a counter (schema, rollup version, …)
		}
		var any json.RawMessage
		c.value("meta", printable(k), v, &any)
		return nil
	})
	c.tickets(tx)
	c.events(tx)
	c.records(tx)
	for _, b := range []struct {
		name []byte
		v    func() any
		n    *int
	}{
		{bServices, func() any { return &queue.Service{} }, nil},
		{bCounters, func() any { return &queue.Counter{} }, nil},
		{bUsers, func() any { return &User{} }, &c.sum.Users},
		{bSessions, func() any { return &Session{} }, nil},
		{bDevices, func() any { return &Device{} }, &c.sum.Devices},
	} {
		tx.Bucket(b.name).ForEach(func(k, v []byte) error {
			c.value(string(b.name), printable(k), v, b.v())
			if b.n != nil {
				*b.n++
			}
			return nil
		})
	}
}

// printable shows a key as text when it is, else in hex.
func printable(k []byte) string {
	for _, r := range string(k) {
		if r < 0x20 || r == 0x7f || r == 0xfffd {
			return fmt.Sprintf("%x", k)
		}
	}
	return string(k)
}

// ticketName shows a ticket key as DAY#ID.
func ticketName(k []byte) string {
	if len(k) != 16 {
		return fmt.Sprintf("%x", k)
	}
	return fmt.Sprintf("%s#%d", printable(k[:8]), binary.BigEndian.Uint64(k[8:]))
}

var (
	knownStatus   = map[queue.Status]bool{}
	knownPriority = map[queue.Priority]bool{queue.Normal: true, queue.Green: true, queue.Appointment: true}
)

func init() {
	for _, s := range statusCodes {
		knownStatus[s] = true
	}
}

// dayTicket is what the data rules need of one ticket of the day in hand.
type dayTicket struct {
	id, from, to uint64
	number       string
	status       queue.Status
}

func (c *checker) tickets(tx *bolt.Tx) {
	var (
		day  string
		seen []dayTicket
		ids  []uint64
		// Days with a damaged ticket skip the data rules: the damage is
		// reported, and the links to the lost ticket would be noise.
		damagedDays = map[string]bool{}
	)
	// A sealed day keeps in the hot file only the tickets a counter held
	// when it was sealed: the day's rules are its segment's.
	sealedKey := string(dayKey(readSealMark(tx).Day))
	endDay := func() {
		if c.rules && len(seen) > 0 && !damagedDays[string(dayKey(day))] && string(dayKey(day)) > sealedKey {
			c.dayRules(day, seen)
		}
		seen = seen[:0]
	}
	tx.Bucket(bTickets).ForEach(func(k, v []byte) error {
		name := ticketName(k)
		if len(k) != 16 {
			c.damage("tickets", name, RuleKey, "the key has %d bytes, not 16", len(k))
			return nil
		}
		var t queue.Ticket
		if !c.value("tickets", name, v, &t) {
			damagedDays[string(k[:8])] = true
			return nil
		}
		if string(k[:8]) != string(dayKey(t.Day)) || binary.BigEndian.Uint64(k[8:]) != t.ID {
			c.damage("tickets", name, RuleKey, "holds ticket %d of %s", t.ID, t.Day)
			return nil
		}
		if _, err := time.Parse(time.DateOnly, t.Day); err != nil {
			c.damage("tickets", name, RuleValue, "day %q is not a date", t.Day)
		}
		if !knownStatus[t.Status] {
			c.damage("tickets", name, RuleValue, "status %q is not one hallq writes", t.Status)
		}
		if !knownPriority[t.Priority] {
			c.damage("tickets", name, RuleValue, "priority %q is not one hallq writes", t.Priority)
		}
		if t.Day != day {
			endDay()
			day = t.Day
			c.sum.Days++
		}
		seen = append(seen, dayTicket{id: t.ID, from: t.TransferredFrom, to: t.TransferredTo, number: t.Number, status: t.Status})
		ids = append(ids, t.ID)
		c.sum.Tickets++
		return nil
	})
	endDay()
	if !c.rules {
		return
	}
	slices.Sort(ids)
	for i := 1; i < len(ids); i++ {
		if ids[i] == ids[i-1] && (i == 1 || ids[i-2] != ids[i]) {
			c.broken("tickets", fmt.Sprintf("#%d", ids[i]), RuleTicketID, "ticket id %d is stored on more than one day", ids[i])
		}
	}
	tickets := tx.Bucket(bTickets)
	tx.Bucket(bTracking).ForEach(func(k, v []byte) error {
		if key, _, ok := unpackTracking(v); ok && string(key[:8]) <= sealedKey {
			return nil // a sealed ticket, and the event that holds it
		}
		if tickets.Get(v) == nil && !(len(v) == 16 && string(v[:8]) <= sealedKey) {
			c.broken("tracking", printable(k), RuleTracking, "points at %s, which is not stored", ticketName(v))
		}
		return nil
	})
}

// dayRules checks the numbers and transfer links of one day's tickets: a
// number is taken once a day, by the ticket the kiosk issued; a transfer ends
// that ticket (status transferred, pointing at its successor) and opens
// another with the same number (pointing back), which may be transferred in
// turn.
func (c *checker) dayRules(day string, ts []dayTicket) {
	byID := make(map[uint64]*dayTicket, len(ts))
	first := map[string]uint64{} // number → the ticket issued with it
	for i := range ts {
		t := &ts[i]
		byID[t.id] = t
	}
	for i := range ts {
		t := &ts[i]
		key := fmt.Sprintf("%s#%d", dayKey(day), t.id)
		if t.from == 0 {
			if other, dup := first[t.number]; dup {
				c.broken("tickets", key, RuleNumber, "number %s on %s was issued twice (tickets %d and %d, no transfer links them)", t.number, day, other, t.id)
			} else {
				first[t.number] = t.id
			}
		} else if prev := byID[t.from]; prev == nil {
			c.broken("tickets", key, RuleTransfer, "transferred from ticket %d, which %s does not hold", t.from, day)
		} else if prev.to != t.id || prev.number != t.number {
			c.broken("tickets", key, RuleTransfer, "transferred from ticket %d (%s), which points at %d", t.from, prev.number, prev.to)
		}
		if t.to != 0 {
			next := byID[t.to]
			switch {
			case t.status != queue.Transferred:
				c.broken("tickets", key, RuleTransfer, "%s points at ticket %d but its status is %s", t.number, t.to, t.status)
			case next == nil:
				c.broken("tickets", key, RuleTransfer, "%s was transferred to ticket %d, which %s does not hold", t.number, t.to, day)
			case next.from != t.id:
				c.broken("tickets", key, RuleTransfer, "%s was transferred to ticket %d, which comes from %d", t.number, t.to, next.from)
			}
		}
	}
}

func (c *checker) events(tx *bolt.Tx) {
	tx.Bucket(bEvents).ForEach(func(k, v []byte) error {
		name := fmt.Sprintf("%x", k)
		if len(k) == 8 {
			name = fmt.Sprint(binary.BigEndian.Uint64(k))
		}
		var ev queue.Event
		if !c.value("events", name, v, &ev) {
			return nil
		}
		if len(k) != 8 || binary.BigEndian.Uint64(k) != ev.Seq {
			c.damage("events", name, RuleKey, "holds event %d", ev.Seq)
			return nil
		}
		c.sum.Events++
		c.sum.LastSeq = ev.Seq
		return nil
	})
}

func (c *checker) records(tx *bolt.Tx) {
	rb := tx.Bucket(bRecords)
	rb.ForEachBucket(func(kind []byte) error {
		bucket := "records/" + printable(kind)
		rb.Bucket(kind).ForEach(func(k, v []byte) error {
			var r queue.Record
			if !c.value(bucket, printable(k), v, &r) {
				return nil
			}
			if r.Key != string(k) || r.Kind != string(kind) {
				c.damage(bucket, printable(k), RuleKey, "holds record %s/%s", r.Kind, r.Key)
				return nil
			}
			c.sum.Records++
			return nil
		})
		return nil
	})
}

// VerifyFile opens the database file at path read-only and checks its
// integrity (VerifyIntegrity). An empty, truncated or foreign file is
// refused before it is opened (ErrDamaged).
func VerifyFile(path string) (sum Summary, err error) {
	sum.Path = path
	defer panicOnFault()()
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%s: %w: %v", path, ErrDamaged, r)
		}
	}()
	if exists, err := inspectFile(path); err != nil {
		if IsTempName(path) {
			err = fmt.Errorf("%w (the name says it is the temporary file of a backup or restore that did not finish: use the file without %s)", err, filepath.Ext(path))
		}
		return sum, err
	} else if !exists {
		return sum, queue.Err(queue.ENOTFOUND, "err.store.no_such_file", path)
	}
	db, err := bolt.Open(path, 0o640, &bolt.Options{Timeout: time.Second, ReadOnly: true})
	if errors.Is(err, bolterr.ErrTimeout) {
		return sum, fmt.Errorf("open %s: %w", path, ErrInUse)
	} else if err != nil {
		return sum, fmt.Errorf("%s: %w: %v", path, ErrDamaged, err)
	}
	defer db.Close()
	if err := db.View(foreign); err != nil {
		return sum, fmt.Errorf("%s: %w: %v", path, ErrDamaged, err)
	}
	return (&Store{db: db, path: path}).VerifyIntegrity()
}

// Restore replaces the database in dir with the backup file, after checking
// the backup's integrity (VerifyIntegrity: the file is what hallq wrote; no
// rule of the data is applied, so a backup of a working hall is never
// refused). No hallq may hold dir. The database it replaces is kept beside
// it as hallq.db.before-restore-TIME. The restored copy is written to
// hallq.db.restoring, given a new epoch and counters raised past the
// replaced file's (raiseFloors), synced, then renamed over hallq.db and the
// directory synced: a crash leaves either the old or the new database,
// never a mix, and a left-over .restoring file is never opened. epoch is the
// restored store's new epoch.
func Restore(dir, file string) (sum Summary, kept string, epoch Epoch, err error) {
	if sum, err = VerifyFile(file); err != nil {
		return sum, "", epoch, err
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return sum, "", epoch, err
	}
	path := filepath.Join(dir, FileName)
	var old *Marks // the replaced file's high marks, when it can be read
	if exists, bad := inspectFile(path); exists {
		if bad == nil {
			// Make sure no server holds it: take the lock briefly, read-only
			// (a running hall holds it exclusively). A damaged file is held
			// by no server: it refuses to open one.
			db, err := bolt.Open(path, 0o640, &bolt.Options{Timeout: time.Second, ReadOnly: true})
			if errors.Is(err, bolterr.ErrTimeout) {
				return sum, "", epoch, fmt.Errorf("%s: %w (stop the hallq service before restoring)", path, ErrInUse)
			}
			if err == nil {
				old = readMarks(db)
				closeQuietly(db)
				old = walMarks(dir, old)
			}
		}
		// The kept copy is written whole under a temporary name first, so
		// an interrupted restore never leaves half a copy under the name.
		kept = path + ".before-restore-" + time.Now().Format("20060102-150405")
		if err := copyFile(path, kept+".tmp"); err != nil {
			os.Remove(kept + ".tmp")
			return sum, "", epoch, fmt.Errorf("keep the current database: %w", err)
		}
		if err := os.Rename(kept+".tmp", kept); err != nil {
			os.Remove(kept + ".tmp")
			return sum, "", epoch, fmt.Errorf("keep the current database: %w", err)
		}
	}
	tmp := path + ".restoring"
	if err := copyFile(file, tmp); err != nil {
		os.Remove(tmp)
		return sum, kept, epoch, err
	}
	if epoch, err = newEpochIn(tmp, old, time.Now()); err != nil {
		os.Remove(tmp)
		return sum, kept, epoch, fmt.Errorf("start the restored database's epoch: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return sum, kept, epoch, err
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	sum.Path = path
	return sum, kept, epoch, nil
}

// readMarks reads the high marks of an open database; nil when they cannot
// be read (a damaged file: then the restore raises its counters by the
// margin instead), marked Damaged when its pages fail bbolt's check.
func readMarks(db *bolt.DB) (m *Marks) {
	defer panicOnFault()()
	defer func() {
		if recover() != nil {
			m = nil
		}
	}()
	db.View(func(tx *bolt.Tx) error {
		if tx.Bucket(bMeta) == nil || tx.Bucket(bEvents) == nil || tx.Bucket(bTickets) == nil {
			return nil
		}
		mk := marksOf(tx)
		// Pages that fail bbolt's check may hide higher marks: the
		// margin is added then too.
		mk.Damaged = firstCheckError(tx) != nil
		m = &mk
		return nil
	})
	return m
}

// newEpochIn opens the copy at path (no server knows it), starts its new
// epoch with raised counters, and closes it; bbolt syncs the commit.
func newEpochIn(path string, old *Marks, now time.Time) (e Epoch, err error) {
	db, err := bolt.Open(path, 0o640, &bolt.Options{Timeout: time.Second})
	if err != nil {
		return e, err
	}
	err = db.Update(func(tx *bolt.Tx) (err error) {
		if tx.Bucket(bMeta) == nil {
			return errors.New("the backup holds no meta bucket")
		}
		e, err = raiseFloors(tx, old, now)
		return err
	})
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	return e, err
}

// copyFile copies src to dst and syncs dst.
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o640)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// EachEvent calls fn with every event after since, in sequence order, until
// fn returns an error (which EachEvent returns).
func (s *Store) EachEvent(since uint64, fn func(ev queue.Event) error) error {
	for {
		evs, err := s.Events(since, 1000)
		if err != nil {
			return err
		}
		for _, ev := range evs {
			if err := fn(ev); err != nil {
				return err
			}
			since = ev.Seq
		}
		if len(evs) < 1000 {
			return nil
		}
	}
}
