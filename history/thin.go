package history

// The thin event codec: one block of a segment holds its events as a stream
// of binary fields, each record image (ticket, counter, service, record) as
// the difference to the previous image of the same record in the block.
// Decoding replays the stream and gives back every event with the same JSON
// as it had when it was written (the websocket and /api/v1/events shapes),
// but for the personal fields of tickets (phone, 户号), which are kept apart
// (Personal) so that retention drops them without rewriting a segment.
//
// A block is self-contained: the first image of a record in a block is
// whole, so a reader that wants the events after a sequence number decodes
// only the blocks from there (index.go, Segment.EachEvent).
//
//	event   := seq-delta(uvarint) type(str) day(str) actor(str) reason(str)
//	           counter(varint) ticket(uvarint) at-delta-ns(varint) zone-offset-s(varint)
//	           n(uvarint) { ticket-id(uvarint) object } ...      tickets
//	           n(uvarint) { number(varint) object } ...         counters
//	           n(uvarint) { prefix(str) object } ...            services
//	           n(uvarint) { kind(str) key(str) rev(varint) object } ...  records
//	           len(uvarint) config-JSON                          (0: none)
//	str     := uvarint 0, len(uvarint), bytes  (a new string, appended to the block's table)
//	         | uvarint k                        (the block's k-th string, from 1)
//	object  := 0 len(uvarint) JSON              (a value that is not an object)
//	         | 1 n(uvarint) { key(str) len(uvarint) JSON } m(uvarint) { key(str) }
//	                                            (changed or new fields, then removed fields,
//	                                             against the previous image)
//	         | 2 n(uvarint) { key(str) len(uvarint) JSON }  (the whole object)
//
// The strings table makes a repeated type, actor, day or field name one or
// two bytes; DEFLATE then removes most of what repeats in the values.

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"hallq/queue"
)

// Personal holds the personal fields of one ticket, which a segment does not
// keep: the sealer stores them apart (in the hot file, one day per key
// range), and retention deletes them there without touching a segment.
type Personal struct {
	Ticket  uint64
	Phone   string
	Account string
}

// personalKeys are the ticket fields that never enter a segment.
var personalKeys = map[string]bool{`"phone"`: true, `"account"`: true}

// field is one member of a JSON object, in document order.
type field struct {
	key string
	val []byte
}

// maxFields bounds the members of an object the codec splits: an object
// with more is written whole (mode 0), and a block announcing more is
// damaged, so a hostile block cannot make a reader work quadratically.
const maxFields = 1 << 12

// object is a JSON object as its members in order.
type object []field

func (o object) index(key string) int {
	for i := range o {
		if o[i].key == key {
			return i
		}
	}
	return -1
}

// splitObject splits a JSON object into its members, keys kept as their
// quoted JSON (so they are written back byte for byte); ok is false when
// raw is valid JSON but not an object.
func splitObject(raw []byte) (o object, ok bool, err error) {
	if !json.Valid(raw) {
		return nil, false, errors.New("not JSON")
	}
	i := skipSpace(raw, 0)
	if i >= len(raw) || raw[i] != '{' {
		return nil, false, nil
	}
	i = skipSpace(raw, i+1)
	for i < len(raw) && raw[i] != '}' {
		// raw is valid JSON: a key string, a colon, a value, then a comma
		// or the end of the object.
		k := i
		i = skipString(raw, i)
		key := string(raw[k:i])
		i = skipSpace(raw, i)
		i = skipSpace(raw, i+1) // the colon
		v := i
		i = skipValue(raw, i)
		o = append(o, field{key, raw[v:i:i]})
		i = skipSpace(raw, i)
		if i < len(raw) && raw[i] == ',' {
			i = skipSpace(raw, i+1)
		}
	}
	return o, true, nil
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipString returns the index after the JSON string that starts at i.
func skipString(b []byte, i int) int {
	for i++; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return i
}

// skipValue returns the index after the JSON value that starts at i.
func skipValue(b []byte, i int) int {
	depth := 0
	for ; i < len(b); i++ {
		switch b[i] {
		case '"':
			i = skipString(b, i) - 1
		case '{', '[':
			depth++
		case '}', ']':
			if depth == 0 {
				return i
			}
			depth--
		case ',':
			if depth == 0 {
				return i
			}
		}
		if depth == 0 && (b[i] == '}' || b[i] == ']' || b[i] == '"') {
			return i + 1
		}
	}
	return i
}

// marshal writes the object back as JSON.
func (o object) marshal() []byte {
	n := 2
	for _, f := range o {
		n += len(f.key) + len(f.val) + 2
	}
	b := make([]byte, 0, n)
	b = append(b, '{')
	for i, f := range o {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, f.key...)
		b = append(b, ':')
		b = append(b, f.val...)
	}
	return append(b, '}')
}

// encoder writes one block's events.
type encoder struct {
	buf      []byte
	strs     map[string]uint64
	prevSeq  uint64
	prevAt   int64
	tickets  map[uint64]object
	counters map[int]object
	services map[string]object
	records  map[string]object
	personal map[uint64]Personal
}

func newEncoder(personal map[uint64]Personal) *encoder {
	return &encoder{strs: map[string]uint64{}, tickets: map[uint64]object{}, counters: map[int]object{},
		services: map[string]object{}, records: map[string]object{}, personal: personal}
}

func (e *encoder) uvarint(v uint64) { e.buf = binary.AppendUvarint(e.buf, v) }
func (e *encoder) varint(v int64)   { e.buf = binary.AppendVarint(e.buf, v) }

func (e *encoder) bytes(b []byte) {
	e.uvarint(uint64(len(b)))
	e.buf = append(e.buf, b...)
}

func (e *encoder) str(s string) {
	if k, ok := e.strs[s]; ok {
		e.uvarint(k)
		return
	}
	e.uvarint(0)
	e.bytes([]byte(s))
	e.strs[s] = uint64(len(e.strs) + 1)
}

// object writes v's JSON as a change to base and returns the new image.
func (e *encoder) object(base object, raw []byte, drop map[string]bool) (object, error) {
	cur, ok, err := splitObject(raw)
	if err != nil {
		return nil, err
	}
	if !ok || len(cur) > maxFields {
		e.buf = append(e.buf, 0)
		e.bytes(raw)
		return nil, nil
	}
	if drop != nil {
		kept := cur[:0:0]
		for _, f := range cur {
			if !drop[f.key] {
				kept = append(kept, f)
			}
		}
		cur = kept
	}
	// The change is written only when replaying it gives the members in
	// the same order; otherwise (a field that left and came back) the
	// whole object, so decoding always gives back the same JSON.
	var set []int
	var del []string
	order := make([]string, 0, len(cur))
	if base != nil {
		for _, f := range base {
			if cur.index(f.key) < 0 {
				del = append(del, f.key)
			} else {
				order = append(order, f.key)
			}
		}
	}
	for i, f := range cur {
		j := base.index(f.key)
		if j < 0 {
			order = append(order, f.key)
		}
		if j < 0 || !bytes.Equal(base[j].val, f.val) {
			set = append(set, i)
		}
	}
	same := len(order) == len(cur)
	for i := 0; same && i < len(cur); i++ {
		same = order[i] == cur[i].key
	}
	if base == nil || !same {
		e.buf = append(e.buf, 2)
		e.uvarint(uint64(len(cur)))
		for _, f := range cur {
			e.str(f.key)
			e.bytes(f.val)
		}
		return cur, nil
	}
	e.buf = append(e.buf, 1)
	e.uvarint(uint64(len(set)))
	for _, i := range set {
		e.str(cur[i].key)
		e.bytes(cur[i].val)
	}
	e.uvarint(uint64(len(del)))
	for _, k := range del {
		e.str(k)
	}
	return cur, nil
}

func (e *encoder) event(ev *queue.Event) error {
	if ev.Seq <= e.prevSeq {
		return fmt.Errorf("event %d after %d: events must come in increasing sequence order", ev.Seq, e.prevSeq)
	}
	e.uvarint(ev.Seq - e.prevSeq)
	e.prevSeq = ev.Seq
	e.str(ev.Type)
	e.str(ev.Day)
	e.str(ev.Actor)
	e.str(ev.Reason)
	e.varint(int64(ev.Counter))
	e.uvarint(ev.Ticket)
	at := ev.At.UnixNano()
	e.varint(at - e.prevAt)
	e.prevAt = at
	_, off := ev.At.Zone()
	e.varint(int64(off))

	e.uvarint(uint64(len(ev.Tickets)))
	for i := range ev.Tickets {
		t := &ev.Tickets[i]
		if t.Phone != "" || t.Account != "" {
			e.personal[t.ID] = Personal{Ticket: t.ID, Phone: t.Phone, Account: t.Account}
		}
		raw, err := json.Marshal(t)
		if err != nil {
			return err
		}
		e.uvarint(t.ID)
		if e.tickets[t.ID], err = e.object(e.tickets[t.ID], raw, personalKeys); err != nil {
			return err
		}
	}
	e.uvarint(uint64(len(ev.Counters)))
	for i := range ev.Counters {
		c := &ev.Counters[i]
		raw, err := json.Marshal(c)
		if err != nil {
			return err
		}
		e.varint(int64(c.Number))
		if e.counters[c.Number], err = e.object(e.counters[c.Number], raw, nil); err != nil {
			return err
		}
	}
	e.uvarint(uint64(len(ev.Services)))
	for i := range ev.Services {
		s := &ev.Services[i]
		raw, err := json.Marshal(s)
		if err != nil {
			return err
		}
		e.str(s.Prefix)
		if e.services[s.Prefix], err = e.object(e.services[s.Prefix], raw, nil); err != nil {
			return err
		}
	}
	e.uvarint(uint64(len(ev.Records)))
	for i := range ev.Records {
		if err := e.record(&ev.Records[i], true); err != nil {
			return err
		}
	}
	if ev.Config == nil {
		e.uvarint(0)
		return nil
	}
	raw, err := json.Marshal(ev.Config)
	if err != nil {
		return err
	}
	e.bytes(raw)
	return nil
}

func (e *encoder) record(r *queue.Record, diff bool) error {
	e.str(r.Kind)
	e.str(r.Key)
	e.varint(int64(r.Rev))
	k := r.Kind + "\x00" + r.Key
	data := []byte(r.Data)
	if len(data) == 0 {
		data = []byte("null")
	}
	var base object
	if diff {
		base = e.records[k]
	}
	img, err := e.object(base, data, nil)
	if err == nil && diff {
		e.records[k] = img
	}
	return err
}

// decoder reads one block's events.
type decoder struct {
	b        []byte
	strs     []string
	prevSeq  uint64
	prevAt   int64
	tickets  map[uint64]object
	counters map[int64]object
	services map[string]object
	records  map[string]object
	zones    map[int64]*time.Location
}

// errShort is a block that ends inside a value.
var errShort = errors.New("block ends inside a value")

func newDecoder(b []byte) *decoder {
	return &decoder{b: b, tickets: map[uint64]object{}, counters: map[int64]object{},
		services: map[string]object{}, records: map[string]object{}, zones: map[int64]*time.Location{}}
}

func (d *decoder) uvarint() (uint64, error) {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		return 0, errShort
	}
	d.b = d.b[n:]
	return v, nil
}

func (d *decoder) varint() (int64, error) {
	v, n := binary.Varint(d.b)
	if n <= 0 {
		return 0, errShort
	}
	d.b = d.b[n:]
	return v, nil
}

// count reads a number of following items, each at least one byte long.
func (d *decoder) count() (int, error) {
	n, err := d.uvarint()
	if err == nil && n > uint64(len(d.b)) {
		err = fmt.Errorf("%d items announced, %d bytes left", n, len(d.b))
	}
	return int(n), err
}

func (d *decoder) bytes() ([]byte, error) {
	n, err := d.uvarint()
	if err != nil {
		return nil, err
	}
	if n > uint64(len(d.b)) {
		return nil, errShort
	}
	v := d.b[:n:n]
	d.b = d.b[n:]
	return v, nil
}

func (d *decoder) str() (string, error) {
	k, err := d.uvarint()
	if err != nil {
		return "", err
	}
	if k == 0 {
		b, err := d.bytes()
		if err != nil {
			return "", err
		}
		d.strs = append(d.strs, string(b))
		return d.strs[len(d.strs)-1], nil
	}
	if k > uint64(len(d.strs)) {
		return "", fmt.Errorf("string %d of a table of %d", k, len(d.strs))
	}
	return d.strs[k-1], nil
}

// object reads a change to base and returns the new image and its JSON.
func (d *decoder) object(base object) (object, []byte, error) {
	if len(d.b) == 0 {
		return nil, nil, errShort
	}
	mode := d.b[0]
	d.b = d.b[1:]
	switch mode {
	case 0:
		raw, err := d.bytes()
		return nil, raw, err
	case 1, 2:
	default:
		return nil, nil, fmt.Errorf("unknown object mode %d", mode)
	}
	if mode == 1 && base == nil {
		return nil, nil, errors.New("a change to a record the block has not seen")
	}
	var cur object
	if mode == 1 {
		cur = append(object(nil), base...)
	}
	n, err := d.count()
	if err == nil && n > maxFields {
		err = fmt.Errorf("an object of %d fields", n)
	}
	if err != nil {
		return nil, nil, err
	}
	for range n {
		k, err := d.str()
		if err != nil {
			return nil, nil, err
		}
		v, err := d.bytes()
		if err != nil {
			return nil, nil, err
		}
		if i := cur.index(k); i >= 0 {
			cur[i].val = v
		} else {
			cur = append(cur, field{k, v})
		}
	}
	if mode == 1 {
		m, err := d.count()
		if err == nil && m > maxFields {
			err = fmt.Errorf("%d fields removed", m)
		}
		if err != nil {
			return nil, nil, err
		}
		for range m {
			k, err := d.str()
			if err != nil {
				return nil, nil, err
			}
			if i := cur.index(k); i >= 0 {
				cur = append(cur[:i:i], cur[i+1:]...)
			}
		}
	}
	if len(cur) > maxFields {
		return nil, nil, fmt.Errorf("an object grown to %d fields", len(cur))
	}
	if cur == nil {
		cur = object{}
	}
	return cur, cur.marshal(), nil
}

func (d *decoder) zone(off int64) (*time.Location, error) {
	if off < -18*3600 || off > 18*3600 {
		return nil, fmt.Errorf("zone offset %d s", off)
	}
	if l, ok := d.zones[off]; ok {
		return l, nil
	}
	l := time.FixedZone("", int(off))
	d.zones[off] = l
	return l, nil
}

// event decodes the next event into ev (which it resets).
func (d *decoder) event(ev *queue.Event) (err error) {
	*ev = queue.Event{}
	delta, err := d.uvarint()
	if err != nil {
		return err
	}
	if delta == 0 {
		return errors.New("sequence numbers do not increase")
	}
	d.prevSeq += delta
	ev.Seq = d.prevSeq
	for _, s := range []*string{&ev.Type, &ev.Day, &ev.Actor, &ev.Reason} {
		if *s, err = d.str(); err != nil {
			return err
		}
	}
	c, err := d.varint()
	if err != nil {
		return err
	}
	ev.Counter = int(c)
	if ev.Ticket, err = d.uvarint(); err != nil {
		return err
	}
	dt, err := d.varint()
	if err != nil {
		return err
	}
	d.prevAt += dt
	off, err := d.varint()
	if err != nil {
		return err
	}
	loc, err := d.zone(off)
	if err != nil {
		return err
	}
	ev.At = time.Unix(0, d.prevAt).In(loc)

	n, err := d.count()
	if err != nil {
		return err
	}
	ev.Tickets = make([]queue.Ticket, 0, min(n, 64)) // n is bounded by the bytes, not by memory
	for i := range n {
		id, err := d.uvarint()
		if err != nil {
			return err
		}
		img, raw, err := d.object(d.tickets[id])
		if err != nil {
			return fmt.Errorf("ticket %d: %w", id, err)
		}
		d.tickets[id] = img
		ev.Tickets = append(ev.Tickets, queue.Ticket{})
		if err := json.Unmarshal(raw, &ev.Tickets[i]); err != nil {
			return fmt.Errorf("ticket %d: %w", id, err)
		}
	}
	if n, err = d.count(); err != nil {
		return err
	}
	ev.Counters = make([]queue.Counter, 0, min(n, 64)) // n is bounded by the bytes, not by memory
	for i := range n {
		num, err := d.varint()
		if err != nil {
			return err
		}
		img, raw, err := d.object(d.counters[num])
		if err != nil {
			return fmt.Errorf("counter %d: %w", num, err)
		}
		d.counters[num] = img
		ev.Counters = append(ev.Counters, queue.Counter{})
		if err := json.Unmarshal(raw, &ev.Counters[i]); err != nil {
			return fmt.Errorf("counter %d: %w", num, err)
		}
	}
	if n, err = d.count(); err != nil {
		return err
	}
	ev.Services = make([]queue.Service, 0, min(n, 64)) // n is bounded by the bytes, not by memory
	for i := range n {
		p, err := d.str()
		if err != nil {
			return err
		}
		img, raw, err := d.object(d.services[p])
		if err != nil {
			return fmt.Errorf("service %s: %w", p, err)
		}
		d.services[p] = img
		ev.Services = append(ev.Services, queue.Service{})
		if err := json.Unmarshal(raw, &ev.Services[i]); err != nil {
			return fmt.Errorf("service %s: %w", p, err)
		}
	}
	if n, err = d.count(); err != nil {
		return err
	}
	ev.Records = make([]queue.Record, 0, min(n, 64)) // n is bounded by the bytes, not by memory
	for i := range n {
		ev.Records = append(ev.Records, queue.Record{})
		if err := d.record(&ev.Records[i], true); err != nil {
			return err
		}
	}
	raw, err := d.bytes()
	if err != nil {
		return err
	}
	if len(raw) > 0 {
		ev.Config = new(queue.Config)
		if err := json.Unmarshal(raw, ev.Config); err != nil {
			return fmt.Errorf("config: %w", err)
		}
	}
	// Empty lists read back as absent, as they were written (omitempty).
	if len(ev.Tickets) == 0 {
		ev.Tickets = nil
	}
	if len(ev.Counters) == 0 {
		ev.Counters = nil
	}
	if len(ev.Services) == 0 {
		ev.Services = nil
	}
	if len(ev.Records) == 0 {
		ev.Records = nil
	}
	return nil
}

func (d *decoder) record(r *queue.Record, diff bool) error {
	var err error
	if r.Kind, err = d.str(); err != nil {
		return err
	}
	if r.Key, err = d.str(); err != nil {
		return err
	}
	rev, err := d.varint()
	if err != nil {
		return err
	}
	r.Rev = int(rev)
	k := r.Kind + "\x00" + r.Key
	var base object
	if diff {
		base = d.records[k]
	}
	img, raw, err := d.object(base)
	if err != nil {
		return fmt.Errorf("record %s/%s: %w", r.Kind, r.Key, err)
	}
	if diff {
		d.records[k] = img
	}
	if !json.Valid(raw) {
		return fmt.Errorf("record %s/%s: data is not JSON", r.Kind, r.Key)
	}
	r.Data = append(json.RawMessage(nil), raw...)
	return nil
}

// done reports whether the block has no more bytes.
func (d *decoder) done() bool { return len(d.b) == 0 }
