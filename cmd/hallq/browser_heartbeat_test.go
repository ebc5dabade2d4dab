package main

import (
	"context"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"hallq/hall"
)

// freezeProxy is a TCP relay that can go silent without closing anything,
// as a display sees its Wi-Fi drop: frozen, it forwards no byte either way
// and holds new connections unanswered; thawed, it closes what it held (those
// links are gone) and relays again.
type freezeProxy struct {
	URL    string
	ln     net.Listener
	target string

	mu     sync.Mutex
	frozen bool
	thaw   chan struct{} // closed on Thaw
	conns  map[net.Conn]struct{}
}

func newFreezeProxy(t testing.TB, target string) *freezeProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &freezeProxy{URL: "http://" + ln.Addr().String(), ln: ln, target: target,
		thaw: make(chan struct{}), conns: map[net.Conn]struct{}{}}
	go p.accept()
	t.Cleanup(func() {
		ln.Close()
		p.mu.Lock()
		for c := range p.conns {
			c.Close()
		}
		p.mu.Unlock()
	})
	return p
}

func (p *freezeProxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.conns[c] = struct{}{}
	return p.frozen
}

func (p *freezeProxy) accept() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		if p.track(c) {
			continue // held, unanswered, until Thaw closes it
		}
		up, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			continue
		}
		p.track(up)
		go p.pipe(c, up)
		go p.pipe(up, c)
	}
}

// pipe copies src to dst, dropping what arrives while frozen; it closes
// both ends when src ends, unless frozen (a dead link closes nothing).
func (p *freezeProxy) pipe(dst, src net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		p.mu.Lock()
		frozen, thaw := p.frozen, p.thaw
		p.mu.Unlock()
		if frozen {
			<-thaw // Thaw closes both ends
			return
		}
		if n > 0 {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				err = werr
			}
		}
		if err != nil {
			if err != io.EOF {
				src.Close()
			}
			dst.Close()
			return
		}
	}
}

// Freeze stops every byte from now on.
func (p *freezeProxy) Freeze() {
	p.mu.Lock()
	p.frozen = true
	p.mu.Unlock()
}

// Thaw closes every connection made before or during the freeze and relays
// new ones again.
func (p *freezeProxy) Thaw() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.frozen = false
	for c := range p.conns {
		c.Close()
	}
	p.conns = map[net.Conn]struct{}{}
	close(p.thaw)
	p.thaw = make(chan struct{})
}

// TestBrowserHeartbeatOffline: a display whose link goes silent without
// closing (the relay in front of it stops passing bytes) shows that it is
// offline by itself, as it hears no heartbeat; when the link returns it
// reconnects and shows what happened meanwhile. The test waits for each
// state; it never races the page's timers.
func TestBrowserHeartbeatOffline(t *testing.T) {
	t.Parallel()
	h := newTestHall(t)
	h.Web.Heartbeat = 300 * time.Millisecond
	h.Restart(t)
	px := newFreezeProxy(t, strings.TrimPrefix(h.URL, "http://"))
	display := h.Browser(t, 1920, 1080)
	const waitingA = `document.querySelector("#d-services [data-field=waiting]")`
	code, err := h.Main.Features.Account.PairingForDevice(context.Background(), h.Device(hall.KindDisplay, 0))
	if err != nil {
		t.Fatal(err)
	}
	h.run(t, display, open(px.URL+"/pair/code/"+code),
		waitJS(`document.readyState === "complete" && location.pathname === "/display"`, "the display page through the relay"),
		waitJS(`document.body.dataset.live === "live" && document.getElementById("conn").hidden`, "the display live"),
		waitJS(waitingA+`.textContent === "0"`, "no one waiting"))

	px.Freeze()
	h.run(t, display, waitJS(`document.body.dataset.live !== "live" && !document.getElementById("conn").hidden`,
		"the display showing its link is down"))

	// A customer takes a ticket while the display cannot hear.
	kiosk := hall.Principal{Kind: "device", Name: "kiosk", Role: hall.KindKiosk}
	if _, err := h.Main.Hall.Issue(context.Background(), kiosk, hall.IssueRequest{Service: "A", Priority: "normal"}); err != nil {
		t.Fatal(err)
	}
	px.Thaw()
	h.run(t, display,
		waitJS(`document.body.dataset.live === "live" && document.getElementById("conn").hidden`, "the display live again"),
		waitJS(waitingA+`.textContent === "1"`, "the ticket taken while it was offline"))
}
