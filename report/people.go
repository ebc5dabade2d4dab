package report

import (
	"bytes"
	"cmp"
	"slices"

	"hallq/hall/store"
	"hallq/queue"
)

// ClerkRow is one clerk's (or one counter's) work over the range.
type ClerkRow struct {
	Clerk         string  `json:"clerk,omitempty"`
	Counter       int     `json:"counter,omitempty"`
	Name          string  `json:"name,omitempty"`
	StaffNo       string  `json:"staff_no,omitempty"` // 工号 (clerk rows, from the hall's accounts)
	Served        int     `json:"served"`
	NoShows       int     `json:"no_shows"`
	Transferred   int     `json:"transferred"`
	AvgServiceS   float64 `json:"avg_service_s"`
	OpenS         int64   `json:"open_s"`        // signed in and not paused
	BusyS         int64   `json:"busy_s"`        // from a call to the finish
	IdleS         int64   `json:"idle_s"`        // open − busy
	Pauses        int     `json:"pauses"`        // times paused
	PauseS        int64   `json:"pause_s"`       // time paused
	Rated         int     `json:"rated"`         // ratings 1–5
	Unrated       int     `json:"unrated"`       // 未评价
	Satisfaction  float64 `json:"satisfaction"`  // mean score of the ratings, 1–5
	Satisfied     float64 `json:"satisfied"`     // share of ratings 4–5
	Participation float64 `json:"participation"` // rated / served
	// Walks are the tickets called and started here (a missed ticket that
	// came back is left out: its first call is not its last); AvgWalkS is
	// their mean time from the first call to the start of service (the
	// customer's walk to the counter).
	Walks    int     `json:"walks"`
	AvgWalkS float64 `json:"avg_walk_s"`
	// IdleWaitingS is time open and free while customers of the counter's
	// services were waiting (not yet called).
	IdleWaitingS int64 `json:"idle_waiting_s"`
}

// CounterRow is one counter's row: the same figures keyed by counter.
type CounterRow = ClerkRow

type personAcc struct {
	served, noShows, transferred, pauses, rated, unrated, satisfied, walks int
	serviceSum, busy, open, pause, scoreSum, walkSum, idleWaiting          int64
}

type peopleAcc struct {
	clerks   map[string]*personAcc
	counters [256]*personAcc
	// last is the clerk last seen at each counter: a counter keeps its
	// clerk all day, so most lookups skip the map.
	last [256]struct {
		name []byte
		acc  *personAcc
	}
	// serves is each counter's services as a bit set (bit 0: A); the day's
	// spans are gathered by ticket and used by day.
	serves  [256]uint32
	waiting [26][]span  // by service: from issue to the first call
	busy    [256][]span // by counter: from the call to the end
}

// span is [a, b) in seconds after local midnight.
type span struct{ a, b int32 }

// union sorts and merges spans (in place).
func union(s []span) []span {
	slices.SortFunc(s, func(x, y span) int { return cmp.Compare(x.a, y.a) })
	out := s[:0]
	for _, v := range s {
		if v.b <= v.a {
			continue
		}
		if n := len(out); n > 0 && v.a <= out[n-1].b {
			out[n-1].b = max(out[n-1].b, v.b)
			continue
		}
		out = append(out, v)
	}
	return out
}

// overlap is how long [a, b) is covered by in (merged, sorted) and not by
// out (merged, sorted).
func overlap(a, b int32, in, out []span) int64 {
	var n int64
	j := 0
	for _, w := range in {
		lo, hi := max(a, w.a), min(b, w.b)
		if lo >= hi {
			continue
		}
		n += int64(hi - lo)
		for j < len(out) && out[j].b <= lo {
			j++
		}
		for k := j; k < len(out) && out[k].a < hi; k++ {
			if l, h := max(lo, out[k].a), min(hi, out[k].b); l < h {
				n -= int64(h - l)
			}
		}
	}
	return n
}

// setServes sets which services each counter serves (idle time while its
// customers wait).
func (p *peopleAcc) setServes(cfg queue.Config) {
	for _, c := range cfg.Counters {
		if c.Number < 1 || c.Number > 255 {
			continue
		}
		for _, s := range c.Services {
			if len(s) == 1 && s[0] >= 'A' && s[0] <= 'Z' {
				p.serves[c.Number] |= 1 << (s[0] - 'A')
			}
		}
	}
}

func newPeopleAcc() *peopleAcc {
	return &peopleAcc{clerks: map[string]*personAcc{}}
}

func (p *peopleAcc) clerk(c []byte) *personAcc {
	a := p.clerks[string(c)]
	if a == nil {
		a = &personAcc{}
		p.clerks[string(c)] = a
	}
	return a
}

// clerkAt is clerk c's accumulator, c seen at counter n.
func (p *peopleAcc) clerkAt(n uint8, c []byte) *personAcc {
	l := &p.last[n]
	if l.acc != nil && bytes.Equal(l.name, c) {
		return l.acc
	}
	l.acc = p.clerk(c)
	l.name = append(l.name[:0], c...)
	return l.acc
}

func (p *peopleAcc) counter(n int) *personAcc {
	n = min(max(n, 0), 255)
	a := p.counters[n]
	if a == nil {
		a = &personAcc{}
		p.counters[n] = a
	}
	return a
}

// ticket counts a ticket toward the clerk and counter that handled it.
func (p *peopleAcc) ticket(f *store.TicketFact) {
	const day = 24 * 3600
	if !f.Transfer && f.Service >= 'A' && f.Service <= 'Z' {
		end := int32(day)
		switch {
		case f.CalledS >= 0:
			end = f.IssuedS + f.CalledS
		case f.FinishedS >= 0:
			end = f.IssuedS + f.FinishedS
		}
		p.waiting[f.Service-'A'] = append(p.waiting[f.Service-'A'], span{f.IssuedS, min(end, day)})
	}
	if f.Counter == 0 || len(f.Clerk) == 0 || f.CalledS < 0 {
		return
	}
	if f.Status != queue.Cancelled {
		end := int32(day)
		if f.FinishedS >= f.CalledS {
			end = f.IssuedS + f.FinishedS
		}
		p.busy[f.Counter] = append(p.busy[f.Counter], span{f.IssuedS + f.CalledS, min(end, day)})
	}
	for _, a := range [2]*personAcc{p.clerkAt(f.Counter, f.Clerk), p.counter(int(f.Counter))} {
		switch f.Status {
		case queue.Done:
			a.served++
			if f.StartedS >= 0 && f.FinishedS >= f.StartedS {
				a.serviceSum += int64(f.FinishedS - f.StartedS)
			}
		case queue.NoShow:
			a.noShows++
		case queue.Transferred:
			a.transferred++
		}
		if f.FinishedS >= f.CalledS && f.Status != queue.Cancelled {
			a.busy += int64(f.FinishedS - f.CalledS)
		}
		if f.StartedS >= f.CalledS && !f.Returned && (f.Status == queue.Done || f.Status == queue.Serving || f.Status == queue.Transferred) {
			a.walks++
			a.walkSum += int64(f.StartedS - f.CalledS)
		}
	}
}

// day folds a day's counter timeline (open and paused time, pauses) and
// ratings.
func (p *peopleAcc) day(d *store.RollupDay) {
	type state struct {
		st    byte
		since int32
		clerk string
	}
	cur := map[uint8]*state{}
	// Each counter's waiting customers and busy time, merged once.
	var waitOf, busyOf [256][]span
	var merged [256]bool
	for i := range p.waiting {
		p.waiting[i] = union(p.waiting[i])
	}
	waitFor := func(n uint8) []span {
		if !merged[n] {
			var all []span
			for i := range 26 {
				if p.serves[n]&(1<<i) != 0 {
					all = append(all, p.waiting[i]...)
				}
			}
			waitOf[n], busyOf[n], merged[n] = union(all), union(p.busy[n]), true
		}
		return waitOf[n]
	}
	close := func(n uint8, s *state, at int32) {
		if s == nil || at <= s.since {
			return
		}
		dur := int64(at - s.since)
		idle := int64(0)
		if s.st == 'o' {
			idle = overlap(s.since, at, waitFor(n), busyOf[n])
		}
		targets := []*personAcc{p.counter(int(n))}
		if s.clerk != "" {
			targets = append(targets, p.clerk([]byte(s.clerk)))
		}
		for _, a := range targets {
			switch s.st {
			case 'o':
				a.open += dur
				a.idleWaiting += idle
			case 'p':
				a.pause += dur
			}
		}
	}
	for _, c := range d.Counters {
		s := cur[c.Counter]
		if s != nil && s.st == c.State && s.clerk == string(c.Clerk) {
			continue
		}
		close(c.Counter, s, c.AtS)
		if c.State == 'p' && (s == nil || s.st != 'p') {
			p.counter(int(c.Counter)).pauses++
			if len(c.Clerk) > 0 {
				p.clerk(c.Clerk).pauses++
			}
		}
		cur[c.Counter] = &state{st: c.State, since: c.AtS, clerk: string(c.Clerk)}
	}
	for n, s := range cur {
		if s.st != 'c' {
			close(n, s, 24*3600) // still open at midnight: count to the day's end
		}
	}
	for i := range p.waiting {
		p.waiting[i] = p.waiting[i][:0]
	}
	for i := range p.busy {
		p.busy[i] = p.busy[i][:0]
	}
	p.ratings(d)
}

// ratings folds a day's keypad ratings into their counters and clerks.
func (p *peopleAcc) ratings(d *store.RollupDay) {
	for _, r := range d.Ratings {
		targets := []*personAcc{p.counter(int(r.Counter))}
		if len(r.Clerk) > 0 {
			targets = append(targets, p.clerkAt(r.Counter, r.Clerk))
		}
		for _, a := range targets {
			if r.Score == 0 {
				a.unrated++
				continue
			}
			a.rated++
			a.scoreSum += int64(r.Score)
			if r.Score >= 4 {
				a.satisfied++
			}
		}
	}
}

func (a *personAcc) addAll(b *personAcc) {
	a.served += b.served
	a.noShows += b.noShows
	a.transferred += b.transferred
	a.pauses += b.pauses
	a.rated += b.rated
	a.unrated += b.unrated
	a.satisfied += b.satisfied
	a.serviceSum += b.serviceSum
	a.busy += b.busy
	a.open += b.open
	a.pause += b.pause
	a.scoreSum += b.scoreSum
	a.walks += b.walks
	a.walkSum += b.walkSum
	a.idleWaiting += b.idleWaiting
}

func (a *personAcc) row() ClerkRow {
	r := ClerkRow{Served: a.served, NoShows: a.noShows, Transferred: a.transferred, OpenS: a.open, BusyS: a.busy,
		IdleS: max(0, a.open-a.busy), Pauses: a.pauses, PauseS: a.pause, Rated: a.rated, Unrated: a.unrated,
		Walks: a.walks, IdleWaitingS: a.idleWaiting}
	if a.walks > 0 {
		r.AvgWalkS = round1(float64(a.walkSum) / float64(a.walks))
	}
	if a.served > 0 {
		r.AvgServiceS = round1(float64(a.serviceSum) / float64(a.served))
		r.Participation = round4(float64(a.rated) / float64(a.served))
	}
	if a.rated > 0 {
		r.Satisfaction = round1(float64(a.scoreSum)/float64(a.rated)*10) / 10
		r.Satisfaction = round4(float64(a.scoreSum) / float64(a.rated))
		r.Satisfied = round4(float64(a.satisfied) / float64(a.rated))
	}
	return r
}

// rows returns the clerk table (by clerk user name) and the counter table.
func (p *peopleAcc) rows(cfg queue.Config) (clerks, counters []ClerkRow) {
	clerks, counters = []ClerkRow{}, []ClerkRow{}
	for name, a := range p.clerks {
		if name == "" {
			continue
		}
		r := a.row()
		r.Clerk = name
		clerks = append(clerks, r)
	}
	slices.SortFunc(clerks, func(a, b ClerkRow) int { return cmp.Compare(a.Clerk, b.Clerk) })
	names := map[int]string{}
	for _, c := range cfg.Counters {
		names[c.Number] = c.NameZH
	}
	for n, a := range p.counters {
		if n == 0 || a == nil {
			continue
		}
		r := a.row()
		r.Counter, r.Name = n, names[n]
		counters = append(counters, r)
	}
	slices.SortFunc(counters, func(a, b ClerkRow) int { return cmp.Compare(a.Counter, b.Counter) })
	return clerks, counters
}
