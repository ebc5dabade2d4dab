package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/fasthttp/websocket"

	"hallq/hall"
	"hallq/queue"
)

// connsDisplay is one display client of the connections drill: it reads
// every frame and remembers the last sequence and the calls it saw. Like
// the page (assets/js/live.js), when the server lets it go (too slow on a
// loaded machine, say) it dials again with since= the last sequence it saw,
// and the replay brings what it missed.
type connsDisplay struct {
	dial    func(since uint64) (*websocket.Conn, error)
	mu      sync.Mutex
	conn    *websocket.Conn
	stopped bool
	seq     atomic.Uint64
	redials atomic.Int64
	called  sync.Map // seq → struct{}: the called events it saw
	done    chan struct{}
}

func (d *connsDisplay) read() {
	defer close(d.done)
	for {
		d.mu.Lock()
		conn := d.conn
		d.mu.Unlock()
		for {
			_, b, err := conn.ReadMessage()
			if err != nil {
				break
			}
			var f struct {
				Type  string `json:"type"`
				Seq   uint64 `json:"seq"`
				Event struct {
					Type string `json:"type"`
				} `json:"event"`
			}
			if json.Unmarshal(b, &f) != nil || f.Type == "heartbeat" {
				continue
			}
			if f.Type == "event" && f.Event.Type == queue.EvCalled {
				d.called.Store(f.Seq, struct{}{})
			}
			if f.Seq > d.seq.Load() {
				d.seq.Store(f.Seq)
			}
		}
		conn.Close()
		for {
			d.mu.Lock()
			if d.stopped {
				d.mu.Unlock()
				return
			}
			d.mu.Unlock()
			c, err := d.dial(d.seq.Load())
			if err == nil {
				d.redials.Add(1)
				d.mu.Lock()
				d.conn = c
				if d.stopped {
					c.Close()
				}
				d.mu.Unlock()
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
}

// stop closes the display for good and waits for its reader.
func (d *connsDisplay) stop() {
	d.mu.Lock()
	d.stopped = true
	d.conn.Close()
	d.mu.Unlock()
	<-d.done
}

// raiseOpenFiles lifts the soft open-files limit to the hard one: the drill
// holds both ends of thousands of connections in one process.
func raiseOpenFiles(t *testing.T, need uint64) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Logf("getrlimit: %v", err)
		return
	}
	if lim.Cur < lim.Max {
		lim.Cur = lim.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
			t.Logf("setrlimit: %v", err)
		}
		syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim)
	}
	if lim.Cur < need {
		t.Skipf("the open-files limit is %d; the drill needs %d", lim.Cur, need)
	}
}

// heapInUse is the live heap after two collections (the second empties
// the sync.Pools' victim caches, where fasthttp keeps buffers).
func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// settle polls cond until it holds, failing after limit (a generous bound
// that only keeps a broken run from hanging: the drill measures nothing by
// the clock).
func settle(t *testing.T, limit time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	end := time.Now().Add(limit)
	for {
		ok, state := cond()
		if ok {
			return
		}
		if time.Now().After(end) {
			t.Fatalf("%s: not settled after %s: %s", what, limit, state)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestWSConnectionsDrill: 2,000 websocket clients on one server over
// loopback — 1,900 displays that read and 100 slow desk clients that stop
// reading — while a reconnect storm dials, aborts and closes connections as
// fast as it can and the hall issues and calls. The slow clients are
// dropped instead of buffering without bound; every call reaches every
// display that reads; the heap with 2,000 clients stays under a bound per
// client; and once every client is gone the hub holds none and the
// goroutines and the heap are back to their level before (polled until
// settled, with a tolerance). make test runs a quarter of it (475 + 25
// clients, a short storm) to stay within its time; HALLQ_DRILL=1 (make
// drill) runs all 2,000 with a longer storm.
func TestWSConnectionsDrill(t *testing.T) {
	displays, slow, stormWorkers, stormRounds, calls := 475, 25, 20, 5, 3
	if os.Getenv("HALLQ_DRILL") != "" {
		displays, slow, stormWorkers, stormRounds, calls = 1900, 100, 100, 40, 40
	}
	raiseOpenFiles(t, uint64(2*(displays+slow+stormWorkers)+256))
	e := wsEnv(t)
	display := e.device(hall.KindDisplay, 0)
	manager := e.login("manager", 0)
	clerk := e.login("clerk1", 1)
	// The slow desk clients' frames carry counter 1's waiting list: with a
	// few hundred waiting, their buffers fill after a few dozen frames.
	e.wsIssueMany(400)
	hub := e.srv.Hub()

	goBefore, heapBefore := runtime.NumGoroutine(), heapInUse()
	start := time.Now()

	// Dial the displays and the slow clients, 50 at a time.
	ds := make([]*connsDisplay, displays)
	slows := make([]*websocket.Conn, slow)
	dialer := &websocket.Dialer{HandshakeTimeout: 30 * time.Second}
	slowDialer := &websocket.Dialer{HandshakeTimeout: 30 * time.Second,
		NetDialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			var d net.Dialer
			c, err := d.DialContext(ctx, network, addr)
			if err == nil {
				c.(*net.TCPConn).SetReadBuffer(8 << 10)
			}
			return c, err
		}}
	var dialErr atomic.Value
	var wg sync.WaitGroup
	work := make(chan int)
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				if i < displays {
					d := &connsDisplay{done: make(chan struct{}), dial: func(since uint64) (*websocket.Conn, error) {
						c, res, err := dialer.Dial(e.wsURL("display", since), wsHeader(display, ""))
						if res != nil {
							res.Body.Close()
						}
						return c, err
					}}
					c, err := d.dial(0)
					if err != nil {
						dialErr.Store(fmt.Errorf("display %d: %w", i, err))
						continue
					}
					d.conn = c
					ds[i] = d
					go d.read()
					continue
				}
				c, res, err := slowDialer.Dial(e.wsURL("desk/1", 0), wsHeader(manager, ""))
				if err != nil {
					dialErr.Store(fmt.Errorf("slow client %d: %w", i-displays, err))
					continue
				}
				res.Body.Close()
				if _, _, err := c.ReadMessage(); err != nil { // its snapshot, then nothing
					dialErr.Store(fmt.Errorf("slow client %d snapshot: %w", i-displays, err))
				}
				slows[i-displays] = c
			}
		}()
	}
	for i := range displays + slow {
		work <- i
	}
	close(work)
	wg.Wait()
	if err, _ := dialErr.Load().(error); err != nil {
		t.Fatalf("dial: %v", err)
	}
	settle(t, 2*time.Minute, "every client registered", func() (bool, string) {
		return hub.Clients() == displays+slow, fmt.Sprintf("%d clients", hub.Clients())
	})
	t.Logf("%s: %d clients connected", time.Since(start).Round(time.Second), hub.Clients())

	// The storm: workers dial and hang up as fast as they can — after the
	// snapshot, before reading anything, or by dropping the TCP connection
	// without a close frame — while the hall issues and calls.
	var storms, stormErrs atomic.Int64
	stormCtx, stopStorm := context.WithCancel(context.Background())
	var swg sync.WaitGroup
	for w := range stormWorkers {
		swg.Add(1)
		go func() {
			defer swg.Done()
			for r := 0; r < stormRounds && stormCtx.Err() == nil; r++ {
				c, res, err := dialer.Dial(e.wsURL("display", uint64(r)), wsHeader(display, ""))
				if err != nil {
					stormErrs.Add(1)
					continue
				}
				res.Body.Close()
				switch (w + r) % 3 {
				case 0:
					c.SetReadDeadline(time.Now().Add(30 * time.Second))
					c.ReadMessage()
					c.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""))
					c.Close()
				case 1:
					c.Close()
				case 2:
					c.NetConn().(*net.TCPConn).SetLinger(0) // a reset, as a dropped Wi-Fi
					c.NetConn().Close()
				}
				storms.Add(1)
			}
		}()
	}
	var heapPeak uint64
	var lastCall uint64
	for i := range calls {
		e.wsIssue(1)
		e.actTicket(clerk, 1, "call", nil)
		e.act(clerk, 1, "finish", nil, 200)
		_, lastCall = e.hall.Snapshot()
		if i == calls/2 {
			heapPeak = heapInUse()
		}
	}
	swg.Wait()
	stopStorm()
	t.Logf("%s: the storm is over", time.Since(start).Round(time.Second))

	// Every display that reads has seen the hall up to the last call, and
	// every call.
	settle(t, 2*time.Minute, "the displays caught up", func() (bool, string) {
		behind := 0
		for _, d := range ds {
			if d.seq.Load() < lastCall {
				behind++
			}
		}
		return behind == 0, fmt.Sprintf("%d displays behind sequence %d", behind, lastCall)
	})
	evs, err := e.hall.Events(0, 100000)
	if err != nil {
		t.Fatal(err)
	}
	var calledSeqs []uint64
	for _, ev := range evs {
		if ev.Type == queue.EvCalled {
			calledSeqs = append(calledSeqs, ev.Seq)
		}
	}
	if len(calledSeqs) != calls {
		t.Fatalf("%d calls in the log, want %d", len(calledSeqs), calls)
	}
	missed := 0
	for _, d := range ds {
		for _, s := range calledSeqs {
			if _, ok := d.called.Load(s); !ok {
				missed++
			}
		}
	}
	if missed > 0 {
		t.Errorf("%d calls did not reach a display that reads (of %d × %d)", missed, len(ds), calls)
	}
	// The slow clients were let go, not buffered for: the hub holds the
	// displays only.
	settle(t, 2*time.Minute, "the slow clients dropped", func() (bool, string) {
		return hub.Clients() == displays, fmt.Sprintf("%d clients (%d dropped for being slow)", hub.Clients(), hub.Dropped())
	})
	t.Logf("%s: every call reached every display; the slow clients are gone", time.Since(start).Round(time.Second))
	perClient := int64(heapPeak-heapBefore) / int64(displays+slow)
	if heapPeak < heapBefore {
		perClient = 0
	}
	// Both ends of each connection live in this process (client and server
	// buffers); 256 KiB a connection would be a leak of frames.
	if perClient > 256<<10 {
		t.Errorf("heap with %d clients: %d bytes a client (before %d, peak %d)", displays+slow, perClient, heapBefore, heapPeak)
	}

	// Everyone leaves.
	for _, c := range slows {
		c.Close()
	}
	var redials int64
	for _, d := range ds {
		d.stop()
		redials += d.redials.Load()
	}
	settle(t, 2*time.Minute, "the hub emptied", func() (bool, string) {
		return hub.Clients() == 0, fmt.Sprintf("%d clients", hub.Clients())
	})
	const goTolerance = 10
	settle(t, 2*time.Minute, "goroutines back to the baseline", func() (bool, string) {
		n := runtime.NumGoroutine()
		if n <= goBefore+goTolerance {
			return true, ""
		}
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		return false, fmt.Sprintf("%d goroutines, %d before; some of them:\n%s", n, goBefore, firstStacks(string(buf), 8))
	})
	heapAfter := heapInUse()
	// What the clients held is given back: at least three quarters of it
	// (the rest is pools and the hall's own growth from the drill's events).
	if heapPeak > heapBefore && heapAfter > heapBefore+(heapPeak-heapBefore)/4 {
		t.Errorf("heap after every client left: %.1f MB, before %.1f MB, with the clients %.1f MB", mb(heapAfter), mb(heapBefore), mb(heapPeak))
	}
	t.Logf("figures: %d displays + %d slow clients; storm %d connections (%d dial errors); %d calls reached every display (%d displays dialled again after the server let them go); %d slow clients dropped; heap before %.1f MB, with the clients %.1f MB (%.1f KB a client, both ends), after %.1f MB; goroutines before %d, after %d",
		displays, slow, storms.Load(), stormErrs.Load(), calls, redials, hub.Dropped(), mb(heapBefore), mb(heapPeak), float64(perClient)/1024, mb(heapAfter), goBefore, runtime.NumGoroutine())
}

func mb(b uint64) float64 { return float64(b) / (1 << 20) }

// firstStacks returns the first n goroutine stacks of a dump.
func firstStacks(dump string, n int) string {
	parts := strings.SplitN(dump, "\n\n", n+1)
	if len(parts) > n {
		parts = parts[:n]
	}
	return strings.Join(parts, "\n\n")
}
