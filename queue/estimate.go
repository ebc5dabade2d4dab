package queue

import (
	"cmp"
	"math"
	"slices"
	"time"
)

// estimate is the wait, in seconds, of a ticket of service prefix with ahead
// customers of its service called before it. It looks at the counters
// actually serving the service: each open counter that serves it comes free
// for it once its current customer is done (the figure of that customer's
// service less the time already spent) and once the customers waiting for
// the services it calls first are served (its share of them: a service's
// waiting customers are split among the open counters serving it). From
// then on it calls one customer of the service every AvgServiceS seconds,
// stretched by the time it keeps giving to the services it calls first
// (their recent arrivals, arrivalRate, times their figures, split among
// their counters). The ticket is called once the customers ahead have flowed
// to those counters, and not before the first of them is free: with idle
// counters and nothing else to serve, ahead / counters × AvgServiceS.
// With no open counter serving the service, one counter free now is assumed.
// Starvation caps it (Config.StarveAfterS).
func (e *Engine) estimate(prefix string, ahead int, now time.Time) int {
	return e.estimateWith(e.newEstShared(), prefix, ahead, now)
}

// estShared is what the estimates of every service at one moment share:
// per service (by its letter) the open counters serving it, and, filled on
// first use, its waiting customers and the counter-seconds a second its
// arrivals bring. Figures computes it once for all services.
type estShared struct {
	servers [26]int
	waiting [26]int
	busy    [26]float64
	known   [26]bool
}

// letter is the index of a service prefix (A–Z, Config.Validate), -1 else.
func letter(p string) int {
	if len(p) == 1 && p[0] >= 'A' && p[0] <= 'Z' {
		return int(p[0] - 'A')
	}
	return -1
}

func (e *Engine) newEstShared() *estShared {
	sh := &estShared{}
	for _, c := range e.counters {
		if c.State != Open {
			continue
		}
		for _, q := range c.Services {
			if i := letter(q); i >= 0 {
				sh.servers[i]++
			}
		}
	}
	return sh
}

func (e *Engine) estimateWith(sh *estShared, prefix string, ahead int, now time.Time) int {
	svc := e.services[prefix]
	if svc == nil || svc.AvgServiceS <= 0 {
		return 0
	}
	type counter struct{ free, every float64 }
	var cs []counter
	for _, n := range e.numbers {
		c := e.counters[n]
		r := c.rank(prefix)
		if c.State != Open || r < 0 {
			continue
		}
		k := counter{every: svc.AvgServiceS}
		if t := e.tickets[c.Current]; c.Current != 0 && t != nil {
			start := t.StartedAt
			if start == nil {
				start = t.LastCalledAt
			}
			if q := e.services[t.Service]; q != nil && start != nil {
				k.free = math.Max(0, q.AvgServiceS-now.Sub(*start).Seconds())
			}
		}
		load := 0.0
		for _, q := range c.Services[:r] {
			qs, i := e.services[q], letter(q)
			if qs == nil || i < 0 {
				continue
			}
			if !sh.known[i] {
				sh.known[i] = true
				sh.waiting[i] = e.live.queuedCount(q) // kept per event (live.go), not counted
				sh.busy[i] = e.arrivalRate(q, now) * qs.AvgServiceS
			}
			share := float64(max(sh.servers[i], 1))
			k.free += float64(sh.waiting[i]) * qs.AvgServiceS / share
			load += sh.busy[i] / share
		}
		k.every /= 1 - math.Min(load, 0.9)
		cs = append(cs, k)
	}
	if len(cs) == 0 {
		cs = []counter{{every: svc.AvgServiceS}}
	}
	// The service's customers flow to the counters: by t seconds from now
	// a counter has taken (t − free) / every of them. The ticket's turn
	// comes when the ones ahead are taken, and not before a counter is free:
	// the t where the counters free by then have taken ahead.
	slices.SortFunc(cs, func(a, b counter) int { return cmp.Compare(a.free, b.free) })
	hi := cs[0].free
	rate, base := 0.0, 0.0 // Σ 1/every and Σ free/every of the counters free by hi
	for i, k := range cs {
		rate += 1 / k.every
		base += k.free / k.every
		hi = math.Max(k.free, (float64(ahead)+base)/rate)
		if i+1 == len(cs) || hi <= cs[i+1].free {
			break
		}
	}
	// Past StarveAfterS a ticket is called before every younger one, with
	// the other starving tickets: its service's counters do not keep
	// putting it off behind the services they call first.
	if st := float64(e.cfg.StarveAfterS); st > 0 {
		hi = math.Min(hi, 2*st+float64(ahead+1)*svc.AvgServiceS/float64(len(cs)))
	}
	return int(math.Round(hi))
}

// arrivalWindow is how far back arrivalRate looks.
const arrivalWindow = 30 * time.Minute

// arrivalRate is the service's customers per second over the last
// arrivalWindow (of the latest recentServices issues).
func (e *Engine) arrivalRate(prefix string, now time.Time) float64 {
	n := 0
	for _, at := range e.arrivals[prefix] {
		if d := now.Sub(at); d >= 0 && d < arrivalWindow {
			n++
		}
	}
	return float64(n) / arrivalWindow.Seconds()
}

// noteArrival adds an issued ticket to the recent arrivals of its service
// (not a transfer: that customer arrived before).
func (e *Engine) noteArrival(t Ticket) {
	if t.TransferredFrom != 0 || t.IssuedAt.IsZero() {
		return
	}
	if e.arrivals == nil {
		e.arrivals = map[string][]time.Time{}
	}
	w := append(e.arrivals[t.Service], t.IssuedAt)
	if len(w) > 4*recentServices {
		w = slices.Clone(w[len(w)-4*recentServices:])
	}
	e.arrivals[t.Service] = w
	e.markDirty(t.Service)
}

// The service-time figure (Service.AvgServiceS) follows the recent service
// times of the service, robust to what is not a real service:
const (
	// minServiceS: a finish sooner than this after the call or start is a
	// clerk clicking through (a customer who had left, a mistaken call),
	// not a service; it leaves the figure alone.
	minServiceS = 20
	// maxServiceS caps one service time (a ticket left open over lunch).
	maxServiceS = 7200
	// recentServices is how many service times the figure looks at.
	recentServices = 20
	// minRecent is how many it needs before it is their mean; before that,
	// each one moves the figure a fifth of the way (from the configured one).
	minRecent = 5
	// outlierFactor caps a service time at this many times the median of
	// the recent ones (or, before there are enough, the figure).
	outlierFactor = 3
)

// serviceFigure is the service-time figure of prefix after a service of d
// seconds, given the figure avg before it: d is ignored under minServiceS;
// otherwise, with the recent service times (d the latest), their mean with
// each capped at outlierFactor × their median; with fewer than minRecent,
// 0.8 avg + 0.2 d (d capped at outlierFactor × avg; the first d as it is).
// Rounded to a tenth of a second.
func (e *Engine) serviceFigure(prefix string, avg, d float64) float64 {
	if d < minServiceS {
		if avg <= 0 {
			return minServiceS
		}
		return avg
	}
	d = math.Min(d, maxServiceS)
	w := append(slices.Clone(e.recent[prefix]), d)
	if len(w) > recentServices {
		w = w[len(w)-recentServices:]
	}
	tenth := func(x float64) float64 { return math.Round(x*10) / 10 }
	if len(w) < minRecent {
		if avg <= 0 {
			return tenth(d)
		}
		return tenth(0.8*avg + 0.2*math.Min(d, outlierFactor*avg))
	}
	s := slices.Clone(w)
	slices.Sort(s)
	med := s[len(s)/2]
	if len(s)%2 == 0 {
		med = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	sum := 0.0
	for _, x := range w {
		sum += math.Min(x, outlierFactor*med)
	}
	return tenth(sum / float64(len(w)))
}

// noteService adds a finished ticket's service time to the recent ones of
// its service (those serviceFigure looks at).
func (e *Engine) noteService(t Ticket) {
	if t.Status != Done || t.StartedAt == nil || t.FinishedAt == nil {
		return
	}
	d := t.FinishedAt.Sub(*t.StartedAt).Seconds()
	if d < minServiceS {
		return
	}
	if e.recent == nil {
		e.recent = map[string][]float64{}
	}
	w := append(e.recent[t.Service], math.Min(d, maxServiceS))
	if len(w) > recentServices {
		w = slices.Clone(w[len(w)-recentServices:])
	}
	e.recent[t.Service] = w
	e.markDirty(t.Service)
}
